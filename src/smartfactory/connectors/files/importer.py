"""Importing history from CSV and Parquet files into the store (``smartfactory import``).

One column holds the time; each other chosen column becomes the signal ``(machine, column)``.
Files are read in batches (``pyarrow.csv.open_csv`` with the separator sniffed from the first
64 KiB, or ``pyarrow.parquet`` row groups) and parsed vectorised (:mod:`.parse`). Nothing is
dropped silently: a row whose time cannot be read, or a CSV line with the wrong number of
fields, is rejected whole; a cell whose value cannot be read (or is NaN/inf) is rejected
alone. Each rejection is counted by reason and written to the quarantine CSV (``file, row,
column, value, reason``), which each import rewrites; ``row`` is the line in a CSV file (the
header is line 1; empty lines count and are rejected, a quoted field spanning lines is not
foreseen) and the 1-based row in a Parquet file. Empty cells are counted as missing. Without
``columns``, a column whose first batch holds text only (an operator's name, say) is skipped
and reported rather than quarantined cell by cell. Re-importing a file stores nothing twice:
the store ignores a (signal, ts) it already holds, and the summary counts those as duplicates.
"""

from __future__ import annotations

import contextlib
import csv
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from smartfactory.connectors.errors import ConnectorConfigError
from smartfactory.connectors.files.parse import ValueStatus, parse_timestamps, parse_values
from smartfactory.store.base import SAMPLE_SCHEMA, SignalKey, Store

_pc: Any = pc  # pyarrow-stubs overloads reject arrays whose type is known only at run time

__all__ = ["FileFormat", "ImportSummary", "Progress", "detect_separator", "import_file"]

FileFormat = Literal["csv", "parquet"]
Progress = Callable[[int, int], None]
"""Called with (done, total): bytes for CSV, rows for Parquet."""

_QUARANTINE_FIELDS: list[pa.Field[Any]] = [
    pa.field("file", pa.string()),
    pa.field("row", pa.int64()),
    pa.field("column", pa.string()),
    pa.field("value", pa.string()),
    pa.field("reason", pa.string()),
]
QUARANTINE_SCHEMA = pa.schema(_QUARANTINE_FIELDS)
_SUFFIXES: dict[str, FileFormat] = {".csv": "csv", ".tsv": "csv", ".txt": "csv",
                                    ".parquet": "parquet", ".pq": "parquet"}  # fmt: skip
_REASONS = {
    ValueStatus.BAD: "unparseable value",
    ValueStatus.NOT_FINITE: "not a finite number",
}


@dataclass
class ImportSummary:
    """What an import took and what it rejected, and why."""

    file: Path
    signals: list[str] = field(default_factory=list)
    rows_read: int = 0
    rows_rejected: int = 0
    values_taken: int = 0
    values_rejected: int = 0
    values_missing: int = 0
    stored: int = 0
    rejected_by_reason: Counter[str] = field(default_factory=Counter)
    skipped_columns: dict[str, str] = field(default_factory=dict)
    quarantine: Path | None = None

    @property
    def rows_taken(self) -> int:
        """Rows whose time could be read."""
        return self.rows_read - self.rows_rejected

    @property
    def duplicates(self) -> int:
        """Values the store already held (a re-import)."""
        return self.values_taken - self.stored


def detect_separator(path: Path) -> str:
    """The field separator of a CSV file: ``,``, ``;``, tab or ``|``."""
    with path.open(encoding="utf-8-sig", errors="replace") as f:
        sample = f.read(65536)
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        header = sample.splitlines()[0] if sample else ""
        return max(",;\t|", key=header.count)


def _format_of(path: Path, fmt: FileFormat | None) -> FileFormat:
    if fmt is not None:
        return fmt
    found = _SUFFIXES.get(path.suffix.lower())
    if found is None:
        raise ConnectorConfigError(f"{path}: cannot tell the format; give --format csv|parquet")
    return found


