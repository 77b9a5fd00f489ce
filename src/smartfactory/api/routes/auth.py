"""Sign-in, sign-out, who am I, and the signed-in user's API tokens (``/auth/...``).

``POST /auth/login`` is public (:data:`public_router`); everything else needs a signed-in user
(:data:`router`, included behind the authentication of :mod:`smartfactory.api.routes`).
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from smartfactory.api.auth import tokens as tok
from smartfactory.api.auth.deps import CurrentUser
from smartfactory.api.auth.errors import PermissionDeniedError
from smartfactory.api.auth.schemas import (
    LoginPublic,
    LoginRequest,
    MePublic,
    TokenCreate,
    TokenCreated,
    TokenPublic,
    UserPublic,
)
from smartfactory.api.auth.service import sign_in, sign_out
from smartfactory.api.auth.sessions import SESSION_COOKIE, Session, close_session
from smartfactory.api.auth.users import get_user
from smartfactory.api.deps import AccountsDep
from smartfactory.api.schemas import ErrorPublic

__all__ = ["public_router", "router"]

public_router = APIRouter(prefix="/auth", tags=["auth"])
router = APIRouter(prefix="/auth", tags=["auth"])

_401: dict[int | str, dict[str, object]] = {
    401: {"model": ErrorPublic, "description": "Not signed in."}
}


def _address(request: Request) -> str:
    return request.client.host if request.client is not None else "unknown"


@public_router.post(
    "/login",
    operation_id="login",
    response_model=LoginPublic,
    responses={
        401: {"model": ErrorPublic, "description": "Wrong user name or password."},
        429: {"model": ErrorPublic, "description": "Too many failures; see Retry-After."},
    },
)
def login(
    body: LoginRequest, request: Request, response: Response, accounts: AccountsDep
) -> LoginPublic:
    """Sign in: sets the ``sf_session`` cookie and returns the session's CSRF token."""
    old = request.cookies.get(SESSION_COOKIE)
    done = sign_in(accounts, body.username, body.password, _address(request))
    if old:  # never keep a session id chosen before sign-in
        close_session(accounts.require_store(), old)
    response.set_cookie(
        SESSION_COOKIE,
        done.secret,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
    response.headers["Cache-Control"] = "no-store"
    return LoginPublic(user=UserPublic.from_user(done.user), csrf_token=done.session.csrf)


@router.post("/logout", operation_id="logout", status_code=204, responses=_401)
def logout(
    user: CurrentUser, request: Request, response: Response, accounts: AccountsDep
) -> Response:
    """Sign out: ends the session and clears the cookie (with a token: nothing to end)."""
    secret = request.cookies.get(SESSION_COOKIE)
    if user.via == "session" and secret:
        sign_out(accounts, secret, user.username)
    out = Response(status_code=204)
    out.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    return out


@router.get("/me", operation_id="get_me", response_model=MePublic, responses=_401)
def get_me(user: CurrentUser, request: Request, accounts: AccountsDep) -> MePublic:
    """The signed-in user, the role's permissions, and the session's CSRF token."""
    session = getattr(request.state, "sf_session", None)
    csrf = session.csrf if isinstance(session, Session) else None
    return MePublic.build(get_user(accounts.require_store(), user.user_id), user.via, csrf)


@router.post(
    "/tokens",
    operation_id="create_token",
    response_model=TokenCreated,
    status_code=201,
    responses={**_401, 403: {"model": ErrorPublic, "description": "Not from a session."}},
)
def create_token(body: TokenCreate, user: CurrentUser, accounts: AccountsDep) -> TokenCreated:
    """Make an API token acting as the signed-in user; its text is shown only in this answer.

    Tokens are made from a signed-in session, not with another token.
    """
    if user.via != "session":
        raise PermissionDeniedError("API tokens are created from a signed-in session")
    secret, token = tok.create_token(
        accounts.require_store(),
        user.user_id,
        user.username,
        body.name,
        actor=user.username,
        now=accounts.now(),
    )
    return TokenCreated(**TokenPublic.from_token(token).model_dump(), token=secret)


@router.get("/tokens", operation_id="list_tokens", response_model=list[TokenPublic], responses=_401)
def list_tokens(user: CurrentUser, accounts: AccountsDep) -> list[TokenPublic]:
    """The signed-in user's API tokens, newest first (revoked ones included)."""
    return [
        TokenPublic.from_token(t) for t in tok.list_tokens(accounts.require_store(), user.user_id)
    ]


@router.delete(
    "/tokens/{token_id}",
    operation_id="revoke_token",
    status_code=204,
    responses={**_401, 404: {"model": ErrorPublic, "description": "No such token of yours."}},
)
def revoke_token(token_id: str, user: CurrentUser, accounts: AccountsDep) -> Response:
    """Revoke one of the signed-in user's API tokens."""
    tok.revoke_token(accounts.require_store(), token_id, actor=user.username, owner=user.user_id)
    return Response(status_code=204)
