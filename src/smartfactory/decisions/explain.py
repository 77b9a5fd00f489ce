"""Plain-language explanations of decisions, in Korean and English, from fixed templates.

Nothing here is generated freely: each decision kind has one template per language, filled
with the numbers of the decision formatted per locale (money with its currency symbol and
thousands separators, hours, the window in the site's time zone as "today", "tomorrow" or a
date)::

    CNC-03: 스핀들 베어링의 잔여 수명 중앙값 41시간(80% 구간 22–70시간). 내일 06:00–08:00 교대 전
    정비 시 예상 비용 ₩1,240,000 절감.
    CNC-03: the spindle bearing has a median remaining life of 41 h (80% interval 22–70 h).
    Maintaining tomorrow 06:00–08:00 before the shift change saves an expected ₩1,240,000.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

__all__ = [
    "COMPONENTS",
    "Explanation",
    "ExplanationInputs",
    "explain_maintenance",
    "explain_schedule",
    "format_hours",
    "format_money",
    "format_window",
]

COMPONENTS: dict[str, tuple[str, str]] = {
    "spindle_bearing": ("spindle bearing", "스핀들 베어링"),
    "spindle": ("spindle", "스핀들"),
    "bearing": ("bearing", "베어링"),
    "tool": ("cutting tool", "절삭 공구"),
    "hydraulics": ("hydraulic unit", "유압 장치"),
    "ball_screw": ("ball screw", "볼스크루"),
    "motor": ("motor", "모터"),
    "pump": ("pump", "펌프"),
    "coolant": ("coolant system", "절삭유 장치"),
    "machine": ("machine", "설비"),
}
"""Component keys with their English and Korean names (an unknown key is shown as is)."""

_SYMBOLS = {"KRW": "₩", "USD": "$", "EUR": "€", "JPY": "¥", "CNY": "¥", "GBP": "£"}
_NO_DECIMALS = {"KRW", "JPY"}
_WEEKDAYS_KO = ("월", "화", "수", "목", "금", "토", "일")
_WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True, slots=True)
class Explanation:
    """The same explanation in English and Korean."""

    en: str
    ko: str

    def get(self, locale: str) -> str:
        """The text in ``locale`` (``ko`` or anything else for English)."""
        return self.ko if locale == "ko" else self.en


@dataclass(frozen=True, slots=True)
class ExplanationInputs:
    """What a proposal's explanation says, beyond its machine, window and benefit.

    ``component`` is a key of :data:`COMPONENTS` (or any name); the remaining-life figures are
    hours; ``note_en`` / ``note_ko`` qualify the window ("before the shift change" / "교대 전");
    ``summary_en`` / ``summary_ko`` describe a schedule change in one phrase; ``timezone`` is
    the site's, for the window; ``currency`` an ISO 4217 code.
    """

    component: str = "machine"
    rul_median_h: float | None = None
    rul_low_h: float | None = None
    rul_high_h: float | None = None
    interval: float = 0.8
    note_en: str = ""
    note_ko: str = ""
    summary_en: str = ""
    summary_ko: str = ""
    timezone: str = "UTC"
    currency: str = "KRW"


def format_money(amount: float, currency: str = "KRW") -> str:
    """``amount`` with its currency: ``₩1,240,000``, ``$1,240.50``; other codes follow it.

    Korean and English write amounts the same way (``₩1,240,000`` in both).
    """
    code = currency.upper()
    decimals = 0 if code in _NO_DECIMALS else 2
    sign = "-" if amount < 0 else ""
    number = f"{abs(amount):,.{decimals}f}"
    symbol = _SYMBOLS.get(code)
    if symbol is None:
        return f"{sign}{number} {code}"
    return f"{sign}{symbol}{number}"


def format_hours(hours: float) -> str:
    """Hours as people say them: whole above 10 (``41``), one decimal below (``2.5``)."""
    if abs(hours) >= 10 or float(hours).is_integer():
        return f"{round(hours):,}"
    return f"{hours:.1f}"


def format_window(start: datetime, end: datetime, now: datetime, tz: str, locale: str) -> str:
    """A window in the site's local time: ``내일 06:00–08:00``, ``tomorrow 06:00–08:00``.

    Today and tomorrow are named; other days get a date (``3월 4일(수)`` / ``Wed 4 Mar``);
    an end on a later day than the start gets its own date.
    """
    zone = ZoneInfo(tz)
    s, e, n = start.astimezone(zone), end.astimezone(zone), now.astimezone(zone)

    def day(d: datetime) -> str:
        delta = (d.date() - n.date()).days
        if delta == 0:
            return "오늘" if locale == "ko" else "today"
        if delta == 1:
            return "내일" if locale == "ko" else "tomorrow"
        if locale == "ko":
            return f"{d.month}월 {d.day}일({_WEEKDAYS_KO[d.weekday()]})"
        return f"{_WEEKDAYS_EN[d.weekday()]} {d.day} {_MONTHS_EN[d.month - 1]}"

    end_text = f"{e:%H:%M}" if e.date() == s.date() else f"{day(e)} {e:%H:%M}"
    return f"{day(s)} {s:%H:%M}–{end_text}"


def _component(key: str) -> tuple[str, str]:
    return COMPONENTS.get(key, (key.replace("_", " "), key.replace("_", " ")))


def explain_maintenance(
    machine: str,
    inputs: ExplanationInputs,
    *,
    benefit: float,
    window: tuple[datetime, datetime] | None,
    now: datetime,
) -> Explanation:
    """Why maintain ``machine`` in ``window``: its remaining life and the expected saving."""
    en_name, ko_name = _component(inputs.component)
    en: list[str] = [f"{machine}:"]
    ko: list[str] = [f"{machine}:"]
    if inputs.rul_median_h is not None:
        median = format_hours(inputs.rul_median_h)
        band_en = band_ko = ""
        if inputs.rul_low_h is not None and inputs.rul_high_h is not None:
            pct = f"{inputs.interval * 100:.0f}%"
            low, high = format_hours(inputs.rul_low_h), format_hours(inputs.rul_high_h)
            band_en = f" ({pct} interval {low}–{high} h)"
            band_ko = f"({pct} 구간 {low}–{high}시간)"
        en.append(f"the {en_name} has a median remaining life of {median} h{band_en}.")
        ko.append(f"{ko_name}의 잔여 수명 중앙값 {median}시간{band_ko}.")
    else:
        en.append(f"maintenance of the {en_name} is due.")
        ko.append(f"{ko_name} 정비가 필요합니다.")
    money = format_money(abs(benefit), inputs.currency)
    when_en = when_ko = ""
    if window is not None:
        when_en = " " + format_window(*window, now, inputs.timezone, "en")
        when_ko = format_window(*window, now, inputs.timezone, "ko") + " "
    note_en = f" {inputs.note_en}" if inputs.note_en else ""
    note_ko = f"{inputs.note_ko} " if inputs.note_ko else ""
    if benefit > 0:
        en.append(f"Maintaining{when_en}{note_en} saves an expected {money}.")
        ko.append(f"{when_ko}{note_ko}정비 시 예상 비용 {money} 절감.")
    else:
        en.append(f"Maintaining{when_en}{note_en} costs an expected {money} more.")
        ko.append(f"{when_ko}{note_ko}정비 시 예상 비용 {money} 증가.")
    return Explanation(en=" ".join(en), ko=" ".join(ko))


def explain_schedule(
    scope: str,
    inputs: ExplanationInputs,
    *,
    benefit: float,
    window: tuple[datetime, datetime] | None,
    now: datetime,
) -> Explanation:
    """Why change the production schedule of ``scope``: the change and its expected saving."""
    money = format_money(abs(benefit), inputs.currency)
    what_en = inputs.summary_en or "re-plan production"
    what_ko = inputs.summary_ko or "생산 계획 재수립"
    when_en = when_ko = ""
    if window is not None:
        when_en = f" from {format_window(*window, now, inputs.timezone, 'en')}"
        when_ko = f"{format_window(*window, now, inputs.timezone, 'ko')} "
    verb_en = "saves" if benefit > 0 else "costs"
    more_en = "" if benefit > 0 else " more"
    verb_ko = "절감" if benefit > 0 else "증가"
    return Explanation(
        en=f"{scope}: {what_en}{when_en}; {verb_en} an expected {money}{more_en}.",
        ko=f"{scope}: {when_ko}{what_ko} 시 예상 비용 {money} {verb_ko}.",
    )
