"""Article and filter dates: one parser for every entry point, ISO `YYYY-MM-DD` out.

`check_date` says why a value is not a date; `parse_date` is the same check without the
reason. Accepted: YYYY-MM-DD, YYYY/MM/DD (RealTimeQA), and whole ISO dates and times
(2026-02-18T10:00:00Z, 2026-02-18 10:00, ...), years 1900 to 2100. A value is taken whole:
"2026-02-18 garbage" and "2026-02-18T25:00" are not dates (they used to be cut to their
first ten characters).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

MIN_YEAR = 1900
MAX_YEAR = 2100
EXPECTED = "expected YYYY-MM-DD, YYYY/MM/DD or an ISO date and time"


def check_date(value: Any) -> tuple[str | None, str | None]:
    """(ISO date, None) for a date, (None, why not) for anything else, (None, None) when empty."""
    if value is None or value == "":
        return None, None
    if isinstance(value, (date, datetime)):
        day = value.date() if isinstance(value, datetime) else value
    elif isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None, f"a {type(value).__name__} is not a date ({EXPECTED})"
    else:
        text = str(value).strip().replace("/", "-")
        if not text:
            return None, None
        try:
            day = datetime.fromisoformat(text).date()
        except ValueError as exc:
            detail = str(exc)
            return None, EXPECTED if detail.startswith("Invalid isoformat") else detail
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        return None, f"the year must be between {MIN_YEAR} and {MAX_YEAR}"
    return day.isoformat(), None


def parse_date(value: Any) -> str | None:
    """Accept YYYY-MM-DD, YYYY/MM/DD or ISO datetimes; return ISO date or None (see check_date)."""
    return check_date(value)[0]


TODAY = "today"
NO_LIMIT = "none"


def resolve_as_of(value: Any, label: str = "as_of") -> date | None:
    """The day a question is asked "as of": "today" (the default everywhere), a date, or None / "none" for
    no time limit (today's behaviour before dates counted). FilterError naming `label` for anything else."""
    from assistant.errors import FilterError

    if value is None or (isinstance(value, str) and value.strip().lower() == NO_LIMIT):
        return None
    if isinstance(value, str) and value.strip().lower() in (TODAY, ""):
        return date.today()
    iso, why = check_date(value)
    if iso is None:
        raise FilterError(
            f"{label} must be a date like 2026-02-18, 'today' or 'none' ({why or EXPECTED}), got {value!r}"
        )
    return date.fromisoformat(iso)


def article_day(value: str | None) -> date | None:
    """The day of a stored article date ("2024-03-15" or a timestamp); None when undated or unreadable."""
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None
