"""Entry point: open the demo index (building it on first run) and chat about it."""

from __future__ import annotations

import sys

from assistant.cli import main

if __name__ == "__main__":
    args = sys.argv[1:]
    sys.exit(main([*args, "demo"]) or main([*args, "chat"]))
