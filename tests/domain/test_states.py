from __future__ import annotations

import pytest

from smartfactory.domain.states import (
    EUROMAP_STATES,
    PACKML_STATES,
    WEIHENSTEPHAN_STATES,
    MachineState,
    TimeCategory,
    from_euromap,
    from_packml,
    from_weihenstephan,
    in_planned_busy_time,
)
from smartfactory.errors import DataError


def test_codes_are_stable() -> None:
    # Stored codes must never change: the database holds them.
    assert {s.label: int(s) for s in MachineState} == {
        "unknown": 0,
        "producing": 1,
        "idle": 2,
        "starved": 3,
        "blocked": 4,
        "setup": 5,
        "planned_stop": 6,
        "unplanned_stop": 7,
        "no_shift": 8,
    }


def test_planned_busy_time_excludes_planned_stops_and_no_shift() -> None:
    outside = {s for s in MachineState if not in_planned_busy_time(s)}
    assert outside == {MachineState.PLANNED_STOP, MachineState.NO_SHIFT}


def test_parse_accepts_labels_and_rejects_unknown() -> None:
    assert MachineState.parse(" Unplanned_Stop ") is MachineState.UNPLANNED_STOP
    with pytest.raises(DataError, match="expected one of"):
        MachineState.parse("running")


@pytest.mark.parametrize(
    ("convert", "name", "state"),
    [
        (from_packml, "Execute", MachineState.PRODUCING),
        (from_packml, "suspended", MachineState.STARVED),
        (from_packml, "Aborted", MachineState.UNPLANNED_STOP),
        (from_weihenstephan, "Lack", MachineState.STARVED),
        (from_weihenstephan, "Tailback", MachineState.BLOCKED),
        (from_weihenstephan, "Changeover", MachineState.SETUP),
        (from_euromap, "Automatic", MachineState.PRODUCING),
        (from_euromap, "Alarm", MachineState.UNPLANNED_STOP),
    ],
)
def test_mappings(convert: object, name: str, state: MachineState) -> None:
    assert callable(convert)
    assert convert(name) is state


def test_every_mapping_lands_on_a_known_category() -> None:
    for table in (PACKML_STATES, WEIHENSTEPHAN_STATES, EUROMAP_STATES):
        assert table
        for state in table.values():
            assert isinstance(state.label, str)
    assert from_packml("Execute") is MachineState.PRODUCING
    with pytest.raises(DataError, match="PackML"):
        from_packml("Dancing")


def test_category_of_producing_is_apt() -> None:
    from smartfactory.domain.states import STATE_CATEGORY

    assert STATE_CATEGORY[MachineState.PRODUCING] is TimeCategory.APT
    assert STATE_CATEGORY[MachineState.SETUP] is TimeCategory.ASUT
