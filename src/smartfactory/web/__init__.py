"""The web dashboard: server-rendered pages (Jinja2), small vanilla JS, every asset local.

Pages render the current picture on the server so they are useful before any script runs;
``static/app.js`` then follows ``/api/v1/live/stream`` and updates the page in place. Strings
come from ``i18n/en.json`` and ``i18n/ko.json``; nothing is fetched from outside the plant.
"""

from __future__ import annotations

from smartfactory.web.i18n import LANGUAGES, Translator, load_strings
from smartfactory.web.pages import install_web

__all__ = ["LANGUAGES", "Translator", "install_web", "load_strings"]
