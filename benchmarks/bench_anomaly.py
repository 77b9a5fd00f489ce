"""SKAB-format anomaly benchmark: one JSON line, as `smartfactory bench anomaly --json`.

Usage: python benchmarks/bench_anomaly.py [DIR] [TRAIN_ROWS]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from smartfactory.maintenance.anomaly.benchmark import bench_anomaly


def main(argv: list[str]) -> None:
    folder = Path(argv[0]) if argv else Path("../shared/datasets/skab-dev")
    train_rows = int(argv[1]) if len(argv) > 1 else 400
    print(json.dumps(bench_anomaly(folder, train_rows)))


if __name__ == "__main__":
    main(sys.argv[1:])
