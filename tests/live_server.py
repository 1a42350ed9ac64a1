"""Run the real app (FastAPI + Gradio) under uvicorn on a free loopback port, in this process.

In-process keeps one loaded embedding model for every test; the traffic is still
real HTTP over a socket.
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass
from typing import Any


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LiveServer:
    url: str
    assistant: Any
    _server: Any
    _thread: threading.Thread

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=15)


def start_server(assistant: Any, auth: tuple[str, str] | None = None) -> LiveServer:
    import uvicorn

    from assistant.server import create_app
    from assistant.server.app import GRACEFUL_SHUTDOWN_S

    port = free_port()
    config = uvicorn.Config(
        create_app(assistant, auth),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,  # as `serve`: open streams don't hold up stop()
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    return LiveServer(f"http://127.0.0.1:{port}", assistant, server, thread)
