"""Sign-in rate limiting: a sliding window of failures per user name and per client address.

After ``limit`` failures within ``window_s`` for a key, further sign-ins for that key are
refused (HTTP 429 with ``Retry-After``) until the oldest failure leaves the window; the
password is not even checked, so guessing stops costing the server. A successful sign-in
clears the user name's failures (not the address's). State is in memory, per process, and
bounded: at most ``max_keys`` keys are tracked, the least recently failed forgotten first.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable

__all__ = ["LoginLimiter"]


class LoginLimiter:
    """Count failed sign-ins per key (``user:<name>``, ``addr:<ip>``) in a sliding window."""

    def __init__(
        self,
        limit: int = 5,
        window_s: float = 300.0,
        *,
        max_keys: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.window_s = window_s
        self.max_keys = max_keys
        self.clock = clock
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float] | None:
        times = self._failures.get(key)
        if times is None:
            return None
        while times and times[0] <= now - self.window_s:
            times.popleft()
        if not times:
            del self._failures[key]
            return None
        return times

    def retry_after(self, keys: Iterable[str]) -> int:
        """Seconds until every key may try again; 0 when none is limited."""
        now = self.clock()
        wait = 0.0
        with self._lock:
            for key in keys:
                times = self._recent(key, now)
                if times is not None and len(times) >= self.limit:
                    wait = max(wait, times[-self.limit] + self.window_s - now)
        return math.ceil(wait) if wait > 0 else 0

    def fail(self, keys: Iterable[str]) -> None:
        """Record one failure for each key."""
        now = self.clock()
        with self._lock:
            for key in keys:
                times = self._recent(key, now) or deque(maxlen=self.limit)
                times.append(now)
                self._failures[key] = times
                self._failures.move_to_end(key)
            while len(self._failures) > self.max_keys:
                self._failures.popitem(last=False)

    def clear(self, key: str) -> None:
        """Forget a key's failures (after it signed in successfully)."""
        with self._lock:
            self._failures.pop(key, None)
