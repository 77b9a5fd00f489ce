"""Our adapter over pymodbus (pinned exactly): the only module that imports it.

It opens an ``AsyncModbusTcpClient`` with pymodbus' own reconnection switched off (the poller
owns reconnection and back-off), puts every call under ``asyncio.timeout`` and translates
pymodbus' outcomes: a Modbus exception response becomes :class:`DeviceRefusedError` (a
per-request failure: its tags read bad), anything that breaks the connection becomes
:class:`~smartfactory.connectors.errors.ConnectorUnavailableError`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

from pymodbus.client import AsyncModbusTcpClient
from pymodbus.exceptions import ModbusException
from pymodbus.pdu import ModbusPDU

from smartfactory.connectors.errors import (
    ConnectorError,
    ConnectorTimeoutError,
    ConnectorUnavailableError,
)
from smartfactory.connectors.modbus.config import Table

__all__ = ["DeviceRefusedError", "ModbusClient"]

EXCEPTION_NAMES = {
    1: "illegal function",
    2: "illegal data address",
    3: "illegal data value",
    4: "server device failure",
    6: "server device busy",
    10: "gateway path unavailable",
    11: "gateway target device failed to respond",
}


class DeviceRefusedError(ConnectorError):
    """The device answered a request with a Modbus exception code."""

    def __init__(self, code: int, what: str) -> None:
        self.code = code
        name = EXCEPTION_NAMES.get(code, "unknown exception")
        super().__init__(f"{what}: Modbus exception {code} ({name})")


class ModbusClient:
    """One TCP connection to a Modbus server, every call bounded by ``timeout_s``."""

    def __init__(self, host: str, port: int, timeout_s: float) -> None:
        self.host = host
        self.port = port
        self.timeout_s = timeout_s
        self._client: AsyncModbusTcpClient | None = None

    @property
    def peer(self) -> str:
        """host:port, for messages."""
        return f"{self.host}:{self.port}"

    async def connect(self) -> None:
        """Open the connection; ConnectorUnavailableError when the server cannot be reached."""
        await self.close()
        client = AsyncModbusTcpClient(
            self.host, port=self.port, timeout=self.timeout_s, retries=0, reconnect_delay=0
        )
        try:
            async with asyncio.timeout(self.timeout_s):
                ok = await client.connect()
        except TimeoutError as err:
            client.close()
            raise ConnectorTimeoutError(f"modbus {self.peer}: connect timed out") from err
        if not ok:
            client.close()
            raise ConnectorUnavailableError(f"modbus {self.peer}: cannot connect")
        self._client = client

    async def close(self) -> None:
        """Close the connection (no-op when closed)."""
        client, self._client = self._client, None
        if client is not None:
            client.close()

    def _live(self) -> AsyncModbusTcpClient:
        client = self._client
        if client is None or not client.connected:
            raise ConnectorUnavailableError(f"modbus {self.peer}: not connected")
        return client

    async def _call(self, what: str, call: Awaitable[ModbusPDU]) -> ModbusPDU:
        try:
            async with asyncio.timeout(self.timeout_s):
                response = await call
        except TimeoutError as err:
            await self.close()
            raise ConnectorTimeoutError(f"modbus {self.peer}: {what} timed out") from err
        except ModbusException as err:
            await self.close()
            raise ConnectorUnavailableError(f"modbus {self.peer}: {what}: {err}") from err
        if response.isError():
            raise DeviceRefusedError(response.exception_code, what)
        return response

    async def read(self, table: Table, unit_id: int, start: int, count: int) -> list[int]:
        """``count`` registers (or bits, as 0/1) of ``table`` from ``start``."""
        client = self._live()
        what = f"read {table} {start}+{count} unit {unit_id}"
        function = {
            Table.HOLDING: client.read_holding_registers,
            Table.INPUT: client.read_input_registers,
            Table.COIL: client.read_coils,
            Table.DISCRETE: client.read_discrete_inputs,
        }[table]
        response = await self._call(what, function(start, count=count, device_id=unit_id))
        values = [int(b) for b in response.bits[:count]] if table.is_bits else response.registers
        if len(values) != count:
            raise DeviceRefusedError(3, f"{what}: got {len(values)} values")
        return [int(v) for v in values]

    async def write_registers(self, unit_id: int, address: int, values: list[int]) -> None:
        """Write holding registers from ``address`` (function code 16)."""
        client = self._live()
        what = f"write holding {address}+{len(values)} unit {unit_id}"
        await self._call(what, client.write_registers(address, values, device_id=unit_id))

    async def write_coil(self, unit_id: int, address: int, value: bool) -> None:
        """Write one coil (function code 5)."""
        client = self._live()
        what = f"write coil {address} unit {unit_id}"
        await self._call(what, client.write_coil(address, value, device_id=unit_id))
