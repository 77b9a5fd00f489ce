"""Scoring: answers and evidence to a level per area and overall, and the roadmap from it.

Each question gets a level 0-4: the person's answer when given, else the level the evidence
supports, else none (unanswered: it does not count, and the result says the assessment is
incomplete). An area's score is the mean of its answered questions; the overall score is the
mean of the scored areas; a level is the score rounded down (an area at 2.5 has reached
*intermediate 1* and is half way to *intermediate 2*).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from smartfactory.diagnosis.evidence import Evidence
from smartfactory.diagnosis.model import (
    LEVELS,
    Effect,
    Questionnaire,
    Roadmap,
    RoadmapStep,
)
from smartfactory.errors import DataError

__all__ = [
    "AreaResult",
    "Assessment",
    "QuestionResult",
    "RoadmapItem",
    "assess",
    "plan_roadmap",
    "validate_answers",
]

_EFFECT_RANK: dict[Effect, int] = {"none": 0, "low": 1, "medium": 2, "high": 3}


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class QuestionResult(_Out):
    """The level given to one question, where it came from, and the evidence shown."""

    question: str
    text: str
    level: int | None
    answer: str | None = Field(description="The chosen answer's text.")
    source: Literal["answer", "evidence"] | None
    evidence: str | None = Field(description="What the platform's data show, if anything.")
    evidence_level: int | None


class AreaResult(_Out):
    """One area's score (mean level of its answered questions) and level."""

    area: str
    name: str
    score: float | None
    level: int | None
    level_name: str | None
    questions: list[QuestionResult]


class RoadmapItem(_Out):
    """A step towards an area's next level, with its expected effect on P, Q, C and D."""

    area: str
    target_level: int
    target_level_name: str
    step: str
    title: str
    feature: str
    kpi: str
    effects: dict[str, Effect]


class Assessment(_Out):
    """A plant's level per area and overall, the answers behind it, and the roadmap."""

    language: str
    score: float | None
    level: int | None
    level_name: str | None
    complete: bool
    unanswered: list[str]
    areas: list[AreaResult]
    roadmap: list[RoadmapItem]


def validate_answers(questionnaire: Questionnaire, answers: Mapping[str, object]) -> dict[str, int]:
    """Answers as {question id: level 0-4}; a clear DataError for unknown ids or bad levels."""
    known = {q.id for a in questionnaire.areas for q in a.questions}
    clean: dict[str, int] = {}
    for key, value in answers.items():
        if key not in known:
            msg = f"unknown question {key!r}; known: {', '.join(sorted(known))}"
            raise DataError(msg)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < LEVELS:
            msg = f"answer to {key!r} must be a level from 0 to {LEVELS - 1}, got {value!r}"
            raise DataError(msg)
        clean[key] = value
    return clean


def _floor(score: float | None) -> int | None:
    return None if score is None else min(LEVELS - 1, math.floor(score + 1e-9))


def assess(
    questionnaire: Questionnaire,
    evidence: Mapping[str, Evidence],
    answers: Mapping[str, int],
    roadmap: Roadmap,
    language: str = "en",
) -> Assessment:
    """Score the plant from ``answers`` (overriding evidence) and plan its next steps."""
    areas: list[AreaResult] = []
    unanswered: list[str] = []
    for area in questionnaire.areas:
        results: list[QuestionResult] = []
        for question in area.questions:
            found = evidence.get(question.evidence) if question.evidence else None
            level: int | None
            source: Literal["answer", "evidence"] | None
            if question.id in answers:
                level, source = answers[question.id], "answer"
            elif found is not None and found.level is not None:
                level, source = found.level, "evidence"
            else:
                level, source = None, None
                unanswered.append(question.id)
            results.append(
                QuestionResult(
                    question=question.id,
                    text=question.text.get(language),
                    level=level,
                    answer=None if level is None else question.answers[level].get(language),
                    source=source,
                    evidence=None if found is None else found.text.get(language),
                    evidence_level=None if found is None else found.level,
                )
            )
        levels = [r.level for r in results if r.level is not None]
        score = sum(levels) / len(levels) if levels else None
        level_of_area = _floor(score)
        areas.append(
            AreaResult(
                area=area.id,
                name=area.name.get(language),
                score=None if score is None else round(score, 2),
                level=level_of_area,
                level_name=None
                if level_of_area is None
                else questionnaire.level_name(level_of_area, language),
                questions=results,
            )
        )
    scored = [a.score for a in areas if a.score is not None]
    overall = sum(scored) / len(scored) if scored else None
    overall_level = _floor(overall)
    return Assessment(
        language=language,
        score=None if overall is None else round(overall, 2),
        level=overall_level,
        level_name=None
        if overall_level is None
        else questionnaire.level_name(overall_level, language),
        complete=not unanswered,
        unanswered=unanswered,
        areas=areas,
        roadmap=plan_roadmap(questionnaire, areas, roadmap, language),
    )


def plan_roadmap(
    questionnaire: Questionnaire,
    areas: list[AreaResult],
    roadmap: Roadmap,
    language: str = "en",
) -> list[RoadmapItem]:
    """Steps to each area's next level, weakest areas first, biggest effect first within one."""
    items: list[tuple[int, int, RoadmapItem]] = []
    for area in areas:
        current = area.level if area.level is not None else 0
        target = current + 1
        if target >= LEVELS:
            continue
        above = [s for s in roadmap.steps if s.area == area.area and s.level > current]
        if not above:
            continue
        # the steps to the next level; for an area never started, its first steps
        reach = max(target, min(s.level for s in above))
        steps: list[RoadmapStep] = [s for s in above if s.level <= reach]
        target = reach
        for step in steps:
            weight = sum(_EFFECT_RANK[e] for e in step.effects.values())
            items.append(
                (
                    current,
                    -weight,
                    RoadmapItem(
                        area=area.area,
                        target_level=target,
                        target_level_name=questionnaire.level_name(target, language),
                        step=step.id,
                        title=step.title.get(language),
                        feature=step.feature,
                        kpi=step.kpi,
                        effects=dict(step.effects),
                    ),
                )
            )
    items.sort(key=lambda item: (item[0], item[1], item[2].area))
    return [item for _, _, item in items]
