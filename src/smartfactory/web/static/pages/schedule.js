/* Schedule: Gantt chart of the active plan (orders and maintenance per machine), what the
 * latest re-plan changed and why, and the plan history. */
(function () {
  "use strict";

  const sf = window.sf;
  const C = window.sfCharts;
  const cfg = sf.cfg;
  const h = sf.h;
  const t = sf.t;

  function summary(p) {
    return (cfg.lang === "ko" ? p.summary_ko : p.summary_en) || p.summary_en || p.reason || "";
  }

  async function load() {
    const gantt = document.getElementById("sf-gantt");
    let plans = [];
    try {
      plans = await sf.getJSON(cfg.v1 + "/plans?limit=20");
    } catch (err) {
      sf.empty(gantt, t("common.unavailable"));
      return;
    }
    const plan = plans.find((p) => p.status === "active") || plans[0];
    if (!plan) {
      sf.empty(gantt, t("schedule.no_plan"));
      sf.empty(document.getElementById("sf-moves"), t("schedule.no_changes"));
      sf.empty(document.getElementById("sf-plans"), t("schedule.no_plan"));
      return;
    }
    document.getElementById("sf-plan-meta").textContent = t("schedule.meta", {
      id: plan.id,
      status: t("schedule.status_" + plan.status),
      created: sf.fmt.dateTime(plan.created),
    });
    const orders = [...new Set(plan.items.filter((i) => i.kind === "operation").map((i) => i.order))];
    const colorOf = (order) => C.PALETTE[orders.indexOf(order) % C.PALETTE.length];
    const byMachine = {};
    for (const it of plan.items) (byMachine[it.machine] = byMachine[it.machine] || []).push(it);
    const machineOrder = cfg.machine_order.filter((m) => byMachine[m]);
    let lo = Infinity;
    let hi = -Infinity;
    for (const it of plan.items) {
      lo = Math.min(lo, Date.parse(it.start));
      hi = Math.max(hi, Date.parse(it.end));
    }
    const rows = machineOrder.map((m) => ({
      label: sf.machineName(m),
      href: cfg.root + "/machines/" + encodeURIComponent(m),
      items: byMachine[m].map((it) =>
        it.kind === "maintenance"
          ? { start: Date.parse(it.start), end: Date.parse(it.end), color: "#cf222e", cls: "bar bar-maint", label: it.work_order_id || t("schedule.maintenance"), title: t("schedule.maintenance") + " " + (it.work_order_id || "") + " · " + sf.fmt.dateTime(it.start) + "–" + sf.fmt.time(it.end) }
          : { start: Date.parse(it.start), end: Date.parse(it.end), color: colorOf(it.order), label: it.order, title: it.order + " · " + (cfg.products[it.product] || it.product) + " · " + it.operation + " · " + sf.fmt.dateTime(it.start) + "–" + sf.fmt.time(it.end) }
      ),
    }));
    C.gantt(gantt, {
      rows: rows,
      start: lo,
      end: hi,
      now: Date.parse(cfg.now),
      rowHeight: 32,
      xFormat: (v) => (hi - lo > 36 * 3600e3 ? sf.fmt.dateTime(v) : sf.fmt.time(v)),
      label: t("schedule.gantt"),
    });
    document.getElementById("sf-gantt-legend").replaceChildren(
      ...orders.slice(0, 8).map((o) => h("li", {}, [h("span", { class: "swatch", style: "background:" + colorOf(o) }), o])),
      h("li", {}, [h("span", { class: "swatch", style: "background:#cf222e" }), t("schedule.maintenance")])
    );
    const moves = document.getElementById("sf-moves");
    if (!plan.moves.length) {
      sf.empty(moves, summary(plan) || t("schedule.no_changes"));
    } else {
      moves.replaceChildren(
        summary(plan) ? h("p", { class: "decision-text", text: summary(plan) }) : "",
        h("table", { class: "table table-compact" }, [
          h("thead", {}, h("tr", {}, ["order", "from", "to", "why"].map((k) => h("th", { text: t("schedule.col_" + k) })))),
          h("tbody", {}, plan.moves.map((m) =>
            h("tr", {}, [
              h("td", { class: "mono", text: m.order + " · " + m.operation }),
              h("td", { text: (m.old_machine ? sf.machineName(m.old_machine) : sf.fmt.DASH) + (m.old_start ? " " + sf.fmt.dateTime(m.old_start) : "") }),
              h("td", { text: sf.machineName(m.new_machine) + " " + sf.fmt.dateTime(m.new_start) }),
              h("td", { class: "wrap", text: m.reason }),
            ])
          )),
        ])
      );
    }
    document.getElementById("sf-plans").replaceChildren(
      h("table", { class: "table table-compact" }, [
        h("thead", {}, h("tr", {}, ["created", "status", "summary"].map((k) => h("th", { text: t("schedule.col_" + k) })))),
        h("tbody", {}, plans.map((p) =>
          h("tr", {}, [
            h("td", { text: sf.fmt.dateTime(p.created) }),
            h("td", {}, h("span", { class: "chip chip-plan-" + p.status, text: t("schedule.status_" + p.status) })),
            h("td", { class: "wrap", text: summary(p) }),
          ])
        )),
      ])
    );
  }

  load();
  window.setInterval(load, 60000);
})();
