"""The ``users`` table: create, read, list, change, disable users and set their passwords.

User names are 3 to 64 characters of lowercase ``a-z``, ``0-9``, ``.``, ``_`` and ``-``
starting with a letter or digit (stored lowercase; ``Kim.Operator`` signs in as
``kim.operator``). There is no default password anywhere: a user is created with the password
the administrator typed, or a random one that is shown once. Every change is recorded in the
audit log in the same transaction, with the acting user's name (``actor``).

Disabling a user or setting a new password ends the user's sessions; a disabled user's API
tokens stop working (they are checked against the user on every request). The last enabled
admin cannot be disabled or given another role (:class:`ConflictError`), so the plant is never
locked out of its own server.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from smartfactory.api.auth.errors import ConflictError
from smartfactory.api.auth.passwords import (
    DEFAULT_HASHER,
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    PasswordHasher,
)
from smartfactory.api.auth.permissions import Role
from smartfactory.errors import DataError, NotFoundError
from smartfactory.store import audit
from smartfactory.store.base import Store

__all__ = [
    "LOCALES",
    "USERNAME_PATTERN",
    "User",
    "check_password",
    "create_user",
    "find_user",
    "get_user",
    "has_admin",
    "list_users",
    "normalize_username",
    "password_hash_of",
    "set_password",
    "update_user",
]

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
"""What a (lowercased) user name must match."""
LOCALES: tuple[str, ...] = ("en", "ko")
"""Languages a user may choose for the pages."""

_COLUMNS = "id, username, role, display_name, locale, disabled, created, last_login"


@dataclass(frozen=True, slots=True)
class User:
    """A user account (never carries the password hash)."""

    id: str
    username: str
    role: Role
    display_name: str
    locale: str
    disabled: bool
    created: datetime
    last_login: datetime | None


def _utc(value: object) -> datetime | None:
    return value.astimezone(UTC) if isinstance(value, datetime) else None


def _user(row: Sequence[Any]) -> User:
    created = _utc(row[6])
    assert created is not None  # noqa: S101 - NOT NULL column
    return User(
        id=str(row[0]),
        username=str(row[1]),
        role=Role(row[2]),
        display_name=str(row[3]),
        locale=str(row[4]),
        disabled=bool(row[5]),
        created=created,
        last_login=_utc(row[7]),
    )


def normalize_username(username: str) -> str:
    """``username`` stripped and lowercased; DataError if it breaks the rules."""
    name = username.strip().lower()
    if not USERNAME_PATTERN.fullmatch(name):
        raise DataError(
            f"invalid user name {username!r}: use 3 to 64 characters a-z, 0-9, '.', '_' or '-',"
            " starting with a letter or digit"
        )
    return name


def check_password(password: str) -> None:
    """DataError unless ``password`` has an acceptable length."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DataError(f"the password needs at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise DataError(f"the password may have at most {MAX_PASSWORD_LENGTH} characters")


def _locale(locale: str) -> str:
    if locale not in LOCALES:
        raise DataError(f"unsupported locale {locale!r}; use one of {', '.join(LOCALES)}")
    return locale


def _role(role: Role | str) -> Role:
    try:
        return Role(role)
    except ValueError as err:
        roles = ", ".join(r.value for r in Role)
        raise DataError(f"unknown role {role!r}; use one of {roles}") from err


def get_user(store: Store, user_id: str) -> User:
    """The user with this id; NotFoundError if there is none."""
    rows = store.query(f"SELECT {_COLUMNS} FROM users WHERE id = ?", [user_id])
    if not rows:
        raise NotFoundError(f"no user {user_id!r}")
    return _user(rows[0])


def find_user(store: Store, username: str) -> User | None:
    """The user with this name (any case), or None."""
    name = username.strip().lower()
    rows = store.query(f"SELECT {_COLUMNS} FROM users WHERE username = ?", [name])
    return _user(rows[0]) if rows else None


def password_hash_of(store: Store, user_id: str) -> str | None:
    """The stored password hash of a user, or None if there is no such user."""
    rows = store.query("SELECT password_hash FROM users WHERE id = ?", [user_id])
    return str(rows[0][0]) if rows else None


