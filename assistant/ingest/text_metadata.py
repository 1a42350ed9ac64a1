"""Metadata a plain-text article carries in its text: front matter, a headline line, a dateline.

The rules (docs/ingest.md, "Plain text: title, date and source") in short:

- **Front matter**: a first line `---`, then `key: value` lines, then `---` (or `...`),
  within MAX_FRONT_MATTER_LINES lines and MAX_FRONT_MATTER_CHARS characters. Keys (any
  case): title, date, publish_date, source, url, category. Values are plain text to the end
  of the line (one pair of surrounding quotes removed); nothing else of YAML is read:
  lists, nested keys, `[flow]`, `{flow}`, `|`/`>` blocks, anchors and tags are ignored with
  a note, and so are other keys. A block with a line of any other shape is not front matter
  (it stays text). The block is removed from the text.
- **Headline** (.txt only): the first non-blank line is the title, and is left out of the
  indexed text, when it is at most MAX_HEADLINE_CHARS characters, has a letter, does not
  start with a lower-case letter, does not end in `.` `,` `;` `:` (closing quotes and
  brackets aside; `U.S.` and other dotted abbreviations are fine), and is followed by a
  blank line or by a dateline, with more text after it.
- **Dateline**: the body's first line may start `PLACE, Month D (Source) —`,
  `PLACE, Month D, YYYY (Source) -`, `PLACE (Source) —` or `PLACE, D Month YYYY —` (an
  optional region after the place: `SPRINGFIELD, Ill., May 5 (AP) —`). The dash (em dash,
  en dash, `--` or `-` with a space before it) must be there, with a space after it, and a
  date or a source in brackets. Place words are capitalised (`Rio de Janeiro`: a few
  lower-case joining words are allowed), so "Paris, the capital, said ..." is not a
  dateline. It gives the date (ISO) and the source; the prefix is cut from the first
  sentence, the rest of the text stays as it is. A date without a year is the latest such
  day not after the day of ingest.

Front matter is explicit and wins over what the headline and the dateline suggest.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date

from assistant.dates import check_date

__all__ = [
    "FRONT_MATTER_KEYS",
    "MAX_FRONT_MATTER_CHARS",
    "MAX_FRONT_MATTER_LINES",
    "MAX_HEADLINE_CHARS",
    "Dateline",
    "TextMetadata",
    "read_dateline",
    "read_front_matter",
    "read_text_metadata",
    "split_front_matter",
    "take_headline",
]

MAX_FRONT_MATTER_LINES = 50  # between the two --- lines
MAX_FRONT_MATTER_CHARS = 8_000
MAX_HEADLINE_CHARS = 200
FRONT_MATTER_KEYS = ("title", "date", "publish_date", "source", "url", "category")

_KEY_LINE = re.compile(r"([A-Za-z_][\w-]{0,63})[ \t]*:(?:[ \t]+(.*))?")
_NOT_PLAIN = re.compile(r"[\[{|>&*!%@`]")  # first character of a YAML value that is not plain text
_FENCE = "---"
_CLOSERS = ("---", "...")

_MONTH_NAMES = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = r"(?i:jan(?:uary|\.)?|feb(?:ruary|\.)?|mar(?:ch|\.)?|apr(?:il|\.)?|may|june?|july?|aug(?:ust|\.)?|sep(?:t(?:ember|\.)?|\.)?|oct(?:ober|\.)?|nov(?:ember|\.)?|dec(?:ember|\.)?)"
_WORD = r"[^\W\d_][\w.'’&-]*"
_DATELINE = re.compile(
    rf"(?P<place>{_WORD}(?: {_WORD}){{0,4}})"
    rf"(?:, (?P<region>{_WORD}(?: {_WORD}){{0,2}}))??"
    rf"(?:, (?:(?P<month>{_MONTH}) (?P<day>[0-3]?\d)(?:st|nd|rd|th)?(?:,? (?P<year>\d{{4}}))?"
    rf"|(?P<day2>[0-3]?\d) (?P<month2>{_MONTH})(?:,? (?P<year2>\d{{4}}))?))?"
    r"(?: \((?P<source>[^\W\d_][^()\n]{0,79})\))?"
    r"(?:[ \t]*[—–]|[ \t]+--?)[ \t]+(?=\S)"
)
# lower-case words a place name may hold: Rio de Janeiro, Trinidad and Tobago, Frankfurt am Main
_JOINING_WORD = re.compile(
    r"al|am|an|and|da|das|de|del|della|dem|den|der|des|di|do|dos|du|el|en|im|la|las|le|les|los|of|on|sur|upon|y"
)
_MAX_PLACE_CHARS = 60
_MAX_DATELINE_CHARS = 400  # a dateline is read from this much of the line at most
_CLOSING = "\"'”’»)]"
_DOTTED_ABBREVIATION = re.compile(r"(?:\b[^\W\d_]\.){2,}$")  # U.S. U.K. E.U.


@dataclass(frozen=True)
class Dateline:
    """What a dateline said, and where it ends in its line."""

    end: int
    place: str
    date: str | None  # ISO, None when there was none or it was no date
    source: str
    problem: str | None = None  # why the date it gave was not used


@dataclass
class TextMetadata:
    """The article text left once metadata lines are taken out, and what they said."""

    text: str
    explicit: dict[str, str] = field(default_factory=dict)  # front matter (publish_date read as date): wins
    inferred: dict[str, str] = field(default_factory=dict)  # headline and dateline
    notes: list[str] = field(default_factory=list)

    def fields(self) -> dict[str, str]:
        """Title, date, source, url, category: front matter values over inferred ones."""
        return {**self.inferred, **self.explicit}


def read_text_metadata(
    text: str, today: date | None = None, headline: bool = True, front_matter: bool = True
) -> TextMetadata:
    """Front matter, then (with `headline`) a headline line, then a dateline, taken from `text`.

    `today` is the day of ingest (default: today), against which a dateline date without a
    year is placed.
    """
    today = today or date.today()
    found = read_front_matter(text) if front_matter else TextMetadata(_unify_line_ends(text))
    body = found.text
    if headline:
        title, body = take_headline(body, today)
        if title:
            found.inferred["title"] = title
    body, dateline = _cut_dateline(body, today)
    if dateline is not None:
        if dateline.date:
            found.inferred["date"] = dateline.date
        if dateline.source:
            found.inferred["source"] = dateline.source
        if dateline.problem:
            found.notes.append(dateline.problem)
    found.text = body
    return found


# --- front matter -------------------------------------------------------------------------------
def read_front_matter(text: str) -> TextMetadata:
    """Only the front matter: `explicit` holds its fields, `text` what follows it (all of `text` when there is none)."""
    text = _unify_line_ends(text)
    front = _front_matter(text)
    if isinstance(front, str):
        return TextMetadata(text, notes=[front])
    if front is None:
        return TextMetadata(text)
    fields, rest, notes = front
    return TextMetadata(rest, explicit=fields, notes=notes)


def _unify_line_ends(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")


def split_front_matter(text: str) -> tuple[dict[str, str], str, list[str]] | None:
    """(fields, text after the block, notes), or None when `text` does not start with front matter."""
    found = _front_matter(text)
    return None if isinstance(found, str) else found


def _front_matter(text: str) -> tuple[dict[str, str], str, list[str]] | str | None:
    """As split_front_matter; a note (str) when the text starts like front matter but is not read as such."""
    lines = text.lstrip("\n").split("\n", MAX_FRONT_MATTER_LINES + 2)
    if len(lines) < 2 or lines[0].rstrip() != _FENCE:
        return None
    looks_like = _KEY_LINE.fullmatch(lines[1].rstrip()) is not None
    closing = next((n for n, line in enumerate(lines[1:], start=1) if line.rstrip() in _CLOSERS), None)
    if closing is None or closing > MAX_FRONT_MATTER_LINES + 1:
        return (
            f"front matter not closed by '---' within {MAX_FRONT_MATTER_LINES} lines: read as text"
            if looks_like
            else None
        )
    block = lines[1:closing]
    if sum(len(line) + 1 for line in block) > MAX_FRONT_MATTER_CHARS:
        return f"front matter longer than {MAX_FRONT_MATTER_CHARS:,} characters: read as text" if looks_like else None
    values: dict[str, str] = {}
    not_plain: list[str] = []
    current: str | None = None
    for number, line in enumerate(block, start=2):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if current is not None and (line[0] in " \t" or line.startswith("-")):  # a list item or nested key
            if current not in not_plain:
                not_plain.append(current)
            continue
        match = _KEY_LINE.fullmatch(line.rstrip())
        if match is None:
            return f"line {number} of the leading '---' block is not 'key: value': read as text" if looks_like else None
        current = match.group(1).lower()
        values[current] = (match.group(2) or "").strip()
    fields: dict[str, str] = {}
    notes: list[str] = []
    for key in FRONT_MATTER_KEYS:
        if key not in values:
            continue
        value = _plain(values[key])
        if key in not_plain or value is None:
            notes.append(f"front matter {key!r} is not a plain value: ignored")
        elif value and key == "publish_date":
            fields.setdefault("date", value)  # `date` wins when both are given
        elif value:
            fields[key] = value
    ignored = [key for key in values if key not in FRONT_MATTER_KEYS]
    if ignored:
        shown = ", ".join(repr(k) for k in ignored[:10]) + (", ..." if len(ignored) > 10 else "")
        notes.append(f"front matter keys not used: {shown}")
    return fields, "\n".join(lines[closing + 1 :]), notes


def _plain(value: str) -> str | None:
    """A front matter value as text: one pair of surrounding quotes removed; None for YAML structure."""
    if len(value) >= 2 and value[0] == value[-1] == "'":
        return value[1:-1].replace("''", "'")
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return re.sub(r'\\(["\\])', r"\1", value[1:-1])
    if value and _NOT_PLAIN.match(value):
        return None
    return value


# --- headline -----------------------------------------------------------------------------------
def take_headline(text: str, today: date | None = None) -> tuple[str | None, str]:
    """(headline, the text without it) when the first non-blank line is a headline, else (None, text)."""
    stripped = text.lstrip(" \t\n")
    first, newline, rest = stripped.partition("\n")
    line = first.strip()
    today = today or date.today()
    if not newline or not rest.strip() or not _headline_shaped(line) or read_dateline(line, today):
        return None, text
    next_line = rest.split("\n", 1)[0]
    if next_line.strip() and read_dateline(next_line, today) is None:
        return None, text
    return line, rest.lstrip(" \t\n")


def _headline_shaped(line: str) -> bool:
    if not line or len(line) > MAX_HEADLINE_CHARS:
        return False
    first = next((ch for ch in line if ch.isalnum()), None)
    if first is None or first.islower() or not any(ch.isalpha() for ch in line):
        return False
    end = line.rstrip(_CLOSING)
    if not end:
        return False
    if end[-1] in ",;:":
        return False
    return not (end[-1] == "." and not _DOTTED_ABBREVIATION.search(end))


# --- dateline -----------------------------------------------------------------------------------
def read_dateline(line: str, today: date) -> Dateline | None:
    """The dateline `line` starts with, or None (see the module's rules)."""
    match = _DATELINE.match(line[:_MAX_DATELINE_CHARS])
    if match is None:
        return None
    place, region = match.group("place"), match.group("region")
    month_name = match.group("month") or match.group("month2")
    source = (match.group("source") or "").strip()
    if not (month_name or source) or len(place) > _MAX_PLACE_CHARS:
        return None
    if not _place_words(place, first=True) or (region and not _place_words(region)):
        return None
    day_text, year_text = match.group("day") or match.group("day2"), match.group("year") or match.group("year2")
    iso, problem = None, None
    if month_name:
        iso, problem = _date(month_name, int(day_text), int(year_text) if year_text else None, today)
    return Dateline(match.end(), place, iso, source, problem)


def _cut_dateline(text: str, today: date | None) -> tuple[str, Dateline | None]:
    body = text.lstrip(" \t\n")
    dateline = read_dateline(body.split("\n", 1)[0], today or date.today())
    if dateline is None:
        return text, None
    return body[dateline.end :], dateline


def _place_words(words: str, first: bool = False) -> bool:
    parts = words.split(" ")
    if first and not parts[0][0].isupper():
        return False
    return all(w[0].isupper() or _JOINING_WORD.fullmatch(w) for w in parts)


def _date(month_name: str, day: int, year: int | None, today: date) -> tuple[str | None, str | None]:
    month = _MONTH_NAMES[month_name.lower().rstrip(".")]
    shown = f"{month_name} {day}" + (f", {year}" if year else "")
    if year is not None:
        iso, why = check_date(f"{year:04d}-{month:02d}-{day:02d}")
        return (iso, None) if iso else (None, f"dateline date {shown!r} is not a valid date ({why}): not used")
    if not 1 <= day <= 31 or day > max(calendar.monthrange(y, month)[1] for y in (2023, 2024)):
        return None, f"dateline date {shown!r} is not a valid date: not used"
    year = today.year if (month, day) <= (today.month, today.day) else today.year - 1
    while day > calendar.monthrange(year, month)[1]:  # 29 February: the latest leap year
        year -= 1
    return date(year, month, day).isoformat(), None
