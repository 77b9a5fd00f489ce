"""The default RUL pipeline and the benchmark function on small real subsets."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from smartfactory.errors import DataError
from smartfactory.maintenance.checks import synthetic_runs
from smartfactory.maintenance.rul import GBMRul, RunRUL, load_subset
from smartfactory.maintenance.rul.benchmark import phm08_score, rmse
from smartfactory.maintenance.rul.cmapss import CmapssRuns


def test_phm08_score_penalises_late_more() -> None:
    truth = np.array([50.0])
    assert phm08_score(truth + 10, truth) == pytest.approx(np.e - 1)
    assert phm08_score(truth - 13, truth) == pytest.approx(np.e - 1)
    assert phm08_score(truth + 10, truth) > phm08_score(truth - 10, truth)
    assert rmse(np.array([1.0, 3.0]), np.array([2.0, 2.0])) == pytest.approx(1.0)


def test_pipeline_learns_fd001_subset(cmapss_dir: Path) -> None:
    data = load_subset("FD001", cmapss_dir)
    train = data.train.select_units(np.arange(1, 41))
    test = data.test.select_units(np.arange(1, 41))
    truth = np.minimum(data.test_rul[:40], 125.0)
    model = RunRUL(GBMRul(n_estimators=60, n_folds=3), n_conditions=1).fit(train)
    out = model.predict_last(test)
    assert out.point.shape == (40,)
    assert np.all((out.lower <= out.point) & (out.point <= out.upper))
    assert np.all((out.point >= 0) & (out.point <= 125))
    # far better than predicting the training mean for everyone (RMSE about 40)
    assert rmse(out.point, truth) < 20.0
    assert np.mean((truth >= out.lower) & (truth <= out.upper)) >= 0.7


def test_pipeline_handles_operating_conditions(cmapss_dir: Path) -> None:
    data = load_subset("FD002", cmapss_dir)
    train = data.train.select_units(np.arange(1, 51))
    test = data.test.select_units(np.arange(1, 51))
    truth = np.minimum(data.test_rul[:50], 125.0)
    six = RunRUL(GBMRul(n_estimators=60, n_folds=3), n_conditions=6).fit(train)
    assert rmse(six.predict_last(test).point, truth) < 25.0


def test_unfitted_pipeline_raises() -> None:
    with pytest.raises(DataError, match="not fitted"):
        RunRUL().predict_last(
            CmapssRuns(np.array([1]), np.array([1]), np.zeros((1, 3)), np.zeros((1, 21)))
        )


def test_late_cost_pulls_estimates_early() -> None:
    x, y, groups = synthetic_runs(0)
    plain = GBMRul(n_estimators=80, n_folds=3, late_cost=0.0).fit(x, y, groups)
    late = GBMRul(n_estimators=80, n_folds=3, late_cost=3.0).fit(x, y, groups)
    p_plain, p_late = plain.predict(x), late.predict(x)
    # over-estimates cost more, so the asymmetric model errs early more often than late
    assert np.mean(p_late > y) < np.mean(p_plain > y)
    assert float(np.mean(p_late)) < float(np.mean(p_plain))
    # the fit starts from the (weighted) mean even with few trees, where a custom objective
    # alone would start at 0: five trees from 0 with learning rate 0.05 reach about 20
    short = GBMRul(n_estimators=5, n_folds=3, late_cost=1.0).fit(x, y, groups)
    assert float(np.mean(short.predict(x))) > 50.0
    with pytest.raises(DataError, match="late_cost"):
        GBMRul(late_cost=-1.0).fit(x, y, groups)


def test_health_index_signal_is_learnt(cmapss_dir: Path) -> None:
    data = load_subset("FD001", cmapss_dir)
    train = data.train.select_units(np.arange(1, 31))
    with_hi = RunRUL(GBMRul(n_estimators=20, n_folds=2), n_conditions=1, health_index=True)
    with_hi.fit(train)
    names = with_hi.model_.feature_names or ()
    assert with_hi.hi_weights_ is not None
    assert with_hi.hi_weights_.shape == (int(with_hi.normalizer_.keep_.sum()) + 1,)
    assert "hi_last" in names and "hi_slope30" in names
    without = RunRUL(GBMRul(n_estimators=20, n_folds=2), n_conditions=1).fit(train)
    assert without.hi_weights_ is None
    assert not any(n.startswith("hi_") for n in without.model_.feature_names or ())
    assert len(names) > len(without.model_.feature_names or ())
