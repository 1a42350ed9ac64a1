"""Start Newsroom QA in the browser: chat UI at http://127.0.0.1:7860, HTTP API under /api.

A shim for `assistant serve`: `python app.py [--host H] [--port P] [--index NAME]
[--index-dir DIR] [--chroma-url URL]`. The demo index is built (or brought up to date)
on start, so a fresh checkout needs no set-up beyond `make run`.
"""

from __future__ import annotations

import sys

from assistant.cli import main

if __name__ == "__main__":
    sys.exit(main(["serve", *sys.argv[1:]]))
