"""``smartfactory quarantine list|clear`` over a real store the quarantine wrote to."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from smartfactory.cli.quarantine_cmd import register
from smartfactory.connectors.quarantine import Quarantine, Reason
from smartfactory.store import DuckDBStore

runner = CliRunner()


def make_app() -> typer.Typer:
    app = typer.Typer()
    register(app)

    @app.callback()
    def _root() -> None:
        """Test root."""

    return app


def _fill(path: Path) -> None:
    store = DuckDBStore(path)
    try:
        q = Quarantine(store=store, store_rows=4)
        for i in range(6):
            q.add("mqtt:a/b/c/d/m1", Reason.MALFORMED, f"bad {i}", b"{oops" + bytes([i]))
        q.add("sparkplug:spBv1.0/g/NDATA/e1", Reason.NOT_FINITE, "e1/t: nan", b"\xff\x00")
        assert q.flush() == 7
    finally:
        store.close()


def test_list_json_filters_counts_and_clear(tmp_path: Path) -> None:
    path = tmp_path / "plant.duckdb"
    _fill(path)
    app = make_app()
    result = runner.invoke(app, ["quarantine", "list", "--store", str(path), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert len(report["entries"]) == 4  # the table keeps 4, the oldest trimmed
    assert report["entries"][0]["payload_encoding"] == "base64"
    counts = {(c["source"], c["reason"]): (c["count"], c["kept"]) for c in report["counts"]}
    assert counts == {
        ("mqtt:a/b/c/d/m1", "malformed"): (6, 3),  # trimmed rows still counted
        ("sparkplug:spBv1.0/g/NDATA/e1", "not_finite"): (1, 1),
    }
    result = runner.invoke(
        app, ["quarantine", "list", "--store", str(path), "--json", "--source", "mqtt",
              "--reason", "malformed", "--limit", "2"],
    )  # fmt: skip
    rows = json.loads(result.stdout)["entries"]
    assert [r["detail"] for r in rows] == ["bad 5", "bad 4"]
    assert rows[0]["payload"] == "{oops\x05"
    table = runner.invoke(app, ["quarantine", "list", "--store", str(path)])
    assert table.exit_code == 0 and "not_finite" in table.stdout
    bad = runner.invoke(app, ["quarantine", "list", "--store", str(path), "--reason", "nope"])
    assert bad.exit_code == 2
    cleared = runner.invoke(app, ["quarantine", "clear", "--store", str(path), "--source", "mqtt"])
    assert cleared.exit_code == 0 and "3 quarantine entries deleted" in cleared.stdout
    left = json.loads(
        runner.invoke(app, ["quarantine", "list", "--store", str(path), "--json"]).stdout
    )
    assert [c["reason"] for c in left["counts"]] == ["not_finite"]
