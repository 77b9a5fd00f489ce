"""Calendar months of a site: a month's UTC window from its local midnights, and parsing."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from smartfactory.errors import DataError

__all__ = ["Month", "parse_month"]

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
MIN_YEAR = 1900
MAX_YEAR = 9998
"""Years a month may have: its window, its baseline's and the month after must be datetimes."""


@dataclass(frozen=True, slots=True, order=True)
class Month:
    """A calendar month, e.g. ``Month(2026, 2)``."""

    year: int
    month: int

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def previous(self) -> Month:
        """The month before this one."""
        return Month(self.year - 1, 12) if self.month == 1 else Month(self.year, self.month - 1)

    def next(self) -> Month:
        """The month after this one."""
        return Month(self.year + 1, 1) if self.month == 12 else Month(self.year, self.month + 1)

    def window(self, timezone: str) -> tuple[datetime, datetime]:
        """[start, end) in UTC: from the first local midnight of the month to the next one's."""
        zone = ZoneInfo(timezone)
        following = self.next()
        start = datetime(self.year, self.month, 1, tzinfo=zone).astimezone(UTC)
        end = datetime(following.year, following.month, 1, tzinfo=zone).astimezone(UTC)
        return start, end


def parse_month(text: str) -> Month:
    """``YYYY-MM`` as a :class:`Month`; DataError with the expected form otherwise."""
    match = _MONTH.match(text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        msg = f"month {text!r} must look like YYYY-MM, e.g. 2026-02"
        raise DataError(msg)
    if not MIN_YEAR <= int(match.group(1)) <= MAX_YEAR:  # outside, a month's window overflows
        msg = f"month {text!r} must be YYYY-MM with a year from {MIN_YEAR} to {MAX_YEAR}"
        raise DataError(msg)
    return Month(int(match.group(1)), int(match.group(2)))
