"""Pydantic schemas of the account routes: ``...Create`` / ``...Update`` in, ``...Public`` out."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from smartfactory.api.auth.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from smartfactory.api.auth.permissions import ROLE_PERMISSIONS, Permission, Role
from smartfactory.api.auth.tokens import ApiToken
from smartfactory.api.auth.users import User
from smartfactory.store.audit import AuditEntry

__all__ = [
    "AuditEntryPublic",
    "AuditPage",
    "LoginPublic",
    "LoginRequest",
    "MePublic",
    "TokenCreate",
    "TokenCreated",
    "TokenPublic",
    "UserCreate",
    "UserPublic",
    "UserUpdate",
]

Locale = Literal["en", "ko"]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class LoginRequest(_In):
    """A user name and password."""

    username: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=MAX_PASSWORD_LENGTH)


class UserPublic(_Out):
    """A user as others may see it (never the password hash)."""

    id: str
    username: str
    role: Role
    display_name: str
    locale: str
    disabled: bool
    created: datetime
    last_login: datetime | None

    @classmethod
    def from_user(cls, user: User) -> UserPublic:
        """Copy a :class:`User`."""
        return cls(
            id=user.id,
            username=user.username,
            role=user.role,
            display_name=user.display_name,
            locale=user.locale,
            disabled=user.disabled,
            created=user.created,
            last_login=user.last_login,
        )


class LoginPublic(_Out):
    """A session was opened (the cookie is set); send ``csrf_token`` as ``X-CSRF-Token``."""

    user: UserPublic
    csrf_token: str


class MePublic(_Out):
    """The signed-in user, how the request was authenticated, and what the role may do."""

    user: UserPublic
    via: Literal["session", "token"]
    permissions: list[Permission]
    csrf_token: str | None = Field(description="The session's CSRF token; null for API tokens.")

    @classmethod
    def build(cls, user: User, via: str, csrf: str | None) -> MePublic:
        """Describe ``user`` signed in ``via`` a session or a token."""
        granted = ROLE_PERMISSIONS[user.role]
        return cls(
            user=UserPublic.from_user(user),
            via="token" if via == "token" else "session",
            permissions=[p for p in Permission if p in granted],
            csrf_token=csrf,
        )


class UserCreate(_In):
    """A new user; the password is chosen by the administrator (no default exists)."""

    username: str = Field(min_length=3, max_length=64, examples=["kim.operator"])
    password: str = Field(min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_LENGTH)
    role: Role
    display_name: str = Field(default="", max_length=200)
    locale: Locale = "en"


class UserUpdate(_In):
    """Fields to change; those left out stay as they are."""

    role: Role | None = None
    display_name: str | None = Field(default=None, max_length=200)
    locale: Locale | None = None
    disabled: bool | None = None
    password: str | None = Field(
        default=None, min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_LENGTH
    )


class TokenCreate(_In):
    """A new API token for the signed-in user."""

    name: str = Field(min_length=1, max_length=100, examples=["line-1 wall display"])


class TokenPublic(_Out):
    """An API token's record (the token text is never shown again)."""

    id: str
    name: str
    created: datetime
    last_used: datetime | None
    revoked: bool

    @classmethod
    def from_token(cls, token: ApiToken) -> TokenPublic:
        """Copy an :class:`ApiToken`."""
        return cls(
            id=token.id,
            name=token.name,
            created=token.created,
            last_used=token.last_used,
            revoked=token.revoked,
        )


class TokenCreated(TokenPublic):
    """A token just made: ``token`` is its text, shown this once."""

    token: str = Field(description="Send as 'Authorization: Bearer <token>'. Shown only once.")


class AuditEntryPublic(_Out):
    """One recorded change."""

    id: str
    ts: datetime
    actor: str
    action: str
    target: str
    data: dict[str, Any]

    @classmethod
    def from_entry(cls, entry: AuditEntry) -> AuditEntryPublic:
        """Copy an :class:`AuditEntry`."""
        return cls(
            id=entry.id,
            ts=entry.ts,
            actor=entry.actor,
            action=entry.action,
            target=entry.target,
            data=entry.data,
        )


class AuditPage(_Out):
    """One page of the audit log, newest first; ``next_offset`` is null on the last page."""

    items: list[AuditEntryPublic]
    limit: int
    offset: int
    next_offset: int | None
