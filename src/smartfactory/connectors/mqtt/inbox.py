"""The receive side both MQTT connectors (UNS JSON and Sparkplug B) share.

An :class:`Inbox` sits between a connector's message pump task and ``receive()``:

- the pump waits for :meth:`Inbox.wait_room` before taking a message (back-pressure: at
  ``max_pending`` samples it stops reading, so the broker holds the rest instead of anything
  being dropped), hands the message's samples to :meth:`Inbox.put` (also for a message that
  gave none, so its acknowledgement is not held back) and notes the message id with
  :meth:`Inbox.note`;
- a lost connection is recorded with :meth:`Inbox.lose`; ``receive()`` returns what was
  received first and then raises ConnectorUnavailableError;
- :meth:`Inbox.take` is ``receive()``: the samples since the last call, waiting up to
  ``max_wait_s`` for the first and then a few event-loop turns for the messages already
  arriving (so a burst becomes one batch); the messages they came from move to the
  acknowledge list;
- a connector that holds a message's samples itself (the UNS connector's columnar batcher,
  :mod:`.columnar`) passes their number as ``held`` to :meth:`Inbox.put`: they count for
  back-pressure and wake ``take`` like queued samples, and ``take`` forgets the count (the
  connector builds them right after it returned);
- :meth:`Inbox.to_acknowledge` hands the (mid, qos) of the messages ``take`` returned, for the
  connector's ``acknowledge()`` to PUBACK once the poller logged the samples.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Iterable

from smartfactory.connectors.base import Sample
from smartfactory.connectors.errors import ConnectorUnavailableError

__all__ = ["Inbox"]

_IDLE_TURNS = 3
_GATHER_S = 0.1  # a burst is cut into batches of at most this long (latency vs fsyncs)
_LINGER_S = 0.05  # a steady trickle is gathered this long (at most ~20 cycles a second)
_NAP_S = 0.005


class Inbox:
    """Samples waiting for ``receive()``, back-pressure, loss, and what to acknowledge."""

    def __init__(self, max_pending: int, peer: str) -> None:
        self.max_pending = max_pending
        self.peer = peer
        self.lost = ""
        self.pending: deque[Sample] = deque()
        self.held = 0  # samples a connector holds itself (see put)
        self._arrived = asyncio.Event()
        self._room = asyncio.Event()
        self._received: list[tuple[int, int]] = []  # (mid, qos) of messages not yet returned
        self._returned: list[tuple[int, int]] = []  # returned by take(), not yet acknowledged

    def reset(self) -> None:
        """A new connection: nothing lost, room to receive, no message ids carried over."""
        self.lost = ""
        self.forget()
        self._room.set()

    def forget(self) -> None:
        """Drop the message ids (unacknowledged: the broker redelivers them)."""
        self._received.clear()
        self._returned.clear()

    async def wait_room(self) -> None:
        """Wait until fewer than ``max_pending`` samples wait."""
        await self._room.wait()

    def put(self, samples: Iterable[Sample], held: int = 0) -> None:
        """Queue one message's samples (possibly none; ``held`` more kept by the connector)."""
        self.pending.extend(samples)
        self.held += held
        if len(self.pending) + self.held >= self.max_pending:
            self._room.clear()
        self._arrived.set()

    def note(self, mid: int, qos: int) -> None:
        """Remember a message to acknowledge once its samples were returned and logged."""
        if qos > 0:
            self._received.append((mid, qos))

    def lose(self, why: str) -> None:
        """The connection is gone; the next ``take`` after the pending samples raises."""
        self.lost = why or "connection lost"
        self._arrived.set()

    async def take(self, max_wait_s: float, connected: bool) -> list[Sample]:
        """The samples since the last call, waiting up to ``max_wait_s`` for the first."""
        if not self.pending and not self.held and not self.lost:
            if not connected:
                raise ConnectorUnavailableError(f"{self.peer}: not connected")
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(max_wait_s):
                    await self._arrived.wait()
        if (self.pending or self.held) and not self.lost:
            await self._gather()
        self._arrived.clear()
        if not self.pending and not self.held and self.lost:
            raise ConnectorUnavailableError(f"{self.peer}: {self.lost}")
        out = list(self.pending)
        self.pending.clear()
        self.held = 0
        self._returned.extend(self._received)
        self._received.clear()
        self._room.set()
        return out

    async def _gather(self) -> None:
        """Let the messages already on the socket in (a few idle loop turns), for one batch.

        The pump takes one message per event-loop turn; returning at the first one would
        make one poller cycle (log fsync, store write) per message; gathering for as long as
        messages keep coming would make a sustained stream one batch that waits for its end
        (seconds of latency), so a batch gathers for at most ``_GATHER_S``. A steady trickle
        (a message every few milliseconds) would end the gathering at each message and make a
        cycle (fsync, store write) per message, so the batch lingers ``_LINGER_S`` (napping,
        not spinning) before it ends on an idle socket.
        """
        idle = 0
        loop = asyncio.get_running_loop()
        start = loop.time()
        while len(self.pending) + self.held < self.max_pending:
            elapsed = loop.time() - start
            if elapsed >= _GATHER_S:
                break
            if idle >= _IDLE_TURNS:
                if elapsed >= _LINGER_S:
                    break
                await asyncio.sleep(min(_NAP_S, _LINGER_S - elapsed))  # linger, not spin
                idle = 0
                continue
            before = len(self.pending) + self.held
            await asyncio.sleep(0)
            idle = idle + 1 if len(self.pending) + self.held == before else 0

    def to_acknowledge(self) -> list[tuple[int, int]]:
        """The (mid, qos) of every message whose samples ``take`` returned; forgets them."""
        out, self._returned = self._returned, []
        return out
