"""A real pymodbus TCP server in the test's event loop, on 127.0.0.1 and a free port."""

from __future__ import annotations

import asyncio
from typing import ClassVar

from pymodbus.server import ModbusTcpServer
from pymodbus.simulator import DataType, SimData, SimDevice

SIZE = 3000


def _device(unit_id: int) -> SimDevice:
    bits = [SimData(0, count=SIZE, values=False, datatype=DataType.BITS)]
    dis = [SimData(0, count=SIZE, values=False, datatype=DataType.BITS)]
    regs = [SimData(0, count=SIZE, values=0, datatype=DataType.REGISTERS)]
    inputs = [SimData(0, count=SIZE, values=0, datatype=DataType.REGISTERS)]
    return SimDevice(id=unit_id, simdata=(bits, dis, regs, inputs))


class ModbusTestServer:
    """Start, stop and restart (on the same port) a pymodbus server; set its values."""

    FC: ClassVar[dict[str, int]] = {"coil": 5, "discrete": 2, "holding": 16, "input": 4}

    def __init__(self, unit_ids: tuple[int, ...] = (1,)) -> None:
        self.unit_ids = unit_ids
        self.port = 0
        self.server: ModbusTcpServer | None = None
        self.memory: dict[tuple[int, str, int], list[int] | list[bool]] = {}

    async def start(self) -> int:
        devices = [_device(u) for u in self.unit_ids]
        server = ModbusTcpServer(devices, address=("127.0.0.1", self.port))
        await asyncio.wait_for(server.serve_forever(background=True), 5)
        self.server = server
        self.port = server.transport.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        for (unit, table, address), values in self.memory.items():
            await self._set(unit, table, address, values)
        return self.port

    async def stop(self) -> None:
        server, self.server = self.server, None
        if server is not None:
            await asyncio.wait_for(server.shutdown(), 5)

    async def set(self, table: str, address: int, values: list[int] | list[bool], unit=1) -> None:
        """Set values on the server (kept, so a restarted server has them again)."""
        self.memory[(unit, table, address)] = values
        await self._set(unit, table, address, values)

    async def _set(self, unit: int, table: str, address: int, values) -> None:
        assert self.server is not None
        error = await self.server.context.async_setValues(unit, self.FC[table], address, values)
        assert error is None, error
