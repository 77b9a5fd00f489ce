"""Password hashing with argon2id (argon2-cffi).

Parameters follow the OWASP password storage recommendation for argon2id (19 MiB of memory,
2 iterations, 1 lane: about 50 ms on one core). A hash records its own parameters, so hashes
made with older parameters still verify; :meth:`PasswordHasher.verify` says when a hash should
be replaced, and sign-in then stores a fresh one (``rehash when parameters change``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import argon2
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

__all__ = ["DEFAULT_HASHER", "MAX_PASSWORD_LENGTH", "MIN_PASSWORD_LENGTH", "PasswordHasher"]

MIN_PASSWORD_LENGTH = 10
"""Shortest password accepted when one is set."""
MAX_PASSWORD_LENGTH = 1024
"""Longest password accepted (bounds the hashing work a request can ask for)."""


@dataclass(frozen=True, slots=True)
class PasswordHasher:
    """argon2id with these parameters; ``memory_kib`` in KiB."""

    time_cost: int = 2
    memory_kib: int = 19_456
    parallelism: int = 1
    _impl: argon2.PasswordHasher = field(init=False, repr=False, compare=False)
    _dummy: list[str] = field(init=False, repr=False, compare=False, default_factory=list)

    def __post_init__(self) -> None:
        impl = argon2.PasswordHasher(
            time_cost=self.time_cost,
            memory_cost=self.memory_kib,
            parallelism=self.parallelism,
            type=argon2.Type.ID,
        )
        object.__setattr__(self, "_impl", impl)

    def hash(self, password: str) -> str:
        """A new salted argon2id hash of ``password`` (PHC string format)."""
        return self._impl.hash(password)

    def verify(self, password_hash: str, password: str) -> tuple[bool, bool]:
        """Whether ``password`` matches, and whether the hash should be replaced."""
        try:
            self._impl.verify(password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False, False
        return True, self._impl.check_needs_rehash(password_hash)

    def burn(self, password: str) -> None:
        """Spend the time of one verification (for a user that does not exist)."""
        if not self._dummy:
            self._dummy.append(self.hash("not a real password, used for timing only"))
        self.verify(self._dummy[0], password)


DEFAULT_HASHER = PasswordHasher()
"""The hasher used unless an application is given another."""
