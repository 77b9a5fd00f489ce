"""Test support in the box: a sample plant, a scripted :class:`LiveSource`, signing in.

:class:`ScriptedLive` stands in for the simulator in API and browser tests (and for anyone
trying the web pages without one): states are fixed per machine, counts of producing
machines grow with wall-clock time, and the simulated clock runs ``speed`` times faster than
the wall clock. Everything is a pure function of the injected clock, so it is thread-safe.

:func:`signed_in` creates a user with a random password and signs a test client in::

    headers = signed_in(client, store, "operator")      # the client keeps the cookie
    client.get("/api/v1/live")                           # reading needs no extra header
    client.post("/api/v1/...", json=body, headers=headers)   # X-CSRF-Token for changes
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time

import httpx

from smartfactory.api.auth.permissions import Role
from smartfactory.api.auth.sessions import CSRF_HEADER
from smartfactory.api.auth.users import create_user
from smartfactory.domain.assets import Area, Enterprise, Line, Machine, MachineType, Plant, Site
from smartfactory.domain.calendar import Shift, ShiftCalendar
from smartfactory.domain.live import MachineSnapshot, PlantSnapshot
from smartfactory.domain.production import Product, RoutingStep
from smartfactory.domain.states import MachineState
from smartfactory.domain.text import LocalizedText
from smartfactory.store.base import Store

__all__ = ["DEFAULT_STATES", "ScriptedLive", "sample_plant", "signed_in"]

_P = MachineState.PRODUCING
DEFAULT_STATES: tuple[MachineState, ...] = (
    _P,
    _P,
    MachineState.UNPLANNED_STOP,
    _P,
    MachineState.SETUP,
    _P,
    _P,
    MachineState.STARVED,
    _P,
    _P,
    MachineState.BLOCKED,
    MachineState.UNKNOWN,
    _P,
    MachineState.PLANNED_STOP,
    _P,
    MachineState.IDLE,
    _P,
    _P,
)
"""States given to machines in plant order (repeated when the plant has more machines)."""

_REASONS = {
    MachineState.UNPLANNED_STOP: "failure",
    MachineState.PLANNED_STOP: "preventive_maintenance",
    MachineState.SETUP: "changeover",
    MachineState.STARVED: "no_material",
    MachineState.BLOCKED: "downstream_full",
}

_LINES = (
    ("turning", "Line 1 · Turning", "1라인 선삭", MachineType.CNC_LATHE, "CNC lathe", "CNC 선반"),
    (
        "machining",
        "Line 2 · Machining",
        "2라인 가공",
        MachineType.MACHINING_CENTER,
        "Machining center",
        "머시닝센터",
    ),
    (
        "assembly",
        "Line 3 · Assembly",
        "3라인 조립",
        MachineType.ASSEMBLY,
        "Assembly cell",
        "조립 셀",
    ),
)


def sample_plant(lines: int = 3, machines_per_line: int = 6) -> Plant:
    """A small two-shift plant of ``lines`` lines with Korean and English names.

    One machine per line has a long Korean name, to check that pages do not overflow.
    """
    made: list[Line] = []
    for i in range(lines):
        key, en, ko, kind, m_en, m_ko = _LINES[i % len(_LINES)]
        machines = []
        for j in range(machines_per_line):
            n = j + 1
            name = LocalizedText(en=f"{m_en} {n}", ko=f"{m_ko} {n}호기")
            if j == 2:
                name = LocalizedText(
                    en=f"{m_en} {n} (5-axis high-precision)", ko=f"{m_ko} {n}호기 (5축 고정밀 가공)"
                )
            machines.append(Machine(id=f"l{i + 1}-{key[:3]}-{n:02d}", name=name, type=kind))
        made.append(
            Line(id=f"line-{i + 1}", name=LocalizedText(en=en, ko=ko), machines=tuple(machines))
        )
    half = max(1, len(made) - 1)
    areas = [
        Area(
            id="machining",
            name=LocalizedText(en="Machining hall", ko="가공동"),
            lines=tuple(made[:half]),
        )
    ]
    if made[half:]:
        areas.append(
            Area(
                id="assembly",
                name=LocalizedText(en="Assembly hall", ko="조립동"),
                lines=tuple(made[half:]),
            )
        )
    every = [m.id for line in made for m in line.machines]
    calendar = ShiftCalendar(
        timezone="Asia/Seoul",
        shifts=(
            Shift(
                name="day",
                label=LocalizedText(en="Day", ko="주간"),
                start=clock_time(8),
                end=clock_time(20),
                days=("mon", "tue", "wed", "thu", "fri", "sat", "sun"),
            ),
            Shift(
                name="night",
                label=LocalizedText(en="Night", ko="야간"),
                start=clock_time(20),
                end=clock_time(8),
                days=("mon", "tue", "wed", "thu", "fri", "sat", "sun"),
            ),
        ),
    )
    products = tuple(
        Product(
            id=pid,
            name=LocalizedText(en=en, ko=ko),
            routing=(RoutingStep(operation="make", machines=tuple(every), ideal_cycle_s=30.0),),
        )
        for pid, en, ko in (
            ("bracket-a", "Bracket A", "브래킷 A"),
            ("shaft-s12", "Drive shaft S12", "구동 샤프트 S12"),
            ("housing-h3", "Pump housing H3", "펌프 하우징 H3"),
        )
    )
    return Plant(
        enterprise=Enterprise(
            id="hanbit", name=LocalizedText(en="Hanbit Precision", ko="한빛정밀")
        ),
        site=Site(
            id="changwon-2",
            name=LocalizedText(en="Changwon Plant 2", ko="창원 제2공장"),
            calendar=calendar,
            areas=tuple(areas),
        ),
        products=products,
    )


class ScriptedLive:
    """A :class:`~smartfactory.domain.live.LiveSource` with scripted states and growing counts.

    ``start`` is the simulated time of the first snapshot; simulated time runs ``speed`` times
    faster than ``clock`` (seconds, monotonic). Producing machines make ``rate`` good units per
    wall-clock second.
    """

    def __init__(
        self,
        plant: Plant,
        *,
        start: datetime | None = None,
        speed: float = 1.0,
        rate: float = 1.0,
        states: Sequence[MachineState] = DEFAULT_STATES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.plant = plant
        self.start = start or datetime(2025, 3, 12, 1, 30, tzinfo=UTC)
        self.speed = speed
        self.rate = rate
        self.states = tuple(states)
        self.clock = clock
        self._t0 = clock()

    def snapshot(self) -> PlantSnapshot:
        """The plant now (by ``clock``)."""
        elapsed = max(0.0, self.clock() - self._t0)
        now = self.start + timedelta(seconds=elapsed * self.speed)
        windows = self.plant.site.calendar.windows(now, now + timedelta(seconds=1))
        shift = windows[0].shift if windows else None
        machines = []
        for i, machine in enumerate(self.plant.machines()):
            machines.append(self._machine(i, machine.id, now, elapsed))
        return PlantSnapshot(timestamp=now, shift=shift, machines=tuple(machines))

    def _machine(self, i: int, machine_id: str, now: datetime, elapsed: float) -> MachineSnapshot:
        state = self.states[i % len(self.states)] if self.states else MachineState.UNKNOWN
        good = 200 + 37 * i
        if state is MachineState.PRODUCING:
            good += int(elapsed * self.rate)
        scrap = good // 60 + i % 3
        known = state is not MachineState.UNKNOWN
        a = 0.78 + 0.025 * (i % 8)
        p = 0.82 + 0.02 * (i % 7)
        q = good / (good + scrap)
        pbt = 3600.0 + elapsed * self.speed  # consistent sums behind the ratios
        product = self.plant.products[i % len(self.plant.products)].id
        busy = state not in (MachineState.NO_SHIFT, MachineState.UNKNOWN)
        return MachineSnapshot(
            machine=machine_id,
            line=self.plant.line_of(machine_id).id,
            state=state,
            since=self.start - timedelta(minutes=3 + 11 * (i % 9)),
            reason=_REASONS.get(state, ""),
            order=f"WO-2503-{101 + i:04d}" if busy else "",
            product=product if busy else "",
            good=good,
            scrap=scrap,
            availability=a if known else None,
            performance=p if known else None,
            quality=q if known else None,
            oee=a * p * q if known else None,
            degradation=(0.07 * i) % 1.0 if known else None,
            pbt_s=pbt if known else 0.0,
            apt_s=pbt * a if known else 0.0,
            ideal_s=pbt * a * p if known else 0.0,
        )


def signed_in(
    client: httpx.Client,
    store: Store,
    role: Role | str = "admin",
    username: str | None = None,
) -> dict[str, str]:
    """Create a user of ``role`` in ``store`` and sign ``client`` in as that user.

    The user gets a random password; ``client`` (a ``TestClient`` or an ``httpx.Client``
    on the server's base URL) signs in through ``POST /api/v1/auth/login`` and keeps the
    session cookie. Returns the headers to send with requests that change something
    (``X-CSRF-Token``).
    """
    role = Role(role)
    name = username or f"test-{role.value}-{secrets.token_hex(4)}"
    password = secrets.token_urlsafe(16)
    create_user(store, name, password, role, display_name=f"Test {role.value}")
    response = client.post("/api/v1/auth/login", json={"username": name, "password": password})
    if response.status_code != 200:
        raise AssertionError(f"sign-in failed: {response.status_code} {response.text}")
    return {CSRF_HEADER: str(response.json()["csrf_token"])}
