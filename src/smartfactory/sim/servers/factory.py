"""Building the server of a protocol (imports each protocol's library only when used)."""

from __future__ import annotations

from smartfactory.sim.servers.address_map import AddressMap, Protocol
from smartfactory.sim.servers.base import FactoryServer

__all__ = ["DEFAULT_PORTS", "make_server"]

DEFAULT_PORTS = {Protocol.OPCUA: 4840, Protocol.MODBUS: 5020, Protocol.MQTT: 1883}


def make_server(
    protocol: Protocol,
    amap: AddressMap,
    host: str = "127.0.0.1",
    port: int | None = None,
    *,
    root: str | None = None,
) -> FactoryServer:
    """The server of ``protocol`` for ``amap`` on ``host:port`` (MQTT: the broker's address).

    ``port`` None is the protocol's usual port (Modbus 5020: 502 needs privileges); 0 picks a
    free one (not for MQTT, whose port is the broker's).
    """
    port = DEFAULT_PORTS[protocol] if port is None else port
    if protocol is Protocol.MQTT:
        from smartfactory.sim.servers.mqtt import MqttFactoryServer  # noqa: PLC0415 - lazy

        return MqttFactoryServer(amap, host, port, root=root)
    if protocol is Protocol.MODBUS:
        from smartfactory.sim.servers.modbus import ModbusFactoryServer  # noqa: PLC0415 - lazy

        return ModbusFactoryServer(amap, host, port)
    from smartfactory.sim.servers.opcua import OpcUaFactoryServer  # noqa: PLC0415 - asyncua loads slowly

    return OpcUaFactoryServer(amap, host, port)
