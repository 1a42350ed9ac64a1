"""Read articles from files (txt, md, html, json, jsonl, and .gz of those).

Every problem with one file or record becomes a `Skipped` with a reason instead
of an exception, so one bad file never stops the rest of an ingest.

Every entry point (CLI, JSON API, file upload, UI, Python API) reads through here:
`load_articles(paths)` for files and folders, `article_from_record(record, origin)` for
JSON-like records, so the limits below hold for all of them. Files are read with budgets
(docs/security.md, "Hostile files"): decompressed bytes are counted while they are read
(a gzip bomb stops at the cap), .jsonl is read line by line, JSON is checked for depth and
size before it is parsed, and one file yields at most MAX_REASONS_PER_FILE skip reasons
and notes, then one line counting the rest.

Files read whole (.txt .md .html .json) are UTF-8, or else read in the encoding
`encodings.decode_document` detects (a note names it); .jsonl lines must be UTF-8. Plain
text and markdown carry their own metadata: front matter, a headline line (.txt), a
dateline (`text_metadata.py`; the rules are in docs/ingest.md).
"""

from __future__ import annotations

import errno
import gzip
import hashlib
import io
import json
import os
import re
import stat
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from assistant.dates import check_date, parse_date
from assistant.ingest.encodings import Decoded, decode_document
from assistant.ingest.text_metadata import read_front_matter, read_text_metadata
from assistant.schema import Article, IngestReport

__all__ = [
    "MAX_ARTICLE_CHARS",
    "MAX_CATEGORY_CHARS",
    "MAX_DECOMPRESSED_BYTES",
    "MAX_DOCUMENT_BYTES",
    "MAX_ID_CHARS",
    "MAX_JSON_DEPTH",
    "MAX_JSON_VALUES",
    "MAX_LINES_PER_FILE",
    "MAX_LINE_BYTES",
    "MAX_MARKDOWN_CHARS",
    "MAX_REASONS_PER_FILE",
    "MAX_SKIPPED_LINES",
    "MAX_SOURCE_CHARS",
    "MAX_TITLE_CHARS",
    "MAX_URL_CHARS",
    "SUPPORTED_SUFFIXES",
    "Note",
    "Skipped",
    "article_from_record",
    "content_hash",
    "load_articles",
    "parse_date",
]

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".json", ".jsonl")

# --- limits (docs/security.md lists each one) ---------------------------------------------
MAX_ARTICLE_CHARS = 1_000_000  # article text, after cleaning
MAX_DECOMPRESSED_BYTES = 200_000_000  # one .jsonl file (read line by line), after gunzip: 10x the upload limit
MAX_DOCUMENT_BYTES = 20_000_000  # one .txt/.md/.html/.json file (read whole), after gunzip
MAX_MARKDOWN_CHARS = 2_000_000  # markdown source handed to the renderer (its worst cases: ~12-18 us a character)
MAX_LINE_BYTES = 16_000_000  # one .jsonl line (a 1M-character article with every character \u-escaped fits)
MAX_LINES_PER_FILE = 1_000_000  # lines of one .jsonl file, records of one .json file
MAX_SKIPPED_LINES = 10_000  # a .jsonl file with more skipped lines than this is not read further
MAX_JSON_DEPTH = 100  # nesting of one JSON document (a .json file, a .jsonl line)
MAX_JSON_VALUES = 1_000_000  # values in one JSON document (bounds the memory json.loads may take)
MAX_REASONS_PER_FILE = 20  # skip reasons (and, apart, notes) listed per file; the rest are counted on one line
MAX_ID_CHARS = 200  # the API's article path limit
MAX_TITLE_CHARS = 1_000
MAX_SOURCE_CHARS = 200
MAX_CATEGORY_CHARS = 200
MAX_URL_CHARS = 2_000

_CHUNK = 1 << 16
_HEAD_BYTES = 8192  # a NUL byte in the first 8 KB marks a binary file
_UNSAFE_HTML = ("script", "style", "noscript", "template", "iframe", "object", "embed", "svg")
_SLUG = re.compile(r"[^a-z0-9]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # C0, DEL, C1
_CONTROL_NOT_SPACE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # the same, less \t \n \r
_SURROGATE = re.compile(r"[\ud800-\udfff]")  # lone: JSON "\ud800" escapes and undecodable file names
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)  # an unterminated string runs to the end
_JSON_BRACKETS = re.compile(r"[^\[\]{}]+")
_TAG_START = re.compile(r"<[A-Za-z/!?]")
_TAG_OR_BLANK_LINE = re.compile(r"<[A-Za-z/!?]|\n[ \t]*\n")
_WATCHED_TAG = re.compile(r"<(?:script|style|noscript|template|iframe|object|svg|title)", re.I)  # else no scan needed


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


