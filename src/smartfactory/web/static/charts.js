/* smartfactory charts: small SVG charts drawn here (no library, nothing fetched).
 *
 *   sf.charts.line(el, {series, refs, marks, height, yFormat, xFormat, yMin, yMax})
 *     series: [{name, color, points: [{x: ms, y}], band: [{x, lo, hi}], width, dash}]
 *     refs:   horizontal lines [{y, label, color, dash}] (limits, targets)
 *     marks:  circled points [{x, y, color, title}] (rule violations)
 *   sf.charts.bars(el, {items: [{label, value, base, color, title}], line, height, yFormat})
 *     base: where a floating bar starts (waterfall); line: cumulative share 0..1 (Pareto)
 *   sf.charts.gantt(el, {rows: [{label, href, items: [{start, end, color, label, title}]}],
 *                        start, end, xFormat, rowHeight, now})
 * Each chart fills the element's width and is redrawn when the element is resized.
 */
(function () {
  "use strict";

  const NS = "http://www.w3.org/2000/svg";
  const INK = "#4a5563";
  const GRID = "#e3e8ee";

  function s(tag, attrs, text) {
    const el = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v !== null && v !== undefined) el.setAttribute(k, String(v));
    }
    if (text !== undefined) el.textContent = String(text);
    return el;
  }

  function title(el, text) {
    if (text) el.append(s("title", {}, text));
    return el;
  }

  function niceTicks(lo, hi, count) {
    if (!isFinite(lo) || !isFinite(hi)) return [];
    if (hi === lo) {
      hi = lo + 1;
      lo = lo - 1;
    }
    const raw = (hi - lo) / Math.max(1, count);
    const mag = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((v) => v >= raw) || raw;
    const out = [];
    for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) {
      out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
    }
    return out;
  }

  function timeTicks(lo, hi, count) {
    const span = hi - lo;
    const steps = [60e3, 300e3, 900e3, 1800e3, 3600e3, 7200e3, 10800e3, 21600e3, 43200e3, 86400e3, 172800e3, 604800e3];
    const step = steps.find((v) => span / v <= count) || steps[steps.length - 1];
    const out = [];
    for (let v = Math.ceil(lo / step) * step; v <= hi; v += step) out.push(v);
    return out;
  }

  const redraw = new WeakMap();
  const observer =
    "ResizeObserver" in window
      ? new ResizeObserver((entries) => {
          for (const entry of entries) {
            const fn = redraw.get(entry.target);
            const width = Math.round(entry.contentRect.width);
            if (fn && fn.width !== width) fn();
          }
        })
      : null;

  function mount(el, draw) {
    const run = () => {
      const width = Math.max(240, Math.round(el.clientWidth || 600));
      run.width = width;
      el.replaceChildren(draw(width));
    };
    redraw.set(el, run);
    if (observer) observer.observe(el);
    run();
  }

  function svgRoot(width, height, label) {
    return s("svg", {
      class: "sf-chart",
      width: width,
      height: height,
      viewBox: "0 0 " + width + " " + height,
      role: "img",
      "aria-label": label || "",
    });
  }

  function line(el, o) {
    mount(el, (width) => {
      const height = o.height || 220;
      const labelled = (o.refs || []).some((r) => r.label);
      const pad = { l: 52, r: labelled ? 104 : 22, t: 12, b: 26 };
      const svg = svgRoot(width, height, o.label);
      const xs = [];
      const ys = [];
      for (const se of o.series) {
        for (const p of se.points) {
          xs.push(p.x);
          if (p.y !== null && p.y !== undefined) ys.push(p.y);
        }
        for (const b of se.band || []) {
          if (b.lo !== null) ys.push(b.lo);
          if (b.hi !== null) ys.push(b.hi);
        }
      }
      for (const r of o.refs || []) if (r.y !== null && r.y !== undefined) ys.push(r.y);
      if (!xs.length || !ys.length) return svg;
      let x0 = o.xMin !== undefined ? o.xMin : Math.min(...xs);
      let x1 = o.xMax !== undefined ? o.xMax : Math.max(...xs);
      if (x1 === x0) x1 = x0 + 1;
      let y0 = o.yMin !== undefined ? o.yMin : Math.min(...ys);
      let y1 = o.yMax !== undefined ? o.yMax : Math.max(...ys);
      const margin = (y1 - y0) * 0.08 || Math.abs(y1) * 0.1 || 1;
      if (o.yMin === undefined) y0 -= margin;
      if (o.yMax === undefined) y1 += margin;
      const X = (v) => pad.l + ((v - x0) / (x1 - x0)) * (width - pad.l - pad.r);
      const Y = (v) => pad.t + (1 - (v - y0) / (y1 - y0)) * (height - pad.t - pad.b);
      const yFmt = o.yFormat || ((v) => String(+v.toPrecision(4)));
      for (const v of niceTicks(y0, y1, Math.max(2, Math.floor(height / 45)))) {
        svg.append(s("line", { x1: pad.l, x2: width - pad.r, y1: Y(v), y2: Y(v), stroke: GRID }));
        svg.append(s("text", { x: pad.l - 6, y: Y(v) + 4, "text-anchor": "end", class: "tick" }, yFmt(v)));
      }
      const xFmt = o.xFormat || ((v) => new Date(v).toISOString().slice(11, 16));
      const ticks = o.xTicks ? o.xTicks(x0, x1) : timeTicks(x0, x1, Math.max(2, Math.floor(width / 110)));
      for (const v of ticks) {
        svg.append(s("line", { x1: X(v), x2: X(v), y1: height - pad.b, y2: height - pad.b + 4, stroke: INK }));
        const anchor = X(v) > width - pad.r - 18 ? "end" : X(v) < pad.l + 18 ? "start" : "middle";
        svg.append(s("text", { x: X(v), y: height - 8, "text-anchor": anchor, class: "tick" }, xFmt(v)));
      }
      svg.append(s("line", { x1: pad.l, x2: width - pad.r, y1: height - pad.b, y2: height - pad.b, stroke: "#b8c2cc" }));
      for (const se of o.series) {
        if (se.band && se.band.length) {
          // one polygon per run of buckets closer than se.gap (ms)
          const runs = [[]];
          for (const b of se.band) {
            const run = runs[runs.length - 1];
            if (run.length && se.gap && b.x - run[run.length - 1].x > se.gap) runs.push([b]);
            else run.push(b);
          }
          for (const run of runs) {
            if (run.length < 2) continue;
            const top = run.map((b) => X(b.x) + "," + Y(b.hi)).join(" ");
            const bottom = run.slice().reverse().map((b) => X(b.x) + "," + Y(b.lo)).join(" ");
            svg.append(s("polygon", { points: top + " " + bottom, fill: se.color, opacity: 0.16 }));
          }
        }
        let d = "";
        let pen = false;
        let lastX = null;
        for (const p of se.points) {
          if (p.y === null || p.y === undefined) {
            pen = false;
            continue;
          }
          if (se.gap && lastX !== null && p.x - lastX > se.gap) pen = false;
          lastX = p.x;
          d += (pen ? "L" : "M") + X(p.x).toFixed(1) + "," + Y(p.y).toFixed(1);
          pen = true;
        }
        svg.append(s("path", { d: d, fill: "none", stroke: se.color, "stroke-width": se.width || 2, "stroke-dasharray": se.dash, "stroke-linejoin": "round" }));
        if (se.dots) {
          for (const p of se.points) {
            if (p.y === null || p.y === undefined) continue;
            svg.append(title(s("circle", { cx: X(p.x), cy: Y(p.y), r: 3, fill: se.color }), p.title));
          }
        }
      }
      for (const r of o.refs || []) {
        if (r.y === null || r.y === undefined) continue;
        svg.append(s("line", { x1: pad.l, x2: width - pad.r, y1: Y(r.y), y2: Y(r.y), stroke: r.color || INK, "stroke-dasharray": r.dash || "5 4", "stroke-width": 1.4 }));
        if (r.label) {
          svg.append(s("text", { x: width - pad.r + 6, y: Y(r.y) + 4, "text-anchor": "start", class: "ref-label", fill: r.color || INK }, r.label));
        }
      }
      for (const m of o.marks || []) {
        svg.append(title(s("circle", { cx: X(m.x), cy: Y(m.y), r: 6, fill: "none", stroke: m.color || "#cf222e", "stroke-width": 2.2, class: "mark" }), m.title));
      }
      return svg;
    });
  }

  function bars(el, o) {
    mount(el, (width) => {
      const height = o.height || 240;
      const pad = { l: 60, r: o.line ? 40 : 12, t: 14, b: 64 };
      const svg = svgRoot(width, height, o.label);
      const items = o.items || [];
      if (!items.length) return svg;
      let top = 0;
      for (const it of items) top = Math.max(top, (it.base || 0) + it.value, it.base || 0);
      top = top * 1.08 || 1;
      const innerW = width - pad.l - pad.r;
      const slot = innerW / items.length;
      const bw = Math.min(64, slot * 0.68);
      const Y = (v) => pad.t + (1 - v / top) * (height - pad.t - pad.b);
      const yFmt = o.yFormat || ((v) => String(+v.toPrecision(3)));
      for (const v of niceTicks(0, top, 4)) {
        svg.append(s("line", { x1: pad.l, x2: width - pad.r, y1: Y(v), y2: Y(v), stroke: GRID }));
        svg.append(s("text", { x: pad.l - 6, y: Y(v) + 4, "text-anchor": "end", class: "tick" }, yFmt(v)));
      }
      items.forEach((it, i) => {
        const cx = pad.l + slot * i + slot / 2;
        const base = it.base || 0;
        const yTop = Y(base + Math.max(0, it.value));
        const h = Math.max(1, Y(base) - yTop);
        svg.append(title(s("rect", { x: cx - bw / 2, y: yTop, width: bw, height: h, rx: 3, fill: it.color || "#1f3a5f", class: "bar" }), it.title));
        if (o.values !== false) {
          svg.append(s("text", { x: cx, y: yTop - 4, "text-anchor": "middle", class: "bar-value" }, yFmt(it.value)));
        }
        const label = String(it.label);
        const tilt = slot < 80;
        const room = tilt ? 13 : Math.max(6, Math.floor(slot / 7));
        const short = label.length > room ? label.slice(0, room - 1) + "…" : label;
        const ly = height - pad.b + 16;
        svg.append(title(s("text", { x: tilt ? cx + 4 : cx, y: ly, "text-anchor": tilt ? "end" : "middle", class: "tick bar-label", transform: tilt ? "rotate(-35 " + (cx + 4) + " " + ly + ")" : null }, short), label));
        if (o.connect && i < items.length - 1) {
          const level = it.total ? base + it.value : base;
          svg.append(s("line", { x1: cx + bw / 2, x2: cx + slot - bw / 2, y1: Y(level), y2: Y(level), stroke: "#8c959f", "stroke-dasharray": "3 3" }));
        }
      });
      if (o.line) {
        const P = (v) => pad.t + (1 - v) * (height - pad.t - pad.b);
        const pts = o.line.map((v, i) => pad.l + slot * i + slot / 2 + "," + P(v));
        svg.append(s("polyline", { points: pts.join(" "), fill: "none", stroke: "#d29a00", "stroke-width": 2 }));
        o.line.forEach((v, i) => svg.append(s("circle", { cx: pad.l + slot * i + slot / 2, cy: P(v), r: 3, fill: "#d29a00" })));
        for (const v of [0, 0.5, 0.8, 1]) {
          svg.append(s("text", { x: width - pad.r + 4, y: P(v) + 4, class: "tick" }, Math.round(v * 100) + "%"));
        }
      }
      return svg;
    });
  }

  function gantt(el, o) {
    mount(el, (width) => {
      const rows = o.rows || [];
      const rowH = o.rowHeight || 30;
      const labelW = Math.min(220, Math.max(110, width * 0.18));
      const pad = { t: 8, b: 26, r: 12 };
      const height = pad.t + rows.length * rowH + pad.b;
      const svg = svgRoot(width, height, o.label);
      const x0 = o.start;
      const x1 = o.end > o.start ? o.end : o.start + 1;
      const X = (v) => labelW + ((Math.min(Math.max(v, x0), x1) - x0) / (x1 - x0)) * (width - labelW - pad.r);
      const xFmt = o.xFormat || ((v) => new Date(v).toISOString().slice(11, 16));
      for (const v of timeTicks(x0, x1, Math.max(2, Math.floor((width - labelW) / 100)))) {
        svg.append(s("line", { x1: X(v), x2: X(v), y1: pad.t, y2: height - pad.b, stroke: GRID }));
        const anchor = X(v) > width - pad.r - 18 ? "end" : "middle";
        svg.append(s("text", { x: X(v), y: height - 8, "text-anchor": anchor, class: "tick" }, xFmt(v)));
      }
      rows.forEach((row, i) => {
        const y = pad.t + i * rowH;
        if (i % 2 === 1) svg.append(s("rect", { x: 0, y: y, width: width, height: rowH, fill: "#f6f8fa" }));
        const text = s("text", { x: 6, y: y + rowH / 2 + 4, class: "row-label" }, row.label);
        if (row.href) {
          const a = s("a", { href: row.href });
          a.append(text);
          svg.append(a);
        } else {
          svg.append(text);
        }
        for (const it of row.items) {
          const a = X(it.start);
          const b = X(it.end);
          const rect = s("rect", { x: a, y: y + 4, width: Math.max(1.5, b - a), height: rowH - 8, rx: 3, fill: it.color || "#0969da", class: it.cls || "bar", "data-state": it.state });
          svg.append(title(rect, it.title));
          if (it.label && b - a > it.label.length * 6.5 + 6) {
            svg.append(s("text", { x: a + 4, y: y + rowH / 2 + 4, class: "bar-text" }, it.label));
          }
        }
      });
      if (o.now && o.now > x0 && o.now < x1) {
        svg.append(s("line", { x1: X(o.now), x2: X(o.now), y1: pad.t, y2: height - pad.b, stroke: "#cf222e", "stroke-width": 1.5 }));
      }
      return svg;
    });
  }

  const STATE_COLORS = {
    producing: "#1f883d",
    idle: "#d29a00",
    starved: "#e0b32e",
    blocked: "#b07d00",
    setup: "#0969da",
    planned_stop: "#5a7896",
    unplanned_stop: "#cf222e",
    no_shift: "#3b434d",
    unknown: "#8c959f",
  };
  const PALETTE = ["#0969da", "#1f883d", "#8250df", "#bf3989", "#d29a00", "#1b7c83", "#cf222e", "#57606a"];

  window.sfCharts = Object.freeze({
    line: line,
    bars: bars,
    gantt: gantt,
    STATE_COLORS: STATE_COLORS,
    PALETTE: PALETTE,
  });
})();
