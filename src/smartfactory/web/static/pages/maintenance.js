/* Maintenance page: decisions inbox (approve / reject), work order board and list, history. */
(function () {
  "use strict";

  const sf = window.sf;
  const cfg = sf.cfg;
  const h = sf.h;
  const t = sf.t;
  const DECIDE = { maintenance: "decide_maintenance", schedule: "decide_production" };
  let view = "board";

  function explanation(d) {
    return (cfg.lang === "ko" ? d.explanation.ko : d.explanation.en) || d.explanation.en;
  }

  function money(value, currency) {
    try {
      return new Intl.NumberFormat(cfg.locale, { style: "currency", currency: currency || "KRW", maximumFractionDigits: 0 }).format(value);
    } catch (err) {
      return sf.fmt.number(Math.round(value)) + " " + (currency || "");
    }
  }

  function fallbackText(f) {
    return (cfg.lang === "ko" ? f.ko : f.en) || f.code;
  }

  /* ---------- inbox ---------- */

  async function answer(d, action, card) {
    const buttons = card.querySelectorAll("button");
    buttons.forEach((b) => (b.disabled = true));
    try {
      if (action === "approve") {
        await sf.send(cfg.v1 + "/decisions/" + encodeURIComponent(d.id) + "/approve", "POST", {});
        sf.toast(t("maintenance.approved"));
      } else {
        const reason = card.querySelector("textarea").value.trim();
        if (!reason) {
          card.querySelector("textarea").focus();
          buttons.forEach((b) => (b.disabled = false));
          sf.toast(t("maintenance.reason_needed"), "error");
          return;
        }
        await sf.send(cfg.v1 + "/decisions/" + encodeURIComponent(d.id) + "/reject", "POST", { reason: reason });
        sf.toast(t("maintenance.rejected"));
      }
      await Promise.all([loadInbox(), loadWorkOrders(), loadHistory()]);
    } catch (err) {
      sf.toast(t("common.failed") + ": " + err.message, "error");
      buttons.forEach((b) => (b.disabled = false));
    }
  }

  function decisionCard(d) {
    const may = sf.can(DECIDE[d.kind]);
    const chosen = d.alternatives.find((a) => a.name === d.chosen);
    const card = h("article", { class: "decision", "data-decision": d.id, "data-kind": d.kind }, [
      h("header", { class: "decision-head" }, [
        h("span", { class: "chip chip-" + d.kind, text: t("decisions.kind_" + d.kind) }),
        d.machine ? h("a", { class: "decision-machine", href: cfg.root + "/machines/" + encodeURIComponent(d.machine), text: sf.machineName(d.machine) }) : h("span", { text: cfg.lines[d.scope] || d.scope }),
        h("time", { class: "muted", text: sf.fmt.dateTime(d.ts) }),
      ]),
      h("p", { class: "decision-text", "data-field": "explanation", text: explanation(d) }),
      h("dl", { class: "facts facts-inline" }, [
        h("div", {}, [h("dt", { text: t("decisions.benefit") }), h("dd", { text: money(d.expected_benefit, d.currency) })]),
        chosen && chosen.start ? h("div", {}, [h("dt", { text: t("decisions.window") }), h("dd", { text: sf.fmt.dateTime(chosen.start) + " – " + sf.fmt.time(chosen.end) })]) : null,
        h("div", {}, [h("dt", { text: t("decisions.autonomy") }), h("dd", { text: t("decisions.level_" + d.autonomy) })]),
      ]),
      d.fallback.length ? h("ul", { class: "fallback" }, d.fallback.map((f) => h("li", { text: fallbackText(f) }))) : null,
      h("details", { class: "alternatives" }, [
        h("summary", { text: t("decisions.alternatives", { n: d.alternatives.length }) }),
        h("table", { class: "table table-compact" }, [
          h("tbody", {}, d.alternatives.map((a) =>
            h("tr", { class: a.name === d.chosen ? "chosen" : "" }, [
              h("td", { text: t("decisions.alt_" + a.name) === "decisions.alt_" + a.name ? a.name : t("decisions.alt_" + a.name) }),
              h("td", { class: "num", text: money(a.expected_cost, d.currency) }),
            ])
          )),
        ]),
      ]),
    ]);
    if (may) {
      const reason = h("textarea", { rows: 2, maxlength: 2000, placeholder: t("maintenance.reject_reason"), "aria-label": t("maintenance.reject_reason") });
      card.append(
        h("div", { class: "decision-actions" }, [
          reason,
          h("div", { class: "buttons" }, [
            h("button", { type: "button", class: "btn btn-primary", "data-action": "approve", text: t("maintenance.approve"), onclick: () => answer(d, "approve", card) }),
            h("button", { type: "button", class: "btn btn-danger", "data-action": "reject", text: t("maintenance.reject"), onclick: () => answer(d, "reject", card) }),
          ]),
        ])
      );
    } else {
      card.append(h("p", { class: "muted", text: t("maintenance.no_permission") }));
    }
    return card;
  }

  async function loadInbox() {
    const body = document.getElementById("sf-inbox-body");
    try {
      const page = await sf.getJSON(cfg.v1 + "/decisions?status=proposed&limit=50");
      document.getElementById("sf-inbox-count").textContent = String(page.total);
      if (!page.items.length) {
        sf.empty(body, t("maintenance.inbox_empty"));
        return;
      }
      body.replaceChildren(h("div", { class: "decisions" }, page.items.map(decisionCard)));
    } catch (err) {
      sf.empty(body, t("common.unavailable"));
    }
  }

  /* ---------- work orders ---------- */

  function woCard(wo) {
    return h("article", { class: "wo", "data-wo": wo.id, "data-priority": wo.priority }, [
      h("header", {}, [h("span", { class: "mono", text: wo.id }), h("span", { class: "chip chip-" + wo.kind, text: t("work_orders.kind_" + wo.kind) })]),
      h("div", { class: "wo-title", text: wo.title }),
      h("div", { class: "muted" }, [
        h("a", { href: cfg.root + "/machines/" + encodeURIComponent(wo.machine), text: sf.machineName(wo.machine) }),
        " · P" + wo.priority,
        wo.scheduled_start ? " · " + sf.fmt.dateTime(wo.scheduled_start) : wo.due ? " · " + t("work_orders.due") + " " + sf.fmt.dateTime(wo.due) : "",
      ]),
      wo.assignee ? h("div", { class: "muted", text: t("work_orders.col_assignee") + ": " + wo.assignee }) : null,
    ]);
  }

  async function loadWorkOrders() {
    const body = document.getElementById("sf-wo-body");
    let page;
    try {
      page = await sf.getJSON(cfg.v1 + "/work-orders?limit=200");
    } catch (err) {
      sf.empty(body, t("common.unavailable"));
      return;
    }
    if (!page.items.length) {
      sf.empty(body, t("maintenance.no_work_orders"));
      return;
    }
    if (view === "board") {
      body.replaceChildren(
        h("div", { class: "board" }, cfg.statuses.map((status) => {
          const items = page.items.filter((w) => w.status === status);
          return h("section", { class: "board-col", "data-status": status }, [
            h("h4", {}, [t("work_orders.status_" + status) + " ", h("span", { class: "count", text: items.length })]),
            ...items.map(woCard),
          ]);
        }))
      );
    } else {
      body.replaceChildren(
        h("table", { class: "table" }, [
          h("thead", {}, h("tr", {}, ["id", "machine", "title", "kind", "status", "priority", "scheduled", "assignee"].map((k) => h("th", { text: t("work_orders.col_" + k) })))),
          h("tbody", {}, page.items.map((w) =>
            h("tr", {}, [
              h("td", { class: "mono", text: w.id }),
              h("td", {}, h("a", { href: cfg.root + "/machines/" + encodeURIComponent(w.machine), text: sf.machineName(w.machine) })),
              h("td", { text: w.title }),
              h("td", { text: t("work_orders.kind_" + w.kind) }),
              h("td", {}, h("span", { class: "chip chip-status-" + w.status, text: t("work_orders.status_" + w.status) })),
              h("td", { class: "num", text: "P" + w.priority }),
              h("td", { text: w.scheduled_start ? sf.fmt.dateTime(w.scheduled_start) : sf.fmt.DASH }),
              h("td", { text: w.assignee || sf.fmt.DASH }),
            ])
          )),
        ])
      );
    }
  }

  /* ---------- history ---------- */

  async function loadHistory() {
    const body = document.getElementById("sf-history");
    let page;
    try {
      page = await sf.getJSON(cfg.v1 + "/decisions?limit=30");
    } catch (err) {
      sf.empty(body, t("common.unavailable"));
      return;
    }
    const done = page.items.filter((d) => d.status !== "proposed");
    if (!done.length) {
      sf.empty(body, t("maintenance.no_history"));
      return;
    }
    body.replaceChildren(
      h("table", { class: "table" }, [
        h("thead", {}, h("tr", {}, ["when", "kind", "subject", "status", "by", "explanation"].map((k) => h("th", { text: t("decisions.col_" + k) })))),
        h("tbody", {}, done.map((d) =>
          h("tr", { "data-decision": d.id }, [
            h("td", { text: sf.fmt.dateTime(d.decided_at || d.ts) }),
            h("td", { text: t("decisions.kind_" + d.kind) }),
            h("td", { text: d.machine ? sf.machineName(d.machine) : cfg.lines[d.scope] || d.scope }),
            h("td", {}, h("span", { class: "chip chip-decision-" + d.status, text: t("decisions.status_" + d.status) })),
            h("td", { text: d.decided_by || sf.fmt.DASH }),
            h("td", { class: "wrap", text: explanation(d) + (d.reason ? " — " + d.reason : "") }),
          ])
        )),
      ])
    );
  }

  for (const button of document.querySelectorAll("#sf-wo-view button")) {
    button.addEventListener("click", () => {
      view = button.dataset.view;
      for (const b of document.querySelectorAll("#sf-wo-view button")) b.setAttribute("aria-pressed", String(b === button));
      loadWorkOrders();
    });
  }

  loadInbox();
  loadWorkOrders();
  loadHistory();
  window.setInterval(loadInbox, 20000);
})();
