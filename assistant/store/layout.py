"""Where an index's files live, for an embedded store and for a Chroma server.

An embedded index keeps everything in `<index_dir>/<name>/` (catalog.sqlite, chroma/).
With a Chroma server the local catalog is only a cache of that server's collection, so
it lives apart, keyed by server URL and collection:
`<index_dir>/<name>/servers/<host>-<port>-<hash>/catalog.sqlite`. Switching between the
two never touches the other's files.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from urllib.parse import urlparse

from assistant.config import Settings

COLLECTION_PREFIX = "sentences"
CATALOG_FILE = "catalog.sqlite"


def collection_name(settings: Settings) -> str:
    """The Chroma collection: one per embedded folder, one per index name on a shared server."""
    return f"{COLLECTION_PREFIX}-{settings.index_name}" if settings.chroma_url else COLLECTION_PREFIX


def store_folder(settings: Settings) -> Path:
    """The folder holding this store's catalog and writer lock."""
    if not settings.chroma_url:
        return settings.index_path
    parsed = urlparse(settings.chroma_url)
    host = re.sub(r"[^A-Za-z0-9.-]", "_", parsed.hostname or "localhost")
    digest = hashlib.sha1(store_identity(settings).encode("utf-8")).hexdigest()[:10]
    return settings.index_path / "servers" / f"{host}-{parsed.port or 8000}-{digest}"


def store_identity(settings: Settings) -> str:
    """What a catalog is a catalog of: the embedded store, or one collection on one server.

    Recorded in the catalog when it is first opened (`sync.bind_catalog`), so a catalog is
    never reconciled against, or repaired from, another store than its own.
    """
    if not settings.chroma_url:
        return f"embedded|{collection_name(settings)}"
    return f"{settings.chroma_url.rstrip('/')}|{collection_name(settings)}"


def is_server_identity(identity: str) -> bool:
    return not identity.startswith("embedded|")


def catalog_path(settings: Settings) -> Path:
    return store_folder(settings) / CATALOG_FILE


def index_exists(settings: Settings) -> bool:
    """Whether the embedded index has been created (read-only commands must not create one)."""
    return catalog_path(settings).is_file() or (settings.index_path / "chroma").is_dir()
