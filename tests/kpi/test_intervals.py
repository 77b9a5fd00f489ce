from __future__ import annotations

import numpy as np

from smartfactory.kpi.intervals import Counts, Intervals, clip_fill, covering, split_at


def make(
    rows: list[tuple[int, int, int, int]], machines: tuple[str, ...] = ("a", "b")
) -> Intervals:
    arr = np.array(rows, dtype=np.int64).reshape(-1, 4)
    z = np.zeros(len(arr), dtype=np.int32)
    return Intervals(arr[:, 0].astype(np.int32), arr[:, 1], arr[:, 2], arr[:, 3].astype(np.int8),
                     z, z, z, machines)  # fmt: skip


def test_clip_fill_trims_overlaps_and_fills_gaps() -> None:
    iv = clip_fill(make([(0, 0, 50, 1), (0, 40, 70, 7), (0, 80, 200, 2)]), 10, 100)
    got = list(
        zip(iv.machine.tolist(), iv.start.tolist(), iv.end.tolist(), iv.state.tolist(), strict=True)
    )
    assert got == [(0, 10, 50, 1), (0, 50, 70, 7), (0, 70, 80, 0), (0, 80, 100, 2), (1, 10, 100, 0)]


def test_split_at_boundaries() -> None:
    iv, src = split_at(make([(0, 0, 100, 1), (0, 100, 120, 2)]), np.array([50, 100, 110]))
    assert list(zip(iv.start.tolist(), iv.end.tolist(), strict=True)) == [
        (0, 50),
        (50, 100),
        (100, 110),
        (110, 120),
    ]
    assert src.tolist() == [0, 0, 1, 1]


def test_covering_prefers_the_interval_ending_at_the_count() -> None:
    iv = make([(0, 0, 10, 1), (0, 10, 20, 2), (1, 0, 20, 1)])
    ct = Counts(
        np.array([0, 0, 0, 1], np.int32),
        np.array([0, 10, 15, 5]),
        np.ones(4, np.int64),
        np.zeros(4, np.int64),
    )
    assert covering(iv, ct).tolist() == [0, 0, 1, 2]
