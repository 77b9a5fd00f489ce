"""``smartfactory users``: create (prompted or from stdin), list, roles, disable, tokens."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from smartfactory.api.auth.passwords import DEFAULT_HASHER
from smartfactory.api.auth.sessions import digest
from smartfactory.api.auth.users import find_user, password_hash_of
from smartfactory.cli.users_cmd import register
from smartfactory.store import audit, open_store

runner = CliRunner()
PASSWORD = "correct horse battery staple"  # noqa: S105 - a test password


def make_app() -> typer.Typer:
    app = typer.Typer()
    register(app)

    @app.callback()
    def _root() -> None:
        """Test root."""

    return app


@pytest.fixture
def db(tmp_path: Path) -> str:
    return str(tmp_path / "accounts.duckdb")


def _run(args: list[str], db: str, stdin: str | None = None) -> str:
    result = runner.invoke(make_app(), [*args, "--store", db], input=stdin)
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


def test_create_prompts_twice_and_hashes(db: str) -> None:
    out = _run(["users", "create", "--role", "admin", "Boss"], db, f"{PASSWORD}\n{PASSWORD}\n")
    assert "created boss (admin)" in out
    assert PASSWORD not in out  # not echoed
    assert out.count("Password") >= 1 and "Repeat" in out
    store = open_store(db)
    try:
        user = find_user(store, "boss")
        assert user is not None and user.role == "admin"
        stored = password_hash_of(store, user.id)
        assert stored is not None and stored.startswith("$argon2id$")
        assert DEFAULT_HASHER.verify(stored, PASSWORD)[0]
        assert [(e.actor.startswith("cli"), e.action) for e in audit.entries(store)] == [
            (True, "user.created")
        ]
    finally:
        store.close()


def test_mismatched_prompts_are_refused(db: str) -> None:
    result = runner.invoke(
        make_app(),
        ["users", "create", "--role", "viewer", "kim", "--store", db],
        input=f"{PASSWORD}\nsomething else\n{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert "do not match" in result.output.lower()


def test_manage_users_and_tokens(db: str) -> None:
    _run(["users", "create", "--role", "operator", "kim", "--password-stdin"], db, PASSWORD + "\n")
    _run(["users", "create", "--role", "admin", "boss", "--password-stdin"], db, PASSWORD + "\n")
    listed = json.loads(_run(["users", "list", "--json"], db))
    assert [(u["username"], u["role"], u["disabled"]) for u in listed] == [
        ("boss", "admin", False),
        ("kim", "operator", False),
    ]
    assert "kim" in _run(["users", "list"], db)
    assert "kim is now maintenance" in _run(["users", "set-role", "kim", "maintenance"], db)
    assert "kim disabled" in _run(["users", "disable", "kim"], db)
    assert "kim enabled" in _run(["users", "enable", "kim"], db)
    _run(["users", "set-password", "kim", "--password-stdin"], db, "a brand new password\n")

    result = runner.invoke(
        make_app(), ["users", "token", "create", "kim", "--name", "line-1 display", "--store", db]
    )
    assert result.exit_code == 0, result.output
    token = result.stdout.strip().splitlines()[-1]
    assert token.startswith("sf_")
    listing = _run(["users", "token", "list"], db)
    assert "line-1 display" in listing and token not in listing
    store = open_store(db)
    try:
        row = store.query("SELECT id, token_hash FROM api_tokens")[0]
    finally:
        store.close()
    assert row[1] == digest(token)
    assert f"token {row[0]} revoked" in _run(["users", "token", "revoke", str(row[0])], db)
    assert "revoked" in _run(["users", "token", "list", "kim"], db)
    store = open_store(db)
    try:
        actions = [e.action for e in reversed(audit.entries(store))]
    finally:
        store.close()
    assert actions == [
        "user.created",
        "user.created",
        "user.updated",
        "user.disabled",
        "user.enabled",
        "user.password_set",
        "token.created",
        "token.revoked",
    ]


def test_errors_are_factory_errors(db: str) -> None:
    app = make_app()
    short = runner.invoke(
        app,
        ["users", "create", "--role", "viewer", "kim", "--password-stdin", "--store", db],
        input="short\n",
    )
    assert short.exit_code == 2 and "error:" in short.output
    _run(["users", "create", "--role", "admin", "boss", "--password-stdin"], db, PASSWORD + "\n")
    taken = runner.invoke(
        app,
        ["users", "create", "--role", "viewer", "BOSS", "--password-stdin", "--store", db],
        input=PASSWORD + "\n",
    )
    assert taken.exit_code == 2 and "error:" in taken.output
    last = runner.invoke(app, ["users", "disable", "boss", "--store", db])
    assert last.exit_code == 2 and "admin" in last.output  # the last admin stays
    bad_role = runner.invoke(app, ["users", "set-role", "boss", "wizard", "--store", db])
    assert bad_role.exit_code == 2


def test_store_comes_from_sf_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SF_DATABASE", raising=False)
    result = runner.invoke(make_app(), ["users", "list"])
    assert result.exit_code == 2 and "SF_DATABASE" in result.output
    monkeypatch.setenv("SF_DATABASE", str(tmp_path / "env.duckdb"))
    result = runner.invoke(
        make_app(),
        ["users", "create", "--role", "viewer", "kim", "--password-stdin"],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "env.duckdb").exists()
