"""Gradio's files, confined to one folder per app under the index folder.

Gradio keeps uploads in GRADIO_TEMP_DIR (by default the shared `<tmp>/gradio`, served
by `/gradio_api/file=` to anyone), and it copies into that folder any file a client
names in a `FileData` (`{"path": ..., "meta": {"_type": "gradio.FileData"}}`) before
an event handler runs. Its own "was this uploaded?" check only runs after
`Blocks.launch()`, never in an app mounted with `gr.mount_gradio_app`, and a URL in
`path` is downloaded. So, for each app:

- `AppFiles` makes the folder `<index>/.gradio-tmp/<pid>-<random>` (0700), points
  GRADIO_TEMP_DIR, every block's cache and the app's upload route at it, and removes
  it at shutdown (a folder left by a killed process is removed at the next start);
- `FileGuard` (ASGI middleware) reads every JSON body posted to `/gradio_api/` before
  Gradio does and refuses, with a 400, a file reference to anything but a regular
  file inside that folder, and text with an unpaired surrogate;
- `AppFiles.uploaded` is the allow-list the upload handler uses: a path counts only
  if its real path is a regular file inside the folder that this app's own upload
  route stored.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import stat
import tempfile
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any

TEMP_PARENT = ".gradio-tmp"
GUARDED_PREFIX = "/gradio_api/"
MULTIPART_ROUTES = ("/gradio_api/upload", "/gradio_api/process_recording")  # file bytes, never paths
FOREIGN_FILE = "a file that was not uploaded to this app was refused; upload it again"


class ForeignFileError(ValueError):
    """A request names a file this app did not store, or a URL."""


def shared_gradio_folder() -> Path:
    """Gradio's default upload folder, shared by every Gradio app on the machine."""
    return Path(tempfile.gettempdir()) / "gradio"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_folders(parent: Path) -> None:
    """Remove the temp folders of app processes that are gone (killed before their shutdown ran)."""
    try:
        children = list(parent.iterdir())
    except OSError:
        return
    for child in children:
        pid = child.name.split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _pid_alive(int(pid)):
            shutil.rmtree(child, ignore_errors=True)


def regular_file_inside(path: object, folder: Path) -> Path | None:
    """The real path of `path` if it is a regular file inside `folder` (a resolved path), else None."""
    if not isinstance(path, (str, os.PathLike)):
        return None
    try:
        real = Path(os.path.realpath(path))
        if real == folder or not real.is_relative_to(folder):
            return None
        return real if stat.S_ISREG(os.stat(real).st_mode) else None
    except (OSError, ValueError):  # NUL bytes, unencodable text (lone surrogates), vanished files
        return None


_LIVE_FOLDERS: list[Path] = []  # apps of this process, oldest first; the latest owns GRADIO_TEMP_DIR
_ENV_BEFORE: dict[str, str | None] = {}  # GRADIO_TEMP_DIR as it was before the first app


