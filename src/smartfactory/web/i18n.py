"""UI strings in English and Korean, read from ``i18n/<language>.json`` in this package."""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from typing import Any

from smartfactory.kpi.reasons import default_tree

__all__ = ["LANGUAGES", "Translator", "load_strings"]

LANGUAGES: tuple[str, ...] = ("en", "ko")
"""Languages the UI speaks; the first is the fallback for missing strings."""


@cache
def load_strings(language: str) -> dict[str, Any]:
    """The string table of ``language`` (a nested dict, as in the JSON file)."""
    if language not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r}; expected one of {LANGUAGES}")
    text = files("smartfactory.web").joinpath("i18n", f"{language}.json").read_text("utf-8")
    table = json.loads(text)
    if not isinstance(table, dict):
        raise TypeError(f"i18n/{language}.json must hold an object")
    # Downtime reasons are labelled by the reason tree (one source for KPIs and pages).
    tree = {node.code: node.label.get(language) for _, node in default_tree().nodes()}
    table["reasons"] = {**table.get("reasons", {}), **tree}
    return table


def _lookup(table: dict[str, Any], key: str) -> object:
    node: object = table
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


class Translator:
    """Look up UI strings by dotted key in one language, falling back to English, then the key.

    ``t("states.producing")`` gives "Producing" or "생산 중".
    """

    def __init__(self, language: str) -> None:
        self.language = language
        self.strings = load_strings(language)
        self._fallback = load_strings(LANGUAGES[0])

    def __call__(self, key: str, **values: object) -> str:
        """The string at ``key`` with ``{name}`` placeholders filled from ``values``."""
        found = _lookup(self.strings, key)
        if not isinstance(found, str):
            found = _lookup(self._fallback, key)
        text = found if isinstance(found, str) else key
        for name, value in values.items():
            text = text.replace("{" + name + "}", str(value))
        return text

    def get(self, key: str, default: str) -> str:
        """The string at ``key``, or ``default`` when neither language has it."""
        text = self(key)
        return default if text == key else text

    def list(self, key: str) -> list[str]:
        """The list of strings at ``key`` (e.g. weekday names); empty if missing."""
        found = _lookup(self.strings, key)
        if not isinstance(found, list):
            found = _lookup(self._fallback, key)
        return [str(x) for x in found] if isinstance(found, list) else []
