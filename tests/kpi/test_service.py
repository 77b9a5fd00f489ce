"""Service functions against the embedded DuckDB store and the example plant's calendar.

Monday 2024-03-04, window 00:00-24:00 KST. Day shift 08:00-17:00 with breaks 10:00 (10 min),
12:00 (60 min), 15:00 (10 min): 27 600 s planned work. Night shift from 20:00, break 22:00
(10 min), cut at midnight: 13 800 s. PBT = 41 400 s when the machine records nothing else.
cnc-01 produces shaft-a 08:00-10:00, 10:10-11:00 and 11:02-12:00, stops 11:00-11:02 without
a reason (a micro-stop by the default rule), and is idle 10:00-10:10 (during a break, so a
planned stop). APT = 7200 + 3000 + 3480 = 13 680 s.
"""

from __future__ import annotations

import pytest

from smartfactory.domain.assets import Plant
from smartfactory.kpi.service import load_cube, oee, oee_rollups
from smartfactory.store import DuckDBStore

from .conftest import at


def by(rows: list, **group: str):  # type: ignore[no-untyped-def]
    return next(r for r in rows if r.group == group)


def test_machine_kpis_are_calendar_aware(store: DuckDBStore, plant: Plant) -> None:
    rows = oee(store, plant, at(0), at(24))
    cnc = by(rows, machine="cnc-01")
    assert cnc.pbt_s == 41_400 and cnc.apt_s == 13_680
    assert cnc.availability == pytest.approx(13_680 / 41_400)
    assert cnc.pq == 200 and cnc.gq == 190
    assert cnc.performance == pytest.approx(42 * 200 / 13_680)  # shaft-a turning: 42 s
    assert cnc.failures == 1 and cnc.mttr_s == 120
    assert cnc.planned_stop_s == 80 * 60 + 10 * 60  # breaks incl. the one at night
    mc = by(rows, machine="mc-01")
    # 09:00-13:00 down includes the 12:00 lunch break: recorded use of time wins
    assert mc.down_s == 4 * 3600 and mc.failures == 1
    assert mc.performance == pytest.approx(28 * 60 / 3600)  # shaft-b milling: 28 s
    idle = by(rows, machine="press-01")
    assert idle.apt_s == 0 and idle.availability == 0 and idle.performance is None


def test_without_calendar_gaps_are_unknown(store: DuckDBStore, plant: Plant) -> None:
    cnc = by(oee(store, plant, at(0), at(24), calendar=False), machine="cnc-01")
    assert cnc.pbt_s == 86_400 and cnc.unknown_s == 86_400 - 4 * 3600


def test_rollups_add_up(store: DuckDBStore, plant: Plant) -> None:
    tables = oee_rollups(store, plant, at(0), at(24))
    site = tables["site"][0]
    for name in ("machine", "line", "area", "shift", "day", "product", "order"):
        rows = tables[name]
        assert sum(r.pbt_s for r in rows) == pytest.approx(site.pbt_s), name
        assert sum(r.apt_s for r in rows) == pytest.approx(site.apt_s), name
        assert sum(r.pq for r in rows) == site.pq, name
        assert sum(r.failures for r in rows) == site.failures, name
    assert site.failures == 2
    shift = {r.group["shift"]: r for r in tables["shift"]}
    assert shift["day"].apt_s == 13_680 + 3600 and shift["night"].apt_s == 0
    assert shift["off_shift"].pbt_s == 0
    assert len(tables["machine"]) == 18
    product = {r.group["product"]: r for r in tables["product"]}
    assert product["shaft-a"].pq == 200 and product["shaft-b"].pq == 60
    assert {r.group["week"] for r in tables["week"]} == {"2024-W10"}


def test_combined_grouping(store: DuckDBStore, plant: Plant) -> None:
    rows = oee(store, plant, at(0), at(24), group_by=("line", "shift"))
    line_day = by(rows, line="shaft-line", shift="day")
    assert line_day.apt_s == 13_680 + 3600


def test_cube_can_be_reused(store: DuckDBStore, plant: Plant) -> None:
    from smartfactory.kpi.rollup import rollup

    cube = load_cube(store, plant, at(0), at(24))
    whole = rollup(cube, ())
    assert whole.keys == [()] and whole.totals.window_s[0] == 18 * 86_400
    with pytest.raises(ValueError, match="unknown grouping"):
        rollup(cube, ("colour",))