class _Refused(Exception):
    """A file (or the rest of it) is not read: the reason goes to the report."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


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


# --- finding the files ----------------------------------------------------------------------
def iter_input_files(paths: Iterable[str | Path]) -> Iterator[Path | Skipped]:
    """Expand folders recursively (sorted, hidden files ignored) into readable files.

    Everything else found is listed with its reason: FIFOs, sockets and devices (never
    opened), broken links, link loops, links to folders (not followed, as before), unreadable
    folders, unsupported suffixes and file names that are not valid UTF-8.
    """
    for raw in paths:
        try:
            path = Path(raw)
            kind, problem = _kind(path)
        except (ValueError, TypeError) as exc:  # a NUL byte in the path, a path that is no path
            yield Skipped(_shown(str(raw)), f"not a usable path ({exc})")
            continue
        if kind == "folder":
            yield from _scan_folder(path)
        elif kind == "file":
            yield _supported(path)
        else:
            yield Skipped(_shown(str(path)), problem)


def _kind(path: Path, entry: os.DirEntry[str] | None = None) -> tuple[str, str]:
    """("folder" | "file" | "other", reason for "other"); links followed, as before."""
    try:
        mode = entry.stat().st_mode if entry is not None else os.stat(path).st_mode
    except FileNotFoundError:
        return "other", ("broken symbolic link" if os.path.lexists(path) else "no such file or folder")
    except NotADirectoryError:
        return "other", "no such file or folder"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "other", "symbolic link loop"
        return "other", f"unreadable: {exc.strerror or exc}"
    if stat.S_ISDIR(mode):
        return "folder", ""
    if stat.S_ISREG(mode):
        return "file", ""
    return "other", f"not a regular file ({_special_kind(mode)})"


def _special_kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISFIFO, "FIFO"),
        (stat.S_ISSOCK, "socket"),
        (stat.S_ISCHR, "character device"),
        (stat.S_ISBLK, "block device"),
    ):
        if test(mode):
            return name
    return "special file"


def _scan_folder(root: Path) -> Iterator[Path | Skipped]:
    """Depth first with each folder's entries sorted by name: the order sorted(rglob) gave."""
    stack: list[tuple[Path, Iterator[os.DirEntry[str]]]] = []
    entries = _list_folder(root)
    if isinstance(entries, Skipped):
        yield entries
        return
    stack.append((root, iter(entries)))
    while stack:
        folder, pending = stack[-1]
        entry = next(pending, None)
        if entry is None:
            stack.pop()
            continue
        if entry.name.startswith("."):
            continue  # hidden files and folders are ignored (as always)
        child = folder / entry.name
        try:
            is_folder = entry.is_dir(follow_symlinks=False)
        except OSError as exc:
            yield Skipped(_shown(str(child)), f"unreadable: {exc.strerror or exc}")
            continue
        if is_folder:
            listed = _list_folder(child)
            if isinstance(listed, Skipped):
                yield listed
            else:
                stack.append((child, iter(listed)))
            continue
        kind, problem = _kind(child, entry)
        if kind == "file":
            yield _supported(child)
        elif kind == "folder":  # only through a link
            yield Skipped(_shown(str(child)), "symbolic link to a folder (not followed)")
        else:
            yield Skipped(_shown(str(child)), problem)


def _list_folder(folder: Path) -> list[os.DirEntry[str]] | Skipped:
    try:
        with os.scandir(folder) as found:
            return sorted(found, key=lambda e: e.name)
    except OSError as exc:
        return Skipped(_shown(str(folder)), f"unreadable folder: {exc.strerror or exc}")


def _supported(path: Path) -> Path | Skipped:
    name = str(path)
    if _SURROGATE.search(name):
        return Skipped(_shown(name), "file name is not valid UTF-8")
    kind = _suffix(path)
    return path if kind in SUPPORTED_SUFFIXES else Skipped(name, f"unsupported file type {kind or '(none)'}")


def _shown(text: str) -> str:
    """A path as it can be printed and stored (undecodable bytes as U+FFFD)."""
    return _SURROGATE.sub("\ufffd", text)


