"""Keep uploaded article files under the index folder, with safe names and a size limit.

An upload is stored as `<index>/uploads/<clean file name>`, so uploading the same
file name again updates that article (its id comes from the stored path) instead
of adding a twin.
"""

from __future__ import annotations

import os
import re
from dataclasses import replace
from pathlib import Path

from assistant.errors import UnsupportedFileTypeError, UploadError, UploadTooLargeError
from assistant.ingest.loaders import SUPPORTED_SUFFIXES
from assistant.schema import IngestReport

_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def accepted_suffixes() -> list[str]:
    return [*SUPPORTED_SUFFIXES, *(f"{s}.gz" for s in SUPPORTED_SUFFIXES)]


def clean_file_name(name: str) -> str:
    """A file name with no folders and no odd characters; UploadError if its type is unsupported."""
    base = _UNSAFE_NAME.sub("_", Path(name.replace("\\", "/")).name).strip("._")
    if not base:
        raise UploadError(f"unusable file name {name!r}")
    lowered = base.lower()
    if not any(lowered.endswith(suffix) for suffix in accepted_suffixes()):
        raise UnsupportedFileTypeError(
            f"unsupported file type: {name!r} (accepted: {', '.join(SUPPORTED_SUFFIXES)}, also .gz)"
        )
    return base[:200]


def upload_dir(index_path: Path) -> Path:
    folder = Path(index_path) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def store_upload(index_path: Path, name: str, data: bytes, limit: int) -> Path:
    """Write one uploaded file atomically and return where it now lives."""
    if len(data) > limit:
        raise UploadTooLargeError(f"{name!r} is {len(data):,} bytes; the limit is {limit:,} bytes")
    target = upload_dir(index_path) / clean_file_name(name)
    partial = target.with_name(target.name + ".part")
    partial.write_bytes(data)
    partial.replace(target)
    return target


def store_uploads(index_path: Path, files: list[tuple[str, bytes]], limit: int) -> list[Path]:
    """Store several uploads, refusing the whole set (nothing written) if any name is unusable."""
    for name, _ in files:
        clean_file_name(name)
    return [store_upload(index_path, name, data, limit) for name, data in files]


def display_origin(origin: str) -> str:
    """Origins of stored uploads shown by file name only, never as a server path."""
    return os.path.basename(origin) or origin


def shown_by_file_name(report: IngestReport) -> IngestReport:
    """A copy of an ingest report whose skipped/cleaned origins name files, not server paths."""
    return replace(
        report,
        skipped=[(display_origin(o), r) for o, r in report.skipped],
        cleaned=[(display_origin(o), r) for o, r in report.cleaned],
    )
