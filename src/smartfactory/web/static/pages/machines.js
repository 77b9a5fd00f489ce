/* Machines page: the state of every machine from the live stream. */
(function () {
  "use strict";

  const sf = window.sf;
  sf.onLive((live) => {
    for (const m of live.machines) {
      const link = document.querySelector('[data-machine-link="' + CSS.escape(m.machine) + '"]');
      if (!link) continue;
      link.dataset.state = m.state;
      link.querySelector('[data-field="state"]').textContent = sf.stateLabel(m.state);
    }
  });
})();
