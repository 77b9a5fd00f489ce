/* smartfactory sign-in: post the form as JSON to /api/v1/auth/login, then go on.
 *
 * Configuration in <script type="application/json" id="sf-config">:
 *   { lang, api: {login}, next, strings: {login: {...}} }
 * The server sets the HttpOnly session cookie; this script never sees it.
 */
(function () {
  "use strict";

  const cfg = JSON.parse(document.getElementById("sf-config").textContent);
  const S = (cfg.strings && cfg.strings.login) || {};
  const form = document.getElementById("sf-login");
  const user = document.getElementById("sf-username");
  const pass = document.getElementById("sf-password");
  const button = document.getElementById("sf-login-submit");
  const error = document.getElementById("sf-login-error");
  const label = button.textContent;

  function showError(text) {
    error.textContent = text;
    error.hidden = false;
  }

  function busy(on) {
    button.disabled = on;
    button.textContent = on ? S.submitting || label : label;
    form.setAttribute("aria-busy", on ? "true" : "false");
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    error.hidden = true;
    if (!user.value.trim() || !pass.value) {
      showError(S.missing || "");
      (user.value.trim() ? pass : user).focus();
      return;
    }
    busy(true);
    try {
      const response = await fetch(cfg.api.login, {
        method: "POST",
        credentials: "same-origin",
        cache: "no-store",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({ username: user.value.trim(), password: pass.value }),
      });
      if (response.ok) {
        window.location.assign(cfg.next || "/");
        return;
      }
      if (response.status === 429) {
        const wait = response.headers.get("Retry-After") || "60";
        showError((S.rate_limited || "").split("{s}").join(wait));
      } else if (response.status === 401 || response.status === 422) {
        showError(S.failed || "");
      } else {
        showError(S.unavailable || "");
      }
      pass.value = "";
      pass.focus();
    } catch (err) {
      showError(S.network || "");
    }
    busy(false);
  });
})();
