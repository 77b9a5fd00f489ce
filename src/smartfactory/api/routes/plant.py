"""``GET /plant``: the plant hierarchy, and one machine of it."""

from __future__ import annotations

from fastapi import APIRouter

from smartfactory.api.deps import PlantDep
from smartfactory.api.schemas import ErrorPublic, MachinePublic, PlantPublic
from smartfactory.errors import NotFoundError

__all__ = ["router"]

router = APIRouter(prefix="/plant", tags=["plant"])


@router.get("", operation_id="get_plant", response_model=PlantPublic)
def get_plant(plant: PlantDep) -> PlantPublic:
    """The enterprise, site, shifts, products, areas, lines and machines with en/ko names."""
    return PlantPublic.from_plant(plant)


@router.get(
    "/machines/{machine_id}",
    operation_id="get_plant_machine",
    response_model=MachinePublic,
    responses={404: {"model": ErrorPublic, "description": "No machine with this id."}},
)
def get_plant_machine(machine_id: str, plant: PlantDep) -> MachinePublic:
    """One machine of the plant."""
    for _, line in plant.lines():
        for machine in line.machines:
            if machine.id == machine_id:
                return MachinePublic.from_machine(machine, line)
    raise NotFoundError(f"no machine {machine_id!r} in plant {plant.site.id!r}")
