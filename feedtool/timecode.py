"""Conversions between float seconds (the model's unit) and the time formats of tags, notes and feeds, and
the moments producers write (episode dates, --now)."""

import math
import re
from datetime import UTC, date, datetime, time, tzinfo

TIMECODE = re.compile(r"^(?:(?:(?P<h>\d+):)?(?P<m>\d{1,2}):)?(?P<s>\d{1,2}(?:[.,]\d+)?)$")


def parse_timecode(text: str) -> float:
    """'1:02:03.5', '02:03', '123' or '123.25' -> seconds.

    >>> parse_timecode("1:02:03.5")
    3723.5
    >>> parse_timecode("12:16")
    736.0
    >>> parse_timecode("90")
    90.0
    """
    text = text.strip()
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return _finite(float(text), text)
    match = TIMECODE.match(text)
    if not match:
        raise ValueError(f"'{text}' is not a time (write HH:MM:SS, MM:SS or seconds)")
    hours, minutes = int(match["h"] or 0), int(match["m"] or 0)
    seconds = float(match["s"].replace(",", "."))
    if (match["h"] is not None and minutes >= 60) or seconds >= 60:
        raise ValueError(f"'{text}' is not a time (minutes and seconds run 00-59)")
    try:
        return _finite(hours * 3600 + minutes * 60 + seconds, text)
    except OverflowError:  # int + float with hundreds of digits of hours
        return _finite(math.inf, text)


def _finite(seconds: float, text: str) -> float:
    """float() makes 400 digits infinite: no caller can count, compare or print such a time."""
    if not math.isfinite(seconds):
        raise ValueError(f"'{text[:20]}…' is not a time (too large: write HH:MM:SS, MM:SS or seconds)")
    return seconds


def whole_seconds(seconds: float) -> int:
    """Durations in feeds are whole seconds, rounded half up.

    >>> whole_seconds(1799.5)
    1800
    """
    return int(seconds + 0.5)


def format_npt(seconds: float) -> str:
    """Podlove Simple Chapters' normal play time, HH:MM:SS.mmm.

    >>> format_npt(3723.5)
    '01:02:03.500'
    """
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d}.{rest % 1000:03d}"


def format_clock(seconds: float) -> str:
    """H:MM:SS for people.

    >>> format_clock(3723.5)
    '1:02:04'
    """
    total = whole_seconds(seconds)
    return f"{total // 3600}:{total % 3600 // 60:02d}:{total % 60:02d}"


def parse_moment(text: str, tz: tzinfo) -> datetime:
    """A moment as producers write it: YYYY-MM-DD (midnight), or ISO 8601 with or without an offset (then `tz`
    applies). Raises ValueError with the formats to use."""
    try:
        if len(text) == 10:
            parsed = datetime.combine(date.fromisoformat(text), time(0))
        else:
            parsed = datetime.fromisoformat(text.replace(" ", "T", 1) if " " in text[:11] else text)
    except ValueError:
        raise ValueError(f"'{text}' is not a date (use YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS+02:00)") from None
    try:
        moment = in_zone(parsed, tz)
    except (OverflowError, ValueError):
        raise ValueError(f"'{text}' is outside the years 1 to 9999 in UTC (give the real date)") from None
    if parsed.tzinfo is None and len(text) > 10:  # a time of day in the zone (a bare date means its midnight)
        _refuse_skipped_or_repeated(text, parsed, moment, tz)
    return moment


def _refuse_skipped_or_repeated(text: str, parsed: datetime, moment: datetime, tz: tzinfo) -> None:
    """A local time the change to daylight saving skips (02:30 in New York on its spring night) or the change
    back repeats (01:30 on its autumn night) names no moment, or two: refuse it rather than pick one for the
    producer (Python reads the first, so a skipped 02:30 became 02:30 -05:00, which is 03:30 EDT)."""
    as_read = moment.astimezone(UTC).astimezone(tz)
    if as_read.replace(tzinfo=None) != parsed:
        raise ValueError(
            f"'{text}' does not exist in {tz}: the clocks went forward then (write the time as the clocks read "
            f"it, {as_read.replace(tzinfo=None).isoformat()}, or give the offset)"
        )
    first, second = moment.replace(fold=0).utcoffset(), moment.replace(fold=1).utcoffset()
    if first != second:
        raise ValueError(
            f"'{text}' happens twice in {tz}: the clocks went back then (give the offset: "
            f"{text}{_offset(first)} the first time, {text}{_offset(second)} the second)"
        )


def _offset(delta) -> str:
    minutes = int(delta.total_seconds()) // 60
    return f"{'-' if minutes < 0 else '+'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def in_zone(parsed: datetime, tz: tzinfo) -> datetime:
    """A moment with its zone: `tz` when it has none. Raises OverflowError for one outside the years 1-9999 in
    UTC (9999-12-31T23:30-05:00 is in year 10000 there, where feeds and apps compare instants)."""
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    parsed.astimezone(UTC)
    return parsed


def rfc2822_ready(moment: datetime) -> datetime:
    """The moment in its own offset, or in UTC when that offset has seconds: RFC 2822 writes whole minutes
    (+0202), and a zone's local mean time before standard time had seconds (Europe/Kyiv until 1924:
    +02:02:04). UTC names the same instant exactly; rounding the offset would move it.

    >>> from zoneinfo import ZoneInfo
    >>> rfc2822_ready(datetime(1920, 1, 15, 8, 0, tzinfo=ZoneInfo("Europe/Kyiv"))).isoformat()
    '1920-01-15T05:57:56+00:00'
    """
    offset = moment.utcoffset()
    if offset is not None and (offset.seconds % 60 or offset.microseconds):
        return moment.astimezone(UTC)
    return moment
