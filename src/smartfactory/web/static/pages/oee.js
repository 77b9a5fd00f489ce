/* OEE and losses: trend by shift or day, loss waterfall, downtime Pareto, drill-down.
 * Reads /api/v1/kpi/oee (group_by) and /api/v1/kpi/losses (machine=...). */
(function () {
  "use strict";

  const sf = window.sf;
  const C = window.sfCharts;
  const cfg = sf.cfg;
  const h = sf.h;
  const t = sf.t;
  let period = "shift_window";
  let days = 2;
  let scope = ""; // "", "line:<id>" or "machine:<id>"

  function machinesInScope() {
    if (scope.startsWith("machine:")) return [scope.slice(8)];
    if (scope.startsWith("line:")) {
      const line = scope.slice(5);
      return Object.keys(cfg.line_of).filter((m) => cfg.line_of[m] === line);
    }
    return [];
  }

  function windowParams() {
    const end = new Date(cfg.now);
    const start = new Date(end.getTime() - days * 86400e3);
    return { start: start.toISOString(), end: end.toISOString() };
  }

  function matches(row) {
    if (!scope) return true;
    if (scope.startsWith("line:")) return row.group.line === scope.slice(5);
    return row.group.machine === scope.slice(8);
  }

  // ISO 22400 OEE of several rows from summed times and units
  function combine(rows) {
    const sum = (k) => rows.reduce((a, r) => a + (r[k] || 0), 0);
    const pbt = sum("pbt_s");
    const apt = sum("apt_s");
    const pq = sum("pq");
    const gq = sum("gq");
    const ideal = rows.reduce((a, r) => a + (r.performance !== null && r.apt_s ? r.performance * r.apt_s : 0), 0);
    const A = pbt > 0 ? apt / pbt : null;
    const P = apt > 0 ? ideal / apt : null;
    const Q = pq > 0 ? gq / pq : null;
    return { pbt: pbt, apt: apt, pq: pq, gq: gq, scrap: sum("scrap"), A: A, P: P, Q: Q, oee: A !== null && P !== null && Q !== null ? A * P * Q : null };
  }

  function groupKey() {
    if (scope.startsWith("machine:")) return "machine";
    if (scope.startsWith("line:")) return "line";
    return "site";
  }

  async function loadTrend() {
    const el = document.getElementById("sf-trend");
    const params = new URLSearchParams(windowParams());
    params.append("group_by", period);
    params.append("group_by", groupKey());
    let rows;
    try {
      rows = (await sf.getJSON(cfg.v1 + "/kpi/oee?" + params)).filter(matches);
    } catch (err) {
      sf.empty(el, t("common.unavailable"));
      return;
    }
    const buckets = {};
    for (const r of rows) (buckets[r.group[period]] = buckets[r.group[period]] || []).push(r);
    const keys = Object.keys(buckets).sort();
    const all = keys.map((k, i) => ({ k: k, x: i, v: combine(buckets[k]) }));
    // leave out a period that has barely begun (the current shift's first minutes)
    const pbts = all.map((p) => p.v.pbt).sort((a, b) => a - b);
    const typical = pbts.length ? pbts[Math.floor(pbts.length / 2)] : 0;
    const points = all.filter((p) => p.v.pbt > 0 && p.v.pbt >= 0.25 * typical);
    if (points.length < 1) {
      sf.empty(el, t("common.no_data"));
      return;
    }
    const label = (k) => {
      const [day, shift] = k.split("/");
      const d = new Date(day + "T12:00:00Z");
      const text = isNaN(d) ? day : new Intl.DateTimeFormat(cfg.locale, { month: "short", day: "numeric", weekday: "short", timeZone: "UTC" }).format(d);
      return shift ? text + " " + (cfg.shifts[shift] || shift) : text;
    };
    const mk = (key) => points.map((p) => ({ x: p.x, y: p.v[key] === null ? null : p.v[key] * 100, title: label(p.k) + ": " + sf.fmt.percent(p.v[key]) }));
    C.line(el, {
      series: [
        { name: "OEE", color: "#1f3a5f", points: mk("oee"), width: 3, dots: true },
        { name: "A", color: "#1f883d", points: mk("A"), width: 1.5, dash: "4 3" },
        { name: "P", color: "#0969da", points: mk("P"), width: 1.5, dash: "4 3" },
        { name: "Q", color: "#8250df", points: mk("Q"), width: 1.5, dash: "4 3" },
      ],
      refs: [{ y: 85, label: t("oee.world_class"), color: "#8c959f" }],
      yMin: 0,
      yMax: 100,
      xMin: points[0].x - 0.3,
      xMax: points[points.length - 1].x + 0.3,
      height: 250,
      yFormat: (v) => v + "%",
      xTicks: () => points.map((p) => p.x),
      xFormat: (v) => label(keys[v]),
      label: t("oee.trend"),
    });
    document.getElementById("sf-trend-note").replaceChildren(
      ...[["OEE", "#1f3a5f"], [t("tile.availability"), "#1f883d"], [t("tile.performance"), "#0969da"], [t("tile.quality"), "#8250df"]].map(([name, color]) =>
        h("span", { class: "key" }, [h("span", { class: "swatch", style: "background:" + color }), name])
      )
    );
  }

  async function loadKpis() {
    const box = document.getElementById("sf-oee-kpis");
    const params = new URLSearchParams(windowParams());
    params.append("group_by", groupKey());
    let rows;
    try {
      rows = (await sf.getJSON(cfg.v1 + "/kpi/oee?" + params)).filter(matches);
    } catch (err) {
      sf.empty(box, t("common.unavailable"));
      return null;
    }
    const v = combine(rows);
    const kpi = (label, value, sub) =>
      h("div", { class: "kpi" }, [h("span", { class: "kpi-label", text: label }), h("span", { class: "kpi-value", text: value }), h("span", { class: "kpi-sub", text: sub || "" })]);
    box.replaceChildren(
      kpi(t("summary.oee"), sf.fmt.percent(v.oee), t("oee.last_days", { n: days })),
      kpi(t("tile.availability"), sf.fmt.percent(v.A), t("oee.run_time", { h: sf.fmt.decimal(v.apt / 3600, 0) })),
      kpi(t("tile.performance"), sf.fmt.percent(v.P), ""),
      kpi(t("tile.quality"), sf.fmt.percent(v.Q), t("oee.good_of", { good: sf.fmt.number(v.gq), all: sf.fmt.number(v.pq) }))
    );
    return v;
  }

  async function loadLosses(totals) {
    const params = new URLSearchParams(windowParams());
    for (const m of machinesInScope()) params.append("machine", m);
    const wf = document.getElementById("sf-waterfall");
    const pa = document.getElementById("sf-pareto");
    let report;
    try {
      report = await sf.getJSON(cfg.v1 + "/kpi/losses?" + params);
    } catch (err) {
      sf.empty(wf, t("common.unavailable"));
      sf.empty(pa, t("common.unavailable"));
      return;
    }
    const H = (s) => s / 3600;
    const pbt = totals ? H(totals.pbt) : 0;
    const six = report.six_big_losses;
    const steps = [
      ["breakdowns", six.breakdowns],
      ["setup_adjustments", six.setup_adjustments],
      ["idling_minor_stops", six.idling_minor_stops],
      ["unknown", report.unknown_s],
      ["reduced_speed", six.reduced_speed],
      ["process_defects", six.process_defects],
      ["reduced_yield", six.reduced_yield],
    ];
    const items = [{ label: t("oee.loading_time"), value: pbt, color: "#1f3a5f", total: true, title: t("oee.loading_time") }];
    let level = pbt;
    const colors = { breakdowns: "#cf222e", setup_adjustments: "#0969da", idling_minor_stops: "#d29a00", unknown: "#8c959f", reduced_speed: "#bf3989", process_defects: "#8250df", reduced_yield: "#6e7781" };
    for (const [key, sec] of steps) {
      const v = Math.min(level, H(sec || 0));
      level -= v;
      items.push({ label: t("losses." + key), value: v, base: level, color: colors[key], title: t("losses." + key) + ": " + sf.fmt.decimal(v, 1) + " h" });
    }
    items.push({ label: t("oee.productive"), value: Math.max(0, level), color: "#1f883d", total: true, title: t("oee.productive") });
    C.bars(wf, { items: items, height: 280, connect: true, yFormat: (v) => sf.fmt.decimal(v, 1), label: t("oee.waterfall") });

    const pareto = report.pareto_by_reason.filter((r) => r.seconds > 0).slice(0, 10);
    if (!pareto.length) {
      sf.empty(pa, t("oee.no_downtime"));
    } else {
      C.bars(pa, {
        items: pareto.map((r) => ({ label: cfg.lang === "ko" ? r.label_ko : r.label_en, value: H(r.seconds), color: "#cf222e", title: (cfg.lang === "ko" ? r.label_ko : r.label_en) + ": " + sf.fmt.decimal(H(r.seconds), 1) + " h · " + r.count + "×" })),
        line: pareto.map((r) => r.cumulative || 0),
        height: 280,
        yFormat: (v) => sf.fmt.decimal(v, 1),
        label: t("oee.pareto"),
      });
    }
  }

  async function loadDrill() {
    const box = document.getElementById("sf-drill");
    const params = new URLSearchParams(windowParams());
    const by = scope.startsWith("line:") || scope.startsWith("machine:") ? "machine" : "line";
    params.append("group_by", by);
    let rows;
    try {
      rows = await sf.getJSON(cfg.v1 + "/kpi/oee?" + params);
    } catch (err) {
      sf.empty(box, t("common.unavailable"));
      return;
    }
    if (by === "machine") rows = rows.filter((r) => machinesInScope().includes(r.group.machine));
    rows.sort((a, b) => (a.oee === null) - (b.oee === null) || (a.oee || 0) - (b.oee || 0));
    const name = (r) => (by === "line" ? cfg.lines[r.group.line] || r.group.line : sf.machineName(r.group.machine));
    box.replaceChildren(
      h("table", { class: "table" }, [
        h("thead", {}, h("tr", {}, [t(by === "line" ? "oee.col_line" : "oee.col_machine"), "OEE", t("tile.a"), t("tile.p"), t("tile.q"), t("oee.col_down"), t("oee.col_failures"), t("tile.good"), t("tile.scrap")].map((c) => h("th", { text: c })))),
        h("tbody", {}, rows.map((r) => {
          const key = by === "line" ? "line:" + r.group.line : "machine:" + r.group.machine;
          return h("tr", { class: "clickable", "data-drill": key, tabindex: 0, onclick: () => setScope(key), onkeydown: (e) => e.key === "Enter" && setScope(key) }, [
            h("td", { text: name(r) }),
            h("td", {}, h("span", { class: "meter" }, [h("span", { style: "width:" + Math.round((r.oee || 0) * 100) + "%" }), h("b", { text: sf.fmt.percent(r.oee) })])),
            h("td", { class: "num", text: sf.fmt.percent(r.availability) }),
            h("td", { class: "num", text: sf.fmt.percent(r.performance) }),
            h("td", { class: "num", text: sf.fmt.percent(r.quality) }),
            h("td", { class: "num", text: sf.fmt.duration(r.down_s) }),
            h("td", { class: "num", text: sf.fmt.number(r.failures) }),
            h("td", { class: "num", text: sf.fmt.number(r.gq) }),
            h("td", { class: "num", text: sf.fmt.number(r.scrap) }),
          ]);
        })),
      ])
    );
  }

  function setScope(value) {
    scope = value;
    document.getElementById("sf-scope").value = value;
    loadAll();
  }

  async function loadAll() {
    const totals = await loadKpis();
    await Promise.all([loadTrend(), loadLosses(totals), loadDrill()]);
    document.body.dataset.loaded = "1";
  }

  document.getElementById("sf-scope").addEventListener("change", (e) => setScope(e.target.value));
  for (const button of document.querySelectorAll("#sf-period button")) {
    button.addEventListener("click", () => {
      period = button.dataset.period;
      days = Number(button.dataset.days);
      for (const b of document.querySelectorAll("#sf-period button")) b.setAttribute("aria-pressed", String(b === button));
      loadAll();
    });
  }
  loadAll();
})();
