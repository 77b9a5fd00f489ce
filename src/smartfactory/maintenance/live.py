"""Live health: health index, anomaly score and RUL per machine as samples arrive in the store.

:class:`LiveMaintenance` polls the store (what a real plant has: its connectors' samples and
the machine state intervals, never a simulator's hidden degradation) every ``poll_s`` seconds, in a
thread started by :meth:`LiveMaintenance.start` and ended by :meth:`LiveMaintenance.stop`
(or synchronously with :meth:`LiveMaintenance.poll`). For each machine with measured signals:

1. the new complete rows since its cursor are read (one store query for every machine) and
   the state at each row is looked up;
2. only rows taken while the machine is ``PRODUCING`` go through the machine's
   :class:`~.health.HealthModel` (the registry's promoted ``health`` model of that machine when
   there is one, loaded after its SHA-256 check; else a fresh model that learns online). Rows
   while stopped, idle, in setup ... are neither scored nor learnt: sensors read very
   differently there, and wear only grows while producing. The health index holds its last
   value outside production (the written series simply has no rows there);
3. ``health`` and ``anomaly_score`` of every scored row and, at the last row of the poll,
   ``rul_h``, ``rul_h_p10`` and ``rul_h_p90`` are written back as signals of kind ``derived``;
4. the latest reading with its top contributing signals stays in memory
   (:meth:`LiveMaintenance.reading`).

Baseline. Health is published once the model has learnt ``warmup`` producing rows; the model
learns up to ``max(warmup, trend_after)`` rows and is then frozen (scored, never learnt: slow
wear is not absorbed into "normal"; flagged rows are never learnt either). A stop whose reason
is in ``renewal_reasons`` (a breakdown repair, a preventive maintenance job) changes the
machine: when it ends, a fresh model learns the new baseline and the reading is dropped until
it is published again.

Health index (0-100). ``e = sqrt(max(s - r, 0) / t)``: ``s`` a slow average (weight
``health_smoothing``) of the anomaly score, ``r`` the mean score of the learnt samples, ``t``
the detector's flag threshold; ``e`` is the distance from normal beyond noise in units of the
alarm distance (about 0-0.3 when normal, 1 at the detector's threshold).
``health = 100 * (1 - e / e_fail)`` clipped to [0, 100], where ``e_fail`` is the distance at
failure: ``failure_distance`` until the machine has failed under observation, then the median
of the distances just before its ``failure_reasons`` stops (with ``failure_distance`` as one
more observation while fewer than 3 were seen), and never less than 1.25 x the largest distance
survived in the current life after the baseline. Health is linear in the deviation, so it
falls gradually with wear instead of collapsing at the alarm threshold. Alerts open at health
<= the model's ``enter_health`` and close at >= ``exit_health``.

RUL. Every ``trend_step_s`` producing seconds after the baseline a point (producing hours,
calendar hours, ``e``) is kept, for the last ``trend_h`` producing hours. An ordinary
least-squares line of ``sqrt(e)`` over producing hours (at least ``trend_min`` points) is
extended to ``sqrt(e_fail)`` (:func:`trend_rul`); producing hours become calendar hours through
the share of time the machine produced over the kept points; a flat or rising trend gives
``rul_cap_h``, and so does a slope less than 2 standard errors below 0 (:func:`trend_rul`
still returns a finite p10 then; the service caps all three). p10 / p90: the slope plus /
minus 1.2816 standard errors (widened for the autocorrelation of the residuals), at least a
factor ``exp(1.2816 rul_log_sd)`` either side;
once ``calibrate_after`` failures followed RUL predictions, the 10 % / 90 % quantiles of
log(true / predicted) over every such prediction of the plant instead (split-conformal on the
plant's own run-to-failure histories). The three figures are then smoothed over time: each
poll moves the previous value, counted down by the calendar time since, a fraction
``1 - exp(-dt / rul_smooth_h)`` towards the new estimate, so one noisy fit cannot flip the RUL
between 0 and the cap. The cycle-based C-MAPSS model of :mod:`..rul` is not applied to plant
signals, whose features it was not trained on.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from smartfactory.domain.states import MachineState
from smartfactory.errors import ConfigError, FactoryError
from smartfactory.maintenance.frames import (
    DERIVED_KIND,
    Intervals,
    codes_at,
    input_signals,
    pivot,
    reason_intervals,
    state_intervals,
)
from smartfactory.maintenance.health import Contribution, HealthModel
from smartfactory.maintenance.versions import ModelRegistry
from smartfactory.store.base import SAMPLE_SCHEMA, SignalKey, Store

__all__ = ["DERIVED_SIGNALS", "LiveMaintenance", "LiveReading", "trend_rul"]

log = logging.getLogger(__name__)

DERIVED_SIGNALS = ("health", "anomaly_score", "rul_h", "rul_h_p10", "rul_h_p90")
_Z90 = 1.2816  # standard-normal quantile at 0.9
_SIGNIFICANT = 2.0  # a fall of the trend counts once the slope is this many standard errors
_FAR = datetime(2200, 1, 1, tzinfo=UTC)
_SURVIVED = 1.25  # the failure distance is at least this times the largest one survived
_LABELS = {int(s): s.label for s in MachineState}


def trend_rul(
    t_h: np.ndarray, health: np.ndarray, failure_health: float, cap_h: float
) -> tuple[float, float, float]:
    """(median, p10, p90) hours until the health trend reaches ``failure_health``."""
    n = t_h.shape[0]
    if n < 3:
        return cap_h, cap_h, cap_h
    t = t_h - t_h[-1]
    tm, hm = float(t.mean()), float(health.mean())
    sxx = float(np.sum((t - tm) ** 2))
    if sxx <= 0.0:
        return cap_h, cap_h, cap_h
    slope = float(np.sum((t - tm) * (health - hm)) / sxx)
    level = hm - slope * tm  # fitted health now
    resid = health - (level + slope * t)
    # neighbouring points of a smoothed series are correlated: fewer independent points
    den = float(np.sum(resid**2))
    rho = float(np.sum(resid[1:] * resid[:-1]) / den) if den > 0.0 else 0.0
    rho = min(max(rho, 0.0), 0.98)
    se = float(np.sqrt((1.0 + rho) / (1.0 - rho) * den / max(n - 2, 1) / sxx))
    gap = max(level - failure_health, 0.0)

    def hours(s: float) -> float:
        return cap_h if s >= 0.0 else float(min(gap / -s, cap_h))

    if slope > -_SIGNIFICANT * se:  # no significant fall: only the pessimistic bound is finite
        return cap_h, hours(slope - _Z90 * se), cap_h
    return hours(slope), hours(slope - _Z90 * se), hours(slope + _Z90 * se)


@dataclass(frozen=True, slots=True)
class LiveReading:
    """The latest figures of one machine."""

    machine: str
    updated: datetime
    health: float
    anomaly_score: float
    alert: bool
    contributions: tuple[Contribution, ...]
    rul_h: float | None
    rul_h_p10: float | None
    rul_h_p90: float | None
    model_version: str


@dataclass(frozen=True, slots=True)
class _Rows:
    """New rows of one machine: time stamps, values, state codes, renewal stops."""

    ts: np.ndarray
    x: np.ndarray
    codes: np.ndarray
    stops: Intervals | None


@dataclass(slots=True)
class _Scan:
    """What one machine's rows of a poll gave."""

    keep: np.ndarray  # rows with a published health
    health: np.ndarray
    score: np.ndarray
    e_fail: float
    last: int = -1  # the last published row
    scored: int = 0


