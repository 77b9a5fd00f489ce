from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from pydantic import ValidationError

from smartfactory.domain import Break, Shift, ShiftCalendar


def _calendar(**kw: object) -> ShiftCalendar:
    day = Shift(
        name="day",
        start=time(8),
        end=time(17),
        breaks=(Break(start=time(12), minutes=60),),
    )
    night = Shift(name="night", start=time(20), end=time(5))
    return ShiftCalendar(timezone="Asia/Seoul", shifts=(day, night), **kw)  # type: ignore[arg-type]


def test_windows_in_utc_with_breaks() -> None:
    cal = _calendar()
    # Monday 2026-11-23 in Seoul (UTC+9).
    start = datetime(2026, 11, 22, 15, tzinfo=UTC)  # Mon 00:00 local
    windows = cal.windows(start, start + timedelta(days=2))
    day = windows[0]
    assert day.shift == "day"
    assert day.start == datetime(2026, 11, 22, 23, tzinfo=UTC)
    assert day.end == datetime(2026, 11, 23, 8, tzinfo=UTC)
    assert day.breaks == (
        (datetime(2026, 11, 23, 3, tzinfo=UTC), datetime(2026, 11, 23, 4, tzinfo=UTC)),
    )
    night = windows[1]
    assert night.shift == "night"
    assert night.end - night.start == timedelta(hours=9)  # crosses midnight


def test_weekend_and_holidays_have_no_shifts() -> None:
    cal = _calendar(holidays=(date(2026, 11, 24),))
    fri_night = datetime(2026, 11, 27, 11, tzinfo=UTC)  # Fri 20:00 local
    sat = datetime(2026, 11, 27, 21, tzinfo=UTC)  # Sat 06:00 local, after Friday's night shift
    assert [w.shift for w in cal.windows(fri_night, sat)] == ["night"]
    assert cal.windows(sat, sat + timedelta(days=2)) == []  # Sat 06:00 to Mon 06:00
    tue = datetime(2026, 11, 23, 21, tzinfo=UTC)  # Tue 06:00 local (a holiday) to 19:00
    assert cal.windows(tue, tue + timedelta(hours=13)) == []
    wed = tue + timedelta(days=1)
    assert [w.shift for w in cal.windows(wed, wed + timedelta(hours=13))] == ["day"]


def test_windows_are_clipped() -> None:
    cal = _calendar()
    lo = datetime(2026, 11, 23, 1, tzinfo=UTC)
    hi = datetime(2026, 11, 23, 2, tzinfo=UTC)
    (only,) = cal.windows(lo, hi)
    assert (only.start, only.end) == (lo, hi)


def test_bad_timezone_and_weekday_are_rejected() -> None:
    with pytest.raises(ValidationError, match="time zone"):
        ShiftCalendar(timezone="Mars/Base", shifts=(Shift(name="d", start=time(8), end=time(9)),))
    with pytest.raises(ValidationError, match="weekday"):
        Shift(name="d", start=time(8), end=time(9), days=("monday",))
