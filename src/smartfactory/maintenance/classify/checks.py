"""The contract check of failure classifiers, and synthetic failure histories with known modes.

:func:`synthetic_failures` makes machines whose runs end in one of two failure modes (``a``:
signal 0 drifts up; ``b``: signal 1 drifts down, the rarer one), with noise signals beside.
:func:`check_classifier` runs the model rules (see :mod:`smartfactory.maintenance.checks`) on
a classifier: parameters, errors before fit, determinism, pickling, probabilities, and a
macro-F1 clearly above the majority-class baseline on held-out machines.
"""

from __future__ import annotations

import pickle

import numpy as np

from smartfactory.errors import DataError
from smartfactory.maintenance.checks import ContractError, _check_params, _require
from smartfactory.maintenance.classify.evaluate import evaluate
from smartfactory.maintenance.classify.model import FailureClassifier
from smartfactory.maintenance.classify.windows import (
    FailureLabels,
    Series,
    WindowSet,
    make_windows,
)

__all__ = ["check_classifier", "synthetic_failures", "synthetic_windows"]


def synthetic_failures(
    seed: int, machines: int = 24, rare_share: float = 0.25
) -> tuple[list[Series], FailureLabels]:
    """Run-to-failure series (4 signals) whose mode shows in the last 100 steps; labels."""
    rng = np.random.default_rng(seed)
    series, names, times, modes = [], [], [], []
    for k in range(machines):
        life = int(rng.integers(220, 320))
        t = np.arange(life, dtype=np.float64)
        x = rng.normal(size=(life, 4))
        wear = np.clip((t - (life - 100)) / 100.0, 0.0, None) ** 1.5 * 3.0
        mode = "b" if rng.random() < rare_share else "a"
        if mode == "a":
            x[:, 0] += wear
        else:
            x[:, 1] -= wear
        x[:, 2] += 0.3 * wear  # shared by both modes: wear, but not which mode
        series.append(Series(f"m{k}", t, x))
        names.append(f"m{k}")
        times.append(float(life - 1))
        modes.append(mode)
    return series, FailureLabels(tuple(names), np.asarray(times), tuple(modes))


def synthetic_windows(seed: int, machines: int = 24) -> WindowSet:
    """Labelled windows of :func:`synthetic_failures`."""
    series, labels = synthetic_failures(seed, machines)
    return make_windows(
        series,
        labels,
        [f"x{j}" for j in range(4)],
        window=20,
        min_lead=5,
        max_lead=60,
        none_after=110,
        stride=3,
    )


def check_classifier(model: FailureClassifier, seed: int = 0) -> None:
    """Run every classifier rule on clones of ``model``; ContractError on the first failure."""
    _check_params(model)
    windows = synthetic_windows(seed)
    try:
        model.clone().predict(windows.x[:2])
    except DataError:
        pass
    else:
        raise ContractError("predict before fit raises DataError")
    a = model.clone().fit(windows.x, list(windows.y), windows.names)
    b = model.clone().fit(windows.x, list(windows.y), windows.names)
    pa_, pb = a.predict_proba(windows.x), b.predict_proba(windows.x)
    _require(np.array_equal(pa_, pb), "the same hyper-parameters give the same fit")
    _require(pa_.shape == (windows.x.shape[0], len(a.classes_)), "one probability per class")
    _require(bool(np.allclose(pa_.sum(axis=1), 1.0)), "probabilities sum to 1")
    copy = pickle.loads(pickle.dumps(a))  # noqa: S301 - our own object, just pickled
    _require(np.array_equal(copy.predict_proba(windows.x), pa_), "pickling keeps the fit")
    report = evaluate(windows, model, test_fraction=0.3, seed=seed)
    _require(
        report.macro_f1 >= report.baseline_macro_f1 + 0.3,
        f"macro-F1 clearly above the majority baseline ({report.macro_f1:.2f} vs "
        f"{report.baseline_macro_f1:.2f})",
    )
