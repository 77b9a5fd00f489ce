"""smartfactory: an open Smart Factory 3.0 platform for small and medium manufacturers."""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.1.0"
