"""FastAPI dependencies for authentication and permissions.

Every request is authenticated by exactly one of

* ``Authorization: Bearer sf_...`` (an API token; used when the header is present), or
* the ``sf_session`` cookie; requests that change something (any method but GET, HEAD,
  OPTIONS) must then also send the session's CSRF token in ``X-CSRF-Token``.

Use them in routes::

    from smartfactory.api.auth.deps import CurrentUser, require
    from smartfactory.api.auth.permissions import Permission

    @router.post("/things", operation_id="create_thing",
                 dependencies=[Depends(require(Permission.CONFIGURE))])
    def create_thing(body: ThingCreate, user: CurrentUser) -> ThingPublic: ...

Routes included in :data:`smartfactory.api.routes.router` need a signed-in user (any role)
already; ``require`` adds the permission check (403) on top.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from smartfactory.api.auth.errors import CsrfError, NotAuthenticatedError, PermissionDeniedError
from smartfactory.api.auth.permissions import Permission, Role, allowed
from smartfactory.api.auth.sessions import CSRF_HEADER, SESSION_COOKIE, find_session, renew_session
from smartfactory.api.auth.tokens import find_token, touch_token
from smartfactory.api.auth.users import User, get_user
from smartfactory.api.deps import ContextDep
from smartfactory.errors import NotFoundError
from smartfactory.store.base import Store

__all__ = ["SAFE_METHODS", "CurrentUser", "Principal", "current_user", "require"]

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
"""Methods that change nothing and therefore need no CSRF token."""


@dataclass(frozen=True, slots=True)
class Principal:
    """Who makes the request: the user, the role, and ``via`` "session" or "token"."""

    user_id: str
    username: str
    role: Role
    via: str

    def can(self, permission: Permission) -> bool:
        """Whether this user's role grants ``permission``."""
        return allowed(self.role, permission)


def _user(store: Store, user_id: str) -> User | None:
    try:
        user = get_user(store, user_id)
    except NotFoundError:
        return None
    return None if user.disabled else user


def _from_token(store: Store, header: str, context: ContextDep) -> Principal:
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise NotAuthenticatedError("use 'Authorization: Bearer sf_...' with an API token")
    token = find_token(store, value.strip())
    user = _user(store, token.user_id) if token is not None else None
    if token is None or user is None:
        raise NotAuthenticatedError("the API token is invalid or revoked")
    touch_token(store, token, context.accounts.now())
    return Principal(user_id=user.id, username=user.username, role=user.role, via="token")


def current_user(request: Request, context: ContextDep) -> Principal:
    """The signed-in user of this request; 401 (NotAuthenticatedError) without one.

    A cookie-authenticated request with an unsafe method must carry the session's CSRF token
    in ``X-CSRF-Token`` (403 otherwise). The session's expiry slides forward on use.
    """
    accounts = context.accounts
    store = accounts.store
    if store is None:
        raise NotAuthenticatedError("sign-in is unavailable: this server runs without a store")
    header = request.headers.get("authorization")
    if header:
        return _from_token(store, header, context)
    secret = request.cookies.get(SESSION_COOKIE)
    if not secret:
        raise NotAuthenticatedError("sign in first")
    now = accounts.now()
    session = find_session(store, secret, now)
    user = _user(store, session.user_id) if session is not None else None
    if session is None or user is None:
        raise NotAuthenticatedError("the session has ended; sign in again")
    if request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not hmac.compare_digest(sent.encode(), session.csrf.encode()):
            raise CsrfError(f"missing or wrong {CSRF_HEADER} header")
    request.state.sf_session = renew_session(store, session, accounts.policy, now)
    return Principal(user_id=user.id, username=user.username, role=user.role, via="session")


CurrentUser = Annotated[Principal, Depends(current_user)]
"""The signed-in user (401 without one)."""


def require(permission: Permission) -> Callable[[Principal], Principal]:
    """A dependency giving the signed-in user if the role grants ``permission``, else 403."""

    def check(user: CurrentUser) -> Principal:
        if not user.can(permission):
            raise PermissionDeniedError(
                f"role {user.role.value!r} lacks the permission {permission.value!r}"
            )
        return user

    check.__name__ = f"require_{permission.value}"
    check.__qualname__ = check.__name__
    return check
