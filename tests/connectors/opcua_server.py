"""A real asyncua server for the tests: 127.0.0.1, port 0, in its own thread and event loop.

Running it in a thread lets one server serve several tests (asyncua takes seconds to load the
standard address space) while each test runs its client in its own ``asyncio.run``. Values are
written with explicit source timestamps, like a PLC driver does, so a restarted server can
come back with the same values and timestamps. ``down()`` / ``up()`` stop it and start a new
server on the same port (a server restart).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from asyncua import Server, ua
from asyncua.crypto.permission_rules import User, UserRole
from asyncua.server.internal_server import InternalServer

T = TypeVar("T")

NS = "urn:smartfactory:test"
START = datetime(2026, 1, 1, tzinfo=UTC)
VARIABLES: dict[str, tuple[Any, ua.VariantType]] = {
    "Press.Speed": (1.5, ua.VariantType.Double),
    "Press.Count": (7, ua.VariantType.Int32),
    "Press.Running": (True, ua.VariantType.Boolean),
    "Press.Label": ("ok", ua.VariantType.String),
    "Press.Profile": ([1.0, 2.0], ua.VariantType.Double),
    "Oven.Temp": (180.0, ua.VariantType.Double),
}


class _Users:
    """Accepts exactly the given username/password pairs."""

    def __init__(self, users: dict[str, str]) -> None:
        self.users = users

    def get_user(
        self,
        iserver: InternalServer,
        username: str | None = None,
        password: str | None = None,
        certificate: Any = None,
    ) -> User | None:
        if username is not None and self.users.get(username) == password:
            return User(role=UserRole.User)
        return None


class OpcUaTestServer:
    """Machines ``Line1/Press`` and ``Line1/Oven`` with the variables of :data:`VARIABLES`."""

    def __init__(
        self,
        *,
        users: dict[str, str] | None = None,
        certificate: Path | None = None,
        private_key: Path | None = None,
    ) -> None:
        self.users = users
        self.certificate = certificate
        self.private_key = private_key
        self.port = 0
        self.ns = 2
        self.values: dict[str, tuple[Any, datetime]] = {
            k: (v, START) for k, (v, _) in VARIABLES.items()
        }
        self._server: Server | None = None
        self._nodes: dict[str, Any] = {}
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="opcua-test-server")

    @property
    def url(self) -> str:
        return f"opc.tcp://127.0.0.1:{self.port}/sf/"

    def node_id(self, name: str) -> str:
        return f"ns={self.ns};s={name}"

    def _call(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=60)

    async def _await(self, coro: Coroutine[Any, Any, T]) -> T:
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, self._loop))

    def start(self) -> int:
        """Start the thread and the server; return the port."""
        self._thread.start()
        return self._call(self._up())

    def stop(self) -> None:
        """Stop the server and the thread."""
        if self._thread.is_alive():
            self._call(self._down())
            self._call(self._cancel_rest())
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
        self._loop.close()

    async def _cancel_rest(self) -> None:
        me = asyncio.current_task()
        rest = [t for t in asyncio.all_tasks() if t is not me]
        for t in rest:
            t.cancel()
        await asyncio.gather(*rest, return_exceptions=True)

    async def set(self, name: str, value: Any, ts: datetime) -> None:
        """Write ``value`` with source timestamp ``ts`` (from the test's event loop)."""
        await self._await(self._set(name, value, ts))

    async def down(self) -> None:
        """Stop the server (the port closes)."""
        await self._await(self._down())

    async def up(self) -> None:
        """Start a new server on the same port with the last values."""
        await self._await(self._up())

    async def _set(self, name: str, value: Any, ts: datetime) -> None:
        self.values[name] = (value, ts)
        if self._server is not None:
            vtype = VARIABLES[name][1]
            dv = ua.DataValue(ua.Variant(value, vtype), SourceTimestamp=ts, ServerTimestamp=ts)
            await self._server.write_attribute_value(self._nodes[name].nodeid, dv)

    async def _up(self) -> int:
        server = Server(user_manager=_Users(self.users) if self.users else None)
        await server.init()
        server.set_endpoint(f"opc.tcp://127.0.0.1:{self.port}/sf/")
        if self.certificate is not None and self.private_key is not None:
            await server.load_certificate(str(self.certificate))
            await server.load_private_key(str(self.private_key))
            server.set_security_policy([ua.SecurityPolicyType.Basic256Sha256_SignAndEncrypt])
        else:
            server.set_security_policy([ua.SecurityPolicyType.NoSecurity])
        if self.users:
            server.set_identity_tokens([ua.UserNameIdentityToken])
        self.ns = await server.register_namespace(NS)
        line = await server.nodes.objects.add_folder(f"ns={self.ns};s=Line1", "Line1")
        machines: dict[str, Any] = {}
        for name, (value, vtype) in VARIABLES.items():
            machine, signal = name.split(".")
            if machine not in machines:
                machines[machine] = await line.add_object(f"ns={self.ns};s={machine}", machine)
            node = await machines[machine].add_variable(self.node_id(name), signal, value, vtype)
            await node.set_writable()
            self._nodes[name] = node
        self._server = server
        for name, (value, ts) in self.values.items():
            await self._set(name, value, ts)
        await server.start()
        self.port = server.bserver._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self.port

    async def _down(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            await server.stop()
