"""Decisions: when to maintain (policy), production scheduling (CP-SAT), work orders, autonomy.

Sub-packages: ``scheduling`` (flexible job shop, re-scheduling), ``policy`` (maintenance
policies and their expected cost), plus work orders, the decision log and autonomy levels.
"""

from __future__ import annotations

__all__: list[str] = []
