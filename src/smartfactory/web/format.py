"""Number, ratio, duration and clock formatting for pages.

``static/app.js`` formats the same values the same way when it updates a page; keep the two
in step (``tests/web`` compares them).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from smartfactory.web.i18n import Translator

__all__ = ["DASH", "clock", "duration", "number", "percent"]

DASH = "–"
"""Shown where a value is not known yet."""


def percent(ratio: float | None, digits: int = 0) -> str:
    """``0.673`` → ``"67%"`` (``"67.3%"`` with ``digits=1``); None → a dash."""
    if ratio is None:
        return DASH
    if digits == 0:
        return f"{round(ratio * 100)}%"
    return f"{ratio * 100:.{digits}f}%"


def number(value: int | None) -> str:
    """``12345`` → ``"12,345"``; None → a dash."""
    return DASH if value is None else f"{value:,}"


def duration(seconds: float, t: Translator) -> str:
    """A short human duration: ``45 s``, ``12 min``, ``1 h 5 min``, ``2 d 3 h`` (or Korean)."""
    s = max(0, int(seconds))
    if s < 60:
        return t("duration.s", s=s)
    m = s // 60
    if m < 60:
        return t("duration.m", m=m)
    h, m = divmod(m, 60)
    if h < 24:
        return t("duration.hm", h=h, m=m)
    d, h = divmod(h, 24)
    return t("duration.dh", d=d, h=h)


def clock(timestamp: datetime, timezone: str, t: Translator) -> tuple[str, str]:
    """The site-local date with weekday and the time: ``("2024-05-13 (Mon)", "14:03:21")``."""
    local = timestamp.astimezone(ZoneInfo(timezone))
    weekdays = t.list("weekdays")
    day = weekdays[local.weekday()] if len(weekdays) == 7 else ""
    date = local.strftime("%Y-%m-%d") + (f" ({day})" if day else "")
    return date, local.strftime("%H:%M:%S")
