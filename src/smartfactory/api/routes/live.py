"""``GET /live`` (the plant now) and ``GET /live/stream`` (the same, pushed every second)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from smartfactory.api.deps import LiveDep, StreamsDep
from smartfactory.api.schemas import ErrorPublic, LivePublic, MachineLivePublic
from smartfactory.api.streaming import sse_events
from smartfactory.errors import NotFoundError

__all__ = ["STREAM_INTERVAL_S", "router"]

STREAM_INTERVAL_S = 1.0
"""Seconds between two snapshots on ``/live/stream``."""

router = APIRouter(prefix="/live", tags=["live"])


@router.get("", operation_id="get_live", response_model=LivePublic)
def get_live(live: LiveDep) -> LivePublic:
    """Every machine's state, order and shift figures now, with a plant summary."""
    return LivePublic.from_snapshot(live.snapshot())


@router.get(
    "/machines/{machine_id}",
    operation_id="get_live_machine",
    response_model=MachineLivePublic,
    responses={404: {"model": ErrorPublic, "description": "No machine with this id."}},
)
def get_live_machine(machine_id: str, live: LiveDep) -> MachineLivePublic:
    """One machine now."""
    snapshot = live.snapshot()
    for machine in snapshot.machines:
        if machine.machine == machine_id:
            return MachineLivePublic.from_snapshot(machine, snapshot.timestamp)
    raise NotFoundError(f"no live data for machine {machine_id!r}")


@router.get(
    "/stream",
    operation_id="stream_live",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {"text/event-stream": {}},
            "description": "Server-sent events named 'snapshot', each a LivePublic JSON.",
        }
    },
)
async def stream_live(live: LiveDep, streams: StreamsDep) -> StreamingResponse:
    """Push ``GET /live`` as a server-sent event ``snapshot`` about every second."""

    def produce() -> str:
        return LivePublic.from_snapshot(live.snapshot()).model_dump_json()

    return StreamingResponse(
        sse_events(produce, streams, STREAM_INTERVAL_S),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
