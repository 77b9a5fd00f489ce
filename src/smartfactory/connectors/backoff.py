"""Exponential back-off with jitter, drawn from an injected random generator."""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Backoff"]


class Backoff(BaseModel):
    """Delay before retry ``n`` (1-based): ``min(max_s, initial_s * factor**(n-1))``, jittered.

    The jitter takes up to ``jitter`` (a fraction) off the delay, so peers that failed together
    do not retry together; the delay stays within ``[(1 - jitter) * d, d]``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    initial_s: float = Field(default=0.5, gt=0)
    max_s: float = Field(default=30.0, gt=0)
    factor: float = Field(default=2.0, ge=1)
    jitter: float = Field(default=0.5, ge=0, le=1)

    def delay(self, attempt: int, rng: np.random.Generator) -> float:
        """Seconds to wait before retry number ``attempt`` (>= 1)."""
        exponent = min(max(attempt, 1) - 1, 64)
        base = min(self.max_s, self.initial_s * self.factor**exponent)
        return float(base * (1.0 - self.jitter * rng.random()))
