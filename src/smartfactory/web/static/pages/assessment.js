/* Level assessment: overall level, score per area (bar chart), each question's level with its
 * source and evidence, the answer form (configure permission) and the roadmap.
 * Reads /api/v1/assessment and /api/v1/assessment/questions; saves with
 * PUT /api/v1/assessment/answers. */
(function () {
  "use strict";

  const sf = window.sf;
  const C = window.sfCharts;
  const cfg = sf.cfg;
  const h = sf.h;
  const t = sf.t;
  const canEdit = sf.can("configure");
  const lang = "?lang=" + encodeURIComponent(cfg.lang);
  const AREA_COLORS = ["#1f3a5f", "#0969da", "#1f883d", "#8250df", "#bf3989", "#d29a00", "#1b7c83", "#57606a"];
  let questionnaire = null;
  let assessment = null;
  let draft = {};

  const levelName = (level) =>
    level === null || level === undefined ? sf.fmt.DASH : questionnaire.levels[level].name;
  const score = (value) => (value === null || value === undefined ? sf.fmt.DASH : sf.fmt.decimal(value, 2));

  function kpi(label, value, sub) {
    return h("div", { class: "kpi" }, [
      h("span", { class: "kpi-label", text: label }),
      h("span", { class: "kpi-value", text: value }),
      h("span", { class: "kpi-sub", text: sub || "" }),
    ]);
  }

  function renderKpis() {
    const a = assessment;
    const all = a.areas.reduce((n, area) => n + area.questions.length, 0);
    const answered = all - a.unanswered.length;
    const fromAnswers = a.areas.reduce((n, area) => n + area.questions.filter((q) => q.source === "answer").length, 0);
    document.getElementById("sf-assess-kpis").replaceChildren(
      kpi(t("assessment.overall"), a.level_name || sf.fmt.DASH, a.level === null ? "" : t("assessment.level") + " " + a.level),
      kpi(t("assessment.score"), score(a.score), a.score === null ? "" : t("assessment.score_of", { score: score(a.score) })),
      kpi(t("assessment.questions_answered"), answered + " / " + all, a.complete ? t("assessment.complete") : t("assessment.open", { n: a.unanswered.length })),
      kpi(t("assessment.from_answers"), String(fromAnswers), t("assessment.from_evidence", { n: answered - fromAnswers }))
    );
    document.getElementById("sf-asof").textContent = a.as_of
      ? t("assessment.as_of", { time: sf.fmt.dateTime(a.as_of) })
      : t("assessment.no_data");
  }

  function renderAreas() {
    const areas = assessment.areas;
    // areas without a level yet are left out of the chart (the table lists them with "–")
    C.bars(document.getElementById("sf-area-chart"), {
      items: areas.map((a, i) => [a, i]).filter(([a]) => a.score !== null).map(([a, i]) => ({
        // long names are cut under the bars: the table beside the chart has them in full
        label: a.name.length > 12 ? a.area.charAt(0).toUpperCase() + a.area.slice(1) : a.name,
        value: a.score,
        color: AREA_COLORS[i % AREA_COLORS.length],
        title: a.name + ": " + score(a.score) + " (" + (a.level_name || sf.fmt.DASH) + ")",
      })),
      height: 260,
      yFormat: (v) => sf.fmt.decimal(v, 1),
      label: t("assessment.areas"),
    });
    const rows = areas.map((a) =>
      h("tr", { "data-area": a.area }, [
        h("td", { text: a.name }),
        h("td", {}, [
          h("span", { class: "assess-meter" }, [h("span", { style: "width:" + Math.round(((a.score || 0) / 4) * 100) + "%" })]),
        ]),
        h("td", { class: "num", "data-field": "score", text: score(a.score) }),
        h("td", { "data-field": "level", text: a.level_name || sf.fmt.DASH }),
      ])
    );
    document.getElementById("sf-area-table").replaceChildren(
      h("table", { class: "table table-compact" }, [
        h("thead", {}, h("tr", {}, [h("th", { text: t("assessment.area") }), h("th", {}), h("th", { class: "num", text: t("assessment.score") }), h("th", { text: t("assessment.level") })])),
        h("tbody", {}, rows),
      ])
    );
  }

  function sourceChip(q) {
    const kind = q.source || "open";
    return h("span", { class: "chip chip-" + kind, text: t("assessment.source_" + kind) });
  }

  function answerPicker(question, result) {
    const hasEvidence = result.evidence_level !== null && result.evidence_level !== undefined;
    const first = hasEvidence
      ? t("assessment.use_evidence") + " (" + result.evidence_level + " " + levelName(result.evidence_level) + ")"
      : t("assessment.not_answered");
    const options = [h("option", { value: "", text: first })].concat(
      question.answers.map((text, level) => h("option", { value: String(level), text: level + " " + levelName(level) + ": " + text }))
    );
    const select = h("select", { "data-question": question.id, "aria-label": question.text }, options);
    select.value = question.id in draft ? String(draft[question.id]) : "";
    select.addEventListener("change", function () {
      if (select.value === "") delete draft[question.id];
      else draft[question.id] = Number(select.value);
      markDirty();
    });
    return select;
  }

  function changes() {
    const saved = assessment.answers;
    const keys = new Set(Object.keys(saved).concat(Object.keys(draft)));
    return [...keys].filter((k) => saved[k] !== draft[k]);
  }

  function markDirty() {
    const changed = new Set(changes());
    for (const row of document.querySelectorAll("tr[data-question]")) {
      row.classList.toggle("dirty", changed.has(row.dataset.question));
    }
    const button = document.getElementById("sf-save");
    button.disabled = changed.size === 0;
    document.getElementById("sf-save-note").textContent = changed.size ? t("assessment.changed", { n: changed.size }) : "";
  }

  function renderQuestions() {
    const results = {};
    for (const area of assessment.areas) for (const q of area.questions) results[q.question] = q;
    const head = [t("assessment.question"), t("assessment.level"), t("assessment.source"), t("assessment.evidence")];
    if (canEdit) head.push(t("assessment.answer"));
    const body = [];
    for (const area of questionnaire.areas) {
      body.push(h("tr", { class: "assess-area-head" }, h("td", { colspan: String(head.length), text: area.name })));
      for (const question of area.questions) {
        const r = results[question.id];
        const cells = [
          h("td", { class: "wrap" }, [question.text, r.answer ? h("span", { class: "answer-text", text: r.answer }) : null]),
          h("td", { "data-field": "level", text: r.level === null ? sf.fmt.DASH : r.level + " " + levelName(r.level) }),
          h("td", { "data-field": "source" }, sourceChip(r)),
          h("td", { class: "wrap", text: r.evidence || sf.fmt.DASH }),
        ];
        if (canEdit) cells.push(h("td", {}, answerPicker(question, r)));
        body.push(h("tr", { class: "assess-q", "data-question": question.id }, cells));
      }
    }
    const box = document.getElementById("sf-questions");
    const table = h("table", { class: "table" }, [h("thead", {}, h("tr", {}, head.map((x) => h("th", { text: x })))), h("tbody", {}, body)]);
    if (canEdit) box.replaceChildren(table);
    else box.replaceChildren(h("p", { class: "muted", text: t("assessment.read_only") }), table);
    const button = document.getElementById("sf-save");
    button.hidden = !canEdit;
    if (canEdit) markDirty();
  }

  function effect(value) {
    const v = value || "none";
    return h("span", { class: "effect effect-" + v, text: t("assessment.effect_" + v) });
  }

  function renderRoadmap() {
    const names = {};
    for (const a of assessment.areas) names[a.area] = a.name;
    const box = document.getElementById("sf-roadmap");
    if (!assessment.roadmap.length) {
      sf.empty(box, t("assessment.roadmap_done"));
      return;
    }
    const dims = ["P", "Q", "C", "D"];
    box.replaceChildren(
      h("table", { class: "table" }, [
        h("thead", {}, h("tr", {}, [t("assessment.area"), t("assessment.step"), t("assessment.target")].concat(dims, [t("assessment.feature"), t("assessment.kpi")]).map((x) => h("th", { text: x })))),
        h(
          "tbody",
          {},
          assessment.roadmap.map((item) =>
            h("tr", { "data-step": item.step }, [
              h("td", { text: names[item.area] || item.area }),
              h("td", { class: "wrap", text: item.title }),
              h("td", { text: item.target_level + " " + item.target_level_name }),
              ...dims.map((d) => h("td", {}, effect(item.effects[d]))),
              h("td", { class: "wrap mono", text: item.feature }),
              h("td", { class: "mono", text: item.kpi }),
            ])
          )
        ),
      ])
    );
  }

  function render() {
    renderKpis();
    renderAreas();
    renderQuestions();
    renderRoadmap();
  }

  async function load() {
    try {
      const [a, q] = await Promise.all([sf.getJSON(cfg.v1 + "/assessment" + lang), sf.getJSON(cfg.v1 + "/assessment/questions" + lang)]);
      assessment = a;
      questionnaire = q;
    } catch (err) {
      for (const id of ["sf-area-table", "sf-questions", "sf-roadmap"]) sf.empty(document.getElementById(id), t("common.unavailable"));
      return;
    }
    draft = Object.assign({}, assessment.answers);
    render();
  }

  document.getElementById("sf-save").addEventListener("click", async function () {
    const button = this;
    button.disabled = true;
    try {
      await sf.send(cfg.v1 + "/assessment/answers", "PUT", draft);
      sf.toast(t("assessment.saved"));
      await load();
    } catch (err) {
      sf.toast(t("common.failed") + ": " + err.message, "error");
      button.disabled = false;
    }
  });

  load();
})();
