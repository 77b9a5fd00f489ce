"""The virtual factory's address map: what each simulated machine exposes, and where.

The map is built from the plant alone (:meth:`AddressMap.from_plant`), so the server and the
connector that reads it agree without talking: the same plant file always gives the same
node ids, registers and topics. Each machine exposes

- its **sensor signals** (the plant file's ``signals``, in file order; a signal without a
  sensor model in ``behaviour.sensors`` reads NaN / is not published);
- ``state``: the :class:`~smartfactory.domain.states.MachineState` code;
- ``good_count`` / ``scrap_count``: monotonic unit counters since the server started
  (they only grow; a restart of the server starts them again from the simulator's totals);
- ``order`` / ``product`` / ``reason``: the current order, product and stop reason as text
  (OPC UA strings, MQTT JSON strings). Modbus carries numbers only: ``product_index`` (1-based
  position in the plant's ``products``, 0 = none) and ``order_number`` (the first run of digits
  of the order id, 0 = none), and ``clock_ms``, the simulated time of the block in epoch
  milliseconds (Modbus values carry no timestamp of their own).

Addresses per protocol:

- **OPC UA**: namespace ``urn:smartfactory:sim:<enterprise>:<site>`` (index 2: the first
  namespace the server registers), string node ids along the ISA-95 path
  ``ns=2;s=<enterprise>.<site>.<area>.<line>.<machine>.<point>``, in folders of the same path.
- **Modbus TCP**: unit id 1, holding registers, big-endian words; machine *k* (0-based, plant
  file order) owns the block ``100*k .. 100*k+99`` (:data:`MODBUS_STRIDE`): ``+0`` state
  (uint16), ``+1`` product_index (uint16), ``+2`` good_count (uint32), ``+4`` scrap_count
  (uint32), ``+6`` order_number (uint32), ``+8`` clock_ms (float64), ``+12`` onwards one
  float32 per sensor signal (2 registers each).
- **MQTT**: ``<root>/<site>/<area>/<line>/<machine>/<point>`` with ``{"timestamp_ms": ...,
  "value": ...}`` (``root`` is the enterprise id unless given), exactly as the UNS connector
  reads them.

Tags are ``<machine>/<point>`` for every protocol, so one ingest reads any of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from smartfactory.connectors.modbus.codec import RegisterType
from smartfactory.domain.assets import Plant
from smartfactory.errors import SimulationError
from smartfactory.store.base import SignalKey

__all__ = [
    "MODBUS_STRIDE",
    "MODBUS_UNIT",
    "OPCUA_NAMESPACE_INDEX",
    "STATUS_POINTS",
    "AddressMap",
    "MachineMap",
    "Point",
    "PointKind",
    "Protocol",
    "order_number",
]

MODBUS_STRIDE = 100
MODBUS_UNIT = 1
MODBUS_SENSOR_BASE = 12
OPCUA_NAMESPACE_INDEX = 2
TIMESTAMP_TOLERANCE_S = 10 * 366 * 86400.0  # simulated time runs ahead of the wall clock


class Protocol(StrEnum):
    """The protocols the virtual factory speaks."""

    OPCUA = "opcua"
    MODBUS = "modbus"
    MQTT = "mqtt"


class PointKind(StrEnum):
    """What a point carries."""

    SENSOR = "sensor"
    STATE = "state"
    GOOD = "good_count"
    SCRAP = "scrap_count"
    ORDER = "order"
    PRODUCT = "product"
    REASON = "reason"
    PRODUCT_INDEX = "product_index"
    ORDER_NUMBER = "order_number"
    CLOCK = "clock_ms"


STATUS_POINTS = frozenset(k.value for k in PointKind if k is not PointKind.SENSOR)
_TEXT = (PointKind.ORDER, PointKind.PRODUCT, PointKind.REASON)
_MODBUS_STATUS: tuple[tuple[PointKind, int, RegisterType], ...] = (
    (PointKind.STATE, 0, RegisterType.UINT16),
    (PointKind.PRODUCT_INDEX, 1, RegisterType.UINT16),
    (PointKind.GOOD, 2, RegisterType.UINT32),
    (PointKind.SCRAP, 4, RegisterType.UINT32),
    (PointKind.ORDER_NUMBER, 6, RegisterType.UINT32),
    (PointKind.CLOCK, 8, RegisterType.FLOAT64),
)
_DIGITS = re.compile(r"\d+")


def order_number(order: str) -> int:
    """The first run of digits of an order id (``SO-000042-P1`` -> 42); 0 when none."""
    found = _DIGITS.search(order)
    return min(int(found.group()), 0xFFFFFFFF) if found else 0


@dataclass(frozen=True, slots=True)
class Point:
    """One value a machine exposes: its name (the tag's second part), kind and unit."""

    name: str
    kind: PointKind
    unit: str = ""


@dataclass(frozen=True, slots=True)
class MachineMap:
    """One machine's points and where they are."""

    index: int
    machine: str
    path: tuple[str, str, str, str]  # enterprise, site, area, line
    sensors: tuple[Point, ...]

    def points(self, protocol: Protocol) -> tuple[Point, ...]:
        """The points this protocol carries, status first."""
        if protocol is Protocol.MODBUS:
            status = tuple(Point(k.value, k) for k, _, _ in _MODBUS_STATUS)
        else:
            kinds = (PointKind.STATE, PointKind.GOOD, PointKind.SCRAP, *_TEXT)
            status = tuple(Point(k.value, k) for k in kinds)
        return status + self.sensors

    def tag(self, point: str) -> str:
        """The tag of a point, ``<machine>/<point>``."""
        return f"{self.machine}/{point}"

    def node_id(self, point: str) -> str:
        """The OPC UA node id of a point."""
        return f"ns={OPCUA_NAMESPACE_INDEX};s={'.'.join((*self.path, self.machine, point))}"

    def modbus_points(self) -> list[tuple[Point, int, RegisterType]]:
        """(point, holding register address, type) of every Modbus point."""
        base = MODBUS_STRIDE * self.index
        out = [(Point(k.value, k), base + off, t) for k, off, t in _MODBUS_STATUS]
        for i, p in enumerate(self.sensors):
            out.append((p, base + MODBUS_SENSOR_BASE + 2 * i, RegisterType.FLOAT32))
        return out

    def topic(self, root: str, point: str) -> str:
        """The MQTT topic of a point."""
        return "/".join((root, *self.path[1:], self.machine, point))


@dataclass(frozen=True, slots=True)
class AddressMap:
    """Every machine of a plant with its points (see the module docstring for the layout)."""

    machines: tuple[MachineMap, ...]
    products: tuple[str, ...]
    namespace: str

    @classmethod
    def from_plant(cls, plant: Plant) -> AddressMap:
        """The map of ``plant``; SimulationError when a signal name clashes with a status."""
        out: list[MachineMap] = []
        for area, line in plant.lines():
            for m in line.machines:
                clash = sorted(s.name for s in m.signals if s.name in STATUS_POINTS)
                if clash:
                    raise SimulationError(
                        f"machine {m.id!r}: signal name(s) {clash} are reserved for status "
                        f"points {sorted(STATUS_POINTS)}"
                    )
                if MODBUS_SENSOR_BASE + 2 * len(m.signals) > MODBUS_STRIDE:
                    raise SimulationError(
                        f"machine {m.id!r}: too many signals for a Modbus block of "
                        f"{MODBUS_STRIDE} registers"
                    )
                sensors = tuple(Point(s.name, PointKind.SENSOR, s.unit) for s in m.signals)
                path = (plant.enterprise.id, plant.site.id, area.id, line.id)
                out.append(MachineMap(len(out), m.id, path, sensors))
        namespace = f"urn:smartfactory:sim:{plant.enterprise.id}:{plant.site.id}"
        return cls(tuple(out), tuple(p.id for p in plant.products), namespace)

    def machine(self, machine_id: str) -> MachineMap:
        """The map of one machine; KeyError if none."""
        for m in self.machines:
            if m.machine == machine_id:
                return m
        raise KeyError(machine_id)

    def product_index(self, product: str) -> int:
        """1-based index of ``product`` in the plant's products; 0 when none or unknown."""
        return self.products.index(product) + 1 if product in self.products else 0

    def product_of(self, index: int) -> str:
        """The product id of a 1-based index; '' when out of range."""
        return self.products[index - 1] if 1 <= index <= len(self.products) else ""

    def lines(self) -> list[str]:
        """The distinct ``enterprise/site/area/line`` paths, in plant order."""
        return list(dict.fromkeys("/".join(m.path) for m in self.machines))

    def keys(self, protocol: Protocol) -> dict[str, SignalKey]:
        """Store signal keys of every numeric point (text points are not stored as samples)."""
        out: dict[str, SignalKey] = {}
        for m in self.machines:
            for p in m.points(protocol):
                out[m.tag(p.name)] = SignalKey(m.machine, p.name, p.unit)
        return out

    # -- connector configs --------------------------------------------------------------------
    def connector_configs(
        self, protocol: Protocol, host: str, port: int, *, root: str | None = None
    ) -> list[tuple[str, dict[str, Any]]]:
        """(kind, config) of the connectors that read this map from a server at host:port.

        One connector for OPC UA and Modbus; one MQTT connector per line (a UNS connector
        follows one ``enterprise/site/area/line`` subtree).
        """
        if protocol is Protocol.OPCUA:
            tags = [
                {"name": m.tag(p.name), "node_id": m.node_id(p.name)}
                for m in self.machines
                for p in m.points(protocol)
            ]
            url = f"opc.tcp://{host}:{port}/smartfactory/"
            cfg: dict[str, Any] = {
                "url": url,
                "tags": tags,
                "mode": "subscribe",
                "publishing_interval_ms": 250,
                "sampling_interval_ms": 100,
                "queue_size": 1000,
            }
            return [("opcua", cfg)]
        if protocol is Protocol.MODBUS:
            mtags = [
                {"name": m.tag(p.name), "address": addr, "data_type": t.value}
                for m in self.machines
                for p, addr, t in m.modbus_points()
            ]
            cfg = {
                "host": host,
                "port": port,
                "unit_id": MODBUS_UNIT,
                "tags": mtags,
                "max_gap": MODBUS_STRIDE,
            }
            return [("modbus", cfg)]
        out: list[tuple[str, dict[str, Any]]] = []
        for line in self.lines():
            parts = line.split("/")
            path = "/".join([root or parts[0], *parts[1:]])
            cfg = {
                "host": host,
                "port": port,
                "path": path,
                "timestamp_tolerance_s": TIMESTAMP_TOLERANCE_S,
            }
            out.append(("mqtt", cfg))
        return out

    # -- printing -------------------------------------------------------------------------------
    def rows(self, protocol: Protocol, *, root: str | None = None) -> list[tuple[str, str, str]]:
        """(tag, address, type) of every point, for printing."""
        out: list[tuple[str, str, str]] = []
        for m in self.machines:
            if protocol is Protocol.MODBUS:
                for p, addr, t in m.modbus_points():
                    address = f"unit {MODBUS_UNIT} holding {addr}"
                    out.append((m.tag(p.name), address, t.value))
                continue
            for p in m.points(protocol):
                kind = "float" if p.kind is PointKind.SENSOR else _type_name(p.kind)
                if protocol is Protocol.OPCUA:
                    out.append((m.tag(p.name), m.node_id(p.name), kind))
                else:
                    out.append((m.tag(p.name), m.topic(root or m.path[0], p.name), kind))
        return out


def _type_name(kind: PointKind) -> str:
    if kind in _TEXT:
        return "string"
    return "uint16" if kind is PointKind.STATE else "uint32"
