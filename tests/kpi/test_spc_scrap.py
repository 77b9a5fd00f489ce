"""Attribute charts (p, np, c, u) of a machine's stored scrap: by hand and on simulator data."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from smartfactory.config import example_plant
from smartfactory.domain.assets import Plant
from smartfactory.errors import NotFoundError
from smartfactory.kpi.spc import SPC_EVENT
from smartfactory.kpi.spc.service import spc_scrap
from smartfactory.sim import FactorySimulation
from smartfactory.store import COUNT_SCHEMA, DuckDBStore, open_store

from .conftest import DAY, at


@pytest.fixture(scope="module")
def plant() -> Plant:
    return example_plant()


@pytest.fixture
def store() -> Iterator[DuckDBStore]:
    s = DuckDBStore(":memory:")
    yield s
    s.close()


def put(store: DuckDBStore, rows: list[tuple[datetime, int, int]], machine: str = "cnc-01") -> None:
    ts, good, scrap = zip(*rows, strict=True)
    store.write_counts(
        pa.table([[machine] * len(rows), list(ts), list(good), list(scrap)], schema=COUNT_SCHEMA)
    )


def test_p_chart_by_hour_with_varying_output(store: DuckDBStore, plant: Plant) -> None:
    # hour 08: 200 made, 5 scrap; 09: 100/10; 10: nothing (skipped); 11: 400/5; 12: 80/30
    put(store, [(at(8, 10), 95, 5), (at(8, 40), 100, 0), (at(9, 30), 90, 10),
                (at(11, 15), 395, 5), (at(12, 5), 50, 30)])  # fmt: skip
    result = spc_scrap(store, plant, "cnc-01", at(8), at(13))
    assert result.labels == [
        "2024-03-04T08:00+09:00", "2024-03-04T09:00+09:00",
        "2024-03-04T11:00+09:00", "2024-03-04T12:00+09:00",
    ]  # fmt: skip
    assert result.starts[2] == at(11) and result.ends[2] == at(12)
    assert result.inspected.tolist() == [200, 100, 400, 80]
    assert result.scrap.tolist() == [5, 10, 5, 30]
    chart = result.chart
    assert chart.kind == "p"
    assert chart.values.tolist() == pytest.approx([0.025, 0.1, 0.0125, 0.375])
    p_bar = 50 / 780
    assert chart.center.tolist() == pytest.approx([p_bar] * 4)
    # limits vary with the output: p-bar +- 3 sqrt(p-bar (1 - p-bar) / n)
    half = [3 * math.sqrt(p_bar * (1 - p_bar) / n) for n in (200, 100, 400, 80)]
    assert chart.ucl.tolist() == pytest.approx([p_bar + h for h in half])
    assert chart.lcl.tolist() == pytest.approx([max(p_bar - h, 0) for h in half])
    assert chart.lcl[2] == pytest.approx(0.02736, abs=1e-5)  # 0.0125 is below it
    assert chart.ucl[3] == pytest.approx(0.14626, abs=1e-5)  # 0.375 is above it
    assert result.hits["N1"].tolist() == [2, 3]
    stored = store.query_events(at(0), at(24), [SPC_EVENT])
    assert stored == result.events
    assert [(e.timestamp, e.source) for e in stored] == [
        (at(11, 15), "cnc-01"),
        (at(12, 5), "cnc-01"),
    ]
    data = stored[1].data
    assert data["machine"] == "cnc-01" and data["chart"] == "p" and data["rules"] == ["N1"]
    assert data["subgroup"] == "hour" and data["period"] == "2024-03-04T12:00+09:00"
    assert data["period_start"] == at(12).astimezone(UTC).isoformat()
    assert (data["inspected"], data["scrap"]) == (80, 30)
    assert data["value"] == pytest.approx(0.375)


def test_np_c_u_charts_by_day(store: DuckDBStore, plant: Plant) -> None:
    # 100 made a day, scrap 2, 4, 6; the count at 23:30 KST belongs to the local day 03-04
    put(store, [(at(9), 48, 1), (at(23, 30), 50, 1), (at(33), 96, 4), (at(57), 94, 6)])
    args = (store, plant, "cnc-01", DAY, DAY + timedelta(days=3))
    np_ = spc_scrap(*args, chart="np", subgroup="day")
    assert np_.labels == ["2024-03-04", "2024-03-05", "2024-03-06"]
    assert np_.chart.values.tolist() == [2, 4, 6]
    assert np_.chart.center[0] == pytest.approx(4)
    assert np_.chart.ucl[0] == pytest.approx(4 + 3 * math.sqrt(100 * 0.04 * 0.96))  # 9.879
    assert np_.chart.lcl[0] == 0 and np_.hits == {} and np_.events == []
    c = spc_scrap(*args, chart="c", subgroup="day")
    assert c.chart.ucl[0] == pytest.approx(4 + 3 * 2) and c.chart.lcl[0] == 0
    u = spc_scrap(*args, chart="u", subgroup="day")
    assert u.chart.values.tolist() == pytest.approx([0.02, 0.04, 0.06])
    assert u.chart.ucl[0] == pytest.approx(0.04 + 3 * math.sqrt(0.04 / 100))  # 0.10


def test_shift_subgroups_follow_the_calendar(store: DuckDBStore, plant: Plant) -> None:
    # day shift 08-17, night 20-05 (KST); the 18:00 count is off shift and left out
    put(store, [(at(9), 97, 3), (at(18), 0, 50), (at(23), 98, 2), (at(26), 96, 4),
                (at(33), 97, 3)])  # fmt: skip
    result = spc_scrap(
        store, plant, "cnc-01", DAY, DAY + timedelta(days=2), chart="c", subgroup="shift"
    )
    assert result.labels == ["2024-03-04/day", "2024-03-04/night", "2024-03-05/day"]
    assert (result.starts[1], result.ends[1]) == (at(20), at(29))
    assert result.scrap.tolist() == [3, 6, 3] and result.inspected.tolist() == [100, 200, 100]
    assert result.chart.center[0] == pytest.approx(4)


def test_zero_scrap_fires_no_rule_and_errors(store: DuckDBStore, plant: Plant) -> None:
    put(store, [(at(8) + timedelta(hours=h), 100, 0) for h in range(20)])
    clean = spc_scrap(store, plant, "cnc-01", at(8), at(28), rules="nelson")
    assert clean.hits == {} and clean.events == []  # N7 would fire on a flat chart
    put(store, [(at(30), 50, 1)])
    with pytest.raises(ValueError, match="equal size"):
        spc_scrap(store, plant, "cnc-01", at(8), at(31), chart="np")
    with pytest.raises(NotFoundError):
        spc_scrap(store, plant, "no-such-machine", at(8), at(28))
    with pytest.raises(NotFoundError):
        spc_scrap(store, plant, "cnc-01", at(8), at(9))  # one subgroup


def test_scrap_charts_on_simulator_data(tmp_path: Path, plant: Plant) -> None:
    store = open_store(tmp_path / "sim.duckdb")
    try:
        run = FactorySimulation(plant, store, seed=3).run_for(timedelta(days=5))
        counts = store.query_counts(run.start, run.end, ["press-01"])
        made = int(np.sum(counts.column("good").to_numpy())) + int(
            np.sum(counts.column("scrap").to_numpy())
        )
        scrap = int(np.sum(counts.column("scrap").to_numpy()))
        by = {
            g: spc_scrap(store, plant, "press-01", run.start, run.end, subgroup=g)
            for g in ("hour", "day", "shift")
        }
        # a burst of scrap in one hour of real data must raise an alert for that hour
        burst = run.start + timedelta(days=2, hours=3, minutes=30, microseconds=7)
        burst_hour = burst.replace(minute=0, microsecond=0)
        put(store, [(burst, 10, 90)], machine="press-01")
        alarmed = spc_scrap(store, plant, "press-01", run.start, run.end)
        stored = store.query_events(run.start, run.end + timedelta(days=1), [SPC_EVENT])
    finally:
        store.close()
    for g in ("hour", "day"):  # every count lies in one hour and one day
        assert int(by[g].inspected.sum()) == made and int(by[g].scrap.sum()) == scrap
    assert int(by["shift"].inspected.sum()) <= made
    for result in by.values():
        chart = result.chart
        assert chart.center[0] == pytest.approx(result.scrap.sum() / result.inspected.sum())
        assert np.all((chart.values >= 0) & (chart.values <= 1))
        assert np.all((chart.lcl <= chart.center) & (chart.center <= chart.ucl))
        # variable limits: a period with more output has limits at least as tight
        order = np.argsort(result.inspected)
        assert np.all(np.diff(chart.ucl[order]) <= 1e-12)
    i = alarmed.starts.index(burst_hour)
    assert i in alarmed.hits["N1"].tolist()
    alert = next(e for e in stored if e.data.get("period_start") == burst_hour.isoformat())
    assert alert.source == "press-01" and alert.timestamp == burst
    assert alert.data["chart"] == "p" and alert.data["subgroup"] == "hour"
