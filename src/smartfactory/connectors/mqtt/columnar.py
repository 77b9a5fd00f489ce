"""The columnar fast path of the UNS connector: a batch of JSON messages straight into Arrow rows.

:class:`UnsBatcher` takes messages one by one (:meth:`UnsBatcher.add`, called by the message
pump) and turns everything received since the last ``receive`` into one Arrow table of
:data:`~smartfactory.connectors.buffer.BUFFER_SCHEMA` (:meth:`UnsBatcher.build`), so the cost
per message is a few Python calls (``json.loads``, a type set over the values) and the cost per
sample is NumPy / Arrow work: no :class:`~smartfactory.connectors.base.Sample` object is made
for a plain numeric value.

Per message, :meth:`~UnsBatcher.add` keeps a message on the fast path only if it is certainly
well formed: size within the limit, a UNS topic, a JSON object, an int/float (or absent)
``timestamp_ms`` and only int/float values. Everything else (malformed, wrong types, booleans,
text) goes through the reference parser :func:`~smartfactory.connectors.mqtt.uns.parse_message`
as before (samples or a quarantine entry with its reason). Per batch, :meth:`~UnsBatcher.build`
checks vectorised what is left: timestamps within ``timestamp_tolerance_s`` of the message's
receive time, values finite, integers within float64's range. A message failing any of these
is handed to the reference parser too, so every reject gets exactly the reason and detail the
per-message path gives (a golden test in ``tests/connectors/test_mqtt_columnar.py`` checks
this on hypothesis-generated mixes). Allowed ``signals`` are checked over the batch's tags
with ``pyarrow.compute.is_in``; each unknown sample is quarantined with its tag, as before.

Timestamps convert exactly as the reference does (``timedelta(milliseconds=...)``, one call per
message); values become float64 (the sample table's type). The latest value of each tag (for
``read()``/``browse()``) is kept per machine with one ``dict.update`` per message; within one
batch, samples that took the reference path are applied after the fast ones.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from itertools import chain
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from smartfactory.connectors.base import Sample, Value
from smartfactory.connectors.buffer import BUFFER_SCHEMA
from smartfactory.connectors.mqtt.uns import (
    TIMESTAMP,
    PayloadRejectedError,
    UnsLimits,
    parse_message,
)
from smartfactory.connectors.quarantine import Quarantine, Reason

__all__ = ["UnsBatcher", "empty_rows"]

_FAST = frozenset({float, int})
_BIG = 2**1023  # as the reference: integers at or beyond this are not finite
_BIG_F = float(2**1023)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
_TS_TYPE = BUFFER_SCHEMA.field("ts").type


def empty_rows() -> pa.Table:
    """A table of BUFFER_SCHEMA with no rows."""
    return BUFFER_SCHEMA.empty_table()


def _micros(raw: float | None, now: datetime) -> int:
    """Microseconds since the epoch of a checked ``timestamp_ms``, exactly as the reference."""
    if raw is None:
        return (now - _EPOCH) // _US
    return (timedelta(milliseconds=raw)) // _US


class UnsBatcher:
    """UNS messages held until ``receive``, then turned into one Arrow table (see module doc)."""

    def __init__(
        self,
        levels_before_machine: int,
        limits: UnsLimits,
        quarantine: Quarantine,
        allowed: Iterable[str] = (),
    ) -> None:
        self.levels = levels_before_machine
        self.limits = limits
        self.quarantine = quarantine
        self.allowed = frozenset(allowed)
        self._allowed_arr = pa.array(sorted(self.allowed), pa.string())
        self._tolerance_ms = limits.timestamp_tolerance_s * 1000
        self.latest_values: dict[str, dict[str, Value]] = {}  # machine -> signal -> value
        self.latest_ts: dict[str, dict[str, datetime]] = {}
        self._clear()

    def _clear(self) -> None:
        self._machines: list[str] = []
        self._objs: list[dict[str, Any]] = []
        self._stamps: list[float | None] = []  # timestamp_ms as sent (int or float), or None
        self._nows: list[datetime] = []
        self._topics: list[str] = []
        self._payloads: list[bytes] = []
        self._rows = 0

    @property
    def held_rows(self) -> int:
        """Samples held on the fast path, not yet built."""
        return self._rows

    def add(self, topic: str, payload: bytes, now: datetime) -> tuple[int, list[Sample]]:
        """Take one message: (samples held on the fast path, samples of the reference path)."""
        if len(payload) <= self.limits.max_payload_bytes:
            parts = topic.split("/")
            depth = len(parts) - self.levels
            if (depth == 1 or depth == 2) and all(parts):  # noqa: PLR1714 - two cheap compares
                obj = _loads(payload)
                if type(obj) is dict:
                    stamp = obj.get(TIMESTAMP)
                    if depth == 2:
                        values = {parts[-1]: obj["value"]} if "value" in obj else {}
                    else:
                        obj.pop(TIMESTAMP, None)
                        values = obj
                    kind = type(stamp)
                    if (
                        values
                        and (
                            stamp is None or kind is float or (kind is int and -_BIG < stamp < _BIG)
                        )
                        and set(map(type, values.values())) <= _FAST
                    ):
                        self._machines.append(parts[self.levels])
                        self._objs.append(values)
                        self._stamps.append(stamp)
                        self._nows.append(now)
                        self._topics.append(topic)
                        self._payloads.append(payload)
                        self._rows += len(values)
                        return len(values), []
        return 0, self._reference(topic, payload, now)

    def _reference(self, topic: str, payload: bytes, now: datetime) -> list[Sample]:
        """The per-message path: samples, or the reject quarantined with its reason."""
        try:
            samples = parse_message(topic, payload, self.levels, now, self.limits)
        except PayloadRejectedError as err:
            self.quarantine.add(f"mqtt:{topic}", err.reason, err.detail, payload)
            return []
        if self.allowed:
            for s in samples:
                if s.tag not in self.allowed:
                    self.quarantine.add(f"mqtt:{topic}", Reason.UNKNOWN_SIGNAL, s.tag, payload)
            samples = [s for s in samples if s.tag in self.allowed]
        for s in samples:
            machine, _, signal = s.tag.partition("/")
            if s.value is not None:
                self.latest_values.setdefault(machine, {})[signal] = s.value
                self.latest_ts.setdefault(machine, {})[signal] = s.ts
        return samples

    def build(self) -> tuple[pa.Table, list[Sample]]:
        """Everything held: (rows of BUFFER_SCHEMA, samples of messages that failed a check)."""
        machines, objs, stamps, nows = self._machines, self._objs, self._stamps, self._nows
        topics, payloads, total = self._topics, self._payloads, self._rows
        self._clear()
        n = len(objs)
        if n == 0:
            return empty_rows(), []
        counts = np.fromiter(map(len, objs), np.int64, n)
        starts = np.zeros(n, np.int64)
        np.cumsum(counts[:-1], out=starts[1:])
        bad = self._bad_stamps(stamps, nows)
        try:
            values = np.fromiter(chain.from_iterable(map(dict.values, objs)), np.float64, total)
        except OverflowError:  # an integer beyond float64: find its messages, rebuild
            bad |= np.fromiter(map(_overflows, objs), np.bool_, n)
            values = np.fromiter(
                chain.from_iterable(o.values() for o, b in zip(objs, bad, strict=True) if not b),
                np.float64,
            )
            values = _spread(values, bad, counts)
        row_bad = ~np.isfinite(values) | (np.abs(values) >= _BIG_F)  # NaN/inf, huge integers
        if row_bad.any():
            bad |= np.logical_or.reduceat(row_bad, starts)
        extra: list[Sample] = []
        if bad.any():
            for i in np.flatnonzero(bad).tolist():
                extra += self._reference(topics[i], payloads[i], nows[i])
            keep = ~bad
            rows_keep = np.repeat(keep, counts)
            pick = np.flatnonzero(keep).tolist()
            machines = [machines[i] for i in pick]
            objs = [objs[i] for i in pick]
            stamps = [stamps[i] for i in pick]
            nows = [nows[i] for i in pick]
            payloads = [payloads[i] for i in pick]
            topics = [topics[i] for i in pick]
            counts = counts[keep]
            values = values[rows_keep]
            n = len(objs)
            if n == 0:
                return empty_rows(), extra
        micros = np.fromiter(map(_micros, stamps, nows), np.int64, n)
        msg_of_row = np.repeat(np.arange(n), counts)
        keys = pa.array(list(chain.from_iterable(objs)), pa.string())
        tags: pa.StringArray = pc.call_function(  # machine + "/" + signal, per row
            "binary_join_element_wise",
            [pa.array(machines, pa.string()).take(msg_of_row), keys, "/"],
        )
        ts = pa.array(np.repeat(micros, counts), pa.int64()).cast(_TS_TYPE)
        table = pa.table([tags, ts, pa.array(values, pa.float64())], schema=BUFFER_SCHEMA)
        dropped = np.zeros(n, np.bool_)
        if self.allowed:
            known = pc.is_in(tags, value_set=self._allowed_arr).to_numpy(zero_copy_only=False)
            if not known.all():
                for row in np.flatnonzero(~known).tolist():
                    i = int(msg_of_row[row])
                    dropped[i] = True
                    self.quarantine.add(
                        f"mqtt:{topics[i]}", Reason.UNKNOWN_SIGNAL, str(tags[row]), payloads[i]
                    )
                table = table.filter(pa.array(known))
        self._remember(machines, objs, micros, dropped)
        return table, extra

    def _bad_stamps(self, stamps: list[float | None], nows: list[datetime]) -> np.ndarray[Any, Any]:
        """Messages whose timestamp is further than the tolerance from their receive time."""
        raw = np.array([math.nan if s is None else float(s) for s in stamps], np.float64)
        now_ms = np.fromiter((t.timestamp() * 1000 for t in nows), np.float64, len(nows))
        given = np.array([s is not None for s in stamps], np.bool_)
        within = np.abs(raw - now_ms) <= self._tolerance_ms  # False for NaN/inf: reference says why
        out: np.ndarray[Any, Any] = given & ~within
        return out

    def _remember(
        self,
        machines: list[str],
        objs: list[dict[str, Any]],
        micros: np.ndarray[Any, Any],
        dropped: np.ndarray[Any, Any],
    ) -> None:
        """The latest value and time of each tag, one dict update per message."""
        values, times = self.latest_values, self.latest_ts
        for machine, obj, us, drop in zip(
            machines, objs, micros.tolist(), dropped.tolist(), strict=True
        ):
            kept = obj
            if drop:
                prefix = f"{machine}/"
                kept = {k: v for k, v in obj.items() if prefix + k in self.allowed}
            when = _EPOCH + timedelta(microseconds=us)
            values.setdefault(machine, {}).update(kept)
            times.setdefault(machine, {}).update(dict.fromkeys(kept, when))

    def latest(self, tag: str) -> Sample | None:
        """The latest sample of ``machine/signal``, or None when none was received."""
        machine, _, signal = tag.partition("/")
        value = self.latest_values.get(machine, {}).get(signal)
        if value is None:
            return None
        return Sample(tag, self.latest_ts[machine][signal], value)

    def tags(self) -> list[tuple[str, Value]]:
        """Every tag seen so far with its latest value, sorted."""
        return sorted(
            (f"{m}/{s}", v) for m, signals in self.latest_values.items() for s, v in signals.items()
        )


def _loads(payload: bytes) -> object:
    try:
        return json.loads(payload)
    except (ValueError, RecursionError):  # the reference parser says why
        return None


def _overflows(obj: dict[str, Any]) -> bool:
    try:
        np.fromiter(obj.values(), np.float64, len(obj))
    except OverflowError:
        return True
    return False


def _spread(
    values: np.ndarray[Any, Any], bad: np.ndarray[Any, Any], counts: np.ndarray[Any, Any]
) -> np.ndarray[Any, Any]:
    """Values of the good messages put back at their rows (bad messages' rows are NaN)."""
    out = np.full(int(counts.sum()), np.nan)
    out[np.repeat(~bad, counts)] = values
    return out
