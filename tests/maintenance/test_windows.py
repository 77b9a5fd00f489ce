"""Window features against a straightforward per-row reference."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smartfactory.errors import DataError
from smartfactory.maintenance.rul import WindowFeatures
from smartfactory.maintenance.rul.windows import unit_layout


def reference(values: np.ndarray, k: int, spec: WindowFeatures) -> list[float]:
    """Features of row k of one unit, computed the slow, obvious way (signal 0 only)."""
    x = values[: k + 1, 0]
    out = [x[-1]]
    out += [x[-w:].mean() for w in spec.windows]
    for w in spec.spread_windows:
        seg = x[-w:]
        slope = np.polyfit(np.arange(seg.size), seg, 1)[0] if seg.size > 1 else 0.0
        out += [seg.std(), slope, seg.min(), seg.max()]
    ewms = []
    for a in spec.alphas:
        weights = (1 - a) ** np.arange(k, -1, -1)
        ewms.append(float(np.sum(weights * x) / weights.sum()))
    out += ewms
    out.append(ewms[0] - x[: spec.baseline].mean())
    return out


@settings(max_examples=25, deadline=None)
@given(
    lengths=st.lists(st.integers(1, 40), min_size=1, max_size=4),
    seed=st.integers(0, 10_000),
)
def test_matches_reference(lengths: list[int], seed: int) -> None:
    rng = np.random.default_rng(seed)
    spec = WindowFeatures(windows=(1, 3, 8), spread_windows=(4, 12), alphas=(0.2, 0.6), baseline=5)
    units = np.repeat(np.arange(len(lengths)) * 7 + 3, lengths)
    values = rng.normal(size=(units.size, 2)) * 5 + 20
    features = spec.transform(units, values)
    names = spec.names(["a", "b"])
    assert features.shape == (units.size, len(names))
    cols = [i for i, n in enumerate(names) if n.startswith("a_")]
    start = 0
    for length in lengths:
        block = values[start : start + length]
        for k in range(length):
            row = features[start + k]
            assert row[cols] == pytest.approx(reference(block, k, spec), rel=1e-4, abs=1e-3)
            assert row[-1] == k + 1
        start += length


def test_rows_subset_equals_full() -> None:
    rng = np.random.default_rng(1)
    units = np.repeat([1, 2, 3], [50, 5, 30])
    values = rng.normal(size=(85, 3))
    spec = WindowFeatures()
    at = np.array([0, 49, 54, 84])
    assert np.array_equal(spec.transform(units, values, at), spec.transform(units, values)[at])


def test_long_histories_stay_finite() -> None:
    units = np.zeros(5000, dtype=np.int64)
    values = np.ones((5000, 1))
    out = WindowFeatures(alphas=(0.01, 0.9)).transform(units, values)
    assert np.all(np.isfinite(out))
    ewm_cols = [
        i for i, n in enumerate(WindowFeatures(alphas=(0.01, 0.9)).names(["s"])) if "ewm" in n
    ]
    assert np.allclose(out[:, ewm_cols], 1.0)


def test_rows_must_be_grouped() -> None:
    with pytest.raises(DataError, match="grouped"):
        unit_layout(np.array([1, 2, 1]))
    with pytest.raises(DataError, match="window"):
        WindowFeatures(windows=(0,)).transform(np.zeros(3, dtype=np.int64), np.zeros((3, 1)))