def list_users(store: Store) -> list[User]:
    """Every user, by name."""
    rows = store.query(f"SELECT {_COLUMNS} FROM users ORDER BY username")
    return [_user(r) for r in rows]


def has_admin(store: Store) -> bool:
    """Whether at least one enabled admin exists."""
    rows = store.query(
        "SELECT count(*) FROM users WHERE role = ? AND NOT disabled", [Role.ADMIN.value]
    )
    return bool(rows and int(rows[0][0]) > 0)


def create_user(
    store: Store,
    username: str,
    password: str,
    role: Role | str,
    *,
    display_name: str = "",
    locale: str = "en",
    actor: str = "system",
    hasher: PasswordHasher = DEFAULT_HASHER,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> User:
    """Create a user; ConflictError if the name is taken, DataError if an input is invalid."""
    name = normalize_username(username)
    check_password(password)
    role = _role(role)
    locale = _locale(locale)
    display_name = display_name.strip()[:200]
    if find_user(store, name) is not None:
        raise ConflictError(f"user name {name!r} is taken")
    user = User(
        id=uuid.uuid4().hex,
        username=name,
        role=role,
        display_name=display_name,
        locale=locale,
        disabled=False,
        created=now(),
        last_login=None,
    )
    store.execute_all(
        [
            (
                "INSERT INTO users (id, username, role, password_hash, display_name, locale,"
                " disabled, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    user.id,
                    name,
                    role.value,
                    hasher.hash(password),
                    display_name,
                    locale,
                    False,
                    user.created,
                ],
            ),
            audit.entry(actor, "user.created", f"user:{name}", {"role": role.value, "id": user.id}),
        ]
    )
    return user


def _enabled_admins(store: Store) -> set[str]:
    rows = store.query("SELECT id FROM users WHERE role = ? AND NOT disabled", [Role.ADMIN.value])
    return {str(r[0]) for r in rows}


def update_user(
    store: Store,
    user_id: str,
    *,
    role: Role | str | None = None,
    display_name: str | None = None,
    locale: str | None = None,
    disabled: bool | None = None,
    actor: str = "system",
) -> User:
    """Change a user's role, display name, locale or disabled flag; return the user after.

    Disabling ends the user's sessions. ConflictError if the change would leave no enabled
    admin.
    """
    before = get_user(store, user_id)
    changes: dict[str, Any] = {}
    if role is not None and _role(role) is not before.role:
        changes["role"] = _role(role).value
    if display_name is not None and display_name.strip()[:200] != before.display_name:
        changes["display_name"] = display_name.strip()[:200]
    if locale is not None and _locale(locale) != before.locale:
        changes["locale"] = locale
    if disabled is not None and disabled != before.disabled:
        changes["disabled"] = disabled
    if not changes:
        return before
    loses_admin = before.role is Role.ADMIN and (
        changes.get("role", Role.ADMIN.value) != Role.ADMIN.value or changes.get("disabled")
    )
    if loses_admin and _enabled_admins(store) <= {user_id}:
        raise ConflictError(f"{before.username!r} is the last enabled admin; add another first")
    assignments = ", ".join(f"{column} = ?" for column in changes)
    statements: list[tuple[str, Sequence[object]]] = [
        (f"UPDATE users SET {assignments} WHERE id = ?", [*changes.values(), user_id]),
    ]
    action = "user.updated"
    if changes.get("disabled") is True:
        action = "user.disabled"
        statements.append(("DELETE FROM sessions WHERE user_id = ?", [user_id]))
    elif changes.get("disabled") is False:
        action = "user.enabled"
    statements.append(audit.entry(actor, action, f"user:{before.username}", changes))
    store.execute_all(statements)
    return get_user(store, user_id)


def set_password(
    store: Store,
    user_id: str,
    password: str,
    *,
    actor: str = "system",
    hasher: PasswordHasher = DEFAULT_HASHER,
) -> None:
    """Give a user a new password and end the user's sessions."""
    user = get_user(store, user_id)
    check_password(password)
    store.execute_all(
        [
            ("UPDATE users SET password_hash = ? WHERE id = ?", [hasher.hash(password), user_id]),
            ("DELETE FROM sessions WHERE user_id = ?", [user_id]),
            audit.entry(actor, "user.password_set", f"user:{user.username}"),
        ]
    )
