"""Which failure mode is coming: a LightGBM multi-class classifier with class-imbalance handling.

:class:`FailureClassifier` follows the model contract (hyper-parameters are the constructor
arguments, learnt state ends with ``_``, randomness from ``seed``). Imbalance: with
``class_weight="balanced"`` (the default) every training row is weighted
``n / (classes * rows of its class)``, so each class carries the same total weight and a rare
failure mode is not drowned by ``none`` windows; ``None`` gives every row weight 1.

Metrics (:func:`classification_report`): macro-F1 (the unweighted mean of per-class F1, so a
rare class counts as much as a common one), recall per class, and the macro-F1 of the
majority-class baseline (always predicting the most frequent training class).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Self

import lightgbm as lgb
import numpy as np
import numpy.typing as npt

from smartfactory.errors import DataError
from smartfactory.maintenance.base import Estimator, FloatArray, as_matrix

__all__ = ["ClassReport", "FailureClassifier", "classification_report", "macro_f1"]


class FailureClassifier(Estimator):
    """Gradient-boosted multi-class classifier of failure modes (see the module docstring)."""

    def __init__(
        self,
        *,
        n_estimators: int = 200,
        learning_rate: float = 0.05,
        num_leaves: int = 15,
        min_child_samples: int = 20,
        colsample: float = 0.5,
        class_weight: str | None = "balanced",
        seed: int = 0,
        n_jobs: int = 1,
    ) -> None:
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.colsample = colsample
        self.class_weight = class_weight
        self.seed = seed
        self.n_jobs = n_jobs

    def _weights(self, codes: npt.NDArray[np.int64], k: int) -> FloatArray:
        if self.class_weight is None:
            return np.ones(codes.shape[0])
        if self.class_weight != "balanced":
            raise DataError(f"class_weight must be 'balanced' or None, not {self.class_weight!r}")
        counts = np.bincount(codes, minlength=k).astype(np.float64)
        return np.asarray(codes.shape[0] / (k * counts[codes]), dtype=np.float64)

    def fit(self, x: npt.ArrayLike, y: Sequence[str], names: Sequence[str] | None = None) -> Self:
        """Learn from feature rows ``x`` and their failure-mode labels ``y``."""
        data = as_matrix(x)
        if data.shape[0] != len(y):
            raise DataError("x and y must have the same number of rows")
        classes, codes = np.unique(np.asarray(y, dtype=np.str_), return_inverse=True)
        if classes.shape[0] < 2:
            raise DataError("need at least two classes to classify")
        k = int(classes.shape[0])
        params: dict[str, object] = {
            "objective": "multiclass",
            "num_class": k,
            "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves,
            "min_child_samples": self.min_child_samples,
            "feature_fraction": self.colsample,
            "num_threads": self.n_jobs,
            "seed": self.seed,
            "deterministic": True,
            "force_col_wise": True,
            "verbosity": -1,
        }
        dataset = lgb.Dataset(data, codes.astype(np.float64), weight=self._weights(codes, k))
        self.booster_ = lgb.train(params, dataset, num_boost_round=self.n_estimators)
        self.classes_ = tuple(str(c) for c in classes)
        self.names_ = tuple(names) if names is not None else None
        self.n_features_ = data.shape[1]
        return self

    def predict_proba(self, x: npt.ArrayLike) -> FloatArray:
        """Probability of each class (columns in ``classes_`` order) for the rows of ``x``."""
        if not hasattr(self, "booster_"):
            raise DataError("FailureClassifier is not fitted: call fit() first")
        data = as_matrix(x)
        if data.shape[1] != self.n_features_:
            raise DataError(f"expected {self.n_features_} features, got {data.shape[1]}")
        out = np.asarray(self.booster_.predict(data), dtype=np.float64)
        return out.reshape(data.shape[0], len(self.classes_))

    def predict(self, x: npt.ArrayLike) -> list[str]:
        """The most probable failure mode of each row."""
        idx = np.argmax(self.predict_proba(x), axis=1)
        return [self.classes_[i] for i in idx]


def _f1_recall(
    truth: Sequence[str], pred: Sequence[str], classes: Sequence[str]
) -> tuple[dict[str, float], dict[str, float]]:
    t = np.asarray(truth, dtype=np.str_)
    p = np.asarray(pred, dtype=np.str_)
    f1: dict[str, float] = {}
    recall: dict[str, float] = {}
    for c in map(str, classes):
        tp = float(np.sum((t == c) & (p == c)))
        fp = float(np.sum((t != c) & (p == c)))
        fn = float(np.sum((t == c) & (p != c)))
        f1[c] = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn > 0 else 0.0
        recall[c] = tp / (tp + fn) if tp + fn > 0 else 0.0
    return f1, recall


def macro_f1(truth: Sequence[str], pred: Sequence[str]) -> float:
    """Unweighted mean F1 over the classes present in ``truth``."""
    classes = sorted({str(v) for v in truth})
    f1, _ = _f1_recall(truth, pred, classes)
    return float(np.mean(list(f1.values())))


@dataclass(frozen=True, slots=True)
class ClassReport:
    """Held-out results: macro-F1, per-class recall and F1, the majority baseline, support."""

    macro_f1: float
    recall: dict[str, float]
    f1: dict[str, float]
    baseline_macro_f1: float
    baseline_class: str
    support: dict[str, int]

    def public(self) -> dict[str, object]:
        """A JSON-ready dict."""
        return {
            "macro_f1": round(self.macro_f1, 4),
            "recall": {k: round(v, 4) for k, v in self.recall.items()},
            "f1": {k: round(v, 4) for k, v in self.f1.items()},
            "baseline_macro_f1": round(self.baseline_macro_f1, 4),
            "baseline_class": self.baseline_class,
            "support": self.support,
        }


def classification_report(
    truth: Sequence[str], pred: Sequence[str], train_labels: Sequence[str]
) -> ClassReport:
    """Macro-F1 and per-class recall of ``pred``, with the majority-class baseline."""
    classes = sorted({str(v) for v in truth})
    f1, recall = _f1_recall(truth, pred, classes)
    values, counts = np.unique(np.asarray(train_labels, dtype=np.str_), return_counts=True)
    majority = str(values[int(np.argmax(counts))])
    base = macro_f1(truth, [majority] * len(truth))
    support = {c: int(sum(1 for v in truth if v == c)) for c in classes}
    return ClassReport(float(np.mean(list(f1.values()))), recall, f1, base, majority, support)
