"""Vectorised trailing-window features of many run histories (one per unit / machine).

Rows arrive sorted by unit then time. They are laid out as a (units, longest history, signals)
block so that every statistic is a cumulative sum or a strided view along the time axis:
no Python loop per row. At row k of a unit (0-based) a window of length w covers rows
max(0, k - w + 1)..k of that unit only; early rows use the shorter history they have.

Per signal the features are: the last value; the rolling mean over each of ``windows``; the
rolling standard deviation, least-squares slope, minimum and maximum over each of
``spread_windows``; exponentially weighted means for each of ``alphas`` (bias-corrected, reset
at the start of each unit); and the drift of the first of those from the mean of the unit's
first ``baseline`` rows (each unit's own starting level, which removes unit-to-unit offsets).
One more feature is the length of the history so far (k + 1).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from numpy.lib.stride_tricks import sliding_window_view

from smartfactory.errors import DataError

__all__ = ["WindowFeatures", "unit_layout"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def unit_layout(units: IntArray) -> tuple[IntArray, IntArray, int]:
    """(unit slot, position inside the unit, longest length) for rows sorted by unit."""
    if units.shape[0] == 0:
        raise DataError("no rows to compute window features from")
    change = np.flatnonzero(np.diff(units) != 0) + 1
    starts = np.concatenate([[0], change]).astype(np.int64)
    if np.unique(units).shape[0] != starts.shape[0]:
        raise DataError("rows must be grouped by unit (each unit's rows contiguous)")
    slot = np.repeat(np.arange(starts.shape[0]), np.diff(np.append(starts, units.shape[0])))
    pos = np.arange(units.shape[0]) - starts[slot]
    return slot.astype(np.int64), pos.astype(np.int64), int(pos.max()) + 1


def _windowed(cum: FloatArray, w: int, length: int) -> FloatArray:
    """Sums over trailing windows from a zero-led cumulative sum along axis 1."""
    hi = np.arange(1, length + 1)
    lo = np.maximum(hi - w, 0)
    return np.asarray(cum[:, hi] - cum[:, lo], dtype=np.float64)


def _zero_led_cumsum(block: FloatArray) -> FloatArray:
    cum = np.cumsum(block, axis=1)
    return np.concatenate([np.zeros_like(cum[:, :1]), cum], axis=1)


def _ewm(block: FloatArray, alpha: float) -> FloatArray:
    """Bias-corrected exponentially weighted mean along axis 1, in numerically safe chunks."""
    r = 1.0 - alpha
    length = block.shape[1]
    chunk = max(1, int(250.0 / max(-np.log10(r), 1e-12)))
    out = np.empty_like(block)
    carry = np.zeros_like(block[:, 0])
    for start in range(0, length, chunk):  # a few chunks per data set, not one per row
        stop = min(length, start + chunk)
        k = np.arange(stop - start, dtype=np.float64)[None, :, None]
        local = np.cumsum(block[:, start:stop] * r ** (-k), axis=1) * r**k
        state = local + carry[:, None] * r ** (k + 1)
        out[:, start:stop] = state
        carry = state[:, -1]
    k_all = np.arange(length, dtype=np.float64)[None, :, None]
    return np.asarray(out * alpha / (1.0 - r ** (k_all + 1)), dtype=np.float64)


class WindowFeatures:
    """Trailing-window features of unit histories (see the module docstring)."""

    def __init__(
        self,
        windows: Sequence[int] = (5, 10, 20, 30),
        spread_windows: Sequence[int] = (10, 30),
        alphas: Sequence[float] = (0.1, 0.3),
        baseline: int = 10,
    ) -> None:
        self.windows = windows
        self.spread_windows = spread_windows
        self.alphas = alphas
        self.baseline = baseline

    def _check(self) -> None:
        if any(w < 1 for w in (*self.windows, *self.spread_windows, self.baseline)):
            raise DataError("window lengths and baseline must be >= 1")
        if any(not 0.0 < a <= 1.0 for a in self.alphas):
            raise DataError("alphas must lie in (0, 1]")

    def names(self, signals: Sequence[str]) -> list[str]:
        """Feature names in column order, for signals named ``signals``."""
        kinds = ["last", *(f"mean{w}" for w in self.windows)]
        for w in self.spread_windows:
            kinds += [f"std{w}", f"slope{w}", f"min{w}", f"max{w}"]
        kinds += [f"ewm{a:g}" for a in self.alphas]
        if self.alphas:
            kinds.append("drift")
        return [f"{s}_{kind}" for kind in kinds for s in signals] + ["history"]

    def transform(
        self, units: IntArray, values: FloatArray, at: IntArray | None = None
    ) -> FloatArray:
        """Features of every row (or only rows ``at``), shape (rows, len(names)), float32.

        ``units`` gives each row's unit; rows must be grouped by unit and in time order.
        """
        self._check()
        slot, pos, length = unit_layout(units)
        block = np.zeros((int(slot.max()) + 1, length, values.shape[1]))
        block[slot, pos] = values
        # after its end a unit repeats its last value; cumulative sums never read there
        ends = np.bincount(slot) - 1
        tail = np.arange(length)[None, :] > ends[:, None]
        block[tail] = np.repeat(block[np.arange(block.shape[0]), ends], length - ends - 1, axis=0)
        rows = np.arange(units.shape[0]) if at is None else np.asarray(at, dtype=np.int64)
        g, p = slot[rows], pos[rows]
        out: list[FloatArray] = [values[rows]]
        cum = _zero_led_cumsum(block)
        for w in self.windows:
            n = np.minimum(p + 1, w)[:, None]
            out.append(_windowed(cum, w, length)[g, p] / n)
        if self.spread_windows:
            t = np.broadcast_to(np.arange(length, dtype=np.float64)[None, :, None], block.shape)
            cum2 = _zero_led_cumsum(block * block)
            cum_t = _zero_led_cumsum(np.ascontiguousarray(t[:, :, :1]))
            cum_tt = _zero_led_cumsum(np.ascontiguousarray(t[:, :, :1] ** 2))
            cum_tx = _zero_led_cumsum(block * t)
        for w in self.spread_windows:
            n = np.minimum(p + 1, w)[:, None].astype(np.float64)
            sx = _windowed(cum, w, length)[g, p]
            sxx = _windowed(cum2, w, length)[g, p]
            st = _windowed(cum_t, w, length)[g, p]
            stt = _windowed(cum_tt, w, length)[g, p]
            stx = _windowed(cum_tx, w, length)[g, p]
            mean = sx / n
            out.append(np.sqrt(np.maximum(sxx / n - mean * mean, 0.0)))
            denom = n * stt - st * st
            safe = np.where(denom > 0, denom, 1.0)
            out.append(np.where(denom > 0, (n * stx - st * sx) / safe, 0.0))
            padded = np.concatenate([np.repeat(block[:, :1], w - 1, axis=1), block], axis=1)
            view = sliding_window_view(padded, w, axis=1)[g, p]
            out.append(view.min(axis=-1))
            out.append(view.max(axis=-1))
        ewms = [_ewm(block, alpha)[g, p] for alpha in self.alphas]
        out += ewms
        if ewms:
            nb = np.minimum(p + 1, self.baseline)
            out.append(ewms[0] - cum[g, nb] / nb[:, None])
        out.append((p + 1).astype(np.float64)[:, None])
        return np.ascontiguousarray(np.hstack(out), dtype=np.float32)
