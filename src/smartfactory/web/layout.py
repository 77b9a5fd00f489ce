"""The shared page layout: language, navigation, user menu and the page configuration.

Every page but the sign-in form extends ``templates/layout.html`` (top bar with the plant
name, navigation, clock, connection state, language switch and user menu) and is rendered
through :func:`render_page`, which also embeds the page's configuration as JSON for
``static/app.js`` and the page script (``window.sf`` gives them ``request``, ``t`` and the
formatters).

The page language is, in order: ``?lang=`` in the address, the ``sf_lang`` cookie (set by
``PUT /api/v1/me/language``, which also stores it on the user) and the plant's default
(``Settings.language``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

import smartfactory
from smartfactory.api.auth.deps import Principal
from smartfactory.api.auth.permissions import ROLE_PERMISSIONS
from smartfactory.api.auth.sessions import CSRF_HEADER, Session
from smartfactory.api.auth.users import get_user
from smartfactory.api.deps import AppContext
from smartfactory.api.routes.signals import LANGUAGE_COOKIE
from smartfactory.domain.assets import Plant
from smartfactory.web.i18n import LANGUAGES, Translator

__all__ = [
    "CONTENT_SECURITY_POLICY",
    "LANGUAGE_COOKIE",
    "NAV",
    "NavItem",
    "env",
    "page_language",
    "render_page",
    "safe_next",
]


CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'self'"
)
"""Pages load nothing from outside the server (plants run offline)."""

env = Environment(
    loader=PackageLoader("smartfactory.web", "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass(frozen=True, slots=True)
class NavItem:
    """One entry of the navigation: page key (``nav.<key>`` is its label) and path."""

    key: str
    path: str


NAV: tuple[NavItem, ...] = (
    NavItem("overview", "/"),
    NavItem("machines", "/machines"),
    NavItem("oee", "/oee"),
    NavItem("quality", "/quality"),
    NavItem("maintenance", "/maintenance"),
    NavItem("schedule", "/schedule"),
    NavItem("operator", "/operator"),
    NavItem("assessment", "/assessment"),
    NavItem("reports", "/reports"),
    NavItem("settings", "/settings"),
)
"""The navigation, in order."""


def page_language(request: Request, requested: str | None, default: str) -> str:
    """The language of a page: ``requested``, then the cookie, then ``default``."""
    for candidate in (requested, request.cookies.get(LANGUAGE_COOKIE), default):
        if candidate in LANGUAGES:
            return candidate
    return LANGUAGES[0]


def safe_next(target: str | None) -> str:
    """``target`` if it is a path on this server, else ``/`` (no open redirects)."""
    if (
        not target
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or any(ord(c) < 32 for c in target)
    ):
        return "/"
    return target


def _csrf(request: Request) -> str:
    session = getattr(request.state, "sf_session", None)
    return session.csrf if isinstance(session, Session) else ""


def user_view(context: AppContext, user: Principal, t: Translator) -> dict[str, str]:
    """Name, user name and translated role of the signed-in user for the user menu."""
    store = context.accounts.require_store()
    record = get_user(store, user.user_id)
    return {
        "name": record.display_name or record.username,
        "username": record.username,
        "role": t("roles." + user.role.value),
    }


def render_page(
    request: Request,
    *,
    context: AppContext,
    user: Principal,
    plant: Plant,
    language: str,
    page: str,
    template: str,
    title: str,
    values: dict[str, Any] | None = None,
    config: dict[str, Any] | None = None,
    explicit_language: bool = False,
) -> HTMLResponse:
    """Render ``template`` (which extends ``layout.html``) as the page ``page`` of the nav.

    ``config`` is merged into the page configuration (``lang``, ``timezone``, ``login``,
    ``csrf``, ``strings``, ``v1`` (API root), ``perms``, ``role``, ``tv``...). With
    ``explicit_language`` (``?lang=`` in the address) navigation links keep the language.
    """
    t = Translator(language)
    root = request.scope.get("root_path", "")
    tv = request.query_params.get("tv") == "1"
    suffix = f"?lang={language}" if explicit_language else ""
    perms = sorted(p.value for p in ROLE_PERMISSIONS[user.role])
    shifts = {
        s.name: (s.label.get(language) if s.label else s.name) for s in plant.site.calendar.shifts
    }
    base: dict[str, Any] = {
        "lang": language,
        "locale": "ko-KR" if language == "ko" else "en-GB",
        "timezone": plant.site.calendar.timezone,
        "login": f"{root}/login",
        "root": root,
        "v1": f"{root}/api/v1",
        "csrf": {"header": CSRF_HEADER, "token": _csrf(request)},
        "strings": t.strings,
        "role": user.role.value,
        "perms": perms,
        "page": page,
        "tv": tv,
        "shifts": shifts,
        "products": {p.id: p.name.get(language) for p in plant.products},
        "machines": {m.id: m.name.get(language) for m in plant.machines()},
        "machine_order": [m.id for m in plant.machines()],
        "lines": {line.id: line.name.get(language) for _, line in plant.lines()},
        "line_of": {m.id: line.id for _, line in plant.lines() for m in line.machines},
    }
    base.update(config or {})
    html = env.get_template(template).render(
        t=t,
        lang=language,
        languages=[(code, Translator(code)("language_name")) for code in LANGUAGES],
        root=root,
        version=smartfactory.__version__,
        enterprise=plant.enterprise.name.get(language),
        site=plant.site.name.get(language),
        nav=[(item, root + item.path + suffix) for item in NAV],
        page=page,
        page_title=title,
        tv=tv,
        user=user_view(context, user, t),
        perms=perms,
        config=base,
        **(values or {}),
    )
    return HTMLResponse(
        html,
        headers={"Content-Security-Policy": CONTENT_SECURITY_POLICY, "Cache-Control": "no-store"},
    )
