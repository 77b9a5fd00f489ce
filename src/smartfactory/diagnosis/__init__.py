"""Smart-factory level diagnosis: questionnaire, evidence from the platform's data, roadmap.

``diagnose(store, plant, answers)`` gathers the facts the platform's own data show, turns
them into evidence that pre-fills the questionnaire, scores every area and the plant on the
five levels of the Korean smart-factory maturity model, and lists the steps to the next level
with the features that deliver them (``docs/diagnosis.md`` maps the levels to SIRI and to the
acatech Industrie 4.0 Maturity Index).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from smartfactory.diagnosis.evidence import Evidence, collect_evidence
from smartfactory.diagnosis.facts import Facts, gather_facts
from smartfactory.diagnosis.model import load_questionnaire, load_roadmap
from smartfactory.diagnosis.scoring import Assessment, assess, validate_answers
from smartfactory.domain.assets import Plant
from smartfactory.store.base import Store

__all__ = [
    "Assessment",
    "Evidence",
    "Facts",
    "assess",
    "collect_evidence",
    "diagnose",
    "gather_facts",
    "load_questionnaire",
    "load_roadmap",
    "validate_answers",
]


def diagnose(
    store: Store,
    plant: Plant,
    answers: Mapping[str, object] | None = None,
    *,
    language: str = "en",
    now: datetime | None = None,
    window: timedelta = timedelta(days=7),
) -> Assessment:
    """The plant's level per area and overall, with evidence and roadmap, in ``language``."""
    questionnaire = load_questionnaire()
    clean = validate_answers(questionnaire, answers or {})
    evidence = collect_evidence(gather_facts(store, plant, now, window))
    return assess(questionnaire, evidence, clean, load_roadmap(), language)
