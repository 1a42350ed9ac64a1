"""Article and filter dates: one parser for every entry point, ISO `YYYY-MM-DD` out."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any


def parse_date(value: Any) -> str | None:
    """Accept YYYY-MM-DD, YYYY/MM/DD or ISO datetimes; return ISO date or None."""
    if value is None or value == "":
        return None
    if isinstance(value, (date, datetime)):
        return value.isoformat()[:10]
    text = str(value).strip().replace("/", "-")
    try:
        return datetime.fromisoformat(text[:10]).date().isoformat()
    except ValueError:
        return None
