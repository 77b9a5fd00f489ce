"""Dashboard pages beyond the overview: machines, OEE, quality, maintenance, schedule, ...

The pages: machines, machine, OEE and losses, quality, maintenance, schedule, operator view,
the level assessment, the monthly reports and settings.

Each page renders its frame on the server (top bar, navigation, headings, pickers filled
from the plant model) and its page script (``static/pages/<page>.js``) reads the JSON API
under ``/api/v1`` through ``window.sf.request`` and draws tables and SVG charts
(``static/charts.js``). What a user may change follows the role: the configuration carries
the role's permissions (``perms``) and the scripts show buttons only to those who may use
them (the API checks again).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from smartfactory.api.auth.deps import CurrentUser, Principal, current_user, require
from smartfactory.api.auth.permissions import Permission
from smartfactory.api.deps import AppContext, ContextDep, LiveDep, PlantDep, SettingsDep
from smartfactory.api.schemas import LivePublic
from smartfactory.decisions.workorders import FailureMode, WorkOrderKind, WorkOrderStatus
from smartfactory.domain.assets import Plant
from smartfactory.domain.live import LiveSource
from smartfactory.errors import NotFoundError
from smartfactory.kpi.reasons import ReasonNode, default_tree
from smartfactory.settings import Settings
from smartfactory.web.i18n import LANGUAGES, Translator
from smartfactory.web.layout import page_language, render_page
from smartfactory.web.pages import live_header

__all__ = ["router"]

router = APIRouter(
    include_in_schema=False,
    dependencies=[Depends(current_user), Depends(require(Permission.VIEW))],
)
"""Dashboard pages: signed in, with the ``view`` permission."""


def _machines(plant: Plant, t: Translator) -> list[dict[str, str]]:
    return [
        {
            "id": m.id,
            "name": m.name.get(t.language),
            "type": t("machine_types." + m.type.value),
            "line": line.id,
            "line_name": line.name.get(t.language),
        }
        for _, line in plant.lines()
        for m in line.machines
    ]


def _reason_tree(language: str) -> list[dict[str, Any]]:
    """The downtime reasons as nested ``{code, label, category, children}``."""

    def node(n: ReasonNode) -> dict[str, Any]:
        return {
            "code": n.code,
            "label": n.label.get(language),
            "category": n.category.value,
            "children": [node(c) for c in n.children],
        }

    return [node(r) for r in default_tree().roots]


@dataclass(frozen=True, slots=True)
class PageRequest:
    """What every page route receives: the request, who asks, the plant and its live source."""

    request: Request
    context: AppContext
    user: Principal
    plant: Plant
    live: LiveSource
    settings: Settings
    lang: str | None

    @property
    def language(self) -> str:
        """The page's language (``?lang=``, then the cookie, then the plant default)."""
        return page_language(self.request, self.lang, self.settings.language)


def page_request(  # noqa: PLR0917 - FastAPI passes dependencies by name
    request: Request,
    context: ContextDep,
    user: CurrentUser,
    plant: PlantDep,
    live: LiveDep,
    settings: SettingsDep,
    lang: str | None = None,
) -> PageRequest:
    """The parts of a page request, as one dependency."""
    return PageRequest(request, context, user, plant, live, settings, lang)


PageDep = Annotated[PageRequest, Depends(page_request)]


def _page(
    p: PageRequest,
    *,
    page: str,
    script: str | None = None,
    values: dict[str, Any] | None = None,
    config: dict[str, Any] | None = None,
) -> HTMLResponse:
    request, context, user, plant, live, lang = (
        p.request,
        p.context,
        p.user,
        p.plant,
        p.live,
        p.lang,
    )
    script = script or page
    language = p.language
    t = Translator(language)
    snapshot = LivePublic.from_snapshot(live.snapshot())
    root = request.scope.get("root_path", "")
    merged: dict[str, Any] = {
        "api": {
            "live": f"{root}/api/v1/live",
            "stream": f"{root}/api/v1/live/stream",
            "logout": f"{root}/api/v1/auth/logout",
        },
        "poll_ms": 2000,
        "stale_ms": 5000,
        "now": snapshot.timestamp.isoformat(),
    }
    merged.update(config or {})
    shown = live_header(plant, snapshot, t)
    shown.update(
        machines=_machines(plant, t), script=script, lines=list(plant.lines()), **(values or {})
    )
    return render_page(
        request,
        context=context,
        user=user,
        plant=plant,
        language=language,
        page=page,
        template=f"{page}.html",
        title=t("nav." + page),
        values=shown,
        config=merged,
        explicit_language=lang in LANGUAGES,
    )


