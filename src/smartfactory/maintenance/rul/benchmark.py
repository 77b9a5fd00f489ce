"""The C-MAPSS benchmark on the standard protocol, shared by the CLI and ``benchmarks/``.

Protocol: train on every training engine with the RUL target capped at 125; predict once per
test engine at its last cycle; compare with the true RUL capped at 125 as well; report RMSE
and the PHM08 score (late predictions cost more). FD002 and FD004 are normalised per operating
condition (6 conditions); FD001 and FD003 run in one condition. Each seed trains a fresh model;
``train_s`` is the mean wall-clock training time per seed (features included).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from smartfactory.maintenance.base import FloatArray
from smartfactory.maintenance.rul.cmapss import CmapssSubset, load_subset
from smartfactory.maintenance.rul.gbm import GBMRul
from smartfactory.maintenance.rul.pipeline import RunRUL

__all__ = [
    "CAP",
    "CONDITIONS",
    "SeedResult",
    "bench_cmapss",
    "default_model",
    "phm08_score",
    "rmse",
    "run_seed",
]

CAP = 125.0
CONDITIONS = {"FD001": 1, "FD002": 6, "FD003": 1, "FD004": 6}


def rmse(pred: FloatArray, truth: FloatArray) -> float:
    """Root mean squared error."""
    return float(np.sqrt(np.mean((pred - truth) ** 2)))


def phm08_score(pred: FloatArray, truth: FloatArray) -> float:
    """PHM08 score: sum of exp(-d/13) - 1 for early, exp(d/10) - 1 for late predictions."""
    d = pred - truth
    return float(np.sum(np.where(d < 0, np.exp(-d / 13.0) - 1.0, np.exp(d / 10.0) - 1.0)))


def default_model(subset: str, seed: int) -> RunRUL:
    """The product's default RUL pipeline for a C-MAPSS subset."""
    return RunRUL(GBMRul(seed=seed), n_conditions=CONDITIONS[subset], cap=CAP, seed=seed)


@dataclass(frozen=True, slots=True)
class SeedResult:
    """One seed on one subset: errors, interval coverage and training time."""

    rmse: float
    score: float
    coverage: float
    train_s: float


def run_seed(
    data: CmapssSubset, seed: int, make: Callable[[str, int], RunRUL] | None = None
) -> SeedResult:
    """One seed's test-set result of the model from ``make`` (else :func:`default_model`).

    The model trains on ``data.train`` and predicts each test engine at its last cycle.
    """
    factory = make if make is not None else default_model
    start = time.perf_counter()
    model = factory(data.name, seed).fit(data.train)
    train_s = time.perf_counter() - start
    out = model.predict_last(data.test)
    truth = np.minimum(data.test_rul, CAP)
    covered = float(np.mean((truth >= out.lower) & (truth <= out.upper)))
    return SeedResult(rmse(out.point, truth), phm08_score(out.point, truth), covered, train_s)


def bench_cmapss(
    folder: Path | str | None,
    subsets: Sequence[str],
    seeds: int,
    on_done: Callable[[str, int, SeedResult], None] | None = None,
) -> dict[str, dict[str, dict[str, float]]]:
    """``{"subsets": {name: {rmse_mean, rmse_std, score_mean, train_s}}}`` over ``seeds`` seeds.

    ``on_done`` is called after each subset and seed (for progress display).
    """
    report: dict[str, dict[str, float]] = {}
    for name in subsets:
        data = load_subset(name, folder)
        results = []
        for seed in range(seeds):
            result = run_seed(data, seed)
            results.append(result)
            if on_done is not None:
                on_done(name, seed, result)
        errors = np.array([r.rmse for r in results])
        report[name] = {
            "rmse_mean": round(float(errors.mean()), 3),
            "rmse_std": round(float(errors.std()), 3),
            "score_mean": round(float(np.mean([r.score for r in results])), 1),
            "train_s": round(float(np.mean([r.train_s for r in results])), 1),
        }
    return {"subsets": report}
