"""The monthly report as a self-contained HTML page (inline SVG charts) and as a PDF.

:func:`render_html` lays the figures of :class:`~.monthly.MonthlyReport` out on A4 pages with
charts; :func:`render_pdf` prints the same HTML with WeasyPrint, so both formats always show
the same thing. No asset is fetched: styles and charts are inline.
"""

from __future__ import annotations

from functools import cache

import jinja2

from smartfactory.errors import FactoryError
from smartfactory.reports import charts
from smartfactory.reports.labels import label
from smartfactory.reports.monthly import MonthlyReport

__all__ = ["render_html", "render_pdf"]

_CURRENCY = {"KRW": "₩", "USD": "$", "EUR": "€", "JPY": "¥"}
_SIX = (
    "breakdowns",
    "setup_adjustments",
    "idling_minor_stops",
    "reduced_speed",
    "process_defects",
    "reduced_yield",
)


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("smartfactory.reports", "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
    )


def _pct(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value * 100:.{digits}f} %"


def _num(value: float | None, digits: int = 0) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def _money(value: float | None, currency: str) -> str:
    if value is None:
        return "–"
    symbol = _CURRENCY.get(currency, currency + " ")
    return f"{symbol}{value:,.0f}"


def _format(key: str, value: float | None, currency: str) -> str:
    if key in ("oee", "availability", "performance", "quality", "scrap_ratio", "on_time_rate"):
        return _pct(value, 2 if key == "scrap_ratio" else 1)
    if key.endswith("_cost"):
        return _money(value, currency)
    return _num(value, 1)


def _charts(report: MonthlyReport, language: str) -> dict[str, str]:
    days = [d.day for d in report.daily]
    trend = charts.trend_chart(
        days,
        {
            "OEE": [d.oee for d in report.daily],
            label("availability", language): [d.availability for d in report.daily],
            label("performance", language): [d.performance for d in report.daily],
            label("quality", language): [d.quality for d in report.daily],
        },
        title=label("oee_trend", language),
        baseline=report.baseline_oee,
        baseline_label=f"OEE {report.baseline_month}",
    )
    f = report.figures
    pbt = f.planned_busy_h
    a, p, q = f.availability or 0.0, f.performance or 0.0, f.quality or 0.0
    waterfall = charts.waterfall_chart(
        [
            (label("planned", language), pbt),
            (label("availability_loss", language), pbt * (1 - a)),
            (label("performance_loss", language), pbt * a * (1 - p)),
            (label("quality_loss", language), pbt * a * p * (1 - q)),
            (label("productive", language), pbt * a * p * q),
        ],
        title=label("losses_waterfall", language),
    )
    pareto = charts.pareto_chart(
        [p.label for p in report.pareto],
        [p.hours for p in report.pareto],
        [p.cumulative for p in report.pareto],
        title=label("pareto", language),
    )
    deltas = charts.delta_chart(
        [f"{d.dimension} · {label(d.key, language)}" for d in report.deltas],
        [d.relative for d in report.deltas],
        [d.better for d in report.deltas],
        title=f"{report.month} vs {report.baseline_month}",
    )
    worst = report.quality[:10]
    scrap = charts.bar_chart(
        [q.machine for q in worst],
        [100 * (q.scrap_ratio or 0.0) for q in worst],
        title=label("scrap_by_machine", language),
        unit="%",
    )
    return {
        "trend": trend,
        "waterfall": waterfall,
        "pareto": pareto,
        "deltas": deltas,
        "scrap": scrap,
    }


def render_html(report: MonthlyReport, language: str = "en") -> str:
    """The report as one self-contained HTML document in ``language`` (``en`` or ``ko``)."""
    template = _environment().get_template("monthly.html")

    def t(key: str) -> str:
        return label(key, language)

    return template.render(
        r=report,
        lang=language,
        t=t,
        plant=report.plant_ko if language == "ko" else report.plant,
        charts=_charts(report, language),
        fmt=lambda key, value: _format(key, value, report.currency),
        pct=_pct,
        num=_num,
        money=lambda v: _money(v, report.currency),
        six=_SIX,
        generated=report.generated.strftime("%Y-%m-%d %H:%M UTC"),
        dimensions=("P", "Q", "C", "D"),
    )


def render_pdf(report: MonthlyReport, language: str = "en") -> bytes:
    """The same report as PDF (WeasyPrint); FactoryError if WeasyPrint cannot run here."""
    try:
        import weasyprint  # type: ignore[import-untyped]  # noqa: PLC0415 - native libs, PDF only
    except OSError as err:  # pango missing on this machine
        msg = f"PDF needs WeasyPrint's system libraries (pango): {err}"
        raise FactoryError(msg) from err
    html = render_html(report, language)
    document: bytes = weasyprint.HTML(string=html).write_pdf()
    return document
