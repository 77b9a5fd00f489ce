"""Modbus TCP (``kind: modbus``): register maps over pymodbus, behind our adapter."""

from __future__ import annotations

from smartfactory.connectors.modbus.codec import (
    DecodeError,
    Order,
    RegisterType,
    decode_registers,
    encode_value,
)
from smartfactory.connectors.modbus.config import ModbusConfig, ModbusTag, Table
from smartfactory.connectors.modbus.connector import ModbusConnector
from smartfactory.connectors.modbus.plan import ReadRequest, plan_reads

__all__ = [
    "DecodeError",
    "ModbusConfig",
    "ModbusConnector",
    "ModbusTag",
    "Order",
    "ReadRequest",
    "RegisterType",
    "Table",
    "decode_registers",
    "encode_value",
    "plan_reads",
]
