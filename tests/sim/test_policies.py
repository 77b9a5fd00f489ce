"""Maintenance policies in the simulator: the hook, each policy's behaviour, and the CLI."""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from smartfactory.cli.main import app
from smartfactory.domain.assets import Plant
from smartfactory.sim import FactorySimulation
from smartfactory.sim.evaluate import POLICIES, evaluate, make_policy, on_time_rate
from smartfactory.sim.hook import MachineObservation, Observation, Order, Truth
from smartfactory.sim.lifetimes import best_interval, failure_times
from smartfactory.sim.policies import Oracle, Preventive, RunToFailure
from smartfactory.sim.predictive import HealthModel, Predictive, training_histories
from tests.sim.conftest import two_line_plant

DAYS = 20.0
OVERHAUL = Path(__file__).parents[2] / "src/smartfactory/config/overhaul_plant.yaml"
HIDDEN = {"degradation", "wear", "hours_to_failure", "level", "d", "health"}


@pytest.fixture(scope="module")
def wear_plant() -> Plant:
    return two_line_plant(crews=2, wear_life_h=150.0)


def _run(plant: Plant, policy: object, days: float = DAYS, seed: int = 4) -> FactorySimulation:
    sim = FactorySimulation(plant, None, seed=seed, policy=policy)  # type: ignore[arg-type]
    sim.run_for(timedelta(days=days))
    return sim


def test_default_behaviour_is_unchanged(wear_plant: Plant) -> None:
    a = FactorySimulation(wear_plant, None, seed=2).run_for(timedelta(days=5))
    b = FactorySimulation(wear_plant, None, seed=2, policy=None).run_for(timedelta(days=5))
    assert dataclasses.replace(a, wall_s=0.0) == dataclasses.replace(b, wall_s=0.0)
    assert a.preventive_jobs > 0  # the plant file's interval-based jobs


def test_run_to_failure_makes_no_preventive_jobs(wear_plant: Plant) -> None:
    r = _run(wear_plant, RunToFailure()).result()
    assert r.preventive_jobs == 0
    assert r.failures > 0 and r.repairs > 0


def test_oracle_has_no_unplanned_failures(wear_plant: Plant) -> None:
    sim = _run(wear_plant, Oracle(seed=1))
    r = sim.result()
    assert r.failures == 0
    assert r.breakdown_h == 0.0
    assert r.preventive_jobs > 0


def test_preventive_uses_the_true_lifetime(wear_plant: Plant) -> None:
    pol = Preventive(seed=1)
    r = _run(wear_plant, pol).result()
    assert r.preventive_jobs > 0
    assert all(0 < t < 150.0 * 1.2 for t in pol.intervals.values())


class _Spy:
    """Wraps a policy and records what the engine hands it."""

    def __init__(self, inner: Predictive | Oracle) -> None:
        self.inner = inner
        self.name = inner.name
        self.decision_interval_h = inner.decision_interval_h
        self.uses_hidden_state = inner.uses_hidden_state
        self.truths: list[Truth | None] = []
        self.planned = 0

    def bind(self, plant: Plant) -> None:
        self.inner.bind(plant)

    def decide(self, observation: Observation, truth: Truth | None) -> Mapping[str, Order]:
        self.truths.append(truth)
        out = self.inner.decide(observation, truth)
        self.planned += len(out)
        return out


def test_predictive_sees_only_observations(wear_plant: Plant) -> None:
    for cls in (Observation, MachineObservation):
        names = {f.name for f in dataclasses.fields(cls)}
        assert not names & HIDDEN, names & HIDDEN
    spy = _Spy(Predictive(seed=1, training_units=30))
    r = _run(wear_plant, spy).result()
    assert spy.truths and all(t is None for t in spy.truths)
    assert spy.planned > 0 and r.preventive_jobs > 0
    oracle = _Spy(Oracle(seed=1))
    _run(wear_plant, oracle, days=2)
    assert oracle.truths and all(isinstance(t, Truth) for t in oracle.truths)


