"""A QoS 1 publisher process for the kill tests: ``python mqtt_publisher.py PORT PATH N BASE_MS``.

Publishes messages 0..N-1 to ``PATH/m1`` (``{"timestamp_ms": BASE_MS + i, "a": i, "b": -i}``),
at least once each: when the broker goes away it reconnects (same client id, persistent
session), re-sends every message it has no acknowledgement for and also the last ``REPLAY``
acknowledged ones (an edge node's store-and-forward window: Mosquitto acknowledges a QoS 1
message before its periodic save, so a broker killed with SIGKILL forgets what it accepted
since the last save). Duplicates are harmless: the store is idempotent on (signal, ts).
Prints ``done`` at the end.
"""

from __future__ import annotations

import asyncio
import json
import sys
import uuid

import aiomqtt

REPLAY = 300


def message(i: int, base_ms: int) -> bytes:
    return json.dumps({"timestamp_ms": base_ms + i, "a": i, "b": -i}).encode()


async def main(port: int, path: str, n: int, base_ms: int) -> None:
    pending = list(range(n))
    client_id = f"pub-{uuid.uuid4().hex}"
    acked = 0  # messages 0..acked-1 were acknowledged by the broker
    while pending:
        try:
            async with aiomqtt.Client("127.0.0.1", port, identifier=client_id,
                                      clean_session=False, timeout=2) as client:  # fmt: skip
                while pending:
                    async with asyncio.timeout(3):
                        await client.publish(f"{path}/m1", message(pending[0], base_ms), qos=1)
                    acked = max(acked, pending.pop(0) + 1)
                    await asyncio.sleep(0.001)
        except (aiomqtt.MqttError, TimeoutError, OSError):
            replay = range(max(0, acked - REPLAY), acked)
            pending = sorted(set(pending) | set(replay))
            await asyncio.sleep(0.1)
    print("done", flush=True)


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])))
