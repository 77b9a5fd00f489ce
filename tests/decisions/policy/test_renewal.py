from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smartfactory.decisions.policy import (
    Empirical,
    Weibull,
    age_replacement_cost_rate,
    block_replacement_cost_rate,
    fit_weibull,
    optimal_age_replacement,
    optimal_block_replacement,
    renewal_function,
    run_to_failure_cost_rate,
)


def test_weibull_fit_recovers_known_parameters() -> None:
    rng = np.random.default_rng(3)
    truth = Weibull(2.5, 800.0)
    fitted = fit_weibull(truth.sample(rng, 20000))
    assert fitted.shape == pytest.approx(2.5, rel=0.03)
    assert fitted.scale == pytest.approx(800.0, rel=0.02)


def test_weibull_fit_rejects_bad_samples() -> None:
    with pytest.raises(ValueError):
        fit_weibull([1.0])
    with pytest.raises(ValueError):
        fit_weibull([1.0, -2.0, 3.0])
    with pytest.raises(ValueError):
        fit_weibull([5.0, 5.0, 5.0])


def test_integrated_survival_is_expected_minimum() -> None:
    rng = np.random.default_rng(1)
    w = Weibull(1.7, 100.0)
    x = w.sample(rng, 200000)
    t = np.array([10.0, 50.0, 100.0, 300.0])
    brute = np.array([np.minimum(x, ti).mean() for ti in t])
    assert w.integrated_survival(t) == pytest.approx(brute, rel=0.01)
    e = Empirical(x[:5000])
    exact = np.array([np.minimum(e.samples, ti).mean() for ti in t])
    assert e.integrated_survival(t) == pytest.approx(exact, rel=1e-12)
    assert float(w.integrated_survival(np.array([1e6]))[0]) == pytest.approx(w.mean(), rel=1e-3)


@pytest.mark.parametrize(
    ("shape", "scale", "c_p", "c_f"), [(2.5, 1000.0, 1.0, 10.0), (3.5, 400.0, 2.0, 7.0)]
)
def test_age_replacement_optimum_matches_brute_force_grid(
    shape: float, scale: float, c_p: float, c_f: float
) -> None:
    life = Weibull(shape, scale)
    choice = optimal_age_replacement(life, c_p, c_f)
    grid = np.linspace(1.0, 3.0 * scale, 30000)
    rates = age_replacement_cost_rate(life, grid, c_p, c_f)
    best = int(np.argmin(rates))
    assert choice.interval == pytest.approx(grid[best], rel=0.01)
    assert choice.cost_rate == pytest.approx(rates[best], rel=1e-3)
    assert choice.saving_rate > 0


def test_age_replacement_tends_to_run_to_failure_cost() -> None:
    life = Weibull(2.0, 500.0)
    far = age_replacement_cost_rate(life, np.array([50 * 500.0]), 1.0, 10.0)[0]
    assert far == pytest.approx(run_to_failure_cost_rate(life, 10.0), rel=1e-3)
    assert run_to_failure_cost_rate(life, 10.0) == pytest.approx(10.0 / life.mean())


def test_no_ageing_means_run_to_failure() -> None:
    # constant hazard: replacing early only costs more
    choice = optimal_age_replacement(Weibull(1.0, 100.0), 1.0, 10.0)
    assert math.isinf(choice.interval)
    assert choice.saving_rate == 0.0


@settings(max_examples=25, deadline=None)
@given(
    shape=st.floats(1.5, 5.0),
    ratio=st.floats(3.0, 50.0),
    t=st.floats(0.05, 3.0),
)
def test_optimum_is_no_worse_than_any_interval(shape: float, ratio: float, t: float) -> None:
    life = Weibull(shape, 100.0)
    choice = optimal_age_replacement(life, 1.0, ratio)
    rate = age_replacement_cost_rate(life, np.array([t * 100.0]), 1.0, ratio)[0]
    assert choice.cost_rate <= rate * (1 + 1e-6)
    assert choice.cost_rate <= choice.run_to_failure_rate


def test_renewal_function_of_exponential_is_linear() -> None:
    m = renewal_function(Weibull(1.0, 10.0), 50.0, 2000)
    t = np.linspace(0.0, 50.0, 2001)
    assert m == pytest.approx(t / 10.0, abs=0.02)


def test_block_replacement_optimum_matches_grid() -> None:
    life = Weibull(3.0, 100.0)
    choice = optimal_block_replacement(life, 1.0, 10.0)
    grid = np.linspace(1.0, life.quantile(0.999), 3000)
    rates = block_replacement_cost_rate(life, grid, 1.0, 10.0)
    assert choice.cost_rate == pytest.approx(float(rates.min()), rel=5e-3)
    assert choice.interval == pytest.approx(float(grid[int(np.argmin(rates))]), rel=0.03)
    # block replacement never beats age replacement
    assert choice.cost_rate >= optimal_age_replacement(life, 1.0, 10.0).cost_rate * (1 - 1e-3)
