"""The MQTT client session steps both MQTT connectors (UNS JSON and Sparkplug B) share.

Opening a subscribed session under a timeout with the library's errors translated, closing it
(the message pump first, then the client), sending the manual acknowledgements, and answering
``read`` from the latest values.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping, Sequence
from datetime import datetime

import aiomqtt

from smartfactory.connectors.base import Sample
from smartfactory.connectors.errors import ConnectorTimeoutError, ConnectorUnavailableError

__all__ = ["close_session", "latest_or_bad", "open_subscribed", "send_acks"]


async def open_subscribed(
    client: aiomqtt.Client, topic: str, qos: int, timeout_s: float, peer: str
) -> None:
    """Connect ``client`` and subscribe to ``topic`` within ``timeout_s``.

    ``peer`` names the connection in errors (e.g. ``"mqtt host:1883"``); a timeout raises
    ConnectorTimeoutError, any other client error ConnectorUnavailableError. A failed subscribe
    disconnects again.
    """
    try:
        async with asyncio.timeout(timeout_s):
            await client.__aenter__()
            try:
                await client.subscribe(topic, qos=qos)
            except BaseException:
                await client.__aexit__(None, None, None)
                raise
    except TimeoutError as err:
        raise ConnectorTimeoutError(f"{peer}: connect timed out") from err
    except aiomqtt.MqttError as err:
        raise ConnectorUnavailableError(f"{peer}: {err}") from err


async def close_session(
    pump: asyncio.Task[None] | None, client: aiomqtt.Client | None, timeout_s: float
) -> None:
    """Stop the message ``pump`` task, then disconnect ``client`` within ``timeout_s``."""
    if pump is not None:
        pump.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await pump
    if client is not None:
        with contextlib.suppress(aiomqtt.MqttError, TimeoutError):
            async with asyncio.timeout(timeout_s):
                await client.__aexit__(None, None, None)


def latest_or_bad(latest: Mapping[str, Sample], tags: Sequence[str], now: datetime) -> list[Sample]:
    """The latest sample of each tag, or a bad sample saying none was received yet."""
    return [latest.get(t) or Sample.bad(t, now, f"no value received for {t!r}") for t in tags]


async def send_acks(client: aiomqtt.Client, acks: Sequence[tuple[int, int]]) -> None:
    """Acknowledge (PUBACK / PUBCOMP) these (mid, qos) and let the loop write them out.

    paho queues an acknowledgement and aiomqtt registers the socket writer through
    ``call_soon_threadsafe``; two loop turns later it is on the wire. Without them the
    poller's store write right after would hold the acknowledgements (and so the broker's
    next messages, which wait for room in its in-flight window) for the whole write.
    """
    if not acks:
        return
    paho = client._client  # aiomqtt 2.5 exposes no manual acknowledgement
    for mid, qos in acks:
        paho.ack(mid, qos)
    for _ in range(2):
        await asyncio.sleep(0)
