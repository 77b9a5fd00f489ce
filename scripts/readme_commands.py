"""Print a Quick start command of README.md: ``install`` (line 1) or ``test`` (line 2).

The README's first fenced ``bash`` block under ``## Quick start`` holds exactly two command
lines; CI reads the test command from there so the two never drift apart.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def quick_start_commands(text: str) -> list[str]:
    """The command lines of the first bash block of the Quick start section."""
    heading = re.search(r"^## .*Quick start.*$", text, re.MULTILINE)
    if heading is None:
        raise SystemExit("README.md has no '## Quick start' section")
    block = re.search(r"```bash\n(.*?)```", text[heading.end() :], re.DOTALL)
    if block is None:
        raise SystemExit("the Quick start section has no ```bash block")
    lines = [ln.strip() for ln in block.group(1).splitlines()]
    return [ln for ln in lines if ln and not ln.startswith("#")]


def main() -> None:
    """Print the requested command."""
    which = sys.argv[1] if len(sys.argv) > 1 else "test"
    commands = quick_start_commands(README.read_text(encoding="utf-8"))
    if len(commands) != 2:
        raise SystemExit(f"the Quick start block must hold exactly 2 commands, has {commands}")
    print(commands[0] if which == "install" else commands[1])


if __name__ == "__main__":
    main()