def test_predictive_beats_run_to_failure_on_breakdowns(wear_plant: Plant) -> None:
    rtf = _run(wear_plant, RunToFailure(), seed=5).result()
    pred = _run(wear_plant, Predictive(seed=1, training_units=30), seed=5).result()
    assert pred.failures < rtf.failures
    assert pred.breakdown_h < rtf.breakdown_h


def test_health_model_tracks_wear(wear_plant: Plant) -> None:
    b = next(iter(wear_plant.machines())).behaviour
    h = training_histories(b, np.random.default_rng(0), units=40)
    model = HealthModel().fit(h)
    hi = model.health(h.readings)
    assert np.corrcoef(hi, h.age_h / h.life_h)[0, 1] > 0.8
    rul = model.rul_samples(np.array([0.1, 0.9]))
    assert rul.shape[0] == 2 and rul[0].mean() > rul[1].mean()
    assert model.mean_life_h == pytest.approx(150.0, rel=0.2)


def test_monte_carlo_interval_matches_age_replacement(wear_plant: Plant) -> None:
    b = next(iter(wear_plant.machines())).behaviour
    assert b.degradation is not None
    cfg = b.degradation
    assert cfg.model == "gamma"
    from smartfactory.decisions.policy import Empirical, optimal_age_replacement

    rng = np.random.default_rng(0)
    exact = optimal_age_replacement(Empirical(failure_times(cfg, rng, 2000)), 1.0, 10.0)  # type: ignore[arg-type]
    mc = best_interval(cfg, 1.0, 1.0, 10.0, rng, paths=200, lives=12)  # type: ignore[arg-type]
    assert mc.interval_rate == pytest.approx(exact.cost_rate, rel=0.1)
    assert mc.run_to_failure_rate == pytest.approx(exact.run_to_failure_rate, rel=0.1)


def test_evaluate_and_on_time_rate(wear_plant: Plant) -> None:
    out = evaluate(wear_plant, "run-to-failure", days=3, seeds=[1, 2])
    assert out["policy"] == "run-to-failure" and out["seeds"] == [1, 2]
    for key in ("total_cost", "total_cost_std", "on_time_rate", "unplanned_downtime_h"):
        assert key in out
    rate = out["on_time_rate"]
    assert isinstance(rate, float) and 0.0 <= rate <= 1.0
    sim = _run(wear_plant, None, days=1)
    assert 0.0 <= on_time_rate(sim) <= 1.0
    with pytest.raises(ValueError):
        make_policy("sometimes")


def test_cli_policy_all(tmp_path: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(
        app,
        [
            "simulate",
            "--config",
            str(OVERHAUL),
            "--days",
            "1",
            "--seeds",
            "2",
            "--policy",
            "all",
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout.strip().splitlines()[-1])
    assert [d["policy"] for d in data] == list(POLICIES)
    for d in data:
        assert d["seeds"] == [1, 2]
        for key in (
            "oee",
            "failures",
            "total_cost",
            "on_time_rate",
            "unplanned_downtime_h",
            "maintenance_cost",
            "total_cost_std",
        ):
            assert key in d
    one = runner.invoke(
        app, ["simulate", "--config", str(OVERHAUL), "--days", "1", "--policy", "oracle", "--json"]
    )
    assert one.exit_code == 0, one.output
    assert json.loads(one.stdout.strip().splitlines()[-1])["policy"] == "oracle"
    bad = runner.invoke(app, ["simulate", "--days", "1", "--policy", "sometimes", "--json"])
    assert bad.exit_code != 0
    table = runner.invoke(
        app, ["simulate", "--config", str(OVERHAUL), "--days", "1", "--policy", "run-to-failure"]
    )
    assert table.exit_code == 0, table.output
    assert "total_cost" in table.stdout


def test_oracle_needs_truth() -> None:
    with pytest.raises(ValueError):
        Oracle().decide(Observation(0.0, (), None), None)  # type: ignore[arg-type]
    assert math.isinf(Order().due_h)
