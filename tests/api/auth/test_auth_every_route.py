"""Secure by default: every route answers 401 without credentials, and every permission a
route requires is refused (403) to each role the matrix does not grant it.

Both tests walk ``app.routes``, so routes added later by any area are covered automatically.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.routing import Mount

from smartfactory.api.auth import ROLE_PERMISSIONS, Permission, Role
from smartfactory.api.testing import signed_in
from smartfactory.store.base import Store

PUBLIC = {
    ("GET", "/api/v1/health"),
    ("POST", "/api/v1/auth/login"),
    ("GET", "/login"),
    ("GET", "/favicon.ico"),
}
"""The only routes open without signing in (static files are a mount, also open)."""
PUBLIC_MOUNTS = {"/static"}
SIGN_OUT = ("POST", "/api/v1/auth/logout")


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x1", path)


def _endpoints(app: FastAPI) -> Iterator[tuple[str, str, Any]]:
    """(method, path, route) of every endpoint, included routers flattened."""
    for context in iter_route_contexts(app.routes):
        original = context.original_route
        if isinstance(original, Mount):
            assert original.path in PUBLIC_MOUNTS, f"unexpected mount {original.path}"
            continue
        assert context.path is not None and context.methods, f"unexpected route {original!r}"
        for method in sorted(context.methods):
            if method != "HEAD":
                yield method, context.path, context


def _is_api_route(route: Any) -> bool:
    return isinstance(route.original_route, APIRoute)


def _required(route: Any) -> set[Permission]:
    """Permissions named by ``require(...)`` dependencies anywhere in the route's tree."""
    found: set[Permission] = set()
    stack = [route.dependant]
    while stack:
        dependant = stack.pop()
        name = getattr(dependant.call, "__name__", "")
        if name.startswith("require_"):
            found.add(Permission(name.removeprefix("require_")))
        stack.extend(dependant.dependencies)
    return found


def test_public_routes_exist(app: FastAPI) -> None:
    assert {(m, p) for m, p, _ in _endpoints(app)} >= PUBLIC


def test_every_other_route_needs_credentials(app: FastAPI, anon_client: Any) -> None:
    checked = 0
    for method, path, _ in _endpoints(app):
        if (method, path) in PUBLIC:
            continue
        url = _concrete(path)
        response = anon_client.request(method, url, follow_redirects=False)
        if path.startswith("/api/"):
            assert response.status_code == 401, f"{method} {path}: {response.status_code}"
            assert response.json()["type"] == "not_authenticated", f"{method} {path}"
        else:
            assert response.status_code == 303, f"{method} {path}: {response.status_code}"
            assert response.headers["location"].startswith("/login?next="), f"{method} {path}"
        checked += 1
    assert checked >= 20  # the API, the docs and the overview page at least
    # a bad token or session is no better than none
    for method, path, _ in _endpoints(app):
        if (method, path) not in PUBLIC and path.startswith("/api/"):
            response = anon_client.request(
                method, _concrete(path), headers={"Authorization": "Bearer sf_forged"}
            )
            assert response.status_code == 401, f"{method} {path} with a forged token"


def test_the_matrix_is_as_documented() -> None:
    assert ROLE_PERMISSIONS[Role.VIEWER] == {Permission.VIEW}
    assert all(Permission.VIEW in granted for granted in ROLE_PERMISSIONS.values())
    assert ROLE_PERMISSIONS[Role.ADMIN] == set(Permission)
    only_admin = [
        p
        for p in Permission
        if all(p not in ROLE_PERMISSIONS[r] for r in Role if r is not Role.ADMIN)
    ]
    assert sorted(only_admin) == sorted([Permission.CONFIGURE, Permission.MANAGE_USERS])


def test_existing_routes_declare_their_permissions(app: FastAPI) -> None:
    needs = {(m, p): _required(r) for m, p, r in _endpoints(app) if _is_api_route(r)}
    assert needs[("GET", "/api/v1/live")] == {Permission.VIEW}
    assert needs[("GET", "/api/v1/plant")] == {Permission.VIEW}
    assert needs[("GET", "/api/v1/kpi/oee")] == {Permission.VIEW}
    assert needs[("POST", "/api/v1/machines/{machine_id}/stops/reason")] == {
        Permission.ASSIGN_REASON
    }
    assert needs[("GET", "/api/v1/users")] == {Permission.MANAGE_USERS}
    assert needs[("GET", "/api/v1/audit")] == {Permission.MANAGE_USERS}
    assert needs[("GET", "/")] == {Permission.VIEW}


@pytest.mark.parametrize("role", list(Role))
def test_roles_without_a_permission_get_403(
    role: Role, app: FastAPI, new_client: Any, store: Store
) -> None:
    client = new_client(raise_server_exceptions=False)  # only access control is judged here
    headers = signed_in(client, store, role)
    checked = 0
    for method, path, route in _endpoints(app):
        if not _is_api_route(route) or (method, path) in PUBLIC | {SIGN_OUT}:
            continue
        required = _required(route)
        missing = required - ROLE_PERMISSIONS[role]
        if not missing and path.endswith("/stream"):
            continue  # allowed: an endless event stream (tests/web/test_stream.py)
        response = client.request(method, _concrete(path), headers=headers)
        assert response.status_code != 401, f"{role} {method} {path}"
        if missing:
            assert response.status_code == 403, f"{role} {method} {path}: {response.text}"
            assert response.json()["type"] == "forbidden"
            checked += 1
        else:
            assert response.status_code != 403, f"{role} {method} {path}: {response.text}"
    if role is not Role.ADMIN:
        assert checked >= 5  # users and audit at least


def test_the_documented_matrix_matches_the_code() -> None:
    docs = Path(__file__).resolve().parents[3] / "docs"
    roles = list(Role)
    for name in ("security.md", "security.ko.md"):
        rows = [
            line
            for line in (docs / name).read_text("utf-8").splitlines()
            if re.match(r"\| `[a-z_]+` \|", line)
        ]
        table = {}
        for row in rows:
            cells = [c.strip() for c in row.strip("|").split("|")]
            permission = Permission(cells[0].strip("`"))
            marks = cells[-len(roles) :]
            table[permission] = {r for r, mark in zip(roles, marks, strict=True) if mark == "✓"}
        assert set(table) == set(Permission), name
        for permission, granted in table.items():
            expected = {r for r in roles if permission in ROLE_PERMISSIONS[r]}
            assert granted == expected, (name, permission)
