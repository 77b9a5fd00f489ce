"""Hypothesis properties of the ISO 22400 core: bounds, OEE = A x E x Q, additivity."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from smartfactory.kpi.intervals import Counts, Intervals
from smartfactory.kpi.offline import OfflineResult, oee_from_arrays

MACHINES = ("a", "b", "c")
segment = st.tuples(st.integers(0, 3), st.integers(1, 600), st.integers(0, 8))  # gap, len, state


@st.composite
def data(draw: st.DrawFn) -> tuple[Intervals, Counts]:
    rows: list[tuple[int, int, int, int]] = []
    for m in range(len(MACHINES)):
        t = draw(st.integers(0, 100))
        for gap, length, state in draw(st.lists(segment, max_size=12)):
            t += gap * 30
            rows.append((m, t, t + length, state))
            t += length
    counts = draw(
        st.lists(
            st.tuples(
                st.integers(0, 2), st.integers(0, 8000), st.integers(0, 9), st.integers(0, 3)
            ),
            max_size=20,
        )
    )
    arr = np.array(rows, dtype=np.int64).reshape(-1, 4)
    order = np.lexsort((arr[:, 1], arr[:, 0]))
    arr = arr[order] * np.array([1, 10**6, 10**6, 1])
    zeros = np.zeros(len(arr), dtype=np.int32)
    iv = Intervals(
        arr[:, 0].astype(np.int32), arr[:, 1], arr[:, 2], arr[:, 3].astype(np.int8),
        zeros, zeros, zeros, MACHINES,
    )  # fmt: skip
    c = np.array(counts, dtype=np.int64).reshape(-1, 4)
    c = c[np.lexsort((c[:, 1], c[:, 0]))]
    return iv, Counts(c[:, 0].astype(np.int32), c[:, 1] * 10**6, c[:, 2], c[:, 3])


IDEAL = {"a": 1.0, "b": 2.5, "c": 0.5}


def run(iv: Intervals, ct: Counts, lo: int, hi: int) -> OfflineResult:
    return oee_from_arrays(iv, ct, IDEAL, lo * 10**6, hi * 10**6)


@settings(max_examples=60, deadline=None)
@given(data(), st.integers(0, 4000), st.integers(1, 5000))
def test_bounds_and_identity(sample: tuple[Intervals, Counts], lo: int, width: int) -> None:
    iv, ct = sample
    report = run(iv, ct, lo, lo + width).report
    for k in [*report.machines.values(), report.total]:
        for ratio in (k.availability, k.quality):
            assert ratio is None or 0.0 <= ratio <= 1.0
        assert k.apt_s <= k.pbt_s + 1e-9
        assert 0 <= k.gq <= k.pq
        if None in (k.availability, k.performance, k.quality):
            assert k.oee is None
        else:
            assert k.oee is not None
            assert math.isclose(k.oee, k.availability * k.performance * k.quality, rel_tol=1e-12)
    machines = report.machines.values()
    assert math.isclose(report.total.pbt_s, sum(k.pbt_s for k in machines), abs_tol=1e-6)
    assert report.total.failures == sum(k.failures for k in machines)


@settings(max_examples=60, deadline=None)
@given(data(), st.integers(0, 3000), st.integers(1, 4000), st.integers(1, 4000))
def test_split_window_sums_to_whole(
    sample: tuple[Intervals, Counts], lo: int, w1: int, w2: int
) -> None:
    iv, ct = sample
    whole = run(iv, ct, lo, lo + w1 + w2).report
    first = run(iv, ct, lo, lo + w1).report
    second = run(iv, ct, lo + w1, lo + w1 + w2).report
    for name in MACHINES:
        a, b, w = first.machines[name], second.machines[name], whole.machines[name]
        assert math.isclose(a.pbt_s + b.pbt_s, w.pbt_s, abs_tol=1e-6)
        assert math.isclose(a.apt_s + b.apt_s, w.apt_s, abs_tol=1e-6)
        assert (a.pq + b.pq, a.gq + b.gq) == (w.pq, w.gq)
        # a failure running across the split is counted once in each half
        assert w.failures <= a.failures + b.failures <= w.failures + 1


def test_public_names() -> None:
    from smartfactory import kpi

    assert all(hasattr(kpi, name) for name in kpi.__all__)
    assert {"oee", "oee_rollups", "losses", "assign_reason", "oee_from_files"} <= set(kpi.__all__)
