"""Read a plant file (YAML) into a validated :class:`~smartfactory.domain.Plant`.

Top-level keys that start with ``x-`` are ignored: they hold reusable YAML anchors.
Errors never surface as tracebacks: every problem is reported with the file, the line, the
dotted path of the field, what was wrong and what is expected, as a
:class:`~smartfactory.errors.PlantFileError`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from smartfactory.domain import Plant
from smartfactory.errors import PlantFileError

__all__ = ["load_plant", "parse_plant"]


def load_plant(path: Path | str) -> Plant:
    """Read and validate the plant file at ``path``."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as err:
        raise PlantFileError(str(file), [f"cannot read the file: {err.strerror or err}"]) from err
    return parse_plant(text, str(file))


def parse_plant(text: str, source: str = "<plant>") -> Plant:
    """Validate plant-file ``text``; ``source`` names it in error messages."""
    try:
        data = yaml.safe_load(text)
        root = yaml.compose(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        problem = getattr(err, "problem", None) or str(err)
        raise PlantFileError(source, [f"{where}not valid YAML ({problem})"]) from err
    if not isinstance(data, dict):
        raise PlantFileError(source, ["the file must hold a mapping with 'enterprise' and 'site'"])
    # Top-level keys starting with "x-" hold reusable YAML anchors, as in Compose files.
    data = {k: v for k, v in data.items() if not str(k).startswith("x-")}
    try:
        return Plant.model_validate(data)
    except ValidationError as err:
        problems = [_describe(e, root) for e in err.errors(include_url=False)]
        raise PlantFileError(source, problems) from err


def _describe(error: ErrorDetails, root: yaml.Node | None) -> str:
    loc = tuple(error["loc"])
    field = ".".join(str(p) for p in loc) or "(top level)"
    line = _line_of(root, loc)
    where = f"line {line}: " if line is not None else ""
    message = error["msg"]
    given = error.get("input")
    shown = ""
    if error["type"] != "missing" and not isinstance(given, dict | list):
        shown = f" (got {given!r})"
    return f"{where}{field}: {message}{shown}"


def _line_of(root: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    """1-based line of the deepest YAML node on the path ``loc``."""
    node = root
    best: int | None = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if k.value == part), None)
            if match is None:
                continue  # e.g. a discriminator tag pydantic adds to the path
            node = match
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                break
            node = node.value[part]
        else:
            continue
        best = node.start_mark.line + 1
    return best