class AppFiles:
    """The folder one app's Gradio files live in, and what its upload route stored there."""

    def __init__(self, index_path: Path) -> None:
        parent = Path(index_path) / TEMP_PARENT
        parent.mkdir(parents=True, exist_ok=True)
        remove_stale_folders(parent)
        self.folder = Path(tempfile.mkdtemp(prefix=f"{os.getpid()}-", dir=parent)).resolve()
        self.blocks: Any = None
        # GRADIO_TEMP_DIR is read when each block is made (its cache) and when the app is
        # made (its upload folder); it is one per process, so the latest app takes it over
        # and hands it back when it stops.
        if not _LIVE_FOLDERS:
            _ENV_BEFORE["GRADIO_TEMP_DIR"] = os.environ.get("GRADIO_TEMP_DIR")
        _LIVE_FOLDERS.append(self.folder)
        os.environ["GRADIO_TEMP_DIR"] = str(self.folder)

    def pin(self, blocks: Any, gradio_app: Any) -> None:
        """Point every block's cache and the app's upload/file routes at this folder."""
        self.blocks = blocks
        for block in (blocks, *blocks.blocks.values()):
            block.GRADIO_CACHE = str(self.folder)
        gradio_app.uploaded_file_dir = str(self.folder)

    def blocked_paths(self) -> list[str]:
        """Folders `/gradio_api/file=` must never serve from: Gradio's shared defaults."""
        from gradio.utils import get_cache_folder

        candidates = [shared_gradio_folder(), Path(os.path.abspath(get_cache_folder()))]
        return [str(c) for c in candidates if not self.folder.is_relative_to(c.resolve())]

    def uploaded(self, path: object) -> Path | None:
        """The real path of a file this app's upload route stored, else None."""
        real = regular_file_inside(path, self.folder)
        if real is None or self.blocks is None:
            return None
        stored = {os.path.realpath(p) for p in list(self.blocks.upload_file_set)}
        return real if str(real) in stored else None

    def discard(self, paths: Iterable[Path]) -> None:
        """Delete uploaded temp files once read (and their Gradio sub-folder when it is empty)."""
        for path in paths:
            real = regular_file_inside(path, self.folder)
            if real is None:
                continue
            real.unlink(missing_ok=True)
            if self.blocks is not None:
                self.blocks.upload_file_set.difference_update(
                    {p for p in list(self.blocks.upload_file_set) if os.path.realpath(p) == str(real)}
                )
            if real.parent != self.folder:
                with contextlib.suppress(OSError):  # not empty
                    real.parent.rmdir()

    def close(self) -> None:
        """Remove the folder and hand GRADIO_TEMP_DIR back (to the latest app still running, or as it was)."""
        shutil.rmtree(self.folder, ignore_errors=True)
        self.blocks = None
        if self.folder not in _LIVE_FOLDERS:
            return
        _LIVE_FOLDERS.remove(self.folder)
        if _LIVE_FOLDERS:
            os.environ["GRADIO_TEMP_DIR"] = str(_LIVE_FOLDERS[-1])
        elif _ENV_BEFORE.get("GRADIO_TEMP_DIR") is None:
            os.environ.pop("GRADIO_TEMP_DIR", None)
        else:
            os.environ["GRADIO_TEMP_DIR"] = str(_ENV_BEFORE["GRADIO_TEMP_DIR"])


def check_gradio_payload(data: Any, folder: Path) -> None:
    """ForeignFileError if a Gradio request names a file outside `folder` (or a URL) or has a lone surrogate.

    Every dict with a string `path` is a file reference to Gradio (it copies such files
    into its cache before any handler runs), so each must be a regular file inside the
    app's folder. Walked without recursion: json.loads already bounds the depth.
    """
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            path = node.get("path")
            if isinstance(path, str) and regular_file_inside(path, folder) is None:
                raise ForeignFileError(FOREIGN_FILE)
            stack.extend(node.keys())
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, str):
            try:
                node.encode("utf-8")
            except UnicodeEncodeError as exc:
                raise ForeignFileError("the request has text with an unpaired surrogate (not valid Unicode)") from exc


class FileGuard:
    """ASGI middleware: JSON posted to Gradio's routes may only name files inside the app's folder."""

    def __init__(self, app: Any, folder: Path, max_body_bytes: int) -> None:
        self.app = app
        self.folder = folder
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: dict, receive: Callable[[], Awaitable[dict]], send: Callable) -> None:
        path = scope.get("path", "")
        if (
            scope["type"] != "http"
            or scope.get("method") != "POST"
            or not path.startswith(GUARDED_PREFIX)
            or path.rstrip("/") in MULTIPART_ROUTES
        ):
            return await self.app(scope, receive, send)
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                return await _refuse(send, 413, f"request body over {self.max_body_bytes:,} bytes")
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        try:
            if body.strip():
                check_gradio_payload(json.loads(body), self.folder)
        except RecursionError:
            return await _refuse(send, 400, "the request's JSON is nested too deeply")
        except ForeignFileError as exc:
            return await _refuse(send, 400, str(exc))
        except ValueError:  # not JSON (or not UTF-8): Gradio answers that itself
            pass
        replayed = False

        async def replay() -> dict:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        return await self.app(scope, replay, send)


async def _refuse(send: Callable, status: int, message: str) -> None:
    body = json.dumps({"detail": message}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
