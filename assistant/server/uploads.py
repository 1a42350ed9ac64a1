"""Keep uploaded article files under the index folder: safe, distinct names, a size limit, no leftovers.

An upload is stored as `<index>/uploads/<clean file name>` (with a Chroma server, in
that server's folder, `layout.store_folder`), so uploading the same file name again updates that article (its id comes from the stored path) instead
of adding a twin.

- Names keep letters of any script (`日本語.txt`); only folders, control and format
  characters and characters unsafe in file names (`<>:"|?*`) are dropped. A name that
  cleaning or shortening changes gets a short hash of the original name, so distinct
  names never end up as one stored file (`a<b.txt`, `a>b.txt` -> `ab-1f0c….txt`, `ab-7d2e….txt`).
- Names are shortened to MAX_NAME_BYTES keeping the whole suffix (`.txt`, `.jsonl.gz`).
- Files of one request that still share a name are stored as `story.txt`, `story-2.txt`, …
- After the ingest only files that produced an article stay; one that produced none
  (skipped: bad JSON, a bomb, empty) is removed, and the earlier version it replaced,
  if any, is put back.
- Reports name files, never server paths.
- `on_progress(articles_done, articles_total)` counts the upload's articles, never going back,
  even when the request falls back to one file at a time (docs/ingest.md, "Progress").
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
import threading
import traceback
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.errors import AssistantError, UnsupportedFileTypeError, UploadError, UploadTooLargeError
from assistant.ingest.loaders import SUPPORTED_SUFFIXES
from assistant.ingest.pipeline import ProgressCallback, count_items
from assistant.schema import IngestReport
from assistant.store.layout import store_folder

if TYPE_CHECKING:
    from assistant.assistant import Assistant

MAX_NAME_BYTES = 200  # UTF-8 bytes; file systems allow 255 and ".part"/".previous" are added while storing
_UNSAFE_CHARS = frozenset('<>:"/\\|?*')
_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
_RECORD_SUFFIX = re.compile(r"(?::\d+)?(?:\[\d+\])?$")  # "file.jsonl:3", "file.json[2]"
_PREVIOUS = ".previous"
_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


def accepted_suffixes() -> list[str]:
    return [*SUPPORTED_SUFFIXES, *(f"{s}.gz" for s in SUPPORTED_SUFFIXES)]


def _name_hash(name: str) -> str:
    return hashlib.sha1(name.encode("utf-8", "surrogatepass")).hexdigest()[:8]


def _safe_text(text: str) -> str:
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _fit(stem: str, limit: int) -> str:
    """`stem` cut (on a character boundary) to at most `limit` UTF-8 bytes."""
    while len(stem.encode("utf-8")) > limit:
        stem = stem[:-1]
    return stem


def split_suffix(name: str) -> tuple[str, str]:
    """(stem, suffix) with the longest accepted suffix (`.jsonl.gz` rather than `.gz`); suffix '' if none."""
    lowered = name.lower()
    matches = [s for s in accepted_suffixes() if lowered.endswith(s)]
    if not matches:
        return name, ""
    suffix = max(matches, key=len)
    return name[: len(name) - len(suffix)], name[len(name) - len(suffix) :]


def clean_file_name(name: str) -> str:
    """A file name with no folders and no unsafe characters; UploadError if its type is unsupported."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    kept = "".join(
        ch
        for ch in unicodedata.normalize("NFC", base)
        if ch not in _UNSAFE_CHARS and unicodedata.category(ch) not in _DROPPED_CATEGORIES
    )
    kept = kept.lstrip(" ").rstrip(" .")
    stem, suffix = split_suffix(kept)
    if not suffix:
        shown = _safe_text(base or name)
        if not kept.strip(" ."):
            raise UploadError(f"unusable file name {shown!r}")
        raise UnsupportedFileTypeError(
            f"unsupported file type: {shown!r} (accepted: {', '.join(SUPPORTED_SUFFIXES)}, also .gz)"
        )
    stem = stem.strip(" .")
    clean = f"{stem}{suffix}"
    if stem and clean == base and len(clean.encode("utf-8")) <= MAX_NAME_BYTES:
        return clean
    # Cleaning or shortening changed the name: a hash of the original keeps distinct names apart.
    tag = _name_hash(base)
    room = MAX_NAME_BYTES - len(f"-{tag}{suffix}".encode())
    stem = _fit(stem, room).rstrip(" .") or "file"
    return f"{stem}-{tag}{suffix}"


