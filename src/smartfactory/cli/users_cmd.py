"""``smartfactory users``: accounts of the web server, from the server's own console.

``users create --role admin NAME`` asks for the password twice (or reads one line from stdin
with ``--password-stdin``); there is no default password. ``users list``, ``set-role``,
``set-password``, ``disable`` and ``enable`` manage users; ``users token create|list|revoke``
manages API tokens for machines and scripts (a new token is printed once). Every change is
recorded in the audit log as ``cli:<operating-system user>``.

The store is ``--store`` or ``SF_DATABASE`` (a ``postgresql://`` URL, in schema
``SF_PG_SCHEMA``, or a DuckDB file): the one ``smartfactory serve`` uses.
"""

from __future__ import annotations

import getpass
import json
import sys
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from smartfactory.api.auth import tokens
from smartfactory.api.auth import users as repo
from smartfactory.api.auth.permissions import Role
from smartfactory.cli.common import open_cli_store
from smartfactory.errors import NotFoundError
from smartfactory.store.base import Store

__all__ = ["register"]

users_app = typer.Typer(help="Users, roles and API tokens of the web server.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens for machines and scripts.", no_args_is_help=True)
users_app.add_typer(token_app, name="token")

StoreOpt = Annotated[
    str | None,
    typer.Option(
        "--store",
        help="postgresql:// URL or DuckDB file (default: SF_DATABASE).",
        show_default=False,
    ),
]
UserArg = Annotated[str, typer.Argument(help="User name.")]


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (OSError, KeyError):
        return "cli"


def _user(store: Store, username: str) -> repo.User:
    user = repo.find_user(store, username)
    if user is None:
        msg = f"no user {username!r}"
        raise NotFoundError(msg)
    return user


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


@users_app.command("create")
def create(
    username: UserArg,
    role: Annotated[Role, typer.Option(help="Role of the new user.", case_sensitive=False)],
    display_name: Annotated[str, typer.Option(help="Name shown on the pages.")] = "",
    locale: Annotated[str, typer.Option(help="Language of the pages: en or ko.")] = "en",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin (one line).")
    ] = False,
    store: StoreOpt = None,
) -> None:
    """Create a user; the password is asked twice (nothing is echoed)."""
    password = _password(password_stdin)
    with open_cli_store(store) as db:
        user = repo.create_user(
            db, username, password, role, display_name=display_name, locale=locale, actor=_actor()
        )
    typer.echo(f"created {user.username} ({user.role.value})")


@users_app.command("list")
def list_users(
    store: StoreOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array.")] = False,
) -> None:
    """List the users."""
    with open_cli_store(store) as db:
        found = repo.list_users(db)
    if as_json:
        rows = [
            {
                "id": u.id,
                "username": u.username,
                "role": u.role.value,
                "display_name": u.display_name,
                "locale": u.locale,
                "disabled": u.disabled,
                "created": u.created.isoformat(),
                "last_login": u.last_login.isoformat() if u.last_login else None,
            }
            for u in found
        ]
        typer.echo(json.dumps(rows, ensure_ascii=False))
        return
    table = Table("user", "role", "name", "locale", "status", "last sign-in")
    for u in found:
        table.add_row(
            escape(u.username),
            u.role.value,
            escape(u.display_name),
            u.locale,
            "disabled" if u.disabled else "active",
            f"{u.last_login:%Y-%m-%d %H:%M} UTC" if u.last_login else "-",
        )
    Console().print(table)


@users_app.command("set-role")
def set_role(
    username: UserArg,
    role: Annotated[Role, typer.Argument(help="New role.", case_sensitive=False)],
    store: StoreOpt = None,
) -> None:
    """Give a user another role."""
    with open_cli_store(store) as db:
        user = repo.update_user(db, _user(db, username).id, role=role, actor=_actor())
    typer.echo(f"{user.username} is now {user.role.value}")


@users_app.command("set-password")
def set_password(
    username: UserArg,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin (one line).")
    ] = False,
    store: StoreOpt = None,
) -> None:
    """Set a user's password (ends the user's sessions)."""
    password = _password(password_stdin)
    with open_cli_store(store) as db:
        repo.set_password(db, _user(db, username).id, password, actor=_actor())
    typer.echo(f"password of {username.strip().lower()} set; its sessions ended")


@users_app.command("disable")
def disable(username: UserArg, store: StoreOpt = None) -> None:
    """Disable a user: sessions end, API tokens stop working, sign-in is refused."""
    with open_cli_store(store) as db:
        user = repo.update_user(db, _user(db, username).id, disabled=True, actor=_actor())
    typer.echo(f"{user.username} disabled")


@users_app.command("enable")
def enable(username: UserArg, store: StoreOpt = None) -> None:
    """Enable a disabled user again."""
    with open_cli_store(store) as db:
        user = repo.update_user(db, _user(db, username).id, disabled=False, actor=_actor())
    typer.echo(f"{user.username} enabled")


@token_app.command("create")
def token_create(
    username: UserArg,
    name: Annotated[str, typer.Option(help="What the token is for, e.g. 'line-1 display'.")],
    store: StoreOpt = None,
) -> None:
    """Make an API token acting as USERNAME; it is printed once, on stdout."""
    with open_cli_store(store) as db:
        user = _user(db, username)
        secret, token = tokens.create_token(
            db, user.id, user.username, name, actor=_actor(), now=datetime.now(UTC)
        )
    Console(stderr=True).print(
        f"token {token.id} for {escape(user.username)} ({user.role.value}); "
        "store it now, it is not shown again. Send it as 'Authorization: Bearer <token>'.",
        highlight=False,
    )
    typer.echo(secret)


@token_app.command("list")
def token_list(
    username: Annotated[str | None, typer.Argument(help="Only this user's tokens.")] = None,
    store: StoreOpt = None,
) -> None:
    """List API tokens (never their text)."""
    with open_cli_store(store) as db:
        names = {u.id: u.username for u in repo.list_users(db)}
        owner = _user(db, username).id if username else None
        found = tokens.list_tokens(db, owner)
    table = Table("id", "user", "name", "created", "last used", "status")
    for t in found:
        table.add_row(
            t.id,
            escape(names.get(t.user_id, t.user_id)),
            escape(t.name),
            f"{t.created:%Y-%m-%d %H:%M}",
            f"{t.last_used:%Y-%m-%d %H:%M}" if t.last_used else "-",
            "revoked" if t.revoked else "active",
        )
    Console().print(table)


@token_app.command("revoke")
def token_revoke(
    token_id: Annotated[str, typer.Argument(help="Token id (from 'users token list').")],
    store: StoreOpt = None,
) -> None:
    """Revoke an API token."""
    with open_cli_store(store) as db:
        tokens.revoke_token(db, token_id, actor=_actor())
    typer.echo(f"token {token_id} revoked")


def register(app: typer.Typer) -> None:
    """Add ``users`` to ``app``."""
    app.add_typer(users_app, name="users")
