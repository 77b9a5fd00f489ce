"""The per-machine health model on synthetic data whose answer is known."""

from __future__ import annotations

import itertools
import pickle

import numpy as np
import pytest

from smartfactory.errors import ConfigError, DataError
from smartfactory.maintenance.health import HealthModel, HealthReading, health_index

NAMES = ("temp", "vib", "current", "pressure")


def normal(rng: np.random.Generator, n: int) -> np.ndarray:
    mix = np.array([[1.0, 0.3, 0, 0], [0, 1.0, 0.2, 0], [0, 0, 1.0, 0.4], [0, 0, 0, 1.0]])
    return rng.normal(size=(n, 4)) @ mix + np.array([60.0, 2.0, 10.0, 5.0])


def row(v: np.ndarray) -> dict[str, float]:
    return dict(zip(NAMES, map(float, v), strict=True))


def test_health_index_is_monotone_and_anchored() -> None:
    assert health_index(0.0, 2.0) == 100.0
    assert health_index(2.0, 2.0) == pytest.approx(50.0)
    values = [health_index(s, 2.0) for s in np.linspace(0, 20, 50)]
    assert all(a > b for a, b in itertools.pairwise(values))
    assert health_index(5.0, float("inf")) == 100.0


def test_drift_in_one_signal_is_explained_by_that_signal() -> None:
    rng = np.random.default_rng(1)
    model = HealthModel()
    for v in normal(rng, 500):
        reading = model.update(row(v))
    assert reading.health > 60 and not reading.alert
    drift = normal(rng, 200)
    drift[:, 1] += np.linspace(0, 8, 200)  # vibration creeps up
    readings = [model.update(row(v)) for v in drift]
    assert readings[-1].alert and readings[-1].health < 40
    assert any(r.alert_started for r in readings)
    top = readings[-1].explanation[0]
    assert top.signal == "vib"
    assert top.sigmas > 4
    assert not readings[-1].learnt


def test_points_outside_production_are_scored_but_never_learnt() -> None:
    rng = np.random.default_rng(2)
    model = HealthModel()
    for v in normal(rng, 300):
        model.update(row(v), state="producing")
    det = model.modes_["default"].detector
    n_before = model.modes_["default"].n
    probe = row(normal(rng, 1)[0])
    before = det.score_one(probe)
    stopped = normal(rng, 100) * 0.1  # stopped machine: everything near zero
    readings = [model.update(row(v), state="stopped") for v in stopped]
    assert not any(r.learnt for r in readings)
    assert all(r.score > 0 for r in readings)
    assert model.modes_["default"].n == n_before
    assert det.score_one(probe) == before


def test_hysteresis_and_cooldown() -> None:
    rng = np.random.default_rng(3)
    model = HealthModel(smoothing=1.0, cooldown_s=100.0)
    base = normal(rng, 400)
    for i, v in enumerate(base):
        model.update(row(v), t=float(i))
    centre = base.mean(axis=0)
    t = 400.0

    def at(offset: float) -> HealthReading:
        nonlocal t
        t += 1.0
        v = centre.copy()
        v[0] += offset
        return model.update(row(v), t=t)

    assert at(20.0).alert_started  # far away: opens
    r = at(20.0)
    assert r.alert and not r.alert_started
    # health about 50 lies between the thresholds (40 / 60): the alert stays open
    det = model.modes_["default"].detector
    thr = model.threshold(det)
    offsets = np.linspace(0.0, 20.0, 2001)
    mid = next(
        o for o in offsets if det.score_one(row(centre + np.array([o, 0.0, 0.0, 0.0]))) >= thr
    )
    r = at(float(mid))
    assert 45 < r.health < 55 and r.alert
    assert not at(0.0).alert  # back to normal: closes
    assert not at(20.0).alert  # within the cool-down: no new alert
    t += 200.0
    assert at(20.0).alert_started  # after the cool-down it opens again


def test_modes_learn_separately_and_pickle() -> None:
    rng = np.random.default_rng(4)
    model = HealthModel()
    for v in normal(rng, 300):
        model.update(row(v), mode="A")
        model.update(row(v + 50.0), mode="B")
    assert model.update(row(normal(rng, 1)[0] + 50.0), mode="B").health > 40
    assert model.update(row(normal(rng, 1)[0] + 50.0), mode="A").health < 5
    copy = pickle.loads(pickle.dumps(model))  # noqa: S301 - our own object
    probe = row(normal(rng, 1)[0])
    assert copy.explain(probe, mode="A") == model.explain(probe, mode="A")


def test_defaults_and_errors() -> None:
    model = HealthModel()
    first = model.update({"a": 1.0, "b": 2.0})
    assert first.health == 100.0 and not first.alert
    with pytest.raises(DataError):
        model.update({"a": 1.0})
    with pytest.raises(ConfigError):
        HealthModel(enter_health=70.0, exit_health=60.0)
    assert model.clone().get_params() == model.get_params()
