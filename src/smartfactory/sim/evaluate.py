"""Policy evaluation: run a plant under maintenance policies over several seeds and compare.

``evaluate(plant, "predictive", days=365, seeds=range(1, 11))`` returns one JSON-ready dict:
every field of :class:`~smartfactory.sim.results.SimulationResult` averaged over the seeds
(instants and currency from the first), plus ``policy``, ``seeds``, ``on_time_rate`` (orders
due within the run that finished by their due instant; 1.0 when none fell due),
``policy_cost`` (``total_cost`` less the cost of micro-stops, which no maintenance policy
changes) and ``<key>_std`` (population standard deviation over the seeds) for the main
figures. Policies are built by :func:`make_policy` with their own seed (``policy_seed``),
separate from the simulation seeds: the predictive policy's training histories and the Monte
Carlo of the baselines never share random numbers with the evaluated runs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path

import numpy as np

from smartfactory.domain.assets import Plant
from smartfactory.sim.engine import FactorySimulation
from smartfactory.sim.hook import MaintenancePolicy
from smartfactory.sim.policies import Oracle, Preventive, RunToFailure
from smartfactory.sim.predictive import Predictive

__all__ = ["POLICIES", "STD_KEYS", "evaluate", "make_policy", "on_time_rate"]

POLICIES = ("run-to-failure", "preventive", "predictive", "oracle")
STD_KEYS = (
    "total_cost",
    "policy_cost",
    "unplanned_downtime_h",
    "breakdown_h",
    "on_time_rate",
    "failures",
    "preventive_jobs",
    "oee",
)
DEFAULT_POLICY_SEED = 1_000_003
SeedProgress = Callable[[int, float, float], None]


def make_policy(name: str, seed: int = DEFAULT_POLICY_SEED) -> MaintenancePolicy:
    """A fresh policy by name (one of :data:`POLICIES`)."""
    if name == "run-to-failure":
        return RunToFailure()
    if name == "preventive":
        return Preventive(seed=seed)
    if name == "predictive":
        return Predictive(seed=seed)
    if name == "oracle":
        return Oracle(seed=seed)
    raise ValueError(f"unknown policy {name!r}; expected one of {', '.join(POLICIES)}")


def on_time_rate(sim: FactorySimulation) -> float:
    """Share of orders due by now that were done by their due instant (1.0 if none due)."""
    now = sim.env.now
    due = [o for o in sim.shop.orders.values() if o.due <= now]
    if not due:
        return 1.0
    on_time = sum(1 for o in due if o.finished is not None and o.finished <= o.due)
    return on_time / len(due)


def evaluate(
    plant: Plant,
    policy: str,
    *,
    days: float,
    seeds: Sequence[int],
    cmapss_dir: Path | str | None = None,
    policy_seed: int = DEFAULT_POLICY_SEED,
    progress: SeedProgress | None = None,
) -> dict[str, object]:
    """Mean figures of ``policy`` over ``seeds`` (see the module docstring).

    ``progress(seed_index, done_s, total_s)`` is called about once per simulated day.
    """
    if not seeds:
        raise ValueError("at least one seed is needed")
    rows: list[dict[str, object]] = []
    for k, seed in enumerate(seeds):
        pol = make_policy(policy, policy_seed)
        sim = FactorySimulation(plant, None, seed=seed, cmapss_dir=cmapss_dir, policy=pol)
        cb = None if progress is None else (lambda d, t, k=k: progress(k, d, t))
        result = sim.run_for(timedelta(days=days), cb)
        row = result.to_dict()
        row["on_time_rate"] = on_time_rate(sim)
        row["policy_cost"] = result.total_cost - result.micro_stop_h * plant.costs.downtime_per_h
        rows.append(row)
    out: dict[str, object] = {"policy": policy, "seeds": list(seeds)}
    for key, first in rows[0].items():
        if isinstance(first, bool) or not isinstance(first, int | float):
            out[key] = first
            continue
        values = np.array([float(r[key]) for r in rows])  # type: ignore[arg-type]
        mean = float(values.mean())
        out[key] = round(mean, 3) if isinstance(first, int) else mean
        if key in STD_KEYS:
            out[f"{key}_std"] = float(values.std())
    return out
