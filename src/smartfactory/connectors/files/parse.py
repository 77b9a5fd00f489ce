"""Vectorised parsing of text columns into UTC timestamps and float values, row by row.

Arrow's casts fail a whole array on one bad string; here each element is classified with a
regular expression first (ISO 8601 with an offset, ISO 8601 without one, epoch number), each
class is cast in one go, and what matches no class, or fails its cast, is marked invalid
instead of failing the batch. Only when a cast of a class fails (say month 13) are that class's
elements parsed one by one, so that the good ones around a bad one survive.

Values: decimal numbers (``1``, ``-2.5``, ``3e4``), ``true``/``false`` (1.0/0.0); with
``decimal_comma`` also ``1,5``. Empty cells are *missing* (not a sample, not an error);
anything else is *bad*, and ``nan``/``inf`` or an overflow are *not finite*.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any, cast

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_pc: Any = pc  # pyarrow-stubs overloads reject arrays whose type is known only at run time

__all__ = ["UTC_US", "ValueStatus", "parse_timestamps", "parse_values"]

UTC_US = pa.timestamp("us", tz="UTC")

_DATE = r"\d{4}-\d{2}-\d{2}"
_TIME = r"[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?"
_AWARE = rf"^{_DATE}{_TIME}(Z|z|[+-]\d{{2}}(:?\d{{2}})?)$"
_NAIVE = rf"^{_DATE}({_TIME})?$"
_EPOCH = r"^[+-]?\d+(\.\d+)?$"
_NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
_NOT_FINITE = pa.array(["nan", "-nan", "+nan", "inf", "-inf", "+inf", "infinity", "-infinity"])
_EPOCH_MS_ABOVE = 1e11  # an epoch number above this is milliseconds (year 5138 in seconds)


class ValueStatus(IntEnum):
    """What became of one cell of a value column."""

    OK = 0
    MISSING = 1  # empty cell
    BAD = 2  # not a number
    NOT_FINITE = 3  # nan, inf or overflow


def _array(value: object) -> pa.Array[Any]:
    """``value`` (a compute result) as the Array it is."""
    if not isinstance(value, pa.Array):
        raise TypeError(f"expected an Arrow array, got {type(value).__name__}")
    return value


def _where(mask: pa.Array[Any], strings: pa.Array[Any], filler: str) -> pa.Array[Any]:
    """``strings`` where ``mask``, else ``filler`` (so a cast of the whole array can succeed)."""
    return _array(_pc.if_else(mask, strings, pa.scalar(filler, pa.string())))


def _one_by_one(strings: pa.Array[Any], mask: pa.Array[Any], target: pa.DataType) -> pa.Array[Any]:
    """The exceptional path: cast each masked element alone; failures become null."""
    out: list[object] = []
    for text, wanted in zip(strings.to_pylist(), mask.to_pylist(), strict=True):
        try:
            out.append(_pc.cast(pa.array([text]), target)[0].as_py() if wanted else None)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            out.append(None)
    return _array(pa.array(out, target))


def _cast_class(
    strings: pa.Array[Any], mask: pa.Array[Any], target: pa.DataType, filler: str
) -> pa.Array[Any]:
    try:
        done = _pc.cast(_where(mask, strings, filler), target)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        done = _one_by_one(strings, mask, target)
    return _array(_pc.if_else(mask, done, None))


def parse_timestamps(column: pa.Array[Any], tz: str = "UTC") -> pa.Array[Any]:
    """UTC microsecond timestamps; null where a cell cannot be read as a time.

    Text may be ISO 8601 with an offset, ISO 8601 without one (taken in ``tz``) or an epoch
    number (seconds, or milliseconds above 1e11). Timestamp columns are converted (naive ones
    taken in ``tz``); numeric columns are epoch numbers.
    """
    if pa.types.is_timestamp(column.type):
        unit = cast("pa.TimestampType", column.type)
        if unit.tz is None:
            column = _pc.assume_timezone(column, tz, ambiguous="earliest", nonexistent="earliest")
        return _array(_pc.cast(column, UTC_US))
    if pa.types.is_integer(column.type) or pa.types.is_floating(column.type):
        return _epoch(_pc.cast(column, pa.float64()))
    strings = _pc.utf8_trim_whitespace(_pc.cast(column, pa.string()))
    aware = _pc.fill_null(_pc.match_substring_regex(strings, _AWARE), False)
    naive = _pc.fill_null(_pc.match_substring_regex(strings, _NAIVE), False)
    epoch = _pc.fill_null(_pc.match_substring_regex(strings, _EPOCH), False)
    out = _cast_class(strings, aware, UTC_US, "1970-01-01T00:00:00Z")
    local = _cast_class(strings, naive, pa.timestamp("us"), "1970-01-01T00:00:00")
    local = _pc.assume_timezone(local, tz, ambiguous="earliest", nonexistent="earliest")
    out = _pc.if_else(naive, _pc.cast(local, UTC_US), out)
    numbers = _cast_class(strings, epoch, pa.float64(), "0")
    return _array(_pc.if_else(epoch, _epoch(numbers), out))


def _epoch(numbers: pa.Array[Any]) -> pa.Array[Any]:
    values = numbers.to_numpy(zero_copy_only=False).astype(np.float64)
    scale = np.where(np.abs(values) > _EPOCH_MS_ABOVE, 1e3, 1e6)
    with np.errstate(invalid="ignore", over="ignore"):
        micros = values * scale
    ok = np.isfinite(micros) & (np.abs(micros) < 2**62) & ~np.asarray(_pc.is_null(numbers))
    ints = np.where(ok, micros, 0).astype(np.int64)
    return _array(pa.array(ints, UTC_US, mask=~ok))


def parse_values(
    column: pa.Array[Any], *, decimal_comma: bool = False
) -> tuple[pa.Array[Any], np.ndarray]:
    """(float64 values, a :class:`ValueStatus` code per cell); values are null unless OK."""
    n = len(column)
    if pa.types.is_boolean(column.type):
        column = _pc.cast(column, pa.float64())
    if pa.types.is_integer(column.type) or pa.types.is_floating(column.type):
        values = _pc.cast(column, pa.float64())
        status = np.where(np.asarray(_pc.is_null(values)), ValueStatus.MISSING, ValueStatus.OK)
        finite = np.asarray(_pc.fill_null(_pc.is_finite(values), True))
        status = np.where(finite, status, ValueStatus.NOT_FINITE).astype(np.int8)
        return _array(_pc.if_else(pa.array(status == ValueStatus.OK), values, None)), status
    strings = _pc.utf8_trim_whitespace(_pc.cast(column, pa.string()))
    if decimal_comma:
        strings = _pc.replace_substring(strings, ",", ".")
    empty = np.asarray(_pc.fill_null(_pc.equal(strings, ""), True))
    number = _pc.fill_null(_pc.match_substring_regex(strings, _NUMBER), False)
    lower = _pc.utf8_lower(strings)
    true = _pc.fill_null(_pc.equal(lower, "true"), False)
    false = _pc.fill_null(_pc.equal(lower, "false"), False)
    values = _cast_class(strings, number, pa.float64(), "0")
    values = _pc.if_else(true, 1.0, _pc.if_else(false, 0.0, values))
    special = np.asarray(_pc.fill_null(_pc.is_in(lower, value_set=_NOT_FINITE), False))
    known = np.asarray(number) | np.asarray(true) | np.asarray(false) | special
    finite = np.asarray(_pc.fill_null(_pc.is_finite(values), False))
    status = np.full(n, ValueStatus.BAD, dtype=np.int8)
    status[known & ~finite] = ValueStatus.NOT_FINITE
    status[known & finite] = ValueStatus.OK
    status[empty] = ValueStatus.MISSING
    return _array(_pc.if_else(pa.array(status == ValueStatus.OK), values, None)), status
