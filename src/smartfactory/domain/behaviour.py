"""How a machine behaves in simulation: speed variation, stops, scrap, wear and repair.

These are value types of the plant file; the simulator (``smartfactory.sim``) reads them.
Degradation is a health variable D that starts near 0 and grows while the machine produces;
the machine fails when D reaches 1. Scrap rate and sensor readings rise with D.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "CmapssDegradation",
    "Degradation",
    "GammaDegradation",
    "MachineBehaviour",
    "MicroStops",
    "PreventiveMaintenance",
    "RepairModel",
    "ScrapModel",
    "SensorModel",
]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class GammaDegradation(_Frozen):
    """A gamma process: mean operating hours to failure and the spread of that life."""

    model: Literal["gamma"] = "gamma"
    mean_life_h: float = Field(gt=0, description="Mean producing hours from new to failure.")
    life_cv: float = Field(default=0.3, gt=0, le=2, description="Coefficient of variation of life.")


class CmapssDegradation(_Frozen):
    """Replay NASA C-MAPSS run-to-failure engines as this machine's wear and sensors."""

    model: Literal["cmapss"] = "cmapss"
    subset: Literal["FD001", "FD002", "FD003", "FD004"] = "FD001"
    units: tuple[int, ...] = Field(default=(), description="Engine units to replay; all if empty.")
    hours_per_cycle: float = Field(default=1.0, gt=0, description="Producing hours per cycle.")
    sensors: tuple[str, ...] = Field(
        default=("s2", "s3", "s4", "s7", "s11", "s12", "s15", "s21"),
        description="C-MAPSS sensor columns exposed as signals named cmapss_<col>.",
    )


Degradation = Annotated[GammaDegradation | CmapssDegradation, Field(discriminator="model")]


class MicroStops(_Frozen):
    """Short unplanned stops: how often and how long."""

    rate_per_h: float = Field(default=1.0, ge=0, description="Mean stops per producing hour.")
    mean_s: float = Field(default=60.0, gt=0, description="Mean duration (exponential).")


class ScrapModel(_Frozen):
    """Probability that a unit is scrap: base + gain x D squared."""

    base_rate: float = Field(default=0.01, ge=0, le=1)
    degradation_gain: float = Field(default=0.08, ge=0, le=1)


class RepairModel(_Frozen):
    """Corrective repair duration (log-normal with this mean and coefficient of variation)."""

    mean_h: float = Field(default=3.0, gt=0)
    cv: float = Field(default=0.5, gt=0, le=3)


class PreventiveMaintenance(_Frozen):
    """Time-based preventive maintenance, the baseline policy the simulator applies."""

    interval_h: float | None = Field(default=None, gt=0, description="Producing hours between.")
    duration_h: float = Field(default=1.5, gt=0)
    restores: float = Field(default=0.9, ge=0, le=1, description="Fraction of wear removed.")


class SensorModel(_Frozen):
    """A simulated analog sensor: level when idle, when producing, and its rise with wear."""

    signal: str = Field(description="Name of a signal of the machine.")
    idle: float
    producing: float
    wear_gain: float = Field(default=0.0, description="Added to the reading at D = 1.")
    wear_power: float = Field(default=2.0, gt=0, description="Shape of the rise: gain x D^p.")
    noise_sd: float = Field(default=0.0, ge=0)


class MachineBehaviour(_Frozen):
    """Everything the simulator needs to run a machine."""

    cycle_cv: float = Field(default=0.05, ge=0, le=1, description="Spread of actual cycle time.")
    speed_factor: float = Field(default=1.1, ge=1, description="Mean cycle / ideal cycle.")
    micro_stops: MicroStops = MicroStops()
    scrap: ScrapModel = ScrapModel()
    degradation: Degradation | None = None
    repair: RepairModel = RepairModel()
    preventive: PreventiveMaintenance = PreventiveMaintenance()
    sensors: tuple[SensorModel, ...] = ()