class _Quarantine:
    """Rejections, written as CSV batches to ``path`` (created on the first one)."""

    def __init__(self, path: Path, source: str, counts: Counter[str]) -> None:
        self.path = path
        self.source = source
        self.counts = counts
        self.writer: pacsv.CSVWriter | None = None
        path.unlink(missing_ok=True)

    def add(
        self, rows: np.ndarray, column: str, values: pa.Array[Any], reasons: Sequence[str]
    ) -> None:
        if len(rows) == 0:
            return
        self.counts.update(reasons)
        table = pa.table(
            [pa.array([self.source] * len(rows)), pa.array(rows, pa.int64()),
             pa.array([column] * len(rows)), _pc.cast(values, pa.string()), pa.array(reasons)],
            schema=QUARANTINE_SCHEMA,
        )  # fmt: skip
        if self.writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.writer = pacsv.CSVWriter(str(self.path), QUARANTINE_SCHEMA)
        self.writer.write_table(table)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def _csv_batches(
    path: Path, time_column: str, columns: Sequence[str] | None, progress: Progress | None,
    bad_lines: list[tuple[int, str]],
) -> tuple[list[str], Iterator[pa.RecordBatch]]:  # fmt: skip
    sep = detect_separator(path)
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as f:
        header = next(csv.reader(f, delimiter=sep), [])
    names = _choose(path, header, time_column, columns)

    def on_invalid(row: pacsv.InvalidRow) -> Literal["skip"]:
        bad_lines.append((row.number if row.number is not None else -1, row.text))
        return "skip"

    def batches() -> Iterator[pa.RecordBatch]:
        total = path.stat().st_size
        with path.open("rb") as raw:
            reader = pacsv.open_csv(
                raw,
                read_options=pacsv.ReadOptions(block_size=1 << 22, use_threads=False),
                parse_options=pacsv.ParseOptions(
                    delimiter=sep, invalid_row_handler=on_invalid, ignore_empty_lines=False
                ),
                convert_options=pacsv.ConvertOptions(
                    column_types=dict.fromkeys(header, pa.string()),
                    include_columns=[time_column, *names],
                    strings_can_be_null=False,
                ),
            )
            for batch in reader:
                yield batch
                if progress is not None:
                    progress(min(raw.tell(), total), total)

    return names, batches()


def _parquet_batches(
    path: Path, time_column: str, columns: Sequence[str] | None, progress: Progress | None
) -> tuple[list[str], Iterator[pa.RecordBatch]]:
    file = pq.ParquetFile(path)
    schema = file.schema_arrow
    names = _choose(path, schema.names, time_column, columns)
    if columns is None:
        names = [n for n in names if not pa.types.is_string(schema.field(n).type)]

    def batches() -> Iterator[pa.RecordBatch]:
        done, total = 0, file.metadata.num_rows
        with contextlib.closing(file):
            for batch in file.iter_batches(batch_size=65536, columns=[time_column, *names]):
                yield batch
                done += batch.num_rows
                if progress is not None:
                    progress(done, total)

    return names, batches()


def _choose(
    path: Path, header: Sequence[str], time_column: str, columns: Sequence[str] | None
) -> list[str]:
    if time_column not in header:
        raise ConnectorConfigError(
            f"{path}: no time column {time_column!r} (has: {', '.join(header)})"
        )
    if columns is None:
        return [c for c in header if c != time_column]
    missing = [c for c in columns if c not in header]
    if missing:
        raise ConnectorConfigError(f"{path}: no column(s) {', '.join(missing)}")
    return [c for c in columns if c != time_column]


