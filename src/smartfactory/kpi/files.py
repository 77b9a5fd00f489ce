"""Reading the offline-analysis CSV files: machines, state intervals and counts.

Each row is validated with a pydantic model; every problem raises :class:`KpiInputError` naming
the file, the line (1 is the header) and what is wrong: a missing column, an unparseable
number or timestamp, a timestamp without UTC offset, an unknown state or machine, an interval
that ends before it starts, or two overlapping intervals of one machine.

File formats (``docs/kpi.md``)::

    machines.csv  machine,ideal_cycle_s
    states.csv    machine,start,end,state[,reason]      ISO 8601 with offset
    counts.csv    machine,timestamp,good,scrap
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import numpy as np
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from smartfactory.domain.states import MachineState
from smartfactory.errors import DataError
from smartfactory.kpi.intervals import Counts, Intervals

__all__ = ["KpiInputError", "parse_time", "read_counts", "read_machines", "read_states", "to_us"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class KpiInputError(DataError):
    """A KPI input file is invalid at ``line`` (1-based, the header is line 1)."""

    def __init__(self, path: Path | str, line: int, problem: str) -> None:
        self.path = str(path)
        self.line = line
        self.problem = problem
        super().__init__(f"{self.path}, line {line}: {problem}")


def parse_time(text: object) -> datetime:
    """An ISO 8601 timestamp that carries a UTC offset (``Z`` or ``+09:00``)."""
    if isinstance(text, datetime):
        value = text
    else:
        raw = str(text).strip()
        try:
            value = datetime.fromisoformat(raw)
        except ValueError as err:
            msg = f"unparseable timestamp {raw!r}; expected ISO 8601 with offset"
            raise ValueError(msg) from err
    if value.tzinfo is None or value.utcoffset() is None:
        msg = f"timestamp {value.isoformat()!r} has no UTC offset (e.g. +09:00 or Z)"
        raise ValueError(msg)
    return value


def to_us(value: datetime) -> int:
    """Microseconds since the Unix epoch of an aware datetime."""
    return (value - _EPOCH) // timedelta(microseconds=1)


Timestamp = Annotated[datetime, BeforeValidator(parse_time)]
Name = Annotated[str, BeforeValidator(lambda v: str(v).strip()), Field(min_length=1)]


class _Row(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class MachineRow(_Row):
    """A line of machines.csv."""

    machine: Name
    ideal_cycle_s: float = Field(gt=0, allow_inf_nan=False)


class StateRow(_Row):
    """A line of states.csv."""

    machine: Name
    start: Timestamp
    end: Timestamp
    state: MachineState
    reason: str = ""

    @classmethod
    def from_csv(cls, row: dict[str, str]) -> StateRow:
        """Parse a row, reading ``state`` by its lower-case name."""
        state = row.get("state")
        data: dict[str, object] = dict(row)
        data["state"] = MachineState.parse(state) if state is not None else None
        data["reason"] = (row.get("reason") or "").strip()
        return cls.model_validate(data)


class CountRow(_Row):
    """A line of counts.csv."""

    machine: Name
    timestamp: Timestamp
    good: int = Field(ge=0)
    scrap: int = Field(ge=0)


def _problem(err: ValidationError | DataError) -> str:
    if isinstance(err, DataError):
        return str(err)
    first = err.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    msg = str(first["msg"]).removeprefix("Value error, ")
    return f"column {where}: {msg}" if where else msg


def _rows(path: Path, columns: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as err:
        raise KpiInputError(path, 0, f"cannot read the file: {err.strerror or err}") from err
    with handle:
        reader = csv.DictReader(handle)
        try:
            header = reader.fieldnames
        except (csv.Error, UnicodeDecodeError) as err:
            raise KpiInputError(path, 1, f"unreadable header: {err}") from err
        if header is None:
            raise KpiInputError(path, 1, f"empty file; expected header {','.join(columns)}")
        missing = [c for c in columns if c not in [h.strip() for h in header]]
        if missing:
            raise KpiInputError(
                path, 1, f"missing column(s) {', '.join(missing)}; header is {','.join(header)}"
            )
        reader.fieldnames = [h.strip() for h in header]
        try:
            for row in reader:
                if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
                    continue
                yield reader.line_num, row
        except (csv.Error, UnicodeDecodeError) as err:
            raise KpiInputError(path, reader.line_num, f"unreadable CSV: {err}") from err


def read_machines(path: Path) -> dict[str, float]:
    """Ideal cycle time in seconds of each machine, in file order."""
    out: dict[str, float] = {}
    for line, row in _rows(path, ("machine", "ideal_cycle_s")):
        try:
            parsed = MachineRow.model_validate(row)
        except ValidationError as err:
            raise KpiInputError(path, line, _problem(err)) from err
        if parsed.machine in out:
            raise KpiInputError(path, line, f"machine {parsed.machine!r} is listed twice")
        out[parsed.machine] = parsed.ideal_cycle_s
    if not out:
        raise KpiInputError(path, 1, "no machines")
    return out


def read_states(path: Path, machines: tuple[str, ...]) -> Intervals:
    """State intervals of known machines, checked for order and overlap."""
    index = {m: i for i, m in enumerate(machines)}
    reasons: dict[str, int] = {"": 0}
    cols: list[list[int]] = [[], [], [], [], [], []]
    for line, row in _rows(path, ("machine", "start", "end", "state")):
        try:
            parsed = StateRow.from_csv(row)
        except (ValidationError, DataError) as err:
            raise KpiInputError(path, line, _problem(err)) from err
        if parsed.machine not in index:
            raise KpiInputError(path, line, f"unknown machine {parsed.machine!r}")
        if parsed.end < parsed.start:
            raise KpiInputError(
                path,
                line,
                f"end {parsed.end.isoformat()} is before start {parsed.start.isoformat()}",
            )
        reason = reasons.setdefault(parsed.reason, len(reasons))
        values = (
            index[parsed.machine], to_us(parsed.start), to_us(parsed.end),
            int(parsed.state), reason, line,
        )  # fmt: skip
        for col, value in zip(cols, values, strict=True):
            col.append(value)
    machine, start, end, state, reason_ix, lines = (np.asarray(c, dtype=np.int64) for c in cols)
    order = np.lexsort((start, machine))
    machine, start, end = machine[order], start[order], end[order]
    same = machine[1:] == machine[:-1]
    overlap = np.flatnonzero(same & (start[1:] < end[:-1]))
    if overlap.size:
        first = overlap[np.argmin(lines[order][overlap + 1])]
        a, b = lines[order][first], lines[order][first + 1]
        who = machines[int(machine[first])]
        raise KpiInputError(
            path, int(max(a, b)), f"interval of {who!r} overlaps the one on line {min(a, b)}"
        )
    zeros = np.zeros(order.size, dtype=np.int32)
    return Intervals(
        machine=machine.astype(np.int32),
        start=start,
        end=end,
        state=state[order].astype(np.int8),
        reason=reason_ix[order].astype(np.int32),
        product=zeros,
        order=zeros.copy(),
        machines=machines,
        reasons=tuple(reasons),
    )


def read_counts(path: Path, machines: tuple[str, ...]) -> Counts:
    """Counts of known machines, sorted by machine and timestamp."""
    index = {m: i for i, m in enumerate(machines)}
    cols: list[list[int]] = [[], [], [], []]
    for line, row in _rows(path, ("machine", "timestamp", "good", "scrap")):
        try:
            parsed = CountRow.model_validate(row)
        except ValidationError as err:
            raise KpiInputError(path, line, _problem(err)) from err
        if parsed.machine not in index:
            raise KpiInputError(path, line, f"unknown machine {parsed.machine!r}")
        values = (index[parsed.machine], to_us(parsed.timestamp), parsed.good, parsed.scrap)
        for col, value in zip(cols, values, strict=True):
            col.append(value)
    machine, ts, good, scrap = (np.asarray(c, dtype=np.int64) for c in cols)
    order = np.lexsort((ts, machine))
    return Counts(machine[order].astype(np.int32), ts[order], good[order], scrap[order])
