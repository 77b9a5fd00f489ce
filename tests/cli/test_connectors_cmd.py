"""``smartfactory connectors list|browse`` against a real OPC UA server on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import typer
from typer.testing import CliRunner

from smartfactory.cli.connectors_cmd import register

from ..connectors.opcua_server import OpcUaTestServer

runner = CliRunner()


def make_app() -> typer.Typer:
    app = typer.Typer()
    register(app)

    @app.callback()
    def _root() -> None:
        """Test root."""

    return app


@pytest.fixture(scope="module")
def server() -> Iterator[OpcUaTestServer]:
    srv = OpcUaTestServer()
    srv.start()
    yield srv
    srv.stop()


def test_list_shows_kinds_and_capabilities() -> None:
    result = runner.invoke(make_app(), ["connectors", "list", "--json"])
    assert result.exit_code == 0, result.output
    kinds = {row["kind"]: row for row in json.loads(result.stdout)}
    assert {"memory", "modbus", "mqtt", "opcua"} <= set(kinds)
    assert "subscribe" in kinds["opcua"]["capabilities"]
    assert "browse" in kinds["opcua"]["capabilities"]
    table = runner.invoke(make_app(), ["connectors", "list"])
    assert table.exit_code == 0 and "opcua" in table.stdout and "modbus" in table.stdout


def test_browse_opcua_json_and_table(server: OpcUaTestServer) -> None:
    result = runner.invoke(make_app(), ["connectors", "browse", server.url, "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    by_path = {r["path"]: r for r in rows}
    assert by_path["Line1/Press/Speed"] == {
        "path": "Line1/Press/Speed",
        "node_id": server.node_id("Press.Speed"),
        "data_type": "Double",
    }
    assert by_path["Line1/Oven/Temp"]["data_type"] == "Double"
    shallow = runner.invoke(
        make_app(), ["connectors", "browse", server.url, "--json", "--depth", "2"]
    )
    assert shallow.exit_code == 0 and json.loads(shallow.stdout) == []  # Line1/<machine> only
    table = runner.invoke(make_app(), ["connectors", "browse", server.url])
    assert table.exit_code == 0, table.output
    assert "Line1/Press/Running" in table.stdout and "Boolean" in table.stdout
    assert "6 variable(s)" in table.stderr


def test_browse_modbus_is_not_supported_by_the_protocol() -> None:
    result = runner.invoke(make_app(), ["connectors", "browse", "modbus://127.0.0.1:502"])
    assert result.exit_code == 2
    assert "not supported by the Modbus protocol" in result.stderr
    assert result.stdout == ""


def test_browse_unknown_scheme_and_unreachable_server_exit_2() -> None:
    result = runner.invoke(make_app(), ["connectors", "browse", "http://127.0.0.1:1"])
    assert result.exit_code == 2 and "supported is opc.tcp" in result.stderr
    result = runner.invoke(
        make_app(), ["connectors", "browse", "opc.tcp://127.0.0.1:9", "--timeout", "1"]
    )
    assert result.exit_code == 2 and "error" in result.stderr
