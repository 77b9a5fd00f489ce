/* Settings: connectors and their status, quarantine, users (admins). */
(function () {
  "use strict";

  const sf = window.sf;
  const cfg = sf.cfg;
  const h = sf.h;
  const t = sf.t;

  async function loadConnectors() {
    const box = document.getElementById("sf-connectors");
    let list;
    try {
      list = await sf.getJSON(cfg.v1 + "/connectors");
    } catch (err) {
      sf.empty(box, t("common.unavailable"));
      return;
    }
    if (!list.length) {
      sf.empty(box, t("settings.no_connectors"));
      return;
    }
    box.replaceChildren(
      h("table", { class: "table table-compact" }, [
        h("thead", {}, h("tr", {}, ["name", "kind", "state", "samples", "bad", "error"].map((k) => h("th", { text: t("settings.col_" + k) })))),
        h("tbody", {}, list.map((c) =>
          h("tr", {}, [
            h("td", { text: c.name }),
            h("td", { text: c.kind }),
            h("td", {}, h("span", { class: "chip chip-conn-" + c.state, text: t("settings.conn_" + c.state) })),
            h("td", { class: "num", text: sf.fmt.number(c.samples) }),
            h("td", { class: "num", text: sf.fmt.number(c.bad_samples) }),
            h("td", { class: "wrap", text: c.last_error || "" }),
          ])
        )),
      ])
    );
  }

  async function loadQuarantine() {
    const box = document.getElementById("sf-quarantine");
    let page;
    try {
      page = await sf.getJSON(cfg.v1 + "/quarantine?limit=20");
    } catch (err) {
      sf.empty(box, t("common.unavailable"));
      return;
    }
    if (!page.entries.length) {
      sf.empty(box, t("settings.quarantine_empty"));
      return;
    }
    box.replaceChildren(
      h("table", { class: "table table-compact" }, [
        h("thead", {}, h("tr", {}, ["when", "source", "reason", "detail"].map((k) => h("th", { text: t("settings.col_" + k) })))),
        h("tbody", {}, page.entries.map((e) =>
          h("tr", {}, [
            h("td", { text: sf.fmt.dateTime(e.ts) }),
            h("td", { text: e.source }),
            h("td", { text: e.reason }),
            h("td", { class: "wrap", title: e.payload, text: e.detail }),
          ])
        )),
      ])
    );
  }

  async function loadUsers() {
    const box = document.getElementById("sf-users");
    if (!box) return;
    let users;
    try {
      users = await sf.getJSON(cfg.v1 + "/users");
    } catch (err) {
      sf.empty(box, t("common.unavailable"));
      return;
    }
    box.replaceChildren(
      h("table", { class: "table table-compact" }, [
        h("thead", {}, h("tr", {}, ["user", "name", "role", "last_login"].map((k) => h("th", { text: t("settings.col_" + k) })))),
        h("tbody", {}, users.map((u) => {
          const select = h("select", { "aria-label": t("settings.col_role"), "data-user": u.username, disabled: u.disabled },
            cfg.roles.map((r) => h("option", { value: r, selected: r === u.role, text: t("roles." + r) })));
          select.addEventListener("change", async () => {
            try {
              await sf.send(cfg.v1 + "/users/" + encodeURIComponent(u.id), "PATCH", { role: select.value });
              sf.toast(t("settings.role_changed", { user: u.username }));
            } catch (err) {
              sf.toast(t("common.failed") + ": " + err.message, "error");
              select.value = u.role;
            }
          });
          return h("tr", { class: u.disabled ? "disabled" : "" }, [
            h("td", { class: "mono", text: u.username }),
            h("td", { text: u.display_name }),
            h("td", {}, select),
            h("td", { text: u.last_login ? sf.fmt.dateTime(u.last_login) : sf.fmt.DASH }),
          ]);
        })),
      ])
    );
  }

  const form = document.getElementById("sf-user-form");
  if (form) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const data = Object.fromEntries(new FormData(form).entries());
      try {
        await sf.send(cfg.v1 + "/users", "POST", data);
        sf.toast(t("settings.user_created", { user: data.username }));
        form.reset();
        loadUsers();
      } catch (err) {
        sf.toast(t("common.failed") + ": " + err.message, "error");
      }
    });
  }

  loadConnectors();
  loadQuarantine();
  loadUsers();
})();
