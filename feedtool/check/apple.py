"""Apple Podcasts rules (A Podcaster's Guide to RSS): required and recommended tags and the values Apple takes;
the artwork's rules are in artwork.py, the categories in categories.py."""

from __future__ import annotations

import difflib
import functools
import logging
import re
from datetime import datetime, timedelta, timezone
from pathlib import PurePosixPath

from feedtool.check.artwork import artwork
from feedtool.check.categories import APPLE_CATEGORIES
from feedtool.check.context import Scope
from feedtool.check.xml import ITUNES_TAG, child, children, qualified, text
from feedtool.errors import Finding, error, warning
from feedtool.facts import MIME_TYPES, is_digits
from feedtool.urls import path_suffix, split_url

log = logging.getLogger(__name__)

# Enclosure types Apple lists (A Podcaster's Guide to RSS, <enclosure>): extension -> type.
APPLE_ENCLOSURE_TYPES = {
    ".m4a": "audio/x-m4a",
    ".mp3": "audio/mpeg",
    ".mov": "video/quicktime",
    ".mp4": "video/mp4",
    ".m4v": "video/x-m4v",
    ".pdf": "application/pdf",
}

TEXT_LIMIT = 255  # characters, "unless otherwise specified"
DESCRIPTION_LIMIT = 4000  # bytes
LONG_TAGS = ("description", "itunes:summary")
TYPE_ALIASES = {"audio/mp4": ".m4a", "audio/m4a": ".m4a", "audio/opus": ".opus"}
SHOW_TYPES = ("episodic", "serial")
EPISODE_TYPES = ("full", "trailer", "bonus")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
ZONES = {"UT": 0, "GMT": 0, "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7}
_RFC2822 = re.compile(
    r"^(?:(?P<wday>\w{3}),\s*)?(?P<day>\d{1,2})\s+(?P<mon>\w{3})\s+(?P<year>\d{2,4})\s+"
    r"(?P<h>\d{2}):(?P<m>\d{2})(?::(?P<s>\d{2}))?\s+(?P<zone>[+-]\d{4}|[A-Z]{1,3})$"
)
_DURATION = re.compile(r"^(?:(?:(?P<h>\d+):)?(?P<m>\d{1,2}):)?(?P<s>\d+(?:\.\d+)?)$")
_LANGUAGE = re.compile(r"^[a-zA-Z]{2,3}(?:-[a-zA-Z0-9]{2,8})*$")


def parse_rfc2822(value: str) -> datetime:
    """An RFC 2822 date, strictly: four-digit year, known zone, weekday (if given) matching the date."""
    match = _RFC2822.match(value.strip())
    if not match or match["mon"] not in MONTHS or len(match["year"]) != 4:
        raise ValueError(f"'{value}' is not an RFC 2822 date")
    zone = match["zone"]
    if zone[0] not in "+-" and zone not in ZONES:
        raise ValueError(f"'{value}' has an unknown time zone '{zone}'")
    try:
        parsed = datetime(
            int(match["year"]),
            MONTHS.index(match["mon"]) + 1,
            int(match["day"]),
            int(match["h"]),
            int(match["m"]),
            int(match["s"] or 0),
            tzinfo=_zone(zone),  # ValueError for an offset of a day or more
        )
    except ValueError as e:
        raise ValueError(f"'{value}' is not a real date ({e})") from None
    if match["wday"] and match["wday"] != DAYS[parsed.weekday()]:
        raise ValueError(f"'{value}' says {match['wday']}, but that day is a {DAYS[parsed.weekday()]}")
    return parsed


@functools.lru_cache(maxsize=64)  # a feed's dates share a zone or two: one tzinfo each, not one per date
def _zone(zone: str) -> timezone:
    if zone[0] in "+-":
        return timezone(timedelta(hours=int(zone[1:3]), minutes=int(zone[3:])) * (1 if zone[0] == "+" else -1))
    return timezone(timedelta(hours=ZONES[zone]))


def parse_duration(value: str) -> float:
    """itunes:duration as seconds: `1801`, `30:01` or `0:30:01`."""
    match = _DURATION.match(value.strip())
    if not match or (match["m"] and int(match["m"]) > 59 and match["h"]) or (match["m"] and float(match["s"]) >= 60):
        raise ValueError(f"'{value}' is not a duration")
    return int(match["h"] or 0) * 3600 + int(match["m"] or 0) * 60 + float(match["s"])


def _missing(scope: Scope, name: str, rule: str, hint: str) -> list[Finding]:
    if scope.child(name) is not None:
        return []
    make = error if rule == "apple/required" else warning
    return [make(rule, scope.where(scope.element, child=name), "missing", hint)]


def required_channel(scope: Scope) -> list[Finding]:
    found = []
    for name, hint in (
        ("title", "add <title>, the show's name"),
        ("description", "add <description>, what the show is about"),
        ("itunes:image", 'add <itunes:image href="https://…/cover.jpg"/>, the show artwork'),
        ("language", "add <language>, an ISO 639 code such as en"),
        ("itunes:category", 'add <itunes:category text="…"/> from Apple\'s list'),
        ("itunes:explicit", "add <itunes:explicit>false</itunes:explicit> (or true)"),
    ):
        found += _missing(scope, name, "apple/required", hint + "; Apple requires it")
    image = scope.child("itunes:image")
    if image is not None and not image.get("href"):
        found.append(
            error(
                "apple/required",
                scope.where(image, attr="href"),
                "missing",
                "give the artwork URL as the href attribute",
            )
        )
    found += _missing(scope, "itunes:author", "apple/recommended", "add <itunes:author>, who makes the show")
    owner = scope.child("itunes:owner")
    if owner is None or child(owner, "itunes:email") is None:
        found.append(
            warning(
                "apple/recommended",
                scope.where(scope.element, child="itunes:owner"),
                "no owner e-mail",
                "add <itunes:owner><itunes:email>…; Apple mails the owner",
            )
        )
    return found


def required_item(scope: Scope) -> list[Finding]:
    found = _missing(scope, "title", "apple/required", "give every episode a <title>; Apple requires it")
    found += _missing(scope, "enclosure", "apple/required", "add <enclosure url length type>; Apple requires it")
    for name, hint in (
        ("pubDate", "add <pubDate>, the release date"),
        ("description", "add <description>, the episode notes"),
        ("itunes:duration", "add <itunes:duration> in seconds"),
    ):
        found += _missing(scope, name, "apple/recommended", hint)
    return found


def values(scope: Scope) -> list[Finding]:
    """explicit, type, episodeType, episode and season numbers, block and complete: the values Apple takes."""
    found = []
    explicit = scope.child("itunes:explicit")
    if explicit is not None and (text(explicit) or "").strip() not in ("true", "false"):
        found.append(
            error(
                "apple/explicit",
                scope.where(explicit),
                f"is '{text(explicit)}'",
                "write true or false; Apple no longer takes yes, no or clean",
            )
        )
    for name in ("itunes:block", "itunes:complete"):
        element = scope.child(name)
        if element is not None and (text(element) or "").strip().lower() != "yes":
            found.append(
                warning(
                    "apple/yes-value",
                    scope.where(element),
                    f"is '{text(element)}', which Apple ignores",
                    f"write Yes, or remove <{name}>",
                )
            )
    if not scope.is_item:
        kind = scope.child("itunes:type")
        if kind is not None and (text(kind) or "").strip() not in SHOW_TYPES:
            found.append(error("apple/show-type", scope.where(kind), f"is '{text(kind)}'", "write episodic or serial"))
        return found
    episode_type = scope.child("itunes:episodeType")
    if episode_type is not None and (text(episode_type) or "").strip() not in EPISODE_TYPES:
        found.append(
            error(
                "apple/episode-type",
                scope.where(episode_type),
                f"is '{text(episode_type)}'",
                "write full, trailer or bonus",
            )
        )
    for name, rule in (("itunes:episode", "apple/episode-number"), ("itunes:season", "apple/season-number")):
        element = scope.child(name)
        value = (text(element) or "").strip() if element is not None else None
        if value is not None and not (is_digits(value) and int(value) > 0):
            found.append(
                error(rule, scope.where(element), f"'{value}' is not a positive whole number", "Apple takes 1, 2, 3…")
            )
    if scope.show_type == "serial" and scope.child("itunes:episode") is None:
        found.append(
            error(
                "apple/serial-episode",
                scope.where(scope.element, child="itunes:episode"),
                "missing in a serial show",
                "number every episode of a serial show",
            )
        )
    return found


def category(scope: Scope) -> list[Finding]:
    found = []
    for element in children(scope.element, "itunes:category"):
        name = element.get("text")
        if name not in APPLE_CATEGORIES:
            found.append(
                error(
                    "apple/category",
                    scope.where(element, attr="text"),
                    f"'{name}' is not an Apple Podcasts category",
                    _closest(name, APPLE_CATEGORIES),
                )
            )
            continue
        for sub in children(element, "itunes:category"):
            if sub.get("text") not in APPLE_CATEGORIES[name]:
                found.append(
                    error(
                        "apple/category",
                        scope.where(sub, attr="text"),
                        f"'{sub.get('text')}' is not a subcategory of '{name}'",
                        _closest(sub.get("text"), APPLE_CATEGORIES[name])
                        if APPLE_CATEGORIES[name]
                        else f"'{name}' has no subcategories",
                    )
                )
    return found


def _closest(value: str | None, choices) -> str:
    close = difflib.get_close_matches(value or "", list(choices), n=1, cutoff=0.5)
    return (
        f"did you mean '{close[0]}'?" if close else "use a name from Apple's category list, spelled as Apple spells it"
    )


def language(scope: Scope) -> list[Finding]:
    element = scope.child("language")
    value = (text(element) or "").strip() if element is not None else None
    if value is not None and not _LANGUAGE.match(value):
        return [
            error(
                "apple/language",
                scope.where(element),
                f"'{value}' is not an ISO 639 language code",
                "write a code such as en, uk or en-us",
            )
        ]
    return []


def dates(scope: Scope) -> list[Finding]:
    found = []
    for name in ("pubDate", "lastBuildDate"):
        element = scope.child(name)
        if element is not None:
            try:
                parse_rfc2822(text(element) or "")
            except ValueError as e:
                found.append(
                    error("apple/date", scope.where(element), str(e), "write e.g. Wed, 15 Jan 2024 08:00:00 +0000")
                )
    return found


def duration(scope: Scope) -> list[Finding]:
    element = scope.child("itunes:duration")
    if element is None:
        return []
    try:
        seconds = parse_duration(text(element) or "")
    except ValueError as e:
        return [error("apple/duration", scope.where(element), str(e), "write whole seconds, e.g. 1801")]
    if seconds <= 0:
        return [error("apple/duration", scope.where(element), "is 0", "give the episode's real length in seconds")]
    return []


def text_values(scope: Scope) -> list[Finding]:
    """Lengths and surrounding spaces of the plain values Apple reads."""
    found = []
    for element, name, tag in scope.own_elements:
        if len(element) or tag[0] == "{" and not tag.startswith(ITUNES_TAG):
            continue
        value = text(element) or ""
        if name in LONG_TAGS:
            size = len(value.encode("utf-8"))
            if size > DESCRIPTION_LIMIT:
                found.append(
                    error(
                        "apple/description-size",
                        scope.where(element),
                        f"is {size} bytes, more than Apple's {DESCRIPTION_LIMIT}",
                        "shorten it; content:encoded may carry the full notes",
                    )
                )
        elif len(value) > TEXT_LIMIT:
            found.append(
                warning(
                    "apple/text-length",
                    scope.where(element),
                    f"is {len(value)} characters, more than Apple's {TEXT_LIMIT}",
                    "shorten it; Apple cuts longer values",
                )
            )
        if value and value != value.strip():
            found.append(
                warning(
                    "apple/whitespace",
                    scope.where(element),
                    "has leading or trailing spaces",
                    "remove them; Apple asks for none",
                )
            )
    return found


def enclosure(scope: Scope) -> list[Finding]:
    element = scope.child("enclosure")
    if element is None:
        return []
    found = [
        error(
            "apple/enclosure",
            scope.where(element, attr=name),
            "missing",
            f'an enclosure needs url, length and type; add {name}="…"',
        )
        for name in ("url", "length", "type")
        if element.get(name) is None
    ]
    length = element.get("length")
    if length is not None and not is_digits(length.strip()):
        found.append(
            error(
                "apple/enclosure",
                scope.where(element, attr="length"),
                f"'{length}' is not a number of bytes",
                "give the file size in bytes",
            )
        )
    url, kind = element.get("url"), element.get("type")
    if url and kind:
        found += _enclosure_type(scope, element, url, kind)
    return found


def _enclosure_type(scope: Scope, element, url: str, kind: str) -> list[Finding]:
    suffix = path_suffix(split_url(url).path).lower()
    expected = APPLE_ENCLOSURE_TYPES.get(suffix) or MIME_TYPES.get(suffix)
    if expected is None:
        return [
            warning(
                "apple/enclosure-type",
                scope.where(element, attr="url"),
                f"'{suffix or PurePosixPath(split_url(url).path).name}' is not a media file extension Apple knows",
                "Apple decides by the URL's extension: end it in .mp3, .m4a, .mp4, .m4v or .mov",
            )
        ]
    if kind != expected and TYPE_ALIASES.get(kind) != suffix:
        return [
            error(
                "apple/enclosure-type",
                scope.where(element, attr="type"),
                f"is {kind}, but the file is {suffix} ({expected})",
                f'write type="{expected}"',
            )
        ]
    if suffix not in APPLE_ENCLOSURE_TYPES:
        return [
            warning(
                "apple/enclosure-type",
                scope.where(element, attr="type"),
                f"{kind} ({suffix}) is not a format Apple Podcasts plays",
                "Apple lists MP3, M4A, MP4, M4V, MOV and PDF; add an MP3 rendition for Apple",
            )
        ]
    return []


def https(scope: Scope) -> list[Finding]:
    found = []
    targets = [(scope.child("enclosure"), "url"), (scope.child("itunes:image"), "href")]
    atom_links = scope.element.iterchildren(qualified("atom:link"))
    targets += [(link, "href") for link in atom_links if link.get("rel") == "self"]
    for element, attr in targets:
        if element is not None:
            found += plain_http(
                scope,
                element,
                attr,
                "apple/https",
                "is served over http, not https",
                "serve the feed, artwork and media over https, as Apple recommends",
            )
    return found


def plain_http(scope: Scope, element, attr: str, rule: str, message: str, hint: str) -> list[Finding]:
    """A warning when the URL in element's attr is http (reported where its cause is, or not at all)."""
    url = element.get(attr)
    where = scope.url_where(element, attr, url) if url and split_url(url).scheme == "http" else None
    return [warning(rule, where, message, hint)] if where else []


CHANNEL_RULES = (required_channel, values, category, language, dates, text_values, https, artwork)
ITEM_RULES = (required_item, values, dates, duration, text_values, enclosure, https, artwork)
