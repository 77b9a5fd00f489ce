"""The level diagnosis and the monthly report, for the dashboard's assessment and reports pages.

* ``GET /assessment?lang`` - :func:`smartfactory.diagnosis.diagnose` with the answers saved for
  this plant, the evidence as of the newest data in the store (``data_as_of``);
* ``GET /assessment/questions?lang`` - the questionnaire: levels, and per question its text,
  one answer per level and the saved answer;
* ``PUT /assessment/answers`` - replace the saved answers (``{question id: level 0-4}``), kept in
  the ``plans`` record table (kind ``assessment_answers``, id ``assessment:answers``) and
  audit-logged;
* ``GET /reports/monthly?month&baseline&lang&format`` - the monthly report as the
  self-contained HTML page, a PDF download, or its figures as JSON;
* ``GET /reports/months`` - the months the store has data for, and the default one (the last
  complete month with data).

Reading needs :attr:`Permission.VIEW`; saving answers :attr:`Permission.CONFIGURE`.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Body, Depends, Query, Response
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from smartfactory.api.auth.deps import CurrentUser, require
from smartfactory.api.auth.permissions import Permission
from smartfactory.api.deps import PlantDep, StoreDep
from smartfactory.api.schemas import ErrorPublic
from smartfactory.diagnosis import (
    Assessment,
    diagnose,
    load_questionnaire,
    validate_answers,
)
from smartfactory.diagnosis.facts import data_as_of
from smartfactory.domain.assets import Plant
from smartfactory.errors import DataError, StoreError
from smartfactory.reports import (
    Month,
    MonthlyReport,
    monthly_report,
    parse_month,
    render_html,
    render_pdf,
)
from smartfactory.store.audit import entry
from smartfactory.store.base import Store

__all__ = [
    "ANSWERS_ID",
    "ANSWERS_KIND",
    "AnswersPublic",
    "AssessmentPublic",
    "MonthsPublic",
    "QuestionnairePublic",
    "default_month",
    "load_answers",
    "router",
]

router = APIRouter(tags=["diagnosis"])

ANSWERS_KIND = "assessment_answers"
"""``plans.kind`` of the row holding the saved answers."""
ANSWERS_ID = "assessment:answers"
"""``plans.id`` of the row holding the saved answers."""

_VIEW = [Depends(require(Permission.VIEW))]
_CONFIGURE = [Depends(require(Permission.CONFIGURE))]
_ERRORS: dict[int | str, dict[str, object]] = {
    422: {"model": ErrorPublic, "description": "Invalid answers, month or language."},
    503: {"model": ErrorPublic, "description": "No store is configured."},
}
_REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:"
"""The report page runs no script and loads nothing: its styles and charts are inline."""
Language = Literal["en", "ko"]
LangQuery = Annotated[Language, Query(description="en or ko.")]


def _store(store: Store | None) -> Store:
    if store is None:
        raise StoreError("this server runs without a store; the diagnosis needs one")
    return store


def load_answers(store: Store) -> dict[str, int]:
    """The answers saved for this plant (``{}`` before the first save)."""
    rows = store.query(
        "SELECT data FROM plans WHERE id = ? AND kind = ?", [ANSWERS_ID, ANSWERS_KIND]
    )
    if not rows:
        return {}
    saved = json.loads(rows[0][0] or "{}")
    answers = saved.get("answers", {}) if isinstance(saved, dict) else {}
    try:
        return validate_answers(load_questionnaire(), answers)
    except DataError:  # a question removed since the answers were saved: keep the known ones
        known = {q.id for a in load_questionnaire().areas for q in a.questions}
        return {k: v for k, v in answers.items() if k in known and isinstance(v, int)}


class AssessmentPublic(Assessment):
    """The assessment, the time its evidence is as of, and the saved answers behind it."""

    as_of: datetime | None = Field(description="Newest data in the store; evidence ends here.")
    answers: dict[str, int] = Field(description="The saved answers, {question id: level}.")


class LevelPublic(BaseModel):
    """One maturity level."""

    level: int
    key: str
    name: str


class QuestionPublic(BaseModel):
    """One question with its answer per level and the saved answer."""

    id: str
    area: str
    text: str
    answers: list[str] = Field(description="Answer text per level, 0 to 4.")
    evidence: str | None = Field(description="Evidence rule that pre-fills it, if any.")
    saved: int | None = Field(description="The saved answer's level, if answered.")


class AreaPublic(BaseModel):
    """One area of the questionnaire."""

    id: str
    name: str
    questions: list[QuestionPublic]


class QuestionnairePublic(BaseModel):
    """The questionnaire in one language."""

    language: str
    levels: list[LevelPublic]
    areas: list[AreaPublic]


class AnswersPublic(BaseModel):
    """The saved answers."""

    answers: dict[str, int]
    updated: datetime | None = None
    updated_by: str | None = None


class MonthsPublic(BaseModel):
    """Months the store holds data for and the month the reports page opens with."""

    months: list[str] = Field(description="YYYY-MM, oldest first.")
    default: str | None = Field(description="The last complete month with data, else newest.")
    default_baseline: str | None


@router.get(
    "/assessment",
    operation_id="get_assessment",
    response_model=AssessmentPublic,
    responses=_ERRORS,
    dependencies=_VIEW,
)
def get_assessment(plant: PlantDep, store: StoreDep, lang: LangQuery = "en") -> AssessmentPublic:
    """The plant's level per area and overall, with evidence, saved answers and roadmap."""
    db = _store(store)
    answers = load_answers(db)
    as_of = data_as_of(db)
    result = diagnose(db, plant, answers, language=lang, now=as_of)
    return AssessmentPublic(**result.model_dump(), as_of=as_of, answers=answers)


