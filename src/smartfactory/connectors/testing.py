"""The public contract suite every connector passes: :func:`check_connector`.

Like river's ``check_estimator``, one body of checks runs against every registered
connector, against a real peer the caller provides (see ``tests/connectors/test_contract.py``).
It checks the manifest, the config model, the life cycle (close before connect, close twice,
reconnect after close), ``read`` (order kept, one sample per tag, UTC timestamps, bad tag →
bad sample with an error and no exception), ``browse`` and, where promised, ``write``.
A violation raises :class:`ContractError` saying which rule broke.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from smartfactory.connectors.base import (
    Capability,
    Connector,
    Quality,
    Sample,
    TagInfo,
    Value,
    Writable,
)
from smartfactory.connectors.registry import validate_connector_class

__all__ = ["ConnectorCase", "ContractError", "check_connector"]


class ContractError(AssertionError):
    """A connector broke a rule of the contract; the message names the rule."""


@dataclass(frozen=True)
class ConnectorCase:
    """A connector (built, not connected) and the tags to exercise it with.

    ``prepare`` runs after each connect (a push peer publishes its values there);
    ``write`` names a tag and a value the connector can write and read back.
    """

    connector: Connector
    good_tags: Sequence[str]
    bad_tag: str
    write: tuple[str, Value] | None = None
    prepare: Callable[[], Awaitable[None]] | None = None


def _check(ok: bool, rule: str) -> None:
    if not ok:
        raise ContractError(rule)


async def _good_read(case: ConnectorCase, deadline_s: float) -> list[Sample]:
    """Read the good tags until all are good (push peers need a moment) or the deadline."""
    loop = asyncio.get_running_loop()
    end = loop.time() + deadline_s
    while True:
        samples = await case.connector.read(case.good_tags)
        if all(s.ok for s in samples) or loop.time() >= end:
            return samples
        await asyncio.sleep(0.05)


def _check_samples(samples: Sequence[Sample], tags: Sequence[str], where: str) -> None:
    _check(len(samples) == len(tags), f"{where}: read must return one sample per tag")
    _check([s.tag for s in samples] == list(tags), f"{where}: samples must keep the tag order")
    for s in samples:
        _check(isinstance(s, Sample), f"{where}: read must return Sample objects")
        offset = s.ts.utcoffset()
        _check(offset == timedelta(0), f"{where}: {s.tag} timestamp must be timezone-aware UTC")
        if s.quality is Quality.BAD:
            _check(bool(s.error), f"{where}: a bad sample of {s.tag} must say why (error)")


async def _lifecycle(case: ConnectorCase, timeout_s: float) -> None:
    conn = case.connector
    async with asyncio.timeout(timeout_s):
        await conn.close()  # close before connect is safe
        await conn.connect()
        if case.prepare is not None:
            await case.prepare()
        _check(await conn.read([]) == [], "read([]) must return []")
        good = await _good_read(case, timeout_s / 2)
        _check_samples(good, case.good_tags, "good tags")
        bad_ones = [s.tag for s in good if not s.ok]
        _check(not bad_ones, f"good tags must read with good quality: {bad_ones} did not")
        bad = await conn.read([case.bad_tag])
        _check_samples(bad, [case.bad_tag], "bad tag")
        _check(bad[0].quality is Quality.BAD, "a bad tag must give a BAD sample, not an exception")
        _check(bad[0].value is None, "a BAD sample must carry no value")
        mixed_tags = [case.good_tags[0], case.bad_tag, *case.good_tags[1:]]
        mixed = await conn.read(mixed_tags)
        _check_samples(mixed, mixed_tags, "mixed tags")
        _check(
            [s.ok for s in mixed] == [t != case.bad_tag for t in mixed_tags],
            "one bad tag must not spoil the other samples of the same read",
        )
        found = await conn.browse()
        _check(all(isinstance(t, TagInfo) for t in found), "browse must return TagInfo objects")
        names = {t.tag for t in found}
        _check(set(case.good_tags) <= names, "browse must list at least the configured tags")
        await conn.close()
        await conn.close()  # twice is safe
        await conn.connect()  # and a closed connector connects again
        if case.prepare is not None:
            await case.prepare()
        again = await _good_read(case, timeout_s / 2)
        _check(all(s.ok for s in again), "a reconnected connector must read again")


async def _write(case: ConnectorCase, timeout_s: float) -> None:
    conn = case.connector
    _check(isinstance(conn, Writable), "capability WRITE needs an async write(tag, value)")
    _check(case.write is not None, "a connector with capability WRITE needs a write case")
    if not isinstance(conn, Writable) or case.write is None:
        return
    tag, value = case.write
    async with asyncio.timeout(timeout_s):
        await conn.write(tag, value)
        (back,) = await conn.read([tag])
    _check(back.ok, f"the written tag {tag} must read back good")
    if isinstance(value, float) and isinstance(back.value, int | float):
        _check(math.isclose(back.value, value, rel_tol=1e-6), "a written value must read back")
    else:
        _check(back.value == value, f"a written value must read back ({value!r} != {back.value!r})")


async def check_connector(case: ConnectorCase, *, timeout_s: float = 10.0) -> None:
    """Run the contract checks on ``case.connector``; raise ContractError on the first.

    The connector is closed afterwards whatever happened.
    """
    cls = type(case.connector)
    info = validate_connector_class(cls.info.kind, cls).info
    config = getattr(case.connector, "config", None)
    _check(
        isinstance(config, info.config_model),
        "a connector keeps its validated config model in .config",
    )
    if config is None:
        return
    again = info.config_model.model_validate(config.model_dump())
    _check(again == config, "the config model must round-trip through model_dump()")
    _check(len(case.good_tags) >= 1, "a case needs at least one good tag")
    try:
        await _lifecycle(case, timeout_s)
        if Capability.WRITE in info.capabilities:
            await case.connector.connect()
            await _write(case, timeout_s)
    finally:
        async with asyncio.timeout(timeout_s):
            await case.connector.close()
