"""Golden decode tests for every type and order, and hypothesis round-trips."""

from __future__ import annotations

import math
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smartfactory.connectors.modbus import (
    DecodeError,
    ModbusTag,
    Order,
    RegisterType,
    Table,
    decode_registers,
    encode_value,
    plan_reads,
)

B, L = Order.BIG, Order.LITTLE
T = RegisterType

# (type, value, {(word_order, byte_order): registers}) — written out by hand from the spec
GOLDEN = [
    (T.INT16, -2, {(B, B): [0xFFFE], (B, L): [0xFEFF]}),
    (T.UINT16, 0x1234, {(B, B): [0x1234], (B, L): [0x3412]}),
    (T.BOOL, True, {(B, B): [0x0001]}),
    (
        T.INT32,
        -123456789,  # 0xF8A432EB
        {(B, B): [0xF8A4, 0x32EB], (L, B): [0x32EB, 0xF8A4],
         (B, L): [0xA4F8, 0xEB32], (L, L): [0xEB32, 0xA4F8]},
    ),
    (
        T.UINT32,
        0xAABBCCDD,
        {(B, B): [0xAABB, 0xCCDD], (L, B): [0xCCDD, 0xAABB],
         (B, L): [0xBBAA, 0xDDCC], (L, L): [0xDDCC, 0xBBAA]},
    ),
    (
        T.FLOAT32,
        struct.unpack(">f", bytes.fromhex("42f6e979"))[0],  # 123.456 as float32
        {(B, B): [0x42F6, 0xE979], (L, B): [0xE979, 0x42F6],
         (B, L): [0xF642, 0x79E9], (L, L): [0x79E9, 0xF642]},
    ),
    (
        T.FLOAT64,
        123.456,  # 0x405EDD2F1A9FBE77
        {(B, B): [0x405E, 0xDD2F, 0x1A9F, 0xBE77], (L, B): [0xBE77, 0x1A9F, 0xDD2F, 0x405E],
         (B, L): [0x5E40, 0x2FDD, 0x9F1A, 0x77BE], (L, L): [0x77BE, 0x9F1A, 0x2FDD, 0x5E40]},
    ),
]  # fmt: skip
CASES = [
    pytest.param(t, v, w, b, regs, id=f"{t}-{w}{b}")
    for t, v, orders in GOLDEN
    for (w, b), regs in orders.items()
]


@pytest.mark.parametrize(("dtype", "value", "word", "byte", "registers"), CASES)
def test_golden_decode(dtype, value, word, byte, registers) -> None:
    assert decode_registers(registers, dtype, word, byte) == value


@pytest.mark.parametrize(("dtype", "value", "word", "byte", "registers"), CASES)
def test_golden_encode(dtype, value, word, byte, registers) -> None:
    assert encode_value(value, dtype, word, byte) == registers


def test_golden_strings() -> None:
    assert decode_registers([0x4142, 0x4344, 0x4500], T.STRING) == "ABCDE"
    assert decode_registers([0x4241, 0x4443], T.STRING, byte_order=L) == "ABCD"
    assert encode_value("ABC", T.STRING, length=3) == [0x4142, 0x4300, 0x0000]
    with pytest.raises(DecodeError, match="UTF-8"):
        decode_registers([0xFFFE], T.STRING)
    with pytest.raises(ValueError, match="does not fit"):
        encode_value("too long", T.STRING, length=2)


def test_wrong_register_count_is_a_decode_error() -> None:
    with pytest.raises(DecodeError, match="needs 2"):
        decode_registers([1], T.FLOAT32)


orders = st.sampled_from(list(Order))
RANGES = {
    T.INT16: st.integers(-(2**15), 2**15 - 1),
    T.UINT16: st.integers(0, 2**16 - 1),
    T.INT32: st.integers(-(2**31), 2**31 - 1),
    T.UINT32: st.integers(0, 2**32 - 1),
    T.FLOAT32: st.floats(width=32, allow_nan=False),
    T.FLOAT64: st.floats(allow_nan=False),
    T.BOOL: st.booleans(),
}


@given(data=st.data(), dtype=st.sampled_from(list(RANGES)), word=orders, byte=orders)
def test_round_trip_numbers(data, dtype, word, byte) -> None:
    value = data.draw(RANGES[dtype])
    registers = encode_value(value, dtype, word, byte)
    assert all(0 <= r <= 0xFFFF for r in registers)
    assert decode_registers(registers, dtype, word, byte) == value


@given(st.floats(width=32, allow_nan=True), orders, orders)
def test_round_trip_nan(value, word, byte) -> None:
    back = decode_registers(encode_value(value, T.FLOAT32, word, byte), T.FLOAT32, word, byte)
    assert math.isnan(back) if math.isnan(value) else back == value  # type: ignore[arg-type]


@given(st.text(alphabet=st.characters(min_codepoint=1, max_codepoint=0x7F), max_size=20), orders)
def test_round_trip_strings(text, byte) -> None:
    registers = encode_value(text, T.STRING, byte_order=byte, length=10)
    assert len(registers) == 10
    assert decode_registers(registers, T.STRING, byte_order=byte) == text


def _tag(name: str, address: int, dtype: T = T.UINT16, table: Table = Table.HOLDING, **kw):
    return ModbusTag(name=name, address=address, data_type=dtype, table=table, **kw)


def test_plan_merges_contiguous_registers() -> None:
    tags = [_tag("a", 0), _tag("b", 1, T.FLOAT32), _tag("c", 3, T.FLOAT64), _tag("d", 10)]
    plan = plan_reads(tags, 1)
    assert [(r.start, r.count, [t.name for t in r.tags]) for r in plan] == [
        (0, 7, ["a", "b", "c"]),
        (10, 1, ["d"]),
    ]
    assert len(plan_reads(tags, 1, max_gap=3)) == 1  # a gap of 3 unused registers is spanned


def test_plan_respects_protocol_limits_and_groups() -> None:
    tags = [_tag(f"r{i}", i) for i in range(300)]
    plan = plan_reads(tags, 1)
    assert [r.count for r in plan] == [125, 125, 50]
    coils = [_tag(f"c{i}", i, T.BOOL, Table.COIL) for i in range(4500)]
    assert [r.count for r in plan_reads(coils, 1)] == [2000, 2000, 500]
    mixed = [_tag("h", 0), _tag("i", 0, table=Table.INPUT), _tag("u", 1, unit_id=2)]
    assert {(r.unit_id, r.table, r.count) for r in plan_reads(mixed, 1)} == {
        (1, Table.HOLDING, 1),
        (1, Table.INPUT, 1),
        (2, Table.HOLDING, 1),
    }


@given(
    st.lists(
        st.tuples(st.integers(0, 400), st.sampled_from([T.UINT16, T.INT32, T.FLOAT64])),
        min_size=1,
        max_size=60,
    ),
    st.integers(0, 5),
)
def test_plan_covers_every_tag_within_limits(specs, gap) -> None:
    tags = [_tag(f"t{i}", a, d) for i, (a, d) in enumerate(specs)]
    plan = plan_reads(tags, 1, max_gap=gap)
    served = [t.name for r in plan for t in r.tags]
    assert sorted(served) == sorted(t.name for t in tags)
    for r in plan:
        assert r.count <= 125
        for t in r.tags:
            assert r.start <= t.address and t.address + t.width <= r.start + r.count


def test_tag_validation() -> None:
    with pytest.raises(ValueError, match="bool values only"):
        _tag("x", 0, T.UINT16, Table.COIL)
    with pytest.raises(ValueError, match="past address"):
        _tag("x", 65534, T.FLOAT64)
