"""The configuration of an OPC UA client connector: the server, security, tags, subscription.

Tags map a signal name (as the plant file uses it) to a node id such as ``ns=2;s=Line1.Speed``.
``mode: subscribe`` (the default) creates one subscription with a monitored item per tag;
``mode: poll`` reads the tags every ``poll_interval_s`` instead (also the automatic fallback
when a server refuses subscriptions). Security is ``None`` or ``Basic256Sha256`` (Sign or
SignAndEncrypt, which needs the client's application certificate and private key); the user
is anonymous, a username and password, or an X.509 user certificate.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Literal, Self

from asyncua import ua
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

__all__ = ["OpcUaConfig", "OpcUaTag", "SecurityMode", "SecurityPolicy"]


class SecurityPolicy(StrEnum):
    """The message security policies supported."""

    NONE = "None"
    BASIC256SHA256 = "Basic256Sha256"


class SecurityMode(StrEnum):
    """How messages are protected under a policy other than None."""

    SIGN = "Sign"
    SIGN_AND_ENCRYPT = "SignAndEncrypt"


def _check_node_id(text: str) -> str:
    try:
        ua.NodeId.from_string(text)
    except Exception as err:  # asyncua raises several types for a malformed id
        raise ValueError(f"not an OPC UA node id: {text!r} ({err})") from err
    return text


class OpcUaTag(BaseModel):
    """One signal: its name and the node id of the variable that holds it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    node_id: str = Field(description="For example 'ns=2;s=Line1.Speed' or 'ns=3;i=1001'.")
    deadband: float | None = Field(default=None, ge=0, description="Overrides the default.")

    @field_validator("node_id")
    @classmethod
    def _node_id_ok(cls, value: str) -> str:
        return _check_node_id(value)


class OpcUaConfig(BaseModel):
    """An OPC UA server, how to authenticate, and what to read from it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    url: str = Field(pattern=r"^opc\.tcp://[^/\s]+", description="opc.tcp://host:port[/path]")
    timeout_s: float = Field(default=5.0, gt=0, description="Limit of each request.")
    tags: list[OpcUaTag] = Field(default_factory=list)
    mode: Literal["subscribe", "poll"] = "subscribe"
    publishing_interval_ms: float = Field(default=250.0, gt=0)
    sampling_interval_ms: float = Field(default=100.0, ge=0)
    queue_size: int = Field(default=100, ge=1, description="Changes a server keeps per item.")
    deadband: float | None = Field(default=None, ge=0, description="Absolute deadband.")
    poll_interval_s: float = Field(default=1.0, gt=0)
    max_nodes_per_request: int = Field(default=1000, ge=1)
    items_per_request: int = Field(
        default=500, ge=1, description="Monitored items per CreateMonitoredItems request."
    )
    security_policy: SecurityPolicy = SecurityPolicy.NONE
    security_mode: SecurityMode = SecurityMode.SIGN_AND_ENCRYPT
    certificate: Path | None = Field(default=None, description="Client application cert.")
    private_key: Path | None = None
    server_certificate: Path | None = Field(default=None, description="Else from endpoints.")
    application_uri: str = Field(
        default="urn:smartfactory:client", description="Must match the certificate's URI."
    )
    username: str | None = None
    password: SecretStr | None = None
    user_certificate: Path | None = Field(default=None, description="X.509 user identity.")
    user_private_key: Path | None = None
    browse_root: str = Field(default="i=85", description="Where browse starts (Objects).")
    browse_depth: int = Field(default=8, ge=1, le=64)
    include_standard: bool = Field(default=False, description="Browse namespace 0 nodes too.")

    @field_validator("browse_root")
    @classmethod
    def _root_ok(cls, value: str) -> str:
        return _check_node_id(value)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        names = [t.name for t in self.tags]
        doubled = sorted({n for n in names if names.count(n) > 1})
        if doubled:
            raise ValueError(f"tag names must be unique: {doubled}")
        secure = self.security_policy is not SecurityPolicy.NONE
        if secure and (self.certificate is None or self.private_key is None):
            raise ValueError(f"{self.security_policy} needs certificate and private_key")
        if self.password is not None and self.username is None:
            raise ValueError("a password needs a username")
        if (self.user_certificate is None) != (self.user_private_key is None):
            raise ValueError("user_certificate and user_private_key go together")
        if self.user_certificate is not None and self.username is not None:
            raise ValueError("choose a username or a user certificate, not both")
        return self
