"""Losses and reasons on the service fixture (see conftest.py for the day's data).

cnc-01 + mc-01: cnc-01 stops 120 s unexplained (micro-stop), the rest of its 41 400 s PBT
beyond 13 680 s producing is unknown (27 600 s). mc-01 breaks down 09:00-13:00 (14 400 s,
through the 10:00 and lunch breaks, so its PBT is 45 600 s), produces 3600 s, unknown 27 600 s.
Speed loss = APT 17 280 - (42 x 200 + 28 x 60) = 7200 s. Defects = 42 x 10 scrap = 420 s.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest
from pydantic import ValidationError

from smartfactory.domain.assets import Plant
from smartfactory.domain.states import MachineState as S
from smartfactory.errors import DataError, NotFoundError
from smartfactory.kpi.classify import REASON_EVENT, assign_reason
from smartfactory.kpi.ideal import IdealCycles
from smartfactory.kpi.intervals import Counts, Intervals
from smartfactory.kpi.losses import losses as frame_losses
from smartfactory.kpi.oee import prepare
from smartfactory.kpi.reasons import ReasonTree, default_tree
from smartfactory.kpi.service import losses, oee
from smartfactory.store import DuckDBStore

from .conftest import at

TWO = ["cnc-01", "mc-01"]


def test_six_big_losses_and_pareto(store: DuckDBStore, plant: Plant) -> None:
    report = losses(store, plant, at(0), at(24), machines=TWO)
    six = report.six_big_losses
    assert six["breakdowns"] == 14_400
    assert six["idling_minor_stops"] == 120
    assert six["setup_adjustments"] == 0
    assert six["reduced_speed"] == pytest.approx(7200)
    assert six["process_defects"] == pytest.approx(420)
    assert six["reduced_yield"] == 0
    assert report.unknown_s == 27_600 + 27_600
    cats = [(i.key, i.seconds) for i in report.pareto_by_category]
    assert cats == [("unknown", 55_200), ("breakdown", 14_400), ("minor_stop", 120)]
    reasons = report.pareto_by_reason
    assert [i.key for i in reasons] == ["unclassified", "breakdown", "micro_stop"]
    assert reasons[1].label_ko == "설비 고장" and reasons[1].count == 1
    assert reasons[-1].cumulative == pytest.approx(1.0)
    assert report.micro_stops.count == 1 and report.micro_stops.mean_s == 120
    assert report.breakdowns.count == 1


def test_micro_stop_threshold_is_configurable(store: DuckDBStore, plant: Plant) -> None:
    report = losses(store, plant, at(0), at(24), machines=TWO, micro_stop_s=60)
    assert report.micro_stops.count == 0
    assert report.unknown_s == 27_600 + 27_600 + 120


def test_startup_scrap_is_reduced_yield() -> None:
    # setup 0-600 s, then producing; scrap 5 at 900 s (start-up) and 3 at 3000 s (defects)
    us = 10**6
    one = np.zeros(2, dtype=np.int32)
    iv = Intervals(
        one, np.array([0, 600 * us]), np.array([600 * us, 3600 * us]),
        np.array([S.SETUP, S.PRODUCING], dtype=np.int8), one, one, one, ("m",),
    )  # fmt: skip
    ct = Counts(np.zeros(2, np.int32), np.array([900 * us, 3000 * us]), np.array([50, 100]),
                np.array([5, 3]))  # fmt: skip
    frame = prepare(iv, ct, IdealCycles({"m": 10.0}))
    report = frame_losses(frame, default_tree(), startup_s=600)
    assert report.six_big_losses["reduced_yield"] == 50
    assert report.six_big_losses["process_defects"] == 30
    assert report.six_big_losses["setup_adjustments"] == 600
    assert report.changeovers.count == 1 and report.changeovers.seconds == 600


def test_assign_reason_rewrites_the_interval_and_records_who(
    store: DuckDBStore, plant: Plant
) -> None:
    when = datetime(2024, 3, 5, 9, tzinfo=UTC)
    event = assign_reason(store, "cnc-01", at(11), "jam", "kim", clock=lambda: when)
    assert event.kind == REASON_EVENT and event.data["by"] == "kim"
    assert event.data["previous"] == "" and event.timestamp == when
    rows = store.query_states(at(11), at(11, 1), ["cnc-01"]).to_pylist()
    assert rows[0]["reason"] == "jam" and rows[0]["end"] == at(11, 2)
    stored = store.query_events(when, when.replace(hour=10), [REASON_EVENT])
    assert stored[0].data["reason"] == "jam"
    report = losses(store, plant, at(0), at(24), machines=["cnc-01"])
    assert [i.key for i in report.pareto_by_reason] == ["unclassified", "jam"]


def test_assign_reason_errors(store: DuckDBStore) -> None:
    with pytest.raises(DataError, match="producing"):
        assign_reason(store, "cnc-01", at(8), "jam", "kim")
    with pytest.raises(DataError, match="unknown downtime reason"):
        assign_reason(store, "cnc-01", at(11), "gremlins", "kim")
    with pytest.raises(NotFoundError):
        assign_reason(store, "cnc-01", at(11, 1), "jam", "kim")
    with pytest.raises(DataError, match="who"):
        assign_reason(store, "cnc-01", at(11), "jam", " ")


def test_reason_tree() -> None:
    tree = default_tree()
    assert tree.path("jam") == ("unplanned", "micro_stop", "jam")
    assert tree.label("material_shortage", "ko") == "자재 부족"
    assert tree.label("", "en") == "Unclassified"
    assert tree.category("breakdown").value == "breakdown"
    assert tree.category("nonsense").value == "unknown"
    custom = ReasonTree.model_validate(
        {
            "roots": [
                {"code": "stop", "label": {"en": "Stop", "ko": "정지"}, "category": "breakdown"}
            ]
        }
    )
    assert custom.find("stop") is not None
    with pytest.raises(ValidationError, match="duplicate"):
        ReasonTree.model_validate({"roots": [custom.roots[0].model_dump()] * 2})


def test_performance_above_one_is_logged(
    store: DuckDBStore, plant: Plant, caplog: pytest.LogCaptureFixture
) -> None:
    from smartfactory.kpi.rollup import KpiRow

    rows = oee(store, plant, at(0), at(24), group_by=("product",))
    assert all(isinstance(r, KpiRow) for r in rows)
    assert not [r for r in caplog.records if "ideal cycle" in r.getMessage()]


def test_changeovers_by_product_transition() -> None:
    # m: A 0-1000, setup(B) 1000-1300, B 1300-2000, idle 2000-2100, setup 2100-2500 (no
    # product on the interval: the next product made, A), A 2500-3000, setup(B) 3000-3200
    # cut in two pieces at 3100 (one run), B 3200-4000.
    # n: setup(A) 0-500 with nothing made before it in the window, A 500-1000.
    us = 10**6
    edges = [0, 1000, 1300, 2000, 2100, 2500, 3000, 3100, 3200, 4000]
    st, pr, idl = S.SETUP, S.PRODUCING, S.IDLE
    states = [pr, st, pr, idl, st, pr, st, st, pr]
    products = [1, 2, 2, 0, 0, 1, 2, 2, 2]  # index into ("", "A", "B")
    m_start = np.array(edges[:-1], dtype=np.int64) * us
    m_end = np.array(edges[1:], dtype=np.int64) * us
    iv = Intervals(
        np.array([0] * 9 + [1] * 2, dtype=np.int32),
        np.concatenate([m_start, np.array([0, 500 * us])]),
        np.concatenate([m_end, np.array([500 * us, 1000 * us])]),
        np.array([*states, st, pr], dtype=np.int8),
        np.zeros(11, dtype=np.int32),
        np.array([*products, 1, 1], dtype=np.int32),
        np.zeros(11, dtype=np.int32),
        ("m", "n"),
        products=("", "A", "B"),
    )
    empty = np.zeros(0, dtype=np.int64)
    ct = Counts(np.zeros(0, np.int32), empty, empty, empty)
    report = frame_losses(prepare(iv, ct, IdealCycles({"m": 10.0, "n": 10.0})), default_tree())
    assert report.changeovers.count == 4 and report.changeovers.seconds == 1400
    rows = [(t.from_product, t.to_product, t.count, t.seconds, t.mean_s)
            for t in report.changeovers_by_transition]  # fmt: skip
    assert rows == [
        (None, "A", 1, 500, 500),  # ties on seconds: by product names, None first
        ("A", "B", 2, 500, 250),
        ("B", "A", 1, 400, 400),
    ]
    dumped = report.model_dump(mode="json")["changeovers_by_transition"][1]
    assert dumped == {
        "from_product": "A", "to_product": "B", "count": 2, "seconds": 500.0, "mean_s": 250.0
    }  # fmt: skip
