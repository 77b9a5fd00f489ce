"""Server-side sessions in the ``sessions`` table, carried by the ``sf_session`` cookie.

The cookie holds a random 256-bit id; the table stores only its SHA-256, so a copy of the
database does not hand out live sessions. A session ends ``idle`` after its last use (sliding
renewal, written at most every ``renew_after``) and in any case ``absolute`` after sign-in.
Each session has its own CSRF token (``csrf`` column) that the page sends back in the
``X-CSRF-Token`` header on requests that change something.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from smartfactory.store.base import Store

__all__ = [
    "CSRF_HEADER",
    "SESSION_COOKIE",
    "Session",
    "SessionPolicy",
    "close_session",
    "close_user_sessions",
    "digest",
    "find_session",
    "open_session",
    "purge_expired",
    "renew_session",
]

SESSION_COOKIE = "sf_session"
"""Name of the session cookie (HttpOnly, SameSite=Strict, Secure over https)."""
CSRF_HEADER = "X-CSRF-Token"
"""Header carrying the session's CSRF token on unsafe cookie-authenticated requests."""


@dataclass(frozen=True, slots=True)
class SessionPolicy:
    """How long sessions live: ``idle`` after last use, at most ``absolute`` after sign-in."""

    idle: timedelta = timedelta(hours=12)
    absolute: timedelta = timedelta(days=7)
    renew_after: timedelta = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class Session:
    """One signed-in browser; ``key`` is the SHA-256 of the cookie value."""

    key: str
    user_id: str
    created: datetime
    expires: datetime
    csrf: str


def digest(secret: str) -> str:
    """Hex SHA-256 of a random secret (session id or API token); safe to store and index."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def open_session(
    store: Store, user_id: str, policy: SessionPolicy, now: datetime
) -> tuple[str, Session]:
    """Start a session: the cookie value (shown to the browser only) and the stored row."""
    secret = secrets.token_urlsafe(32)
    session = Session(
        key=digest(secret),
        user_id=user_id,
        created=now,
        expires=min(now + policy.idle, now + policy.absolute),
        csrf=secrets.token_urlsafe(32),
    )
    store.execute(
        "INSERT INTO sessions (id, user_id, created, expires, csrf) VALUES (?, ?, ?, ?, ?)",
        [session.key, user_id, session.created, session.expires, session.csrf],
    )
    return secret, session


def find_session(store: Store, secret: str, now: datetime) -> Session | None:
    """The live session of a cookie value, or None (an expired one is deleted)."""
    if not secret or len(secret) > 200:
        return None
    key = digest(secret)
    rows = store.query("SELECT user_id, created, expires, csrf FROM sessions WHERE id = ?", [key])
    if not rows:
        return None
    user_id, created, expires, csrf = rows[0]
    session = Session(
        key=key,
        user_id=str(user_id),
        created=created.astimezone(UTC),
        expires=expires.astimezone(UTC),
        csrf=str(csrf),
    )
    if session.expires <= now:
        store.execute("DELETE FROM sessions WHERE id = ?", [key])
        return None
    return session


def renew_session(store: Store, session: Session, policy: SessionPolicy, now: datetime) -> Session:
    """Slide the expiry to ``now + idle`` (capped by ``absolute``), writing at most so often."""
    wanted = min(now + policy.idle, session.created + policy.absolute)
    if wanted - session.expires < policy.renew_after:
        return session
    store.execute("UPDATE sessions SET expires = ? WHERE id = ?", [wanted, session.key])
    return replace(session, expires=wanted)


def close_session(store: Store, secret: str) -> None:
    """End the session of a cookie value (nothing happens if there is none)."""
    store.execute("DELETE FROM sessions WHERE id = ?", [digest(secret)])


def close_user_sessions(store: Store, user_id: str) -> int:
    """End every session of a user; return how many there were."""
    return store.execute("DELETE FROM sessions WHERE user_id = ?", [user_id])


def purge_expired(store: Store, now: datetime) -> int:
    """Delete expired sessions; return how many."""
    return store.execute("DELETE FROM sessions WHERE expires <= ?", [now])
