"""Start Newsroom QA in the browser: chat UI at http://127.0.0.1:7860, HTTP API under /api.

The demo index is built (or brought up to date) on start, so a fresh checkout
needs no set-up beyond `make run`.
"""

from __future__ import annotations

import argparse
import os
import sys

from assistant.config import DEMO_CORPUS
from assistant.server.app import DEFAULT_HOST, DEFAULT_PORT, auth_from_env


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=os.environ.get("ASSISTANT_HOST", DEFAULT_HOST), help="env ASSISTANT_HOST")
    parser.add_argument(
        "--port", type=int, default=int(os.environ.get("ASSISTANT_PORT", DEFAULT_PORT)), help="env ASSISTANT_PORT"
    )
    parser.add_argument("--index", help="index name (default: demo, env ASSISTANT_INDEX)")
    parser.add_argument("--index-dir", help="folder holding indexes (default: ./indexes, env ASSISTANT_INDEX_DIR)")
    parser.add_argument("--chroma-url", help="use a Chroma server (env ASSISTANT_CHROMA_URL)")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    try:
        auth = auth_from_env()
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    from assistant import Assistant
    from assistant.server import serve

    assistant = Assistant.open(index=args.index, index_dir=args.index_dir, chroma_url=args.chroma_url)
    if assistant.settings.index_name == "demo":
        report = assistant.ingest([DEMO_CORPUS])
        print(f"Demo index: {report.summary()}")
    serve(assistant, host=args.host, port=args.port, auth=auth)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
