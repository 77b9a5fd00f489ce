from __future__ import annotations

import asyncio
import json
import time

from smartfactory.api.streaming import StreamControl, sse_events


def test_control_wait_returns_early_when_closed() -> None:
    async def run() -> tuple[bool, bool, float]:
        control = StreamControl()
        timed_out = await control.wait(0.05)
        asyncio.get_running_loop().call_later(0.05, control.close)
        start = time.monotonic()
        closed = await control.wait(10)
        return timed_out, closed, time.monotonic() - start

    timed_out, closed, took = asyncio.run(run())
    assert timed_out is False
    assert closed is True
    assert took < 1


def test_sse_frames_and_end_on_close() -> None:
    control = StreamControl()
    calls = []

    def produce() -> str:
        calls.append(1)
        if len(calls) == 3:
            control.close()
        return json.dumps({"n": len(calls)})

    async def collect() -> list[str]:
        return [frame async for frame in sse_events(produce, control, 0.01)]

    frames = asyncio.run(collect())
    assert frames[0] == "retry: 2000\n\n"
    assert frames[1:] == [f'event: snapshot\ndata: {{"n": {i}}}\n\n' for i in (1, 2, 3)]


def test_sse_multiline_data_is_split() -> None:
    control = StreamControl()

    def produce() -> str:
        control.close()
        return "a\nb"

    async def collect() -> list[str]:
        return [frame async for frame in sse_events(produce, control, 1)]

    assert asyncio.run(collect())[1] == "event: snapshot\ndata: a\ndata: b\n\n"
