"""The C-MAPSS data layer: loading, condition normalisation, constant sensors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from smartfactory.errors import DatasetError
from smartfactory.maintenance.rul import ConditionNormalizer, load_subset
from smartfactory.maintenance.rul.cmapss import CmapssRuns


def test_load_subset_shapes_and_rul(cmapss_dir: Path) -> None:
    data = load_subset("FD001", cmapss_dir)
    assert data.train.sensors.shape == (20631, 21)
    assert data.train.settings.shape == (20631, 3)
    assert data.test.units.shape == (100,) == data.test_rul.shape
    rul = data.train.rul()
    last = data.train.last_rows()
    assert np.all(rul[last] == 0)
    assert rul[0] == data.train.cycle[last[0]] - 1


def test_env_variable_names_the_folder(
    cmapss_dir: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SF_CMAPSS_DIR", str(tmp_path))
    with pytest.raises(DatasetError, match="SF_CMAPSS_DIR"):
        load_subset("FD001")
    monkeypatch.setenv("SF_CMAPSS_DIR", str(cmapss_dir))
    assert load_subset("FD003").test.units.shape == (100,)


def test_bad_files_raise_dataset_error(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="unknown"):
        load_subset("FD009", tmp_path)
    (tmp_path / "train_FD001.txt").write_text("1 2 3\n")
    with pytest.raises(DatasetError, match="shape"):
        load_subset("FD001", tmp_path)


def test_rul_with_offset_for_truncated_runs() -> None:
    runs = CmapssRuns(
        unit=np.array([1, 1, 1, 2, 2]),
        cycle=np.array([1, 2, 3, 1, 2]),
        settings=np.zeros((5, 3)),
        sensors=np.zeros((5, 21)),
    )
    assert runs.rul(np.array([10, 0])).tolist() == [12, 11, 10, 1, 0]
    assert runs.last_rows().tolist() == [2, 4]


def test_six_conditions_found_and_sensors_standardised(cmapss_dir: Path) -> None:
    train = load_subset("FD002", cmapss_dir).train
    norm = ConditionNormalizer(n_conditions=6, seed=0).fit(train.settings, train.sensors)
    label = norm.conditions(train.settings)
    counts = np.bincount(label, minlength=6)
    assert counts.min() > 0.1 * train.unit.shape[0]  # six real, populated regimes
    # every condition's rows share (almost) the same settings
    for c in range(6):
        assert np.all(train.settings[label == c].std(axis=0) < [0.1, 0.01, 1e-9])
    z = norm.transform(train.settings, train.sensors)
    assert 10 <= z.shape[1] < 21  # condition-only sensors were dropped
    for c in range(6):
        block = z[label == c]
        assert np.allclose(block.mean(axis=0), 0.0, atol=1e-8)
        assert np.allclose(block.std(axis=0), 1.0, atol=1e-6)


def test_constant_sensors_dropped_on_fd001(cmapss_dir: Path) -> None:
    train = load_subset("FD001", cmapss_dir).train
    norm = ConditionNormalizer().fit(train.settings, train.sensors)
    dropped = {f"s{j + 1}" for j in np.flatnonzero(~norm.keep_)}
    assert dropped == {"s1", "s5", "s6", "s10", "s16", "s18", "s19"}