@dataclass
class _Run:
    """The state of one import: where rows go and what has been counted."""

    store: Store
    machine: str
    time_column: str
    names: list[str]
    explicit: bool
    decimal_comma: bool
    tz: str
    summary: ImportSummary
    rejects: _Quarantine
    ids: dict[str, int] = field(default_factory=dict)

    def bad_lines(self, lines: Sequence[tuple[int, str]]) -> None:
        for number, text in lines:
            self.rejects.add(np.array([number]), "", pa.array([text]), ["wrong number of fields"])
        self.summary.rows_read += len(lines)
        self.summary.rows_rejected += len(lines)

    def batch(self, batch: pa.RecordBatch, rows: np.ndarray) -> None:
        self.summary.rows_read += batch.num_rows
        ts = parse_timestamps(batch.column(self.time_column), self.tz)
        ts_ok = np.asarray(_pc.is_valid(ts))
        bad_ts = int((~ts_ok).sum())
        self.summary.rows_rejected += bad_ts
        times = batch.column(self.time_column).filter(pa.array(~ts_ok))
        self.rejects.add(rows[~ts_ok], self.time_column, times, ["unparseable timestamp"] * bad_ts)
        parts = [
            part
            for name in self.names
            if name not in self.summary.skipped_columns
            and (part := self.column(name, batch.column(name), rows, ts, ts_ok)) is not None
        ]
        if parts:
            self.summary.stored += self.store.write_samples(pa.concat_tables(parts))

    def column(
        self, name: str, cells: pa.Array[Any], rows: np.ndarray, ts: pa.Array[Any],
        ts_ok: np.ndarray,
    ) -> pa.Table | None:  # fmt: skip
        values, status = parse_values(cells, decimal_comma=self.decimal_comma)
        if not self.explicit and name not in self.ids and _text_only(status):
            self.summary.skipped_columns[name] = "not numeric"
            return None
        if name not in self.ids:
            key = SignalKey(self.machine, name)
            self.ids[name] = self.store.register_signals([key])[(self.machine, name)]
            self.summary.signals.append(name)
        status = np.where(ts_ok, status, ValueStatus.MISSING)  # the row is rejected already
        self.summary.values_missing += int((status[ts_ok] == ValueStatus.MISSING).sum())
        for code, reason in _REASONS.items():
            hit = status == code
            count = int(hit.sum())
            self.rejects.add(rows[hit], name, cells.filter(pa.array(hit)), [reason] * count)
            self.summary.values_rejected += count
        ok = status == ValueStatus.OK
        self.summary.values_taken += int(ok.sum())
        take = pa.array(ok)
        sid = pa.array(np.full(int(ok.sum()), self.ids[name], np.int32))
        return pa.table([sid, ts.filter(take), values.filter(take)], schema=SAMPLE_SCHEMA)


def import_file(
    path: Path,
    store: Store,
    *,
    machine: str,
    time_column: str,
    quarantine: Path,
    columns: Sequence[str] | None = None,
    fmt: FileFormat | None = None,
    tz: str = "UTC",
    progress: Progress | None = None,
) -> ImportSummary:
    """Import ``path`` into ``store`` as signals ``(machine, column)``; see the module doc."""
    kind = _format_of(path, fmt)
    summary = ImportSummary(file=path)
    bad_lines: list[tuple[int, str]] = []
    if kind == "csv":
        names, batches = _csv_batches(path, time_column, columns, progress, bad_lines)
    else:
        names, batches = _parquet_batches(path, time_column, columns, progress)
    decimal_comma = kind == "csv" and detect_separator(path) == ";"
    rejects = _Quarantine(quarantine, str(path), summary.rejected_by_reason)
    run = _Run(store, machine, time_column, names, columns is not None, decimal_comma, tz,
               summary, rejects)  # fmt: skip
    offset = flushed = 0
    try:
        for batch in batches:
            rows = np.arange(offset + 1, offset + batch.num_rows + 1)
            offset += batch.num_rows
            if kind == "csv":
                rows = _lines(rows, bad_lines)
                run.bad_lines(bad_lines[flushed:])
                flushed = len(bad_lines)
            run.batch(batch, rows)
        run.bad_lines(bad_lines[flushed:])
    finally:
        rejects.close()
    summary.quarantine = quarantine if rejects.writer is not None else None
    return summary


def _lines(rows: np.ndarray, bad_lines: Sequence[tuple[int, str]]) -> np.ndarray:
    """File line numbers of parsed data rows ``rows`` (1-based), given the rejected lines."""
    bad = np.sort(np.array([n for n, _ in bad_lines if n > 0], dtype=np.int64))
    before = bad - 2 - np.arange(len(bad))  # parsed rows before each rejected line
    return rows + 1 + np.searchsorted(before, rows - 1, side="right")


def _text_only(status: np.ndarray) -> bool:
    """Whether a batch of a column holds text but no number at all."""
    return bool((status == ValueStatus.BAD).any() and not (status == ValueStatus.OK).any())
