"""Process capability and performance: Cp, Cpk (within-subgroup sigma), Pp, Ppk (overall).

Within sigma is R-bar / d2 of the subgroups (moving range of 2 for individual values);
overall sigma is the sample standard deviation. With one specification limit only the
one-sided indices (Cpk, Ppk) are defined; Cp and Pp are then None.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict

from smartfactory.kpi.spc.constants import d2

__all__ = ["Capability", "capability"]


class Capability(BaseModel):
    """Capability indices and the statistics they come from."""

    model_config = ConfigDict(frozen=True)

    mean: float
    sigma_within: float
    sigma_overall: float
    cp: float | None
    cpk: float | None
    pp: float | None
    ppk: float | None


def _indices(
    mean: float, sigma: float, lsl: float | None, usl: float | None
) -> tuple[float | None, float | None]:
    if sigma <= 0:
        return None, None
    both = None if lsl is None or usl is None else (usl - lsl) / (6 * sigma)
    sides = [(usl - mean) / (3 * sigma)] if usl is not None else []
    sides += [(mean - lsl) / (3 * sigma)] if lsl is not None else []
    return both, min(sides) if sides else None


def capability(
    data: npt.ArrayLike, lsl: float | None = None, usl: float | None = None, subgroup: int = 1
) -> Capability:
    """Indices of ``data`` (consecutive subgroups of ``subgroup`` values) against the limits."""
    x = np.asarray(data, dtype=np.float64).ravel()
    if lsl is None and usl is None:
        msg = "give at least one specification limit"
        raise ValueError(msg)
    if subgroup == 1:
        within = float(np.abs(np.diff(x)).mean()) / d2(2) if x.size > 1 else 0.0
    else:
        k = x.size // subgroup
        groups = x[: k * subgroup].reshape(k, subgroup)
        within = float(np.ptp(groups, axis=1).mean()) / d2(subgroup) if k else 0.0
    overall = float(x.std(ddof=1)) if x.size > 1 else 0.0
    mean = float(x.mean())
    cp, cpk = _indices(mean, within, lsl, usl)
    pp, ppk = _indices(mean, overall, lsl, usl)
    return Capability(
        mean=mean, sigma_within=within, sigma_overall=overall, cp=cp, cpk=cpk, pp=pp, ppk=ppk
    )
