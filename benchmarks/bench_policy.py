"""Maintenance-policy benchmark: all four policies on one plant, one JSON line.

Usage: python benchmarks/bench_policy.py [PLANT_FILE] [DAYS] [SEEDS]

Defaults: the example plant, 90 days, seeds 1..3. Prints per policy the mean total cost,
policy cost (total less micro-stops), breakdown hours, unplanned downtime and on-time rate,
and the target ratios of docs/decisions.md: predictive / preventive total cost, predictive /
run-to-failure unplanned downtime, the share of the oracle's saving over run to failure that
predictive captures, and predictive minus preventive on-time rate.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from smartfactory.config import load_plant
from smartfactory.sim.evaluate import POLICIES, evaluate

KEYS = (
    "total_cost",
    "total_cost_std",
    "policy_cost",
    "breakdown_h",
    "unplanned_downtime_h",
    "on_time_rate",
    "failures",
    "preventive_jobs",
)


def main(argv: list[str]) -> None:
    plant_file = (
        Path(argv[0])
        if argv
        else Path(__file__).parents[1] / "src/smartfactory/config/example_plant.yaml"
    )
    days = float(argv[1]) if len(argv) > 1 else 90.0
    seeds = list(range(1, 1 + (int(argv[2]) if len(argv) > 2 else 3)))
    plant = load_plant(plant_file)
    t0 = time.perf_counter()
    runs = {p: evaluate(plant, p, days=days, seeds=seeds) for p in POLICIES}
    wall = time.perf_counter() - t0

    def f(policy: str, key: str) -> float:
        value = runs[policy][key]
        if not isinstance(value, int | float):
            raise TypeError(f"{policy} {key} is not a number")
        return float(value)

    rtf, prev, pred, orc = "run-to-failure", "preventive", "predictive", "oracle"
    oracle_saving = f(rtf, "total_cost") - f(orc, "total_cost")
    out: dict[str, object] = {
        "bench": "policy",
        "plant": plant_file.name,
        "days": days,
        "seeds": seeds,
        "wall_s": round(wall, 1),
        "policies": {p: {k: runs[p][k] for k in KEYS} for p in POLICIES},
        "predictive_over_preventive_total_cost": f(pred, "total_cost") / f(prev, "total_cost"),
        "predictive_over_preventive_policy_cost": f(pred, "policy_cost") / f(prev, "policy_cost"),
        "predictive_over_rtf_unplanned_downtime": f(pred, "unplanned_downtime_h")
        / f(rtf, "unplanned_downtime_h"),
        "predictive_over_rtf_breakdown_h": f(pred, "breakdown_h")
        / max(f(rtf, "breakdown_h"), 1e-9),
        "oracle_saving_captured": (f(rtf, "total_cost") - f(pred, "total_cost")) / oracle_saving
        if oracle_saving > 0
        else None,
        "on_time_predictive_minus_preventive": f(pred, "on_time_rate") - f(prev, "on_time_rate"),
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1:])
