"""C-MAPSS remaining-useful-life benchmark: one JSON line, as `smartfactory bench cmapss --json`.

Usage: python benchmarks/bench_cmapss.py [DIR] [SUBSET|all] [SEEDS]
"""

from __future__ import annotations

import json
import sys

from smartfactory.maintenance.rul.benchmark import bench_cmapss
from smartfactory.maintenance.rul.cmapss import SUBSETS, default_cmapss_dir


def main(argv: list[str]) -> None:
    folder = argv[0] if argv else str(default_cmapss_dir())
    which = argv[1] if len(argv) > 1 else "all"
    seeds = int(argv[2]) if len(argv) > 2 else 5
    subsets = list(SUBSETS) if which == "all" else [which]
    print(json.dumps(bench_cmapss(folder, subsets, seeds)))


if __name__ == "__main__":
    main(sys.argv[1:])
