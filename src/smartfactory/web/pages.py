"""The sign-in page (``GET /login``), the overview page (``GET /``) and the static files.

The other pages (machines, OEE, quality, maintenance, schedule, operator, settings) are in
:mod:`smartfactory.web.dashboard`; all share ``templates/layout.html`` (:mod:`.layout`).

Pages other than ``/login`` need a signed-in user: :data:`router` carries the
authentication dependency, so a page added to it is protected; without a session the browser
is sent to ``/login?next=<page>`` (see :mod:`smartfactory.api.errors`). The overview page
is rendered from the plant and one live snapshot; ``static/app.js`` keeps it current
from ``/api/v1/live/stream``. Elements the script updates carry ``data-field`` attributes
inside an element with ``data-machine`` (tiles), ``data-line`` (line headers) or
``id="sf-summary"`` (the plant summary strip).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

import smartfactory
from smartfactory.api.auth.deps import CurrentUser, current_user, require
from smartfactory.api.auth.errors import NotAuthenticatedError
from smartfactory.api.auth.permissions import Permission
from smartfactory.api.deps import ContextDep, LiveDep, PlantDep, SettingsDep
from smartfactory.api.schemas import LivePublic, MachineLivePublic
from smartfactory.domain.assets import Machine, Plant
from smartfactory.web import format as fmt
from smartfactory.web.i18n import LANGUAGES, Translator
from smartfactory.web.layout import (
    CONTENT_SECURITY_POLICY,
    env,
    page_language,
    render_page,
    safe_next,
)

__all__ = [
    "LineView",
    "TileView",
    "install_web",
    "live_header",
    "public_router",
    "router",
]

STATIC_DIR = Path(str(files("smartfactory.web").joinpath("static")))
"""Folder served under ``/static``."""

POLL_MS = 2000
"""Milliseconds between polls of ``/api/v1/live`` while the event stream is down."""
STALE_MS = 5000
"""Milliseconds without an update after which the page shows "connection lost"."""
ROTATE_MS = 12000
"""Milliseconds each line stays on screen in TV mode."""

router = APIRouter(include_in_schema=False, dependencies=[Depends(current_user)])
"""Pages for signed-in users (a page added here is protected)."""
public_router = APIRouter(include_in_schema=False)
"""The sign-in page and the site icon: the only pages open without signing in."""


@dataclass(frozen=True, slots=True)
class TileView:
    """What one machine tile shows, already translated and formatted."""

    id: str
    name: str
    type: str
    state: str
    state_text: str
    duration: str
    reason: str
    order: str
    product: str
    good: str
    scrap: str
    oee: str
    availability: str
    performance: str
    quality: str
    oee_width: int


@dataclass(frozen=True, slots=True)
class LineView:
    """One line: its name, area and tiles, with how many machines produce."""

    id: str
    name: str
    area: str
    tiles: tuple[TileView, ...]
    producing: int
    oee: str


def _tile(
    machine: Machine, live: MachineLivePublic | None, plant: Plant, t: Translator
) -> TileView:
    name = machine.name.get(t.language)
    kind = t("machine_types." + machine.type.value)
    if live is None:
        return TileView(
            id=machine.id,
            name=name,
            type=kind,
            state="unknown",
            state_text=t("states.unknown"),
            duration="",
            reason=t("tile.no_data"),
            order="",
            product="",
            good=fmt.DASH,
            scrap=fmt.DASH,
            oee=fmt.DASH,
            availability=fmt.DASH,
            performance=fmt.DASH,
            quality=fmt.DASH,
            oee_width=0,
        )
    names = {p.id: p.name.get(t.language) for p in plant.products}
    product = names.get(live.product, live.product)
    return TileView(
        id=machine.id,
        name=name,
        type=kind,
        state=live.state,
        state_text=t("states." + live.state),
        duration=fmt.duration(live.duration_s, t),
        reason=t.get("reasons." + live.reason, live.reason) if live.reason else "",
        order=live.order,
        product=product,
        good=fmt.number(live.good),
        scrap=fmt.number(live.scrap),
        oee=fmt.percent(live.oee),
        availability=fmt.percent(live.availability),
        performance=fmt.percent(live.performance),
        quality=fmt.percent(live.quality),
        oee_width=round(min(1.0, max(0.0, live.oee or 0.0)) * 100),
    )


def _lines(plant: Plant, live: LivePublic, t: Translator) -> list[LineView]:
    by_id = {m.machine: m for m in live.machines}
    out = []
    for area, line in plant.lines():
        snaps = [by_id.get(m.id) for m in line.machines]
        oees = [s.oee for s in snaps if s is not None and s.oee is not None]
        out.append(
            LineView(
                id=line.id,
                name=line.name.get(t.language),
                area=area.name.get(t.language),
                tiles=tuple(
                    _tile(m, s, plant, t) for m, s in zip(line.machines, snaps, strict=True)
                ),
                producing=sum(1 for s in snaps if s is not None and s.state == "producing"),
                oee=fmt.percent(sum(oees) / len(oees) if oees else None),
            )
        )
    return out


@public_router.get("/login", response_class=HTMLResponse, name="login", response_model=None)
def login_page(  # noqa: PLR0917 - FastAPI passes dependencies by name
    request: Request,
    context: ContextDep,
    settings: SettingsDep,
    plant: PlantDep,
    lang: str | None = None,
    next: str | None = None,
) -> Response:
    """The sign-in form (already signed in: straight on to ``next``)."""
    root = request.scope.get("root_path", "")
    target = safe_next(next)
    try:
        current_user(request, context)
    except NotAuthenticatedError:
        pass
    else:
        return RedirectResponse(root + target, status_code=303)
    if lang is None:  # coming from a page in some language: speak it here too
        lang = parse_qs(urlsplit(target).query).get("lang", [None])[0]
    language = page_language(request, lang, settings.language)
    t = Translator(language)
    config = {
        "lang": language,
        "api": {"login": f"{root}/api/v1/auth/login"},
        "next": root + target,
        "strings": {"login": t.strings.get("login", {})},
    }
    query = "&" + urlencode({"next": target}) if target != "/" else ""
    html = env.get_template("login.html").render(
        t=t,
        lang=language,
        languages=[
            (code, Translator(code)("language_name"), f"?lang={code}{query}") for code in LANGUAGES
        ],
        root=root,
        version=smartfactory.__version__,
        enterprise=plant.enterprise.name.get(language),
        site=plant.site.name.get(language),
        config=config,
    )
    return HTMLResponse(
        html,
        headers={"Content-Security-Policy": CONTENT_SECURITY_POLICY, "Cache-Control": "no-store"},
    )


@router.get(
    "/",
    response_class=HTMLResponse,
    name="overview",
    dependencies=[Depends(require(Permission.VIEW))],
)
def overview(  # noqa: PLR0917 - FastAPI passes dependencies by name
    request: Request,
    context: ContextDep,
    user: CurrentUser,
    plant: PlantDep,
    live: LiveDep,
    settings: SettingsDep,
    lang: str | None = None,
) -> HTMLResponse:
    """The plant overview: summary strip, alerts and one live tile per machine, by line.

    ``?tv=1`` is the wall-display mode: no menus, large type, one line at a time.
    """
    language = page_language(request, lang, settings.language)
    t = Translator(language)
    snapshot = LivePublic.from_snapshot(live.snapshot())
    summary = snapshot.summary
    output = summary.good + summary.scrap
    root = request.scope.get("root_path", "")
    config = {
        "api": {
            "live": f"{root}/api/v1/live",
            "stream": f"{root}/api/v1/live/stream",
            "logout": f"{root}/api/v1/auth/logout",
        },
        "poll_ms": POLL_MS,
        "stale_ms": STALE_MS,
        "rotate_ms": ROTATE_MS,
    }
    values = live_header(plant, snapshot, t)
    values.update(
        summary=summary,
        waiting=sum(summary.states[s] for s in ("idle", "starved", "blocked")),
        states=[(label, n) for label, n in summary.states.items()],
        good=fmt.number(summary.good),
        scrap=fmt.number(summary.scrap),
        scrap_rate=fmt.percent(summary.scrap / output if output else None, digits=1),
        plant_oee=fmt.percent(summary.oee),
        plant_a=fmt.percent(summary.availability),
        plant_p=fmt.percent(summary.performance),
        plant_q=fmt.percent(summary.quality),
        lines=_lines(plant, snapshot, t),
        columns=max(len(line.machines) for _, line in plant.lines()),
    )
    return render_page(
        request,
        context=context,
        user=user,
        plant=plant,
        language=language,
        page="overview",
        template="overview.html",
        title=t("app.title"),
        values=values,
        config=config,
        explicit_language=lang in LANGUAGES,
    )


def live_header(plant: Plant, snapshot: LivePublic, t: Translator) -> dict[str, Any]:
    """Date, time and shift of the top bar from a live snapshot."""
    shifts = {
        s.name: (s.label.get(t.language) if s.label else s.name) for s in plant.site.calendar.shifts
    }
    date, time = fmt.clock(snapshot.timestamp, plant.site.calendar.timezone, t)
    shift = shifts.get(snapshot.shift, snapshot.shift) if snapshot.shift else t("header.no_shift")
    return {"date": date, "time": time, "shift": shift}


@public_router.get("/favicon.ico")
def favicon() -> FileResponse:
    """The site icon (browsers ask for this path even when the page names another)."""
    return FileResponse(STATIC_DIR / "favicon.svg", media_type="image/svg+xml")


def install_web(app: FastAPI) -> None:
    """Add the pages and mount ``/static`` on ``app``."""
    from smartfactory.web import dashboard  # noqa: PLC0415 - dashboard imports this module

    app.include_router(public_router)
    app.include_router(router)
    app.include_router(dashboard.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
