"""What an application knows about accounts: :class:`Accounts`, sign-in and sign-out.

:func:`sign_in` is the one place a password is checked. Its failure path takes the same time
whether the user name exists, is disabled or the password is wrong (an argon2 verification is
always made) and says the same thing; failures are rate limited per user name and per client
address (:class:`~smartfactory.api.auth.ratelimit.LoginLimiter`) and recorded in the audit log.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from smartfactory.api.auth import sessions as sess
from smartfactory.api.auth.errors import InvalidCredentialsError, RateLimitedError
from smartfactory.api.auth.passwords import DEFAULT_HASHER, MAX_PASSWORD_LENGTH, PasswordHasher
from smartfactory.api.auth.ratelimit import LoginLimiter
from smartfactory.api.auth.users import User, find_user, get_user, password_hash_of
from smartfactory.errors import StoreError
from smartfactory.store import audit
from smartfactory.store.base import Store

__all__ = ["Accounts", "SignIn", "sign_in", "sign_out"]

logger = logging.getLogger(__name__)


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
class Accounts:
    """Accounts of one application: the store holding them and how sign-in behaves.

    ``store`` is None for an application without a store: nobody can sign in, and every
    protected route answers 401.
    """

    store: Store | None
    hasher: PasswordHasher = DEFAULT_HASHER
    limiter: LoginLimiter = field(default_factory=LoginLimiter)
    policy: sess.SessionPolicy = field(default_factory=sess.SessionPolicy)
    now: Callable[[], datetime] = _utcnow

    def require_store(self) -> Store:
        """The store; StoreError when the application has none."""
        if self.store is None:
            raise StoreError("this server runs without a store; accounts need one")
        return self.store


@dataclass(frozen=True, slots=True)
class SignIn:
    """A successful sign-in: the user, the cookie value and the session."""

    user: User
    secret: str
    session: sess.Session


_FAILED = "wrong user name or password"


def sign_in(accounts: Accounts, username: str, password: str, address: str) -> SignIn:
    """Check a password and open a session, or raise.

    RateLimitedError (before checking anything) when the name or address has failed too
    often; InvalidCredentialsError for a wrong name or password or a disabled user.
    """
    store = accounts.require_store()
    name = username.strip().lower()[:100]
    keys = (f"user:{name}", f"addr:{address}")
    wait = accounts.limiter.retry_after(keys)
    if wait:
        logger.warning("sign-in for %r from %s refused: too many failures", name, address)
        raise RateLimitedError(f"too many failed sign-ins; try again in {wait} s", wait)
    user = find_user(store, name) if name else None
    stored = password_hash_of(store, user.id) if user is not None else None
    ok = stale = False
    if user is not None and stored is not None and len(password) <= MAX_PASSWORD_LENGTH:
        ok, stale = accounts.hasher.verify(stored, password)
    else:
        accounts.hasher.burn(password[:MAX_PASSWORD_LENGTH])
    if not ok or user is None or user.disabled:
        accounts.limiter.fail(keys)
        audit.record(
            store,
            name or "anonymous",
            "auth.login_failed",
            f"user:{name}",
            {"address": address},
        )
        raise InvalidCredentialsError(_FAILED)
    accounts.limiter.clear(keys[0])
    now = accounts.now()
    sess.purge_expired(store, now)
    secret, session = sess.open_session(store, user.id, accounts.policy, now)
    statements: list[tuple[str, list[object]]] = [
        ("UPDATE users SET last_login = ? WHERE id = ?", [now, user.id]),
    ]
    if stale:
        statements.append(
            (
                "UPDATE users SET password_hash = ? WHERE id = ?",
                [accounts.hasher.hash(password), user.id],
            )
        )
    store.execute_all(
        [
            *statements,
            audit.entry(
                user.username,
                "auth.login",
                f"user:{user.username}",
                {"address": address, "rehashed": stale},
            ),
        ]
    )
    return SignIn(user=get_user(store, user.id), secret=secret, session=session)


def sign_out(accounts: Accounts, secret: str, username: str) -> None:
    """End the session of a cookie value and record it."""
    store = accounts.require_store()
    sess.close_session(store, secret)
    audit.record(store, username, "auth.logout", f"user:{username}")
