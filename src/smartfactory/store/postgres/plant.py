"""The plant's reference rows in PostgreSQL: ``machines`` and ``ideal_cycles``.

The views of revision 0004 (``v_oee_hourly``) value counts at ideal cycle times, which live
in the plant file; :func:`sync_plant` writes them (and the machines with their line and area,
for dashboards) into the store's schema. ``smartfactory serve`` and ``smartfactory ingest``
call it when they start, so the views follow the plant file that is in use. The rows are
replaced in one transaction.
"""

from __future__ import annotations

from smartfactory.domain.assets import Plant
from smartfactory.kpi.ideal import IdealCycles
from smartfactory.store.postgres.backend import PostgresStore

__all__ = ["sync_plant"]


def sync_plant(store: PostgresStore, plant: Plant) -> tuple[int, int]:
    """Replace the machines and ideal cycle times of ``store`` with ``plant``'s; row counts."""
    ideal = IdealCycles.from_plant(plant)
    statements: list[tuple[str, list[object]]] = [
        ("DELETE FROM machines", []),
        ("DELETE FROM ideal_cycles", []),
    ]
    machines = 0
    for area, line in plant.lines():
        for m in line.machines:
            statements.append(
                (
                    "INSERT INTO machines (machine, name, line, area) VALUES (?, ?, ?, ?)",
                    [m.id, m.name.en, line.id, area.id],
                )
            )
            machines += 1
    for machine, seconds in ideal.by_machine.items():
        statements.append(
            (
                "INSERT INTO ideal_cycles (machine, product, ideal_cycle_s) VALUES (?, '', ?)",
                [machine, seconds],
            )
        )
    for (machine, product), seconds in ideal.by_product.items():
        statements.append(
            (
                "INSERT INTO ideal_cycles (machine, product, ideal_cycle_s) VALUES (?, ?, ?)",
                [machine, product, seconds],
            )
        )
    store.execute_all(statements)
    return machines, len(ideal.by_machine) + len(ideal.by_product)
