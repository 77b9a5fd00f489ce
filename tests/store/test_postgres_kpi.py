"""The KPI service gives exactly the same numbers on PostgreSQL as on the embedded store.

The same random rows (overlapping and open intervals, gaps, intervals crossing shift, break
and day boundaries, counts at interval ends and at the window start, preventive maintenance)
go into a DuckDBStore and a PostgresStore; every roll-up of the fast path (the coded bulk
reads) and of the reference path must be equal, field by field, with ``==``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings

from smartfactory.config import example_plant
from smartfactory.domain.assets import Plant
from smartfactory.kpi.rollup import KpiRow, rollup
from smartfactory.kpi.service import load_cube, oee_rollups
from smartfactory.store import COUNT_SCHEMA, STATE_SCHEMA, DuckDBStore, PostgresStore
from tests.kpi.conftest import DAY
from tests.kpi.test_fast_path import GROUPINGS, STEP, days
from tests.store.conftest import PG_DSN, pg_schema, require_postgres

Rows = list[tuple[Any, ...]]


@pytest.fixture(scope="module")
def plant() -> Plant:
    return example_plant()


@pytest.fixture(scope="module")
def pg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresStore]:
    require_postgres()
    store = PostgresStore(PG_DSN, schema=pg_schema(tmp_path_factory.mktemp("kpi")))
    yield store
    store.drop_schema()
    store.close()


def _write(store: DuckDBStore | PostgresStore, states: Rows, counts: Rows) -> None:
    if states:
        store.write_states(pa.table([list(c) for c in zip(*states, strict=True)], STATE_SCHEMA))
    if counts:
        store.write_counts(pa.table([list(c) for c in zip(*counts, strict=True)], COUNT_SCHEMA))


def _values(rows: list[KpiRow]) -> list[dict[str, Any]]:
    return [row.model_dump() for row in rows]


def _check(
    plant: Plant, pg: PostgresStore, states: Rows, counts: Rows, window: tuple[datetime, datetime]
) -> None:
    lo, hi = window
    with pg._writing() as con:  # a fresh, empty store for this example
        con.execute("TRUNCATE states, counts")
    _write(pg, states, counts)
    duck = DuckDBStore(":memory:")
    try:
        _write(duck, states, counts)
        for calendar in (True, False):
            want = oee_rollups(duck, plant, lo, hi, calendar=calendar)
            got = oee_rollups(pg, plant, lo, hi, calendar=calendar)
            assert got.keys() == want.keys()
            for key in want:
                assert _values(got[key]) == _values(want[key]), (key, calendar)
        ref_want = load_cube(duck, plant, lo, hi, reference=True)
        ref_got = load_cube(pg, plant, lo, hi, reference=True)
        for by in GROUPINGS:
            assert _values(rollup(ref_got, by).rows()) == _values(rollup(ref_want, by).rows())
    finally:
        duck.close()


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=days())
def test_kpis_equal_across_backends(
    plant: Plant, pg: PostgresStore, data: tuple[Rows, Rows, int, int]
) -> None:
    states, counts, lo, hi = data
    _check(plant, pg, states, counts, (DAY + STEP * lo, DAY + STEP * hi))


def test_kpis_equal_across_backends_on_a_window_wider_than_the_rows(
    plant: Plant, pg: PostgresStore
) -> None:
    """A window starting a day before any row and ending a day after (no row, no count)."""
    states: Rows = [
        ("cnc-01", DAY + timedelta(hours=7, minutes=50), DAY + timedelta(hours=9), 1, "", "o1",
         "shaft-a"),
        ("cnc-01", DAY + timedelta(hours=9), None, 4, "breakdown", "", ""),
    ]  # fmt: skip
    counts: Rows = [("cnc-01", DAY + timedelta(hours=9), 7, 1)]
    _check(plant, pg, states, counts, (DAY - timedelta(days=1), DAY + timedelta(days=2)))
