"""Held-out evaluation of a failure-mode classifier, split by machine (no machine in both parts).

Windows of one machine are strongly correlated, so a random row split would leak; the split
puts whole machines (C-MAPSS: engines) into the test part.
"""

from __future__ import annotations

import numpy as np

from smartfactory.errors import DataError
from smartfactory.maintenance.classify.model import (
    ClassReport,
    FailureClassifier,
    classification_report,
)
from smartfactory.maintenance.classify.windows import WindowSet

__all__ = ["evaluate", "split_machines"]


def split_machines(
    machines: tuple[str, ...], test_fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Boolean (train, test) row masks with whole machines on one side."""
    if not 0.0 < test_fraction < 1.0:
        raise DataError("test_fraction must lie in (0, 1)")
    names = np.asarray(machines, dtype=np.str_)
    distinct = np.unique(names)
    rng = np.random.default_rng(seed)
    n_test = max(1, round(test_fraction * distinct.shape[0]))
    held = rng.permutation(distinct)[:n_test]
    test = np.isin(names, held)
    return ~test, test


def evaluate(
    windows: WindowSet,
    model: FailureClassifier | None = None,
    test_fraction: float = 0.3,
    seed: int = 0,
) -> ClassReport:
    """Fit a clone of ``model`` on the training machines' windows and report on the rest."""
    train, test = split_machines(windows.machine, test_fraction, seed)
    y = np.asarray(windows.y, dtype=np.str_)
    base = model if model is not None else FailureClassifier(seed=seed)
    fitted = base.clone().fit(windows.x[train], list(y[train]), windows.names)
    pred = fitted.predict(windows.x[test])
    return classification_report(list(y[test]), pred, list(y[train]))
