"""The Modbus TCP connector: a register map read in merged requests, decoded and scaled."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import ClassVar

from smartfactory.connectors.base import (
    Capability,
    Clock,
    ConnectorInfo,
    Sample,
    TagInfo,
    Value,
    utc_now,
)
from smartfactory.connectors.errors import ConnectorError
from smartfactory.connectors.modbus.client import DeviceRefusedError, ModbusClient
from smartfactory.connectors.modbus.codec import (
    DecodeError,
    RegisterType,
    decode_registers,
    encode_value,
)
from smartfactory.connectors.modbus.config import ModbusConfig, ModbusTag, Table
from smartfactory.connectors.modbus.plan import ReadRequest, plan_reads

__all__ = ["ModbusConnector"]

_INTEGERS = {RegisterType.INT16, RegisterType.UINT16, RegisterType.INT32, RegisterType.UINT32}


def engineering_value(tag: ModbusTag, raw: int | float | bool | str) -> Value:
    """``raw * scale + offset`` for numbers (kept an int when the scaling is identity)."""
    if isinstance(raw, bool | str) or (tag.scale == 1 and tag.offset == 0):
        return raw
    return raw * tag.scale + tag.offset


def raw_value(tag: ModbusTag, value: Value) -> int | float | bool | str:
    """The inverse of :func:`engineering_value`: what to put in the registers."""
    if isinstance(value, bool | str) or (tag.scale == 1 and tag.offset == 0):
        return value
    raw = (value - tag.offset) / tag.scale
    return round(raw) if tag.data_type in _INTEGERS else raw


class ModbusConnector:
    """Reads a Modbus TCP server's register map (holding, input, coils, discrete inputs)."""

    info: ClassVar[ConnectorInfo] = ConnectorInfo(
        kind="modbus",
        title="Modbus TCP",
        config_model=ModbusConfig,
        capabilities=frozenset({Capability.READ, Capability.WRITE}),
        description="Register maps with typed, ordered, scaled values; merged requests.",
    )

    def __init__(self, config: ModbusConfig, clock: Clock = utc_now) -> None:
        self.config = config
        self.clock = clock
        self.tags = {t.name: t for t in config.tags}
        self.client = ModbusClient(config.host, config.port, config.timeout_s)
        self._plans: dict[tuple[str, ...], list[ReadRequest]] = {}
        self.requests = 0  # read requests sent, for tests and statistics

    async def connect(self) -> None:
        """Open the TCP connection."""
        await self.client.connect()

    async def close(self) -> None:
        """Close the TCP connection."""
        await self.client.close()

    def plan(self, tags: Sequence[str]) -> list[ReadRequest]:
        """The merged requests that read these (known) tags; cached per tag list."""
        key = tuple(tags)
        plan = self._plans.get(key)
        if plan is None:
            cfg = self.config
            plan = plan_reads(
                (self.tags[t] for t in dict.fromkeys(tags) if t in self.tags),
                cfg.unit_id,
                max_registers=cfg.max_registers,
                max_bits=cfg.max_bits,
                max_gap=cfg.max_gap,
            )
            if len(self._plans) < 256:
                self._plans[key] = plan
        return plan

    async def read(self, tags: Sequence[str]) -> list[Sample]:
        """One sample per tag; device refusals and undecodable values give bad samples."""
        got: dict[str, Sample] = {}
        for request in self.plan(tags):
            self.requests += 1
            try:
                values = await self.client.read(
                    request.table, request.unit_id, request.start, request.count
                )
            except DeviceRefusedError as err:
                now = self.clock()
                got.update({t.name: Sample.bad(t.name, now, str(err)) for t in request.tags})
                continue
            now = self.clock()
            for tag in request.tags:
                got[tag.name] = self._decode(tag, request, values, now)
        now = self.clock()
        return [got.get(t) or Sample.bad(t, now, f"unknown tag {t!r}") for t in tags]

    @staticmethod
    def _decode(tag: ModbusTag, request: ReadRequest, values: list[int], now: datetime) -> Sample:
        at = tag.address - request.start
        chunk = values[at : at + tag.width]
        try:
            raw: int | float | bool | str = (
                bool(chunk[0])
                if tag.table.is_bits
                else decode_registers(chunk, tag.data_type, tag.word_order, tag.byte_order)
            )
        except DecodeError as err:
            return Sample.bad(tag.name, now, str(err))
        return Sample(tag.name, now, engineering_value(tag, raw))

    async def browse(self) -> list[TagInfo]:
        """The configured register map (Modbus has no discovery)."""
        return [
            TagInfo(
                tag=t.name,
                address=f"{t.table}:{t.address}"
                + (f"@{t.unit_id}" if t.unit_id is not None else ""),
                data_type=str(t.data_type),
            )
            for t in self.config.tags
        ]

    async def write(self, tag: str, value: Value) -> None:
        """Write a holding register tag or a coil; ConnectorError for anything else."""
        spec = self.tags.get(tag)
        if spec is None:
            raise ConnectorError(f"modbus: unknown tag {tag!r}")
        unit = spec.unit_id if spec.unit_id is not None else self.config.unit_id
        if spec.table is Table.COIL:
            await self.client.write_coil(unit, spec.address, bool(value))
        elif spec.table is Table.HOLDING:
            try:
                registers = encode_value(
                    raw_value(spec, value),
                    spec.data_type,
                    spec.word_order,
                    spec.byte_order,
                    spec.length,
                )
            except ValueError as err:
                raise ConnectorError(f"modbus: cannot write {value!r} to {tag}: {err}") from err
            await self.client.write_registers(unit, spec.address, registers)
        else:
            raise ConnectorError(f"modbus: tag {tag!r} is in the read-only {spec.table} table")
