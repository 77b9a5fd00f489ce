"""Sign-in throttling: 5 failures in 5 minutes per user name or address give 429."""

from __future__ import annotations

from typing import Any

from smartfactory.api.auth import LoginLimiter
from smartfactory.api.auth.users import create_user
from smartfactory.store.base import Store

LOGIN = "/api/v1/auth/login"
PASSWORD = "a long enough password"  # noqa: S105 - a test password


def _try(client: Any, name: str, password: str) -> Any:
    return client.post(LOGIN, json={"username": name, "password": password})


def test_five_failures_then_429_with_retry_after(anon_client: Any, store: Store, wall: Any) -> None:
    create_user(store, "kim", PASSWORD, "viewer")
    for _ in range(5):
        response = _try(anon_client, "kim", "wrong password")
        assert response.status_code == 401
        assert response.json() == {
            "detail": "wrong user name or password",
            "type": "invalid_credentials",
        }
    wall.advance(seconds=20)
    blocked = _try(anon_client, "kim", PASSWORD)  # even the right password waits
    assert blocked.status_code == 429
    assert blocked.json()["type"] == "rate_limited"
    assert blocked.headers["retry-after"] == "280"
    wall.advance(seconds=281)
    assert _try(anon_client, "kim", PASSWORD).status_code == 200


def test_unknown_user_fails_exactly_like_a_wrong_password(anon_client: Any, store: Store) -> None:
    create_user(store, "kim", PASSWORD, "viewer")
    unknown = _try(anon_client, "nobody", PASSWORD)
    wrong = _try(anon_client, "kim", "wrong password")
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json() == wrong.json()
    assert unknown.headers.keys() == wrong.headers.keys()


def test_one_address_cannot_spray_many_names(anon_client: Any) -> None:
    for i in range(5):
        assert _try(anon_client, f"user{i}", "whatever it is").status_code == 401
    assert _try(anon_client, "someone-else", "whatever it is").status_code == 429


def test_success_clears_the_name_not_the_address() -> None:
    now = [0.0]
    limiter = LoginLimiter(limit=3, window_s=60, clock=lambda: now[0])
    keys = ("user:kim", "addr:10.0.0.1")
    limiter.fail(keys)
    limiter.fail(keys)
    limiter.clear("user:kim")
    limiter.fail(keys)
    assert limiter.retry_after(["user:kim"]) == 0
    assert limiter.retry_after(["addr:10.0.0.1"]) == 60
    now[0] = 59.5
    assert limiter.retry_after(keys) == 1
    now[0] = 60.0
    assert limiter.retry_after(keys) == 0


def test_limiter_memory_is_bounded() -> None:
    limiter = LoginLimiter(limit=1, window_s=60, max_keys=100, clock=lambda: 0.0)
    for i in range(1000):
        limiter.fail([f"addr:{i}"])
    assert limiter.retry_after(["addr:999"]) == 60
    assert limiter.retry_after(["addr:0"]) == 0  # forgotten first
