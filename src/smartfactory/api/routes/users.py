"""User administration (``/users``) and the audit log (``/audit``): admins only.

Every route here needs :attr:`Permission.MANAGE_USERS`; every change is recorded in the audit
log with the acting admin's name.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from smartfactory.api.auth import users as repo
from smartfactory.api.auth.deps import Principal, require
from smartfactory.api.auth.permissions import Permission
from smartfactory.api.auth.schemas import (
    AuditEntryPublic,
    AuditPage,
    UserCreate,
    UserPublic,
    UserUpdate,
)
from smartfactory.api.deps import AccountsDep
from smartfactory.api.schemas import ErrorPublic
from smartfactory.store import audit

__all__ = ["router"]

Admin = Annotated[Principal, Depends(require(Permission.MANAGE_USERS))]

router = APIRouter(tags=["users"])

_ERRORS: dict[int | str, dict[str, object]] = {
    401: {"model": ErrorPublic, "description": "Not signed in."},
    403: {"model": ErrorPublic, "description": "Not allowed to manage users."},
}


@router.get("/users", operation_id="list_users", response_model=list[UserPublic], responses=_ERRORS)
def list_users(admin: Admin, accounts: AccountsDep) -> list[UserPublic]:
    """Every user, by name."""
    return [UserPublic.from_user(u) for u in repo.list_users(accounts.require_store())]


@router.post(
    "/users",
    operation_id="create_user",
    response_model=UserPublic,
    status_code=201,
    responses={**_ERRORS, 409: {"model": ErrorPublic, "description": "The name is taken."}},
)
def create_user(body: UserCreate, admin: Admin, accounts: AccountsDep) -> UserPublic:
    """Create a user with the given password and role."""
    user = repo.create_user(
        accounts.require_store(),
        body.username,
        body.password,
        body.role,
        display_name=body.display_name,
        locale=body.locale,
        actor=admin.username,
        hasher=accounts.hasher,
        now=accounts.now,
    )
    return UserPublic.from_user(user)


@router.get(
    "/users/{user_id}",
    operation_id="get_user",
    response_model=UserPublic,
    responses={**_ERRORS, 404: {"model": ErrorPublic, "description": "No such user."}},
)
def get_user(user_id: str, admin: Admin, accounts: AccountsDep) -> UserPublic:
    """One user."""
    return UserPublic.from_user(repo.get_user(accounts.require_store(), user_id))


@router.patch(
    "/users/{user_id}",
    operation_id="update_user",
    response_model=UserPublic,
    responses={
        **_ERRORS,
        404: {"model": ErrorPublic, "description": "No such user."},
        409: {"model": ErrorPublic, "description": "Would leave no enabled admin."},
    },
)
def update_user(user_id: str, body: UserUpdate, admin: Admin, accounts: AccountsDep) -> UserPublic:
    """Change a user's role, display name, locale, disabled flag or password.

    Disabling a user or setting a password ends the user's sessions.
    """
    store = accounts.require_store()
    user = repo.update_user(
        store,
        user_id,
        role=body.role,
        display_name=body.display_name,
        locale=body.locale,
        disabled=body.disabled,
        actor=admin.username,
    )
    if body.password is not None:
        repo.set_password(
            store, user_id, body.password, actor=admin.username, hasher=accounts.hasher
        )
    return UserPublic.from_user(user)


@router.get("/audit", operation_id="list_audit", response_model=AuditPage, responses=_ERRORS)
def list_audit(
    admin: Admin,
    accounts: AccountsDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,  # fits SQL BIGINT
    target: Annotated[str | None, Query(max_length=200, description="e.g. 'user:kim'.")] = None,
) -> AuditPage:
    """The audit log, newest first, one page at a time."""
    rows = audit.entries(accounts.require_store(), target=target, limit=limit + 1, offset=offset)
    return AuditPage(
        items=[AuditEntryPublic.from_entry(e) for e in rows[:limit]],
        limit=limit,
        offset=offset,
        next_offset=offset + limit if len(rows) > limit else None,
    )
