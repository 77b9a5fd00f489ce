"""Control-chart constants (ASTM / Montgomery tables) for subgroup sizes 2 to 25.

``d2`` and ``d3`` (mean and standard deviation of the relative range) are tabulated; ``c4``
is exact (gamma functions); the chart factors derive from them::

    A2 = 3 / (d2 sqrt n)      D3 = max(0, 1 - 3 d3 / d2)    D4 = 1 + 3 d3 / d2
    A3 = 3 / (c4 sqrt n)      B3 = max(0, 1 - 3 sqrt(1 - c4^2) / c4)
                              B4 = 1 + 3 sqrt(1 - c4^2) / c4
"""

from __future__ import annotations

import math

__all__ = ["A2", "A3", "B3", "B4", "D3", "D4", "c4", "d2", "d3"]

_D2 = (
    1.1284, 1.6926, 2.0588, 2.3259, 2.5344, 2.7044, 2.8472, 2.9700, 3.0775, 3.173, 3.258, 3.336,
    3.407, 3.472, 3.532, 3.588, 3.640, 3.689, 3.735, 3.778, 3.819, 3.858, 3.895, 3.931,
)  # fmt: skip
_D3 = (
    0.8525, 0.8884, 0.8798, 0.8641, 0.8480, 0.8332, 0.8198, 0.8078, 0.7971, 0.787, 0.778, 0.770,
    0.763, 0.756, 0.750, 0.744, 0.739, 0.734, 0.729, 0.724, 0.720, 0.716, 0.712, 0.708,
)  # fmt: skip


def _check(n: int) -> int:
    if not 2 <= n <= 25:
        msg = f"subgroup size {n} outside the tabulated 2..25"
        raise ValueError(msg)
    return n - 2


def d2(n: int) -> float:
    """Mean of the range of n standard normal values."""
    return _D2[_check(n)]


def d3(n: int) -> float:
    """Standard deviation of the range of n standard normal values."""
    return _D3[_check(n)]


def c4(n: int) -> float:
    """E[s] / sigma for samples of size n (exact)."""
    _check(n)
    return math.sqrt(2.0 / (n - 1)) * math.exp(math.lgamma(n / 2) - math.lgamma((n - 1) / 2))


def A2(n: int) -> float:  # noqa: N802 - the textbook name
    """X-bar chart factor with R-bar."""
    return 3.0 / (d2(n) * math.sqrt(n))


def D3(n: int) -> float:  # noqa: N802
    """R chart lower factor."""
    return max(0.0, 1.0 - 3.0 * d3(n) / d2(n))


def D4(n: int) -> float:  # noqa: N802
    """R chart upper factor."""
    return 1.0 + 3.0 * d3(n) / d2(n)


def A3(n: int) -> float:  # noqa: N802
    """X-bar chart factor with S-bar."""
    return 3.0 / (c4(n) * math.sqrt(n))


def B3(n: int) -> float:  # noqa: N802
    """S chart lower factor."""
    c = c4(n)
    return max(0.0, 1.0 - 3.0 * math.sqrt(1.0 - c * c) / c)


def B4(n: int) -> float:  # noqa: N802
    """S chart upper factor."""
    c = c4(n)
    return 1.0 + 3.0 * math.sqrt(1.0 - c * c) / c
