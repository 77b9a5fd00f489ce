/* smartfactory pages: the shared core (window.sf) and the live picture.
 *
 * Every page carries its configuration in <script type="application/json" id="sf-config">:
 *   { lang, locale, timezone, api: {live, stream, logout}, v1, login, csrf: {header, token},
 *     poll_ms, stale_ms, strings, shifts, products, machines, lines, role, perms, tv, page }
 * window.sf gives page scripts (static/pages/*.js): request, t, the formatters, h() to build
 * elements, toast(), can(permission) and onLive(callback) for each live snapshot.
 * The script follows /api/v1/live/stream (polling /api/v1/live while the stream is down),
 * updates the clock, shift and any tile (data-machine) on the page, and in TV mode (?tv=1)
 * shows the overview's lines one after another.
 * Requests go through sf.request(): it sends the session's CSRF token on requests that change
 * something (POST, PATCH, DELETE: e.g. assigning a stop reason) and goes to the sign-in page
 * when the server answers 401 (session ended). Tiles are elements with data-machine="<id>"; fields inside them have data-field="...".
 * Formatting mirrors smartfactory/web/format.py.
 */
(function () {
  "use strict";

  const cfg = JSON.parse(document.getElementById("sf-config").textContent);
  const S = cfg.strings;
  const DASH = "–";
  const numberFormat = new Intl.NumberFormat("en-US");
  const locale = cfg.locale || "en-GB";
  const dateTimeFormat = new Intl.DateTimeFormat(locale, {
    timeZone: cfg.timezone,
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  });
  const timeFormat = new Intl.DateTimeFormat(locale, {
    timeZone: cfg.timezone,
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  });
  const dayFormat = new Intl.DateTimeFormat(locale, {
    timeZone: cfg.timezone,
    month: "short",
    day: "numeric",
    weekday: "short",
  });
  const decimalFormat = (digits) =>
    new Intl.NumberFormat(locale, { maximumFractionDigits: digits, minimumFractionDigits: 0 });
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

  /* ---------- requests: CSRF header, sign-in when the session has ended ---------- */

  const SAFE = ["GET", "HEAD", "OPTIONS"];

  function goToLogin() {
    const here = window.location.pathname + window.location.search;
    window.location.assign(cfg.login + "?next=" + encodeURIComponent(here));
  }

  async function request(url, options) {
    const opts = Object.assign({ credentials: "same-origin", cache: "no-store" }, options || {});
    const method = (opts.method || "GET").toUpperCase();
    opts.headers = Object.assign({ Accept: "application/json" }, opts.headers || {});
    if (!SAFE.includes(method) && cfg.csrf && cfg.csrf.token) {
      opts.headers[cfg.csrf.header] = cfg.csrf.token;
    }
    const response = await fetch(url, opts);
    if (response.status === 401) {
      goToLogin();
      throw new Error("signed out");
    }
    return response;
  }


  const signout = document.getElementById("sf-signout");
  if (signout) {
    signout.addEventListener("click", async function () {
      signout.disabled = true;
      try {
        await request(cfg.api.logout, { method: "POST" });
      } catch (err) {
        // signed out already, or the server is gone: the sign-in page says which
      }
      window.location.assign(cfg.login);
    });
  }

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
    const goodEl = tile.querySelector('[data-field="good"]');
    const goodBefore = goodEl ? goodEl.textContent : "";
    setText(tile, "good", number(m.good));
    setText(tile, "scrap", number(m.scrap));
    setText(tile, "oee", percent(m.oee));
    setText(tile, "availability", percent(m.availability));
    setText(tile, "performance", percent(m.performance));
    setText(tile, "quality", percent(m.quality));
    const bar = tile.querySelector('[data-field="oee_bar"]');
    if (bar) bar.style.width = Math.round(Math.min(1, Math.max(0, m.oee || 0)) * 100) + "%";
    if (goodEl && goodBefore !== number(m.good)) {
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
    for (const callback of listeners) {
      try {
        callback(live);
      } catch (err) {
        console.error(err);
      }
    }
  }

  /* ---------- the shared core for page scripts ---------- */

  const listeners = [];

  function h(tag, attrs, children) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "text") el.textContent = String(value);
      else if (key === "class") el.className = value;
      else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
      else el.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of [].concat(children || [])) {
      if (child === null || child === undefined || child === false) continue;
      el.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return el;
  }

  let toastTimer = null;
  function toast(text, kind) {
    const el = document.getElementById("sf-toast");
    if (!el) return;
    el.textContent = text;
    el.dataset.kind = kind || "ok";
    el.hidden = false;
    window.clearTimeout(toastTimer);
    toastTimer = window.setTimeout(() => (el.hidden = true), 4000);
  }

  async function getJSON(url) {
    const response = await request(url);
    if (!response.ok) {
      const error = new Error("HTTP " + response.status);
      error.status = response.status;
      throw error;
    }
    return response.json();
  }

  async function send(url, method, body) {
    const response = await request(url, {
      method: method,
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body || {}),
    });
    let data = null;
    try {
      data = await response.json();
    } catch (err) {
      data = null;
    }
    if (!response.ok) {
      const error = new Error((data && data.detail) || "HTTP " + response.status);
      error.status = response.status;
      throw error;
    }
    return data;
  }

  function empty(el, text) {
    el.replaceChildren(h("p", { class: "empty", text: text }));
  }

  function stateLabel(state) {
    return t("states." + state);
  }

  function reasonLabel(code) {
    return code ? lookup("reasons." + code) || code : "";
  }

  window.sf = Object.freeze({
    cfg: cfg,
    request: request,
    getJSON: getJSON,
    send: send,
    t: t,
    lookup: lookup,
    h: h,
    empty: empty,
    toast: toast,
    can: (perm) => (cfg.perms || []).includes(perm),
    onLive: (callback) => listeners.push(callback),
    stateLabel: stateLabel,
    reasonLabel: reasonLabel,
    machineName: (id) => (cfg.machines && cfg.machines[id]) || id,
    fmt: {
      percent: percent,
      number: number,
      duration: duration,
      decimal: (value, digits) =>
        value === null || value === undefined ? DASH : decimalFormat(digits === undefined ? 1 : digits).format(value),
      dateTime: (iso) => dateTimeFormat.format(new Date(iso)),
      time: (iso) => timeFormat.format(new Date(iso)),
      day: (iso) => dayFormat.format(new Date(iso)),
      DASH: DASH,
    },
  });

  /* ---------- language switch: stored on the user, remembered by a cookie ---------- */

  for (const link of document.querySelectorAll(".lang a[data-lang]")) {
    link.addEventListener("click", async function (event) {
      event.preventDefault();
      try {
        await send(cfg.v1 + "/me/language", "PUT", { language: link.dataset.lang });
        const url = new URL(window.location.href);
        url.searchParams.delete("lang");
        window.location.assign(url.pathname + url.search + url.hash);
      } catch (err) {
        window.location.assign(link.getAttribute("href"));
      }
    });
  }

  /* ---------- overview: alerts; TV wall mode rotates the lines ---------- */

  async function loadAlerts() {
    const box = document.getElementById("sf-alerts");
    if (!box) return;
    const items = [];
    try {
      for (const hlt of await getJSON(cfg.v1 + "/health-index")) {
        if (hlt.alert) items.push({ kind: "health", machine: hlt.machine, ts: hlt.updated,
          text: t("alerts.health", { h: Math.round(hlt.health) }) });
      }
    } catch (err) {
      // no store or no model yet: nothing to show
    }
    try {
      for (const a of await getJSON(cfg.v1 + "/alerts/spc?hours=24&limit=20")) {
        items.push({ kind: "spc", machine: a.machine, ts: a.ts,
          text: t("alerts.spc", { signal: a.signal, rules: a.rules.join(", ") }) });
      }
    } catch (err) {
      // no store: nothing to show
    }
    const list = box.querySelector("ul");
    list.replaceChildren(
      ...items.slice(0, 8).map((a) =>
        h("li", { class: "alert alert-" + a.kind }, [
          h("span", { class: "alert-kind", text: t("alerts.kind_" + a.kind) }),
          h("a", { href: cfg.root + "/machines/" + encodeURIComponent(a.machine), text: window.sf.machineName(a.machine) }),
          h("span", { class: "alert-text", text: a.text }),
          h("time", { class: "muted", text: window.sf.fmt.dateTime(a.ts) }),
        ])
      )
    );
    box.querySelector("[data-field=alerts_empty]").hidden = items.length > 0;
    const count = box.querySelector("[data-field=alerts_count]");
    if (count) count.textContent = String(items.length);
  }

  if (document.getElementById("sf-alerts")) {
    loadAlerts();
    window.setInterval(loadAlerts, 30000);
  }

  if (cfg.tv) {
    document.documentElement.classList.add("tv");
    const sections = Array.from(document.querySelectorAll("section.line[data-line]"));
    let shown = 0;
    const showLine = () => {
      sections.forEach((s, i) => (s.hidden = i !== shown));
      shown = (shown + 1) % Math.max(1, sections.length);
    };
    if (sections.length > 1) {
      showLine();
      window.setInterval(showLine, cfg.rotate_ms || 12000);
    }
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
      const response = await request(cfg.api.live);
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
