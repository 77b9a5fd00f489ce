"""Parsing and importing CSV / Parquet history into a real DuckDB store."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from smartfactory.connectors.errors import ConnectorConfigError
from smartfactory.connectors.files import (
    ValueStatus,
    detect_separator,
    import_file,
    parse_timestamps,
    parse_values,
)
from smartfactory.store import DuckDBStore

T0 = datetime(2024, 3, 4, 8, 0, tzinfo=UTC)


def _values(store: DuckDBStore, machine: str, name: str) -> list[tuple[datetime, float]]:
    table = store.signals().to_pylist()
    ids = [r["signal_id"] for r in table if (r["machine"], r["name"]) == (machine, name)]
    assert ids, f"signal {machine}/{name} not registered"
    got = store.query_samples(ids, T0 - timedelta(days=1), T0 + timedelta(days=1))
    return list(zip(got.column("ts").to_pylist(), got.column("value").to_pylist(), strict=True))


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def test_parse_timestamps_row_by_row() -> None:
    cells = pa.array(
        ["2024-03-04T17:00:00.5+09:00", "2024-03-04 08:00:01", "2024-03-04T08:00:02Z",
         "2024-13-04T08:00:00", "garbage", "1709539203", "1709539204000", None, ""]
    )  # fmt: skip
    got = parse_timestamps(cells, tz="UTC").to_pylist()
    assert got[0] == T0 + timedelta(seconds=0.5)
    assert got[1:3] == [T0 + timedelta(seconds=1), T0 + timedelta(seconds=2)]
    assert got[3:5] == [None, None]  # month 13 does not spoil the others
    assert got[5:7] == [T0 + timedelta(seconds=3), T0 + timedelta(seconds=4)]
    assert got[7:] == [None, None]
    local = parse_timestamps(pa.array(["2024-03-04 17:00:00"]), tz="Asia/Seoul").to_pylist()
    assert local == [T0]


def test_parse_values_codes() -> None:
    values, status = parse_values(pa.array(["1", " -2.5 ", "3e2", "abc", "nan", "1e999", "", "TRUE",
                                            None]))  # fmt: skip
    assert values.to_pylist() == [1.0, -2.5, 300.0, None, None, None, None, 1.0, None]
    s = ValueStatus
    assert status.tolist() == [s.OK, s.OK, s.OK, s.BAD, s.NOT_FINITE, s.NOT_FINITE, s.MISSING,
                               s.OK, s.MISSING]  # fmt: skip
    comma, _ = parse_values(pa.array(["1,5"]), decimal_comma=True)
    assert comma.to_pylist() == [1.5]


@pytest.mark.parametrize("sep", [",", ";", "\t", "|"])
def test_detect_separator(tmp_path: Path, sep: str) -> None:
    path = tmp_path / "x.csv"
    path.write_text(sep.join(["time", "a", "b"]) + "\n" + sep.join(["t", "1", "2"]) + "\n")
    assert detect_separator(path) == sep


def test_csv_import_takes_good_rejects_bad_and_reimports_idempotently(
    tmp_path: Path, store: DuckDBStore
) -> None:
    path = tmp_path / "press.csv"
    path.write_text(
        "time,temp,speed,operator\n"
        "2024-03-04T08:00:00Z,20.5,100,kim\n"
        "2024-03-04T08:00:01Z,21.0,oops,lee\n"
        "not a time,22.0,102,kim\n"
        "\n"
        "2024-03-04T08:00:03Z,inf,103,kim,extra\n"
        "2024-03-04T08:00:04Z,,104,park\n"
        "2024-03-04T08:00:05Z,nan,105,park\n"
    )
    quarantine = tmp_path / "q.csv"
    first = import_file(path, store, machine="press", time_column="time", quarantine=quarantine)
    assert first.signals == ["temp", "speed"]
    assert first.skipped_columns == {"operator": "not numeric"}
    assert (first.rows_read, first.rows_taken, first.rows_rejected) == (7, 4, 3)
    assert (first.values_taken, first.values_rejected, first.values_missing) == (5, 2, 1)
    assert first.stored == 5 and first.duplicates == 0
    assert dict(first.rejected_by_reason) == {"unparseable timestamp": 2, "unparseable value": 1,
                                              "not a finite number": 1,
                                              "wrong number of fields": 1}  # fmt: skip
    assert _values(store, "press", "temp") == [(T0, 20.5), (T0 + timedelta(seconds=1), 21.0)]
    assert [v for _, v in _values(store, "press", "speed")] == [100.0, 104.0, 105.0]
    rows = _rows(quarantine)
    assert {(r["row"], r["column"], r["value"], r["reason"]) for r in rows} == {
        ("3", "speed", "oops", "unparseable value"),
        ("4", "time", "not a time", "unparseable timestamp"),
        ("5", "time", "", "unparseable timestamp"),
        ("6", "", "2024-03-04T08:00:03Z,inf,103,kim,extra", "wrong number of fields"),
        ("8", "temp", "nan", "not a finite number"),
    }
    again = import_file(path, store, machine="press", time_column="time", quarantine=quarantine)
    assert (again.stored, again.duplicates, again.values_taken) == (0, 5, 5)
    assert len(_rows(quarantine)) == len(rows)  # rewritten, not appended
    assert len(_values(store, "press", "speed")) == 3


def test_semicolon_decimal_comma_columns_and_timezone(tmp_path: Path, store: DuckDBStore) -> None:
    path = tmp_path / "oven.txt"
    path.write_text("zeit;temp;druck;x\n2024-03-04 17:00:00;180,5;1,25;9\n")
    summary = import_file(
        path, store, machine="oven", time_column="zeit", columns=["temp", "druck"],
        tz="Asia/Seoul", quarantine=tmp_path / "q.csv",
    )  # fmt: skip
    assert summary.signals == ["temp", "druck"] and summary.quarantine is None
    assert _values(store, "oven", "temp") == [(T0, 180.5)]
    assert _values(store, "oven", "druck") == [(T0, 1.25)]
    assert not (tmp_path / "q.csv").exists()


def test_parquet_import_typed_and_text_columns(tmp_path: Path, store: DuckDBStore) -> None:
    path = tmp_path / "hist.parquet"
    naive = [datetime(2024, 3, 4, 8, 0, i) for i in range(4)]
    table = pa.table({
        "ts": pa.array(naive, pa.timestamp("ms")),
        "temp": pa.array([1.0, None, float("nan"), 4.0]),
        "count": pa.array([1, 2, 3, 4], pa.int32()),
        "label": pa.array(["a", "b", "c", "d"]),
    })  # fmt: skip
    pq.write_table(table, path, row_group_size=2)
    seen: list[tuple[int, int]] = []
    summary = import_file(path, store, machine="m", time_column="ts", quarantine=tmp_path / "q.csv",
                          progress=lambda done, total: seen.append((done, total)))  # fmt: skip
    assert summary.signals == ["temp", "count"]  # text columns are not taken unless asked
    assert (summary.values_taken, summary.values_missing, summary.values_rejected) == (6, 1, 1)
    assert [v for _, v in _values(store, "m", "temp")] == [1.0, 4.0]
    assert seen[-1] == (4, 4)
    assert _rows(tmp_path / "q.csv")[0]["row"] == "3"


def test_bad_arguments_raise_config_errors(tmp_path: Path, store: DuckDBStore) -> None:
    path = tmp_path / "a.csv"
    path.write_text("time,a\n2024-03-04T08:00:00Z,1\n")
    with pytest.raises(ConnectorConfigError, match="no time column"):
        import_file(path, store, machine="m", time_column="t", quarantine=tmp_path / "q.csv")
    with pytest.raises(ConnectorConfigError, match="no column"):
        import_file(path, store, machine="m", time_column="time", columns=["b"],
                    quarantine=tmp_path / "q.csv")  # fmt: skip
    odd = tmp_path / "a.dat"
    odd.write_text("x")
    with pytest.raises(ConnectorConfigError, match="--format"):
        import_file(odd, store, machine="m", time_column="time", quarantine=tmp_path / "q.csv")


def test_large_csv_is_vectorised(tmp_path: Path, store: DuckDBStore) -> None:
    n = 200_000
    ts = pa.array(np.datetime64("2024-03-04T08:00:00") + np.arange(n).astype("timedelta64[s]"))
    table = pa.table({"time": pa.compute.cast(ts, pa.string()), "v": np.arange(n, dtype=float)})
    path = tmp_path / "big.csv"
    pa.csv.write_csv(table, path)
    started = datetime.now(UTC)
    summary = import_file(
        path, store, machine="m", time_column="time", quarantine=tmp_path / "q.csv"
    )
    elapsed = (datetime.now(UTC) - started).total_seconds()
    assert summary.values_taken == n and summary.stored == n and summary.rows_rejected == 0
    assert elapsed < 20, elapsed
