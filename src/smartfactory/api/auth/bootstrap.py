"""The first admin: created with a random password that is shown once, never a default one."""

from __future__ import annotations

import secrets

from smartfactory.api.auth.permissions import Role
from smartfactory.api.auth.users import create_user, find_user, has_admin, set_password, update_user
from smartfactory.store.base import Store

__all__ = ["FIRST_ADMIN", "ensure_admin", "first_admin_notice", "random_password"]

FIRST_ADMIN = "admin"
"""User name of the admin :func:`ensure_admin` creates."""


def random_password() -> str:
    """A random password of about 128 bits, URL-safe, easy to copy."""
    return secrets.token_urlsafe(16)


def ensure_admin(store: Store, *, actor: str = "system") -> str | None:
    """Make sure an enabled admin exists; return the new admin's password if one was made.

    If no enabled admin exists, the user ``admin`` is created (or, if that name exists,
    re-enabled as admin) with a fresh random password, which is returned so the caller can
    show it once. Returns None when an enabled admin already exists.
    """
    if has_admin(store):
        return None
    password = random_password()
    existing = find_user(store, FIRST_ADMIN)
    if existing is None:
        create_user(
            store, FIRST_ADMIN, password, Role.ADMIN, display_name="Administrator", actor=actor
        )
    else:
        update_user(store, existing.id, role=Role.ADMIN, disabled=False, actor=actor)
        set_password(store, existing.id, password, actor=actor)
    return password


def first_admin_notice(store: Store) -> str | None:
    """:func:`ensure_admin`, and the lines to print once if it made an admin (else None)."""
    password = ensure_admin(store)
    if password is None:
        return None
    return (
        f"  sign in as: {FIRST_ADMIN}\n"
        f"  password:   {password}\n"
        "  (shown only this once; add users with `smartfactory users create`)"
    )
