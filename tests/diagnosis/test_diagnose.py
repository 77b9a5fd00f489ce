"""Diagnosis of a simulated plant: evidence read from a real store, checked independently."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from smartfactory.cli.main import app
from smartfactory.config import example_plant
from smartfactory.diagnosis import diagnose, gather_facts
from smartfactory.diagnosis.facts import data_as_of
from smartfactory.domain.states import MachineState
from smartfactory.sim.engine import DEFAULT_START, simulate
from smartfactory.store import Store, open_store

DAYS = 2


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("diag") / "plant.duckdb"
    store = open_store(path)
    simulate(example_plant(), store, days=DAYS, seed=3)
    store.close()
    return path


@pytest.fixture
def store(store_path: Path) -> Store:
    db = open_store(store_path)
    yield db  # type: ignore[misc]
    db.close()


def test_facts_match_the_store(store: Store) -> None:
    plant = example_plant()
    now = data_as_of(store)
    assert now is not None and now > DEFAULT_START
    facts = gather_facts(store, plant, now, timedelta(days=7))
    n = sum(1 for _ in plant.machines())
    assert facts.machines == n
    assert facts.machines_with_counts == n
    assert facts.machines_with_states == n
    states = store.query_states(now - timedelta(days=7), now)
    down = [
        (r["end"] or now) - r["start"]
        for r in states.to_pylist()
        if r["state"] == int(MachineState.UNPLANNED_STOP)
    ]
    assert facts.unplanned_stop_s == pytest.approx(sum(d.total_seconds() for d in down), rel=1e-6)
    assert facts.orders == store.query_orders().num_rows
    assert 1.5 < facts.history_days <= DAYS + 0.01
    assert facts.work_orders == 0
    assert facts.promoted_models == ()


def test_diagnose_in_both_languages(store: Store) -> None:
    plant = example_plant()
    now = data_as_of(store)
    en = diagnose(store, plant, {"strategy.plan": 1}, now=now)
    ko = diagnose(store, plant, {"strategy.plan": 1}, now=now, language="ko")
    assert en.score == ko.score
    assert en.level is not None and en.level >= 1
    connectivity = next(
        q for a in en.areas for q in a.questions if q.question == "automation.connectivity"
    )
    assert connectivity.source == "evidence"
    assert connectivity.level == 3
    assert ko.areas[0].name == "전략·조직"
    assert en.roadmap and ko.roadmap
    assert [i.step for i in en.roadmap] == [i.step for i in ko.roadmap]


def test_assess_command_json_and_table(store_path: Path, tmp_path: Path) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text("strategy.plan: 2\nstrategy.people: 3\n", encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(
        app, ["assess", "--store", str(store_path), "--answers", str(answers), "--json"]
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output.strip().splitlines()[-1])
    strategy = next(a for a in payload["areas"] if a["area"] == "strategy")
    assert strategy["score"] == 2.5
    assert payload["as_of"].startswith("2026-01")
    table = runner.invoke(app, ["assess", "--store", str(store_path), "--lang", "ko"])
    assert table.exit_code == 0, table.output
    assert "스마트공장 수준 진단" in table.output
    assert "로드맵" in table.output


def test_assess_refuses_bad_answers(store_path: Path, tmp_path: Path) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text("strategy.plan: 9\n", encoding="utf-8")
    result = CliRunner().invoke(
        app, ["assess", "--store", str(store_path), "--answers", str(answers)]
    )
    assert result.exit_code != 0
    assert "level from 0 to 4" in str(result.exception) + result.output
