"""The anomaly benchmark in the SKAB format: load labelled CSV files, score a detector, evaluate.

Files (:func:`load_labelled_csv`): a header line, separator auto-detected (``;``, ``,``, tab),
a time column (the first column that is not numeric), numeric feature columns, a 0/1
``anomaly`` label and optionally a ``changepoint`` label; labels are never used as features.
Files without an ``anomaly`` column (e.g. SKAB's anomaly-free recording) are skipped.

Protocol (:func:`bench_anomaly`, the benchmark's own): per file the product's default detector
(:func:`default_detector`, the same parameters for every file) is fitted on the first
``train_rows`` rows and flags the rest. Outlier detection is pooled over all test rows as one
binary problem: F1 = TP / (TP + (FP + FN) / 2), FAR = FP / (FP + TN), MAR = FN / (FN + TP).

Changepoint detection (:func:`nab_score`): NAB with a window of ``window_s`` seconds to the right
of each true changepoint in the test part. A detection is the start of a run of flagged rows.
The first detection inside a window scores ``A_tp * sigma(y)`` with ``y`` its relative position
(-1 at the window start, 0 at its end) and ``sigma(y) = 2 / (1 + exp(5 y)) - 1``; a window
without a detection scores ``A_fn``; each detection outside every window scores ``A_fp`` (a
simplification of NAB, which scales false positives close after a window by ``sigma``; ours is
the stricter, full penalty). Scores are pooled over files and normalised so that a detector
that never fires scores 0 and a perfect one 100. Profiles: standard (1, -0.11, -1), low FP
(1, -0.22, -1), low FN (1, -0.11, -2).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from smartfactory.errors import DatasetError
from smartfactory.maintenance.anomaly.gaussian import GaussianDetector
from smartfactory.maintenance.base import Detector, FloatArray

__all__ = [
    "LabelledSeries",
    "bench_anomaly",
    "default_detector",
    "load_labelled_csv",
    "nab_score",
]

LABELS = ("anomaly", "changepoint")
PROFILES = {
    "nab_standard": (1.0, -0.11, -1.0),
    "nab_low_fp": (1.0, -0.22, -1.0),
    "nab_low_fn": (1.0, -0.11, -2.0),
}


@dataclass(frozen=True, slots=True)
class LabelledSeries:
    """One file: seconds since its first row, features, names and labels."""

    t: FloatArray
    x: FloatArray
    names: tuple[str, ...]
    anomaly: np.ndarray
    changepoint: np.ndarray


def default_detector() -> Detector:
    """The product's default detector, with the same parameters for every file."""
    return GaussianDetector()


def _separator(path: Path) -> str:
    with path.open(encoding="utf-8", newline="") as f:
        head = f.readline()
    try:
        return csv.Sniffer().sniff(head, delimiters=";,\t").delimiter
    except csv.Error:
        return ","


def load_labelled_csv(path: Path) -> LabelledSeries | None:
    """The file at ``path``; None when it has no ``anomaly`` column; DatasetError if unreadable."""
    try:
        table = pacsv.read_csv(path, parse_options=pacsv.ParseOptions(delimiter=_separator(path)))
    except (pa.ArrowInvalid, OSError) as err:
        raise DatasetError(f"cannot read {path}: {err}") from err
    if "anomaly" not in table.column_names:
        return None
    names: list[str] = []
    t: FloatArray = np.arange(table.num_rows, dtype=np.float64)
    time_found = False
    for name, col in zip(table.column_names, table.columns, strict=True):
        if name in LABELS:
            continue
        typ = col.type
        if pa.types.is_integer(typ) or pa.types.is_floating(typ):
            names.append(name)
        elif not time_found:
            time_found = True
            if pa.types.is_timestamp(typ):
                secs = pc.cast(col, pa.timestamp("ms")).cast(pa.int64()).to_numpy(False)
                t = (secs - secs[0]) / 1000.0
    if not names:
        raise DatasetError(f"{path}: no numeric feature columns")
    x = np.column_stack([table[n].to_numpy(False) for n in names]).astype(np.float64)
    if not np.all(np.isfinite(x)):
        raise DatasetError(f"{path}: features hold missing or infinite values")
    anomaly = table["anomaly"].to_numpy(False).astype(np.float64) > 0.5
    cp = (
        table["changepoint"].to_numpy(False).astype(np.float64) > 0.5
        if "changepoint" in table.column_names
        else np.zeros(table.num_rows, dtype=np.bool_)
    )
    return LabelledSeries(np.asarray(t, dtype=np.float64), x, tuple(names), anomaly, cp)


def _sigma(y: float) -> float:
    return float(2.0 / (1.0 + np.exp(5.0 * y)) - 1.0)


def nab_score(
    t: FloatArray, flags: np.ndarray, changepoints: np.ndarray, window_s: float, profile: str
) -> tuple[float, float, float]:
    """(score, null score, perfect score) of one file for one profile (module docstring)."""
    a_tp, a_fp, a_fn = PROFILES[profile]
    f = np.asarray(flags, dtype=np.bool_)
    starts = t[f & ~np.r_[False, f[:-1]]]
    cps = t[np.asarray(changepoints, dtype=np.bool_)]
    used = np.zeros(starts.size, dtype=np.bool_)
    score = 0.0
    for c in cps:
        inside = (starts >= c) & (starts <= c + window_s)
        used |= inside
        if inside.any():
            first = float(starts[int(np.argmax(inside))])
            score += a_tp * _sigma((first - (c + window_s)) / window_s)
        else:
            score += a_fn
    score += a_fp * float(np.count_nonzero(~used))
    return score, a_fn * cps.size, a_tp * _sigma(-1.0) * cps.size


def bench_anomaly(
    folder: Path, train_rows: int = 400, window_s: float = 60.0
) -> dict[str, float | int]:
    """Run the protocol on every CSV under ``folder``; the JSON object of the benchmark."""
    paths = sorted(folder.rglob("*.csv"))
    tp = fp = fn = tn = 0
    nab = {p: [0.0, 0.0, 0.0] for p in PROFILES}
    files = 0
    for path in paths:
        series = load_labelled_csv(path)
        if series is None or series.x.shape[0] <= train_rows:
            continue
        files += 1
        det = default_detector().fit(series.x[:train_rows], series.names)
        flags = det.flag(det.score(series.x[train_rows:]))
        truth = series.anomaly[train_rows:]
        tp += int(np.count_nonzero(flags & truth))
        fp += int(np.count_nonzero(flags & ~truth))
        fn += int(np.count_nonzero(~flags & truth))
        tn += int(np.count_nonzero(~flags & ~truth))
        for profile, acc in nab.items():
            parts = nab_score(
                series.t[train_rows:], flags, series.changepoint[train_rows:], window_s, profile
            )
            for i, v in enumerate(parts):
                acc[i] += v
    if files == 0:
        raise DatasetError(f"no labelled CSV files with more than {train_rows} rows under {folder}")
    out: dict[str, float | int] = {
        "files": files,
        "f1": tp / (tp + (fp + fn) / 2) if tp + fp + fn else 0.0,
        "far": fp / (fp + tn) if fp + tn else 0.0,
        "mar": fn / (fn + tp) if fn + tp else 0.0,
    }
    for profile, (s, null, perfect) in nab.items():
        out[profile] = 100.0 * (s - null) / (perfect - null) if perfect != null else 0.0
    return out
