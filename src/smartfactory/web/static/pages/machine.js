/* Machine page: health, RUL and driving signals; state timeline; signal charts.
 * Live state and counts come from the live stream (app.js updates the data-machine header).
 */
(function () {
  "use strict";

  const sf = window.sf;
  const C = window.sfCharts;
  const cfg = sf.cfg;
  const h = sf.h;
  const t = sf.t;
  const id = cfg.machine;
  const base = cfg.v1 + "/machines/" + encodeURIComponent(id);
  let hours = 8;

  function windowParams() {
    const end = new Date(cfg.now);
    const liveNow = window.__sfNow ? new Date(window.__sfNow) : end;
    const stop = liveNow > end ? liveNow : end;
    const start = new Date(stop.getTime() - hours * 3600e3);
    return { start: start, end: stop };
  }

  function qs(params) {
    return new URLSearchParams(params).toString();
  }

  sf.onLive((live) => {
    window.__sfNow = live.timestamp;
  });

  /* ---------- health, RUL, contributions ---------- */

  async function loadHealth() {
    const panel = document.getElementById("sf-health");
    const body = panel.querySelector('[data-field="body"]');
    let reading = null;
    try {
      const all = await sf.getJSON(cfg.v1 + "/health-index");
      reading = all.find((r) => r.machine === id) || null;
    } catch (err) {
      reading = null;
    }
    if (!reading) {
      sf.empty(body, t("machine.no_health"));
      return;
    }
    panel.querySelector('[data-field="model"]').textContent =
      t("machine.model") + " " + reading.model_version + " · " + sf.fmt.dateTime(reading.updated);
    const healthClass = reading.health >= 70 ? "good" : reading.health >= 40 ? "warn" : "bad";
    const gauge = h("div", { class: "health-gauge health-" + healthClass }, [
      h("span", { class: "health-value", text: Math.round(reading.health) }),
      h("span", { class: "health-label", text: t("machine.health_index") }),
    ]);
    const facts = h("dl", { class: "facts" }, [
      h("div", {}, [h("dt", { text: t("machine.anomaly") }), h("dd", { text: sf.fmt.decimal(reading.anomaly_score, 2) })]),
      h("div", {}, [h("dt", { text: t("machine.alert") }), h("dd", { class: reading.alert ? "bad" : "", text: reading.alert ? t("common.yes") : t("common.no") })]),
    ]);
    const rulBox = h("div", { class: "rul" });
    if (reading.rul) {
      const r = reading.rul;
      const max = Math.max(r.p90_h * 1.1, 1);
      const pct = (v) => (100 * v) / max + "%";
      rulBox.append(
        h("div", { class: "rul-head" }, [
          h("span", { text: t("machine.rul") }),
          h("b", { "data-field": "rul", text: t("machine.rul_value", { h: sf.fmt.decimal(r.median_h, 0) }) }),
        ]),
        h("div", { class: "rul-bar", title: t("machine.rul_interval", { lo: sf.fmt.decimal(r.p10_h, 0), hi: sf.fmt.decimal(r.p90_h, 0) }) }, [
          h("span", { class: "rul-range", style: "left:" + pct(r.p10_h) + ";width:calc(" + pct(r.p90_h) + " - " + pct(r.p10_h) + ")" }),
          h("span", { class: "rul-median", style: "left:" + pct(r.median_h) }),
        ]),
        h("div", { class: "muted", text: t("machine.rul_interval", { lo: sf.fmt.decimal(r.p10_h, 0), hi: sf.fmt.decimal(r.p90_h, 0) }) })
      );
    } else {
      rulBox.append(h("p", { class: "muted", text: t("machine.no_rul") }));
    }
    const contrib = h("div", { class: "contrib" }, [h("h4", { text: t("machine.drivers") })]);
    for (const c of reading.contributions) {
      contrib.append(
        h("div", { class: "contrib-row" }, [
          h("span", { class: "contrib-name", text: c.signal }),
          h("span", { class: "contrib-bar" }, [h("span", { style: "width:" + Math.round(c.share * 100) + "%" })]),
          h("span", { class: "contrib-val", text: sf.fmt.percent(c.share) + " · " + sf.fmt.decimal(c.sigmas, 1) + "σ" }),
        ])
      );
    }
    if (!reading.contributions.length) contrib.append(h("p", { class: "muted", text: t("machine.no_drivers") }));
    body.replaceChildren(h("div", { class: "health-top" }, [gauge, facts, rulBox]), contrib);
  }

  /* ---------- state timeline ---------- */

  async function loadStates() {
    const el = document.getElementById("sf-timeline");
    const { start, end } = windowParams();
    let states = [];
    try {
      states = await sf.getJSON(base + "/states?" + qs({ start: start.toISOString(), end: end.toISOString() }));
    } catch (err) {
      sf.empty(el, t("common.no_data"));
      return;
    }
    if (!states.length) {
      sf.empty(el, t("common.no_data"));
      return;
    }
    const totals = {};
    const items = states.map((st) => {
      const a = Date.parse(st.start);
      const b = Date.parse(st.end);
      totals[st.state] = (totals[st.state] || 0) + (b - a) / 1000;
      const reason = sf.reasonLabel(st.reason);
      return {
        start: a,
        end: b,
        color: C.STATE_COLORS[st.state] || C.STATE_COLORS.unknown,
        state: st.state,
        title: sf.stateLabel(st.state) + (reason ? " · " + reason : "") + " · " + sf.fmt.time(st.start) + "–" + sf.fmt.time(st.end),
      };
    });
    C.gantt(el, {
      rows: [{ label: sf.machineName(id), items: items }],
      start: start.getTime(),
      end: end.getTime(),
      rowHeight: 44,
      xFormat: (v) => (hours > 48 ? sf.fmt.day(v) : sf.fmt.time(v)),
      label: t("machine.timeline"),
    });
    const legend = document.getElementById("sf-timeline-legend");
    legend.replaceChildren(
      ...Object.entries(totals)
        .filter((e) => e[1] >= 1)
        .sort((x, y) => y[1] - x[1])
        .map(([state, sec]) =>
          h("li", { "data-state": state }, [h("span", { class: "swatch" }), sf.stateLabel(state) + " ", h("b", { text: sf.fmt.duration(sec) })])
        )
    );
    const stops = states.filter((st) => st.state === "unplanned_stop").slice(-5).reverse();
    const table = document.getElementById("sf-state-table");
    if (!stops.length) {
      table.replaceChildren();
      return;
    }
    table.replaceChildren(
      h("h4", { text: t("machine.recent_stops") }),
      h("table", { class: "table table-compact" }, [
        h("thead", {}, h("tr", {}, [h("th", { text: t("common.start") }), h("th", { text: t("common.duration") }), h("th", { text: t("common.reason") })])),
        h(
          "tbody",
          {},
          stops.map((st) =>
            h("tr", {}, [
              h("td", { text: sf.fmt.dateTime(st.start) }),
              h("td", { text: sf.fmt.duration((Date.parse(st.end) - Date.parse(st.start)) / 1000) }),
              h("td", { text: sf.reasonLabel(st.reason) || t("reasons.unclassified") }),
            ])
          )
        ),
      ])
    );
  }

  /* ---------- signals ---------- */

  async function loadSignals() {
    const box = document.getElementById("sf-signals");
    let signals = [];
    try {
      signals = await sf.getJSON(base + "/signals");
    } catch (err) {
      sf.empty(box, t("common.no_data"));
      return;
    }
    if (!signals.length) {
      sf.empty(box, t("machine.no_signals"));
      return;
    }
    const { start, end } = windowParams();
    const cards = [];
    box.replaceChildren();
    // measured signals first, then what the health model computed from them
    const measured = signals.filter((s) => s.kind !== "derived");
    const derived = signals.filter((s) => s.kind === "derived");
    const ordered = measured.concat(derived);
    for (const [i, sig] of ordered.entries()) {
      if (derived.length && sig === derived[0]) box.append(h("h4", { class: "grid-heading", text: t("machine.derived") }));
      const chart = h("div", { class: "chart chart-small", "data-signal": sig.name, "data-kind": sig.kind });
      const last = sig.last_value === null ? sf.fmt.DASH : sf.fmt.decimal(sig.last_value, 2) + " " + sig.unit;
      const card = h("article", { class: "signal-card", "data-kind": sig.kind }, [
        h("header", {}, [h("h4", { text: sig.name }), h("span", { class: "signal-last", text: last })]),
        chart,
      ]);
      box.append(card);
      cards.push([sig, chart, C.PALETTE[i % C.PALETTE.length], card]);
    }
    await Promise.all(
      cards.map(async ([sig, chart, color, card]) => {
        try {
          const hist = await sf.getJSON(
            base +
              "/signals/" +
              encodeURIComponent(sig.name) +
              "/history?" +
              qs({ start: start.toISOString(), end: end.toISOString(), bucket: String((hours * 3600) / 160) })
          );
          if (!hist.points.length) {
            if (sig.kind === "derived") card.remove(); // computed only while producing
            else sf.empty(chart, t("common.no_data"));
            return;
          }
          // a gap longer than a few buckets (no shift, machine off) breaks the line
          const pts = [];
          let prev = null;
          for (const p of hist.points) {
            const x = Date.parse(p.ts);
            if (prev !== null && x - prev > 3 * hist.bucket_s * 1000) pts.push({ x: prev + 1, y: null });
            pts.push({ x: x, y: p.mean });
            prev = x;
          }
          const band = hist.points.map((p) => ({ x: Date.parse(p.ts), lo: p.min, hi: p.max }));
          C.line(chart, {
            series: [{ name: sig.name, color: color, points: pts, band: band, gap: 3 * hist.bucket_s * 1000, width: 1.6 }],
            height: 170,
            xMin: start.getTime(),
            xMax: end.getTime(),
            xFormat: (v) => (hours > 48 ? sf.fmt.day(v) : sf.fmt.time(v)),
            yFormat: (v) => sf.fmt.decimal(v, 1),
            label: sig.name + " (" + hist.unit + ")",
          });
          chart.dataset.points = String(pts.length);
        } catch (err) {
          sf.empty(chart, t("common.no_data"));
        }
      })
    );
    const heading = box.querySelector(".grid-heading");
    if (heading && !box.querySelector(".signal-card[data-kind='derived']")) heading.remove();
    document.getElementById("sf-signals-note").textContent = t("machine.signals_note");
  }

  for (const button of document.querySelectorAll("#sf-range button")) {
    button.addEventListener("click", () => {
      hours = Number(button.dataset.hours);
      for (const b of document.querySelectorAll("#sf-range button")) b.setAttribute("aria-pressed", String(b === button));
      loadStates();
      loadSignals();
    });
  }

  loadHealth();
  loadStates();
  loadSignals();
  window.setInterval(loadHealth, 30000);
  window.setInterval(loadStates, 60000);
})();
