"""State intervals and counts as parallel NumPy columns, and the vectorised operations on them.

Times are integer microseconds since the Unix epoch (UTC), as the store keeps them. Text
columns (machine, reason, product, order) are dictionary-encoded: an ``int32`` index into a
vocabulary tuple. Everything here works on whole arrays; no Python loop runs per interval.

* :func:`intervals_from_arrow` / :func:`counts_from_arrow` turn store tables (``STATE_SCHEMA``,
  ``COUNT_SCHEMA``) into :class:`Intervals` / :class:`Counts`.
* :func:`clip_fill` clips intervals to a window, trims overlaps (the earlier interval wins) and
  fills every gap, including a machine without any data, with ``unknown``.
* :func:`split_at` cuts intervals at boundaries (shift, day, week starts) so that each piece lies
  in one time bucket.
* :func:`covering` finds, for each count, the interval that produced it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, cast

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from smartfactory.domain.states import MachineState

__all__ = [
    "I32",
    "I64",
    "Counts",
    "Intervals",
    "clip_fill",
    "counts_from_arrow",
    "counts_from_coded",
    "covering",
    "encode",
    "group_cummax",
    "intervals_from_arrow",
    "intervals_from_coded",
    "split_at",
]

I64 = npt.NDArray[np.int64]
I32 = npt.NDArray[np.int32]
I8 = npt.NDArray[np.int8]

_UNKNOWN = np.int8(MachineState.UNKNOWN)


@dataclass(frozen=True, slots=True)
class Intervals:
    """State intervals sorted by machine then start; text columns index the vocabularies."""

    machine: I32
    start: I64
    end: I64
    state: I8
    reason: I32
    product: I32
    order: I32
    machines: tuple[str, ...]
    reasons: tuple[str, ...] = ("",)
    products: tuple[str, ...] = ("",)
    orders: tuple[str, ...] = ("",)

    def __len__(self) -> int:
        return int(self.start.shape[0])

    @property
    def seconds(self) -> npt.NDArray[np.float64]:
        """Length of each interval in seconds."""
        return (self.end - self.start).astype(np.float64) / 1e6

    def take(self, index: npt.NDArray[np.intp] | npt.NDArray[np.bool_]) -> Intervals:
        """The intervals selected by ``index`` (positions or a mask), same vocabularies."""
        return replace(
            self,
            machine=self.machine[index],
            start=self.start[index],
            end=self.end[index],
            state=self.state[index],
            reason=self.reason[index],
            product=self.product[index],
            order=self.order[index],
        )


@dataclass(frozen=True, slots=True)
class Counts:
    """Production counts sorted by machine then timestamp."""

    machine: I32
    ts: I64
    good: I64
    scrap: I64

    def __len__(self) -> int:
        return int(self.ts.shape[0])

    def take(self, index: npt.NDArray[np.intp] | npt.NDArray[np.bool_]) -> Counts:
        """The counts selected by ``index``."""
        return Counts(self.machine[index], self.ts[index], self.good[index], self.scrap[index])


def encode(column: pa.Array[Any] | pa.ChunkedArray[Any], vocabulary: Sequence[str]) -> I32:
    """Index of each value in ``vocabulary``; -1 for a value not in it or null."""
    index = pc.index_in(column, value_set=pa.array(list(vocabulary), pa.string()))
    return np.asarray(index.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int32)


def _vocabulary(column: pa.ChunkedArray[Any]) -> tuple[tuple[str, ...], I32]:
    """Dictionary-encode a string column; index 0 is always the empty string (also nulls)."""
    values: pa.ChunkedArray[Any] = column.fill_null(pa.scalar("", pa.string()))
    uniques = [str(v) for v in values.unique().to_pylist() if v != ""]
    vocab = ("", *sorted(uniques))
    return vocab, encode(values, vocab)


def _us(column: pa.ChunkedArray[Any]) -> I64:
    cast = column.cast(pa.timestamp("us", tz="UTC")).cast(pa.int64())
    return np.asarray(cast.to_numpy(), dtype=np.int64)


def intervals_from_arrow(table: pa.Table, machines: Sequence[str]) -> Intervals:
    """Intervals of a ``STATE_SCHEMA`` table; rows of machines not in ``machines`` are dropped.

    A null ``end`` (an interval still open) is kept as the largest representable time, so
    :func:`clip_fill` ends it at the window's end.
    """
    machine = encode(table.column("machine"), machines)
    keep = machine >= 0
    end_col = table.column("end")
    end = _us(end_col.fill_null(pa.scalar(0, pa.timestamp("us", tz="UTC"))))
    end = np.where(np.asarray(end_col.is_null().to_numpy(zero_copy_only=False)), 2**62, end)
    reasons, reason = _vocabulary(table.column("reason"))
    products, product = _vocabulary(table.column("product"))
    orders, order = _vocabulary(table.column("order_id"))
    iv = Intervals(
        machine=machine,
        start=_us(table.column("start")),
        end=end.astype(np.int64),
        state=np.asarray(table.column("state").to_numpy(), dtype=np.int8),
        reason=reason,
        product=product,
        order=order,
        machines=tuple(machines),
        reasons=reasons,
        products=products,
        orders=orders,
    ).take(keep)
    return iv.take(np.lexsort((iv.start, iv.machine)))


def counts_from_arrow(table: pa.Table, machines: Sequence[str]) -> Counts:
    """Counts of a ``COUNT_SCHEMA`` table; rows of machines not in ``machines`` are dropped."""
    machine = encode(table.column("machine"), machines)
    counts = Counts(
        machine=machine,
        ts=_us(table.column("ts")),
        good=np.asarray(
            table.column("good").fill_null(pa.scalar(0, pa.int32())).to_numpy(), dtype=np.int64
        ),
        scrap=np.asarray(
            table.column("scrap").fill_null(pa.scalar(0, pa.int32())).to_numpy(), dtype=np.int64
        ),
    ).take(machine >= 0)
    return counts.take(np.lexsort((counts.ts, counts.machine)))


def _recode(column: pa.ChunkedArray[Any]) -> tuple[tuple[str, ...], I32]:
    """A dictionary column as (vocabulary with "" first, then sorted; index per row)."""
    array = cast("pa.DictionaryArray[Any, Any]", column.combine_chunks())
    words = [str(w) for w in array.dictionary.to_pylist()]
    vocab = ("", *sorted({w for w in words if w}))
    if array.indices.null_count == 0 and tuple(words) == vocab:  # already canonical
        return vocab, np.asarray(array.indices.to_numpy(), dtype=np.int32)
    remap = np.array([vocab.index(w) for w in words] or [0], dtype=np.int32)
    index = np.asarray(array.indices.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)
    return vocab, np.where(index >= 0, remap[np.maximum(index, 0)], 0).astype(np.int32)


def intervals_from_coded(table: pa.Table, machines: Sequence[str]) -> Intervals:
    """Intervals of a dictionary-encoded state table (``DuckDBStore.query_states_coded``).

    ``machine`` must be a dictionary over ``machines`` in that order; rows stay in the
    table's order (not sorted). A null ``end`` becomes the largest representable time.
    """
    machine = cast("pa.DictionaryArray[Any, Any]", table.column("machine").combine_chunks())
    end_col = table.column("end")
    end = np.asarray(
        end_col.cast(pa.int64()).fill_null(pa.scalar(2**62, pa.int64())).to_numpy(), dtype=np.int64
    )
    reasons, reason = _recode(table.column("reason"))
    products, product = _recode(table.column("product"))
    orders, order = _recode(table.column("order_id"))
    return Intervals(
        machine=np.asarray(machine.indices.to_numpy(), dtype=np.int32),
        start=np.asarray(table.column("start").cast(pa.int64()).to_numpy(), dtype=np.int64),
        end=end,
        state=np.asarray(table.column("state").to_numpy(), dtype=np.int8),
        reason=reason,
        product=product,
        order=order,
        machines=tuple(machines),
        reasons=reasons,
        products=products,
        orders=orders,
    )


def counts_from_coded(table: pa.Table) -> Counts:
    """Counts of a table whose ``machine`` is a dictionary (``query_counts_coded``), unsorted."""

    def ints(name: str) -> I64:
        col = table.column(name).fill_null(pa.scalar(0, pa.int32()))
        return np.asarray(col.to_numpy(), dtype=np.int64)

    return Counts(
        machine=np.asarray(
            cast(
                "pa.DictionaryArray[Any, Any]", table.column("machine").combine_chunks()
            ).indices.to_numpy(),
            dtype=np.int32,
        ),
        ts=np.asarray(table.column("ts").cast(pa.int64()).to_numpy(), dtype=np.int64),
        good=ints("good"),
        scrap=ints("scrap"),
    )


def group_cummax(values: I64, group: I32) -> I64:
    """Running maximum of ``values`` restarting at each new ``group`` (rows sorted by group)."""
    if values.size == 0:
        return values.copy()
    lo = int(values.min())
    span = int(values.max()) - lo + 1
    if span * (int(group.max()) + 1) >= 2**62:
        msg = "time span too large for the vectorised running maximum"
        raise OverflowError(msg)
    shifted = (values - lo) + group.astype(np.int64) * span
    return np.maximum.accumulate(shifted) - group.astype(np.int64) * span + lo


def clip_fill(iv: Intervals, lo: int, hi: int) -> Intervals:
    """Intervals clipped to [lo, hi), overlaps trimmed, gaps filled with ``unknown``.

    The result covers [lo, hi) exactly once for every machine in the vocabulary, sorted by
    machine then start.
    """
    start = np.clip(iv.start, lo, hi)
    end = np.clip(iv.end, lo, hi)
    keep = end > start
    iv = replace(iv.take(keep), start=start[keep], end=end[keep])
    if len(iv):
        # trim overlaps: a start before the latest end seen on that machine moves to that end
        first = np.ones(len(iv), dtype=bool)
        first[1:] = iv.machine[1:] != iv.machine[:-1]
        seen = np.empty(len(iv), dtype=np.int64)
        seen[0] = lo
        seen[1:] = group_cummax(iv.end, iv.machine)[:-1]
        new_start = np.where(first, iv.start, np.maximum(iv.start, seen))
        ok = iv.end > new_start
        iv = replace(iv.take(ok), start=new_start[ok])
    first = np.ones(len(iv), dtype=bool)
    first[1:] = iv.machine[1:] != iv.machine[:-1]
    prev_end = np.where(first, lo, np.roll(iv.end, 1))
    gap = iv.start > prev_end
    last = np.ones(len(iv), dtype=bool)
    if len(iv):
        last[:-1] = iv.machine[:-1] != iv.machine[1:]
    tail = last & (iv.end < hi)
    present = np.zeros(len(iv.machines), dtype=bool)
    present[iv.machine] = True
    empty = np.flatnonzero(~present).astype(np.int32)
    g_machine = np.concatenate([iv.machine[gap], iv.machine[tail], empty])
    g_start = np.concatenate([prev_end[gap], iv.end[tail], np.full(empty.size, lo, np.int64)])
    g_end = np.concatenate([iv.start[gap], np.full(int(tail.sum()) + empty.size, hi, np.int64)])
    m = g_machine.size
    zeros = np.zeros(m, dtype=np.int32)
    out = replace(
        iv,
        machine=np.concatenate([iv.machine, g_machine]).astype(np.int32),
        start=np.concatenate([iv.start, g_start]).astype(np.int64),
        end=np.concatenate([iv.end, g_end]).astype(np.int64),
        state=np.concatenate([iv.state, np.full(m, _UNKNOWN, np.int8)]),
        reason=np.concatenate([iv.reason, zeros]),
        product=np.concatenate([iv.product, zeros]),
        order=np.concatenate([iv.order, zeros]),
    )
    return out.take(np.lexsort((out.start, out.machine)))


def split_at(iv: Intervals, boundaries: I64) -> tuple[Intervals, npt.NDArray[np.intp]]:
    """Intervals cut at every boundary strictly inside them, and each piece's source row.

    ``boundaries`` must be sorted ascending. Pieces keep their machine, state and labels.
    """
    b = np.asarray(boundaries, dtype=np.int64)
    left = np.searchsorted(b, iv.start, side="right")
    right = np.searchsorted(b, iv.end, side="left")
    cuts = np.maximum(right - left, 0)
    pieces = cuts + 1
    source = np.repeat(np.arange(len(iv)), pieces)
    offsets = np.cumsum(pieces) - pieces
    j = np.arange(source.size) - np.repeat(offsets, pieces)
    first_b = np.repeat(left, pieces)
    k = np.repeat(cuts, pieces)
    if b.size:
        lo_b = b[np.clip(first_b + j - 1, 0, b.size - 1)]
        hi_b = b[np.clip(first_b + j, 0, b.size - 1)]
    else:
        lo_b = hi_b = np.zeros(source.size, dtype=np.int64)
    start = np.where(j == 0, iv.start[source], lo_b)
    end = np.where(j == k, iv.end[source], hi_b)
    out = replace(iv.take(source), start=start.astype(np.int64), end=end.astype(np.int64))
    return out, source


def covering(iv: Intervals, counts: Counts) -> npt.NDArray[np.intp]:
    """For each count, the row of ``iv`` (same machine) with start < ts <= end; -1 if none.

    A count stamped exactly at an interval's end belongs to that interval (the cycle that
    just finished), not to the one starting there. A count at the window start takes the
    machine's first interval.
    """
    if len(iv) == 0 or len(counts) == 0:
        return np.full(len(counts), -1, dtype=np.intp)
    lo = min(int(iv.start.min()), int(counts.ts.min()))
    hi = max(int(iv.start.max()), int(counts.ts.max())) + 2
    span = hi - lo
    key_iv = iv.machine.astype(np.int64) * span + (iv.start - lo)
    key_ct = counts.machine.astype(np.int64) * span + (counts.ts - lo)
    row = np.searchsorted(key_iv, key_ct, side="left") - 1
    first = np.searchsorted(key_iv, counts.machine.astype(np.int64) * span, side="left")
    row = np.where(row < first, first, row)
    ok = (row < len(iv)) & (row >= 0)
    row = np.where(ok, row, 0)
    ok &= iv.machine[row] == counts.machine
    return np.where(ok, row, -1).astype(np.intp)
