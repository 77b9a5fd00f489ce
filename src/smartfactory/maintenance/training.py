"""Train the models the registry keeps: RUL on C-MAPSS, a machine's health model from the store.

Each trainer returns a :class:`Trained` bundle (the fitted object, its features, parameters,
metrics, data range and drift reference) that :meth:`ModelRegistry.save` writes as a new
candidate version. Progress is reported through an optional ``progress(done, total, what)``
callback (the CLI draws it as a Rich progress bar).

* :func:`train_rul`: the default RUL pipeline (:func:`..rul.benchmark.default_model`) trained
  on a subset's training engines; metrics are the standard test protocol (RMSE, PHM08 score,
  interval coverage at each test engine's last cycle, truth capped at 125). The drift reference
  is the condition-normalised sensors of each engine's first ``HEALTHY_CYCLES`` (30) cycles:
  a new fleet is compared with the old one while healthy, so wear is not mistaken for drift.
* :func:`train_health`: a :class:`~..health.HealthModel` fed the machine's own samples of
  ``[start, end)`` in time order, learning only while it is producing (the model's own rule).
  Metrics: rows, producing rows, rows learnt, the alarm rate on the data it was trained on.
* :func:`train_failure`: the failure-mode classifier of :mod:`.classify` on C-MAPSS FD003 /
  FD004 with derived labels (see :mod:`.classify.cmapss`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from smartfactory.domain.states import MachineState
from smartfactory.errors import DataError
from smartfactory.maintenance.base import FloatArray
from smartfactory.maintenance.classify.cmapss import fault_mode_data
from smartfactory.maintenance.classify.evaluate import evaluate
from smartfactory.maintenance.classify.model import FailureClassifier
from smartfactory.maintenance.classify.windows import make_windows
from smartfactory.maintenance.drift import make_reference
from smartfactory.maintenance.frames import read_frame
from smartfactory.maintenance.health import HealthModel
from smartfactory.maintenance.rul.benchmark import CAP, default_model, phm08_score, rmse
from smartfactory.maintenance.rul.cmapss import load_subset
from smartfactory.maintenance.rul.gbm import GBMRul
from smartfactory.store.base import Store

__all__ = [
    "HEALTHY_CYCLES",
    "Progress",
    "Trained",
    "health_scores",
    "train_failure",
    "train_health",
    "train_rul",
]

Progress = Callable[[int, int, str], None]
HEALTHY_CYCLES = 30
"""C-MAPSS drift reference: each engine's first cycles (healthy, before visible wear)."""


@dataclass(frozen=True, slots=True)
class Trained:
    """A fitted model and what the registry records about it."""

    kind: str
    scope: str
    model: object
    features: tuple[str, ...]
    params: dict[str, Any]
    metrics: dict[str, Any]
    data_start: datetime | None = None
    data_end: datetime | None = None
    reference: dict[str, np.ndarray] = field(default_factory=dict)


def _noop(done: int, total: int, what: str) -> None:
    del done, total, what


def train_rul(
    folder: Path | str,
    subset: str = "FD001",
    *,
    seed: int = 0,
    n_estimators: int | None = None,
    progress: Progress | None = None,
) -> Trained:
    """The default RUL pipeline trained on ``subset``'s training engines, scored on its test."""
    tick = progress or _noop
    tick(0, 3, "loading C-MAPSS")
    data = load_subset(subset, folder)
    pipeline = default_model(subset, seed)
    if n_estimators is not None:
        pipeline.model = GBMRul(seed=seed, n_estimators=n_estimators)
    tick(1, 3, "training")
    pipeline.fit(data.train)
    tick(2, 3, "scoring the test engines")
    out = pipeline.predict_last(data.test)
    truth = np.minimum(data.test_rul, CAP)
    features = pipeline.model_.feature_names or ()
    z_train = pipeline.normalizer_.transform(data.train.settings, data.train.sensors)
    signals = [f"s{j + 1}" for j in np.flatnonzero(pipeline.normalizer_.keep_)]
    reference = make_reference(z_train[data.train.cycle <= HEALTHY_CYCLES], signals)
    metrics = {
        "test_rmse": round(rmse(out.point, truth), 3),
        "test_phm08_score": round(phm08_score(out.point, truth), 1),
        "test_coverage": round(float(np.mean((truth >= out.lower) & (truth <= out.upper))), 3),
        "oof_rmse": round(float(getattr(pipeline.model_, "oof_rmse_", float("nan"))), 3),
        "train_engines": int(np.unique(data.train.unit).shape[0]),
        "test_engines": int(np.unique(data.test.unit).shape[0]),
    }
    tick(3, 3, "done")
    return Trained(
        kind="rul",
        scope=subset,
        model=pipeline,
        features=tuple(features),
        params={
            "dataset": f"C-MAPSS {subset}",
            "data_folder": str(folder),
            "cap": CAP,
            "seed": seed,
            "signals": signals,
            "estimator": repr(pipeline.model_),
        },
        metrics=metrics,
        reference=reference,
    )


