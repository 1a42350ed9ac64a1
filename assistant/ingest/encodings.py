"""Bytes of a file read whole (.txt, .md, .html, .json) to text: UTF-8 first, else a detected encoding.

The rules (docs/ingest.md, "Encodings"):

1. A NUL byte in the first 8 KB: a binary file, refused (UTF-16 and UTF-32 text too, as before),
   even where the bytes happen to be valid UTF-8.
2. UTF-8, with or without a byte order mark: the fast path, no detection.
3. A UTF-16 or UTF-32 byte order mark: refused. Such files are not read (save them as UTF-8):
   random bytes after the mark decode as plausible CJK text, so the mark proves nothing, and
   without the rule `ÿþ` + junk would pass as windows-1252.
4. Anything else: charset-normalizer's guesses. Among the guesses that are least messy,
   windows-1252 is preferred when it is one of them: short Western text decodes the same
   in a dozen single-byte code pages and the detector's first pick among equals is
   arbitrary ("café" came out as cp1250, "à Genève" as "ŕ Genčve"). Latin-1 text that
   has no byte in 0x80-0x9F decodes the same in windows-1252 and is named ISO-8859-1.
   No guess (random bytes, a binary without NULs): refused.

The caller is told which encoding was used, for the ingest report ("read as windows-1252
(not UTF-8)").
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

__all__ = ["Decoded", "decode_document"]

HEAD_BYTES = 8192  # a NUL byte in the first 8 KB marks a binary file
_BOMS = (  # longest first: the UTF-32 LE mark starts with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)
_PREFERRED = "cp1252"
_C1_BYTES = re.compile(rb"[\x80-\x9f]")
_TIE = 0.01  # guesses this close to the least messy one count as equally good


@dataclass(frozen=True)
class Decoded:
    """Text, and the encoding it was read in when that was not UTF-8 (None for UTF-8)."""

    text: str
    encoding: str | None = None

    @property
    def note(self) -> str | None:
        return f"read as {self.encoding} (not UTF-8)" if self.encoding else None


def decode_document(data: bytes) -> Decoded | str:
    """The text of a whole file, or why it is not text (a reason for the report)."""
    if b"\x00" in data[:HEAD_BYTES]:  # before UTF-8: NULs and control bytes are valid UTF-8
        return "binary file (contains NUL bytes)"
    try:
        return Decoded(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        bad_at = exc.start
    for mark, name in _BOMS:
        if data.startswith(mark):
            return f"starts with a {name} byte order mark: {name} files are not read (save it as UTF-8)"
    guessed = _guess(data)
    if guessed is None:
        return f"not text: not valid UTF-8 (bad byte at offset {bad_at}) and no other encoding fits"
    return guessed


def _guess(data: bytes) -> Decoded | None:
    from charset_normalizer import from_bytes

    matches = list(from_bytes(data))
    if not matches:
        return None
    least = min(m.chaos for m in matches)
    equally_good = [m for m in matches if m.chaos <= least + _TIE]
    if any(m.encoding == _PREFERRED or _PREFERRED in m.could_be_from_charset for m in equally_good):
        try:
            text = data.decode(_PREFERRED)
        except UnicodeDecodeError:  # one of the five bytes windows-1252 leaves undefined
            pass
        else:
            return Decoded(text, "windows-1252" if _C1_BYTES.search(data) else "ISO-8859-1")
    best = equally_good[0]
    try:
        return Decoded(data.decode(best.encoding), _label(best.encoding))
    except (UnicodeDecodeError, LookupError):
        return None


def _label(encoding: str) -> str:
    """A codec name as people know it: cp1251 -> windows-1251, iso8859_5 -> ISO-8859-5, koi8_r -> KOI8-R."""
    name = codecs.lookup(encoding).name  # canonical: "cp1251", "iso8859-5", "koi8-r", "shift_jis"
    if re.fullmatch(r"cp(125\d|874|93[26]|949|950)", name):
        return f"windows-{name[2:]}"
    if name.startswith("iso8859-"):
        return "ISO-8859-" + name.split("-", 1)[1]
    return name.upper() if name.startswith(("koi8", "utf")) else name
