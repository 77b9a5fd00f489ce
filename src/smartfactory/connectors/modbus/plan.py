"""Read planning: merge the requested tags into as few Modbus requests as the protocol allows.

Tags are grouped by unit id and table and sorted by address; a request grows while the next
tag starts within ``max_gap`` addresses of its end and the whole span stays within the
protocol's limit (125 registers, 2000 bits). Overlapping tags share a request.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from smartfactory.connectors.modbus.config import ModbusTag, Table

__all__ = ["ReadRequest", "plan_reads"]


@dataclass(frozen=True, slots=True)
class ReadRequest:
    """One Modbus read: ``count`` addresses from ``start`` of a table, and the tags it serves."""

    unit_id: int
    table: Table
    start: int
    count: int
    tags: tuple[ModbusTag, ...]


def plan_reads(
    tags: Iterable[ModbusTag],
    unit_id: int,
    *,
    max_registers: int = 125,
    max_bits: int = 2000,
    max_gap: int = 0,
) -> list[ReadRequest]:
    """The fewest requests (greedy, by address) that read every tag once."""
    groups: dict[tuple[int, Table], list[ModbusTag]] = defaultdict(list)
    for tag in tags:
        groups[(tag.unit_id if tag.unit_id is not None else unit_id, tag.table)].append(tag)
    requests: list[ReadRequest] = []
    for (unit, table), members in sorted(groups.items()):
        limit = max_bits if table.is_bits else max_registers
        members.sort(key=lambda t: (t.address, t.width))
        start, end = members[0].address, members[0].address + members[0].width
        current: list[ModbusTag] = []
        for tag in members:
            tag_end = tag.address + tag.width
            if current and (tag.address > end + max_gap or max(end, tag_end) - start > limit):
                requests.append(ReadRequest(unit, table, start, end - start, tuple(current)))
                start, end, current = tag.address, tag_end, []
            current.append(tag)
            end = max(end, tag_end)
        requests.append(ReadRequest(unit, table, start, end - start, tuple(current)))
    return requests
