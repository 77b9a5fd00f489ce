"""Labelled windows of signals: the training rows of a failure-mode classifier.

Inputs are plain tables, so the classifier depends on no particular source of labels:

* :class:`Series` - one machine's signals: times ``t`` (ascending; seconds, hours or cycles,
  the same unit as the labels) and values ``x`` (rows x signals).
* :class:`FailureLabels` - one row per failure: machine, time of failure, failure mode (for a
  plant, the closed corrective work orders' failure modes).

:func:`make_windows` cuts each machine's history at its failures. Inside a segment, a window
of ``window`` rows ending at a row with ``min_lead <= time to the failure <= max_lead`` is
labelled with that failure's mode (which failure is coming), and a window ending at least
``none_after`` before the next failure (or in a segment no failure ends) is labelled ``none``.
Every ``stride``-th eligible window end is used.

Features per signal (vectorised with strided views, no loop per row): window mean, standard
deviation, least-squares slope, last value, minimum, maximum, and the window mean's distance
from the segment's first ``baseline`` rows in baseline standard deviations (the machine's
own level after its last repair).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import numpy.typing as npt
from numpy.lib.stride_tricks import sliding_window_view

from smartfactory.errors import DataError
from smartfactory.maintenance.base import FloatArray

__all__ = [
    "NONE",
    "FailureLabels",
    "Series",
    "WindowSet",
    "labels_from_rows",
    "make_windows",
    "series_from_mapping",
    "window_feature_names",
]

NONE = "none"
_STATS = ("mean", "std", "slope", "last", "min", "max", "drift")


@dataclass(frozen=True, slots=True)
class Series:
    """One machine's signals over time (rows sorted by ``t``)."""

    machine: str
    t: FloatArray
    x: FloatArray


@dataclass(frozen=True, slots=True)
class FailureLabels:
    """Failures as a plain table: machine, time (same unit as the series), failure mode."""

    machine: tuple[str, ...]
    time: FloatArray
    mode: tuple[str, ...]


def labels_from_rows(rows: Iterable[tuple[str, float | datetime, str]]) -> FailureLabels:
    """A label table from (machine, time, mode) rows; datetimes become epoch seconds."""
    machines, times, modes = [], [], []
    for machine, when, mode in rows:
        machines.append(str(machine))
        times.append(when.timestamp() if isinstance(when, datetime) else float(when))
        modes.append(str(mode))
    return FailureLabels(tuple(machines), np.asarray(times, dtype=np.float64), tuple(modes))


@dataclass(frozen=True, slots=True)
class WindowSet:
    """Feature rows, their labels, the machine of each (for grouped splits) and window end."""

    x: FloatArray
    y: tuple[str, ...]
    machine: tuple[str, ...]
    end: FloatArray
    names: tuple[str, ...]


def window_feature_names(signals: Sequence[str]) -> tuple[str, ...]:
    """Names of the features :func:`make_windows` computes for ``signals``."""
    return tuple(f"{s}_{stat}" for s in signals for stat in _STATS)


def _features(x: FloatArray, window: int, baseline: int) -> FloatArray:
    """Features of every full window of one segment: (n - window + 1, signals * stats)."""
    views = sliding_window_view(x, window, axis=0)  # (m, signals, window)
    mean = views.mean(axis=2)
    std = views.std(axis=2)
    k = np.arange(window, dtype=np.float64) - (window - 1) / 2.0
    slope = np.einsum("msw,w->ms", views, k) / float(np.sum(k**2))
    base = x[: min(baseline, x.shape[0])]
    bstd = np.maximum(base.std(axis=0), 1e-9 * (1.0 + np.abs(base.mean(axis=0))))
    drift = (mean - base.mean(axis=0)) / bstd
    stats = (mean, std, slope, views[:, :, -1], views.min(axis=2), views.max(axis=2), drift)
    out = np.stack(stats, axis=2)  # (m, signals, stats)
    return np.asarray(out.reshape(out.shape[0], -1), dtype=np.float64)


def make_windows(
    series: Iterable[Series],
    labels: FailureLabels,
    signals: Sequence[str],
    *,
    window: int = 30,
    min_lead: float = 20.0,
    max_lead: float = 80.0,
    none_after: float = 125.0,
    stride: int = 5,
    baseline: int = 20,
) -> WindowSet:
    """Labelled feature windows of every machine (see the module docstring)."""
    if window < 2 or stride < 1 or not 0 <= min_lead <= max_lead < none_after:
        raise DataError("need window >= 2, stride >= 1 and 0 <= min_lead <= max_lead < none_after")
    by_machine: dict[str, list[tuple[float, str]]] = {}
    for m, t, label_mode in zip(labels.machine, labels.time.tolist(), labels.mode, strict=True):
        by_machine.setdefault(m, []).append((float(t), label_mode))
    xs: list[FloatArray] = []
    ys: list[str] = []
    ms: list[str] = []
    ends: list[FloatArray] = []
    for s in series:
        failures = sorted(by_machine.get(s.machine, []))
        cuts = [-np.inf, *(f for f, _ in failures), np.inf]
        modes: list[str | None] = [m for _, m in failures]
        modes.append(None)
        for lo, hi, mode in zip(cuts[:-1], cuts[1:], modes, strict=True):
            rows = (s.t > lo) & (s.t <= hi)
            seg_t, seg_x = s.t[rows], s.x[rows]
            if seg_t.shape[0] < window:
                continue
            feats = _features(seg_x, window, baseline)
            end_t = seg_t[window - 1 :]
            lead = hi - end_t
            label = np.full(end_t.shape[0], "", dtype=object)
            if mode is not None:
                label[(lead >= min_lead) & (lead <= max_lead)] = mode
            label[lead >= none_after] = NONE
            take = np.flatnonzero(label != "")
            take = take[(take - (take[0] if take.size else 0)) % stride == 0]
            xs.append(feats[take])
            ys += [str(v) for v in label[take]]
            ms += [s.machine] * take.shape[0]
            ends.append(end_t[take])
    if not ys:
        raise DataError("no labelled windows: check window, leads and the label table")
    return WindowSet(
        np.vstack(xs), tuple(ys), tuple(ms), np.concatenate(ends), window_feature_names(signals)
    )


def series_from_mapping(
    data: Mapping[str, tuple[npt.ArrayLike, npt.ArrayLike]],
) -> list[Series]:
    """Series from ``{machine: (times, values)}``."""
    return [
        Series(m, np.asarray(t, dtype=np.float64), np.asarray(x, dtype=np.float64))
        for m, (t, x) in data.items()
    ]
