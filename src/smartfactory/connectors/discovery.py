"""Browsing a peer given only its URL (``smartfactory connectors browse URL``).

The URL's scheme picks the protocol: ``opc.tcp://`` browses an OPC UA server's address space
(variables with node id, browse path and data type). Modbus has no service that lists what a
device holds, so ``modbus://`` (and ``modbus+tcp://``) raise :class:`BrowseNotSupportedError`
saying so; other schemes raise it too, naming the ones supported.
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

from pydantic import SecretStr, ValidationError

from smartfactory.connectors.base import TagInfo
from smartfactory.connectors.errors import ConnectorConfigError, ConnectorError
from smartfactory.connectors.opcua import OpcUaConfig, OpcUaConnector

__all__ = ["BrowseNotSupportedError", "browse_url"]

_MODBUS = {"modbus", "modbus+tcp", "modbus-tcp"}


class BrowseNotSupportedError(ConnectorError):
    """The URL's protocol has no way to discover what a peer offers."""


async def browse_url(
    url: str,
    *,
    depth: int = 8,
    timeout_s: float = 5.0,
    username: str | None = None,
    password: str | None = None,
) -> list[TagInfo]:
    """What the peer at ``url`` offers; ConnectorError when it cannot be browsed or reached."""
    scheme = urlsplit(url).scheme.lower()
    if scheme in _MODBUS:
        raise BrowseNotSupportedError(
            "browse is not supported by the Modbus protocol: a Modbus device cannot list its "
            "registers; describe them in a register map (tags with table, address, data_type)"
        )
    if scheme != "opc.tcp":
        raise BrowseNotSupportedError(
            f"cannot browse {scheme or 'a URL without a scheme'!r}: supported is opc.tcp://host:port"
        )
    try:
        config = OpcUaConfig(
            url=url,
            browse_depth=depth,
            timeout_s=timeout_s,
            username=username,
            password=SecretStr(password) if password is not None else None,
        )
    except ValidationError as err:
        raise ConnectorConfigError(f"cannot browse {url}: {err}") from err
    connector = OpcUaConnector(config)
    try:
        async with asyncio.timeout(timeout_s * (depth + 4)):
            await connector.connect()
            return await connector.browse()
    except TimeoutError as err:
        raise ConnectorError(f"browsing {url} timed out") from err
    finally:
        await connector.close()
