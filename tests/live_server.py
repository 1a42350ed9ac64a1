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


def start_server(assistant: Any, auth: tuple[str, str] | None = None, port: int | None = None) -> LiveServer:
    """The app on `port` (a free one when None: give the old one to restart "the same" app for a browser)."""
    import uvicorn

    from assistant.server import create_app
    from assistant.server.app import GRACEFUL_SHUTDOWN_S

    port = port or free_port()
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


@dataclass
class AppProcess:
    """`python app.py` in its own process (what a user starts), on a free loopback port."""

    url: str
    process: Any
    lines: list[str]  # what it printed so far (read by a thread, so a full pipe never blocks it)

    def output(self) -> str:
        return "".join(self.lines)

    def stop(self) -> None:
        import signal

        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except Exception:
                self.process.kill()
                self.process.wait()

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()


def start_app_process(index_dir: Any, *args: str, env: dict[str, str] | None = None) -> AppProcess:
    """Start the app over `index_dir` and wait until /healthz answers (models loaded, demo built)."""
    import os
    import subprocess
    import sys

    import httpx

    from tests.conftest import REPO

    port = free_port()
    environ = {key: value for key, value in os.environ.items() if key != "ASSISTANT_INDEX"}
    environ.update({"ASSISTANT_INDEX_DIR": str(index_dir), "PYTHONUNBUFFERED": "1", **(env or {})})
    process = subprocess.Popen(
        [sys.executable, str(REPO / "app.py"), "--port", str(port), *args],
        cwd=REPO,
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    app = AppProcess(f"http://127.0.0.1:{port}", process, [])
    threading.Thread(target=lambda: app.lines.extend(process.stdout), daemon=True).start()
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if process.poll() is not None:
            time.sleep(0.5)
            raise RuntimeError(f"the app exited with {process.returncode}: {app.output()}")
        try:
            httpx.get(f"{app.url}/healthz", timeout=2, auth=_auth_of(environ))
            return app
        except httpx.HTTPError:
            time.sleep(0.3)
    app.kill()
    raise RuntimeError("the app did not come up")


def _auth_of(environ: dict[str, str]) -> tuple[str, str] | None:
    user, _, password = environ.get("ASSISTANT_AUTH", "").partition(":")
    return (user, password) if user else None


def start_chroma(data: Any) -> tuple[Any, str]:
    """A real `chroma run` server over the folder `data` on a free loopback port: (process, url)."""
    import subprocess
    import sys
    from pathlib import Path

    import httpx

    port = free_port()
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "chroma"),
            "run",
            "--path",
            str(data),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{url}/api/v2/heartbeat", timeout=1).status_code == 200:
                return process, url
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError("chroma run did not start")
        time.sleep(0.2)
