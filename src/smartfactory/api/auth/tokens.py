"""API tokens for machines and scripts: ``Authorization: Bearer sf_...``.

A token is ``sf_`` followed by 43 random URL-safe characters (256 bits). It is shown once, when
created; the ``api_tokens`` table keeps only its SHA-256. A token acts with its user's role,
stops working when revoked or when its user is disabled, and records when it was last used
(written at most once a minute).
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from smartfactory.api.auth.sessions import digest
from smartfactory.errors import DataError, NotFoundError
from smartfactory.store import audit
from smartfactory.store.base import Store

__all__ = [
    "TOKEN_PREFIX",
    "ApiToken",
    "create_token",
    "find_token",
    "get_token",
    "list_tokens",
    "revoke_token",
    "touch_token",
]

TOKEN_PREFIX = "sf_"  # noqa: S105 - a prefix, not a secret
"""Every API token starts with this, so secret scanners and people can recognise one."""
_TOUCH_EVERY = timedelta(minutes=1)
_COLUMNS = "id, user_id, name, created, last_used, revoked"


@dataclass(frozen=True, slots=True)
class ApiToken:
    """A token's record (never the token text itself)."""

    id: str
    user_id: str
    name: str
    created: datetime
    last_used: datetime | None
    revoked: bool


def _token(row: Sequence[Any]) -> ApiToken:
    return ApiToken(
        id=str(row[0]),
        user_id=str(row[1]),
        name=str(row[2]),
        created=row[3].astimezone(UTC),
        last_used=row[4].astimezone(UTC) if row[4] is not None else None,
        revoked=bool(row[5]),
    )


def create_token(
    store: Store, user_id: str, username: str, name: str, *, actor: str, now: datetime
) -> tuple[str, ApiToken]:
    """Make a token for a user: the token text (show it once) and its record."""
    name = name.strip()
    if not 1 <= len(name) <= 100:
        raise DataError("a token needs a name of 1 to 100 characters")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        id=uuid.uuid4().hex[:16],
        user_id=user_id,
        name=name,
        created=now,
        last_used=None,
        revoked=False,
    )
    store.execute_all(
        [
            (
                "INSERT INTO api_tokens (id, user_id, name, token_hash, created, revoked)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [token.id, user_id, name, digest(secret), now, False],
            ),
            audit.entry(
                actor, "token.created", f"token:{token.id}", {"user": username, "name": name}
            ),
        ]
    )
    return secret, token


def get_token(store: Store, token_id: str) -> ApiToken:
    """The token record with this id; NotFoundError if none."""
    rows = store.query(f"SELECT {_COLUMNS} FROM api_tokens WHERE id = ?", [token_id])
    if not rows:
        raise NotFoundError(f"no API token {token_id!r}")
    return _token(rows[0])


def list_tokens(store: Store, user_id: str | None = None) -> list[ApiToken]:
    """Tokens of one user (or of everyone), newest first, revoked ones included."""
    rows = store.query(
        f"SELECT {_COLUMNS} FROM api_tokens"
        " WHERE (CAST(? AS VARCHAR) IS NULL OR user_id = ?) ORDER BY created DESC, id",
        [user_id, user_id],
    )
    return [_token(r) for r in rows]


def revoke_token(store: Store, token_id: str, *, actor: str, owner: str | None = None) -> ApiToken:
    """Revoke a token (only if ``owner``'s, when given); NotFoundError otherwise."""
    token = get_token(store, token_id)
    if owner is not None and token.user_id != owner:
        raise NotFoundError(f"no API token {token_id!r}")
    if not token.revoked:
        store.execute_all(
            [
                ("UPDATE api_tokens SET revoked = TRUE WHERE id = ?", [token_id]),
                audit.entry(actor, "token.revoked", f"token:{token_id}", {"name": token.name}),
            ]
        )
    return get_token(store, token_id)


def find_token(store: Store, secret: str) -> ApiToken | None:
    """The live (not revoked) token with this text, or None."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    rows = store.query(
        f"SELECT {_COLUMNS} FROM api_tokens WHERE token_hash = ? AND NOT revoked",
        [digest(secret)],
    )
    return _token(rows[0]) if rows else None


def touch_token(store: Store, token: ApiToken, now: datetime) -> None:
    """Record that the token was used now (at most one write a minute)."""
    if token.last_used is None or now - token.last_used >= _TOUCH_EVERY:
        store.execute("UPDATE api_tokens SET last_used = ? WHERE id = ?", [now, token.id])
