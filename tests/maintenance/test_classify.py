"""Failure classification: contract, imbalance handling, and known answers."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from smartfactory.errors import DataError
from smartfactory.maintenance.classify import (
    FailureClassifier,
    evaluate,
    labels_from_rows,
    macro_f1,
    make_windows,
    split_machines,
)
from smartfactory.maintenance.classify.checks import (
    check_classifier,
    synthetic_failures,
    synthetic_windows,
)
from smartfactory.maintenance.classify.cmapss import fault_mode_data


def test_classifier_passes_the_contract() -> None:
    check_classifier(FailureClassifier(n_estimators=40))


def test_beats_the_majority_baseline_on_held_out_machines() -> None:
    windows = synthetic_windows(0, machines=40)
    report = evaluate(windows, FailureClassifier(n_estimators=60), test_fraction=0.3, seed=0)
    assert report.baseline_class == "none"
    assert report.macro_f1 >= report.baseline_macro_f1 + 0.4
    assert min(report.recall.values()) >= 0.6
    assert set(report.recall) == {"a", "b", "none"}


def test_balanced_weights_give_each_class_the_same_total() -> None:
    model = FailureClassifier()
    codes = np.array([0, 0, 0, 0, 0, 0, 1, 2, 2])
    w = model._weights(codes, 3)
    totals = [float(w[codes == c].sum()) for c in range(3)]
    assert totals == pytest.approx([3.0, 3.0, 3.0])
    assert FailureClassifier(class_weight=None)._weights(codes, 3).tolist() == [1.0] * 9
    with pytest.raises(DataError):
        FailureClassifier(class_weight="odd")._weights(codes, 3)


def test_windows_follow_the_label_table() -> None:
    series, labels = synthetic_failures(0, machines=4)
    windows = make_windows(
        series,
        labels,
        ["x0", "x1", "x2", "x3"],
        window=20,
        min_lead=5,
        max_lead=60,
        none_after=110,
        stride=1,
    )
    counts = Counter(windows.y)
    assert counts["none"] > 0
    assert sum(v for k, v in counts.items() if k != "none") == 4 * 56
    assert windows.x.shape == (len(windows.y), 4 * 7)
    assert np.all(np.isfinite(windows.x))
    train, test = split_machines(windows.machine, 0.5, seed=0)
    assert not set(np.asarray(windows.machine)[train]) & set(np.asarray(windows.machine)[test])


def test_labels_from_rows_and_macro_f1() -> None:
    when = datetime(2026, 1, 5, tzinfo=UTC)
    table = labels_from_rows([("m1", when, "bearing"), ("m2", 10.0, "seal")])
    assert table.time.tolist() == [when.timestamp(), 10.0]
    assert table.mode == ("bearing", "seal")
    assert macro_f1(["a", "a", "b"], ["a", "a", "b"]) == 1.0
    assert macro_f1(["a", "a", "b"], ["a", "a", "a"]) == pytest.approx((0.8 + 0.0) / 2)


def test_cmapss_fd003_fault_modes(cmapss_dir: Path) -> None:
    data = fault_mode_data(cmapss_dir, "FD003")
    assert Counter(data.labels.mode) == {"hpc": 56, "fan": 44}
    assert data.s20_agreement == 1.0
    windows = make_windows(data.series, data.labels, data.signals)
    report = evaluate(windows, FailureClassifier(n_estimators=40), test_fraction=0.3, seed=0)
    assert report.macro_f1 >= report.baseline_macro_f1 + 0.5
    assert min(report.recall.values()) >= 0.8
