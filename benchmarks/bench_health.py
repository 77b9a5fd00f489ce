"""Benchmark: cost of one machine's health update (score, learn, health index, explanation).

Streams N points of 8 signals through a HealthModel (the first 500 warm it up, then a drift in
one signal), and prints one JSON line with the mean microseconds per update and how many
machines at 1 Hz one core could serve. Run: ``python benchmarks/bench_health.py [--points N]``.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from smartfactory.maintenance import HealthModel


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--points", type=int, default=20_000)
    parser.add_argument("--signals", type=int, default=8)
    args = parser.parse_args()
    rng = np.random.default_rng(1)
    names = [f"s{i}" for i in range(args.signals)]
    data = rng.normal(size=(args.points, args.signals))
    data[args.points // 2 :, 0] += np.linspace(0, 6, args.points - args.points // 2)
    rows = [dict(zip(names, map(float, row), strict=True)) for row in data]
    model = HealthModel()
    for t, x in enumerate(rows[:500]):
        model.update(x, state="producing", t=float(t))
    start = time.perf_counter()
    for t, x in enumerate(rows[500:], start=500):
        model.update(x, state="producing", t=float(t))
    per_update = (time.perf_counter() - start) / (args.points - 500)
    print(json.dumps({
        "benchmark": "health_update", "signals": args.signals, "updates": args.points - 500,
        "us_per_update": round(per_update * 1e6, 1), "target_us": 1000,
        "machines_at_1hz_per_core": int(1 / per_update),
    }))  # fmt: skip


if __name__ == "__main__":
    main()
