"""Drift of a registered model version against recent data (see :mod:`.drift` for the rule).

* ``health`` versions: the machine's producing rows of the last ``window`` before its newest
  sample, their anomaly scores under the saved model, against the training reference.
* ``rul`` versions (C-MAPSS): the first 30 cycles of the subset's test engines,
  condition-normalised by the saved pipeline, against the first 30 cycles of the training
  engines (is the new fleet, while healthy, like the one the model learnt from?).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from smartfactory.domain.states import MachineState
from smartfactory.errors import DataError
from smartfactory.maintenance.drift import DriftReport, drift_report
from smartfactory.maintenance.frames import input_signals, read_frame
from smartfactory.maintenance.health import HealthModel
from smartfactory.maintenance.rul.cmapss import load_subset
from smartfactory.maintenance.rul.pipeline import RunRUL
from smartfactory.maintenance.training import HEALTHY_CYCLES, health_scores
from smartfactory.maintenance.versions import ModelRegistry, ModelVersion

__all__ = ["version_drift"]


def _health_drift(
    registry: ModelRegistry, mv: ModelVersion, window: timedelta, min_rows: int
) -> DriftReport | None:
    ref = registry.reference(mv)
    model = registry.load(mv)
    if not ref or not isinstance(model, HealthModel):
        return None
    store = registry.store
    sigs = input_signals(store, mv.scope).get(mv.scope, [])
    latest = store.latest_samples([s for s, _ in sigs])
    stamps: list[datetime] = [t for t in latest.column("ts").to_pylist() if t is not None]
    if not stamps:
        return None
    end = max(stamps).astimezone(UTC) + timedelta(microseconds=1)
    frame = read_frame(store, mv.scope, end - window, end, sigs)
    rows = frame.x[frame.state == int(MachineState.PRODUCING)]
    if frame.names != mv.features:
        raise DataError(f"{mv.scope} now has signals {frame.names}, the model {mv.features}")
    scores = health_scores(model, rows, frame.names) if rows.shape[0] else np.zeros(0)
    return drift_report(ref, rows, frame.names, scores, min_rows=min_rows)


def _rul_drift(registry: ModelRegistry, mv: ModelVersion, min_rows: int) -> DriftReport | None:
    ref = registry.reference(mv)
    folder = mv.params.get("data_folder")
    if not ref or not isinstance(folder, str) or not Path(folder).is_dir():
        return None
    model = registry.load(mv)
    if not isinstance(model, RunRUL):
        return None
    test = load_subset(mv.scope, folder).test
    healthy = test.cycle <= HEALTHY_CYCLES
    z = model.normalizer_.transform(test.settings[healthy], test.sensors[healthy])
    names = [str(n) for n in ref["names"].tolist()]
    return drift_report(ref, z, names, min_rows=min_rows)


def version_drift(
    registry: ModelRegistry,
    mv: ModelVersion,
    window: timedelta = timedelta(hours=24),
    min_rows: int = 200,
) -> DriftReport | None:
    """The drift report of ``mv`` (None when there is nothing to compare)."""
    if mv.kind == "health":
        return _health_drift(registry, mv, window, min_rows)
    if mv.kind == "rul":
        return _rul_drift(registry, mv, min_rows)
    return None
