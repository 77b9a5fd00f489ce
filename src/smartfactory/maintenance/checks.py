"""The contract checks every registered model must pass (after river's ``check_estimator``).

:func:`check_detector` and :func:`check_rul_estimator` take an unfitted model, work on clones
of it and raise :class:`ContractError` naming the broken rule. They use synthetic data drawn
from a seeded generator, so they are deterministic and need no data set.
"""

from __future__ import annotations

import inspect
import pickle

import numpy as np

from smartfactory.errors import DataError, FactoryError
from smartfactory.maintenance.base import Detector, Estimator, FloatArray, RULEstimator

__all__ = [
    "ContractError",
    "check_detector",
    "check_rul_estimator",
    "roc_auc",
    "shifted_stream",
    "synthetic_runs",
]


class ContractError(FactoryError):
    """A model breaks the model contract; the message names the rule."""


def _require(ok: bool, rule: str) -> None:
    if not ok:
        raise ContractError(rule)


def roc_auc(scores: FloatArray, labels: np.ndarray) -> float:
    """Area under the ROC curve (Mann-Whitney, ties counted half)."""
    pos, neg = scores[labels.astype(bool)], scores[~labels.astype(bool)]
    if pos.size == 0 or neg.size == 0:
        raise DataError("ROC-AUC needs both classes")
    order = np.argsort(np.concatenate([pos, neg]), kind="mergesort")
    values = np.concatenate([pos, neg])[order]
    ranks = np.empty(values.size)
    _, first, counts = np.unique(values, return_index=True, return_counts=True)
    avg = first + (counts - 1) / 2.0 + 1.0
    ranks[order] = np.repeat(avg, counts)
    return float((ranks[: pos.size].sum() - pos.size * (pos.size + 1) / 2) / (pos.size * neg.size))


def shifted_stream(
    seed: int, normal: int = 400, shifted: int = 100
) -> tuple[FloatArray, FloatArray]:
    """Correlated 4-signal samples whose last ``shifted`` rows move away; (xs, labels)."""
    rng = np.random.default_rng(seed)
    mix = np.array(
        [[1.0, 0.6, 0.0, 0.0], [0.0, 0.8, 0.3, 0.0], [0.0, 0.0, 1.0, 0.5], [0, 0, 0, 0.7]]
    )
    x = rng.normal(size=(normal + shifted, 4)) @ mix + np.array([10.0, -3.0, 0.5, 100.0])
    x[normal:] += np.array([2.5, -2.0, 0.0, 1.5])
    labels = np.r_[np.zeros(normal), np.ones(shifted)]
    return x, labels


def _check_params(model: Estimator) -> None:
    params = model.get_params()
    signature = inspect.signature(type(model).__init__).parameters
    _require(set(params) == set(signature) - {"self"}, "hyper-parameters are the __init__ args")
    for name, p in signature.items():
        if name != "self" and p.default is not p.empty and p.default is not None:
            same = type(model)()
            _require(getattr(same, name) == p.default, f"{name} is stored unchanged")
    clone = model.clone()
    _require(type(clone) is type(model), "clone() keeps the type")
    _require(repr(clone.get_params()) == repr(params), "clone() keeps the hyper-parameters")


def _named(x: FloatArray) -> dict[str, float]:
    return {f"x{j}": float(v) for j, v in enumerate(x)}


