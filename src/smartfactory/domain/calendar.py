"""Shifts, breaks and holidays: when a site plans to produce."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, model_validator

from smartfactory.domain.text import LocalizedText

__all__ = ["Break", "Shift", "ShiftCalendar", "ShiftWindow"]

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Break(BaseModel):
    """A planned pause inside a shift (counts as planned down time)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    start: time
    minutes: int = Field(gt=0, le=240)


class Shift(BaseModel):
    """A recurring shift: local start and end time, weekdays, and its breaks."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    label: LocalizedText | None = None
    start: time
    end: time = Field(description="May be earlier than start: the shift ends the next day.")
    days: tuple[str, ...] = Field(default=WEEKDAYS[:5], description="Weekdays, e.g. [mon, tue].")
    breaks: tuple[Break, ...] = ()

    @model_validator(mode="after")
    def _check_days(self) -> Shift:
        bad = [d for d in self.days if d not in WEEKDAYS]
        if bad:
            raise ValueError(f"unknown weekday(s) {bad}; use {', '.join(WEEKDAYS)}")
        return self

    def duration(self) -> timedelta:
        """Length of the shift including breaks."""
        start = datetime.combine(date(2000, 1, 3), self.start)
        end = datetime.combine(date(2000, 1, 3), self.end)
        if end <= start:
            end += timedelta(days=1)
        return end - start


@dataclass(frozen=True, slots=True)
class ShiftWindow:
    """One occurrence of a shift, in UTC; ``breaks`` are (start, end) pairs inside it."""

    shift: str
    start: datetime
    end: datetime
    breaks: tuple[tuple[datetime, datetime], ...]


class ShiftCalendar(BaseModel):
    """A site's shifts, time zone and holidays."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    timezone: str = Field(default="Asia/Seoul", description="IANA time zone of the site.")
    shifts: tuple[Shift, ...] = Field(min_length=1)
    holidays: tuple[date, ...] = ()

    @model_validator(mode="after")
    def _check_timezone(self) -> ShiftCalendar:
        try:
            ZoneInfo(self.timezone)
        except (KeyError, ValueError) as err:
            raise ValueError(f"unknown time zone {self.timezone!r}") from err
        return self

    def windows(self, start: datetime, end: datetime) -> list[ShiftWindow]:
        """Shift occurrences overlapping [start, end), clipped to it, in time order."""
        zone = ZoneInfo(self.timezone)
        holidays = set(self.holidays)
        first = start.astimezone(zone).date() - timedelta(days=1)
        last = end.astimezone(zone).date()
        out: list[ShiftWindow] = []
        day = first
        while day <= last:
            if day not in holidays:
                weekday = WEEKDAYS[day.weekday()]
                for shift in self.shifts:
                    if weekday in shift.days:
                        window = _occurrence(shift, day, zone, start, end)
                        if window is not None:
                            out.append(window)
            day += timedelta(days=1)
        out.sort(key=lambda w: w.start)
        return out


def _occurrence(
    shift: Shift, day: date, zone: ZoneInfo, lo: datetime, hi: datetime
) -> ShiftWindow | None:
    s = datetime.combine(day, shift.start, tzinfo=zone).astimezone(UTC)
    e = s + shift.duration()
    if e <= lo or s >= hi:
        return None
    breaks: list[tuple[datetime, datetime]] = []
    for brk in shift.breaks:
        b = datetime.combine(day, brk.start, tzinfo=zone).astimezone(UTC)
        if b < s:
            b += timedelta(days=1)
        b_end = b + timedelta(minutes=brk.minutes)
        b, b_end = max(b, lo, s), min(b_end, hi, e)
        if b < b_end:
            breaks.append((b, b_end))
    return ShiftWindow(shift.name, max(s, lo), min(e, hi), tuple(sorted(breaks)))
