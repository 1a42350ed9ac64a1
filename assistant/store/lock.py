"""One writer per index: an exclusive OS file lock in the store folder, and a note of who holds it.

Chroma's embedded store is not safe across processes (a second process writing beside
the app left the app's client failing with "Error finding id" until restart), and a
reader that opened an index mid-ingest used to "repair" the ingest's pending batch
away. So every process that opens an index's files holds its lock for as long as it has
them open: the app for its lifetime, a CLI command for its run, a Python `Assistant`
until `close()`.

The lock is `filelock.FileLock` on `writer.lock` (flock: the OS drops it when the process
dies, even by kill -9, so a crash never leaves an index locked). Beside it,
`owner.json` says who holds it (pid, command, and for a serving app the URL it listens
on), so a CLI command aimed at an index that an app serves can send its work through
that app's HTTP API instead of touching the files. Within one process the lock is
shared (reentrant): several Assistants over one index in one process are fine.
"""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from filelock import FileLock, Timeout

from assistant.errors import IndexBusyError

LOCK_FILE = "writer.lock"
OWNER_FILE = "owner.json"
_POLL_S = 0.2


@dataclass(frozen=True)
class Owner:
    """Who holds an index's lock; `url` is set once a serving app listens."""

    pid: int
    command: str
    started: str
    url: str | None = None
    auth: bool = False

    @classmethod
    def me(cls, command: str) -> Owner:
        return cls(pid=os.getpid(), command=command, started=datetime.now(UTC).isoformat(timespec="seconds"))

    def describe(self) -> str:
        where = f"the app at {self.url}" if self.url else f"`{self.command}`"
        return f"{where} (pid {self.pid}, since {self.started})"


class IndexLock:
    """The writer lock of one store folder (see the module docstring)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._lock = FileLock(folder / LOCK_FILE, thread_local=False, is_singleton=True)
        self._owner_path = folder / OWNER_FILE

    @property
    def held_here(self) -> bool:
        """Whether this process holds the lock."""
        return self._lock.is_locked

    def holder(self) -> Owner | None:
        """Who holds the lock now, if another process does (None: free, or held by this process)."""
        if self.held_here or not (self.folder / LOCK_FILE).exists():
            return None
        try:
            self._lock.acquire(timeout=0)
        except Timeout:
            return self._read_owner()
        self._lock.release()
        return None

    def acquire(self, owner: Owner, wait: float, announce: bool = True) -> None:
        """Take the lock, waiting up to `wait` s while a short-lived process holds it.

        A serving app holds its index for its lifetime, so waiting for it is pointless:
        IndexBusyError at once, naming its URL. `announce` prints one line while waiting.
        """
        if self.held_here:
            self._lock.acquire()  # reentrant: counted, released as often as taken
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + max(0.0, wait)
        told = False
        while True:
            try:
                self._lock.acquire(timeout=0)
                break
            except Timeout:
                holder = self._read_owner()
                if holder is not None and holder.url:
                    raise IndexBusyError(_busy_message(self.folder, holder), owner=holder) from None
                if time.monotonic() >= deadline:
                    raise IndexBusyError(_busy_message(self.folder, holder), owner=holder) from None
                if announce and not told:
                    who = holder.describe() if holder else "another process"
                    print(f"waiting for the index lock, held by {who} ...", file=sys.stderr, flush=True)
                    told = True
                time.sleep(_POLL_S)
        self._write_owner(owner)

    def announce_url(self, url: str, auth: bool) -> None:
        """Tell other processes where the app holding this lock listens."""
        current = self._read_owner() or Owner.me("serve")
        self._write_owner(Owner(current.pid, current.command, current.started, url=url, auth=auth))

    def release(self) -> None:
        if not self.held_here:
            return
        if self._lock.lock_counter == 1:
            self._owner_path.unlink(missing_ok=True)
        self._lock.release()

    def _read_owner(self) -> Owner | None:
        try:
            data = json.loads(self._owner_path.read_text(encoding="utf-8"))
            return Owner(**{key: data[key] for key in Owner.__dataclass_fields__ if key in data})
        except (OSError, ValueError, TypeError, KeyError):
            return None

    def _write_owner(self, owner: Owner) -> None:
        partial = self._owner_path.with_suffix(".json.part")
        partial.write_text(json.dumps(asdict(owner)), encoding="utf-8")
        os.replace(partial, self._owner_path)


def _busy_message(folder: Path, holder: Owner | None) -> str:
    who = holder.describe() if holder else "another process"
    if holder is not None and holder.url:
        return (
            f"the index at {folder} is served by {who}, which owns it (one writer per index): "
            f"send this through its HTTP API ({holder.url}/docs), or stop the app first."
        )
    return (
        f"the index at {folder} is busy: {who} is using it (one writer per index). "
        "Try again when it has finished, or wait longer with ASSISTANT_LOCK_WAIT=seconds."
    )
