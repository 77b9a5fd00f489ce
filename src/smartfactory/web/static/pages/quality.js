/* Quality: SPC chart of a machine's scrap (p chart) or a process signal (I-MR), run-rule
 * violations marked, capability indices from the limits typed in. */
(function () {
  "use strict";

  const sf = window.sf;
  const C = window.sfCharts;
  const cfg = sf.cfg;
  const h = sf.h;
  const t = sf.t;
  const machine = document.getElementById("sf-machine");
  const signal = document.getElementById("sf-signal");
  const lsl = document.getElementById("sf-lsl");
  const usl = document.getElementById("sf-usl");
  const params = new URLSearchParams(window.location.search);
  if (params.get("machine")) machine.value = params.get("machine");

  async function loadSignals() {
    const keep = params.get("signal") || signal.value;
    signal.replaceChildren(h("option", { value: "scrap", text: t("quality.scrap_rate") }));
    try {
      for (const s of await sf.getJSON(cfg.v1 + "/machines/" + encodeURIComponent(machine.value) + "/signals")) {
        signal.append(h("option", { value: s.name, text: s.name + (s.unit ? " (" + s.unit + ")" : "") }));
      }
    } catch (err) {
      // scrap only
    }
    if ([...signal.options].some((o) => o.value === keep)) signal.value = keep;
    params.delete("signal");
  }

  function ruleText(code) {
    const text = sf.lookup("spc_rules." + code);
    return text ? code + " · " + text : code;
  }

  async function loadChart() {
    const el = document.getElementById("sf-spc");
    const q = new URLSearchParams({ machine: machine.value, signal: signal.value });
    if (signal.value !== "scrap") {
      if (lsl.value !== "") q.set("lsl", lsl.value);
      if (usl.value !== "") q.set("usl", usl.value);
    }
    const title = document.getElementById("sf-chart-title");
    let r;
    try {
      r = await sf.getJSON(cfg.v1 + "/kpi/spc?" + q);
    } catch (err) {
      sf.empty(el, t("quality.no_chart"));
      document.getElementById("sf-capability").replaceChildren();
      document.getElementById("sf-violations").replaceChildren();
      return;
    }
    const scrap = r.signal === "scrap";
    const k = scrap ? 100 : 1;
    title.textContent = t("quality.chart_" + r.chart) + " · " + sf.machineName(r.machine) + " · " + (scrap ? t("quality.scrap_rate") : r.signal);
    const xs = r.timestamps.map((ts) => Date.parse(ts));
    const pt = (arr) => arr.map((v, i) => ({ x: xs[i], y: v === null ? null : v * k }));
    const bad = new Map();
    for (const [code, idx] of Object.entries(r.violations)) for (const i of idx) bad.set(i, (bad.get(i) || []).concat(code));
    const varying = new Set(r.ucl.map((v) => (v === null ? null : v.toFixed(6)))).size > 1;
    const limitSeries = (arr, name) => ({ name: name, color: "#cf222e", points: pt(arr), width: 1.4, dash: "6 4" });
    const steps = xs.slice(1).map((x, i) => x - xs[i]).sort((a, b) => a - b);
    const gap = steps.length ? Math.max(steps[Math.floor(steps.length / 2)] * 10, 60e3) : 0;
    C.line(el, {
      series: [
        { name: "value", color: "#1f3a5f", gap: gap, points: pt(r.values).map((p, i) => Object.assign(p, { title: sf.fmt.dateTime(r.timestamps[i]) + ": " + sf.fmt.decimal(p.y, 3) })), dots: true, width: 1.6 },
        ...(varying ? [limitSeries(r.ucl, "UCL"), limitSeries(r.lcl, "LCL")] : []),
      ],
      refs: [
        { y: r.center[0] === null ? null : r.center[0] * k, label: "CL " + sf.fmt.decimal(r.center[0] * k, 3), color: "#1f883d", dash: "0" },
        ...(varying ? [] : [
          { y: r.ucl[0] === null ? null : r.ucl[0] * k, label: "UCL " + sf.fmt.decimal(r.ucl[0] * k, 3), color: "#cf222e" },
          { y: r.lcl[0] === null ? null : r.lcl[0] * k, label: "LCL " + sf.fmt.decimal(r.lcl[0] * k, 3), color: "#cf222e" },
        ]),
      ],
      marks: [...bad.entries()].map(([i, codes]) => ({ x: xs[i], y: r.values[i] * k, title: codes.map(ruleText).join(", ") })),
      height: 320,
      xFormat: (v) => (xs[xs.length - 1] - xs[0] > 36 * 3600e3 ? sf.fmt.day(v) : sf.fmt.time(v)),
      yFormat: (v) => sf.fmt.decimal(v, scrap ? 1 : 2) + (scrap ? "%" : ""),
      label: title.textContent,
    });
    el.dataset.violations = String(bad.size);
    document.getElementById("sf-chart-note").textContent = t("quality.points", { n: r.values.length, v: bad.size });
    document.getElementById("sf-spc-legend").replaceChildren(
      h("li", {}, [h("span", { class: "swatch", style: "background:#1f3a5f" }), t("quality.value")]),
      h("li", {}, [h("span", { class: "swatch", style: "background:#1f883d" }), t("quality.center")]),
      h("li", {}, [h("span", { class: "swatch", style: "background:#cf222e" }), t("quality.limits")]),
      h("li", {}, [h("span", { class: "swatch swatch-ring" }), t("quality.violation")])
    );
    const cap = document.getElementById("sf-capability");
    if (!r.capability) {
      sf.empty(cap, scrap ? t("quality.cap_scrap") : t("quality.cap_need_limits"));
    } else {
      const c = r.capability;
      const cls = (v) => (v === null ? "" : v >= 1.33 ? "good" : v >= 1 ? "warn" : "bad");
      cap.replaceChildren(
        h("div", { class: "cap-grid" }, ["cp", "cpk", "pp", "ppk"].map((key) =>
          h("div", { class: "cap cap-" + cls(c[key]), "data-index": key }, [h("span", { class: "cap-label", text: key.toUpperCase().replace("K", "k") }), h("span", { class: "cap-value", text: sf.fmt.decimal(c[key], 2) })])
        )),
        h("dl", { class: "facts facts-inline" }, [
          h("div", {}, [h("dt", { text: t("quality.mean") }), h("dd", { text: sf.fmt.decimal(c.mean, 3) })]),
          h("div", {}, [h("dt", { text: t("quality.sigma_within") }), h("dd", { text: sf.fmt.decimal(c.sigma_within, 3) })]),
          h("div", {}, [h("dt", { text: t("quality.sigma_overall") }), h("dd", { text: sf.fmt.decimal(c.sigma_overall, 3) })]),
        ]),
        h("p", { class: "muted", text: t("quality.cap_hint") })
      );
    }
    const vio = document.getElementById("sf-violations");
    const entries = Object.entries(r.violations);
    if (!entries.length) {
      sf.empty(vio, t("quality.in_control"));
    } else {
      vio.replaceChildren(
        h("table", { class: "table table-compact" }, [
          h("thead", {}, h("tr", {}, [h("th", { text: t("quality.rule") }), h("th", { class: "num", text: t("quality.count") }), h("th", { text: t("quality.last") })])),
          h("tbody", {}, entries.map(([code, idx]) =>
            h("tr", {}, [h("td", { text: ruleText(code) }), h("td", { class: "num", text: idx.length }), h("td", { text: sf.fmt.dateTime(r.timestamps[idx[idx.length - 1]]) })])
          )),
        ])
      );
    }
  }

  machine.addEventListener("change", async () => {
    await loadSignals();
    loadChart();
  });
  for (const el of [signal, lsl, usl]) el.addEventListener("change", loadChart);
  (async () => {
    await loadSignals();
    await loadChart();
  })();
})();
