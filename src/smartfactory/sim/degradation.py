"""Wear models: a health variable D in producing hours; the machine fails when D reaches 1.

Every model exposes the same small interface (:class:`Wear`): the level now, the level after
given producing hours (vectorised, without changing state), the producing hours left until
failure, ``advance`` / ``restore`` / ``renew``, and a *position*: one float per instant from
which the recorder later rebuilds D and any replayed signals on the sensor grid. Positions
are linear in producing time inside one state interval, so the recorder can interpolate them.

* :class:`NoWear` - no degradation configured: D stays 0 and the machine never fails.
* :class:`GammaWear` - a stationary gamma process. With mean life L and life coefficient of
  variation c, increments over dt hours are Gamma(shape=dt/(L c^2), scale=c^2), so the mean
  wear rate is 1/L and the spread of life is about c. The path is drawn vectorised on a grid
  of L/500 hours (chunks of 1024 steps) and interpolated linearly between grid points; the
  failure time is the first crossing of 1 on that path. Position = D.
* C-MAPSS replay lives in :mod:`smartfactory.sim.cmapss`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt

from smartfactory.domain.behaviour import CmapssDegradation, GammaDegradation, MachineBehaviour
from smartfactory.sim.cmapss import CmapssWear, default_cmapss_dir, load_cmapss

__all__ = ["GammaWear", "NoWear", "Wear", "make_wear"]

FloatArray = npt.NDArray[np.float64]

_STEPS_PER_LIFE = 500
_CHUNK = 1024


class Wear(Protocol):
    """A machine's degradation state in producing hours."""

    signal_names: tuple[str, ...]

    def level(self) -> float:
        """D now."""
        ...

    def ahead(self, hours: FloatArray) -> FloatArray:
        """D after each of ``hours`` more producing hours (no state change)."""
        ...

    def hours_to_failure(self) -> float:
        """Producing hours until D reaches 1 (``inf`` if never)."""
        ...

    def advance(self, hours: float) -> None:
        """Move on by ``hours`` producing hours."""
        ...

    def restore(self, fraction: float) -> None:
        """Preventive maintenance: remove ``fraction`` of the current wear."""
        ...

    def renew(self) -> None:
        """Corrective repair after failure: as good as new."""
        ...

    def position(self) -> float:
        """A float locating the current state for :meth:`levels` and :meth:`signals`."""
        ...

    def levels(self, positions: FloatArray) -> FloatArray:
        """D at recorded positions."""
        ...

    def signals(self, positions: FloatArray) -> dict[str, FloatArray]:
        """Replayed signal values at recorded positions (empty for synthetic wear)."""
        ...


class NoWear:
    """No degradation: D is always 0 and the machine never fails."""

    signal_names: tuple[str, ...] = ()

    def level(self) -> float:
        """Always 0."""
        return 0.0

    def ahead(self, hours: FloatArray) -> FloatArray:
        """Zeros."""
        return np.zeros_like(hours)

    def hours_to_failure(self) -> float:
        """Never fails."""
        return float("inf")

    def advance(self, hours: float) -> None:
        """Nothing to do."""

    def restore(self, fraction: float) -> None:
        """Nothing to do."""

    def renew(self) -> None:
        """Nothing to do."""

    def position(self) -> float:
        """Always 0."""
        return 0.0

    def levels(self, positions: FloatArray) -> FloatArray:
        """Zeros."""
        return np.zeros_like(positions)

    def signals(self, positions: FloatArray) -> dict[str, FloatArray]:
        """No signals."""
        return {}


class GammaWear:
    """Gamma-process wear (see the module docstring for the parameterisation)."""

    signal_names: tuple[str, ...] = ()

    def __init__(
        self, config: GammaDegradation, rng: np.random.Generator, initial: float = 0.0
    ) -> None:
        self.config = config
        self._rng = rng
        cv2 = config.life_cv**2
        self._dt = config.mean_life_h / _STEPS_PER_LIFE
        self._shape = self._dt / (config.mean_life_h * cv2)
        self._scale = cv2
        self._start_path(initial)

    def _start_path(self, d0: float) -> None:
        self._cum = np.array([d0], dtype=np.float64)
        self._t = 0.0
        self._d = d0
        self._cross: float | None = None
        self._grow()

    def _scalar(self, t: float) -> float:
        while t >= (len(self._cum) - 1) * self._dt:
            self._grow()
        grid = t / self._dt
        i = int(grid)
        lo = float(self._cum[i])
        return lo + (grid - i) * (float(self._cum[i + 1]) - lo)

    def _grow(self) -> None:
        steps = self._rng.gamma(self._shape, self._scale, _CHUNK)
        self._cum = np.concatenate([self._cum, self._cum[-1] + np.cumsum(steps)])

    def _at(self, t: FloatArray) -> FloatArray:
        while t.size and float(t.max()) >= (len(self._cum) - 1) * self._dt:
            self._grow()
        grid = t / self._dt
        i = np.floor(grid).astype(np.int64)
        frac = grid - i
        lo = self._cum[i]
        return np.asarray(lo + frac * (self._cum[i + 1] - lo), dtype=np.float64)

    def level(self) -> float:
        """D now."""
        return self._d

    def ahead(self, hours: FloatArray) -> FloatArray:
        """D after ``hours`` more producing hours."""
        return self._at(self._t + hours)

    def hours_to_failure(self) -> float:
        """Producing hours until the path first reaches 1."""
        if self._cross is None:
            while self._cum[-1] < 1.0:
                self._grow()
            j = int(np.searchsorted(self._cum, 1.0, side="left"))
            if j == 0:
                self._cross = 0.0
            else:
                lo, hi = float(self._cum[j - 1]), float(self._cum[j])
                frac = (1.0 - lo) / (hi - lo) if hi > lo else 1.0
                self._cross = (j - 1 + frac) * self._dt
        return max(0.0, self._cross - self._t)

    def advance(self, hours: float) -> None:
        """Move along the path."""
        self._t += hours
        self._d = self._scalar(self._t)

    def restore(self, fraction: float) -> None:
        """Start a fresh path from the reduced level."""
        self._start_path(self.level() * (1.0 - fraction))

    def renew(self) -> None:
        """Start a fresh path from 0."""
        self._start_path(0.0)

    def position(self) -> float:
        """Position is D itself."""
        return self._d

    def levels(self, positions: FloatArray) -> FloatArray:
        """Identity: positions are levels."""
        return positions

    def signals(self, positions: FloatArray) -> dict[str, FloatArray]:
        """Synthetic wear has no replayed signals."""
        return {}


def make_wear(
    behaviour: MachineBehaviour, rng: np.random.Generator, cmapss_dir: Path | None
) -> Wear:
    """The wear model a machine's behaviour asks for.

    Synthetic gamma wear starts at a random level in [0, 0.5) so that machines of a plant that
    is not new do not all fail in the same week; C-MAPSS replay starts at the first cycle of
    its first unit.
    """
    cfg = behaviour.degradation
    if cfg is None:
        return NoWear()
    if isinstance(cfg, GammaDegradation):
        return GammaWear(cfg, rng, initial=float(rng.uniform(0.0, 0.5)))
    if isinstance(cfg, CmapssDegradation):
        data = load_cmapss(cmapss_dir or default_cmapss_dir(), cfg.subset)
        return CmapssWear(cfg, data)
    raise TypeError(f"unknown degradation model {cfg!r}")  # pragma: no cover
