"""Job-shop (JSSP) makespan benchmark: one JSON line, as `smartfactory bench jssp --json`.

Usage: python benchmarks/bench_jssp.py [NAMES] [TIME_LIMIT_S] [--baseline]
(NAMES comma-separated, default ft10,la16,ta01; instances from $SF_JSSP_DIR or shared.)
"""

from __future__ import annotations

import json
import sys

from smartfactory.decisions.scheduling.benchmark import bench, default_jssp_file, load_jssp


def main(argv: list[str]) -> None:
    baseline = "--baseline" in argv
    args = [a for a in argv if a != "--baseline"]
    names = (args[0] if args else "ft10,la16,ta01").split(",")
    limit = float(args[1]) if len(args) > 1 else 10.0
    instances = load_jssp(default_jssp_file(), names)
    print(json.dumps(bench(instances, limit, baseline=baseline)))


if __name__ == "__main__":
    main(sys.argv[1:])
