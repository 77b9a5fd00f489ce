from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pyarrow as pa
import pytest

from smartfactory.config import example_plant
from smartfactory.domain.assets import Plant
from smartfactory.domain.states import MachineState as S
from smartfactory.store import COUNT_SCHEMA, STATE_SCHEMA, DuckDBStore


def write(path: Path, text: str) -> Path:
    path.write_text(text.strip() + "\n", encoding="utf-8")
    return path


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    """A worked example by hand (see test_offline.py for the arithmetic)."""
    machines = write(tmp_path / "machines.csv", "machine,ideal_cycle_s\nm1,30\nm2,60\n")
    states = write(
        tmp_path / "states.csv",
        """
machine,start,end,state,reason
m1,2024-03-04T08:00:00+09:00,2024-03-04T09:00:00+09:00,producing,
m1,2024-03-04T09:00:00+09:00,2024-03-04T09:10:00+09:00,unplanned_stop,breakdown
m1,2024-03-04T09:10:00+09:00,2024-03-04T09:20:00+09:00,unplanned_stop,breakdown
m1,2024-03-04T09:30:00+09:00,2024-03-04T10:00:00+09:00,planned_stop,break
m2,2024-03-04T08:00:00+09:00,2024-03-04T10:00:00+09:00,producing,
""",
    )
    counts = write(
        tmp_path / "counts.csv",
        """
machine,timestamp,good,scrap
m1,2024-03-04T08:30:00+09:00,50,5
m1,2024-03-04T09:00:00+09:00,45,0
m2,2024-03-04T09:00:00+09:00,100,0
m2,2024-03-04T10:00:00+09:00,7,0
""",
    )
    return {"machines": machines, "states": states, "counts": counts}


KST = ZoneInfo("Asia/Seoul")
DAY = datetime(2024, 3, 4, tzinfo=KST)


def at(h: int, m: int = 0) -> datetime:
    return DAY + timedelta(hours=h, minutes=m)


STATES = [
    ("cnc-01", at(8), at(10), S.PRODUCING, "", "o1", "shaft-a"),
    ("cnc-01", at(10), at(10, 10), S.IDLE, "", "", ""),
    ("cnc-01", at(10, 10), at(11), S.PRODUCING, "", "o1", "shaft-a"),
    ("cnc-01", at(11), at(11, 2), S.UNPLANNED_STOP, "", "o1", "shaft-a"),
    ("cnc-01", at(11, 2), at(12), S.PRODUCING, "", "o1", "shaft-a"),
    ("mc-01", at(8), at(9), S.PRODUCING, "", "o2", "shaft-b"),
    ("mc-01", at(9), at(13), S.UNPLANNED_STOP, "breakdown", "", ""),
]
COUNTS = [("cnc-01", at(9), 100, 0), ("cnc-01", at(12), 90, 10), ("mc-01", at(9), 60, 0)]


@pytest.fixture(scope="module")
def plant() -> Plant:
    return example_plant()


@pytest.fixture
def store() -> Iterator[DuckDBStore]:
    s = DuckDBStore(":memory:")
    cols = list(zip(*STATES, strict=True))
    s.write_states(
        pa.table(
            [list(c) if i != 3 else [int(x) for x in c] for i, c in enumerate(cols)],
            schema=STATE_SCHEMA,
        )
    )
    s.write_counts(pa.table([list(c) for c in zip(*COUNTS, strict=True)], schema=COUNT_SCHEMA))
    yield s
    s.close()
