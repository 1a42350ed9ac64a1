"""Time in a question, resolved against the moment it is asked ("as of").

`resolve_time(question, as_of)` finds the temporal expressions of a question and turns them
into a `TimeScope`: an inclusive date window, whether that window is hard or soft, whether the
question asks for the current state of things, and the question without those expressions.

Hard windows ("window") are calendar ranges the question states: explicit dates and ranges,
"in March 2023", "in 2023", "in March", "this/last week", "this/last month", "this/last year",
"since January", "yesterday", "today", "on Tuesday", "over the weekend", "two days ago",
"in the past three weeks". Soft windows ("prefer") are vague or approximate: "recently",
"in recent days", "a recent report", "this past week", "3 weeks ago", "a month ago",
"later this year". Every window is clipped to end on or before `as_of`; an expression that
lies wholly after `as_of` ("in 2034", "next Tuesday", "this Friday" said on a Wednesday)
gives no window and stays in the text.

The window is when the question says things happened. News reports an event on the day or in
the days after, so a filter on article dates should use `article_window()` (the window's end
moved a couple of days later, never past `as_of`).

Resolution rules, all against `as_of`:
- weeks are ISO weeks (Monday to Sunday): "this week" is Monday..as_of, "last week" the
  previous Monday..Sunday; "in the last/past week" is the trailing seven days instead;
- a weekday ("on Tuesday", "Tuesday", "Tuesday's vote") is the latest such day not after
  as_of (as_of itself when it is a Tuesday); "last Tuesday" is the latest one before as_of;
  "this Tuesday" is the one in the current ISO week, if it is not after as_of;
- a month without a year ("in March", "since March") is the latest March that has begun by
  as_of; "last March" the latest one before the current month; a day without a year
  ("on March 5") the latest March 5 not after as_of (Feb 29 looks back to a leap year);
- "over the weekend" is the latest Saturday..Sunday that has begun by as_of ("this weekend"
  the same; said on a weekend it is that weekend, "last weekend" then means the one before);
- "N days ago" is that day; "N weeks/months/years ago" is a soft window around that moment;
  vague counts ("a few days ago") are soft too.
- a day or month without a year that is still to come this year is read as the coming one
  when it is at most a month ahead ("out on July 29", asked on July 10: no window), and as
  last year's, softly ("prefer"), when further ahead;
- windows combine by intersection ("this week on Tuesday"); when hard windows disagree, the
  latest-ending one is kept as a preference, the others being mostly background ("the
  halftime show in February was announced this week"); a day that names an event ("the
  Jan. 6 committee") gives no window.

"Latest" questions (`wants_latest`): "latest", "newest", "most recent", "current",
"currently", "now" (also "right now", "by now", "until now"), "so far", "to date",
"at present", "at the moment", "these days", "nowadays", and "still" ("is the strike still
on?"). Not "new": in news questions it describes the thing ("a new law", "her new single",
"the new CEO"), not the moment of the answer, and articles after as_of are out anyway.
Traps left alone: "at the latest", "up to date", "a year from now", "now-defunct", "NOW"
(an organisation), "stand still", "still life", "ocean current", "current account(s)/affairs".

Other traps: a bare month needs a date context ("in May", "May 5", "May 2024"), so the modal
"may", "Theresa May", "the March on Washington" and "March Madness" give nothing; a weekday
after a holiday or brand word ("Black Friday", "Good Friday", "Super Tuesday", "Cyber Monday")
or before a name or paper word ("Sunday Times", "Saturday Night Live", "Sunday school") gives
nothing; "USA Today" and "the Today programme" are not today. Named holidays are not resolved.

The hot path is one pre-filter regex: a question without a temporal word returns at once.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal

from dateutil.relativedelta import FR, MO, SA, SU, TH, TU, WE, relativedelta

Kind = Literal["window", "prefer"]
ExpressionKind = Literal["window", "prefer", "latest"]
Window = tuple[date, date]

ARTICLE_SLACK_DAYS = 2  # news of a day is published that day or within the next two


@dataclass(frozen=True)
class TimeExpression:
    """One temporal expression found in a question, as written, and what it resolved to."""

    text: str
    start: int
    end: int
    kind: ExpressionKind
    window: Window | None = None  # None for "latest" markers


@dataclass(frozen=True)
class TimeScope:
    """What a question says about time, resolved against `as_of`."""

    as_of: date
    window: Window | None = None  # inclusive; never ends after as_of
    kind: Kind | None = None  # "window": a hard range; "prefer": a soft preference; None: no window
    wants_latest: bool = False
    expressions: tuple[TimeExpression, ...] = field(default_factory=tuple)
    text_without_time: str = ""

    @property
    def is_hard(self) -> bool:
        return self.kind == "window"

    def article_window(self, slack_days: int = ARTICLE_SLACK_DAYS) -> Window | None:
        """The window for article dates: its end moved `slack_days` later, never past as_of."""
        if self.window is None:
            return None
        start, end = self.window
        return start, min(end + timedelta(days=slack_days), self.as_of)

    def allows(self, day: date | str | None, slack_days: int = ARTICLE_SLACK_DAYS) -> bool:
        """Whether an article of this date may be a candidate: never after as_of, and inside a
        hard window (with slack). Undated articles are allowed: nothing says they are late."""
        if day is None or day == "":
            return True
        if isinstance(day, str):
            day = date.fromisoformat(day[:10])
        if isinstance(day, datetime):
            day = day.date()
        if day > self.as_of:
            return False
        window = self.article_window(slack_days) if self.is_hard else None
        return window is None or window[0] <= day <= window[1]

    def prior(self, day: date | str | None, half_life_days: float = 14.0) -> float:
        """A soft score in [0, 1] for an article date: 1 inside the (article) window, halving
        every `half_life_days` outside it; with no window but `wants_latest`, halving with age.
        0 after as_of; 1 for undated articles and when the question says nothing of time."""
        if day is None or day == "":
            return 1.0
        if isinstance(day, str):
            day = date.fromisoformat(day[:10])
        if isinstance(day, datetime):
            day = day.date()
        if day > self.as_of:
            return 0.0
        window = self.article_window()
        if window is not None:
            distance = (window[0] - day).days if day < window[0] else max(0, (day - window[1]).days)
        elif self.wants_latest:
            distance = (self.as_of - day).days
        else:
            return 1.0
        return 0.5 ** (distance / half_life_days)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# --- vocabulary -----------------------------------------------------------------------------

_MONTHS = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
_WEEKDAYS = {"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6}
_RD_WEEKDAYS = (MO, TU, WE, TH, FR, SA, SU)
_NUMBERS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
}
_VAGUE_NUMBERS = {"couple": 2, "few": 3, "several": 4}

MONTH = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
FULL_MONTH = r"(?:january|february|march|april|may|june|july|august|september|october|november|december)"
DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?(?!\d)"
YEAR = r"(?:19|20)\d{2}(?!\d)"
WEEKDAY = r"(?:mon|tues|wednes|thurs|fri|satur|sun)day"
ISO = r"(?:19|20)\d{2}[-/](?:0?[1-9]|1[0-2])[-/](?:[12]\d|3[01]|0?[1-9])(?!\d)"
NUM = r"(?:\d{1,3}|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|(?:a\s+)?couple(?:\s+of)?|(?:a\s+)?few|several)"
UNIT = r"(?:day|week|month|year)s?"
POSS = r"(?P<poss>['’]s)?"

# A point in time, as one string (parsed again by _components).
_DATE_FORMS = (
    rf"{ISO}|{MONTH}\s+{DAY}(?:,?\s+{YEAR})?|(?:the\s+)?{DAY}(?:\s+of)?\s+{MONTH}(?:,?\s+{YEAR})?|{MONTH},?\s+{YEAR}"
)
_POINT = rf"(?:{_DATE_FORMS}|{FULL_MONTH}|{YEAR}|{WEEKDAY})"

_WORD = re.compile(r"[a-z]+")
_DIGIT = re.compile(r"\d")
_WEEKDAY_WORDS = frozenset(_WEEKDAYS)
_MONTH_WORDS = _words(
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec"
)
_UNIT_WORDS = _words("day days week weeks month months year years")
_LATEST_WORDS = _words(
    "latest newest recent recently current currently presently nowadays now far date present moment days still"
)
_DAY_WORD_SET = _words("today tonight yesterday night morning afternoon evening")
# The pre-filter: a question holding none of these words and no digit has no temporal expression.
_TRIGGER_WORDS = (
    _WEEKDAY_WORDS
    | _MONTH_WORDS
    | _UNIT_WORDS
    | _LATEST_WORDS
    | _DAY_WORD_SET
    | _words("weekend weekends ago lately past")
)

_RANGE = re.compile(
    rf"\b(?:between|from)\s+(?:the\s+)?(?P<a>{_POINT})\s*(?:and|to|until|till|through|thru|-|–|—)\s*(?:the\s+)?(?P<b>{_POINT}|{DAY}|today|now)\b",
)
_DAY_RANGE = re.compile(
    rf"\b(?:(?:on|from|between)\s+)?(?:(?P<m1>{MONTH})\s+(?P<d1>{DAY})\s*[-–]\s*(?P<d2>{DAY})|(?P<d3>{DAY})\s*[-–]\s*(?P<d4>{DAY})\s+(?P<m2>{MONTH}))(?:,?\s+(?P<y>{YEAR}))?",
)
_DATE = re.compile(
    rf"\b(?:(?P<pre>on|in|during|since|throughout)\s+)?(?:(?P<part>early|mid|late)[-\s]+)?(?P<pt>{_DATE_FORMS})\b{POSS}",
)
_TRAILING = re.compile(
    rf"\b(?:(?:in|over|during|for|within)\s+)?the\s+(?:last|past|previous)\s+(?:(?P<n>{NUM})\s+)?(?P<unit>{UNIT})\b",
)
_THIS_PAST = re.compile(r"\b(?:(?:over|during|in)\s+)?this\s+past\s+(?P<unit>week|month|year)\b")
_AGO = re.compile(rf"\b(?P<n>{NUM})\s+(?P<unit>{UNIT})\s+ago\b")
_RECENT = re.compile(
    r"\b(?:(?P<adv>recently|lately)|(?:in|over|during)\s+recent\s+(?P<unit>days|weeks|months)|(?P<adj>recent))\b"
)
_WEEKEND = re.compile(
    rf"\b(?:(?:over|at|during|on)\s+)?(?P<det>the|this|last|this\s+past|past)\s+weekend\b{POSS}",
)
_CALENDAR = re.compile(
    rf"\b(?:(?P<when>earlier|later)\s+)?(?:(?:during|in|throughout)\s+)?(?P<rel>this|last|the\s+current)\s+(?P<unit>week|month|year)\b{POSS}",
)
_BARE_MONTH = re.compile(
    rf"\b(?:(?P<pre>in|during|throughout|since|last|this)\s+)?(?:(?P<part>early|mid|late)[-\s]+)?(?P<m>{FULL_MONTH})\b(?:,?\s+(?P<y>{YEAR})|\s+(?P<rel>last|this)\s+year\b)?{POSS}",
)
_BARE_YEAR = re.compile(rf"\b(?P<pre>in|during|throughout|since)\s+(?:(?P<part>early|mid|late)[-\s]+)?(?P<y>{YEAR})\b")
_DAY_WORDS = re.compile(
    r"\b(?:(?P<before>the\s+day\s+before\s+yesterday)|(?P<yesterday>yesterday)|(?P<lastnight>last\s+night)|"
    r"(?P<today>today|tonight|this\s+(?:morning|afternoon|evening)))\b" + POSS,
)
_WEEKDAY_RX = re.compile(
    rf"\b(?:(?P<pre>on|last|this|since|past)\s+)?(?P<wd>{WEEKDAY})\b{POSS}(?:\s+(?P<part>morning|afternoon|evening|night)\b)?",
)
_LATEST = re.compile(
    r"\b(?:(?P<adj>latest|newest|most\s+recent(?:ly)?|current)|"
    r"(?P<adv>currently|presently|nowadays|right\s+now|by\s+now|until\s+now|up\s+(?:un)?til\s+now|up\s+to\s+now|"
    r"as\s+of\s+(?:now|today)|so\s+far|to\s+date|at\s+present|at\s+the\s+moment|these\s+days|now|still))\b",
)


_WEEKDAY_BEFORE_TRAPS = _words(
    "black good cyber super ash bloody easter palm holy maundy throwback freaky man girl fat shrove giving whit "
    "blue manic spy"
)
_WEEKDAY_AFTER_TRAPS = _words(
    "times telegraph mirror express post herald independent tribune people mail sport star world league school "
    "schools roast best paper papers edition supplement magazine service services brunch"
)
_WEEKDAY_SHOWS = re.compile(r"\s+night\s+(?:live|football|raw|lights)|\s+morning\s+show")
_MONTH_AFTER_TRAPS = _words("madness fool fools wilson")
_STILL_BEFORE_TRAPS = _words("stand stands stood standing sit sat sitting a the keep kept hold held lie lay")
_STILL_AFTER_TRAPS = _words("life lifes image images photo photos frame frames water waters wine born birth")
_CURRENT_AFTER_TRAPS = _words("account accounts affairs of and")
_MEASURE_WORDS = _words(
    "people workers members ships jobs dollars euros pounds tonnes tons km miles units votes troops cases deaths homes "
    "students percent times metres meters feet containers vessels"
)
_NOT_PAST = _words("next every each coming by until till before")  # "by Friday": a deadline
_EVENT_NAME_WORDS = _words("committee attack attacks riot riots insurrection hearing hearings panel commission")
_COMING_DAYS = 31  # a day or month without a year this close ahead is read as the coming one
_ARTICLES = _words("the a an this that these those")


# --- date arithmetic ------------------------------------------------------------------------


def _month_window(year: int, month: int) -> Window:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def _week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _part(window: Window, part: str | None) -> Window:
    """The early / mid / late third of a window."""
    if not part:
        return window
    start, end = window
    third = ((end - start).days + 1) // 3
    part = part.lower()
    if part == "early":
        return start, start + timedelta(days=third - 1)
    if part == "mid":
        return start + timedelta(days=third), end - timedelta(days=third)
    return end - timedelta(days=third - 1), end


def _clip(window: Window | None, as_of: date) -> Window | None:
    """The window ending on or before as_of; None when it begins after as_of."""
    if window is None or window[0] > as_of:
        return None
    return window[0], min(window[1], as_of)


def _number(text: str) -> tuple[int, bool]:
    """(count, vague) for '3', 'three', 'a', 'a couple of', 'a few', 'several'."""
    words = text.lower().split()
    for word in words:
        if word in _VAGUE_NUMBERS:
            return _VAGUE_NUMBERS[word], True
    word = words[-1]
    return (int(word), False) if word.isdigit() else (_NUMBERS[word], False)


def _delta(count: int, unit: str) -> relativedelta:
    unit = unit.lower().rstrip("s")
    return relativedelta(**{f"{unit}s": count})


# --- points -----------------------------------------------------------------------------------

_C_ISO = re.compile(r"(?P<y>\d{4})[-/](?P<m>\d{1,2})[-/](?P<d>\d{1,2})")
_C_MD = re.compile(rf"(?P<m>{MONTH})\s+(?P<d>{DAY})(?:,?\s+(?P<y>{YEAR}))?")
_C_DM = re.compile(rf"(?:the\s+)?(?P<d>{DAY})(?:\s+of)?\s+(?P<m>{MONTH})(?:,?\s+(?P<y>{YEAR}))?")
_C_MY = re.compile(rf"(?P<m>{MONTH}),?\s+(?P<y>{YEAR})")
_C_M = re.compile(FULL_MONTH)
_C_Y = re.compile(YEAR)
_C_WD = re.compile(WEEKDAY)
_C_D = re.compile(DAY)


@dataclass(frozen=True)
class _Point:
    year: int | None = None
    month: int | None = None
    day: int | None = None
    weekday: int | None = None


def _month_number(text: str) -> int:
    return _MONTHS[text[:3].lower()]


def _day_number(text: str) -> int:
    return int(re.match(r"\d+", text).group())


def _components(text: str) -> _Point | None:
    text = text.strip()
    if m := _C_ISO.fullmatch(text):
        return _Point(int(m["y"]), int(m["m"]), int(m["d"]))
    for rx in (_C_MD, _C_DM):
        if m := rx.fullmatch(text):
            return _Point(int(m["y"]) if m["y"] else None, _month_number(m["m"]), _day_number(m["d"]))
    if m := _C_MY.fullmatch(text):
        return _Point(int(m["y"]), _month_number(m["m"]))
    if _C_M.fullmatch(text):
        return _Point(month=_month_number(text))
    if _C_Y.fullmatch(text):
        return _Point(year=int(text))
    if _C_WD.fullmatch(text):
        return _Point(weekday=_WEEKDAYS[text.lower()])
    if _C_D.fullmatch(text):
        return _Point(day=_day_number(text))
    return None


def _latest_day(month: int, day: int, as_of: date, before: date | None = None) -> date | None:
    """The latest month/day not after `before` (as_of by default); Feb 29 looks back to a leap year."""
    limit = before or as_of
    for year in range(limit.year, limit.year - 9, -1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate <= limit:
            return candidate
    return None


def _resolve_point(point: _Point, as_of: date, rel: str = "latest") -> Window | None:
    """A point's window (unclipped). rel: 'latest' (not after as_of), 'last' (before the current
    day / month), 'this' (in the current week / year)."""
    try:
        if point.weekday is not None:
            wd = _RD_WEEKDAYS[point.weekday]
            if rel == "this":
                day = _week_start(as_of) + timedelta(days=point.weekday)
            elif rel == "last":
                day = as_of - timedelta(days=1) + relativedelta(weekday=wd(-1))
            else:
                day = as_of + relativedelta(weekday=wd(-1))
            return day, day
        if point.month is not None and point.day is not None:
            if point.year is not None:
                day = date(point.year, point.month, point.day)
            else:
                day = _latest_day(point.month, point.day, as_of)
                if day is None:
                    return None
            return day, day
        if point.month is not None:
            if point.year is not None:
                return _month_window(point.year, point.month)
            if rel == "this":
                return _month_window(as_of.year, point.month)
            begun = point.month < as_of.month if rel == "last" else point.month <= as_of.month
            return _month_window(as_of.year if begun else as_of.year - 1, point.month)
        if point.year is not None:
            return date(point.year, 1, 1), date(point.year, 12, 31)
    except ValueError:  # February 30, month 13, ...
        return None
    return None


def _resolve_range(a: _Point, b: _Point, as_of: date) -> Window | None:
    """'between A and B' / 'from A to B': the latest such range that has begun by as_of."""
    if b.month is None and b.day is not None and b.weekday is None:  # "between March 1 and 10"
        if a.month is None or a.day is None:
            return None
        b = _Point(a.year, a.month, b.day)
    if a.weekday is not None and b.weekday is not None:
        start = _resolve_point(a, as_of)
        if start is None:
            return None
        end = start[0] + relativedelta(weekday=_RD_WEEKDAYS[b.weekday](+1))
        return start[0], end
    if a.month is not None and b.month is not None:
        if (a.year is None) != (b.year is None):  # one year for both
            year = a.year or b.year
            a, b = _Point(a.year or year, a.month, a.day), _Point(b.year or year, b.month, b.day)
            if (a.month, a.day or 1) > (b.month, b.day or 1) and a.year == b.year:
                a = _Point(a.year - 1, a.month, a.day)  # "from December to February 2024"
        if a.year is None:
            for year in (as_of.year, as_of.year - 1):
                wrap = (a.month, a.day or 1) > (b.month, b.day or 1)
                first = _resolve_point(_Point(year, a.month, a.day), as_of)
                last = _resolve_point(_Point(year + 1 if wrap else year, b.month, b.day), as_of)
                if first and last and first[0] <= as_of:
                    return first[0], last[1]
            return None
    first, last = _resolve_point(a, as_of), _resolve_point(b, as_of)
    if first is None or last is None or first[0] > last[1]:
        return None
    return first[0], last[1]


# --- the finders --------------------------------------------------------------------------------


def _word_before(text: str, index: int) -> str:
    m = re.search(r"([\w'’]+)\W*$", text[:index])
    return m.group(1).lower() if m else ""


def _word_after(text: str, index: int) -> str:
    m = re.match(r"\s*([\w'’]+)", text[index:])
    return m.group(1) if m else ""


def _found(
    m: re.Match[str], kind: ExpressionKind, window: Window | None
) -> tuple[int, int, ExpressionKind, Window | None]:
    return m.start(), m.end(), kind, window


def _ranges(text: str, low: str, as_of: date, lowercase: bool):
    for m in _RANGE.finditer(low):
        a = _components(m["a"])
        if m["b"].lower() in ("today", "now"):
            start = _resolve_point(a, as_of) if a else None
            if start and start[0] <= as_of:
                yield _found(m, "window", (start[0], as_of))
            continue
        b = _components(m["b"])
        if a is None or b is None:
            continue
        if a.year is not None and a.month is None and _word_after(text, m.end()).lower() in _MEASURE_WORDS:
            continue  # "between 1900 and 2000 workers"
        window = _clip(_resolve_range(a, b, as_of), as_of)
        if window:
            yield _found(m, "window", window)


def _day_ranges(text: str, low: str, as_of: date, lowercase: bool):
    for m in _DAY_RANGE.finditer(low):
        month = _month_number(m["m1"] or m["m2"])
        d1, d2 = (m["d1"], m["d2"]) if m["m1"] else (m["d3"], m["d4"])
        year = int(m["y"]) if m["y"] else None
        window = _clip(
            _resolve_range(_Point(year, month, _day_number(d1)), _Point(year, month, _day_number(d2)), as_of), as_of
        )
        if window:
            yield _found(m, "window", window)


def _ahead(month: int, day: int, as_of: date) -> int | None:
    """Days until this year's month/day when it is still to come, else None."""
    try:
        coming = date(as_of.year, month, day)
    except ValueError:  # February 29 in a common year
        return None
    return (coming - as_of).days if coming > as_of else None


