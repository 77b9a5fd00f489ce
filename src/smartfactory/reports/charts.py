"""The report's charts as self-contained SVG (matplotlib, text drawn as paths).

Each function takes plain figures and returns an SVG document string, so the same charts go
into the HTML report and, through it, into the PDF. Text is converted to paths, so Korean
labels render without the reader having a Korean font; a Hangul font (NanumGothic or Noto
Sans CJK) must be installed where the report is made, else Korean labels fall back to boxes.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any, ParamSpec

import matplotlib as mpl

mpl.use("Agg")  # no display; must precede pyplot

from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.figure import Figure

P = ParamSpec("P")

__all__ = ["bar_chart", "delta_chart", "pareto_chart", "trend_chart", "waterfall_chart"]

BLUE = "#1f6feb"
GREEN = "#2da44e"
RED = "#cf222e"
GREY = "#8c959f"
AMBER = "#bf8700"
_HANGUL_FONTS = ("NanumGothic", "NanumBarunGothic", "Noto Sans CJK KR", "NanumSquareRound")


@cache
def _font() -> list[str]:
    names = {f.name for f in font_manager.fontManager.ttflist}
    return [*(n for n in _HANGUL_FONTS if n in names), "DejaVu Sans"]


def _style() -> dict[str, Any]:
    return {
        "font.family": _font(),
        "font.size": 8,
        "svg.fonttype": "path",
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.titleweight": "bold",
        "axes.titlesize": 9,
    }


def _styled(draw: Callable[P, str]) -> Callable[P, str]:
    """Run a chart function under the report style, leaving global settings alone."""

    @functools.wraps(draw)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> str:
        with mpl.rc_context(_style()):  # type: ignore[arg-type]  # keys are valid rc names
            return draw(*args, **kwargs)

    return wrapper


def _figure(width: float = 7.0, height: float = 2.6) -> tuple[Figure, Axes]:
    figure = Figure(figsize=(width, height), dpi=100)
    axes = figure.add_subplot()
    axes.grid(axis="y", color="#e5e7eb", linewidth=0.6)
    axes.set_axisbelow(True)
    return figure, axes


def _svg(figure: Figure) -> str:
    figure.tight_layout()
    out = io.StringIO()
    figure.savefig(out, format="svg", metadata={"Date": None})
    text = out.getvalue()
    return text[text.index("<svg") :]


@_styled
def trend_chart(
    days: Sequence[str],
    series: dict[str, Sequence[float | None]],
    *,
    title: str,
    baseline: float | None = None,
    baseline_label: str = "",
) -> str:
    """Daily ratios (0-1) as lines; the first series bold; an optional dashed baseline."""
    figure, axes = _figure()
    x = list(range(len(days)))
    colours = [BLUE, GREEN, AMBER, GREY]
    for i, (name, values) in enumerate(series.items()):
        y = [float("nan") if v is None else v * 100 for v in values]
        axes.plot(
            x,
            y,
            label=name,
            color=colours[i % len(colours)],
            linewidth=2.2 if i == 0 else 1.0,
            marker="o" if i == 0 else None,
            markersize=3,
        )
    if baseline is not None:
        axes.axhline(baseline * 100, color=RED, linestyle="--", linewidth=1, label=baseline_label)
    step = max(1, len(days) // 10)
    axes.set_xticks(x[::step], [d[5:] for d in days[::step]])
    axes.set_ylim(0, 105)
    axes.set_ylabel("%")
    axes.set_title(title, loc="left")
    axes.legend(loc="lower right", ncols=5, frameon=False, fontsize=7)
    return _svg(figure)


@_styled
def waterfall_chart(steps: Sequence[tuple[str, float]], *, title: str, unit: str = "h") -> str:
    """A waterfall: the first step is the start total, the rest are losses, the end remains."""
    figure, axes = _figure()
    level = steps[0][1]
    labels = [steps[0][0]]
    bottoms, heights, colours = [0.0], [level], [BLUE]
    for label, loss in steps[1:-1]:
        level -= loss
        labels.append(label)
        bottoms.append(level)
        heights.append(loss)
        colours.append(RED)
    labels.append(steps[-1][0])
    bottoms.append(0.0)
    heights.append(level)
    colours.append(GREEN)
    bars = axes.bar(labels, heights, bottom=bottoms, color=colours, width=0.6)
    for bar, h in zip(bars, heights, strict=True):
        axes.annotate(
            f"{h:,.0f}",
            (bar.get_x() + bar.get_width() / 2, bar.get_y() + bar.get_height()),
            ha="center",
            va="bottom",
            fontsize=7,
        )
    axes.set_ylabel(unit)
    axes.set_title(title, loc="left")
    return _svg(figure)


@_styled
def pareto_chart(
    labels: Sequence[str], hours: Sequence[float], cumulative: Sequence[float | None], *, title: str
) -> str:
    """Bars of hours per reason, largest first, with the cumulative share as a line."""
    figure, axes = _figure()
    if not labels:
        axes.text(0.5, 0.5, "—", ha="center", va="center", transform=axes.transAxes)
        axes.set_title(title, loc="left")
        return _svg(figure)
    x = list(range(len(labels)))
    axes.bar(x, hours, color=BLUE, width=0.6)
    axes.set_xticks(x, labels, rotation=20, ha="right")
    axes.set_ylabel("h")
    twin = axes.twinx()
    twin.plot(x, [100 * (c or 0.0) for c in cumulative], color=RED, marker="o", markersize=3)
    twin.set_ylim(0, 105)
    twin.set_ylabel("%")
    twin.spines["top"].set_visible(False)
    axes.set_title(title, loc="left")
    return _svg(figure)


@_styled
def delta_chart(
    labels: Sequence[str],
    changes: Sequence[float | None],
    better: Sequence[bool | None],
    *,
    title: str,
) -> str:
    """Horizontal bars of relative change (%), green where better, red where worse."""
    figure, axes = _figure(height=0.35 * max(len(labels), 3) + 0.8)
    axes.grid(axis="x", color="#e5e7eb", linewidth=0.6)
    axes.grid(axis="y", visible=False)
    y = list(range(len(labels)))[::-1]
    values = [0.0 if c is None else c * 100 for c in changes]
    colours = [GREY if b is None else GREEN if b else RED for b in better]
    axes.barh(y, values, color=colours, height=0.6)
    axes.set_yticks(y, labels)
    axes.axvline(0, color="#57606a", linewidth=0.8)
    for yi, v, c in zip(y, values, changes, strict=True):
        axes.annotate(
            "n/a" if c is None else f"{v:+.1f} %",
            (v, yi),
            xytext=(4 if v >= 0 else -4, 0),
            textcoords="offset points",
            ha="left" if v >= 0 else "right",
            va="center",
            fontsize=7,
        )
    span = max([abs(v) for v in values] + [1.0])
    axes.set_xlim(-span * 1.35, span * 1.35)
    axes.set_xlabel("%")
    axes.set_title(title, loc="left")
    return _svg(figure)


@_styled
def bar_chart(labels: Sequence[str], values: Sequence[float], *, title: str, unit: str) -> str:
    """Vertical bars with their values (e.g. scrap rate per machine)."""
    figure, axes = _figure()
    x = list(range(len(labels)))
    axes.bar(x, values, color=AMBER, width=0.6)
    axes.set_xticks(x, labels, rotation=30, ha="right")
    axes.set_ylabel(unit)
    axes.set_title(title, loc="left")
    return _svg(figure)
