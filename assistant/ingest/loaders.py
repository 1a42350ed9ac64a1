"""Read articles from files (txt, md, html, json, jsonl, and .gz of those).

Every problem with one file or record becomes a `Skipped` with a reason instead
of an exception, so one bad file never stops the rest of an ingest.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.dates import parse_date
from assistant.schema import Article

__all__ = ["SUPPORTED_SUFFIXES", "Note", "Skipped", "article_from_record", "content_hash", "load_articles", "parse_date"]

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".json", ".jsonl")
MAX_ARTICLE_CHARS = 1_000_000
MAX_FILE_BYTES = 2_000_000_000
_UNSAFE_HTML = ("script", "style", "noscript", "template", "iframe", "object", "embed", "svg")
_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class Skipped:
    """An input that could not become an article, and why."""

    origin: str
    reason: str


@dataclass(frozen=True)
class Note:
    """Something changed while reading an input (e.g. scripts removed from HTML)."""

    origin: str
    message: str


LoadItem = Article | Skipped | Note


def slugify(value: str, limit: int = 60) -> str:
    return _SLUG.sub("-", value.lower()).strip("-")[:limit] or "article"


def short_hash(value: str, length: int = 12) -> str:
    return hashlib.sha1(value.encode("utf-8")).hexdigest()[:length]


def normalise_text(text: str) -> str:
    """Unify line endings and trim trailing spaces so equal articles hash equally."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    lines = [line.rstrip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def content_hash(article: Article) -> str:
    """Fingerprint of everything that ends up in the index for this article."""
    parts = [article.text, article.title, article.date or "", article.source, article.url, article.category]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def iter_input_files(paths: Iterable[str | Path]) -> Iterator[Path | Skipped]:
    """Expand folders recursively (sorted, hidden files ignored) into readable files."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and not any(p.startswith(".") for p in child.relative_to(path).parts):
                    yield (
                        child
                        if _suffix(child) in SUPPORTED_SUFFIXES
                        else Skipped(str(child), f"unsupported file type {_suffix(child) or '(none)'}")
                    )
        elif path.is_file():
            yield (
                path
                if _suffix(path) in SUPPORTED_SUFFIXES
                else Skipped(str(path), f"unsupported file type {_suffix(path) or '(none)'}")
            )
        else:
            yield Skipped(str(path), "no such file or folder")


def load_articles(paths: Iterable[str | Path]) -> Iterator[LoadItem]:
    """Yield articles, skips and notes for every input path, in a stable order."""
    for item in iter_input_files(paths):
        if isinstance(item, Skipped):
            yield item
            continue
        try:
            yield from _load_file(item)
        except OSError as exc:
            yield Skipped(str(item), f"unreadable: {exc.strerror or exc}")


def _suffix(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    return suffixes[-1] if suffixes else ""


def _read_bytes(path: Path) -> bytes:
    if path.stat().st_size > MAX_FILE_BYTES:
        raise OSError(f"file larger than {MAX_FILE_BYTES} bytes")
    if path.name.lower().endswith(".gz"):
        with gzip.open(path, "rb") as handle:
            try:
                return handle.read(MAX_FILE_BYTES + 1)
            except (gzip.BadGzipFile, EOFError) as exc:
                raise OSError(f"broken gzip file ({exc})") from exc
    return path.read_bytes()


def _decode(data: bytes, origin: str) -> str | Skipped:
    if b"\x00" in data[:8192]:
        return Skipped(origin, "binary file (contains NUL bytes)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return Skipped(origin, f"not valid UTF-8 (bad byte at offset {exc.start})")


def _load_file(path: Path) -> Iterator[LoadItem]:
    origin = str(path)
    decoded = _decode(_read_bytes(path), origin)
    if isinstance(decoded, Skipped):
        yield decoded
        return
    kind = _suffix(path)
    if kind == ".jsonl":
        for number, line in enumerate(decoded.splitlines(), start=1):
            if line.strip():
                yield from _from_json_text(line, f"{origin}:{number}", path)
    elif kind == ".json":
        yield from _from_json_text(decoded, origin, path)
    elif kind in (".html", ".htm"):
        yield from _from_html(decoded, origin, path)
    elif kind in (".md", ".markdown"):
        yield from _from_markdown(decoded, origin, path)
    else:
        yield from _finish(path.stem.replace("_", " ").replace("-", " "), decoded, {}, origin, path)


def _from_json_text(text: str, origin: str, path: Path) -> Iterator[LoadItem]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        yield Skipped(origin, f"malformed JSON ({exc.msg} at line {exc.lineno})")
        return
    records = data if isinstance(data, list) else [data]
    for number, record in enumerate(records):
        where = origin if len(records) == 1 else f"{origin}[{number}]"
        if not isinstance(record, dict):
            yield Skipped(where, "JSON record is not an object")
            continue
        yield article_from_record(record, where)


def article_from_record(record: dict[str, Any], origin: str) -> Article | Skipped:
    """One article from a JSON-like record (API payloads), with the same cleaning and ids as files."""
    body = record.get("text") or record.get("content") or record.get("body")
    if not isinstance(body, str):
        return Skipped(origin, "record has no text field")
    return next(_finish(str(record.get("title") or ""), body, record, origin, Path(origin)))


def _from_html(html: str, origin: str, path: Path) -> Iterator[LoadItem]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    removed = [tag for tag in soup.find_all(list(_UNSAFE_HTML))]
    for tag in removed:
        tag.decompose()
    if removed:
        yield Note(origin, f"removed {len(removed)} script/style/embedded element(s)")
    title_tag = soup.find("title") or soup.find("h1")
    title = title_tag.get_text(" ", strip=True) if title_tag else path.stem
    if soup.title:
        soup.title.decompose()
    body = soup.body or soup
    text = _block_text(body)
    yield from _finish(title, text, {}, origin, path)


_BLOCKS = (
    "p",
    "div",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "tr",
    "blockquote",
    "pre",
    "article",
    "section",
    "header",
    "footer",
    "table",
    "ul",
    "ol",
    "dd",
    "dt",
    "figcaption",
)


def _block_text(soup: Any) -> str:
    """Text of an HTML tree with one line per block element, inline markup joined."""
    for br in soup.find_all("br"):
        br.replace_with("\n")
    for block in soup.find_all(list(_BLOCKS)):
        block.insert_before("\n")
        block.insert_after("\n")
    raw = soup.get_text()
    lines = (" ".join(line.split()) for line in raw.split("\n"))
    return "\n".join(line for line in lines if line)


def _from_markdown(text: str, origin: str, path: Path) -> Iterator[LoadItem]:
    from bs4 import BeautifulSoup
    from markdown_it import MarkdownIt

    heading = re.search(r"^#\s+(.+)$", text, flags=re.MULTILINE)
    title = heading.group(1).strip() if heading else path.stem
    soup = BeautifulSoup(MarkdownIt().render(text), "html.parser")
    for tag in soup.find_all(list(_UNSAFE_HTML)):
        tag.decompose()
    first_h1 = soup.find("h1")
    if heading and first_h1:
        first_h1.decompose()
    yield from _finish(title, _block_text(soup), {}, origin, path)


def _finish(title: str, text: str, record: dict[str, Any], origin: str, path: Path) -> Iterator[LoadItem]:
    clean = normalise_text(text)
    if not clean:
        yield Skipped(origin, "empty article (no text)")
        return
    if len(clean) > MAX_ARTICLE_CHARS:
        yield Skipped(origin, f"article longer than {MAX_ARTICLE_CHARS:,} characters")
        return
    url = str(record.get("url") or "")
    yield Article(
        id=_article_id(record, url, clean, path, is_record=bool(record)),
        text=clean,
        title=" ".join(title.split()),
        date=parse_date(record.get("date") or record.get("publish_date")),
        source=str(record.get("source") or ""),
        url=url,
        category=str(record.get("category") or ""),
        origin=origin,
    )


def _article_id(record: dict[str, Any], url: str, text: str, path: Path, is_record: bool) -> str:
    """User id, else url, else file path (one-article files), else a hash of the text."""
    user_id = record.get("id")
    if user_id is not None and str(user_id).strip():
        return str(user_id).strip()
    if url:
        return f"url-{short_hash(url)}"
    if not is_record:
        return f"{slugify(path.name.split('.')[0])}-{short_hash(str(path.resolve()), 8)}"
    return f"text-{short_hash(text, 16)}"
