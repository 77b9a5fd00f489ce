"""The contract suite, run on every registered model."""

from __future__ import annotations

import pytest

from smartfactory.errors import NotFoundError
from smartfactory.maintenance import (
    DETECTORS,
    RUL_ESTIMATORS,
    check_detector,
    check_rul_estimator,
    make_detector,
    make_rul_estimator,
)


@pytest.mark.parametrize("name", sorted(DETECTORS))
def test_detector_contract(name: str) -> None:
    check_detector(make_detector(name))


@pytest.mark.parametrize("name", sorted(RUL_ESTIMATORS))
def test_rul_estimator_contract(name: str) -> None:
    check_rul_estimator(make_rul_estimator(name))


def test_registry_is_read_only_and_names_unknown_models() -> None:
    with pytest.raises(TypeError):
        DETECTORS["other"] = DETECTORS["gaussian"]  # type: ignore[index]
    with pytest.raises(NotFoundError, match="gaussian"):
        make_detector("nope")
    with pytest.raises(NotFoundError, match="gbm"):
        make_rul_estimator("nope")
