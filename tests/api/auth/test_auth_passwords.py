"""Password hashing (argon2id), rehashing on sign-in, user-name and password rules."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from smartfactory.api.auth import PasswordHasher
from smartfactory.api.auth.users import (
    check_password,
    create_user,
    normalize_username,
    password_hash_of,
)
from smartfactory.errors import DataError
from smartfactory.store.base import Store

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

FAST = PasswordHasher(time_cost=1, memory_kib=8192, parallelism=1)


def test_hash_is_salted_argon2id_and_verifies() -> None:
    first, second = FAST.hash("correct horse battery"), FAST.hash("correct horse battery")
    assert first.startswith("$argon2id$v=19$m=8192,t=1,p=1$")
    assert first != second  # salted
    assert "correct horse" not in first
    assert FAST.verify(first, "correct horse battery") == (True, False)
    assert FAST.verify(first, "correct horse battery!") == (False, False)
    assert FAST.verify("not a hash", "x") == (False, False)


def test_changed_parameters_ask_for_a_rehash() -> None:
    old = FAST.hash("correct horse battery")
    ok, stale = PasswordHasher().verify(old, "correct horse battery")
    assert ok and stale
    assert PasswordHasher().verify(PasswordHasher().hash("abcdefghijk"), "abcdefghijk") == (
        True,
        False,
    )


def test_sign_in_rehashes_a_hash_made_with_old_parameters(
    anon_client: TestClient, store: Store
) -> None:
    user = create_user(store, "old.hash", "correct horse battery", "viewer", hasher=FAST)
    before = password_hash_of(store, user.id)
    assert before is not None and "m=8192,t=1" in before
    body = {"username": "old.hash", "password": "correct horse battery"}
    assert anon_client.post("/api/v1/auth/login", json=body).status_code == 200
    after = password_hash_of(store, user.id)
    assert after is not None and after != before
    assert "m=19456,t=2,p=1" in after
    assert PasswordHasher().verify(after, "correct horse battery") == (True, False)


@pytest.mark.parametrize("name", ["ab", "-kim", "kim lee", "kim@plant", "김철수", "x" * 65, ""])
def test_bad_user_names_are_refused(name: str) -> None:
    with pytest.raises(DataError, match="invalid user name"):
        normalize_username(name)


def test_user_names_are_lowercased() -> None:
    assert normalize_username("  Kim.Operator_2 ") == "kim.operator_2"


def test_password_length_rules() -> None:
    with pytest.raises(DataError, match="at least 10"):
        check_password("short")
    with pytest.raises(DataError, match="at most"):
        check_password("x" * 1025)
    check_password("ten chars!")
