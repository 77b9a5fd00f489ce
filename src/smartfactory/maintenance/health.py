"""The health of one machine: a registered detector, a 0-100 health index, alerts, explanations.

:class:`HealthModel` wraps one detector from :mod:`smartfactory.maintenance.registry` (one per
operating mode, e.g. per product, when the caller passes ``mode``) and is fed one sample at a
time with :meth:`HealthModel.update`, together with the machine state and a time stamp.

Learning. Every sample is scored first. It is then learnt only if the machine is producing
(``state`` in ``producing_states``; samples while stopped, in setup, etc. are scored, never
learnt), the detector does not flag it, no alert is open and the health is at least
``exit_health`` (so a slow drift is not absorbed into "normal" before it is reported; with the
defaults that keeps samples scoring below 0.74 x the flag threshold, which truncates a Gaussian
normal model by well under 1 %), and learning pauses while a slow moving average of the score
(weight 0.02) exceeds ``drift_ratio`` times the mean score of the learnt samples: a slow drift
raises that average long before single samples look abnormal.

Health index. With ``s`` the (smoothed) anomaly score and ``t`` the detector's flag threshold
(the smallest score it flags), ``health = 100 * 2 ** (-s / t)``: 100 for a perfectly normal
sample, 50 exactly at the detector's threshold, 25 at twice the threshold, strictly decreasing in
the score. The score is smoothed with an exponentially weighted mean (``smoothing`` is the weight
of the newest sample; 1.0 means no smoothing). While the detector is still warming up (it flags
nothing) the health is 100.

Alerts. An alert opens when the health falls to ``enter_health`` or below and closes when it
rises to ``exit_health`` or above (hysteresis: ``exit_health > enter_health``). After an alert
closes no new one opens for ``cooldown_s`` seconds. ``t`` may be any clock in seconds
(epoch or monotonic); without it the sample count is used (1 Hz).

Explanation. Each reading lists the ``top`` signals that contribute most to the score, with
their share of it and how many standard deviations of normal (learnt) behaviour they are from the
normal mean. Shares come from the detector's ``contributions(x)`` where it has one, otherwise
from the squared sigmas.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from smartfactory.errors import ConfigError, DataError
from smartfactory.maintenance.base import Detector, Estimator, FloatArray
from smartfactory.maintenance.registry import make_detector

__all__ = ["Contribution", "HealthModel", "HealthReading", "health_index"]

_GRID = np.geomspace(1e-6, 1e9, 301)
_SLOW = 0.02  # weight of the newest score in the slow average that detects drift
_DRIFT_MIN = 100  # learnt samples before drift can pause learning


def health_index(score: float, threshold: float) -> float:
    """``100 * 2 ** (-score / threshold)``: 100 at 0, 50 at the threshold (see module doc)."""
    if not np.isfinite(threshold) or threshold <= 0.0:
        return 100.0
    return float(100.0 * 2.0 ** (-max(score, 0.0) / threshold))


@dataclass(frozen=True, slots=True)
class Contribution:
    """One signal's part in an anomaly: share of the score and distance from normal in sigmas."""

    signal: str
    share: float
    sigmas: float


@dataclass(frozen=True, slots=True)
class HealthReading:
    """The outcome of one update."""

    health: float
    score: float
    alert: bool
    alert_started: bool
    learnt: bool
    explanation: tuple[Contribution, ...]


class _ModeState:
    """One operating mode: its detector and the per-signal mean/variance of learnt samples."""

    def __init__(self, detector: Detector) -> None:
        self.detector = detector
        self.n = 0
        self.score_ref = 0.0  # mean score of the learnt samples
        self.score_slow = 0.0  # slow moving average of every producing sample's score
        self.mean: FloatArray | None = None
        self.m2: FloatArray | None = None
        self.threshold: float | None = None  # last flag threshold found, checked before reuse

    def learn(self, v: FloatArray) -> None:
        if self.mean is None or self.m2 is None:
            self.mean, self.m2 = np.zeros_like(v), np.zeros_like(v)
        self.n += 1
        delta = v - self.mean
        self.mean = self.mean + delta / self.n
        self.m2 = self.m2 + delta * (v - self.mean)

    def sigmas(self, v: FloatArray) -> FloatArray:
        if self.mean is None or self.m2 is None or self.n < 2:
            return np.zeros_like(v)
        std = np.sqrt(self.m2 / (self.n - 1))
        floor = 1e-9 * (1.0 + np.abs(self.mean))
        return np.asarray((v - self.mean) / np.maximum(std, floor), dtype=np.float64)