def _dates(text: str, low: str, as_of: date, lowercase: bool):
    for m in _DATE.finditer(low):
        point = _components(m["pt"])
        if point is None:
            continue
        if point.day is not None and _word_after(low, m.end()) in _EVENT_NAME_WORDS:
            continue  # "the Jan. 6 committee": an event's name, not the question's time
        since = (m["pre"] or "") == "since"
        kind: ExpressionKind = "window"
        if point.year is None and point.day is not None and not since:
            ahead = _ahead(point.month, point.day, as_of)
            if ahead is not None and ahead <= _COMING_DAYS:
                continue  # "coming July 29", asked in July: a coming day, no window
            if ahead is not None:
                kind = "prefer"  # last year's July 29, or a coming one: not sure
        window = _resolve_point(point, as_of)
        if window is None:
            continue
        if point.day is None:
            window = _part(window, m["part"])
        if since:
            window = window[0], as_of
        window = _clip(window, as_of)
        if window:
            yield _found(m, kind, window)


def _trailing(text: str, low: str, as_of: date, lowercase: bool):
    for m in _TRAILING.finditer(low):
        if _word_after(text, m.end()).lower() == "of":
            continue  # "the last week of March"
        count, vague = _number(m["n"]) if m["n"] else (1, False)
        yield _found(m, "prefer" if vague else "window", (as_of - _delta(count, m["unit"]), as_of))
    for m in _THIS_PAST.finditer(low):
        yield _found(m, "prefer", (as_of - _delta(1, m["unit"]), as_of))