def health_scores(model: HealthModel, x: FloatArray, names: tuple[str, ...]) -> FloatArray:
    """Anomaly scores of rows ``x`` under the model's default mode, without learning."""
    ms = model.modes_.get("default")
    if ms is None:
        return np.zeros(x.shape[0])
    det = ms.detector
    if getattr(det, "names_", None) is None:
        return np.zeros(x.shape[0])
    return det.score(x)


def train_health(
    store: Store,
    machine: str,
    start: datetime,
    end: datetime,
    *,
    params: dict[str, Any] | None = None,
    progress: Progress | None = None,
) -> Trained:
    """A machine's health model from its samples in ``[start, end)`` (learnt while producing)."""
    tick = progress or _noop
    frame = read_frame(store, machine, start, end)
    n = frame.ts_us.shape[0]
    if n == 0:
        raise DataError(f"no complete samples of {machine!r} between {start} and {end}")
    model = HealthModel(**(params or {}))
    labels = frame.state_labels
    learnt = alerts = 0
    step = max(1, n // 100)
    for i in range(n):
        named = dict(zip(frame.names, frame.x[i].tolist(), strict=True))
        reading = model.update(named, state=labels[i], t=frame.ts_us[i] / 1e6)
        learnt += reading.learnt
        alerts += reading.alert_started
        if i % step == 0:
            tick(i, n, "learning")
    tick(n, n, "done")
    producing = frame.state == int(MachineState.PRODUCING)
    rows = frame.x[producing] if bool(producing.any()) else frame.x
    scores = health_scores(model, rows, frame.names)
    if learnt == 0:
        raise DataError(f"{machine!r} was never producing in the data: nothing learnt")
    return Trained(
        kind="health",
        scope=machine,
        model=model,
        features=frame.names,
        params={"machine": machine, **model.get_params()},
        metrics={
            "rows": n,
            "producing_rows": int(producing.sum()),
            "learnt_rows": learnt,
            "alerts_in_training_data": alerts,
            "mean_score_producing": round(float(np.mean(scores)), 4),
        },
        data_start=datetime.fromtimestamp(int(frame.ts_us[0]) / 1e6, tz=start.tzinfo),
        data_end=datetime.fromtimestamp(int(frame.ts_us[-1]) / 1e6, tz=start.tzinfo),
        reference=make_reference(rows, frame.names, scores),
    )


def train_failure(
    folder: Path | str,
    subset: str = "FD003",
    *,
    seeds: int = 5,
    n_estimators: int | None = None,
    progress: Progress | None = None,
) -> Trained:
    """A failure-mode classifier on C-MAPSS (derived HPC / fan labels), with held-out metrics.

    ``seeds`` grouped splits (30 % of engines held out each) give macro-F1, per-class recall
    and the majority baseline; the saved model is then fitted on every engine.
    """
    tick = progress or _noop
    tick(0, seeds + 2, "loading C-MAPSS")
    data = fault_mode_data(folder, subset)
    windows = make_windows(data.series, data.labels, data.signals)
    params: dict[str, Any] = {} if n_estimators is None else {"n_estimators": n_estimators}
    reports = []
    for s in range(seeds):
        tick(1 + s, seeds + 2, f"held-out split {s + 1}/{seeds}")
        reports.append(evaluate(windows, FailureClassifier(seed=s, **params), 0.3, seed=s))
    tick(seeds + 1, seeds + 2, "fitting on every engine")
    model = FailureClassifier(**params).fit(windows.x, list(windows.y), windows.names)
    tick(seeds + 2, seeds + 2, "done")
    f1s = np.array([r.macro_f1 for r in reports])
    classes = sorted(reports[0].recall)
    labels = list(windows.y)
    return Trained(
        kind="failure",
        scope=subset,
        model=model,
        features=windows.names,
        params={
            "dataset": f"C-MAPSS {subset}",
            "labels": "derived: s15 end-of-life direction (hpc up / fan down)",
            "window": 30,
            "leads": [20, 80],
            "none_after": 125,
            **model.get_params(),
        },
        metrics={
            "macro_f1_mean": round(float(f1s.mean()), 4),
            "macro_f1_std": round(float(f1s.std()), 4),
            "baseline_macro_f1": round(float(np.mean([r.baseline_macro_f1 for r in reports])), 4),
            **{
                f"recall_{c}": round(float(np.mean([r.recall[c] for r in reports])), 4)
                for c in classes
            },
            "engines": len(data.series),
            "windows": len(labels),
            **{f"windows_{c}": labels.count(c) for c in classes},
            "label_s20_agreement": round(data.s20_agreement, 4),
            "splits": seeds,
        },
    )
