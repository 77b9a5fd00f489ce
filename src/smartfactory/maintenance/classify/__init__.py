"""Failure classification: which failure mode is coming, from windows of labelled signals."""

from __future__ import annotations

from smartfactory.maintenance.classify.evaluate import evaluate, split_machines
from smartfactory.maintenance.classify.model import (
    ClassReport,
    FailureClassifier,
    classification_report,
    macro_f1,
)
from smartfactory.maintenance.classify.windows import (
    NONE,
    FailureLabels,
    Series,
    WindowSet,
    labels_from_rows,
    make_windows,
    window_feature_names,
)

__all__ = [
    "NONE",
    "ClassReport",
    "FailureClassifier",
    "FailureLabels",
    "Series",
    "WindowSet",
    "classification_report",
    "evaluate",
    "labels_from_rows",
    "macro_f1",
    "make_windows",
    "split_machines",
    "window_feature_names",
]
