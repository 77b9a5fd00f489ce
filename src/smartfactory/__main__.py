"""``python -m smartfactory`` runs the command line."""

from __future__ import annotations

from smartfactory.cli.main import main

main()
