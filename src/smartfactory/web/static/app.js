/* smartfactory overview: follow /api/v1/live/stream and update the page in place.
 *
 * The page carries its configuration in <script type="application/json" id="sf-config">:
 *   { lang, timezone, api: {live, stream}, poll_ms, stale_ms, strings, shifts, products }
 * Tiles are elements with data-machine="<id>"; fields inside them have data-field="...".
 * Formatting mirrors smartfactory/web/format.py.
 */
(function () {
  "use strict";

  const cfg = JSON.parse(document.getElementById("sf-config").textContent);
  const S = cfg.strings;
  const DASH = "–";
  const numberFormat = new Intl.NumberFormat("en-US");
  const clockFormat = new Intl.DateTimeFormat("en-CA", {
    timeZone: cfg.timezone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hourCycle: "h23",
  });

  /* ---------- formatting (keep in step with format.py) ---------- */

  function lookup(key) {
    let node = S;
    for (const part of key.split(".")) {
      if (node === null || typeof node !== "object" || !(part in node)) return null;
      node = node[part];
    }
    return typeof node === "string" ? node : null;
  }

  function t(key, values) {
    let text = lookup(key);
    if (text === null) return key;
    for (const [name, value] of Object.entries(values || {})) {
      text = text.split("{" + name + "}").join(String(value));
    }
    return text;
  }

  function percent(ratio, digits) {
    if (ratio === null || ratio === undefined) return DASH;
    if (!digits) return Math.round(ratio * 100) + "%";
    return (ratio * 100).toFixed(digits) + "%";
  }

  function number(value) {
    return value === null || value === undefined ? DASH : numberFormat.format(value);
  }

  function duration(seconds) {
    const s = Math.max(0, Math.floor(seconds));
    if (s < 60) return t("duration.s", { s: s });
    let m = Math.floor(s / 60);
    if (m < 60) return t("duration.m", { m: m });
    let h = Math.floor(m / 60);
    m = m % 60;
    if (h < 24) return t("duration.hm", { h: h, m: m });
    const d = Math.floor(h / 24);
    h = h % 24;
    return t("duration.dh", { d: d, h: h });
  }

  function clock(iso) {
    const parts = {};
    for (const p of clockFormat.formatToParts(new Date(iso))) parts[p.type] = p.value;
    const weekday = new Date(Date.UTC(+parts.year, +parts.month - 1, +parts.day)).getUTCDay();
    const names = S.weekdays || [];
    const day = names.length === 7 ? names[(weekday + 6) % 7] : "";
    const date = parts.year + "-" + parts.month + "-" + parts.day + (day ? " (" + day + ")" : "");
    return [date, parts.hour + ":" + parts.minute + ":" + parts.second];
  }

  /* ---------- updating the page ---------- */

  function setText(root, field, text) {
    const el = root.querySelector('[data-field="' + field + '"]');
    if (el && el.textContent !== text) el.textContent = text;
    return el;
  }

  function updateTile(tile, m) {
    tile.dataset.state = m.state;
    setText(tile, "state", t("states." + m.state));
    setText(tile, "duration", duration(m.duration_s));
    const reason = m.reason ? lookup("reasons." + m.reason) || m.reason : "";
    const reasonEl = setText(tile, "reason", reason);
    if (reasonEl) reasonEl.title = reason;
    setText(tile, "order", m.order || t("tile.no_order"));
    const product = m.product ? cfg.products[m.product] || m.product : "";
    const productEl = setText(tile, "product", product);
    if (productEl) productEl.title = product;
    const goodBefore = tile.querySelector('[data-field="good"]').textContent;
    setText(tile, "good", number(m.good));
    setText(tile, "scrap", number(m.scrap));
    setText(tile, "oee", percent(m.oee));
    setText(tile, "availability", percent(m.availability));
    setText(tile, "performance", percent(m.performance));
    setText(tile, "quality", percent(m.quality));
    const bar = tile.querySelector('[data-field="oee_bar"]');
    if (bar) bar.style.width = Math.round(Math.min(1, Math.max(0, m.oee || 0)) * 100) + "%";
    if (goodBefore !== number(m.good)) {
      tile.classList.remove("flash");
      void tile.offsetWidth; // restart the animation
      tile.classList.add("flash");
    }
  }

  function updateSummary(s) {
    const root = document.getElementById("sf-summary");
    if (!root) return;
    setText(root, "producing", String(s.producing));
    setText(root, "machines", String(s.machines));
    setText(root, "stopped", String(s.stopped));
    setText(root, "waiting", String(s.states.idle + s.states.starved + s.states.blocked));
    setText(root, "down", String(s.down));
    setText(root, "oee", percent(s.oee));
    setText(root, "availability", percent(s.availability));
    setText(root, "performance", percent(s.performance));
    setText(root, "quality", percent(s.quality));
    setText(root, "good", number(s.good));
    setText(root, "scrap", number(s.scrap));
    const output = s.good + s.scrap;
    setText(root, "scrap_rate", percent(output ? s.scrap / output : null, 1));
    for (const [label, n] of Object.entries(s.states)) {
      const seg = root.querySelector('.seg[data-state="' + label + '"]');
      if (seg) seg.style.flexGrow = String(n);
      const item = root.querySelector('.legend [data-state="' + label + '"]');
      if (item) {
        item.hidden = n === 0;
        const count = item.querySelector("[data-count]");
        if (count) count.textContent = String(n);
      }
    }
  }

  // ISO 22400 OEE of several machines: from summed times and units, not a mean of ratios.
  function lineOee(ms) {
    const sum = (key) => ms.reduce((total, m) => total + (m[key] || 0), 0);
    const pbt = sum("pbt_s");
    const apt = sum("apt_s");
    const units = sum("good") + sum("scrap");
    if (pbt <= 0 || apt <= 0 || units <= 0) return null;
    return (apt / pbt) * (sum("ideal_s") / apt) * (sum("good") / units);
  }

  function updateLines(machines) {
    const byLine = {};
    for (const m of machines) (byLine[m.line] = byLine[m.line] || []).push(m);
    for (const section of document.querySelectorAll("[data-line]")) {
      const ms = byLine[section.dataset.line] || [];
      const head = section.querySelector(".line-head");
      setText(head, "producing", String(ms.filter((m) => m.state === "producing").length));
      setText(head, "oee", percent(lineOee(ms)));
    }
  }

  function apply(live) {
    const [date, time] = clock(live.timestamp);
    document.getElementById("sf-date").textContent = date;
    document.getElementById("sf-time").textContent = time;
    document.getElementById("sf-shift").textContent = live.shift
      ? cfg.shifts[live.shift] || live.shift
      : t("header.no_shift");
    updateSummary(live.summary);
    for (const m of live.machines) {
      const tile = document.querySelector('[data-machine="' + CSS.escape(m.machine) + '"]');
      if (tile) updateTile(tile, m);
    }
    updateLines(live.machines);
    lastUpdate = Date.now();
  }

  /* ---------- connection: event stream, polling fallback, staleness ---------- */

  const conn = document.getElementById("sf-conn");
  const banner = document.getElementById("sf-lost");
  let status = "connecting";
  let lastUpdate = 0;
  let source = null;
  let streamUp = false;
  let pollTimer = null;
  let reopenTimer = null;

  function setStatus(next) {
    if (next === status) return;
    status = next;
    conn.dataset.status = next;
    conn.querySelector(".conn-text").textContent = t("connection." + next);
    banner.hidden = next !== "lost";
    document.body.classList.toggle("is-stale", next === "lost");
  }

  async function poll() {
    try {
      const response = await fetch(cfg.api.live, {
        cache: "no-store",
        headers: { Accept: "application/json" },
      });
      if (!response.ok) throw new Error("HTTP " + response.status);
      apply(await response.json());
      if (!streamUp) setStatus("polling");
    } catch (err) {
      if (!streamUp) setStatus("lost");
    }
  }

  function startPolling() {
    if (pollTimer === null) {
      poll();
      pollTimer = window.setInterval(poll, cfg.poll_ms);
    }
  }

  function stopPolling() {
    if (pollTimer !== null) {
      window.clearInterval(pollTimer);
      pollTimer = null;
    }
  }

  function openStream() {
    reopenTimer = null;
    if (!("EventSource" in window)) {
      startPolling();
      return;
    }
    source = new EventSource(cfg.api.stream);
    source.addEventListener("snapshot", function (event) {
      apply(JSON.parse(event.data));
      streamUp = true;
      stopPolling();
      setStatus("live");
    });
    source.addEventListener("error", function () {
      streamUp = false;
      startPolling();
      if (source.readyState === EventSource.CLOSED && reopenTimer === null) {
        // the browser gave up (HTTP error); try a fresh stream later
        reopenTimer = window.setTimeout(openStream, cfg.poll_ms * 2);
      }
    });
  }

  window.setInterval(function () {
    if (lastUpdate && Date.now() - lastUpdate > cfg.stale_ms) {
      streamUp = false;
      setStatus("lost");
      startPolling();
    }
  }, 1000);

  window.addEventListener("pagehide", function () {
    if (source) source.close();
    stopPolling();
  });

  openStream();
})();