def _ago(text: str, low: str, as_of: date, lowercase: bool):
    for m in _AGO.finditer(low):
        count, vague = _number(m["n"])
        unit = m["unit"].lower().rstrip("s")
        center = as_of - _delta(count, unit)
        if unit == "day" and not vague:
            yield _found(m, "window", (center, center))
            continue
        spread = {"day": timedelta(days=max(1, count // 2)), "week": timedelta(days=3), "month": timedelta(days=15)}
        half = spread.get(unit, timedelta(days=182))
        if vague and unit != "day":
            half *= 2
        window = _clip((center - half, center + half), as_of)
        if window:
            yield _found(m, "prefer", window)


def _recent(text: str, low: str, as_of: date, lowercase: bool):
    for m in _RECENT.finditer(low):
        if _word_before(text, m.start()) == "most":
            continue  # "most recent(ly)" asks for the latest
        if m["adv"]:
            days = 14
        elif m["unit"]:
            days = {"days": 7, "weeks": 28, "months": 90}[m["unit"].lower()]
        else:
            days = 30
        yield _found(m, "prefer", (as_of - timedelta(days=days), as_of))


def _weekends(text: str, low: str, as_of: date, lowercase: bool):
    for m in _WEEKEND.finditer(low):
        det = " ".join(m["det"].lower().split())
        saturday = as_of + relativedelta(weekday=SA(-1))  # the latest Saturday not after as_of
        if det == "last" and as_of.weekday() >= 5:
            saturday -= timedelta(days=7)
        yield _found(m, "window", (saturday, min(saturday + timedelta(days=1), as_of)))


def _calendar(text: str, low: str, as_of: date, lowercase: bool):
    for m in _CALENDAR.finditer(low):
        if _word_after(text, m.end()).lower() == "of":
            continue  # "the last week of March"
        unit, rel = m["unit"].lower(), m["rel"].lower()
        last = rel == "last"
        if unit == "week":
            start = _week_start(as_of) - timedelta(days=7 * last)
            window = start, start + timedelta(days=6)
        elif unit == "month":
            first = (as_of + relativedelta(months=-1 if last else 0)).replace(day=1)
            window = _month_window(first.year, first.month)
        else:
            year = as_of.year - last
            window = date(year, 1, 1), date(year, 12, 31)
        kind: ExpressionKind = "prefer" if (m["when"] or "").lower() == "later" else "window"
        clipped = _clip(window, as_of)
        if clipped:
            yield _found(m, kind, clipped)


def _bare_months(text: str, low: str, as_of: date, lowercase: bool):
    for m in _BARE_MONTH.finditer(low):
        pre = (m["pre"] or "").lower()
        name = text[m.start("m") : m.end("m")]
        if not (pre or m["part"] or m["y"]):
            continue  # "the March on Washington", "Theresa May"
        if _word_after(text, m.end()).lower() in _MONTH_AFTER_TRAPS:
            continue
        strong = pre in ("in", "during", "throughout", "since") or m["part"] or m["y"]
        if not name[0].isupper() and not (lowercase and strong):
            continue  # "the last march", "this may be"
        if name.lower() == "may" and not strong:
            continue  # "This May be ..." at the start of a sentence
        month = _month_number(name)
        year = int(m["y"]) if m["y"] else None
        if m["rel"]:  # "in August last year"
            year = as_of.year - (m["rel"] == "last")
        kind: ExpressionKind = "window"
        if year is None and pre not in ("since", "last") and month > as_of.month:
            this_year = date(as_of.year, month, 1)
            if (this_year - as_of).days <= _COMING_DAYS:
                continue  # "in November", asked late in October: the coming month
            kind = "prefer"  # last year's, or this year's still to come
        rel = pre if pre in ("last", "this") else "latest"
        window = _resolve_point(_Point(year, month), as_of, rel)
        if window is None:
            continue
        window = _part(window, m["part"])
        if pre == "since":
            window = window[0], as_of
        window = _clip(window, as_of)
        if window:
            yield _found(m, kind, window)


def _bare_years(text: str, low: str, as_of: date, lowercase: bool):
    for m in _BARE_YEAR.finditer(low):
        if _word_after(text, m.end()).lower() in _MEASURE_WORDS:
            continue  # "in 2000 homes"
        year = int(m["y"])
        window = _part((date(year, 1, 1), date(year, 12, 31)), m["part"])
        if m["pre"].lower() == "since":
            window = window[0], as_of
        window = _clip(window, as_of)
        if window:
            yield _found(m, "window", window)


def _day_words(text: str, low: str, as_of: date, lowercase: bool):
    for m in _DAY_WORDS.finditer(low):
        if m["today"] == "today":
            before = _word_before(text, m.start())
            after = _word_after(text, m.end()).lower()
            if (
                before == "usa"
                or after in ("show", "programme", "program")
                or (text[m.start("today")] == "T" and before == "the")
            ):
                continue
        if m["before"]:
            day = as_of - timedelta(days=2)
            window = day, day
        elif m["yesterday"]:
            day = as_of - timedelta(days=1)
            window = day, day
        elif m["lastnight"]:
            window = as_of - timedelta(days=1), as_of
        else:
            window = as_of, as_of
        yield _found(m, "window", window)


def _weekdays(text: str, low: str, as_of: date, lowercase: bool):
    for m in _WEEKDAY_RX.finditer(low):
        pre = (m["pre"] or "").lower()
        if not pre and _word_before(text, m.start()) in _WEEKDAY_BEFORE_TRAPS | _NOT_PAST:
            continue  # "Black Friday", "next Tuesday"
        after = _word_after(text, m.end("wd"))
        if _WEEKDAY_SHOWS.match(low, m.end("wd")) or after.lower() in _WEEKDAY_AFTER_TRAPS:
            continue  # "Saturday Night Live", "Sunday Times", "Sunday school"
        if not pre and not m["poss"] and after[:1].isupper() and after.lower() not in _WEEKDAYS:
            continue  # "Tuesday Weld": a weekday before a name
        rel = {"last": "last", "this": "this", "past": "last"}.get(pre, "latest")
        window = _clip(_resolve_point(_Point(weekday=_WEEKDAYS[m["wd"].lower()]), as_of, rel), as_of)
        if window is None:
            continue
        if pre == "since":
            window = window[0], as_of
        yield _found(m, "window", window)


def _latest(text: str, low: str, as_of: date, lowercase: bool):
    for m in _LATEST.finditer(low):
        word = m.group()
        before = _word_before(text, m.start())
        after = _word_after(text, m.end())
        if word == "latest" and text[max(0, m.start() - 7) : m.start()].lower().endswith("at the "):
            continue  # "by Friday at the latest"
        if word == "now" and (
            text[m.start() : m.end()] == "NOW" or before == "from" or text[m.end() : m.end() + 1] in ("-", "‑")
        ):
            continue  # "a year from now", "now-defunct", NOW (an organisation)
        if word == "to date" and (before == "up" or text[max(0, m.start() - 1) : m.start()] == "-"):
            continue  # "up to date"
        if word == "still" and (before in _STILL_BEFORE_TRAPS or after.lower() in _STILL_AFTER_TRAPS):
            continue  # "stand still", "a still from the film", "still life"
        if word == "current" and (
            after == "" or after.lower() in _CURRENT_AFTER_TRAPS or before in ("ocean", "electric", "rip")
        ):
            continue  # "against the current", "current account", "ocean current"
        yield m.start(), m.end(), ("latest" if m["adj"] else "latest-adverb"), None


_DIGITS = None  # a gate: the question holds a digit
# Each finder with the words one of which the question must hold for it to run (None: a digit).
_FINDERS = (
    (_ranges, _words("between from")),
    (_day_ranges, _DIGITS),
    (_dates, _DIGITS),
    (_trailing, _words("last past previous")),
    (_ago, _words("ago")),
    (_recent, _words("recent recently lately")),
    (_weekends, _words("weekend")),
    (_bare_months, _MONTH_WORDS),
    (_calendar, _words("week month year")),
    (_bare_years, _DIGITS),
    (_day_words, _DAY_WORD_SET),
    (_weekdays, _WEEKDAY_WORDS),
    (_latest, _LATEST_WORDS),
)


# --- the scope ----------------------------------------------------------------------------------


def _combine(windows: list[Window]) -> tuple[Window, bool]:
    """(intersection, True) when the windows overlap, else (the latest-ending one, False): when
    they disagree, the others are mostly background ("the Jan. 2021 attack ... this week")."""
    start = max(w[0] for w in windows)
    end = min(w[1] for w in windows)
    if start <= end:
        return (start, end), True
    return max(windows, key=lambda w: (w[1], w[0])), False


def _without(text: str, spans: list[tuple[int, int, bool]]) -> str:
    """The text with the spans removed (a possessive one becomes 'the'), tidied."""
    pieces = []
    last = 0
    for start, end, possessive in sorted(spans):
        pieces.append(text[last:start])
        if possessive and _word_before(text, start) not in _ARTICLES:
            pieces.append("the")
        last = end
    pieces.append(text[last:])
    out = " ".join("".join(pieces).split())
    out = re.sub(r"\s+([?.!,;:])", r"\1", out)
    out = re.sub(r"\s*,\s*(?=[?.!]|$)|(?:\s+(?:and|or))+\s*(?=[?.!,]|$)", "", out)
    out = re.sub(r",\s*,", ",", out)
    out = re.sub(r"^[\s,;:.]+", "", out).strip()
    if out and text[:1].isupper() and out[0].islower():
        out = out[0].upper() + out[1:]
    return out if re.search(r"\w", out) else text


def _prefilter(question: str) -> tuple[str, set[str], bool] | None:
    """(lowercased text, its words, whether it holds a digit), or None when nothing in it can be
    temporal: the hot path for most questions."""
    low = question.lower()
    if len(low) != len(question):  # a few characters lower to two ("İ"): keep offsets aligned
        low = "".join(ch.lower() if len(ch.lower()) == 1 else ch for ch in question)
    words = set(_WORD.findall(low))
    digit = _DIGIT.search(low) is not None
    if not digit and words.isdisjoint(_TRIGGER_WORDS):
        return None
    return low, words, digit


def mentions_time(question: str) -> bool:
    """Whether the pre-filter lets the question through (it may still resolve to nothing)."""
    return _prefilter(question) is not None


def resolve_time(question: str, as_of: date) -> TimeScope:
    """The question's temporal expressions resolved against `as_of` (see the module docstring)."""
    if isinstance(as_of, datetime):
        as_of = as_of.date()
    scanned = _prefilter(question)
    if scanned is None:
        return TimeScope(as_of=as_of, text_without_time=question)
    low, words, digit = scanned
    lowercase = low == question
    taken: list[tuple[int, int]] = []
    found: list[tuple[int, int, str, Window | None]] = []
    for finder, gate in _FINDERS:
        if not (digit if gate is None else not words.isdisjoint(gate)):
            continue
        for start, end, kind, window in finder(question, low, as_of, lowercase):
            if all(end <= s or start >= e for s, e in taken):
                taken.append((start, end))
                found.append((start, end, kind, window))
    if not found:
        return TimeScope(as_of=as_of, text_without_time=question)

    found.sort()
    expressions = tuple(
        TimeExpression(question[s:e], s, e, "latest" if k.startswith("latest") else k, w)  # type: ignore[arg-type]
        for s, e, k, w in found
    )
    hard = [e.window for e in expressions if e.kind == "window" and e.window]
    soft = [e.window for e in expressions if e.kind == "prefer" and e.window]
    window: Window | None = None
    kind: Kind | None = None
    if hard:
        window, overlap = _combine(hard)
        kind = "window" if overlap else "prefer"
    elif soft:
        window, _ = _combine(soft)
        kind = "prefer"
    removed = [(s, e, question[s:e].endswith(("'s", "’s"))) for s, e, k, _ in found if k != "latest"]
    return TimeScope(
        as_of=as_of,
        window=window,
        kind=kind,
        wants_latest=any(e.kind == "latest" for e in expressions),
        expressions=expressions,
        text_without_time=_without(question, removed),
    )
