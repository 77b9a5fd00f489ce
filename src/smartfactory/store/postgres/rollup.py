"""Roll-ups of samples per signal and whole UTC minute (``samples_1m``) and hour (``samples_1h``).

Both tables (created and back-filled by revision 0003) hold exactly one row per signal and
bucket that has stored samples::

    signal_id  bucket (start, timestamptz)  n (rows)  nv (non-null values)
    total (sum of values, null when nv = 0)  lo (min value)  hi (max value)

and always equal ``GROUP BY signal_id, date_bin(width, ts, 'epoch')`` over ``samples``. The
invariant is kept inside the writer's transactions:

* :data:`INSERT_SAMPLES` moves a staged batch into ``samples`` and, in the same statement,
  folds *exactly the rows newly stored* (``RETURNING`` of ``INSERT ... ON CONFLICT DO
  NOTHING``, so a re-sent or overlapping batch adds nothing twice) into both roll-ups with
  ``INSERT ... ON CONFLICT (signal_id, bucket) DO UPDATE``. Partials are inserted in key
  order, so two processes writing the same buckets lock rows in the same order.
* :func:`batch_partials` / :data:`UPSERT` do the same for a batch that went into ``samples``
  whole (a ``COPY`` straight into the table, inside a savepoint, which a duplicate key rolls
  back): the batch is grouped by signal and bucket in NumPy and each roll-up table gets one
  ``INSERT ... SELECT FROM unnest(...) ON CONFLICT DO UPDATE`` in key order. Values are summed
  in the batch's row order, as PostgreSQL's ``sum`` over the ``RETURNING`` rows does, and
  ``min`` / ``max`` follow PostgreSQL's ordering (NaN above every number; nulls ignored).
* :func:`retain` drops the buckets before a retention cutoff and recomputes a bucket that
  straddles it from the samples that remain.

:func:`aggregate_sql` answers ``aggregate_samples`` for buckets of a whole number of minutes:
the whole hours inside the window from ``samples_1h`` (when the width is a whole number of
hours), the remaining whole minutes from ``samples_1m``, and the partial minutes at the edges
from raw samples, combined per bucket. ``n``, ``min`` and ``max`` are exactly the raw query's
(PostgreSQL orders NaN above every number in ``min``/``max`` and ``least``/``greatest`` alike);
``mean`` is ``sum / count`` of non-null values, equal to the raw ``avg`` up to the order of the
floating-point additions (a few ulps).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from smartfactory.store.convert import from_us

__all__ = [
    "HOUR_US",
    "INSERT_SAMPLES",
    "MINUTE_US",
    "TABLES",
    "aggregate_sql",
    "batch_partials",
    "retain",
    "upsert_sql",
]

MINUTE_US = 60_000_000
HOUR_US = 60 * MINUTE_US
TABLES = {MINUTE_US: "samples_1m", HOUR_US: "samples_1h"}

_EPOCH = "timestamptz 'epoch'"


def _fold(table: str, width: str) -> str:
    return (
        f"INSERT INTO {table} AS r SELECT signal_id, date_bin(interval '{width}', ts, {_EPOCH}),"
        " count(*), count(value), sum(value), min(value), max(value) FROM ins"
        " GROUP BY 1, 2 ORDER BY 1, 2"
        " ON CONFLICT (signal_id, bucket) DO UPDATE SET n = r.n + excluded.n,"
        " nv = r.nv + excluded.nv,"
        " total = CASE WHEN excluded.nv = 0 THEN r.total WHEN r.nv = 0 THEN excluded.total"
        "  ELSE r.total + excluded.total END,"
        " lo = least(r.lo, excluded.lo), hi = greatest(r.hi, excluded.hi)"
    )


def insert_samples(stage: str) -> str:
    """One statement: staged rows into ``samples`` (first write wins) and both roll-ups.

    Returns one row: the number of samples newly stored.
    """
    return (
        f"WITH ins AS (INSERT INTO samples SELECT signal_id, ts, value FROM {stage}"
        " ON CONFLICT DO NOTHING RETURNING signal_id, ts, value),"
        f" m AS ({_fold('samples_1m', '1 minute')}),"
        f" h AS ({_fold('samples_1h', '1 hour')})"
        " SELECT count(*) FROM ins"
    )


INSERT_SAMPLES = insert_samples("_sf_stage")

_CONFLICT = (
    " ON CONFLICT (signal_id, bucket) DO UPDATE SET n = r.n + excluded.n,"
    " nv = r.nv + excluded.nv,"
    " total = CASE WHEN excluded.nv = 0 THEN r.total WHEN r.nv = 0 THEN excluded.total"
    "  ELSE r.total + excluded.total END,"
    " lo = least(r.lo, excluded.lo), hi = greatest(r.hi, excluded.hi)"
)


def upsert_sql(table: str) -> str:
    """Fold partial rows (parameters: arrays as :func:`batch_partials` returns) into ``table``."""
    return (
        f"INSERT INTO {table} AS r SELECT s, {_EPOCH} + b * interval '1 microsecond', n, nv,"
        " total, lo, hi FROM unnest(%s::int4[], %s::int8[], %s::int8[], %s::int8[],"
        " %s::float8[], %s::float8[], %s::float8[]) AS u(s, b, n, nv, total, lo, hi)"
        f" ORDER BY 1, 2{_CONFLICT}"
    )


def _nullable(values: npt.NDArray[np.float64], present: npt.NDArray[np.bool_]) -> list[Any]:
    return [v if ok else None for v, ok in zip(values.tolist(), present.tolist(), strict=True)]


def batch_partials(
    sid: npt.NDArray[np.int32],
    ts_us: npt.NDArray[np.int64],
    value: npt.NDArray[np.float64],
    valid: npt.NDArray[np.bool_],
    width: int,
) -> list[list[Any]]:
    """Per (signal, bucket of ``width`` µs) of a batch: n, nv, total, lo, hi, in key order.

    Returned as the seven parameter lists of :func:`upsert_sql`. ``ts_us`` must be >= 0
    (buckets are floored like ``date_bin`` from the epoch).
    """
    bucket = ts_us - ts_us % width
    key = sid.astype(np.int64) * (1 << 42) + bucket // MINUTE_US
    uniq, group = np.unique(key, return_inverse=True)
    k = uniq.size
    nan = np.isnan(value) & valid
    num = valid & ~nan
    n = np.bincount(group, minlength=k)
    nv = np.bincount(group, weights=valid, minlength=k).astype(np.int64)
    # in row order per group, like sum() over the rows in the order they were inserted
    total = np.asarray(
        np.bincount(group, weights=np.where(valid, value, 0.0), minlength=k), dtype=np.float64
    )
    order = np.argsort(group, kind="stable")
    first = np.searchsorted(group[order], np.arange(k))
    lo = np.minimum.reduceat(np.where(num, value, np.inf)[order], first)
    hi = np.maximum.reduceat(np.where(num, value, -np.inf)[order], first)
    has_num = np.bincount(group, weights=num, minlength=k) > 0
    has_nan = np.bincount(group, weights=nan, minlength=k) > 0
    lo = np.where(has_num, lo, np.nan)  # only NaN among the values: min is NaN
    hi = np.where(has_nan, np.nan, hi)  # NaN sorts above every number
    present = nv > 0
    signal = (uniq >> 42).astype(np.int32)
    start = (uniq & ((1 << 42) - 1)) * MINUTE_US
    return [
        signal.tolist(),
        start.tolist(),
        n.astype(np.int64).tolist(),
        nv.tolist(),
        _nullable(total, present),
        _nullable(lo, present),
        _nullable(hi, present),
    ]


def retain(cutoff_us: int) -> list[tuple[str, list[object]]]:
    """Statements keeping the roll-ups equal to ``samples`` after a retention at ``cutoff_us``."""
    cutoff = from_us(cutoff_us)
    out: list[tuple[str, list[object]]] = []
    for width, table in TABLES.items():
        out.append((f"DELETE FROM {table} WHERE bucket < %s", [cutoff]))
        start = cutoff_us - cutoff_us % width
        if start < cutoff_us:  # the bucket straddling the cutoff keeps its later samples
            out.append(
                (
                    f"INSERT INTO {table} SELECT signal_id, %s, count(*), count(value),"
                    " sum(value), min(value), max(value) FROM samples"
                    " WHERE ts >= %s AND ts < %s GROUP BY signal_id ORDER BY signal_id",
                    [from_us(start), cutoff, from_us(start + width)],
                )
            )
    return out


def _raw(lo: int, hi: int) -> tuple[str, list[object]]:
    return (
        "SELECT signal_id, ts AS b, 1::bigint AS n, (value IS NOT NULL)::int::bigint AS nv,"
        " value AS total, value AS lo, value AS hi FROM samples"
        " WHERE signal_id = ANY(%s) AND ts >= %s AND ts < %s",
        [from_us(lo), from_us(hi)],
    )


def _rolled(width: int, lo: int, hi: int) -> tuple[str, list[object]]:
    return (
        f"SELECT signal_id, bucket AS b, n, nv, total, lo, hi FROM {TABLES[width]}"
        " WHERE signal_id = ANY(%s) AND bucket >= %s AND bucket < %s",
        [from_us(lo), from_us(hi)],
    )


def _split(width: int, lo: int, hi: int) -> tuple[int, int] | None:
    """The whole buckets of ``width`` inside [lo, hi), or None when there is none."""
    first = -(-lo // width) * width
    last = hi // width * width
    return (first, last) if first < last else None


def _parts(step: int, lo: int, hi: int) -> list[tuple[str, list[object]]]:
    """Union members covering [lo, hi): roll-ups of ``step`` and finer, raw at the edges."""
    if lo >= hi:
        return []
    whole = _split(step, lo, hi)
    finer = MINUTE_US if step == HOUR_US else None
    if whole is None:
        return _parts(finer, lo, hi) if finer else [_raw(lo, hi)]
    first, last = whole
    edges = [(lo, first), (last, hi)]
    out = [_rolled(step, first, last)]
    for a, b in edges:
        if a < b:
            out.extend(_parts(finer, a, b) if finer else [_raw(a, b)])
    return out


def aggregate_sql(
    ids: list[int], lo_us: int, hi_us: int, width_us: int
) -> tuple[str, list[object]] | None:
    """The roll-up query of ``aggregate_samples`` and its parameters; None to scan raw samples.

    None when ``width_us`` is not a whole number of minutes or the window holds no whole
    minute. Otherwise rows are signal_id, bucket, n, mean, min, max ordered by signal_id,
    bucket.
    """
    if width_us % MINUTE_US or _split(MINUTE_US, lo_us, hi_us) is None:
        return None
    step = HOUR_US if width_us % HOUR_US == 0 else MINUTE_US
    parts = _parts(step, lo_us, hi_us)
    union = " UNION ALL ".join(f"({sql})" for sql, _ in parts)
    params: list[object] = [width_us]
    for _, p in parts:
        params.extend([ids, *p])
    statement = (
        f"SELECT signal_id, date_bin(%s::bigint * interval '1 microsecond', b, {_EPOCH}) AS bucket,"
        " sum(n)::bigint, CASE WHEN sum(nv) > 0 THEN sum(total) / sum(nv)::float8 END,"
        f" min(lo), max(hi) FROM ({union}) u GROUP BY 1, 2 ORDER BY 1, 2"
    )
    return statement, params
