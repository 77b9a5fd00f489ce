"""Reports: the monthly production report (PQCD before/after, charts) as HTML or PDF.

``monthly_report(store, plant, Month(2026, 2))`` computes the figures from the KPI service;
``render_html`` / ``render_pdf`` lay them out with charts in English or Korean.
"""

from __future__ import annotations

from smartfactory.reports.monthly import MonthlyReport, monthly_report
from smartfactory.reports.period import Month, parse_month
from smartfactory.reports.render import render_html, render_pdf

__all__ = ["Month", "MonthlyReport", "monthly_report", "parse_month", "render_html", "render_pdf"]