class HealthModel(Estimator):
    """Health index, alerts and explanations for one machine (see the module docstring)."""

    def __init__(
        self,
        detector: str = "gaussian",
        *,
        detector_params: Mapping[str, Any] | None = None,
        producing_states: tuple[str, ...] = ("producing", "running"),
        enter_health: float = 40.0,
        exit_health: float = 60.0,
        cooldown_s: float = 300.0,
        smoothing: float = 0.3,
        drift_ratio: float = 1.5,
        top: int = 3,
    ) -> None:
        self.detector = detector
        self.detector_params = detector_params
        self.producing_states = producing_states
        self.enter_health = enter_health
        self.exit_health = exit_health
        self.cooldown_s = cooldown_s
        self.smoothing = smoothing
        self.drift_ratio = drift_ratio
        self.top = top
        if not 0.0 <= enter_health < exit_health <= 100.0:
            raise ConfigError("need 0 <= enter_health < exit_health <= 100")
        if not 0.0 < smoothing <= 1.0:
            raise ConfigError("smoothing must be in (0, 1]")
        make_detector(detector, **dict(detector_params or {}))  # fail early on a bad name
        self.modes_: dict[str, _ModeState] = {}
        self.names_: tuple[str, ...] | None = None
        self.smoothed_ = 0.0
        self.alert_ = False
        self.last_alert_end_: float | None = None
        self.count_ = 0

    def _mode(self, mode: str) -> _ModeState:
        state = self.modes_.get(mode)
        if state is None:
            det = make_detector(self.detector, **dict(self.detector_params or {}))
            state = self.modes_[mode] = _ModeState(det)
        return state

    def _vector(self, x: Mapping[str, float]) -> FloatArray:
        if self.names_ is None:
            if not x:
                raise DataError("a sample needs at least one signal")
            self.names_ = tuple(x)
        try:
            return np.array([float(x[n]) for n in self.names_])
        except KeyError as err:
            raise DataError(f"sample lacks signal {err.args[0]!r}") from err

    @staticmethod
    def threshold(detector: Detector) -> float:
        """The smallest score ``detector`` flags (log grid); inf while it flags nothing."""
        flagged = detector.flag(_GRID)
        if not bool(flagged.any()):
            return float("inf")
        i = int(np.argmax(flagged))
        if i == 0:
            return float(_GRID[0])
        lo, hi = float(_GRID[i - 1]), float(_GRID[i])
        for _ in range(20):
            mid = 0.5 * (lo + hi)
            if bool(detector.flag([mid])[0]):
                hi = mid
            else:
                lo = mid
        return hi

    def _mode_threshold(self, ms: _ModeState) -> float:
        """``threshold(detector)``, reusing the last one while the detector still agrees.

        The cached value ``t`` is kept when the detector flags ``t`` and not ``t / (1 + 1e-6)``
        (two ``flag`` calls instead of a grid search and bisection): the threshold then lies
        within 1e-6 of ``t``, finer than the bisection itself.
        """
        cached: float | None = getattr(ms, "threshold", None)
        det = ms.detector
        if cached is not None and np.isfinite(cached) and cached > float(_GRID[0]):
            ok = det.flag([cached, cached / (1.0 + 1e-6)])
            if bool(ok[0]) and not bool(ok[1]):
                return cached
        ms.threshold = self.threshold(det)
        return ms.threshold

    def update(
        self,
        x: Mapping[str, float],
        state: str = "producing",
        t: float | None = None,
        mode: str = "default",
    ) -> HealthReading:
        """Score ``x``, then learn it if allowed; the health, alert state and explanation."""
        self.count_ += 1
        now = float(self.count_) if t is None else float(t)
        v = self._vector(x)
        if not np.all(np.isfinite(v)):
            raise DataError("sample holds NaN or infinite values")
        ms = self._mode(mode)
        det = ms.detector
        named = dict(zip(self.names_ or (), v.tolist(), strict=True))
        score = det.score_one(named)
        flagged = bool(det.flag([score])[0])
        a = self.smoothing
        self.smoothed_ = a * score + (1.0 - a) * self.smoothed_
        health = health_index(self.smoothed_, self._mode_threshold(ms))

        started = False
        if self.alert_ and health >= self.exit_health:
            self.alert_ = False
            self.last_alert_end_ = now
        elif not self.alert_ and health <= self.enter_health:
            cooling = (
                self.last_alert_end_ is not None and now - self.last_alert_end_ < self.cooldown_s
            )
            if not cooling:
                self.alert_ = started = True

        producing = state in self.producing_states
        if producing:
            ms.score_slow += _SLOW * (score - ms.score_slow)
        drifting = ms.n >= _DRIFT_MIN and ms.score_slow > self.drift_ratio * ms.score_ref
        learnt = (
            producing
            and not flagged
            and not self.alert_
            and not drifting
            and health >= self.exit_health
        )
        if learnt:
            det.learn_one(named)
            ms.learn(v)
            ms.score_ref += (score - ms.score_ref) / ms.n
        return HealthReading(
            health=health,
            score=float(score),
            alert=self.alert_,
            alert_started=started,
            learnt=learnt,
            explanation=self._explain(ms, named, v),
        )

    def explain(self, x: Mapping[str, float], mode: str = "default") -> tuple[Contribution, ...]:
        """The ``top`` signals contributing most to the score of ``x``, without learning it."""
        v = self._vector(x)
        ms = self._mode(mode)
        return self._explain(ms, dict(zip(self.names_ or (), v.tolist(), strict=True)), v)

    def _explain(
        self, ms: _ModeState, named: dict[str, float], v: FloatArray
    ) -> tuple[Contribution, ...]:
        sig = ms.sigmas(v)
        contrib = getattr(ms.detector, "contributions", None)
        if callable(contrib):
            given = contrib(named)
            parts = np.array([max(float(given.get(n, 0.0)), 0.0) for n in named])
        else:
            parts = sig**2
        total = float(parts.sum())
        shares = parts / total if total > 0.0 else np.zeros_like(parts)
        order = np.argsort(-shares, kind="stable")[: self.top]
        names = list(named)
        return tuple(
            Contribution(names[i], float(shares[i]), float(sig[i])) for i in order if shares[i] > 0
        )