def check_detector(model: Detector, seed: int = 0) -> None:
    """Run every detector rule on clones of ``model``; ContractError on the first failure."""
    _check_params(model)
    xs, labels = shifted_stream(seed)
    cold = model.clone()
    first = cold.score_one(_named(xs[0]))
    _require(np.isfinite(first) and first >= 0.0, "score_one works before learning")
    _require(cold.learn_one(_named(xs[0])) is None, "learn_one returns None")

    def prequential(det: Detector) -> FloatArray:
        scores = np.empty(xs.shape[0])
        for i, row in enumerate(xs):
            scores[i] = det.score_one(_named(row))
            det.learn_one(_named(row))
        return scores

    a, b = model.clone(), model.clone()
    sa, sb = prequential(a), prequential(b)
    _require(bool(np.all(np.isfinite(sa)) and np.all(sa >= 0)), "scores are finite and >= 0")
    _require(np.array_equal(sa, sb), "the same hyper-parameters give the same scores")
    auc = roc_auc(sa, labels)
    _require(auc >= 0.5, f"prequential ROC-AUC on a mean shift is >= 0.5 (got {auc:.3f})")

    probe = _named(xs[10])
    copy = pickle.loads(pickle.dumps(a))  # noqa: S301 - our own object, just pickled
    _require(copy.score_one(probe) == a.score_one(probe), "pickling keeps the learnt state")

    small = model.clone()
    for row in xs[:100]:
        small.learn_one(_named(row))
    long = model.clone()
    rng = np.random.default_rng(seed + 1)
    stream = rng.normal(size=(3000, 4)) @ np.eye(4) + xs[:400].mean(axis=0)
    for row in stream:
        long.learn_one(_named(row))
    size_small, size_long = len(pickle.dumps(small)), len(pickle.dumps(long))
    _require(size_long <= 1.5 * size_small + 1024, "memory stays bounded on a long stream")

    before = long.score_one(probe)
    outlier = {k: v + 1e6 for k, v in probe.items()}
    _require(bool(long.flag([long.score_one(outlier)])[0]), "a gross outlier is flagged")
    long.learn_one(outlier)
    _require(long.score_one(probe) == before, "a flagged sample is never learnt")

    batch = model.clone().fit(xs[:400], [f"x{j}" for j in range(4)])
    scores = batch.score(xs)
    _require(scores.shape == (xs.shape[0],), "score(xs) gives one score per row")
    _require(bool(np.all(np.isfinite(scores))), "batch scores are finite")
    _require(
        abs(batch.score_one(_named(xs[450])) - float(scores[450])) <= 1e-9 * (1 + abs(scores[450])),
        "score_one agrees with score after fit",
    )
    _require(roc_auc(scores[200:], labels[200:]) >= 0.5, "batch ROC-AUC on a mean shift >= 0.5")


def synthetic_runs(
    seed: int, units: int = 30, cap: float = 125.0
) -> tuple[FloatArray, FloatArray, np.ndarray]:
    """Run-to-failure rows (xs: wear signal, noise signal, age), capped RUL y, unit ids."""
    rng = np.random.default_rng(seed)
    xs, ys, gs = [], [], []
    for u in range(units):
        life = int(rng.integers(120, 260))
        age = np.arange(life, dtype=np.float64)
        rul = life - 1 - age
        wear = np.exp(-rul / 40.0) * 5.0 + rng.normal(scale=0.2, size=life)
        xs.append(np.column_stack([wear, rng.normal(size=life), age]))
        ys.append(np.minimum(rul, cap))
        gs.append(np.full(life, u))
    return np.vstack(xs), np.concatenate(ys), np.concatenate(gs)


def check_rul_estimator(model: RULEstimator, seed: int = 0) -> None:
    """Run every RUL-estimator rule on clones of ``model``; ContractError on the first failure."""
    _check_params(model)
    names = ["wear", "noise", "age"]
    cold = model.clone()
    _require(cold.feature_names is None, "no feature names before fit")
    _require(
        cold.predict_one(dict(zip(names, (0.0, 0.0, 0.0), strict=True))) is None,
        "predict_one returns None before fit",
    )
    try:
        cold.predict_interval(np.zeros((1, 3)))
    except DataError:
        pass
    else:
        raise ContractError("predict_interval before fit raises DataError")

    xs, y, g = synthetic_runs(seed)
    xt, yt, _ = synthetic_runs(seed + 1, units=15)
    a = model.clone().fit(xs, y, g, names)
    b = model.clone().fit(xs, y, g, names)
    out = a.predict_interval(xt)
    _require(out.point.shape == yt.shape, "one prediction per row")
    _require(
        np.array_equal(out.point, b.predict(xt)), "the same hyper-parameters give the same fit"
    )
    _require(bool(np.all(np.isfinite(out.point))), "predictions are finite")
    _require(bool(np.all(out.lower >= 0.0)), "lower bounds are >= 0")
    _require(
        bool(np.all((out.lower <= out.point) & (out.point <= out.upper))), "lower <= point <= upper"
    )
    rmse = float(np.sqrt(np.mean((out.point - yt) ** 2)))
    baseline = float(np.sqrt(np.mean((y.mean() - yt) ** 2)))
    _require(
        rmse < 0.7 * baseline, f"beats the mean predictor clearly ({rmse:.1f} vs {baseline:.1f})"
    )
    covered = float(np.mean((yt >= out.lower) & (yt <= out.upper)))
    _require(
        covered >= model.coverage - 0.1,
        f"intervals cover about {model.coverage:.0%} of unseen units' truth (got {covered:.0%})",
    )
    copy = pickle.loads(pickle.dumps(a))  # noqa: S301 - our own object, just pickled
    _require(np.array_equal(copy.predict(xt), out.point), "pickling keeps the fitted model")
    one = a.predict_one(dict(zip(names, xt[5], strict=True)))
    _require(one is not None and abs(one.rul - out.point[5]) < 1e-9, "predict_one agrees")
    _require(a.feature_names == tuple(names), "feature names are kept")
