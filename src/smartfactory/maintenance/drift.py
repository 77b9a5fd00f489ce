"""Drift: whether recent inputs still look like the data a model was trained on.

Per feature, the training values are cut into ``bins`` (10) quantile bins; the *population
stability index* compares the share of recent values in each bin (``a``) with the training share
(``e``): ``PSI = sum((a - e) * ln(a / e))`` (shares floored at 1e-4). The same is done for the
model's anomaly score (health models) so that a changed score distribution is visible even when
each feature moves a little.

Thresholds (the usual credit-scoring rule of thumb, which we adopt):

* PSI < 0.10: stable;
* 0.10 <= PSI < 0.25: moderate shift, watch it;
* PSI >= 0.25: significant shift.

**Retrain** when any feature or the score has PSI >= 0.25, or when at least half of the
features have PSI >= 0.10. Fewer than ``min_rows`` (200) recent rows give no verdict (PSI of a
small sample is noisy: for 10 bins and n rows, its expected value under no drift is about
9 / n).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from smartfactory.errors import DataError
from smartfactory.maintenance.base import FloatArray, as_matrix

__all__ = [
    "MODERATE",
    "SIGNIFICANT",
    "DriftReport",
    "FeatureDrift",
    "drift_report",
    "make_reference",
    "psi",
    "reference_bins",
]

MODERATE = 0.10
SIGNIFICANT = 0.25
_FLOOR = 1e-4


def reference_bins(values: FloatArray, bins: int = 10) -> tuple[FloatArray, FloatArray]:
    """Inner quantile edges of ``values`` (one column) and the share of training values per bin."""
    v = np.asarray(values, dtype=np.float64).reshape(-1)
    if v.shape[0] == 0:
        raise DataError("no reference values")
    edges = np.unique(np.quantile(v, np.linspace(0.0, 1.0, bins + 1)[1:-1]))
    shares = np.bincount(np.searchsorted(edges, v, side="right"), minlength=edges.shape[0] + 1)
    return edges, shares / v.shape[0]


def psi(edges: FloatArray, expected: FloatArray, actual: FloatArray) -> float:
    """Population stability index of ``actual`` values against the binned reference."""
    a = np.asarray(actual, dtype=np.float64).reshape(-1)
    if a.shape[0] == 0:
        raise DataError("no recent values")
    counts = np.bincount(np.searchsorted(edges, a, side="right"), minlength=expected.shape[0])
    got = np.maximum(counts / a.shape[0], _FLOOR)
    exp = np.maximum(np.asarray(expected, dtype=np.float64), _FLOOR)
    return float(np.sum((got - exp) * np.log(got / exp)))


@dataclass(frozen=True, slots=True)
class FeatureDrift:
    """PSI of one feature (or of the score) and its band: stable, moderate or significant."""

    name: str
    psi: float
    level: str


@dataclass(frozen=True, slots=True)
class DriftReport:
    """PSI per feature and of the score; whether to retrain and why."""

    rows: int
    features: tuple[FeatureDrift, ...]
    score: FeatureDrift | None
    retrain: bool
    reasons: tuple[str, ...]

    def public(self) -> dict[str, object]:
        """A JSON-ready dict."""
        return {
            "rows": self.rows,
            "features": {f.name: round(f.psi, 4) for f in self.features},
            "score_psi": None if self.score is None else round(self.score.psi, 4),
            "retrain": self.retrain,
            "reasons": list(self.reasons),
        }


def _level(value: float) -> str:
    if value >= SIGNIFICANT:
        return "significant"
    return "moderate" if value >= MODERATE else "stable"


def make_reference(
    x: FloatArray, names: Sequence[str], scores: FloatArray | None = None, bins: int = 10
) -> dict[str, np.ndarray]:
    """Arrays to save with a model (``reference.npz``) from its training rows and scores."""
    data = as_matrix(x)
    ref: dict[str, np.ndarray] = {"names": np.array(list(names), dtype=np.str_)}
    for j, name in enumerate(names):
        edges, shares = reference_bins(data[:, j], bins)
        ref[f"edges:{name}"], ref[f"shares:{name}"] = edges, shares
    if scores is not None:
        ref["edges:__score__"], ref["shares:__score__"] = reference_bins(scores, bins)
    return ref


def drift_report(
    reference: dict[str, np.ndarray],
    x: FloatArray,
    names: Sequence[str],
    scores: FloatArray | None = None,
    min_rows: int = 200,
) -> DriftReport:
    """Compare recent rows ``x`` (columns ``names``) and ``scores`` with a saved reference."""
    data = np.asarray(x, dtype=np.float64)
    if data.ndim != 2 or data.shape[1] != len(names):
        raise DataError("x must have one column per name")
    out: list[FeatureDrift] = []
    for j, name in enumerate(names):
        if f"edges:{name}" not in reference:
            continue
        column = data[:, j][np.isfinite(data[:, j])]
        if column.shape[0] == 0:
            continue
        value = psi(reference[f"edges:{name}"], reference[f"shares:{name}"], column)
        out.append(FeatureDrift(name, value, _level(value)))
    score = None
    if scores is not None and "edges:__score__" in reference and np.size(scores) > 0:
        value = psi(reference["edges:__score__"], reference["shares:__score__"], scores)
        score = FeatureDrift("anomaly_score", value, _level(value))
    rows = int(data.shape[0])
    reasons: list[str] = []
    if rows < min_rows:
        reasons.append(f"only {rows} recent rows (< {min_rows}): no verdict")
        return DriftReport(rows, tuple(out), score, False, tuple(reasons))
    big = [f.name for f in out if f.psi >= SIGNIFICANT]
    if big:
        reasons.append(f"PSI >= {SIGNIFICANT} on {', '.join(big)}")
    if score is not None and score.psi >= SIGNIFICANT:
        reasons.append(f"anomaly-score PSI {score.psi:.2f} >= {SIGNIFICANT}")
    moderate = [f for f in out if f.psi >= MODERATE]
    if out and len(moderate) * 2 >= len(out):
        reasons.append(f"{len(moderate)} of {len(out)} features have PSI >= {MODERATE}")
    return DriftReport(rows, tuple(out), score, bool(reasons), tuple(reasons))