class _Machine:
    def __init__(self, model: HealthModel, version: str, maxlen: int) -> None:
        self.model = model
        self.version = version
        self.cursor_us: int | None = None
        self.renewed_us = -1  # end of the last renewal stop applied
        # (producing h, calendar h, excess distance) every trend step of producing time
        self.trend: deque[tuple[float, float, float]] = deque(maxlen=maxlen)
        self.last: LiveReading | None = None
        self.prod_h = 0.0  # producing hours seen (the clock wear runs on)
        self.prev_us: int | None = None
        self.prev_producing = False
        self.excess: float | None = None  # last published excess distance of this life
        self.level: float | None = None  # slow average of score - learnt mean score
        self.failures: list[float] = []  # excess distance just before each failure
        self.survived = 0.0  # largest excess distance of this life (the machine still ran)
        self.alert = False
        self.rul: tuple[float, float, float] | None = None  # smoothed (median, p10, p90)
        self.rul_at_h = 0.0  # calendar hours of the smoothed RUL
        self.predictions: deque[tuple[float, float]] = deque(maxlen=4096)  # (h, raw median)


class LiveMaintenance:
    """Score every machine's new samples in the store (see the module docstring)."""

    def __init__(
        self,
        store: Store,
        registry: ModelRegistry | None = None,
        *,
        poll_s: float = 1.0,
        backfill: timedelta = timedelta(hours=1),
        warmup: int = 30,
        trend_h: float = 24.0,
        trend_min: int = 30,
        trend_after: int = 200,
        trend_step_s: float = 60.0,
        failure_health: float = 0.0,
        failure_distance: float = 6.0,
        rul_cap_h: float = 720.0,
        rul_smooth_h: float = 2.0,
        health_smoothing: float = 0.05,
        rul_log_sd: float = 0.5,
        calibrate_after: int = 2,
        max_gap_s: float = 600.0,
        renewal_reasons: tuple[str, ...] = ("breakdown", "preventive_maintenance"),
        failure_reasons: tuple[str, ...] = ("breakdown",),
        make_model: Callable[[], HealthModel] = HealthModel,
    ) -> None:
        self.store = store
        self.registry = registry
        self.poll_s = poll_s
        self.backfill = backfill
        self.warmup = warmup
        self.trend_h = trend_h
        self.trend_min = trend_min
        self.trend_after = trend_after
        self.trend_step_s = trend_step_s
        self.failure_health = failure_health
        self.failure_distance = failure_distance
        self.rul_cap_h = rul_cap_h
        self.rul_smooth_h = rul_smooth_h
        self.health_smoothing = health_smoothing
        self.rul_log_sd = rul_log_sd
        self.calibrate_after = calibrate_after
        self.max_gap_s = max_gap_s
        self.renewal_reasons = renewal_reasons
        self.failure_reasons = failure_reasons
        self.make_model = make_model
        if not 0.0 <= failure_health < 100.0:
            raise ConfigError("failure_health must be in [0, 100)")
        if not 0.0 < health_smoothing <= 1.0:
            raise ConfigError("health_smoothing must be in (0, 1]")
        if failure_distance <= 0.0:
            raise ConfigError("failure_distance must be positive")
        self._machines: dict[str, _Machine] = {}
        self._derived: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.rows_scored = 0
        self.errors = 0
        self.failures_seen = 0  # failures with RUL predictions before them (calibration)
        self._log_ratios: deque[float] = deque(maxlen=8192)  # log(true / predicted RUL)

    # -- thread ------------------------------------------------------------------------------
    def start(self) -> None:
        """Poll in a background thread until :meth:`stop`."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="live-maintenance", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """End the polling thread (after its current poll)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=timeout)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll()
            except FactoryError as err:  # a closed or failing store: log, keep trying
                self.errors += 1
                log.warning("live maintenance poll failed: %s", err)
            self._stop.wait(self.poll_s)

    # -- state -------------------------------------------------------------------------------
    def reading(self, machine: str) -> LiveReading | None:
        """The latest reading of ``machine`` (None before its first published health)."""
        with self._lock:
            m = self._machines.get(machine)
            return None if m is None else m.last

    def readings(self) -> list[LiveReading]:
        """The latest reading of every machine scored so far, by machine id."""
        with self._lock:
            return [m.last for _, m in sorted(self._machines.items()) if m.last is not None]

    def _model(self, machine: str) -> tuple[HealthModel, str]:
        model, version = self.make_model(), "online"
        if self.registry is not None:
            mv = self.registry.promoted("health", machine)
            if mv is not None:
                try:
                    loaded = self.registry.load(mv)
                except FactoryError as err:
                    log.warning("health model %s of %s not loaded: %s", mv.id, machine, err)
                else:
                    if isinstance(loaded, HealthModel):
                        model, version = loaded, f"health/{machine}/v{mv.version}"
        return model, version

    def _machine(self, machine: str) -> _Machine:
        m = self._machines.get(machine)
        if m is not None:
            return m
        model, version = self._model(machine)
        points = int(self.trend_h * 3600.0 / max(self.trend_step_s, 1e-3)) + 2
        m = self._machines[machine] = _Machine(model, version, maxlen=points)
        return m

    # -- one poll ----------------------------------------------------------------------------
    def poll(self) -> int:
        """Score every new complete producing row of every machine once; rows scored."""
        signals = input_signals(self.store)
        if not signals:
            return 0
        all_ids = [sid for sigs in signals.values() for sid, _ in sigs]
        start = self._start(signals, all_ids)
        if start is None:
            return 0
        table = self.store.query_samples(all_ids, start, _FAR)
        if table.num_rows == 0:
            return 0
        sid_col = table.column("signal_id").to_numpy()
        hi = pc.max(table.column("ts")).as_py()
        state_table = self.store.query_states(start, hi + timedelta(milliseconds=1), list(signals))
        states = state_intervals(state_table)
        stops = reason_intervals(state_table, self._reasons())
        out: list[tuple[str, str, np.ndarray, np.ndarray]] = []
        scored = 0
        for machine, sigs in signals.items():
            ids = [s for s, _ in sigs]
            sub = table.filter(pa.array(np.isin(sid_col, ids)))
            ts, x = pivot(sub, ids)
            with self._lock:
                m = self._machine(machine)
            if m.cursor_us is not None:
                keep = ts > m.cursor_us
                ts, x = ts[keep], x[keep]
            if ts.shape[0] == 0:
                continue
            try:
                codes = codes_at(states.get(machine), ts)
                names = tuple(n for _, n in sigs)
                rows = _Rows(ts, x, codes, stops.get(machine))
                scored += self._score(machine, m, names, rows, out)
            except FactoryError as err:
                self.errors += 1
                log.warning("scoring %s failed: %s", machine, err)
                m.cursor_us = int(ts[-1])
        floor = round(start.timestamp() * 1e6) - 1
        with self._lock:
            for machine in signals:  # machines without data yet: start from here next time
                idle = self._machine(machine)
                if idle.cursor_us is None:
                    idle.cursor_us = floor
        self._write(out)
        self.rows_scored += scored
        return scored

    def _reasons(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*self.failure_reasons, *self.renewal_reasons)))

    def _start(self, signals: dict[str, list[tuple[int, str]]], ids: list[int]) -> datetime | None:
        cursors = [self._machines[m].cursor_us for m in signals if m in self._machines]
        known = [c for c in cursors if c is not None]
        if known and len(known) == len(signals):
            return datetime.fromtimestamp(min(known) / 1e6, tz=UTC) + timedelta(microseconds=1)
        latest = self.store.latest_samples(ids)
        if latest.num_rows == 0:
            return None
        stamps: list[datetime] = [t for t in latest.column("ts").to_pylist() if t is not None]
        return max(stamps).astimezone(UTC) - self.backfill if stamps else None

    # -- scoring -----------------------------------------------------------------------------
    def _renew(self, m: _Machine, failure: bool, at_h: float) -> None:
        """A renewal stop ended: record the distance at a failure, learn a new baseline."""
        if failure and m.excess is not None:
            m.failures.append(m.excess)
        if failure and m.predictions:
            arr = np.asarray(m.predictions)
            true = at_h - arr[:, 0]
            ok = (true > 0.0) & (arr[:, 1] < self.rul_cap_h)
            if ok.any():
                ratio = np.log(np.maximum(true[ok], 0.25) / np.maximum(arr[ok, 1], 0.25))
                self._log_ratios.extend(ratio.tolist())
                self.failures_seen += 1
        m.predictions.clear()
        m.model, m.version = self.make_model(), "online"  # a saved model knew the old machine
        m.trend.clear()
        m.excess, m.level, m.rul, m.alert = None, None, None, False
        m.survived = 0.0
        with self._lock:
            m.last = None

    def e_fail(self, machine: str) -> float:
        """The excess distance taken as failure for ``machine`` (see the module docstring)."""
        m = self._machines.get(machine)
        seen = [] if m is None else m.failures
        if len(seen) >= 3:
            base = float(np.median(seen))
        else:
            base = float(np.median([self.failure_distance, *seen]))
        return base if m is None else max(base, _SURVIVED * m.survived)

    def _excess(self, m: _Machine, score: float, mode: str = "default") -> float | None:
        ms = m.model.modes_.get(mode)
        if ms is None or ms.n < self.warmup:
            return None
        thr: float | None = getattr(ms, "threshold", None)
        if thr is None or not np.isfinite(thr) or thr <= 0.0:
            return None
        gap = score - ms.score_ref
        a = self.health_smoothing
        m.level = (m.level or 0.0) + a * (gap - (m.level or 0.0))
        return float(np.sqrt(max(m.level, 0.0) / thr))

    def _health(self, excess: float, e_fail: float) -> float:
        return float(min(max(100.0 * (1.0 - excess / e_fail), 0.0), 100.0))

    def _score(
        self,
        machine: str,
        m: _Machine,
        names: tuple[str, ...],
        rows: _Rows,
        out: list[tuple[str, str, np.ndarray, np.ndarray]],
    ) -> int:
        ts = rows.ts
        scan = self._scan(machine, m, names, rows)
        m.cursor_us = int(ts[-1])
        last_i, keep = scan.last, scan.keep
        if keep.any():
            out.append((machine, "health", ts[keep], scan.health[keep]))
            out.append((machine, "anomaly_score", ts[keep], scan.score[keep]))
        updated = datetime.fromtimestamp(int(ts[-1]) / 1e6, tz=UTC)
        if last_i < 0:  # nothing published: the figures hold, the reading is current
            if m.last is not None:
                with self._lock:
                    m.last = replace(m.last, updated=updated)
            return scan.scored
        rul = self._rul(m, scan.e_fail, int(ts[last_i]) / 3.6e9)
        if rul is not None:
            last = ts[last_i : last_i + 1]
            for name, value in zip(DERIVED_SIGNALS[2:], rul, strict=True):
                out.append((machine, name, last, np.array([value])))
        h = float(scan.health[last_i])
        if m.alert and h >= m.model.exit_health:
            m.alert = False
        elif not m.alert and h <= m.model.enter_health:
            m.alert = True
        new = LiveReading(
            machine=machine,
            updated=updated,
            health=h,
            anomaly_score=float(scan.score[last_i]),
            alert=m.alert,
            contributions=m.model.explain(dict(zip(names, rows.x[last_i].tolist(), strict=True))),
            rul_h=None if rul is None else rul[0],
            rul_h_p10=None if rul is None else rul[1],
            rul_h_p90=None if rul is None else rul[2],
            model_version=m.version,
        )
        with self._lock:
            m.last = new
        return scan.scored

    def _scan(self, machine: str, m: _Machine, names: tuple[str, ...], rows: _Rows) -> _Scan:
        """Feed the producing rows to the model, in time order, renewing where a stop ended."""
        ts, x = rows.ts, rows.x
        n = int(ts.shape[0])
        producing = rows.codes == int(MachineState.PRODUCING)
        stops = rows.stops
        j = 0 if stops is None else int(np.searchsorted(stops[1], m.renewed_us, side="right"))
        n_fail = len(self.failure_reasons)
        scan = _Scan(np.zeros(n, dtype=np.bool_), np.empty(n), np.empty(n), self.e_fail(machine))
        step_h = self.trend_step_s / 3600.0
        gap_h = self.max_gap_s / 3600.0
        for i in range(n):
            t_us = int(ts[i])
            while stops is not None and j < stops[1].shape[0] and int(stops[1][j]) <= t_us:
                self._renew(m, int(stops[2][j]) < n_fail, int(stops[0][j]) / 3.6e9)
                scan.e_fail = self.e_fail(machine)
                m.renewed_us = int(stops[1][j])
                j += 1
            prod = bool(producing[i])
            if prod and m.prev_producing and m.prev_us is not None:
                m.prod_h += min((t_us - m.prev_us) / 3.6e9, gap_h)
            m.prev_us, m.prev_producing = t_us, prod
            if not prod:
                continue
            named = dict(zip(names, x[i].tolist(), strict=True))
            # the baseline is learnt once per renewal, then frozen: wear is not absorbed
            state = "producing" if self._learnt(m.model) < self._baseline else "monitoring"
            reading = m.model.update(named, state=state, t=t_us / 1e6)
            scan.scored += 1
            excess = self._excess(m, reading.score)
            if excess is None:
                continue
            m.excess = excess
            settled = self._settled(m.model)
            if settled and excess > m.survived:  # not while the baseline is still moving
                m.survived = excess
                scan.e_fail = self.e_fail(machine)
            scan.keep[i] = True
            scan.health[i] = self._health(excess, scan.e_fail)
            scan.score[i] = reading.score
            scan.last = i
            if settled and (not m.trend or m.prod_h - m.trend[-1][0] >= step_h):
                m.trend.append((m.prod_h, t_us / 3.6e9, excess))
        return scan

    @property
    def _baseline(self) -> int:
        return max(self.warmup, self.trend_after)

    @staticmethod
    def _learnt(model: HealthModel, mode: str = "default") -> int:
        ms = model.modes_.get(mode)
        return 0 if ms is None else ms.n

    def _settled(self, model: HealthModel) -> bool:
        return self._learnt(model) >= self._baseline

    def _rul(self, m: _Machine, e_fail: float, now_h: float) -> tuple[float, float, float] | None:
        if len(m.trend) < self.trend_min:
            return m.rul
        arr = np.asarray(m.trend)
        recent = arr[arr[:, 0] >= arr[-1, 0] - self.trend_h]
        if recent.shape[0] < self.trend_min:
            return m.rul
        cap = self.rul_cap_h
        fail = (1.0 - self.failure_health / 100.0) * e_fail
        # sensors often drift faster as wear grows: a line through sqrt(e) bends e upwards
        y = np.sqrt(recent[:, 2])
        med, p10, p90 = trend_rul(recent[:, 0], -y, -float(np.sqrt(fail)), float("inf"))
        span_cal = float(recent[-1, 1] - recent[0, 1])
        span_prod = float(recent[-1, 0] - recent[0, 0])
        share = min(max(span_prod / span_cal, 0.05), 1.0) if span_cal > 0.0 else 1.0
        new = self._interval(med / share, p10 / share, p90 / share)
        if med / share < cap:
            m.predictions.append((now_h, med / share))
        if m.rul is None:
            m.rul, m.rul_at_h = (new[0], new[1], new[2]), now_h
            return m.rul
        dt = max(now_h - m.rul_at_h, 0.0)
        w = 1.0 - float(np.exp(-dt / self.rul_smooth_h)) if self.rul_smooth_h > 0 else 1.0
        old = tuple(max(v - dt, 0.0) for v in m.rul)
        s = [o + w * (v - o) for o, v in zip(old, new, strict=True)]
        m.rul, m.rul_at_h = (s[0], s[1], s[2]), now_h
        return m.rul

    def _interval(self, med: float, p10: float, p90: float) -> tuple[float, float, float]:
        """Calibrated (median, p10, p90), capped: see the module docstring."""
        cap = self.rul_cap_h
        if not med < cap:
            return cap, cap, cap
        if self.failures_seen >= self.calibrate_after and len(self._log_ratios) >= 20:
            q10, q90 = np.quantile(np.asarray(self._log_ratios), [0.1, 0.9])
            mid, lo, hi = (
                med,
                min(med * float(np.exp(q10)), med),
                max(med * float(np.exp(q90)), med),
            )
        else:
            z = _Z90 * self.rul_log_sd
            mid, lo, hi = med, min(p10, med * float(np.exp(-z))), max(p90, med * float(np.exp(z)))
        return min(mid, cap), min(lo, cap), min(hi, cap)

    def _write(self, out: list[tuple[str, str, np.ndarray, np.ndarray]]) -> None:
        if not out:
            return
        missing = {(mc, nm) for mc, nm, _, _ in out} - set(self._derived)
        if missing:
            keys = [
                SignalKey(mc, nm, "h" if nm.startswith("rul") else "", DERIVED_KIND)
                for mc, nm in sorted(missing)
            ]
            self._derived.update(self.store.register_signals(keys))
        ids = np.concatenate(
            [np.full(ts.shape[0], self._derived[(mc, nm)], dtype=np.int32) for mc, nm, ts, _ in out]
        )
        ts_all = np.concatenate([ts for _, _, ts, _ in out])
        values = np.concatenate([v for _, _, _, v in out])
        batch = pa.Table.from_arrays(
            [
                pa.array(ids, type=pa.int32()),
                pa.array(ts_all, type=pa.int64()).cast(SAMPLE_SCHEMA.field("ts").type),
                pa.array(values, type=pa.float64()),
            ],
            schema=SAMPLE_SCHEMA,
        )
        self.store.write_samples(batch)
