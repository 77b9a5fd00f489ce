"""The virtual factory as a Modbus TCP server (pymodbus, pinned; used only in this module).

Unit id 1, holding registers; machine *k* owns registers ``100*k .. 100*k+99`` (the layout
is in :mod:`.address_map`). Registers are encoded with our own codec
(:func:`~smartfactory.connectors.modbus.codec.encode_value`, big-endian words), the inverse
of what the Modbus connector decodes. Holding registers accept writes, but every tick
overwrites them with the simulation's values.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import Sequence

from pymodbus.server import ModbusTcpServer
from pymodbus.simulator import DataType, SimData, SimDevice

from smartfactory.connectors.modbus.codec import RegisterType, encode_value
from smartfactory.errors import ConnectorUnavailableError
from smartfactory.sim.servers.address_map import (
    MODBUS_STRIDE,
    MODBUS_UNIT,
    AddressMap,
    PointKind,
    order_number,
)
from smartfactory.sim.servers.values import MachineValues

__all__ = ["ModbusFactoryServer", "machine_registers"]

_WRITE_REGISTERS = 16  # function code of "write multiple registers"
_MAX_U32 = 0xFFFFFFFF


def machine_registers(amap: AddressMap, values: MachineValues) -> tuple[int, list[int]]:
    """(first address, registers) of one machine's block, encoded."""
    m = amap.machine(values.machine)
    number: dict[PointKind, float | int] = {
        PointKind.STATE: int(values.state),
        PointKind.PRODUCT_INDEX: amap.product_index(values.product),
        PointKind.GOOD: min(values.good, _MAX_U32),
        PointKind.SCRAP: min(values.scrap, _MAX_U32),
        PointKind.ORDER_NUMBER: order_number(values.order),
        PointKind.CLOCK: float(values.timestamp_ms),
    }
    points = m.modbus_points()
    base = points[0][1]
    end = max(addr + (4 if t is RegisterType.FLOAT64 else 2) for _, addr, t in points)
    regs = [0] * (end - base)
    for p, addr, t in points:
        if p.kind is PointKind.SENSOR:
            v = values.sensors.get(p.name, math.nan)
            raw = encode_value(v if math.isfinite(v) else math.nan, t)
        else:
            raw = encode_value(number[p.kind], t)
        regs[addr - base : addr - base + len(raw)] = raw
    return base, regs


class ModbusFactoryServer:
    """Serves the plant's register map on ``host:port`` (0: a free port)."""

    def __init__(
        self, amap: AddressMap, host: str = "127.0.0.1", port: int = 5020, timeout_s: float = 5.0
    ) -> None:
        self.amap = amap
        self.host = host
        self._port = port
        self.timeout_s = timeout_s
        self._server: ModbusTcpServer | None = None

    @property
    def endpoint(self) -> str:
        """``modbus://host:port``."""
        return f"modbus://{self.host}:{self._port}"

    @property
    def port(self) -> int:
        """The bound port."""
        return self._port

    async def start(self) -> None:
        """Bind and serve in the background of the running loop."""
        size = MODBUS_STRIDE * max(1, len(self.amap.machines))
        regs = [SimData(0, count=size, values=0, datatype=DataType.REGISTERS)]
        bits = [SimData(0, count=1, values=False, datatype=DataType.BITS)]
        bits2 = [SimData(0, count=1, values=False, datatype=DataType.BITS)]
        inputs = [SimData(0, count=1, values=0, datatype=DataType.REGISTERS)]
        device = SimDevice(id=MODBUS_UNIT, simdata=(bits, bits2, regs, inputs))
        server = ModbusTcpServer([device], address=(self.host, self._port))
        try:
            async with asyncio.timeout(self.timeout_s):
                await server.serve_forever(background=True)
        except (OSError, TimeoutError) as err:
            with contextlib.suppress(Exception):
                await server.shutdown()  # type: ignore[no-untyped-call]
            raise ConnectorUnavailableError(
                f"modbus server cannot listen on {self.host}:{self._port}: {err}"
            ) from err
        self._server = server
        transport = server.transport
        sockets = getattr(transport, "sockets", None)
        if sockets:
            self._port = int(sockets[0].getsockname()[1])

    async def publish(self, values: Sequence[MachineValues]) -> None:
        """Write every machine's block."""
        server = self._server
        if server is None:
            raise ConnectorUnavailableError("modbus server is not running")
        async with asyncio.timeout(self.timeout_s):
            for v in values:
                base, regs = machine_registers(self.amap, v)
                error = await server.context.async_setValues(
                    MODBUS_UNIT, _WRITE_REGISTERS, base, regs
                )
                if error:
                    raise ConnectorUnavailableError(f"modbus server refused block {base}: {error}")

    async def stop(self) -> None:
        """Stop serving and close every connection."""
        server, self._server = self._server, None
        if server is not None:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.timeout_s):
                    await server.shutdown()  # type: ignore[no-untyped-call]
