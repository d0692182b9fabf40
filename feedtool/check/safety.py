"""Subscribers' safety: URLs apps can fetch, honest enclosures, notes apps render, and episodes that stay put.

Per scope (channel or item) and across items: the cross-item rules run over small keys, so `feedtool build`
applies them to its cached EpisodeRefs without rendering or parsing anything.
"""

from __future__ import annotations

import functools
import html
import re
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from html.parser import HTMLParser
from itertools import pairwise
from typing import NamedTuple

from feedtool.check.context import Scope
from feedtool.check.psp import TAGS
from feedtool.check.xml import PODCAST_TAG, tag_name, text
from feedtool.errors import Finding, error, info, warning
from feedtool.render.notes import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, URL_SCHEMES, sanitize
from feedtool.urls import split_url, unencoded

# Names reserved for examples and tests (RFC 2606, RFC 6761): a feed pointing at them points nowhere.
PLACEHOLDER_HOSTS = ("example.com", "example.org", "example.net", "localhost")
PLACEHOLDER_SUFFIXES = (".example", ".test", ".invalid", ".localhost", ".example.com", ".example.org", ".example.net")

URL_TEXT = ("link", "itunes:new-feed-url", "url")  # elements whose text is a URL (url: inside <image>)
# elements whose URL names a file: a '#' or a '?' in the middle of a file name there is a naming mistake
FILE_TAGS = {"enclosure", "itunes:image", "url", "podcast:transcript", "podcast:chapters", "podcast:source"}
URL_ATTRS = {"enclosure": "url", "itunes:image": "href", "atom:link": "href"}
ACTIVE_TAGS = {"script", "iframe", "object", "embed", "form", "style", "link", "meta", "base"}
NOTES = ("description", "content:encoded")
CHANNEL_HTML = ("description", "itunes:summary", "podcast:funding")  # channel text apps render as HTML
FUTURE_SLACK = 60.0  # seconds of clock skew forgiven


def url_fields(scope: Scope):
    """(element, attribute or None, URL) for every URL the scope points apps at."""
    for element, name, tag in scope.own_elements:
        if name in URL_TEXT and (name != "url" or tag_name(element.getparent()) == "image"):
            yield element, None, (text(element) or "").strip()
        elif name in URL_ATTRS and element.get(URL_ATTRS[name]) is not None:
            yield element, URL_ATTRS[name], element.get(URL_ATTRS[name]).strip()
        elif tag.startswith(PODCAST_TAG) and tag[len(PODCAST_TAG) :] in TAGS:
            for attr in TAGS[tag[len(PODCAST_TAG) :]].urls:
                value = element.get(attr)
                if value is not None:
                    yield element, attr, value.strip()


@functools.lru_cache(maxsize=256)  # an episode's links are in its description and its content:encoded
def placeholder(url: str) -> bool:
    host = (split_url(url).hostname or "").lower().rstrip(".")
    return host in PLACEHOLDER_HOSTS or host.endswith(PLACEHOLDER_SUFFIXES)


