"""``smartfactory workorders``, ``decisions`` and ``autonomy`` against a DuckDB file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from smartfactory.cli import decisions_cmd, workorders_cmd
from smartfactory.decisions import service
from smartfactory.store import open_store
from smartfactory.store.audit import entries
from tests.decisions.helpers import NOW, maintenance_proposal

runner = CliRunner()


def make_app() -> typer.Typer:
    app = typer.Typer()
    workorders_cmd.register(app)
    decisions_cmd.register(app)
    return app


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    path = tmp_path / "plant.duckdb"
    monkeypatch.setenv("SF_DATABASE", str(path))
    return str(path)


def _run(*args: str) -> str:
    result = runner.invoke(make_app(), list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_work_order_lifecycle(db: str) -> None:
    created = json.loads(
        _run(
            "workorders", "create", "--machine", "cnc-03", "--title", "Spindle noise",
            "--kind", "corrective", "--part", "bearing 6205:2", "--part", "grease",
            "--as", "kim", "--json",
        )
    )  # fmt: skip
    wo = created["id"]
    assert created["status"] == "open" and created["created_by"] == "kim"
    assert created["parts"] == [
        {"part": "bearing 6205", "quantity": 2.0},
        {"part": "grease", "quantity": 1.0},
    ]
    _run("workorders", "schedule", wo, "--start", "2026-12-01T06:00+09:00",
         "--end", "2026-12-01T08:00+09:00", "--as", "lee")  # fmt: skip
    _run("workorders", "note", wo, "heard at 3000 rpm", "--as", "kim")
    _run("workorders", "start", wo, "--as", "park")
    closed = json.loads(
        _run("workorders", "close", wo, "--failure-mode", "bearing_wear", "--hours", "1.5",
             "--as", "park", "--json")
    )  # fmt: skip
    assert closed["status"] == "done" and closed["failure_mode"] == "bearing_wear"
    assert closed["notes"][0]["text"] == "heard at 3000 rpm"
    table = _run("workorders", "list")
    assert wo in table and "done" in table
    listed = json.loads(_run("workorders", "list", "--status", "done", "--json"))
    assert listed["total"] == 1 and listed["items"][0]["id"] == wo
    shown = _run("workorders", "show", wo)
    assert "bearing_wear" in shown and "kim: heard at 3000 rpm" in shown
    store = open_store(db)
    try:
        assert [e.actor for e in entries(store, target=wo)][:2] == ["park", "park"]
    finally:
        store.close()


def test_errors_exit_2(db: str) -> None:
    made = json.loads(_run("workorders", "create", "--machine", "m", "--title", "t", "--json"))
    result = runner.invoke(
        make_app(), ["workorders", "close", made["id"], "--failure-mode", "other"]
    )
    assert result.exit_code == 2 and "cannot go from open to done" in result.output
    missing = runner.invoke(make_app(), ["workorders", "show", "WO-NOPE"])
    assert missing.exit_code == 2 and "WO-NOPE" in missing.output
    bad_time = runner.invoke(
        make_app(), ["workorders", "create", "--machine", "m", "--title", "t", "--due", "noon"]
    )
    assert bad_time.exit_code == 2 and "--due" in bad_time.output


def test_no_store_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SF_DATABASE", raising=False)
    result = runner.invoke(make_app(), ["workorders", "list"])
    assert result.exit_code == 2 and "SF_DATABASE" in result.output


def test_decisions_and_autonomy(db: str) -> None:
    shown = json.loads(_run("autonomy", "show", "line-1", "--json"))
    assert shown["level"] == "advise" and shown["inherited_from"] == "default"
    _run("autonomy", "set", "plant", "approve", "--max-changes-per-day", "3", "--as", "admin")
    out = _run("autonomy", "show")
    assert "plant" in out and "approve" in out
    store = open_store(db)
    try:
        first = service.propose(store, maintenance_proposal(), NOW)
        second = service.propose(store, maintenance_proposal(machine="m2"), NOW)
    finally:
        store.close()
    inbox = json.loads(_run("decisions", "list", "--status", "proposed", "--json"))
    assert inbox["total"] == 2 and inbox["items"][0]["autonomy"] == "approve"
    korean = _run("decisions", "show", first.id, "--lang", "ko")
    assert "스핀들 베어링" in korean
    applied = json.loads(_run("decisions", "approve", first.id, "--as", "lee", "--json"))
    assert applied["status"] == "applied" and applied["decided_by"] == "lee"
    wo = json.loads(_run("workorders", "show", applied["work_order_id"], "--json"))
    assert wo["status"] == "scheduled" and wo["decision_id"] == first.id
    undone = json.loads(_run("decisions", "undo", first.id, "--json"))
    assert undone["status"] == "undone"
    rejected = json.loads(_run("decisions", "reject", second.id, "--reason", "not now", "--json"))
    assert rejected["reason"] == "not now"
    again = runner.invoke(make_app(), ["decisions", "approve", second.id])
    assert again.exit_code == 2 and "rejected" in again.output
    bad = runner.invoke(make_app(), ["autonomy", "set", "plant", "yolo"])
    assert bad.exit_code == 2 and "advise" in bad.output
