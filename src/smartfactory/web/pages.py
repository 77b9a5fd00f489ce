"""The overview page (``GET /``) and the static files it needs.

The page is rendered from the plant and one live snapshot; ``static/app.js`` keeps it current
from ``/api/v1/live/stream``. Elements the script updates carry ``data-field`` attributes
inside an element with ``data-machine`` (tiles), ``data-line`` (line headers) or
``id="sf-summary"`` (the plant summary strip).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

import smartfactory
from smartfactory.api.deps import LiveDep, PlantDep, SettingsDep
from smartfactory.api.schemas import LivePublic, MachineLivePublic
from smartfactory.domain.assets import Machine, Plant
from smartfactory.web import format as fmt
from smartfactory.web.i18n import LANGUAGES, Translator

__all__ = ["LineView", "TileView", "install_web", "router"]

STATIC_DIR = Path(str(files("smartfactory.web").joinpath("static")))
"""Folder served under ``/static``."""

POLL_MS = 2000
"""Milliseconds between polls of ``/api/v1/live`` while the event stream is down."""
STALE_MS = 5000
"""Milliseconds without an update after which the page shows "connection lost"."""

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'self'"
)
"""Pages load nothing from outside the server (plants run offline)."""

_env = Environment(
    loader=PackageLoader("smartfactory.web", "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)

router = APIRouter(include_in_schema=False)


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


def _language(requested: str | None, default: str) -> str:
    if requested in LANGUAGES:
        return requested
    return default if default in LANGUAGES else LANGUAGES[0]


@router.get("/", response_class=HTMLResponse, name="overview")
def overview(
    request: Request,
    plant: PlantDep,
    live: LiveDep,
    settings: SettingsDep,
    lang: str | None = None,
) -> HTMLResponse:
    """The plant overview: summary strip and one live tile per machine, grouped by line."""
    language = _language(lang, settings.language)
    t = Translator(language)
    snapshot = LivePublic.from_snapshot(live.snapshot())
    timezone = plant.site.calendar.timezone
    shifts = {
        s.name: (s.label.get(language) if s.label else s.name) for s in plant.site.calendar.shifts
    }
    summary = snapshot.summary
    output = summary.good + summary.scrap
    date, time = fmt.clock(snapshot.timestamp, timezone, t)
    root = request.scope.get("root_path", "")
    config = {
        "lang": language,
        "timezone": timezone,
        "api": {"live": f"{root}/api/v1/live", "stream": f"{root}/api/v1/live/stream"},
        "poll_ms": POLL_MS,
        "stale_ms": STALE_MS,
        "strings": t.strings,
        "shifts": shifts,
        "products": {p.id: p.name.get(language) for p in plant.products},
    }
    html = _env.get_template("overview.html").render(
        t=t,
        lang=language,
        languages=[(code, Translator(code)("language_name")) for code in LANGUAGES],
        root=root,
        version=smartfactory.__version__,
        enterprise=plant.enterprise.name.get(language),
        site=plant.site.name.get(language),
        date=date,
        time=time,
        shift=shifts.get(snapshot.shift, snapshot.shift)
        if snapshot.shift
        else t("header.no_shift"),
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
        config=config,
    )
    return HTMLResponse(html, headers={"Content-Security-Policy": CONTENT_SECURITY_POLICY})


@router.get("/favicon.ico")
def favicon() -> FileResponse:
    """The site icon (browsers ask for this path even when the page names another)."""
    return FileResponse(STATIC_DIR / "favicon.svg", media_type="image/svg+xml")


def install_web(app: FastAPI) -> None:
    """Add the pages and mount ``/static`` on ``app``."""
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
