"""Sensor readings on a regular grid, rebuilt vectorised from a machine's state timeline.

The machine processes never emit samples. They record state intervals with the wear
*position* at both ends; when the recorder flushes, this module lays the sample grid (every
``interval`` simulated seconds) over the recorded intervals with one ``searchsorted``,
interpolates the position linearly inside each interval (exact for producing-time-linear
positions), turns it into D and any replayed signals, and evaluates every sensor model at
once::

    value = (producing level if PRODUCING else idle level) + wear_gain * D ** wear_power
            + Normal(0, noise_sd)

No samples are taken while the machine is off shift (powered down) unless asked for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from smartfactory.domain.behaviour import SensorModel
from smartfactory.domain.states import MachineState
from smartfactory.sim.degradation import Wear

__all__ = ["IntervalArrays", "grid", "sample_machine"]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class IntervalArrays:
    """A machine's contiguous state intervals as arrays (sorted by start)."""

    start: FloatArray
    end: FloatArray
    state: npt.NDArray[np.int8]
    pos0: FloatArray
    pos1: FloatArray


def grid(t_from: float, t_to: float, interval: float) -> FloatArray:
    """Grid instants k * interval with t_from <= t < t_to."""
    k0 = np.ceil(t_from / interval - 1e-9)
    k1 = np.ceil(t_to / interval - 1e-9)
    return np.arange(k0, k1, dtype=np.float64) * interval


def sample_machine(
    ts: FloatArray,
    iv: IntervalArrays,
    sensors: Sequence[SensorModel],
    wear: Wear,
    rng: np.random.Generator,
    *,
    off_shift: bool = False,
) -> tuple[FloatArray, dict[str, FloatArray]]:
    """Readings of every sensor and replayed signal at grid instants ``ts``.

    ``ts`` must lie inside the recorded intervals. Returns the kept instants (off-shift ones
    dropped unless ``off_shift``) and one value array per signal name.
    """
    if ts.size == 0 or iv.start.size == 0:
        return ts[:0], {}
    idx = np.searchsorted(iv.start, ts, side="right") - 1
    idx = np.clip(idx, 0, iv.start.size - 1)
    state = iv.state[idx]
    if not off_shift:
        keep = state != MachineState.NO_SHIFT
        ts, idx, state = ts[keep], idx[keep], state[keep]
    if ts.size == 0:
        return ts, {}
    span = iv.end[idx] - iv.start[idx]
    frac = np.divide(ts - iv.start[idx], span, out=np.zeros_like(ts), where=span > 0)
    pos = iv.pos0[idx] + (iv.pos1[idx] - iv.pos0[idx]) * np.clip(frac, 0.0, 1.0)
    d = np.clip(wear.levels(pos), 0.0, None)
    producing = state == MachineState.PRODUCING
    out: dict[str, FloatArray] = {}
    for model in sensors:
        base = np.where(producing, model.producing, model.idle)
        value = base + model.wear_gain * d**model.wear_power
        if model.noise_sd > 0:
            value = value + rng.normal(0.0, model.noise_sd, ts.size)
        out[model.signal] = value
    out.update(wear.signals(pos))
    return ts, out