def distinct_names(names: list[str]) -> list[str]:
    """Clean names, with `-2`, `-3`, … before the suffix where files of one request share one."""
    cleaned = [clean_file_name(n) for n in names]
    taken = {c.casefold() for c in cleaned}
    used: set[str] = set()
    result = []
    for name in cleaned:
        stem, suffix = split_suffix(name)
        candidate, number = name, 1
        while candidate.casefold() in used or (number > 1 and candidate.casefold() in taken):
            number += 1
            tail = f"-{number}{suffix}"
            candidate = f"{_fit(stem, MAX_NAME_BYTES - len(tail.encode()))}{tail}"
        used.add(candidate.casefold())
        result.append(candidate)
    return result


def upload_dir(index_path: Path) -> Path:
    folder = Path(index_path) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@dataclass
class StoredUploads:
    """Files written for one request, and the earlier versions they replaced (kept until the ingest is known)."""

    paths: list[Path] = field(default_factory=list)
    previous: dict[Path, Path] = field(default_factory=dict)

    def finish(self, kept: set[Path]) -> None:
        """Keep the files that produced an article; remove the others, putting back what they replaced."""
        for path in self.paths:
            backup = self.previous.get(path)
            if path in kept:
                if backup is not None:
                    backup.unlink(missing_ok=True)
                continue
            path.unlink(missing_ok=True)
            if backup is not None:
                backup.replace(path)


def store_upload(index_path: Path, name: str, data: bytes, limit: int) -> Path:
    """Write one uploaded file atomically (replacing one of the same name) and return where it now lives."""
    _check_sizes([(name, data)], limit)
    target = upload_dir(index_path) / clean_file_name(name)
    partial = target.with_name(target.name + ".part")
    partial.write_bytes(data)
    partial.replace(target)
    return target


def _check_sizes(files: list[tuple[str, bytes]], limit: int) -> None:
    for name, data in files:
        if len(data) > limit:
            raise UploadTooLargeError(f"{_safe_text(name)!r} is {len(data):,} bytes; the limit is {limit:,} bytes")
    total = sum(len(data) for _, data in files)
    if total > limit:
        raise UploadTooLargeError(f"the files come to {total:,} bytes; the limit per upload is {limit:,} bytes")


def store_uploads(index_path: Path, files: list[tuple[str, bytes]], limit: int) -> StoredUploads:
    """Store several uploads, refusing the whole set (nothing written) if any name or size is unusable."""
    _check_sizes(files, limit)
    names = distinct_names([name for name, _ in files])
    folder = upload_dir(index_path)
    stored = StoredUploads()
    for name, (_, data) in zip(names, files, strict=True):
        target = folder / name
        if target.exists():
            backup = target.with_name(target.name + _PREVIOUS)
            target.replace(backup)
            stored.previous[target] = backup
        partial = target.with_name(target.name + ".part")
        partial.write_bytes(data)
        partial.replace(target)
        stored.paths.append(target)
    return stored


def _index_lock(index_path: Path) -> threading.Lock:
    key = os.path.realpath(index_path)
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(key, threading.Lock())


def _ingest_each_alone(
    assistant: Assistant, paths: list[Path], progress: bool, on_progress: ProgressCallback | None = None
) -> IngestReport:
    """Ingest file by file, so one file the loaders cannot handle is a skip, not the end of the request.

    `on_progress` goes on counting over all the files: each file's articles are counted first (a file
    whose loading fails counts as one), so the total is known before the first file is ingested.
    """
    report = IngestReport()
    sizes = [_count_or_one(p) for p in paths] if on_progress is not None else [0] * len(paths)
    counter = _FileByFile(on_progress, sizes)
    for number, path in enumerate(paths):
        try:
            step = partial(counter.within, number) if on_progress is not None else None
            report.merge(assistant.ingest([path], progress=progress, on_progress=step))
        except AssistantError:
            raise
        except Exception as exc:  # a loader fault on this one file
            traceback.print_exc(file=sys.stderr)
            report.skipped.append((str(path), f"could not be read ({type(exc).__name__})"))
        counter.within(number, counter.sizes[number], counter.sizes[number])  # this file is done
    return report


