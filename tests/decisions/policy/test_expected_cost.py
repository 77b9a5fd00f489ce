from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smartfactory.decisions.policy import (
    MaintenanceCosts,
    Weibull,
    age_replacement_cost_rate,
    cost_rates,
    decide,
    samples_from_quantiles,
)
from smartfactory.domain.assets import Costs
from smartfactory.domain.behaviour import MachineBehaviour

COSTS = MaintenanceCosts(
    preventive_cost=100.0,
    failure_cost=1000.0,
    labour_per_h=10.0,
    downtime_per_h=50.0,
    preventive_h=2.0,
    repair_h=4.0,
)


def test_cost_totals() -> None:
    assert COSTS.preventive_total() == 120.0
    assert COSTS.preventive_total(2.0) == 220.0
    assert COSTS.failure_total() == 1000.0 + 40.0 + 200.0
    m = MaintenanceCosts.for_machine(
        Costs(preventive_maintenance=5, corrective_maintenance=50, scrap_per_unit=2),
        MachineBehaviour(),
        units_per_h=100.0,
    )
    assert m.preventive_cost == 5 and m.failure_cost == 50
    assert m.wear_cost_per_h == pytest.approx(2 * 0.08 * 100)


def test_certain_failure_is_avoided() -> None:
    rul = np.full(100, 100.0)
    d = decide(rul, [("window 1", 50.0, 0.0), ("window 2", 150.0, 0.0)], COSTS)
    assert d.chosen.label == "window 1"
    assert d.benefit_rate > 0
    labels = [a.label for a in d.alternatives]
    assert labels == ["window 1", "window 2"]
    assert d.alternatives[1].failure_probability == 1.0


def test_far_failure_waits_for_later_window_or_runs() -> None:
    rul = np.full(100, 10000.0)
    d = decide(rul, [("now", 0.0, 2.0), ("window", 10.0, 0.0)], COSTS)
    assert d.chosen.label == "run to failure"
    assert math.isinf(d.chosen.time_h)
    assert d.benefit_rate == 0.0


def test_matches_age_replacement_for_a_new_machine() -> None:
    # a new machine's RUL is its lifetime: the cycle rate is the age-replacement rate
    life = Weibull(2.5, 500.0)
    rul = life.sample(np.random.default_rng(0), 200000)
    d = decide(rul, [("t", 300.0, 0.0)], COSTS)
    expected = age_replacement_cost_rate(
        life, np.array([300.0]), COSTS.preventive_total(), COSTS.failure_total()
    )[0]
    assert d.alternatives[0].cost_rate == pytest.approx(expected, rel=0.01)
    assert d.run_to_failure.cost_rate == pytest.approx(
        COSTS.failure_total() / life.mean(), rel=0.01
    )


def test_samples_from_quantiles() -> None:
    s = samples_from_quantiles([0.1, 0.5, 0.9], [10.0, 50.0, 90.0], 101)
    assert np.all(np.diff(s) >= 0)
    assert float(np.median(s)) == pytest.approx(50.0, abs=1.0)
    with pytest.raises(ValueError):
        samples_from_quantiles([0.5, 0.1], [1.0, 2.0])


def test_bad_inputs() -> None:
    with pytest.raises(ValueError):
        decide([-1.0], [("now", 0.0, 0.0)], COSTS)
    with pytest.raises(ValueError):
        decide([1.0], [], COSTS)


@settings(max_examples=40, deadline=None)
@given(
    shape=st.floats(1.0, 5.0),
    times=st.lists(st.floats(0.0, 2000.0), min_size=1, max_size=6),
    elapsed=st.floats(0.0, 500.0),
)
def test_chosen_is_the_cheapest(shape: float, times: list[float], elapsed: float) -> None:
    rul = Weibull(shape, 400.0).sample(np.random.default_rng(1), 300)
    d = decide(rul, [(f"t{i}", t, 0.0) for i, t in enumerate(times)], COSTS, elapsed_h=elapsed)
    best = min([a.cost_rate for a in d.alternatives] + [d.run_to_failure.cost_rate])
    assert d.chosen.cost_rate == pytest.approx(best)
    assert d.benefit_rate >= 0


def test_cost_rates_is_vectorised_over_machines() -> None:
    rng = np.random.default_rng(2)
    rul = rng.uniform(10, 100, (3, 50))
    times = np.array([[0.0, 20.0, 80.0]] * 3)
    cp = np.full((3, 3), 10.0)
    rates, fail, rtf = cost_rates(rul, times, cp, np.full(3, 100.0), np.zeros(3))
    for m in range(3):
        one = decide(
            rul[m],
            [("a", 0.0, 0.0), ("b", 20.0, 0.0), ("c", 80.0, 0.0)],
            MaintenanceCosts(preventive_cost=10.0, failure_cost=100.0, repair_h=1.0),
        )
        assert [a.cost_rate for a in one.alternatives][1:] == pytest.approx(rates[m, 1:])
        assert rtf[m] == pytest.approx(100.0 / rul[m].mean())
        assert fail[m, 0] == 0.0
