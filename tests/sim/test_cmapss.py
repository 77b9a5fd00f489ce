"""C-MAPSS replay: wear, failures at the end of each unit's trajectory, replayed signals."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from smartfactory.domain import CmapssDegradation, Demand, MachineBehaviour
from smartfactory.errors import DatasetError
from smartfactory.sim import CMAPSS_ENV, FactorySimulation, default_cmapss_dir, load_cmapss
from smartfactory.sim.cmapss import CmapssWear
from smartfactory.store import DuckDBStore
from tests.sim.conftest import calendar, machine, plant, product

START = datetime(2026, 1, 5, tzinfo=UTC)
DATA = default_cmapss_dir()


@pytest.fixture
def cmapss_dir() -> Path:
    if not (DATA / "train_FD001.txt").is_file():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"C-MAPSS data set missing at {DATA} (set {CMAPSS_ENV})")
        pytest.skip(f"C-MAPSS data set missing at {DATA}")
    return DATA


def cmapss_plant(units: tuple[int, ...] = (1, 2, 3)) -> object:
    b = MachineBehaviour(
        degradation=CmapssDegradation(units=units, hours_per_cycle=0.02, sensors=("s2", "s11")),
        micro_stops={"rate_per_h": 0.0},  # type: ignore[arg-type]
    )
    return plant(
        [machine("engine", b)],
        [product("p", [("op", ["engine"], 30, 0)])],
        demand=[Demand(product="p", every_h=4, quantity_min=600, quantity_max=600)],
        cal=calendar(around_the_clock=True),
    )


def test_wear_follows_trajectory(cmapss_dir: Path) -> None:
    data = load_cmapss(cmapss_dir, "FD001")
    first, last = data.unit_rows(1)
    assert last - first == 192  # unit 1 of FD001 fails at cycle 192
    wear = CmapssWear(CmapssDegradation(units=(1, 2), hours_per_cycle=0.5), data)
    assert wear.hours_to_failure() == pytest.approx(96.0)
    wear.advance(48.0)
    assert wear.level() == pytest.approx(97 / 192)
    assert wear.ahead(np.array([0.0, 48.0]))[-1] == pytest.approx(1.0)
    wear.advance(48.0)
    assert wear.level() == 1.0 and wear.hours_to_failure() == 0.0
    wear.renew()
    assert wear.unit == 2 and wear.level() == pytest.approx(
        1 / (data.unit_rows(2)[1] - data.unit_rows(2)[0])
    )


def test_replay_fails_at_end_and_emits_signals(cmapss_dir: Path, tmp_path: Path) -> None:
    store = DuckDBStore(tmp_path / "c.duckdb")
    try:
        sim = FactorySimulation(cmapss_plant(), store, seed=1, cmapss_dir=cmapss_dir)  # type: ignore[arg-type]
        r = sim.run_for(timedelta(days=1))
        data = load_cmapss(cmapss_dir, "FD001")
        lengths = [data.unit_rows(u)[1] - data.unit_rows(u)[0] for u in (1, 2, 3)]
        events = store.query_events(START, START + timedelta(days=2), ["failure"])
        assert r.failures == len(events) >= 2
        assert all(e.data["degradation"] == 1.0 for e in events)
        # the first failure comes after unit 1's producing hours
        producing_h = lengths[0] * 0.02
        assert (events[0].timestamp - START).total_seconds() / 3600 >= producing_h
        names = {(row["machine"], row["name"]) for row in store.signals().to_pylist()}
        assert {("engine", "cmapss_s2"), ("engine", "cmapss_s11")} <= names
        ids = {row["name"]: row["signal_id"] for row in store.signals().to_pylist()}
        s2 = store.query_samples([ids["cmapss_s2"]], START, START + timedelta(days=1))
        assert s2.num_rows > 1000
        lo, hi = data.unit_rows(1)[0], data.unit_rows(3)[1]
        allowed = set(np.round(data.sensors[lo:hi, 1], 4))
        assert set(np.round(s2["value"].to_numpy(), 4)) <= allowed
    finally:
        store.close()


def test_missing_dataset_is_a_dataset_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(DatasetError, match="C-MAPSS"):
        FactorySimulation(cmapss_plant(), cmapss_dir=tmp_path)  # type: ignore[arg-type]
    monkeypatch.setenv(CMAPSS_ENV, str(tmp_path / "nowhere"))
    assert default_cmapss_dir() == tmp_path / "nowhere"
    with pytest.raises(DatasetError, match=CMAPSS_ENV):
        FactorySimulation(cmapss_plant())  # type: ignore[arg-type]


def test_malformed_file_is_a_dataset_error(tmp_path: Path) -> None:
    (tmp_path / "train_FD001.txt").write_text("1 2 3\n")
    with pytest.raises(DatasetError, match="shape"):
        load_cmapss(tmp_path, "FD001")
