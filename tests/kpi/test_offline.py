"""Worked examples by hand for the file interface.

m1, window 08:00-10:00 (+09:00) = 7200 s: producing 60 min, two contiguous unplanned stops of
10 min (one failure, 1200 s), a gap 09:20-09:30 (unknown, 600 s), planned stop 30 min.
PBT = 7200 - 1800 = 5400; APT = 3600; A = 2/3. PQ = 100, GQ = 95; E = 30 x 100 / 3600 = 5/6;
Q = 0.95; OEE = 2/3 x 5/6 x 0.95. MTBF = 3600 / 1, MTTR = 1200 / 1.
m2: producing 2 h, PQ = 100 (the count at 10:00 is outside [from, to)); E = 60 x 100 / 7200.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from smartfactory.kpi.files import KpiInputError
from smartfactory.kpi.offline import oee_from_files

from .conftest import write


def run(files: dict[str, Path], **kw: datetime) -> dict:
    return oee_from_files(
        files["machines"], files["states"], files["counts"], **kw
    ).report.model_dump()


def test_worked_example(files: dict[str, Path]) -> None:
    report = run(files)
    m1, m2, total = report["machines"]["m1"], report["machines"]["m2"], report["total"]
    assert m1["pbt_s"] == 5400 and m1["apt_s"] == 3600
    assert m1["availability"] == pytest.approx(2 / 3)
    assert m1["performance"] == pytest.approx(5 / 6)
    assert m1["quality"] == pytest.approx(0.95)
    assert m1["oee"] == pytest.approx(2 / 3 * 5 / 6 * 0.95)
    assert (m1["pq"], m1["gq"], m1["failures"]) == (100, 95, 1)
    assert (m1["mtbf_s"], m1["mttr_s"]) == (3600, 1200)
    assert m2["availability"] == 1.0
    assert m2["pq"] == 100  # the count at 10:00 is outside [08:00, 10:00)
    assert m2["performance"] == pytest.approx(60 * 100 / 7200)
    assert m2["failures"] == 0 and m2["mtbf_s"] is None and m2["mttr_s"] is None
    assert total["pbt_s"] == 12600 and total["apt_s"] == 10800
    assert total["performance"] == pytest.approx((30 * 100 + 60 * 100) / 10800)
    assert total["failures"] == 1 and total["mtbf_s"] == 10800
    assert set(m1) == {
        "availability", "performance", "quality", "oee", "pbt_s", "apt_s", "pq", "gq",
        "failures", "mtbf_s", "mttr_s",
    }  # fmt: skip


def test_window_clips_intervals_and_counts(files: dict[str, Path]) -> None:
    t0 = datetime.fromisoformat("2024-03-04T08:30:00+09:00")
    t1 = datetime.fromisoformat("2024-03-04T09:15:00+09:00")
    m1 = run(files, start=t0, end=t1)["machines"]["m1"]
    assert m1["pbt_s"] == 45 * 60 and m1["apt_s"] == 30 * 60
    assert m1["pq"] == 100  # 08:30 and 09:00 are inside
    assert m1["failures"] == 1 and m1["mttr_s"] == 15 * 60


def test_window_beyond_data_is_unknown(files: dict[str, Path]) -> None:
    t0 = datetime.fromisoformat("2024-03-04T07:00:00+09:00")
    t1 = datetime.fromisoformat("2024-03-04T10:00:00+09:00")
    m2 = run(files, start=t0, end=t1)["machines"]["m2"]
    assert m2["pbt_s"] == 3 * 3600 and m2["availability"] == pytest.approx(2 / 3)


def test_zero_denominators_are_null(tmp_path: Path) -> None:
    machines = write(tmp_path / "m.csv", "machine,ideal_cycle_s\nm1,10")
    states = write(
        tmp_path / "s.csv",
        "machine,start,end,state\nm1,2024-01-01T00:00:00Z,2024-01-01T08:00:00Z,no_shift",
    )
    counts = write(tmp_path / "c.csv", "machine,timestamp,good,scrap")
    k = oee_from_files(machines, states, counts).report.total
    assert k.pbt_s == 0 and k.availability is None and k.oee is None
    assert k.performance is None and k.quality is None and k.mtbf_s is None


def test_performance_above_one_is_reported_with_a_warning(tmp_path: Path) -> None:
    machines = write(tmp_path / "m.csv", "machine,ideal_cycle_s\nm1,100")
    states = write(
        tmp_path / "s.csv",
        "machine,start,end,state\nm1,2024-01-01T00:00:00Z,2024-01-01T01:00:00Z,producing",
    )
    counts = write(tmp_path / "c.csv", "machine,timestamp,good,scrap\nm1,2024-01-01T00:30:00Z,72,0")
    result = oee_from_files(machines, states, counts)
    assert result.report.total.performance == pytest.approx(2.0)
    assert any("m1" in w and "ideal cycle" in w for w in result.warnings)


BAD = [
    ("states", "m1,2024-03-04T08:00:00+09:00,2024-03-04T09:00:00+09:00,producing\n"
     "m1,2024-03-04T08:30:00+09:00,2024-03-04T09:30:00+09:00,idle", 3, "overlaps"),
    ("states", "m9,2024-03-04T08:00:00+09:00,2024-03-04T09:00:00+09:00,producing", 2,
     "unknown machine"),
    ("states", "m1,yesterday,2024-03-04T09:00:00+09:00,producing", 2, "unparseable timestamp"),
    ("states", "m1,2024-03-04T08:00:00,2024-03-04T09:00:00+09:00,producing", 2, "no UTC offset"),
    ("states", "m1,2024-03-04T09:00:00+09:00,2024-03-04T08:00:00+09:00,producing", 2,
     "before start"),
    ("states", "m1,2024-03-04T08:00:00+09:00,2024-03-04T09:00:00+09:00,dancing", 2,
     "unknown machine state"),
    ("counts", "m1,2024-03-04T08:00:00+09:00,-1,0", 2, "good"),
    ("counts", "m7,2024-03-04T08:00:00+09:00,1,0", 2, "unknown machine"),
]  # fmt: skip


@pytest.mark.parametrize(("which", "body", "line", "problem"), BAD)
def test_bad_files_name_file_line_and_problem(
    files: dict[str, Path], which: str, body: str, line: int, problem: str
) -> None:
    header = files[which].read_text(encoding="utf-8").splitlines()[0]
    write(files[which], f"{header}\n{body}")
    with pytest.raises(KpiInputError) as info:
        run(files)
    assert info.value.line == line
    assert info.value.path == str(files[which])
    assert problem in str(info.value)
    assert f"line {line}" in str(info.value)


def test_missing_column_is_line_one(files: dict[str, Path]) -> None:
    write(files["machines"], "machine,cycle\nm1,3")
    with pytest.raises(KpiInputError, match=r"line 1: missing column\(s\) ideal_cycle_s"):
        run(files)
