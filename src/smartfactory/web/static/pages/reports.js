/* Monthly report: pick the month (default: the last complete month with data), the baseline and
 * the report language; open the self-contained HTML report or download the PDF, and see the
 * PQCD summary inline. Reads /api/v1/reports/months and /api/v1/reports/monthly?format=json. */
(function () {
  "use strict";

  const sf = window.sf;
  const cfg = sf.cfg;
  const h = sf.h;
  const t = sf.t;
  const PERCENT = ["oee", "availability", "quality", "scrap_ratio", "on_time_rate"];
  const CURRENCY = { KRW: "₩", USD: "$", EUR: "€", JPY: "¥" };
  const monthSel = document.getElementById("sf-month");
  const baseSel = document.getElementById("sf-baseline");
  const langSel = document.getElementById("sf-report-lang");
  let loading = 0;

  function params(format) {
    const p = new URLSearchParams({ month: monthSel.value, lang: langSel.value, format: format });
    if (baseSel.value) p.set("baseline", baseSel.value);
    return p;
  }

  function value(key, v, currency) {
    if (v === null || v === undefined) return sf.fmt.DASH;
    if (PERCENT.includes(key)) return sf.fmt.percent(v, key === "scrap_ratio" ? 2 : 1);
    if (key.endsWith("_cost")) return (CURRENCY[currency] || currency + " ") + sf.fmt.number(Math.round(v));
    return sf.fmt.decimal(v, 1);
  }

  function change(d) {
    if (d.relative === null || d.relative === undefined) {
      if (d.change === null || d.change === undefined) return h("span", { class: "delta-same", text: sf.fmt.DASH });
    }
    if (d.change === 0) return h("span", { class: "delta-same", "data-field": "change", text: t("reports.same") });
    const kind = d.better === true ? "better" : d.better === false ? "worse" : "same";
    const rel = d.relative === null ? "" : (d.relative > 0 ? "+" : "") + sf.fmt.decimal(d.relative * 100, 1) + "%";
    return h("span", { class: "delta-" + kind, "data-field": "change", text: (rel ? rel + " " : "") + t("reports." + kind) });
  }

  function renderCards(report) {
    document.getElementById("sf-report-title").textContent = t("reports.summary", { month: report.month, baseline: report.baseline_month }) +
      " · " + t("reports.days_with_data", { n: report.figures.days_with_data });
    const cards = ["P", "Q", "C", "D"].map((dim) =>
      h("article", { class: "pqcd-card", "data-dimension": dim }, [
        h("h3", {}, [h("span", { class: "dim", text: dim }), t("reports.dimensions." + dim)]),
        ...report.deltas
          .filter((d) => d.dimension === dim)
          .map((d) =>
            h("div", { class: "pqcd-row", "data-key": d.key }, [
              h("div", { class: "pqcd-label", text: t("reports.keys." + d.key) }),
              h("div", { class: "pqcd-value", "data-field": "value", text: value(d.key, d.value, report.currency) }),
              h("div", { class: "pqcd-sub" }, [
                h("span", { text: t("reports.baseline_value") + " " + value(d.key, d.baseline, report.currency) }),
                change(d),
              ]),
            ])
          ),
      ])
    );
    document.getElementById("sf-pqcd").replaceChildren(...cards);
  }

  async function refresh() {
    const html = document.getElementById("sf-open-html");
    const pdf = document.getElementById("sf-download-pdf");
    const box = document.getElementById("sf-pqcd");
    if (!monthSel.value) return;
    html.href = cfg.v1 + "/reports/monthly?" + params("html");
    pdf.href = cfg.v1 + "/reports/monthly?" + params("pdf");
    pdf.setAttribute("download", "report-" + monthSel.value + "-" + langSel.value + ".pdf");
    const mine = ++loading;
    box.setAttribute("aria-busy", "true");
    try {
      const p = params("json");
      p.set("lang", cfg.lang);
      const report = await sf.getJSON(cfg.v1 + "/reports/monthly?" + p);
      if (mine === loading) renderCards(report);
    } catch (err) {
      if (mine === loading) sf.empty(box, t("common.unavailable"));
    } finally {
      if (mine === loading) box.removeAttribute("aria-busy");
    }
  }

  async function init() {
    let months;
    try {
      months = await sf.getJSON(cfg.v1 + "/reports/months");
    } catch (err) {
      sf.empty(document.getElementById("sf-pqcd"), t("common.unavailable"));
      return;
    }
    if (!months.months.length) {
      sf.empty(document.getElementById("sf-pqcd"), t("reports.no_months"));
      for (const el of [monthSel, baseSel, langSel]) el.disabled = true;
      return;
    }
    const newest = months.months.slice().reverse();
    monthSel.replaceChildren(...newest.map((m) => h("option", { value: m, text: m })));
    monthSel.value = months.default;
    baseSel.append(...newest.map((m) => h("option", { value: m, text: m })));
    for (const el of [monthSel, baseSel, langSel]) el.addEventListener("change", refresh);
    await refresh();
  }

  init();
})();
