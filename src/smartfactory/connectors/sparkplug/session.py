"""The host side of Sparkplug B: topics, births, aliases, sequence numbers, deaths, rebirths.

:class:`SparkplugHost` follows the edge nodes of one MQTT subscription. For each message it
returns an :class:`Outcome`: the samples (tag ``edge/metric`` or ``edge/device/metric``,
timestamped with the metric's timestamp, else the payload's, else ``now``), what was
rejected and why, and whether to ask that edge node for a rebirth. The rules (Sparkplug 3.0):

- NBIRTH resets the node: its metric names and aliases (and its devices') are learned anew,
  its sequence starts at the birth's ``seq``; DBIRTH adds a device's names and aliases.
- NDATA/DDATA metrics may carry only an alias, resolved through the births. Data from a node
  whose birth was not seen, an alias no birth declared, or a sequence number other than the
  previous one plus 1 (mod 256) asks for a rebirth (``Node Control/Rebirth`` on NCMD).
- NDEATH takes the node and its devices offline, DDEATH one device.

Null metrics and DataSet/Template values give no sample; they are counted as rejected.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from smartfactory.connectors.base import Sample
from smartfactory.connectors.mqtt.uns import PayloadRejectedError
from smartfactory.connectors.quarantine import Reason
from smartfactory.connectors.sparkplug.payload import (
    DataType,
    Metric,
    Payload,
    decode_payload,
    encode_payload,
)

__all__ = ["MessageType", "Outcome", "SparkplugHost", "Topic", "parse_topic", "rebirth_request"]

NAMESPACE = "spBv1.0"
REBIRTH_METRIC = "Node Control/Rebirth"


class MessageType(StrEnum):
    """The Sparkplug B message types."""

    NBIRTH = "NBIRTH"
    NDEATH = "NDEATH"
    DBIRTH = "DBIRTH"
    DDEATH = "DDEATH"
    NDATA = "NDATA"
    DDATA = "DDATA"
    NCMD = "NCMD"
    DCMD = "DCMD"


@dataclass(frozen=True, slots=True)
class Topic:
    """``spBv1.0/<group>/<type>/<edge node>[/<device>]``."""

    group: str
    message_type: MessageType
    edge_node: str
    device: str | None = None


def parse_topic(topic: str) -> Topic:
    """The parts of a Sparkplug B topic; PayloadRejectedError (MALFORMED) when it is not one."""
    parts = topic.split("/")
    if len(parts) not in (4, 5) or parts[0] != NAMESPACE or not all(parts):
        raise PayloadRejectedError(Reason.MALFORMED, f"not a Sparkplug B topic: {topic!r}")
    try:
        kind = MessageType(parts[2])
    except ValueError as err:
        raise PayloadRejectedError(Reason.MALFORMED, f"unknown message type {parts[2]!r}") from err
    device = parts[4] if len(parts) == 5 else None
    if (device is None) != kind.startswith("N"):
        raise PayloadRejectedError(Reason.MALFORMED, f"{kind} and device do not match: {topic!r}")
    return Topic(parts[1], kind, parts[3], device)


def rebirth_request(group: str, edge_node: str, now_ms: int) -> tuple[str, bytes]:
    """The (topic, payload) that asks an edge node to publish its births again."""
    metric = Metric(REBIRTH_METRIC, datatype=DataType.BOOLEAN, value=True)
    payload = encode_payload(Payload(timestamp=now_ms, metrics=[metric]))
    return f"{NAMESPACE}/{group}/NCMD/{edge_node}", payload


@dataclass
class Outcome:
    """What one message gave: samples, rejections (reason, detail), and a rebirth to ask."""

    samples: list[Sample] = field(default_factory=list)
    rejected: list[tuple[Reason, str]] = field(default_factory=list)
    rebirth: bool = False


@dataclass
class _Node:
    online: bool = False
    seq: int | None = None
    names: dict[tuple[str | None, int], str] = field(default_factory=dict)
    devices: set[str] = field(default_factory=set)


def _ts(ms: int | None, now: datetime) -> datetime:
    return now if ms is None else datetime.fromtimestamp(ms / 1000, UTC)


class SparkplugHost:
    """The state of every edge node seen; feed it messages with :meth:`handle`."""

    def __init__(self, max_payload_bytes: int = 1 << 20) -> None:
        self.max_payload_bytes = max_payload_bytes
        self.nodes: dict[tuple[str, str], _Node] = {}

    def online(self, group: str, edge_node: str, device: str | None = None) -> bool:
        """Whether the node (or its device) is born and not dead."""
        node = self.nodes.get((group, edge_node))
        if node is None or not node.online:
            return False
        return device is None or device in node.devices

    def handle(self, topic: str, data: bytes, now: datetime) -> Outcome:
        """Apply one message; PayloadRejectedError when its topic or payload is malformed."""
        t = parse_topic(topic)
        out = Outcome()
        if t.message_type in (MessageType.NCMD, MessageType.DCMD):
            return out  # commands are for the edge, not data
        payload = decode_payload(data, self.max_payload_bytes)
        node = self.nodes.setdefault((t.group, t.edge_node), _Node())
        kind = t.message_type
        if kind is MessageType.NDEATH:
            node.online, node.seq = False, None
            node.devices.clear()
            return out
        if kind is MessageType.NBIRTH:
            self.nodes[(t.group, t.edge_node)] = node = _Node(online=True, seq=payload.seq)
        else:
            out.rebirth = not node.online or not self._in_sequence(node, payload.seq)
        if kind is MessageType.DDEATH and t.device is not None:
            node.devices.discard(t.device)
            return out
        if kind is MessageType.DBIRTH and t.device is not None:
            node.devices.add(t.device)
            node.names = {k: v for k, v in node.names.items() if k[0] != t.device}
        birth = kind in (MessageType.NBIRTH, MessageType.DBIRTH)
        prefix = f"{t.edge_node}/{t.device}" if t.device else t.edge_node
        for m in payload.metrics:
            ts = _ts(payload.timestamp, now)
            self._metric(node, t.device, m, birth=birth, prefix=prefix, ts=ts, out=out)
        return out

    @staticmethod
    def _in_sequence(node: _Node, seq: int | None) -> bool:
        expected = None if node.seq is None else (node.seq + 1) % 256
        node.seq = seq
        return seq is None or expected is None or seq == expected

    @staticmethod
    def _metric(
        node: _Node, device: str | None, m: Metric, *, birth: bool, prefix: str, ts: datetime,
        out: Outcome,
    ) -> None:  # fmt: skip
        name = m.name
        if birth and name is not None and m.alias is not None:
            node.names[(device, m.alias)] = name
        if name is None and m.alias is not None:
            name = node.names.get((device, m.alias))
            if name is None:
                out.rejected.append((Reason.UNKNOWN_SIGNAL, f"{prefix}: alias {m.alias}"))
                out.rebirth = True
                return
        if name is None:
            out.rejected.append((Reason.MALFORMED, f"{prefix}: metric without name or alias"))
            return
        tag = f"{prefix}/{name}"
        value = m.value
        if m.is_null or value is None or isinstance(value, bytes):
            why = "null" if m.is_null or value is None else "bytes value"
            out.rejected.append((Reason.WRONG_TYPE, f"{tag}: {why} ({m.datatype.name})"))
            return
        if isinstance(value, float) and not math.isfinite(value):
            out.rejected.append((Reason.NOT_FINITE, f"{tag}: {value}"))
            return
        out.samples.append(Sample(tag, _ts(m.timestamp, ts) if m.timestamp is not None else ts,
                                  value))  # fmt: skip