@router.get(
    "/assessment/questions",
    operation_id="get_assessment_questions",
    response_model=QuestionnairePublic,
    responses=_ERRORS,
    dependencies=_VIEW,
)
def get_assessment_questions(store: StoreDep, lang: LangQuery = "en") -> QuestionnairePublic:
    """The questionnaire: levels, and per question its answers and the saved one."""
    saved = load_answers(_store(store))
    questionnaire = load_questionnaire()
    return QuestionnairePublic(
        language=lang,
        levels=[
            LevelPublic(level=lv.level, key=lv.key, name=lv.name(lang))
            for lv in questionnaire.levels
        ],
        areas=[
            AreaPublic(
                id=area.id,
                name=area.name.get(lang),
                questions=[
                    QuestionPublic(
                        id=q.id,
                        area=area.id,
                        text=q.text.get(lang),
                        answers=[a.get(lang) for a in q.answers],
                        evidence=q.evidence,
                        saved=saved.get(q.id),
                    )
                    for q in area.questions
                ],
            )
            for area in questionnaire.areas
        ],
    )


@router.put(
    "/assessment/answers",
    operation_id="set_assessment_answers",
    response_model=AnswersPublic,
    responses=_ERRORS,
    dependencies=_CONFIGURE,
)
def set_assessment_answers(
    body: Annotated[dict[str, Any], Body(examples=[{"strategy.plan": 2}])],
    user: CurrentUser,
    store: StoreDep,
) -> AnswersPublic:
    """Replace the saved answers with ``{question id: level 0-4}`` (``{}`` clears them)."""
    db = _store(store)
    clean = validate_answers(load_questionnaire(), body)
    before = load_answers(db)
    now = datetime.now(UTC)
    data = json.dumps({"answers": clean, "updated_by": user.username})
    db.execute_all(
        [
            (
                "INSERT INTO plans (id, created, kind, status, reason, data)"
                " VALUES (?, ?, ?, 'active', '', ?)"
                " ON CONFLICT (id) DO UPDATE SET created = excluded.created, data = excluded.data",
                [ANSWERS_ID, now, ANSWERS_KIND, data],
            ),
            entry(
                user.username,
                "assessment.answers",
                ANSWERS_ID,
                {"before": before, "after": clean},
                ts=now,
            ),
        ]
    )
    return AnswersPublic(answers=clean, updated=now, updated_by=user.username)


def _months_with_data(store: Store, plant: Plant) -> list[Month]:
    rows = store.query(
        "SELECT min(t), max(t) FROM (SELECT min(start) AS t FROM states"
        " UNION ALL SELECT max(start) AS t FROM states"
        " UNION ALL SELECT min(ts) AS t FROM counts UNION ALL SELECT max(ts) AS t FROM counts)"
        " AS bounds"
    )
    if not rows or rows[0][0] is None:
        return []
    zone = ZoneInfo(plant.site.calendar.timezone)
    first: datetime = rows[0][0].astimezone(zone)
    last: datetime = rows[0][1].astimezone(zone)
    month, end = Month(first.year, first.month), Month(last.year, last.month)
    out = [month]
    while month < end:
        month = month.next()
        out.append(month)
    return out


def default_month(store: Store, plant: Plant) -> Month | None:
    """The last complete month with data: the one before the newest data's, else the newest."""
    months = _months_with_data(store, plant)
    if not months:
        return None
    return months[-2] if len(months) > 1 else months[-1]


@router.get(
    "/reports/months",
    operation_id="list_report_months",
    response_model=MonthsPublic,
    responses=_ERRORS,
    dependencies=_VIEW,
)
def list_report_months(plant: PlantDep, store: StoreDep) -> MonthsPublic:
    """The months the store holds data for, and the month the reports page opens with."""
    db = _store(store)
    months = _months_with_data(db, plant)
    chosen = default_month(db, plant)
    return MonthsPublic(
        months=[str(m) for m in months],
        default=None if chosen is None else str(chosen),
        default_baseline=None if chosen is None else str(chosen.previous()),
    )


@router.get(
    "/reports/monthly",
    operation_id="get_monthly_report",
    response_model=MonthlyReport,
    responses={
        **_ERRORS,
        200: {
            "description": "The figures (json), the report page (html) or the PDF (pdf).",
            "content": {"text/html": {}, "application/pdf": {}},
        },
    },
    dependencies=_VIEW,
)
def get_monthly_report(  # noqa: PLR0917 - query parameters
    plant: PlantDep,
    store: StoreDep,
    month: Annotated[str, Query(description="The month to report, YYYY-MM.")],
    baseline: Annotated[
        str | None, Query(description="Baseline month YYYY-MM (default: the one before).")
    ] = None,
    lang: LangQuery = "en",
    format: Annotated[
        Literal["html", "pdf", "json"], Query(description="html, pdf or json.")
    ] = "json",
) -> MonthlyReport | Response:
    """The monthly report of ``month`` against ``baseline``: figures, HTML page or PDF."""
    the_month = parse_month(month)
    base = parse_month(baseline) if baseline else None
    report = monthly_report(_store(store), plant, the_month, base, language=lang)
    if format == "json":
        return report
    name = f"report-{the_month}-{lang}.{format}"
    if format == "html":
        return HTMLResponse(
            render_html(report, lang),
            headers={
                "Content-Disposition": f'inline; filename="{name}"',
                "Content-Security-Policy": _REPORT_CSP,
            },
        )
    return Response(
        render_pdf(report, lang),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