def _suffix(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    return suffixes[-1] if suffixes else ""


# --- reading with budgets -------------------------------------------------------------------
def load_articles(paths: Iterable[str | Path], max_total_bytes: int | None = None) -> Iterator[LoadItem]:
    """Yield articles, skips and notes for every input path, in a stable order.

    `max_total_bytes` caps the bytes read (after gunzip) over all the files together, e.g.
    for one upload request; once it is spent, the file being read and those after it are
    skipped with that reason. None (the default, the CLI's) caps each file only.
    """
    budget = _Budget(max_total_bytes)
    for item in iter_input_files(paths):
        if isinstance(item, Skipped):
            yield item
            continue
        unit = "lines" if _suffix(item) == ".jsonl" else "records"
        if budget.spent():
            yield Skipped(str(item), budget.refusal)
            continue
        yield from _cap_reasons(_load_file_safely(item, budget), str(item), unit)


@dataclass
class _Budget:
    """Bytes that all the files of one load_articles call may still deliver."""

    total: int | None
    used: int = 0

    @property
    def refusal(self) -> str:
        return f"not read: the {self.total:,} bytes allowed for all the files together were used up"

    def spent(self) -> bool:
        return self.total is not None and self.used >= self.total


def _load_file_safely(path: Path, budget: _Budget) -> Iterator[LoadItem]:
    origin = str(path)
    try:
        yield from _load_file(path, budget)
    except _Refused as exc:
        yield Skipped(origin, exc.reason)
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        yield Skipped(origin, f"broken gzip file ({exc})")
    except OSError as exc:
        yield Skipped(origin, f"unreadable: {exc.strerror or exc}")
    except RecursionError:
        yield Skipped(origin, "nested too deeply to read")


def _cap_reasons(items: Iterator[LoadItem], origin: str, unit: str) -> Iterator[LoadItem]:
    """At most MAX_REASONS_PER_FILE skips and notes about one file's records; the rest counted."""
    skips = notes = 0
    more_skips: Counter[str] = Counter()
    for item in items:
        if isinstance(item, Skipped) and item.origin != origin:
            skips += 1
            if skips > MAX_REASONS_PER_FILE:
                more_skips[item.reason.split(" (")[0]] += 1
                continue
        elif isinstance(item, Note) and item.origin != origin:
            notes += 1
            if notes > MAX_REASONS_PER_FILE:
                continue
        yield item
    if more_skips:
        kinds = ", ".join(f"{count:,} {kind}" for kind, count in more_skips.most_common(3))
        others = "" if len(more_skips) <= 3 else ", ..."
        yield Skipped(origin, f"… and {sum(more_skips.values()):,} more {unit} skipped ({kinds}{others})")
    if notes > MAX_REASONS_PER_FILE:
        yield Note(origin, f"… and {notes - MAX_REASONS_PER_FILE:,} more notes about its {unit}")


class _Counted(io.RawIOBase):
    """Bytes from `source`, refused as soon as more than `limit` of them have been read."""

    def __init__(self, source: Any, limit: int, refusal: str, budget: _Budget) -> None:
        self._source = source
        self._limit = limit
        self._refusal = refusal
        self._budget = budget
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        got = self._source.readinto(buffer) or 0
        self.count += got
        self._budget.used += got
        if self.count > self._limit:
            raise _Refused(self._refusal)
        if self._budget.total is not None and self._budget.used > self._budget.total:
            raise _Refused(self._budget.refusal.replace("not read", "not read to the end", 1))
        return got


def _open(path: Path, limit: int, stack: ExitStack, budget: _Budget) -> io.BufferedReader:
    """The file's bytes (gunzipped for .gz) through a reader that stops at `limit` bytes.

    Opened without blocking and checked to be a regular file once open, so a FIFO put in
    place after the folder scan is refused instead of waited on.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    raw = stack.enter_context(io.FileIO(fd, "rb", closefd=True))
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        raise _Refused(f"not a regular file ({_special_kind(mode)})")
    what = f"the limit for a {_suffix(path)} file" + (
        "; use .jsonl, one record a line, for more" if _suffix(path) == ".json" else ""
    )
    if path.name.lower().endswith(".gz"):
        source: Any = stack.enter_context(gzip.GzipFile(fileobj=io.BufferedReader(raw, _CHUNK), mode="rb"))
        refusal = f"decompressed size over {limit:,} bytes ({what})"
    else:
        size = os.fstat(fd).st_size
        if size > limit:
            raise _Refused(f"file larger than {limit:,} bytes ({what}): {size:,} bytes")
        source, refusal = raw, f"file larger than {limit:,} bytes ({what})"
    return stack.enter_context(io.BufferedReader(_Counted(source, limit, refusal, budget), _CHUNK))


def _read_bytes(path: Path, budget: _Budget) -> bytes:
    with ExitStack() as stack:
        return _open(path, MAX_DOCUMENT_BYTES, stack, budget).read()


def _decode(data: bytes, origin: str) -> Decoded | Skipped:
    """UTF-8 (BOM or not), else the encoding detected; binary and undecodable files skipped (encodings.py)."""
    decoded = decode_document(data)
    return Skipped(origin, decoded) if isinstance(decoded, str) else decoded


def _load_file(path: Path, budget: _Budget) -> Iterator[LoadItem]:
    origin = str(path)
    kind = _suffix(path)
    if kind == ".jsonl":
        yield from _from_jsonl(path, origin, budget)
        return
    decoded = _decode(_read_bytes(path, budget), origin)
    if isinstance(decoded, Skipped):
        yield decoded
        return
    if decoded.note:
        yield Note(origin, decoded.note)
    if kind == ".json":
        yield from _from_json_text(decoded.text, origin, path)
    elif kind in (".html", ".htm"):
        yield from _from_html(decoded.text, origin, path)
    elif kind in (".md", ".markdown"):
        yield from _from_markdown(decoded.text, origin, path)
    else:
        yield from _from_plain_text(decoded.text, origin, path)


def _from_plain_text(text: str, origin: str, path: Path) -> Iterator[LoadItem]:
    """Front matter, a headline line and a dateline give the metadata (text_metadata.py); else the file name is the title."""
    found = read_text_metadata(text, date.today())
    yield from (Note(origin, note) for note in found.notes)
    record = found.fields()
    title = record.pop("title", None) or path.stem.replace("_", " ").replace("-", " ")
    yield from _finish(title, found.text, record, origin, path, is_record=False)


def _from_jsonl(path: Path, origin: str, budget: _Budget) -> Iterator[LoadItem]:
    """One record per line, read line by line: memory stays at about one line.

    Lines are numbered as str.splitlines numbers them (as when the file was read whole).
    """
    number = skipped = 0
    try:
        with ExitStack() as stack:
            reader = _open(path, MAX_DECOMPRESSED_BYTES, stack, budget)
            if b"\x00" in reader.peek(_HEAD_BYTES)[:_HEAD_BYTES]:
                yield Skipped(origin, "binary file (contains NUL bytes)")
                return
            physical = 0
            while raw := reader.readline(MAX_LINE_BYTES + 1):
                physical += 1
                if physical > MAX_LINES_PER_FILE:
                    yield Skipped(origin, f"more than {MAX_LINES_PER_FILE:,} lines: the rest of the file was not read")
                    return
                if physical == 1 and raw.startswith(b"\xef\xbb\xbf"):
                    raw = raw[3:]
                if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
                    number += 1
                    yield Skipped(f"{origin}:{number}", f"line longer than {MAX_LINE_BYTES:,} bytes")
                    while raw and not raw.endswith(b"\n"):  # the rest of the line, not kept
                        raw = reader.readline(_CHUNK)
                    continue
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    number += 1
                    yield Skipped(f"{origin}:{number}", f"not valid UTF-8 (bad byte at offset {exc.start} of the line)")
                    continue
                for line in text.splitlines():
                    number += 1
                    if not line or line.isspace():
                        continue
                    for item in _from_json_text(line, f"{origin}:{number}", path):
                        skipped += isinstance(item, Skipped)
                        yield item
                if skipped > MAX_SKIPPED_LINES:
                    yield Skipped(
                        origin, f"more than {MAX_SKIPPED_LINES:,} lines skipped: the rest of the file was not read"
                    )
                    return
    except _Refused as exc:
        yield Skipped(origin, f"{exc.reason}: lines after {number:,} were not read" if number else exc.reason)
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        after = f": lines after {number:,} were not read" if number else ""
        yield Skipped(origin, f"broken gzip file ({exc}){after}")


def _json_shape_problem(text: str) -> str | None:
    """Why a JSON document is too deep or too big to parse, checked before json.loads.

    Brackets and commas are counted outside strings (strings are cut out first, in C), and
    only when a plain count of them, strings included, could pass a limit at all.
    """
    opens = text.count("[") + text.count("{")
    if opens <= MAX_JSON_DEPTH and opens + text.count(",") < MAX_JSON_VALUES:
        return None
    skeleton = _JSON_STRING.sub("", text)
    opens = skeleton.count("[") + skeleton.count("{")
    if opens + skeleton.count(",") >= MAX_JSON_VALUES:
        return f"JSON with more than {MAX_JSON_VALUES:,} values"
    if opens <= MAX_JSON_DEPTH:
        return None
    depth = 0
    for char in _JSON_BRACKETS.sub("", skeleton):
        depth = depth + 1 if char in "[{" else depth - 1
        if depth > MAX_JSON_DEPTH:
            return f"JSON nested deeper than {MAX_JSON_DEPTH} levels"
    return None


def json_error_text(exc: json.JSONDecodeError) -> str:
    """What is wrong and where, said once ("Unterminated string starting at column 5"): some of json's
    messages end in "at" themselves. The line is named only for a document of several lines (a .jsonl
    line's number is in its origin)."""
    what = exc.msg.removesuffix(" at")
    where = f"line {exc.lineno}, column {exc.colno}" if "\n" in exc.doc else f"column {exc.colno}"
    return f"{what} at {where}"


def _from_json_text(text: str, origin: str, path: Path) -> Iterator[LoadItem]:
    problem = _json_shape_problem(text)
    if problem:
        yield Skipped(origin, problem)
        return
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        yield Skipped(origin, f"malformed JSON ({json_error_text(exc)})")
        return
    except RecursionError:  # not reached below MAX_JSON_DEPTH; kept as a backstop
        yield Skipped(origin, f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
        return
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        yield Skipped(origin, f"malformed JSON ({str(exc).split(':')[0]})")
        return
    records = data if isinstance(data, list) else [data]
    if len(records) > MAX_LINES_PER_FILE:
        yield Skipped(origin, f"more than {MAX_LINES_PER_FILE:,} records: the file was not read")
        return
    for number, record in enumerate(records):
        where = origin if len(records) == 1 else f"{origin}[{number}]"
        if not isinstance(record, dict):
            yield Skipped(where, "JSON record is not an object")
            continue
        yield from _record_items(record, where)


# --- records --------------------------------------------------------------------------------
def article_from_record(record: dict[str, Any], origin: str, notes: list[Note] | None = None) -> Article | Skipped:
    """One article from a JSON-like record (API payloads), with the same cleaning, ids and limits as files.

    What was changed on the way (a date that is no date, a url dropped, ...) is appended to
    `notes` when a list is given, for the caller's report.
    """
    result: Article | Skipped = Skipped(origin, "record is not an object")
    for item in _record_items(record, origin) if isinstance(record, dict) else ():
        if isinstance(item, Note):
            if notes is not None:
                notes.append(item)
        else:
            result = item
    return result


def _record_items(record: dict[str, Any], origin: str) -> Iterator[LoadItem]:
    body = record.get("text") or record.get("content") or record.get("body")
    if not isinstance(body, str):
        yield Skipped(origin, "record has no text field")
        return
    yield from _finish(record.get("title") or "", body, record, origin, Path(origin))


# --- HTML and markdown ----------------------------------------------------------------------
class _UnclosedScanner(HTMLParser):
    """Finds unsafe elements (and <title>) that are never closed, tokenizing as bs4's html.parser does.

    html.parser puts everything after an unclosed <script>, <iframe>, <svg/onload=...>, ...
    inside that element, so removing it removed the rest of the page. Each unclosed one is
    ended at the next tag instead: its own text goes, the page after it stays.
    """

    _RAW = ("script", "style")  # html.parser reads these up to their end tag, as raw text
    _WATCHED = frozenset((*_UNSAFE_HTML, "title")) - {"embed"}  # embed is void: closed at once

    def __init__(self, source: str, markdown: bool = False) -> None:
        super().__init__(convert_charrefs=False)
        self.source = source
        # rendered markdown keeps the rest of the page as raw text after an unclosed <script>
        # (an HTML block runs to the end): there a blank line ends an unclosed element too
        self._raw_end = _TAG_OR_BLANK_LINE if markdown else _TAG_START
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", source)]
        self.last_close = {
            name: max((m.end() for m in re.finditer(rf"</\s*{name}\s*>", source, re.I)), default=-1)
            for name in self._RAW
        }
        self.open: dict[str, list[int]] = {}
        self.closes: list[tuple[int, str]] = []  # (offset, element name) where an end tag goes in
        self._raw_unclosed = False

    def _offset(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def _next_tag(self, offset: int, pattern: re.Pattern[str] = _TAG_START) -> int:
        found = pattern.search(self.source, offset)
        return found.start() if found else len(self.source)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self._WATCHED:
            return
        end = self._offset() + len(self.get_starttag_text() or "")
        if tag in self._RAW:
            self._raw_unclosed = self.last_close[tag] <= end
            if self._raw_unclosed:
                self.closes.append((self._next_tag(end, self._raw_end), tag))
        else:
            self.open.setdefault(tag, []).append(end)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        pass  # <svg/>, <script/>: bs4 closes them at once

    def handle_endtag(self, tag: str) -> None:
        if self.open.get(tag):
            self.open[tag].pop()

    def set_cdata_mode(self, elem: str) -> None:
        if not self._raw_unclosed:  # an unclosed one is read on as ordinary HTML
            super().set_cdata_mode(elem)
        self._raw_unclosed = False

    def closed_source(self) -> tuple[str, Counter[str]]:
        self.feed(self.source)
        self.close()
        for tag, ends in self.open.items():
            self.closes += [(self._next_tag(end, self._raw_end), tag) for end in ends]
        if not self.closes:
            return self.source, Counter()
        pieces, last = [], 0
        for offset, tag in sorted(self.closes):
            pieces += [self.source[last:offset], f"</{tag}>"]
            last = offset
        pieces.append(self.source[last:])
        return "".join(pieces), Counter(tag for _, tag in self.closes)


def _soup(html: str, origin: str, markdown: bool = False) -> tuple[Any, Counter[str]] | Skipped:
    """The parsed page and the unclosed elements that were ended early (or why it cannot be read)."""
    from bs4 import BeautifulSoup, ParserRejectedMarkup

    try:
        closed, unclosed = (
            _UnclosedScanner(html, markdown).closed_source() if _WATCHED_TAG.search(html) else (html, Counter())
        )
        return BeautifulSoup(closed, "html.parser"), unclosed
    except (AssertionError, ParserRejectedMarkup) as exc:  # e.g. "<![bogus[" (html.parser asserts)
        detail = str(exc).strip().splitlines()[-1].strip() if str(exc).strip() else type(exc).__name__
        detail = detail.removeprefix("AssertionError: ")
        return Skipped(origin, f"HTML the parser rejects ({detail[:200]})")


def _unsafe_notes(soup: Any, unclosed: Counter[str], origin: str) -> Iterator[Note]:
    removed = Counter(tag.name for tag in soup.find_all(list(_UNSAFE_HTML)))
    if removed:
        detail = ", ".join(f"{count} {name}" for name, count in removed.items())
        yield Note(origin, f"removed {sum(removed.values())} element(s): {detail}")
    if unclosed:
        tags = ", ".join(f"{count} <{name}>" for name, count in unclosed.items())
        yield Note(origin, f"{tags} never closed: ended early, the text after it kept")


# The tree is never changed: unsafe elements (and the <title>, and markdown's first <h1>)
# are left out as it is walked. Removing them one by one (decompose) and inserting line
# breaks took time quadratic in the number of siblings and in the nesting depth: 1.4 MB of
# plain paragraphs took 280 s. The text is the same as what that gave.


def _walk(root: Any, skip: frozenset[int] = frozenset()) -> Iterator[tuple[int, Any]]:
    """(+1, tag) on entering, (-1, tag) on leaving, (0, string) for each string, in document
    order, leaving out unsafe elements and the nodes whose id() is in `skip`."""
    from bs4 import Tag

    unsafe = frozenset(_UNSAFE_HTML)
    stack: list[tuple[Any, Iterator[Any]]] = [(root, iter(root.contents))]
    while stack:
        tag, children = stack[-1]
        node = next(children, None)
        if node is None:
            stack.pop()
            if stack:
                yield -1, tag
        elif isinstance(node, Tag):
            if node.name not in unsafe and id(node) not in skip:
                yield 1, node
                stack.append((node, iter(node.contents)))
        elif id(node) not in skip:
            yield 0, node


def _first(root: Any, name: str, skip: frozenset[int] = frozenset()) -> Any:
    """The first element called `name` outside unsafe elements (what find() gave once they were removed)."""
    return next((node for step, node in _walk(root, skip) if step == 1 and node.name == name), None)


def _string_types(tag: Any) -> Any:
    """The string classes get_text() on `tag` returns (not comments, scripts, <rt>, ...)."""
    types = tag.interesting_string_types
    types = tag.MAIN_CONTENT_STRING_TYPES if types is None else types
    return (lambda kind: kind is types) if isinstance(types, type) else (lambda kind: kind in types)


def _inline_text(tag: Any) -> str:
    """tag.get_text(" ", strip=True), less unsafe elements."""
    wanted = _string_types(tag)
    strings = (str(node).strip() for step, node in _walk(tag) if step == 0 and wanted(type(node)))
    return " ".join(text for text in strings if text)


def _from_html(html: str, origin: str, path: Path) -> Iterator[LoadItem]:
    parsed = _soup(html, origin)
    if isinstance(parsed, Skipped):
        yield parsed
        return
    soup, unclosed = parsed
    yield from _unsafe_notes(soup, unclosed, origin)
    first_title = _first(soup, "title")
    title_tag = first_title or _first(soup, "h1")
    title = _inline_text(title_tag) if title_tag else path.stem
    skip = frozenset({id(first_title)} if first_title else ())
    body = _first(soup, "body", skip) or soup
    yield from _finish(title, _block_text(body, skip), {}, origin, path)


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


def _block_text(root: Any, skip: frozenset[int] = frozenset()) -> str:
    """Text of an HTML tree with one line per block element, inline markup joined.

    A line break at each <br> and around each block element, and the strings get_text()
    gives; unsafe elements and `skip` left out.
    """
    wanted = _string_types(root)
    blocks = frozenset(_BLOCKS)
    pieces: list[str] = []
    for step, node in _walk(root, skip):
        if step == 0:
            if wanted(type(node)):
                pieces.append(str(node))
        elif node.name in blocks or (step == 1 and node.name == "br"):  # a block's start and end, a <br>
            pieces.append("\n")
    lines = (" ".join(line.split()) for line in "".join(pieces).split("\n"))
    return "\n".join(line for line in lines if line)


def _from_markdown(text: str, origin: str, path: Path) -> Iterator[LoadItem]:
    """Front matter and a dateline are read as in .txt files; the title is front matter's, else the first `# heading`."""
    from markdown_it import MarkdownIt

    if len(text) > MAX_MARKDOWN_CHARS:
        yield Skipped(origin, f"markdown longer than {MAX_MARKDOWN_CHARS:,} characters")
        return
    front = read_front_matter(text)  # the dateline is read from the rendered text, below
    text = front.text
    record = dict(front.explicit)
    heading = re.search(r"^#\s+(.+)$", text, flags=re.MULTILINE)
    title = record.pop("title", None) or (heading.group(1).strip() if heading else path.stem)
    parsed = _soup(MarkdownIt().render(text), origin, markdown=True)
    if isinstance(parsed, Skipped):
        yield parsed
        return
    soup, unclosed = parsed
    yield from _unsafe_notes(soup, unclosed, origin)
    first_h1 = _first(soup, "h1") if heading else None
    skip = frozenset({id(first_h1)} if first_h1 else ())
    found = read_text_metadata(_block_text(soup, skip), date.today(), headline=False, front_matter=False)
    yield from (Note(origin, note) for note in (*front.notes, *found.notes))
    yield from _finish(title, found.text, {**found.inferred, **record}, origin, path, is_record=False)


# --- one article, with the limits of every entry point ---------------------------------------
def _field(record: dict[str, Any], name: str, origin: str) -> tuple[str, Note | None]:
    """A metadata field as text; lists and objects are not text (ignored, with a note)."""
    value = record.get(name)
    if isinstance(value, (dict, list, tuple, set)):
        kind = "a list" if isinstance(value, (list, tuple, set)) else "an object"
        return "", Note(origin, f"field {name!r} is {kind}, not text: ignored")
    return str(value or ""), None


def _unsurrogate(value: str, what: str, origin: str) -> tuple[str, Note | None]:
    try:
        value.encode("utf-8")  # many times faster than a regex search over a long text
        return value, None
    except UnicodeEncodeError:  # only lone surrogates fail
        pass
    fixed, count = _SURROGATE.subn("\ufffd", value)
    note = (
        Note(origin, f"{what}: replaced {count} invalid character(s) (lone surrogates) with U+FFFD") if count else None
    )
    return fixed, note


def _url_problem(url: str) -> str | None:
    if len(url) > MAX_URL_CHARS:
        return f"longer than {MAX_URL_CHARS:,} characters"
    if _CONTROL_NOT_SPACE.search(url) or _SURROGATE.search(url):
        return "contains control characters"
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return "not a valid address"
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return "only http(s) addresses are kept"
    return None


def _brief(value: Any, limit: int = 60) -> str:
    """A value as a note quotes it: short, escaped, never a whole nested structure."""
    if not isinstance(value, (str, int, float)):
        return f"of type {type(value).__name__}"
    text = str(value) if not isinstance(value, int) or abs(value) < 10**limit else "a very long number"
    return repr(text if len(text) <= limit else text[:limit] + "…")


def _strip_controls(value: str) -> str:
    return _CONTROL_NOT_SPACE.sub("", value).translate({9: " ", 10: " ", 13: " "})


def _finish(
    title: Any, text: str, record: dict[str, Any], origin: str, path: Path, is_record: bool | None = None
) -> Iterator[LoadItem]:
    """One article with every limit applied. `record` holds metadata fields (a JSON record, or what a
    text file's front matter and dateline said); `is_record` False: a one-article file, whose id comes
    from its path (default: whether `record` has anything)."""
    clean = normalise_text(text)
    if not clean:
        yield Skipped(origin, "empty article (no text)")
        return
    if len(clean) > MAX_ARTICLE_CHARS:
        yield Skipped(origin, f"article longer than {MAX_ARTICLE_CHARS:,} characters")
        return
    notes: list[Note | None] = []
    if isinstance(title, (dict, list)):
        title, note = "", Note(origin, "field 'title' is not text: ignored")
        notes.append(note)
    title = " ".join(str(title).split())
    source, note = _field(record, "source", origin)
    notes.append(note)
    category, note = _field(record, "category", origin)
    notes.append(note)
    url, note = _field(record, "url", origin)
    notes.append(note)
    for name, value, limit in (
        ("title", title, MAX_TITLE_CHARS),
        ("source", source, MAX_SOURCE_CHARS),
        ("category", category, MAX_CATEGORY_CHARS),
    ):
        if len(value) > limit:
            yield Skipped(origin, f"{name} longer than {limit:,} characters")
            return
    if _CONTROL.search(title) or _CONTROL.search(source) or _CONTROL.search(category):
        title, source, category = (_strip_controls(v) for v in (title, source, category))
        notes.append(Note(origin, "removed control characters from the title, source or category"))
    cleaned = {"text": clean, "title": title, "source": source, "category": category}
    for name, value in cleaned.items():
        cleaned[name], note = _unsurrogate(value, name, origin)
        notes.append(note)
    clean, title, source, category = cleaned.values()
    problem = _url_problem(url) if url else None
    if problem:
        notes.append(Note(origin, f"url {_brief(url)} dropped: {problem}"))
        url = ""
    raw_date = record.get("date") or record.get("publish_date")
    day, why = check_date(raw_date)
    if why:
        notes.append(Note(origin, f"date {_brief(raw_date, 40)} is not a valid date ({why}); stored without a date"))
    is_record = bool(record) if is_record is None else is_record
    article_id = _article_id(record, url, clean, path, origin, is_record=is_record)
    if isinstance(article_id, Skipped):
        yield article_id
        return
    yield from (n for n in notes if n is not None)
    yield Article(
        id=article_id,
        text=clean,
        title=title,
        date=day,
        source=source,
        url=url,
        category=category,
        origin=origin,
    )


def _article_id(record: dict[str, Any], url: str, text: str, path: Path, origin: str, is_record: bool) -> str | Skipped:
    """User id, else file path (one-article files, whatever url their front matter gives), else url, else a
    hash of the text."""
    user_id = record.get("id")
    if user_id is not None:
        if isinstance(user_id, (dict, list, tuple, set)):
            return Skipped(origin, "id must be text or a number")
        try:
            given = str(user_id).strip()
        except ValueError:  # an integer of more than 4,300 digits
            return Skipped(origin, f"id longer than {MAX_ID_CHARS} characters")
        if given:
            if len(given) > MAX_ID_CHARS:
                return Skipped(origin, f"id longer than {MAX_ID_CHARS} characters")
            if _CONTROL.search(given):
                return Skipped(origin, "id contains control characters")
            if _SURROGATE.search(given):
                return Skipped(origin, "id is not valid Unicode (lone surrogate)")
            return given
    if not is_record:
        return f"{slugify(path.name.split('.')[0])}-{short_hash(str(path.resolve()), 8)}"
    if url:
        return f"url-{short_hash(url)}"
    return f"text-{short_hash(text, 16)}"


def report_skip_or_note(report: IngestReport, item: object) -> bool:
    """Record a loader's Skipped or Note in `report`; False when `item` is an article to write."""
    if isinstance(item, Skipped):
        report.skip(item.origin, item.reason)
        return True
    if isinstance(item, Note):
        report.clean(item.origin, item.message)
        return True
    return False
