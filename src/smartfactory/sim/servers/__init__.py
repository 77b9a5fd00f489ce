"""The virtual factory over real protocols: the simulator's machines as OPC UA, Modbus, MQTT.

:mod:`.address_map` derives every node id, register and topic from the plant;
:mod:`.values` reads each machine's values from the running simulation; one module per
protocol (:mod:`.opcua`, :mod:`.modbus`, :mod:`.mqtt`) implements
:class:`~.base.FactoryServer`; :class:`~.base.ServerThread` runs one beside the simulator.
:func:`make_server` builds the server of a protocol.
"""

from __future__ import annotations

from smartfactory.sim.servers.address_map import AddressMap, MachineMap, Point, PointKind, Protocol
from smartfactory.sim.servers.base import FactoryServer, ServerThread
from smartfactory.sim.servers.factory import make_server
from smartfactory.sim.servers.values import MachineValues, PlantReader

__all__ = [
    "AddressMap",
    "FactoryServer",
    "MachineMap",
    "MachineValues",
    "PlantReader",
    "Point",
    "PointKind",
    "Protocol",
    "ServerThread",
    "make_server",
]