def _count_or_one(path: Path) -> int:
    try:
        return count_items([path])
    except Exception:  # the loader fault that made the request go file by file: one skip
        return 1


@dataclass
class _FileByFile:
    """One progress count over files ingested one at a time: each file's (done, total) shifted by the files before."""

    callback: ProgressCallback | None
    sizes: list[int]

    def within(self, number: int, done: int, _total: int) -> None:
        if self.callback is not None:
            self.callback(sum(self.sizes[:number]) + min(done, self.sizes[number]), sum(self.sizes))


@dataclass
class _NeverBack:
    """Passes on progress that moved forward only: a request that falls back to file by file counts again from 0."""

    callback: ProgressCallback
    done: int = -1

    def __call__(self, done: int, total: int) -> None:
        if done > self.done:
            self.done = done
            self.callback(done, total)


def _source_file(origin: str) -> str:
    return _RECORD_SUFFIX.sub("", origin)


def files_with_articles(assistant: Assistant, report: IngestReport, paths: list[Path]) -> set[Path]:
    """The stored files that an article of this ingest (added, updated or unchanged) was read from."""
    wanted = {os.path.realpath(p): p for p in paths}
    found: set[Path] = set()
    for article_id in (*report.added, *report.updated, *report.unchanged):
        if len(found) == len(wanted):
            break
        stored = assistant.article(article_id)
        if stored is None or not stored.origin:
            continue
        source = wanted.get(os.path.realpath(_source_file(stored.origin)))
        if source is not None:
            found.add(source)
    return found


def store_and_ingest(
    assistant: Assistant,
    files: list[tuple[str, bytes]],
    progress: bool = False,
    on_progress: ProgressCallback | None = None,
) -> IngestReport:
    """Store uploaded files, ingest them, keep only those that produced an article; a report by file name.

    One request at a time per index, so two uploads of one name can't undo each other's files.
    `on_progress(articles_done, articles_total)` counts the upload's articles (Assistant.ingest): called
    in this thread, first (0, total), never going back, last (total, total); no terminal bar with it.
    """
    index_path = store_folder(assistant.settings)  # a Chroma server's uploads live apart from the embedded index's
    on_progress = _NeverBack(on_progress) if on_progress is not None else None
    with _index_lock(index_path):
        stored = store_uploads(index_path, files, assistant.settings.max_upload_bytes)
        kept: set[Path] = set()
        try:
            try:
                report = assistant.ingest(stored.paths, progress=progress, on_progress=on_progress)
            except AssistantError:
                raise
            except Exception:  # a loader fault: try each file alone, so the good ones still go in
                traceback.print_exc(file=sys.stderr)
                report = _ingest_each_alone(assistant, stored.paths, progress, on_progress)
            kept = files_with_articles(assistant, report, stored.paths)
        finally:
            stored.finish(kept)
    return shown_by_file_name(report, folders=[upload_dir(index_path)])


def display_origin(origin: str) -> str:
    """Origins of stored uploads shown by file name only, never as a server path."""
    return os.path.basename(origin) or origin


def _without_folders(text: str, prefixes: list[str]) -> str:
    for prefix in prefixes:
        text = text.replace(prefix, "")
    return text


def shown_by_file_name(report: IngestReport, folders: Iterable[Path] = ()) -> IngestReport:
    """A copy of an ingest report whose origins name files, not server paths (also inside reasons)."""
    prefixes = sorted(
        {
            f"{form}{os.sep}"
            for folder in folders
            for form in (str(folder), os.path.realpath(folder), os.path.abspath(folder))
        },
        key=len,
        reverse=True,
    )
    return replace(
        report,
        skipped=[(display_origin(o), _without_folders(r, prefixes)) for o, r in report.skipped],
        cleaned=[(display_origin(o), _without_folders(r, prefixes)) for o, r in report.cleaned],
    )
