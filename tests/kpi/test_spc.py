"""SPC against textbook constants and hand-computed limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from smartfactory.kpi.spc import (
    NELSON,
    SPC_EVENT,
    WESTERN_ELECTRIC,
    alerts,
    c_chart,
    capability,
    evaluate,
    imr,
    np_chart,
    p_chart,
    u_chart,
    xbar_r,
    xbar_s,
)
from smartfactory.kpi.spc.constants import A2, A3, B3, B4, D3, D4, c4, d2


@pytest.mark.parametrize(
    ("n", "a2", "d3f", "d4f", "a3", "b3", "b4", "c4v"),
    [
        (2, 1.880, 0.0, 3.267, 2.659, 0.0, 3.267, 0.7979),
        (5, 0.577, 0.0, 2.114, 1.427, 0.0, 2.089, 0.9400),
        (7, 0.419, 0.076, 1.924, 1.182, 0.118, 1.882, 0.9594),
        (10, 0.308, 0.223, 1.777, 0.975, 0.284, 1.716, 0.9727),
        (25, 0.153, 0.459, 1.541, 0.606, 0.565, 1.435, 0.9896),
    ],
)
def test_constants_match_the_tables(  # noqa: PLR0917 - one argument per table column
    n: int, a2: float, d3f: float, d4f: float, a3: float, b3: float, b4: float, c4v: float
) -> None:
    assert A2(n) == pytest.approx(a2, abs=2e-3)
    assert D3(n) == pytest.approx(d3f, abs=2e-3)
    assert D4(n) == pytest.approx(d4f, abs=2e-3)
    assert A3(n) == pytest.approx(a3, abs=2e-3)
    assert B3(n) == pytest.approx(b3, abs=2e-3)
    assert B4(n) == pytest.approx(b4, abs=2e-3)
    assert c4(n) == pytest.approx(c4v, abs=1e-4)
    with pytest.raises(ValueError, match="outside"):
        d2(26)


def test_imr() -> None:
    i, mr = imr([10, 12, 11, 13, 12])  # mean 11.6, MR 2,1,2,1 -> MR-bar 1.5
    assert i.center[0] == pytest.approx(11.6)
    assert i.ucl[0] == pytest.approx(11.6 + 3 * 1.5 / 1.1284)
    assert i.lcl[0] == pytest.approx(11.6 - 3 * 1.5 / 1.1284)
    assert mr.ucl[0] == pytest.approx(3.267 * 1.5, abs=1e-2) and mr.lcl[0] == 0


def test_xbar_r_and_s() -> None:
    groups = [[1, 2, 3], [2, 3, 4], [3, 4, 5]]  # means 2,3,4; R = 2; s = 1
    xbar, r = xbar_r(groups)
    assert xbar.center[0] == 3 and xbar.ucl[0] == pytest.approx(3 + 1.023 * 2, abs=1e-3)
    assert r.ucl[0] == pytest.approx(2.574 * 2, abs=2e-3) and r.lcl[0] == 0
    xbar, s = xbar_s(groups)
    assert xbar.ucl[0] == pytest.approx(3 + 1.954 * 1, abs=2e-3)
    assert s.ucl[0] == pytest.approx(2.568, abs=2e-3) and s.center[0] == 1


def test_attribute_charts() -> None:
    p = p_chart([10, 15, 5, 10], 50)  # p-bar 0.2
    assert p.center[0] == pytest.approx(0.2)
    assert p.ucl[0] == pytest.approx(0.2 + 3 * np.sqrt(0.2 * 0.8 / 50))
    assert p.lcl[0] == pytest.approx(0.2 - 3 * np.sqrt(0.2 * 0.8 / 50))
    varying = p_chart([10, 10], [50, 200])
    assert varying.ucl[0] > varying.ucl[1]
    npc = np_chart([10, 15, 5, 10], 50)
    assert npc.center[0] == 10 and npc.ucl[0] == pytest.approx(10 + 3 * np.sqrt(10 * 0.8))
    c = c_chart([3, 5, 4, 4])  # c-bar 4 -> UCL 10, LCL 0
    assert (c.center[0], c.ucl[0], c.lcl[0]) == (4, 10, 0)
    u = u_chart([4, 8], [2, 4])  # u-bar 2
    assert u.center[0] == 2 and u.ucl[1] == pytest.approx(2 + 3 * np.sqrt(2 / 4))


def _chart(z: list[float]):  # type: ignore[no-untyped-def]
    from smartfactory.kpi.spc.charts import Chart

    n = len(z)
    return Chart("I", np.array(z, float), np.zeros(n), -3 * np.ones(n), 3 * np.ones(n), np.ones(n))


def test_rules_fire_where_the_pattern_completes() -> None:
    z = [0.0, 3.5, 0, 2.5, 0.1, 2.2, 0, 0, 0, 0]
    hits = evaluate(_chart(z), WESTERN_ELECTRIC)
    assert hits["WE1"].tolist() == [1]
    assert hits["WE2"].tolist() == [3, 5]  # (3.5, 0, 2.5) and (2.5, 0.1, 2.2)
    assert evaluate(_chart([0.5] * 8), WESTERN_ELECTRIC)["WE4"].tolist() == [7]
    nelson = evaluate(_chart([0.5] * 9), NELSON)
    assert nelson["N2"].tolist() == [8] and "N1" not in nelson
    assert evaluate(_chart([0.1 * i - 0.3 for i in range(6)]), NELSON)["N3"].tolist() == [5]
    alternating = [(-1) ** i * 0.5 for i in range(14)]
    assert evaluate(_chart(alternating), NELSON)["N4"].tolist() == [13]
    assert evaluate(_chart([1.5, 1.2, 0.2, 1.1, 1.3]), NELSON)["N6"].tolist() == [4]
    assert evaluate(_chart([0.2, -0.2] * 8), NELSON)["N7"].tolist() == [14, 15]
    assert evaluate(_chart([1.5, -1.5] * 4), NELSON)["N8"].tolist() == [7]
    assert evaluate(_chart([0.0, 0.3, -0.2, 0.1]), NELSON) == {}


def test_capability() -> None:
    x = np.array([9.0, 11.0, 10.0, 12.0, 8.0, 10.0])
    k = capability(x, lsl=4, usl=16)
    within = np.abs(np.diff(x)).mean() / 1.1284
    assert k.sigma_within == pytest.approx(within)
    assert k.cp == pytest.approx(12 / (6 * within))
    assert k.cpk == pytest.approx(min(16 - 10, 10 - 4) / (3 * within))
    assert k.pp == pytest.approx(12 / (6 * x.std(ddof=1)))
    one_sided = capability(x, usl=13)
    assert one_sided.cp is None and one_sided.ppk == pytest.approx(3 / (3 * x.std(ddof=1)))
    grouped = capability(x, lsl=4, usl=16, subgroup=2)
    assert grouped.sigma_within == pytest.approx(np.mean([2, 2, 2]) / 1.1284)


def test_alert_events_link_machine_and_signal() -> None:
    i, _ = imr([10, 10.1, 9.9, 10, 10.2, 9.8, 10, 14])
    hits = evaluate(i, NELSON)
    t0 = datetime(2024, 1, 1, tzinfo=UTC)
    events = alerts(i, hits, "cnc-01", "spindle_vibration", [t0 + timedelta(s) for s in range(8)])
    assert len(events) == 1 and events[0].kind == SPC_EVENT
    assert events[0].source == "cnc-01" and events[0].data["signal"] == "spindle_vibration"
    assert "N1" in events[0].data["rules"] and events[0].timestamp == t0 + timedelta(7)


def test_spc_signal_from_the_store() -> None:
    import pyarrow as pa

    from smartfactory.errors import NotFoundError
    from smartfactory.kpi.spc.service import spc_signal
    from smartfactory.store import SAMPLE_SCHEMA, DuckDBStore, SignalKey

    store = DuckDBStore(":memory:")
    try:
        sid = store.register_signals([SignalKey("cnc-01", "spindle_vibration", "mm/s")])
        key = sid[("cnc-01", "spindle_vibration")]
        t0 = datetime(2024, 1, 1, tzinfo=UTC)
        values = [1.0, 1.1, 0.9, 1.0, 1.05, 0.95, 1.0, 1.02, 0.98, 3.0]
        ts = [t0 + timedelta(minutes=i) for i in range(10)]
        store.write_samples(pa.table([[key] * 10, ts, values], schema=SAMPLE_SCHEMA))
        end = t0 + timedelta(hours=1)
        result = spc_signal(store, "cnc-01", "spindle_vibration", t0, end, usl=2.0)
        assert result.hits["N1"].tolist() == [9]
        stored = store.query_events(t0, end, [SPC_EVENT])
        # the outlier (N1) and, before it, 9 points below the inflated mean (N2)
        assert [(e.timestamp, e.data["rules"]) for e in stored] == [
            (ts[8], ["N2"]),
            (ts[9], ["N1"]),
        ]
        assert result.capability is not None and result.capability.cp is None
        grouped = spc_signal(store, "cnc-01", "spindle_vibration", t0, end, chart="xbar_s",
                             subgroup=5, write_alerts=False)  # fmt: skip
        assert grouped.location.values.size == 2 and grouped.timestamps[1] == ts[9]
        with pytest.raises(NotFoundError):
            spc_signal(store, "cnc-01", "nope", t0, end)
    finally:
        store.close()
