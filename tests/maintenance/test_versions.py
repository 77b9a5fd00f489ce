"""The model registry: versions on disk and in ``model_versions``, SHA checks, promotion."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

import smartfactory
from smartfactory.errors import DataError, NotFoundError
from smartfactory.maintenance.anomaly.gaussian import GaussianDetector
from smartfactory.maintenance.versions import ArtifactIntegrityError, ModelRegistry, code_version
from smartfactory.store import open_store
from smartfactory.store.base import Store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    db = open_store(tmp_path / "plant.duckdb")
    yield db
    db.close()


@pytest.fixture
def registry(store: Store, tmp_path: Path) -> ModelRegistry:
    return ModelRegistry(store, tmp_path / "models")


def fitted(seed: int) -> GaussianDetector:
    rng = np.random.default_rng(seed)
    return GaussianDetector().fit(rng.normal(size=(200, 3)), ["a", "b", "c"])


def test_round_trip_keeps_model_and_metadata(registry: ModelRegistry, tmp_path: Path) -> None:
    det = fitted(0)
    mv = registry.save(
        "health",
        "cnc-01",
        det,
        features=["a", "b", "c"],
        params={"window": 3, "arr": np.arange(2)},
        metrics={"rmse": np.float64(1.5)},
        reference={"edges:a": np.array([0.0, 1.0])},
    )
    assert (mv.kind, mv.scope, mv.version, mv.status) == ("health", "cnc-01", 1, "candidate")
    assert (tmp_path / "models" / "health" / "cnc-01" / "v1" / "model.pkl").is_file()
    got = registry.get(mv.id)
    assert got == registry.get("health/cnc-01/v1")
    assert got.features == ("a", "b", "c")
    assert got.params == {"window": 3, "arr": [0, 1]}
    assert got.metrics == {"rmse": 1.5}
    assert got.code_version.startswith(smartfactory.__version__)
    assert len(got.sha256) == 64
    loaded = registry.load(got)
    assert isinstance(loaded, GaussianDetector)
    probe = np.ones((1, 3))
    assert loaded.score(probe)[0] == det.score(probe)[0]
    assert registry.reference(got)["edges:a"].tolist() == [0.0, 1.0]
    second = registry.save("health", "cnc-01", fitted(1), features=[], params={}, metrics={})
    assert second.version == 2
    assert [v.version for v in registry.list("health")] == [1, 2]


def test_a_tampered_file_is_refused(registry: ModelRegistry) -> None:
    mv = registry.save("health", "m1", fitted(0), features=[], params={}, metrics={})
    path = registry.root / mv.path
    path.write_bytes(path.read_bytes() + b"x")
    with pytest.raises(ArtifactIntegrityError, match="refusing"):
        registry.load(mv)


def test_promote_keeps_exactly_one_promoted(registry: ModelRegistry) -> None:
    v1 = registry.save("rul", "FD001", fitted(0), features=[], params={}, metrics={})
    v2 = registry.save("rul", "FD001", fitted(1), features=[], params={}, metrics={})
    other = registry.save("rul", "FD003", fitted(2), features=[], params={}, metrics={})
    assert registry.promoted("rul", "FD001") is None
    registry.promote(v1.id)
    registry.promote(other.id)
    assert registry.get(v1.id).status == "promoted"
    registry.promote(v2.id)
    status = {v.version: v.status for v in registry.list("rul", "FD001")}
    assert status == {1: "archived", 2: "promoted"}
    promoted = registry.promoted("rul", "FD001")
    assert promoted is not None
    assert promoted.id == v2.id
    assert registry.get(other.id).status == "promoted"  # another scope is untouched
    registry.promote(v2.id)  # promoting the promoted one changes nothing
    assert len(registry.list("rul", "FD001", "promoted")) == 1


def test_bad_names_and_unknown_versions(registry: ModelRegistry) -> None:
    with pytest.raises(DataError):
        registry.save("rul", "../x", fitted(0), features=[], params={}, metrics={})
    with pytest.raises(NotFoundError):
        registry.get("nope")
    with pytest.raises(NotFoundError):
        registry.get("rul/FD001/v9")


def test_code_version_names_the_package() -> None:
    assert code_version().startswith(smartfactory.__version__)
