"""Flexible job-shop (FJSP) makespan benchmark: one JSON line, as `smartfactory bench fjsp --json`.

Usage: python benchmarks/bench_fjsp.py [NAMES] [TIME_LIMIT_S] [--baseline]
(NAMES comma-separated, default mk01..mk10; instances from $SF_FJSP_DIR or shared.)
"""

from __future__ import annotations

import json
import sys

from smartfactory.decisions.scheduling.benchmark import bench, default_fjsp_dir, load_fjsp

BRANDIMARTE = ",".join(f"mk{i:02d}" for i in range(1, 11))


def main(argv: list[str]) -> None:
    baseline = "--baseline" in argv
    args = [a for a in argv if a != "--baseline"]
    names = (args[0] if args else BRANDIMARTE).split(",")
    limit = float(args[1]) if len(args) > 1 else 60.0
    instances = load_fjsp(default_fjsp_dir(), names)
    print(json.dumps(bench(instances, limit, baseline=baseline)))


if __name__ == "__main__":
    main(sys.argv[1:])
