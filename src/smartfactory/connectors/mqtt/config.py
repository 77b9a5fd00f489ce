"""The configuration of an MQTT (Unified Namespace) connector."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["MqttConfig"]


class MqttConfig(BaseModel):
    """A broker, the UNS path to follow and the limits on what is accepted."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(default=1883, ge=1, le=65535)
    path: str = Field(
        pattern=r"^[^/#+]+(/[^/#+]+){3}$",
        description="enterprise/site/area/line: the UNS subtree of machines to follow.",
    )
    client_id: str = Field(default="", description="Fixed id: the broker keeps the session.")
    username: str | None = None
    password: str | None = None
    qos: int = Field(default=1, ge=0, le=2)
    manual_ack: bool = Field(
        default=True,
        description="Acknowledge QoS >= 1 messages only on acknowledge() (after the poller's log).",
    )
    timeout_s: float = Field(default=5.0, gt=0)
    keepalive_s: int = Field(default=30, ge=5)
    max_payload_bytes: int = Field(default=65_536, ge=1)
    timestamp_tolerance_s: float = Field(default=3600.0, gt=0)
    signals: list[str] = Field(
        default_factory=list, description="Allowed 'machine/signal' tags; empty allows any."
    )
    max_pending: int = Field(default=100_000, ge=1, description="Received samples held.")
