"""The maturity model's structure: levels, areas, questions and roadmap steps (from YAML).

The questionnaire (``questionnaire.yaml``) follows the Korean smart-factory maturity model:
eight areas (strategy and organisation; the processes planning, production, quality, logistics
and maintenance; information systems; automation and equipment), five levels from *no ICT*
(0) to *advanced* (4), and for every question one answer per level in English and Korean.
The roadmap (``roadmap.yaml``) lists, per area and level, the steps that reach it with the
feature that delivers each and its expected effect on productivity, quality, cost, delivery.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from smartfactory.domain.text import LocalizedText

__all__ = [
    "LEVELS",
    "Area",
    "Effect",
    "Level",
    "Question",
    "Questionnaire",
    "Roadmap",
    "RoadmapStep",
    "load_questionnaire",
    "load_roadmap",
]

LEVELS = 5
"""Number of levels: 0 (no ICT) to 4 (advanced)."""

Effect = Literal["high", "medium", "low", "none"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Level(_Frozen):
    """One maturity level: its number, key and name."""

    level: int = Field(ge=0, lt=LEVELS)
    key: str
    en: str
    ko: str

    def name(self, language: str) -> str:
        """The level's name in ``language``."""
        return self.ko if language == "ko" else self.en


class Question(_Frozen):
    """One question: its id, text, one answer per level, and the evidence that pre-fills it."""

    id: str
    text: LocalizedText
    answers: tuple[LocalizedText, ...] = Field(min_length=LEVELS, max_length=LEVELS)
    evidence: str | None = None


class Area(_Frozen):
    """One area of the model with its questions."""

    id: str
    name: LocalizedText
    questions: tuple[Question, ...] = Field(min_length=1)


class Questionnaire(_Frozen):
    """The whole questionnaire."""

    levels: tuple[Level, ...] = Field(min_length=LEVELS, max_length=LEVELS)
    areas: tuple[Area, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _check_ids(self) -> Questionnaire:
        ids = [q.id for a in self.areas for q in a.questions]
        if len(ids) != len(set(ids)):
            raise ValueError("question ids must be unique")
        if [lv.level for lv in self.levels] != list(range(LEVELS)):
            raise ValueError("levels must be 0..4 in order")
        return self

    def question(self, question_id: str) -> Question:
        """The question with this id (KeyError if unknown)."""
        for area in self.areas:
            for question in area.questions:
                if question.id == question_id:
                    return question
        raise KeyError(question_id)

    def level_name(self, level: int, language: str) -> str:
        """Name of level ``level`` (0-4) in ``language``."""
        return self.levels[max(0, min(LEVELS - 1, level))].name(language)


class RoadmapStep(_Frozen):
    """A step that takes an area to ``level``; ``feature`` is what in smartfactory does it."""

    id: str
    area: str
    level: int = Field(ge=1, lt=LEVELS)
    title: LocalizedText
    feature: str
    kpi: str
    effects: dict[Literal["P", "Q", "C", "D"], Effect]


class Roadmap(_Frozen):
    """Every roadmap step."""

    steps: tuple[RoadmapStep, ...]


def _read(name: str) -> object:
    text = resources.files("smartfactory.diagnosis").joinpath(name).read_text(encoding="utf-8")
    return yaml.safe_load(text)


@cache
def load_questionnaire() -> Questionnaire:
    """The questionnaire shipped with smartfactory."""
    return Questionnaire.model_validate(_read("questionnaire.yaml"))


@cache
def load_roadmap() -> Roadmap:
    """The roadmap steps shipped with smartfactory (each step's area checked to exist)."""
    roadmap = Roadmap.model_validate(_read("roadmap.yaml"))
    areas = {a.id for a in load_questionnaire().areas}
    unknown = sorted({s.area for s in roadmap.steps} - areas)
    if unknown:
        msg = f"roadmap steps name unknown areas {unknown}"
        raise ValueError(msg)
    return roadmap