@router.get("/machines", response_class=HTMLResponse, name="machines")
def machines_page(p: PageDep) -> HTMLResponse:
    """Every machine by line, each linking to its machine page."""
    return _page(p, page="machines", script="machines")


@router.get("/machines/{machine_id}", response_class=HTMLResponse, name="machine")
def machine_page(machine_id: str, p: PageDep) -> HTMLResponse:
    """One machine: live state, signal charts, state timeline, counts, health and RUL."""
    plant = p.plant
    found = next((m for m in plant.machines() if m.id == machine_id), None)
    if found is None:
        raise NotFoundError(f"no machine {machine_id!r} in plant {plant.site.id!r}")
    language = p.language
    return _page(
        p,
        page="machine",
        script="machine",
        values={
            "machine": {
                "id": found.id,
                "name": found.name.get(language),
                "type": Translator(language)("machine_types." + found.type.value),
                "line": plant.line_of(found.id).name.get(language),
            }
        },
        config={"machine": found.id},
    )


@router.get("/oee", response_class=HTMLResponse, name="oee")
def oee_page(p: PageDep) -> HTMLResponse:
    """OEE trend by shift or day, loss waterfall, downtime Pareto, drill-down by line/machine."""
    return _page(p, page="oee", script="oee")


@router.get("/quality", response_class=HTMLResponse, name="quality")
def quality_page(p: PageDep) -> HTMLResponse:
    """SPC charts with rule violations marked and capability indices."""
    return _page(p, page="quality", script="quality")


@router.get("/maintenance", response_class=HTMLResponse, name="maintenance")
def maintenance_page(p: PageDep) -> HTMLResponse:
    """Decisions inbox, work order board and list, decision history."""
    return _page(
        p,
        page="maintenance",
        script="maintenance",
        config={
            "statuses": [s.value for s in WorkOrderStatus],
            "kinds": [k.value for k in WorkOrderKind],
            "failure_modes": [f.value for f in FailureMode],
        },
    )


@router.get("/schedule", response_class=HTMLResponse, name="schedule")
def schedule_page(p: PageDep) -> HTMLResponse:
    """Gantt chart of the active plan (orders and maintenance per machine) and its changes."""
    return _page(p, page="schedule", script="schedule")


@router.get("/operator", response_class=HTMLResponse, name="operator")
def operator_page(p: PageDep) -> HTMLResponse:
    """The tablet view at the line: give stops their reason, confirm finished work orders."""
    language = p.language
    return _page(
        p,
        page="operator",
        script="operator",
        config={"reasons": _reason_tree(language)},
    )


@router.get("/assessment", response_class=HTMLResponse, name="assessment")
def assessment_page(p: PageDep) -> HTMLResponse:
    """The smart-factory level per area, evidence and answers per question, and the roadmap."""
    return _page(p, page="assessment", script="assessment")


@router.get("/reports", response_class=HTMLResponse, name="reports")
def reports_page(p: PageDep) -> HTMLResponse:
    """Pick a month and baseline; open the monthly report or download its PDF; PQCD cards."""
    return _page(p, page="reports", script="reports")


@router.get("/settings", response_class=HTMLResponse, name="settings")
def settings_page(p: PageDep) -> HTMLResponse:
    """Plant model (read-only), connectors, quarantine and (admins) users."""
    plant = p.plant
    language = p.language
    t = Translator(language)
    areas = [
        {
            "name": area.name.get(language),
            "id": area.id,
            "lines": [
                {
                    "id": line.id,
                    "name": line.name.get(language),
                    "machines": [
                        {
                            "id": m.id,
                            "name": m.name.get(language),
                            "type": t("machine_types." + m.type.value),
                            "signals": len(m.signals),
                        }
                        for m in line.machines
                    ],
                }
                for line in area.lines
            ],
        }
        for area in plant.site.areas
    ]
    shifts = [
        {
            "name": s.label.get(language) if s.label else s.name,
            "start": s.start.strftime("%H:%M"),
            "end": s.end.strftime("%H:%M"),
        }
        for s in plant.site.calendar.shifts
    ]
    return _page(
        p,
        page="settings",
        script="settings",
        values={
            "areas": areas,
            "shifts": shifts,
            "timezone": plant.site.calendar.timezone,
            "products": [(prod.id, prod.name.get(language)) for prod in plant.products],
        },
        config={"roles": ["viewer", "operator", "maintenance", "planner", "admin"]},
    )
