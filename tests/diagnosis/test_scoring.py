"""Evidence rules and scoring on hand-made facts (no store)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smartfactory.diagnosis import (
    Facts,
    assess,
    collect_evidence,
    load_questionnaire,
    load_roadmap,
    validate_answers,
)
from smartfactory.diagnosis.evidence import RULES
from smartfactory.errors import DataError

NOW = datetime(2026, 3, 2, tzinfo=UTC)
QUESTIONNAIRE = load_questionnaire()
ROADMAP = load_roadmap()
ALL_QUESTIONS = [q.id for a in QUESTIONNAIRE.areas for q in a.questions]

BARE = Facts(
    now=NOW,
    window=timedelta(days=7),
    machines=10,
    machines_with_samples=0,
    machines_with_states=0,
    machines_with_counts=0,
    machines_with_health=0,
    unplanned_stop_s=0.0,
    unplanned_stop_with_reason_s=0.0,
    history_days=0.0,
    orders=0,
    orders_in_progress=0,
    orders_finished_with_due=0,
    orders_on_time=0,
    work_orders=0,
    work_orders_closed=0,
    work_orders_with_failure_mode=0,
    decisions=0,
    decisions_applied=0,
    decisions_autonomous=0,
    promoted_models=(),
    production_plans=0,
    server_database=False,
    api_tokens=0,
)
MATURE = replace(
    BARE,
    machines_with_samples=10,
    machines_with_states=10,
    machines_with_counts=10,
    machines_with_health=10,
    unplanned_stop_s=3600.0,
    unplanned_stop_with_reason_s=3500.0,
    history_days=500.0,
    orders=40,
    orders_in_progress=30,
    orders_finished_with_due=20,
    orders_on_time=19,
    work_orders=12,
    work_orders_closed=10,
    work_orders_with_failure_mode=9,
    decisions=8,
    decisions_applied=6,
    decisions_autonomous=3,
    promoted_models=("failure_mode", "rul"),
    production_plans=5,
    server_database=True,
    api_tokens=2,
)


def test_every_question_evidence_has_a_rule() -> None:
    named = {q.evidence for a in QUESTIONNAIRE.areas for q in a.questions if q.evidence}
    assert named == set(RULES)


def test_bare_plant_has_no_positive_evidence() -> None:
    evidence = collect_evidence(BARE)
    assert evidence["automation.connectivity"].level == 0
    assert all(e.level is None for k, e in evidence.items() if k != "automation.connectivity"), (
        evidence
    )


def test_connectivity_thresholds() -> None:
    levels = [
        collect_evidence(replace(BARE, machines_with_samples=n))["automation.connectivity"].level
        for n in (0, 3, 4, 8, 9, 10)
    ]
    assert levels == [0, 1, 2, 2, 3, 3]
    text = collect_evidence(replace(BARE, machines_with_samples=4))["automation.connectivity"].text
    assert "4 of 10 machines (40 %)" in text.en
    assert "10대 중 4대(40 %)" in (text.ko or "")


def test_mature_plant_reaches_advanced_where_data_can_show_it() -> None:
    evidence = collect_evidence(MATURE)
    assert evidence["maintenance.practice"].level == 4
    assert evidence["maintenance.records"].level == 4
    assert evidence["automation.autonomy"].level == 4
    assert evidence["planning.schedules"].level == 4
    assert evidence["production.tracking"].level == 4
    # what data cannot show is capped: no two-way links, SPC not observable
    assert evidence["information.integration"].level == 3
    assert evidence["quality.scrap"].level == 2
    assert evidence["logistics.on_time"].value == pytest.approx(0.95)


def test_scores_are_means_and_levels_round_down() -> None:
    answers = dict.fromkeys(ALL_QUESTIONS, 2) | {"strategy.plan": 3}
    result = assess(QUESTIONNAIRE, {}, answers, ROADMAP)
    strategy = next(a for a in result.areas if a.area == "strategy")
    assert strategy.score == 2.5
    assert strategy.level == 2
    assert strategy.level_name == "Intermediate 1"
    assert result.complete
    assert result.score == pytest.approx((2.5 + 2.0 * 7) / 8, abs=0.01)
    assert result.level == 2


def test_answers_override_evidence_and_gaps_are_reported() -> None:
    evidence = collect_evidence(MATURE)
    result = assess(QUESTIONNAIRE, evidence, {"maintenance.practice": 1}, ROADMAP, "ko")
    practice = next(
        q for a in result.areas for q in a.questions if q.question == "maintenance.practice"
    )
    assert (practice.level, practice.source, practice.evidence_level) == (1, "answer", 4)
    assert practice.answer == QUESTIONNAIRE.question("maintenance.practice").answers[1].ko
    assert "strategy.plan" in result.unanswered
    assert not result.complete
    assert result.level_name is not None


def test_roadmap_targets_the_next_level_weakest_first() -> None:
    answers = dict.fromkeys(ALL_QUESTIONS, 3) | {
        "maintenance.practice": 1,
        "maintenance.records": 1,
    }
    result = assess(QUESTIONNAIRE, {}, answers, ROADMAP)
    assert result.roadmap[0].area == "maintenance"
    assert result.roadmap[0].target_level == 2
    assert {i.step for i in result.roadmap if i.area == "maintenance"} == {
        "maintenance.work_orders"
    }
    others = {i.area for i in result.roadmap if i.area != "maintenance"}
    assert all(i.target_level == 4 for i in result.roadmap if i.area in others)


def test_top_level_has_no_roadmap() -> None:
    result = assess(QUESTIONNAIRE, {}, dict.fromkeys(ALL_QUESTIONS, 4), ROADMAP)
    assert result.level == 4
    assert result.roadmap == []


@pytest.mark.parametrize(
    ("answers", "fragment"),
    [({"nope": 1}, "unknown question"), ({"strategy.plan": 5}, "level from 0 to 4")],
)
def test_bad_answers_are_refused_clearly(answers: dict[str, object], fragment: str) -> None:
    with pytest.raises(DataError, match=fragment):
        validate_answers(QUESTIONNAIRE, answers)


@given(st.dictionaries(st.sampled_from(ALL_QUESTIONS), st.integers(0, 4)))
def test_levels_stay_within_bounds(answers: dict[str, int]) -> None:
    result = assess(QUESTIONNAIRE, collect_evidence(MATURE), answers, ROADMAP)
    for area in result.areas:
        assert area.score is None or 0 <= area.score <= 4
        assert area.level is None or area.level <= (area.score or 0)
    assert result.score is not None and 0 <= result.score <= 4
