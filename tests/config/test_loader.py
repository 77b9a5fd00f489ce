from __future__ import annotations

from pathlib import Path

import pytest

from smartfactory.config import example_plant, example_plant_text, load_plant, parse_plant
from smartfactory.domain import MachineType
from smartfactory.errors import PlantFileError


def test_example_plant_is_a_realistic_supplier() -> None:
    plant = example_plant()
    machines = list(plant.machines())
    assert 15 <= len(machines) <= 20
    assert 2 <= sum(1 for _ in plant.lines()) <= 3
    types = {m.type for m in machines}
    assert {
        MachineType.CNC_LATHE,
        MachineType.MACHINING_CENTER,
        MachineType.PRESS,
        MachineType.INJECTION_MOLDING,
        MachineType.ASSEMBLY,
        MachineType.INSPECTION,
    } <= types
    # Korean and English display names everywhere.
    assert all(m.name.ko and m.name.en for m in machines)
    assert plant.site.name.get("ko") == "창원 공장"
    # Every machine can be simulated: wear model and sensors for its signals.
    assert all(m.behaviour.degradation is not None and m.behaviour.sensors for m in machines)


def _broken(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new, 1)


def test_error_names_line_field_and_expectation(tmp_path: Path) -> None:
    text = _broken(example_plant_text(), "mean_life_h: 900", "mean_life_h: -5")
    path = tmp_path / "plant.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PlantFileError) as info:
        load_plant(path)
    message = str(info.value)
    expected_line = (
        text.splitlines().index(next(ln for ln in text.splitlines() if "mean_life_h: -5" in ln)) + 1
    )
    assert str(path) in message
    assert f"line {expected_line}" in message
    assert "mean_life_h" in message
    assert "greater than 0" in message
    assert "Traceback" not in message


def test_unknown_machine_in_routing_is_reported() -> None:
    text = _broken(example_plant_text(), "machines: [insp-01]", "machines: [insp-99]")
    with pytest.raises(PlantFileError, match="insp-99"):
        parse_plant(text)


def test_unknown_field_is_reported_with_its_line() -> None:
    text = _broken(example_plant_text(), "  crews: 2", "  crews: 2\n  crew_size: 3")
    with pytest.raises(PlantFileError) as info:
        parse_plant(text)
    line = text.splitlines().index("  crew_size: 3") + 1
    assert f"line {line}: maintenance.crew_size: Extra inputs are not permitted" in str(info.value)


def test_yaml_syntax_error_has_line() -> None:
    with pytest.raises(PlantFileError, match=r"line 3, column \d+: not valid YAML"):
        parse_plant("enterprise:\n  id: [unclosed\n")


def test_missing_file_and_non_mapping() -> None:
    with pytest.raises(PlantFileError, match="cannot read"):
        load_plant("/nonexistent/plant.yaml")
    with pytest.raises(PlantFileError, match="mapping"):
        parse_plant("- just\n- a list\n")