def urls(scope: Scope) -> list[Finding]:
    found, said = [], set()
    for element, attr, url in url_fields(scope):
        problem = unencoded(url, file=tag_name(element) in FILE_TAGS)
        if problem:
            where = scope.encoding_where(element, attr, url)
            cause = scope.cause(url)  # base_url itself, for the URLs made from it: said once, in its words
            if where and (where, cause) not in said:
                said.add((where, cause))
                found.append(
                    error(
                        "safety/url",
                        where,
                        f"'{cause}' has {unencoded(cause) or problem}, not percent-encoded",
                        "percent-encode it (a space is %20, '#' %23, '?' %3F); "
                        "feedtool build encodes the files of the show folder itself",
                    )
                )
            continue
        parts = split_url(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            where = scope.url_where(element, attr, url)
            if where:
                found.append(
                    error(
                        "safety/url",
                        where,
                        f"'{url}' is not an absolute http(s) URL",
                        "apps fetch only full URLs: write https://host/path",
                    )
                )
        elif placeholder(url):
            where = scope.url_where(element, attr, url)  # under base_url: named once, as feed.base_url
            if where and scope.rehearsal:
                found.append(
                    info(
                        "safety/placeholder",
                        where,
                        f"'{scope.cause(url)}' points at a placeholder domain",
                        "fine for a rehearsal; set the real URL before the show goes public",
                    )
                )
            elif where:
                found.append(
                    error(
                        "safety/placeholder",
                        where,
                        f"'{scope.cause(url)}' points at a placeholder domain",
                        "replace it with the real URL, or set staging = true under [feed] to rehearse",
                    )
                )
    return found


def enclosure_length(scope: Scope) -> list[Finding]:
    element = scope.child("enclosure")
    if element is not None and (element.get("length") or "").strip() == "0":
        return [
            error(
                "safety/enclosure-length",
                scope.where(element, attr="length"),
                "is 0",
                "give the file's size in bytes; apps use it to download and resume",
            )
        ]
    return []


class _NotesScan(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.unrendered: set[str] = set()
        self.active: set[str] = set()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ACTIVE_TAGS:
            self.active.add(f"<{tag}>")
        elif tag not in ALLOWED_TAGS:
            self.unrendered.add(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.active.add(f"{name}=")
            elif name in ("href", "src") and value:
                scheme = split_url(value.strip()).scheme.lower()
                if scheme and scheme not in URL_SCHEMES:
                    self.active.add(f"{scheme}: link")
                elif name in ALLOWED_ATTRIBUTES.get(tag, ()):
                    self.links.append(value)


_HREF = re.compile(r'<a href="([^"]*)">')
# The tags our sanitiser writes: rendered tags without attributes, and links with nothing but an href
_PLAIN_TAG = re.compile(r'</?(?:%s)>|<br ?/>|<a href="([^"<>]*)">' % "|".join(sorted(ALLOWED_TAGS)))


def _scan(notes_html: str) -> _NotesScan | _Links:
    """What the notes use. HTML our sanitiser leaves as it is holds nothing to report but its links; finding
    that out with nh3 is five times faster than parsing in Python, which matters in a 10,000-episode build."""
    links = _plain_links(notes_html)
    if links is None and sanitize(notes_html) == notes_html.strip():
        links = [html.unescape(link) for link in _HREF.findall(notes_html)]
    if links is not None:
        return _Links(links)
    scan = _NotesScan()
    scan.feed(notes_html)
    scan.close()
    return scan


class _Links(NamedTuple):
    """What the scan of notes our sanitiser leaves as they are finds: only their links."""

    links: list[str]
    unrendered: frozenset = frozenset()
    active: frozenset = frozenset()


def _plain_links(notes_html: str) -> list[str] | None:
    """The links of notes whose every tag is a plain rendered tag and whose links are web links, as our own
    notes are; None when the notes need a closer look. Such notes hold nothing to report but their links,
    and a regular expression tells them in a quarter of the time nh3 takes."""
    found = _PLAIN_TAG.findall(notes_html)  # per tag: its href, or "" (an empty href names nothing either)
    if len(found) != notes_html.count("<"):  # any other "<" starts something else
        return None
    links = []
    for href in filter(None, found):
        link = html.unescape(href)
        try:
            scheme = split_url(link.strip()).scheme.lower()
        except ValueError:
            return None
        if scheme and scheme not in URL_SCHEMES:
            return None
        links.append(link)
    return links


def notes(scope: Scope) -> list[Finding]:
    """An item's notes: what apps render of them, and nothing active."""
    elements = [e for e in map(scope.child, NOTES) if e is not None]
    return _html_fields(scope, elements, "safety/notes-script", "safety/notes-html")


def channel_html(scope: Scope) -> list[Finding]:
    """The channel's text that apps render as HTML (description, itunes:summary, podcast:funding)."""
    elements = [e for e, name, _ in scope.own_elements if name in CHANNEL_HTML and e.getparent() is scope.element]
    return _html_fields(scope, elements, "safety/channel-script", "safety/channel-html")


def _html_fields(scope: Scope, elements: list, script_rule: str, html_rule: str) -> list[Finding]:
    found = []
    scans: dict[str, _NotesScan | _Links] = {}
    for element in elements:
        notes_html = text(element) or ""
        if notes_html not in scans:  # description and content:encoded usually carry the same HTML
            scans[notes_html] = _scan(notes_html)
        scan = scans[notes_html]
        if not (scan.active or scan.unrendered or any(map(placeholder, scan.links))):
            continue  # the usual case: nothing to report, so no need to say where
        where = scope.where(element)
        if scan.active:
            found.append(
                error(
                    script_rule,
                    where,
                    f"contains {', '.join(sorted(scan.active))}",
                    "remove scripts, event handlers and non-web links; apps strip them or refuse the feed",
                )
            )
        if scan.unrendered:
            found.append(
                warning(
                    html_rule,
                    where,
                    f"uses {', '.join(sorted(scan.unrendered))}, which podcast apps do not render",
                    "keep to p, br, a, ul, ol, li, strong, em, b, i",
                )
            )
        for link in scan.links:
            if placeholder(link):
                found.append(
                    warning(
                        "safety/placeholder",
                        where,
                        f"links to '{link}', a placeholder domain",
                        "replace it with the real URL",
                    )
                )
    return found


def rehearsal(scope: Scope) -> list[Finding]:
    """A feed marked as a rehearsal says so on every check, so it is not mistaken for the public one."""
    element = scope.child("podcast:block")
    if not scope.rehearsal or element is None:
        return []
    return [
        info(
            "safety/staging",
            scope.where(element),
            "the feed is a rehearsal: it tells every directory not to list it (itunes:block, podcast:block)",
            "remove staging from [feed] when the show goes public",
        )
    ]


CHANNEL_RULES = (urls, channel_html, rehearsal)
ITEM_RULES = (urls, enclosure_length, notes)


class ItemKey(NamedTuple):
    """What the cross-item rules need from one episode; built from an EpisodeRef or a parsed <item>."""

    label: str  # the episode file, or the item's XPath
    guid: str | None
    enclosure_url: str | None
    timestamp: float | None
    season: int | None
    number: int | None
    episode_type: str = "full"  # a trailer or bonus numbered N belongs to episode N: its number is no duplicate


# at(key, field) names a field of an item: field is one of "guid", "audio", "date", "number".
Locate = Callable[[ItemKey, str], str]


def check_items(
    keys: list[ItemKey],
    at: Locate,
    *,
    now: datetime | None = None,
    document_order: bool = False,
    future: bool = True,
    episode_files: bool = False,
) -> list[Finding]:
    """Rules across episodes: unique GUIDs, enclosures and numbers, nothing in the future (unless `future` is
    False: a build schedules such episodes instead), a sensible order. episode_files: the keys are episode
    files (labels are their names), so a fix can name the line to edit."""
    if not keys:
        return [
            warning(
                "apple/episodes",
                "",
                "the feed has no episodes",
                "publish at least one; Apple accepts a show only with an episode",
            )
        ]
    found = _duplicates(keys, at, episode_files)
    limit = (now or datetime.now(UTC)).timestamp() + FUTURE_SLACK
    for key in keys if future else ():
        if key.timestamp is not None and key.timestamp > limit:
            try:
                when = datetime.fromtimestamp(key.timestamp, UTC).strftime("%Y-%m-%d %H:%M UTC")
            except (OverflowError, ValueError, OSError):  # a feed's date past the year 9999 in UTC
                when = "after the year 9999"
            found.append(
                warning(
                    "safety/future-date",
                    at(key, "date"),
                    f"is in the future ({when})",
                    "apps list it now, or hide it until then; publish it when it is due",
                )
            )
    return found + _order(keys, at, document_order)


def _duplicates(keys: list[ItemKey], at: Locate, episode_files: bool = False) -> list[Finding]:
    found = []
    for rule, field, label, value_of in (
        ("safety/duplicate-guid", "guid", "GUID", lambda k: k.guid),
        ("safety/duplicate-enclosure", "audio", "enclosure URL", lambda k: k.enclosure_url),
        (
            "safety/duplicate-number",
            "number",
            "episode number",
            lambda k: (k.season, k.number) if k.number is not None and k.episode_type == "full" else None,
        ),
    ):
        values = [v for v in map(value_of, keys) if v is not None]
        if len(set(values)) == len(values):  # the usual case, told without grouping 10,000 episodes
            continue
        groups = defaultdict(list)
        for key in keys:
            value = value_of(key)
            if value is not None:
                groups[value].append(key)
        for value, group in groups.items():
            for duplicate in group[1:]:
                shown = value[1] if isinstance(value, tuple) else value
                fix = f"give each episode its own {label}; apps treat repeats as one episode"
                if episode_files and field == "guid":  # most often a file copied as a template, guid: and all
                    fix = (
                        f"if this file was copied from {group[0].label}, delete its guid: line; "
                        "the next build records a new GUID for it"
                    )
                message = f"{label} {shown} is also used by {group[0].label}"
                found.append(error(rule, at(duplicate, field), message, fix))
    return found


def _order(keys: list[ItemKey], at: Locate, document_order: bool) -> list[Finding]:
    found = []
    dated = [k for k in keys if k.timestamp is not None]
    if document_order and len(dated) > 2:
        steps = [b.timestamp - a.timestamp for a, b in pairwise(dated)]
        newest_first = sum(s < 0 for s in steps) >= sum(s > 0 for s in steps)
        for key, step in zip(dated[1:], steps, strict=True):
            if (step > 0) if newest_first else (step < 0):
                found.append(
                    warning(
                        "safety/order",
                        at(key, "date"),
                        "is out of date order",
                        f"sort the items {'newest' if newest_first else 'oldest'} first, as the rest are",
                    )
                )
                break
    highest: dict[int | None, ItemKey] = {}
    for key in sorted((k for k in dated if k.number is not None), key=lambda k: k.timestamp):
        top = highest.get(key.season)
        if top is not None and key.number < top.number and key.timestamp > top.timestamp:
            found.append(
                warning(
                    "safety/order",
                    at(key, "number"),
                    f"episode {key.number} is dated after episode {top.number} ({top.label})",
                    "check the date or the number; apps sort by both",
                )
            )
        elif top is None or key.number > top.number:
            highest[key.season] = key
    return found
