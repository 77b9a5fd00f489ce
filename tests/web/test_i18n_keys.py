"""Every string key the templates and page scripts name exists in English and Korean."""

from __future__ import annotations

import re
from importlib.resources import files

import pytest

from smartfactory.web.i18n import LANGUAGES, load_strings

WEB = files("smartfactory.web")
# t("a.b") in templates and scripts; keys built at run time ("states." + s) are left out
LITERAL = re.compile(r"""\bt\(\s*["']([a-z_]+(?:\.[a-z0-9_]+)+)["']\s*[,)]""")


def _sources() -> dict[str, str]:
    out = {}
    for folder in ("templates", "static", "static/pages"):
        for entry in WEB.joinpath(folder).iterdir():
            if entry.name.endswith((".html", ".js")):
                out[f"{folder}/{entry.name}"] = entry.read_text("utf-8")
    return out


def _has(table: dict[str, object], key: str) -> bool:
    node: object = table
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return isinstance(node, str)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_named_key_is_translated(language: str) -> None:
    table = load_strings(language)
    keys = {(name, k) for name, text in _sources().items() for k in LITERAL.findall(text)}
    assert len(keys) > 200
    missing = sorted(f"{name}: {key}" for name, key in keys if not _has(table, key))
    assert missing == []
