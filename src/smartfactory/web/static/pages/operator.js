/* Operator view (tablet): pick the machine, give a stop its reason with big buttons, confirm
 * finished work orders at the machine. */
(function () {
  "use strict";

  const sf = window.sf;
  const cfg = sf.cfg;
  const h = sf.h;
  const t = sf.t;
  const STOPS = ["unplanned_stop", "idle", "starved", "blocked", "setup"];
  const select = document.getElementById("sf-op-machine");
  const params = new URLSearchParams(window.location.search);
  if (params.get("machine")) select.value = params.get("machine");
  let selected = null; // the stop being classified
  let branch = null; // the reason node whose children are shown

  function machine() {
    return select.value;
  }

  sf.onLive((live) => {
    const m = live.machines.find((x) => x.machine === machine());
    const box = document.getElementById("sf-op-state");
    if (!m) return;
    box.dataset.state = m.state;
    box.querySelector('[data-field="state"]').textContent = sf.stateLabel(m.state);
    box.querySelector('[data-field="duration"]').textContent = sf.fmt.duration(m.duration_s);
    box.querySelector('[data-field="reason"]').textContent = sf.reasonLabel(m.reason);
    box.querySelector('[data-field="order"]').textContent = m.order || "";
  });

  async function loadStops() {
    const box = document.getElementById("sf-op-stops");
    const start = new Date(Date.parse(cfg.now) - 12 * 3600e3);
    let states = [];
    try {
      states = await sf.getJSON(
        cfg.v1 + "/machines/" + encodeURIComponent(machine()) + "/states?" + new URLSearchParams({ start: start.toISOString() })
      );
    } catch (err) {
      sf.empty(box, t("common.unavailable"));
      return;
    }
    const stops = states.filter((s) => STOPS.includes(s.state)).slice(-8).reverse();
    if (!stops.length) {
      sf.empty(box, t("operator.no_stops"));
      selected = null;
      renderReasons();
      return;
    }
    if (!selected || !stops.find((s) => s.start === selected.start)) selected = stops[0];
    box.replaceChildren(
      h("div", { class: "stop-list" }, stops.map((s) => {
        const secs = (Date.parse(s.end) - Date.parse(s.start)) / 1000;
        return h("button", {
          type: "button",
          class: "stop",
          "data-state": s.state,
          "data-start": s.start,
          "aria-pressed": String(selected && selected.start === s.start),
          onclick: () => {
            selected = s;
            branch = null;
            loadStops();
          },
        }, [
          h("span", { class: "stop-time", text: sf.fmt.time(s.start) }),
          h("span", { class: "stop-state", text: sf.stateLabel(s.state) + " · " + sf.fmt.duration(secs) }),
          h("span", { class: "stop-reason", text: s.reason && s.reason !== "unclassified" ? sf.reasonLabel(s.reason) : t("operator.no_reason") }),
        ]);
      }))
    );
    renderReasons();
  }

  function renderReasons() {
    const box = document.getElementById("sf-op-reasons");
    const label = document.getElementById("sf-op-selected");
    if (!selected) {
      label.textContent = "";
      sf.empty(box, t("operator.pick_stop"));
      return;
    }
    label.textContent = sf.fmt.time(selected.start) + " · " + sf.stateLabel(selected.state);
    if (!sf.can("assign_reason")) {
      sf.empty(box, t("operator.no_permission"));
      return;
    }
    const nodes = branch ? branch.children : cfg.reasons.filter((n) => n.code !== "unclassified");
    const buttons = nodes.map((n) =>
      h("button", {
        type: "button",
        class: "reason-btn cat-" + n.category,
        "data-reason": n.code,
        onclick: () => (n.children.length ? ((branch = n), renderReasons()) : assign(n)),
      }, [h("span", { text: n.label }), n.children.length ? h("span", { class: "reason-more", text: "›" }) : null])
    );
    const top = [];
    if (branch) {
      top.push(
        h("button", { type: "button", class: "reason-btn reason-back", onclick: () => ((branch = null), renderReasons()), text: "‹ " + t("operator.back") }),
        h("button", { type: "button", class: "reason-btn reason-this cat-" + branch.category, "data-reason": branch.code, onclick: () => assign(branch), text: t("operator.just", { reason: branch.label }) })
      );
    }
    box.replaceChildren(h("div", { class: "reason-grid" }, [...top, ...buttons]));
  }

  async function assign(node) {
    try {
      await sf.send(cfg.v1 + "/machines/" + encodeURIComponent(machine()) + "/stops/reason", "POST", {
        start: selected.start,
        reason: node.code,
      });
      sf.toast(t("operator.assigned", { reason: node.label }));
      branch = null;
      await loadStops();
    } catch (err) {
      sf.toast(t("common.failed") + ": " + err.message, "error");
    }
  }

  async function loadWorkOrders() {
    const box = document.getElementById("sf-op-wos");
    let page;
    try {
      page = await sf.getJSON(cfg.v1 + "/work-orders?" + new URLSearchParams({ machine: machine(), status: "done", limit: "20" }));
    } catch (err) {
      sf.empty(box, t("common.unavailable"));
      return;
    }
    if (!page.items.length) {
      sf.empty(box, t("operator.no_work_orders"));
      return;
    }
    box.replaceChildren(
      h("div", { class: "op-wos" }, page.items.map((wo) => {
        const confirmed = wo.notes.some((n) => n.text.startsWith("confirmed at the machine"));
        return h("article", { class: "wo wo-big", "data-wo": wo.id }, [
          h("div", {}, [h("div", { class: "wo-title", text: wo.title }), h("div", { class: "muted", text: wo.id + " · " + (wo.closed ? sf.fmt.dateTime(wo.closed) : "") })]),
          confirmed
            ? h("span", { class: "chip chip-ok", text: "✓ " + t("operator.confirmed") })
            : sf.can("confirm_work_order")
              ? h("button", {
                  type: "button",
                  class: "btn btn-primary btn-big",
                  "data-action": "confirm",
                  text: t("operator.confirm_button"),
                  onclick: async (event) => {
                    event.target.disabled = true;
                    try {
                      await sf.send(cfg.v1 + "/work-orders/" + encodeURIComponent(wo.id) + "/confirm", "POST", { note: "" });
                      sf.toast(t("operator.confirmed"));
                      loadWorkOrders();
                    } catch (err) {
                      event.target.disabled = false;
                      sf.toast(t("common.failed") + ": " + err.message, "error");
                    }
                  },
                })
              : null,
        ]);
      }))
    );
  }

  select.addEventListener("change", () => {
    selected = null;
    branch = null;
    const url = new URL(window.location.href);
    url.searchParams.set("machine", machine());
    window.history.replaceState(null, "", url);
    loadStops();
    loadWorkOrders();
  });

  loadStops();
  loadWorkOrders();
  window.setInterval(loadStops, 30000);
})();
