"""The fast path: sum a window's raw intervals and counts straight into cells.

The reference path (:func:`smartfactory.kpi.rollup.build_cube`) materialises every interval
piece (clipped, gap-filled, cut at every calendar boundary, calendar applied) and labels it.
Here the same cells (machine x calendar segment x product x order, see
:class:`~smartfactory.kpi.rollup.Cells`) come out of a few passes over the sorted rows:

* rows are clipped to the window and sorted by machine, start (a check when already sorted);
  when two intervals of one machine overlap, the reference :func:`clip_fill` trims them first;
* a *chunk* is a run of rows of one machine, segment, product and order; chunk borders at
  segment edges are found by searching the ``machines x edges`` probe keys in the sorted row
  keys (no per-row search); one ``bincount`` sums each chunk's seconds by state;
* only rows crossing a segment edge are cut (:func:`split_at` on those rows alone);
* gaps are what a (machine, segment) lacks of its length: ``unknown`` with no labels;
* the calendar (``unknown``/``idle`` off shift or in a break) applies per segment afterwards;
* counts are chunked the same way at segment edges and at the borders of *label runs*
  (contiguous rows of one product and order), and summed with ``add.reduceat``.

Times are summed as integer microseconds (exact in float64) and converted to seconds once, so
results equal the reference path's up to floating-point rounding.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import numpy.typing as npt

from smartfactory.domain.states import MachineState as S
from smartfactory.kpi.calendar import BREAK, OFF, CalendarGrid
from smartfactory.kpi.ideal import IdealCycles
from smartfactory.kpi.intervals import I64, Counts, Intervals, clip_fill, split_at
from smartfactory.kpi.oee import F64, N_STATES, PM_REASONS, Totals
from smartfactory.kpi.rollup import Cells, group_rows

__all__ = ["fast_cells"]

IP = npt.NDArray[np.intp]
_UNUSED = (S.UNKNOWN, S.IDLE)


def _sorted_rows(states: Intervals, lo: int, hi: int) -> tuple[Intervals, I64]:
    """Rows clipped to [lo, hi), empty ones dropped, sorted by machine, start, no overlaps.

    Also returns each row's key ``machine * (hi - lo + 1) + (start - lo)``.
    """
    iv = states
    if len(iv) and (int(iv.start.min()) < lo or int(iv.end.max()) > hi):
        iv = replace(iv, start=np.maximum(iv.start, lo), end=np.minimum(iv.end, hi))
    keep = iv.end > iv.start
    if not keep.all():
        iv = iv.take(keep)
    span = hi - lo + 1
    key = iv.machine.astype(np.int64) * span + (iv.start - lo)
    if len(iv) > 1:
        if bool((key[1:] < key[:-1]).any()):
            order = np.argsort(key, kind="stable")
            iv, key = iv.take(order), key[order]
        same = iv.machine[1:] == iv.machine[:-1]
        if bool((same & (iv.start[1:] < iv.end[:-1])).any()):
            # the reference trimming (the earlier interval wins) on rows sorted as it expects
            iv = clip_fill(states.take(np.lexsort((states.start, states.machine))), lo, hi)
            key = iv.machine.astype(np.int64) * span + (iv.start - lo)
    return iv, key


def _borders(n: int, *positions: IP) -> npt.NDArray[np.bool_]:
    """A mask of length ``n`` true at row 0 and at every in-range position given."""
    flag = np.zeros(n, dtype=bool)
    if n:
        flag[0] = True
    for pos in positions:
        flag[pos[pos < n]] = True
    return flag


def _changes(flag: npt.NDArray[np.bool_], *columns: npt.NDArray[np.int32]) -> None:
    """Also mark every row whose value in any of ``columns`` differs from the row before."""
    for c in columns:
        flag[1:] |= c[1:] != c[:-1]


class _Parts:
    """Rows of partial cells, concatenated and summed per cell at the end."""

    def __init__(self) -> None:
        self.keys: list[tuple[IP, IP, IP, IP]] = []
        self.time: list[F64] = []  # [rows, 2 * N_STATES] µs; the second half is PM reasons
        self.qty: list[F64] = []  # [rows, 5]: pq, gq, ideal x pq, unvalued, failures

    def add(self, keys: tuple[IP, IP, IP, IP], time: F64 | None, qty: F64 | None) -> None:
        n = keys[0].shape[0]
        self.keys.append(keys)
        self.time.append(np.zeros((n, 2 * N_STATES)) if time is None else time)
        self.qty.append(np.zeros((n, 5)) if qty is None else qty)


def _key(*columns: npt.ArrayLike) -> tuple[IP, IP, IP, IP]:
    m, s, p, o = (np.asarray(c, dtype=np.intp) for c in columns)
    return m, s, p, o


def _state_time(n: int, group: IP, code: IP, us: F64) -> F64:
    flat = group * (2 * N_STATES)
    flat += code
    sums = np.bincount(flat, weights=us, minlength=n * 2 * N_STATES)
    return np.asarray(sums, dtype=np.float64).reshape(n, 2 * N_STATES)


def _intervals(
    iv: Intervals,
    key: I64,
    edges: I64,
    hi: int,
    *,
    pm: npt.NDArray[np.bool_] | None,
    out: _Parts,
) -> None:
    """Chunks of whole rows, plus the pieces of rows crossing a segment edge.

    ``key`` is each row's ``machine * span + (start - edges[0])``; ``pm`` marks the rows with
    a preventive-maintenance reason (``None``: none has one).
    """
    n, span = len(iv), hi - int(edges[0]) + 1
    if n == 0:
        return
    n_m = len(iv.machines)
    probe = (np.arange(n_m, dtype=np.int64)[:, None] * span + (edges - edges[0])[None, :]).ravel()
    pos = np.searchsorted(key, probe, side="left")
    # a row crossing edge j is the last row starting before it, when it ends after it
    cand = pos.reshape(n_m, edges.size)[:, 1:] - 1
    owner = np.broadcast_to(np.arange(n_m)[:, None], cand.shape)
    safe = np.clip(cand, 0, max(n - 1, 0))
    crossing = (cand >= 0) & (iv.machine[safe] == owner) & (iv.end[safe] > edges[None, 1:])
    cross_rows = np.unique(cand[crossing])
    flag = _borders(n, pos)  # each machine's first row is the position of its first probe
    _changes(flag, iv.product, iv.order)
    chunk = np.cumsum(flag, dtype=np.intp)
    chunk -= 1
    first = np.flatnonzero(flag)
    code = iv.state.astype(np.intp)
    if pm is not None:
        code[pm] += N_STATES
    us = np.subtract(iv.end, iv.start, dtype=np.float64)  # exact: times are below 2**53
    us[cross_rows] = 0.0
    time = _state_time(first.size, chunk, code, us)
    # failures: first interval of each run of contiguous unplanned stops, in its start chunk
    down = np.flatnonzero(iv.state == S.UNPLANNED_STOP)
    prev = np.maximum(down - 1, 0)
    cont = (
        (down > 0)
        & (iv.machine[prev] == iv.machine[down])
        & (iv.end[prev] == iv.start[down])
        & (iv.state[prev] == S.UNPLANNED_STOP)
    )
    qty = np.zeros((first.size, 5))
    qty[:, 4] = np.bincount(chunk[down[~cont]], minlength=first.size)
    seg = np.searchsorted(edges, iv.start[first], side="right") - 1
    out.add(_key(iv.machine[first], seg, iv.product[first], iv.order[first]), time, qty)
    if cross_rows.size:
        pieces, src = split_at(iv.take(cross_rows), edges)
        p_seg = np.searchsorted(edges, pieces.start, side="right") - 1
        p_us = (pieces.end - pieces.start).astype(np.float64)
        rows = np.arange(len(pieces))
        p_time = _state_time(len(pieces), rows, code[cross_rows][src], p_us)
        out.add(_key(pieces.machine, p_seg, pieces.product, pieces.order), p_time, None)


def _gaps(n_machines: int, edges: I64, hi: int, out: _Parts) -> None:
    """``unknown`` cells for the time each (machine, segment) has no interval for."""
    n_seg = edges.size
    length = np.diff(np.append(edges, hi)).astype(np.float64)
    covered = np.zeros(n_machines * n_seg)
    for (m, s, _, _), time in zip(out.keys, out.time, strict=True):
        covered += np.bincount(m * n_seg + s, weights=time.sum(axis=1), minlength=covered.size)
    gap = np.tile(length, n_machines) - covered
    where = np.flatnonzero(gap > 0)
    time = np.zeros((where.size, 2 * N_STATES))
    time[:, S.UNKNOWN] = gap[where]
    zero = np.zeros(where.size, dtype=np.intp)
    out.add(_key(where // n_seg, where % n_seg, zero, zero), time, None)


def _covering(runs: tuple[I64, I64, I64], m: I64, k: I64, span: int) -> IP:
    """The label run covering each count (start < ts <= end), -1 for a gap.

    Keys are ``machine * span + (t - lo)``. A count at the window start takes the machine's
    first run when that run starts there (as :func:`~smartfactory.kpi.intervals.covering`).
    """
    r_machine, r_start, r_end = runs
    if r_start.size == 0:
        return np.full(k.size, -1, dtype=np.intp)
    last = r_start.size - 1
    r = np.searchsorted(r_start, k, side="left") - 1
    f = np.minimum(np.searchsorted(r_start, m * span, side="left"), last)
    at_lo = (k == m * span) & (r_machine[f] == m) & (r_start[f] == k)
    rs = np.maximum(r, 0)
    inside = (r >= 0) & (r_machine[rs] == m) & (k <= r_end[rs])
    return np.where(at_lo, f, np.where(inside, r, -1)).astype(np.intp)


def _counts(ct: Counts, iv: Intervals, edges: I64, hi: int, *, ideal: F64, out: _Parts) -> None:
    """Counts summed per chunk of one machine, segment and covering label run."""
    lo, span, n_m = int(edges[0]), hi - int(edges[0]) + 1, len(iv.machines)
    ct_key = ct.machine.astype(np.int64) * span + (ct.ts - lo)
    if ct_key.size > 1 and bool((ct_key[1:] < ct_key[:-1]).any()):
        ct = ct.take(np.argsort(ct_key, kind="stable"))
        ct_key = ct.machine.astype(np.int64) * span + (ct.ts - lo)
    # label runs: contiguous rows of one machine, product and order
    run = _borders(len(iv))
    _changes(run, iv.machine, iv.product, iv.order)
    if len(iv) > 1:
        run[1:] |= iv.start[1:] != iv.end[:-1]
    r_first = np.flatnonzero(run)
    r_last = np.append(r_first[1:], len(iv))[: r_first.size] - 1
    r_machine = iv.machine[r_first].astype(np.int64)
    r_start = r_machine * span + (iv.start[r_first] - lo)
    r_end = r_machine * span + (iv.end[r_last] - lo)
    probe = (np.arange(n_m, dtype=np.int64)[:, None] * span + (edges - lo)[None, :]).ravel()
    flag = _borders(
        len(ct),
        np.searchsorted(ct_key, probe, side="left"),
        np.searchsorted(ct_key, r_start, side="right"),
        np.searchsorted(ct_key, r_end, side="right"),
    )
    _changes(flag, ct.machine)
    first = np.flatnonzero(flag)
    m, k = ct.machine[first].astype(np.int64), ct_key[first]
    cover = _covering((r_machine, r_start, r_end), m, k, span)
    row = r_first[np.maximum(cover, 0)] if r_first.size else np.zeros(first.size, np.intp)
    product = np.where(cover >= 0, iv.product[row] if len(iv) else 0, 0)
    order = np.where(cover >= 0, iv.order[row] if len(iv) else 0, 0)
    good = np.add.reduceat(ct.good, first) if first.size else np.zeros(0, np.int64)
    scrap = np.add.reduceat(ct.scrap, first) if first.size else np.zeros(0, np.int64)
    pq = (good + scrap).astype(np.float64)
    value = ideal[m, product] if first.size else np.zeros(0)
    valued = ~np.isnan(value)
    qty = np.zeros((first.size, 5))
    qty[:, 0], qty[:, 1] = pq, good
    qty[:, 2] = np.where(valued, value, 0.0) * pq
    if not valued.all():
        positive = np.add.reduceat((ct.good + ct.scrap > 0).astype(np.float64), first)
        qty[:, 3] = np.where(valued, 0.0, positive)
    seg = np.searchsorted(edges, ct.ts[first], side="right") - 1
    out.add(_key(m, seg, product, order), None, qty)


def _sum(group: IP, n: int, rows: F64) -> F64:
    """Each column of ``rows`` summed per group: an array [n, columns]."""
    sums = [np.bincount(group, weights=column, minlength=n) for column in rows.T]
    return np.asarray(np.stack(sums, axis=1), dtype=np.float64).reshape(n, rows.shape[1])


def _calendar(time: F64, slot: npt.NDArray[np.int8]) -> None:
    """Unused time off shift becomes ``no_shift``, unused time in a break ``planned_stop``."""
    for half in (0, N_STATES):
        for target, which in ((S.NO_SHIFT, slot == OFF), (S.PLANNED_STOP, slot == BREAK)):
            for state in _UNUSED:
                time[which, half + target] += time[which, half + state]
                time[which, half + state] = 0.0


def fast_cells(
    states: Intervals,
    counts: Counts,
    lo: int,
    hi: int,
    *,
    grid: CalendarGrid,
    ideal: IdealCycles,
    calendar: bool = True,
) -> Cells:
    """The cells of [lo, hi) (µs) from raw intervals and counts (any order, unclipped).

    ``counts`` must lie in the window already. Reasons matter only as preventive
    maintenance (:data:`~smartfactory.kpi.oee.PM_REASONS`), so auto-classification rules that
    never assign such a reason need not run first.
    """
    iv, key = _sorted_rows(states, lo, hi)
    edges = grid.edges(lo, hi)
    pm_reason = np.array([r in PM_REASONS for r in iv.reasons], dtype=bool)
    pm = pm_reason[iv.reason] if pm_reason.any() else None
    out = _Parts()
    _intervals(iv, key, edges, hi, pm=pm, out=out)
    _gaps(len(iv.machines), edges, hi, out)
    matrix = ideal.matrix(iv.machines, iv.products)
    _counts(counts, iv, edges, hi, ideal=matrix, out=out)
    m, s, p, o = (np.concatenate([k[i] for k in out.keys]) for i in range(4))
    group, n, first = group_rows(m, s, p, o)
    time = _sum(group, n, np.concatenate(out.time))
    qty = _sum(group, n, np.concatenate(out.qty))
    if calendar:
        _calendar(time, grid.slot_of(edges)[s[first]])
    seconds = time / 1e6
    totals = Totals(
        state_s=seconds[:, :N_STATES] + seconds[:, N_STATES:],
        pq=qty[:, 0],
        gq=qty[:, 1],
        ideal_s=qty[:, 2],
        unvalued=qty[:, 3],
        failures=qty[:, 4],
        preventive_s=seconds[:, N_STATES + S.PLANNED_STOP].copy(),
    )
    return Cells(
        m[first], s[first], p[first], o[first], totals,
        iv.machines, iv.products, iv.orders, edges,
    )  # fmt: skip
