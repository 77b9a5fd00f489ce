"""Building an asyncua client from the config: timeouts, security policy and user identity.

Kept apart from the connector so the connector only deals with reading and subscribing.
Library errors during connect become ConnectorUnavailableError / ConnectorTimeoutError.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from asyncua import ua
from asyncua.client.client import Client
from asyncua.crypto import security_policies
from asyncua.ua.uaerrors import UaError, UaStatusCodeError

from smartfactory.connectors.errors import (
    ConnectorConfigError,
    ConnectorTimeoutError,
    ConnectorUnavailableError,
)
from smartfactory.connectors.opcua.config import OpcUaConfig, SecurityMode, SecurityPolicy

__all__ = ["CONNECTION_ERRORS", "close_client", "open_client"]

logger = logging.getLogger(__name__)

CONNECTION_ERRORS: tuple[type[BaseException], ...] = (OSError, UaError, ConnectionError)
"""What asyncua raises when the connection (not one node) fails."""

_CONNECT_ERRORS: tuple[type[BaseException], ...] = (*CONNECTION_ERRORS, ValueError)
_CLOSE_ERRORS: tuple[type[BaseException], ...] = (*CONNECTION_ERRORS, TimeoutError)

_MODES = {
    SecurityMode.SIGN: ua.MessageSecurityMode.Sign,
    SecurityMode.SIGN_AND_ENCRYPT: ua.MessageSecurityMode.SignAndEncrypt,
}


async def _secure(client: Client, cfg: OpcUaConfig) -> None:
    if cfg.security_policy is SecurityPolicy.NONE:
        return
    if cfg.certificate is None or cfg.private_key is None:  # the config model checks this
        raise ConnectorConfigError(f"{cfg.security_policy} needs certificate and private_key")
    await client.set_security(
        security_policies.SecurityPolicyBasic256Sha256,
        certificate=str(cfg.certificate),
        private_key=str(cfg.private_key),
        server_certificate=str(cfg.server_certificate) if cfg.server_certificate else None,
        mode=_MODES[cfg.security_mode],
    )


async def open_client(cfg: OpcUaConfig) -> Client:
    """A connected client with an activated session, or ConnectorError on failure.

    The client does not reconnect by itself: losing the connection ends it, and the poller
    reconnects with its back-off (one place for retry policy).
    """
    # asyncua's watchdog probes the server every interval with the interval as the probe's
    # timeout; at 1 s a server busy for a second (writing 10,000 values, creating monitored
    # items, a loaded machine) looked dead and the session ended with BadShutdown. The probe
    # now gets the request timeout; a closed socket is still noticed at once.
    client = Client(cfg.url, timeout=cfg.timeout_s, watchdog_intervall=cfg.timeout_s)
    client.application_uri = cfg.application_uri
    client.session_timeout = 60_000
    if cfg.username is not None:
        client.set_user(cfg.username)
        if cfg.password is not None:
            client.set_password(cfg.password.get_secret_value())
    try:
        async with asyncio.timeout(cfg.timeout_s * 2):
            await _secure(client, cfg)
            if cfg.user_certificate is not None:
                await client.load_client_certificate(str(cfg.user_certificate))
            if cfg.user_private_key is not None:
                await client.load_private_key(cfg.user_private_key)
            await client.connect(auto_reconnect=False)
    except TimeoutError as err:
        await close_client(client, cfg.timeout_s)
        raise ConnectorTimeoutError(f"opcua {cfg.url}: connect timed out") from err
    except _CONNECT_ERRORS as err:
        await close_client(client, cfg.timeout_s)
        raise ConnectorUnavailableError(f"opcua {cfg.url}: {_why(err)}") from err
    return client


async def close_client(client: Client, timeout_s: float) -> None:
    """Disconnect, ignoring a connection that is already gone."""
    try:
        async with asyncio.timeout(timeout_s):
            await client.disconnect()
    except _CLOSE_ERRORS as err:
        logger.debug("opcua: disconnect failed: %s", err)
        with contextlib.suppress(Exception):  # the socket may already be closed
            client.disconnect_socket()


def _why(err: BaseException) -> str:
    text = str(err) or type(err).__name__
    if isinstance(err, UaStatusCodeError):
        return f"{type(err).__name__} ({text})"
    return text
