"""Write docs/plant-file.md: every plant-file section with its fields, from the pydantic models.

Run ``.venv/bin/python scripts/plant_file_doc.py`` after changing a model; a test checks the
committed file is current.
"""

from __future__ import annotations

import sys
import types
import typing
from pathlib import Path

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from smartfactory import domain as d

OUT = Path(__file__).resolve().parents[1] / "docs" / "plant-file.md"

SECTIONS: list[tuple[str, type[BaseModel]]] = [
    ("top level", d.Plant),
    ("enterprise", d.Enterprise),
    ("site", d.Site),
    ("site.calendar", d.ShiftCalendar),
    ("site.calendar.shifts[]", d.Shift),
    ("site.calendar.shifts[].breaks[]", d.Break),
    ("site.areas[]", d.Area),
    ("site.areas[].lines[]", d.Line),
    ("...lines[].machines[]", d.Machine),
    ("machines[].signals[]", d.Signal),
    ("machines[].behaviour", d.MachineBehaviour),
    ("behaviour.degradation (model: gamma)", d.GammaDegradation),
    ("behaviour.degradation (model: cmapss)", d.CmapssDegradation),
    ("behaviour.micro_stops", d.MicroStops),
    ("behaviour.scrap", d.ScrapModel),
    ("behaviour.repair", d.RepairModel),
    ("behaviour.preventive", d.PreventiveMaintenance),
    ("behaviour.sensors[]", d.SensorModel),
    ("products[]", d.Product),
    ("products[].routing[]", d.RoutingStep),
    ("demand[]", d.Demand),
    ("orders[]", d.ProductionOrder),
    ("costs", d.Costs),
    ("maintenance", d.MaintenanceTeam),
    ("names: {en, ko}", d.LocalizedText),
]


def _type_name(annotation: object) -> str:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return _type_name(args[0])
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_name(a) for a in args)
    if origin is tuple:
        return f"list of {_type_name(args[0])}"
    if origin is typing.Literal:
        return " | ".join(repr(a) for a in args)
    if annotation is type(None):
        return "null"
    return getattr(annotation, "__name__", str(annotation))


def render() -> str:
    """The markdown text of the reference."""
    out = [
        "# Plant file reference",
        "",
        "A plant file is YAML. `smartfactory init` writes a complete example; `smartfactory check",
        "FILE` validates one and reports each problem with its line, field and expectation.",
        "Top-level keys starting with `x-` are ignored and can hold YAML anchors to reuse.",
        "Identifiers are lower case letters, digits, `_` and `-`. Times are local to the site's",
        "time zone; durations say their unit in the name (`_s`, `_min`, `_h`).",
        "",
        "This page is generated from the models by `scripts/plant_file_doc.py`.",
        "",
    ]
    for title, model in SECTIONS:
        doc = (model.__doc__ or "").strip().splitlines()[0]
        out += [
            f"## `{title}`",
            "",
            doc,
            "",
            "| field | type | default | meaning |",
            "|---|---|---|---|",
        ]
        for name, field in model.model_fields.items():
            if field.is_required():
                default = "**required**"
            elif field.default is PydanticUndefined:
                default = "(computed)"
            else:
                value = field.default
                if isinstance(value, BaseModel):
                    default = "(defaults)"
                else:
                    default = "`[]`" if value == () else f"`{value!r}`"
            meaning = (field.description or "").replace("|", "\\|")
            kind = _type_name(field.annotation).replace("|", "\\|")
            out.append(f"| `{name}` | {kind} | {default} | {meaning} |")
        out.append("")
    return "\n".join(out)


def main() -> None:
    """Write the file, or with --check exit 1 if it is stale."""
    text = render()
    if "--check" in sys.argv:
        sys.exit(0 if OUT.read_text(encoding="utf-8") == text else 1)
    OUT.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
