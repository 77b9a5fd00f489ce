"""``smartfactory import FILE`` with real CSV and Parquet files and a real store."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import typer
from typer.testing import CliRunner

from smartfactory.cli.import_cmd import quarantine_path, register
from smartfactory.store import DuckDBStore

runner = CliRunner()
T0 = datetime(2024, 3, 4, 8, 0, tzinfo=UTC)
CSV = (
    "time;temp;speed\n"
    "2024-03-04T08:00:00Z;20,5;100\n"
    "2024-03-04T08:00:01Z;21,0;oops\n"
    "31/02/2024;22,0;102\n"
    "2024-03-04T08:00:03Z;23,0;103\n"
)


def make_app() -> typer.Typer:
    app = typer.Typer()
    register(app)

    @app.callback()
    def _root() -> None:
        """Test root."""

    return app


def _import(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(make_app(), ["import", *args])
    return result.exit_code, result.stdout, result.stderr


def _stored(store: Path) -> dict[str, list[float]]:
    db = DuckDBStore(store)
    try:
        out: dict[str, list[float]] = {}
        for sig in db.signals().to_pylist():
            got = db.query_samples([sig["signal_id"]], T0, T0 + timedelta(hours=1))
            out[f"{sig['machine']}/{sig['name']}"] = got.column("value").to_pylist()
        return out
    finally:
        db.close()


def test_csv_import_summary_quarantine_and_reimport(tmp_path: Path) -> None:
    data, store = tmp_path / "press.csv", tmp_path / "db" / "plant.duckdb"
    data.write_text(CSV)
    args = [str(data), "--machine", "press", "--time-column", "time", "--store", str(store)]
    code, out, err = _import(*args, "--json")
    assert code == 0, err
    report = json.loads(out)
    assert (report["rows_read"], report["rows_taken"], report["rows_rejected"]) == (4, 3, 1)
    assert (report["values_taken"], report["values_rejected"], report["stored"]) == (5, 1, 5)
    assert report["rejected_by_reason"] == {"unparseable timestamp": 1, "unparseable value": 1}
    assert _stored(store) == {"press/temp": [20.5, 21.0, 23.0], "press/speed": [100.0, 103.0]}
    quarantine = quarantine_path(store, data)
    assert report["quarantine"] == str(quarantine) and quarantine.parent == store.parent
    with quarantine.open(newline="") as f:
        reasons = sorted((r["row"], r["value"], r["reason"]) for r in csv.DictReader(f))
    assert reasons == [
        ("3", "oops", "unparseable value"),
        ("4", "31/02/2024", "unparseable timestamp"),
    ]

    code, out, err = _import(*args)  # again, with the table summary
    assert code == 0, err
    assert "5 values taken (0 new, 5 already stored)" in " ".join(out.split())
    assert "unparseable timestamp: 1" in out
    assert _stored(store) == {"press/temp": [20.5, 21.0, 23.0], "press/speed": [100.0, 103.0]}


def test_parquet_import_with_columns(tmp_path: Path) -> None:
    data, store = tmp_path / "hist.bin", tmp_path / "plant.duckdb"
    times = [T0 + timedelta(seconds=i) for i in range(3)]
    pq.write_table(pa.table({"t": times, "a": [1.0, 2.0, 3.0], "b": [4, 5, 6]}), data)
    args = ["--machine", "m", "--time-column", "t", "--store", str(store), "--columns", "b"]
    code, out, err = _import(str(data), *args, "--format", "parquet", "--json")
    assert code == 0, err
    assert json.loads(out)["signals"] == ["b"]
    assert _stored(store) == {"m/b": [4.0, 5.0, 6.0]}


def test_errors_exit_2_with_a_message(tmp_path: Path) -> None:
    data, store = tmp_path / "x.csv", tmp_path / "plant.duckdb"
    data.write_text(CSV)
    base = [str(data), "--machine", "m", "--store", str(store)]
    code, _, err = _import(*base, "--time-column", "when")
    assert code == 2 and "no time column 'when'" in err
    code, _, err = _import(*base, "--time-column", "time", "--columns", "temp,nope")
    assert code == 2 and "nope" in err
    code, _, err = _import(*base, "--time-column", "time", "--format", "xlsx")
    assert code == 2 and "csv or parquet" in err
