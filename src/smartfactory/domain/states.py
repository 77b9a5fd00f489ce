"""Machine states and how they map onto the ISO 22400-2 time model.

Each :class:`MachineState` has a stable numeric code (stored in the database) and a
:class:`TimeCategory` of ISO 22400-2:

=================  ====  =====================  ==========================================
state              code  ISO 22400 category     counts in
=================  ====  =====================  ==========================================
unknown               0  UNKNOWN                planned busy time (conservative: a loss)
producing             1  APT                    APT and PBT
idle                  2  ADOT (delay)           PBT
starved               3  ADOT (delay)           PBT
blocked               4  ADOT (delay)           PBT
setup                 5  ASUT (setup)           PBT
planned_stop          6  PDOT (planned down)    planned operating time only, not PBT
unplanned_stop        7  ADET (down time)       PBT
no_shift              8  outside POT            nothing
=================  ====  =====================  ==========================================

So availability = APT / PBT where PBT = sum of all states except planned_stop and no_shift.

Mappings from other standards (the name the source uses, compared case-insensitively):

* **PackML** (ISA-TR88.00.02): Execute → producing; Idle, Complete, Starting, Completing,
  Resetting → idle; Suspended, Suspending, Unsuspending → starved (external: upstream or
  downstream); Held, Holding, Unholding → unplanned_stop (internal cause); Stopped, Stopping,
  Aborted, Aborting, Clearing → unplanned_stop; Undefined → unknown.
* **Weihenstephan** (WS_Cur_State names): Operating → producing; Ready, Prepared → idle;
  Lack (of material) → starved; Tailback → blocked; Changeover, Setup, Cleaning → setup;
  Maintenance, Planned stop → planned_stop; Equipment failure, External failure, Stopped,
  Emergency stop → unplanned_stop; Off → no_shift.
* **EUROMAP 77/83** (injection moulding, machine mode and job status): Automatic,
  Semi-automatic → producing; Manual, Idle → idle; Setup → setup; Maintenance → planned_stop;
  Alarm, Error → unplanned_stop; Off → no_shift; Other → unknown.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum

from smartfactory.errors import DataError

__all__ = [
    "EUROMAP_STATES",
    "PACKML_STATES",
    "STATE_CATEGORY",
    "WEIHENSTEPHAN_STATES",
    "MachineState",
    "TimeCategory",
    "from_euromap",
    "from_packml",
    "from_weihenstephan",
    "in_planned_busy_time",
]


class MachineState(IntEnum):
    """What a machine is doing; the integer is the stored code."""

    UNKNOWN = 0
    PRODUCING = 1
    IDLE = 2
    STARVED = 3
    BLOCKED = 4
    SETUP = 5
    PLANNED_STOP = 6
    UNPLANNED_STOP = 7
    NO_SHIFT = 8

    @property
    def label(self) -> str:
        """The lower-case name used in files and APIs, e.g. ``unplanned_stop``."""
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> MachineState:
        """The state named ``text`` (``producing``, ``setup`` ...); raise DataError if unknown."""
        try:
            return cls[text.strip().upper()]
        except KeyError as err:
            names = ", ".join(s.label for s in cls)
            raise DataError(f"unknown machine state {text!r}; expected one of {names}") from err


class TimeCategory(StrEnum):
    """ISO 22400-2 time elements a state contributes to."""

    APT = "actual_production_time"
    ADOT = "actual_unit_delay_time"
    ASUT = "actual_unit_setup_time"
    ADET = "actual_unit_down_time"
    PDOT = "planned_down_time"
    OUTSIDE = "outside_planned_operating_time"
    UNKNOWN = "unknown"


STATE_CATEGORY: dict[MachineState, TimeCategory] = {
    MachineState.UNKNOWN: TimeCategory.UNKNOWN,
    MachineState.PRODUCING: TimeCategory.APT,
    MachineState.IDLE: TimeCategory.ADOT,
    MachineState.STARVED: TimeCategory.ADOT,
    MachineState.BLOCKED: TimeCategory.ADOT,
    MachineState.SETUP: TimeCategory.ASUT,
    MachineState.PLANNED_STOP: TimeCategory.PDOT,
    MachineState.UNPLANNED_STOP: TimeCategory.ADET,
    MachineState.NO_SHIFT: TimeCategory.OUTSIDE,
}


def in_planned_busy_time(state: MachineState) -> bool:
    """Whether time in ``state`` counts in ISO 22400 planned busy time (PBT)."""
    return STATE_CATEGORY[state] not in (TimeCategory.PDOT, TimeCategory.OUTSIDE)


def _table(pairs: dict[MachineState, tuple[str, ...]]) -> dict[str, MachineState]:
    return {name.lower(): state for state, names in pairs.items() for name in names}


PACKML_STATES: dict[str, MachineState] = _table(
    {
        MachineState.PRODUCING: ("Execute",),
        MachineState.IDLE: ("Idle", "Complete", "Starting", "Completing", "Resetting"),
        MachineState.STARVED: ("Suspended", "Suspending", "Unsuspending"),
        MachineState.UNPLANNED_STOP: (
            "Held",
            "Holding",
            "Unholding",
            "Stopped",
            "Stopping",
            "Aborted",
            "Aborting",
            "Clearing",
        ),
        MachineState.UNKNOWN: ("Undefined",),
    }
)

WEIHENSTEPHAN_STATES: dict[str, MachineState] = _table(
    {
        MachineState.PRODUCING: ("Operating",),
        MachineState.IDLE: ("Ready", "Prepared"),
        MachineState.STARVED: ("Lack",),
        MachineState.BLOCKED: ("Tailback",),
        MachineState.SETUP: ("Changeover", "Setup", "Cleaning"),
        MachineState.PLANNED_STOP: ("Maintenance", "Planned stop"),
        MachineState.UNPLANNED_STOP: (
            "Equipment failure",
            "External failure",
            "Stopped",
            "Emergency stop",
        ),
        MachineState.NO_SHIFT: ("Off",),
    }
)

EUROMAP_STATES: dict[str, MachineState] = _table(
    {
        MachineState.PRODUCING: ("Automatic", "Semi-automatic"),
        MachineState.IDLE: ("Manual", "Idle"),
        MachineState.SETUP: ("Setup",),
        MachineState.PLANNED_STOP: ("Maintenance",),
        MachineState.UNPLANNED_STOP: ("Alarm", "Error"),
        MachineState.NO_SHIFT: ("Off",),
        MachineState.UNKNOWN: ("Other",),
    }
)


def _lookup(table: dict[str, MachineState], source: str, name: str) -> MachineState:
    try:
        return table[name.strip().lower()]
    except KeyError as err:
        raise DataError(f"unknown {source} state {name!r}") from err


def from_packml(name: str) -> MachineState:
    """Our state for a PackML state name."""
    return _lookup(PACKML_STATES, "PackML", name)


def from_weihenstephan(name: str) -> MachineState:
    """Our state for a Weihenstephan state name."""
    return _lookup(WEIHENSTEPHAN_STATES, "Weihenstephan", name)


def from_euromap(name: str) -> MachineState:
    """Our state for a EUROMAP 77/83 machine mode or job status."""
    return _lookup(EUROMAP_STATES, "EUROMAP", name)
