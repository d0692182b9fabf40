"""Running the rules: over a parsed feed (document, channel, items, across items), and over a show folder,
per episode and per channel inside `feedtool build` and whole in `feedtool check`.

In a show folder findings point at the episode file and field, or the config key, a value came from. A rule
whose cause is a producer fact the config already reports missing (config/missing) stays quiet, so each fact
is named once.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import datetime

from feedtool.check import apple, psp, safety
from feedtool.check.apple import parse_rfc2822
from feedtool.check.context import FeedScope, Scope, ShowScope, blocked_everywhere, item_scope_for, show_type_of
from feedtool.check.safety import ItemKey, check_items
from feedtool.check.xml import ITUNES_NS, child, parse_feed, text
from feedtool.errors import FeedtoolError, Finding, error
from feedtool.facts import is_digits, is_url
from feedtool.read.config import Config
from feedtool.read.paths import show_file

CHANNEL_RULES = apple.CHANNEL_RULES + psp.CHANNEL_RULES + safety.CHANNEL_RULES
ITEM_RULES = apple.ITEM_RULES + psp.ITEM_RULES + safety.ITEM_RULES
FEED_FIELDS = {"guid": "guid", "audio": "enclosure/@url", "date": "pubDate", "number": "itunes:episode"}
REF_FIELDS = {"guid": "guid", "audio": "audio", "date": "date", "number": "number"}


def unique(findings: Iterable[Finding]) -> list[Finding]:
    """Drop repeats (several values sharing one cause report it once), keeping the order."""
    return list(dict.fromkeys(findings))


def run_rules(scope: Scope, rules) -> list[Finding]:
    found: list[Finding] = []
    for rule in rules:
        found += rule(scope)
    return unique(found)


def namespaces(root, where: str) -> list[Finding]:
    """Apple ignores every itunes: tag unless the namespace is declared exactly as Apple spells it."""
    found = []
    for prefix, uri in (root.nsmap or {}).items():
        if uri != ITUNES_NS and uri.lower().rstrip("/") == ITUNES_NS.lower():
            found.append(
                error(
                    "apple/namespace",
                    f"{where}: xmlns:{prefix}",
                    f"is '{uri}'",
                    f'declare xmlns:{prefix}="{ITUNES_NS}" exactly; Apple ignores the tags otherwise',
                )
            )
    return found


def check_feed(data: bytes, where: str, *, now: datetime | None = None, pages=None) -> tuple[list[Finding], object]:
    """Every rule over the feed bytes. Returns (findings, root); root is None when the bytes are no feed.

    pages: for a paged feed (RFC 5005), pages(root) gives its other documents as (where, root or None, findings
    of reading it) (check/pages.py): each gets the document rules, and their items join the cross-episode rules
    (a GUID repeated on another page is a duplicate too)."""
    root, findings = parse_feed(data, where)
    if root is None:
        return findings, None
    keys: list[ItemKey] = []
    findings += _document_rules(root, where, "/rss/channel", now, keys)
    for page, page_root, read in pages(root) if pages else ():
        findings += read
        if page_root is not None:
            findings += _document_rules(page_root, page, f"{page}: /rss/channel", now, keys)
    findings += check_items(
        keys, lambda key, field: f"{key.label}/{FEED_FIELDS[field]}", now=now, document_order=True
    )
    return findings, root


def _document_rules(root, where: str, base: str, now: datetime | None, keys: list[ItemKey]) -> list[Finding]:
    """The rules over one feed document; its items' keys are added to `keys` for the cross-episode rules."""
    findings = namespaces(root, where)
    channel = root.find("channel")
    scope = FeedScope(
        element=channel,
        is_item=False,
        show_type=show_type_of(channel),
        blocked=blocked_everywhere(channel),
        base=base,
    )
    if now is not None:
        scope.now = now
    findings += run_rules(scope, CHANNEL_RULES)
    for index, item in enumerate(channel.findall("item"), start=1):
        item_scope = item_scope_for(scope, item, index)
        findings += run_rules(item_scope, ITEM_RULES)
        keys.append(item_key(item, item_scope.base))
    return findings


def item_key(item, label: str) -> ItemKey:
    enclosure = child(item, "enclosure")
    date = child(item, "pubDate")
    try:
        timestamp = parse_rfc2822(text(date)).timestamp() if date is not None else None
    except ValueError:
        timestamp = None  # apple/date reports it
    return ItemKey(
        label=label,
        guid=(text(child(item, "guid")) or "").strip() or None,
        enclosure_url=enclosure.get("url") if enclosure is not None else None,
        timestamp=timestamp,
        season=_whole(child(item, "itunes:season")),
        number=_whole(child(item, "itunes:episode")),
        episode_type=(text(child(item, "itunes:episodeType")) or "full").strip().lower(),
    )


def _whole(element) -> int | None:
    value = (text(element) or "").strip()
    return int(value) if is_digits(value) else None


# --- a show folder ------------------------------------------------------------------------------------------


def missing_facts(config: Config) -> frozenset[str]:
    """The places of the facts the config reports missing: rules that trip over them stay quiet."""
    places = {f.where for f in config.warnings if f.rule == "config/missing"}
    if not config.feed_url:
        places.add(f"{config.path}:feed.feed_url")
    return frozenset(places)


def _keep(findings: list[Finding], config: Config, also: frozenset[str] = frozenset()) -> list[Finding]:
    suppressed = missing_facts(config) | also
    return [f for f in findings if f.where not in suppressed]


def _unusable_artwork(config: Config) -> frozenset[str]:
    """show.artwork, when it names a file the build cannot use (it says so in the producer's words): the feed
    then has no itunes:image, which the channel rules would report again in feed terms."""
    artwork = config.show.artwork
    if not artwork or is_url(artwork):
        return frozenset()
    try:
        usable = show_file(config.root, artwork, "").is_file()
    except (FeedtoolError, OSError):
        usable = False
    return frozenset() if usable else frozenset({f"{config.path}:show.artwork"})


def item_findings(config: Config, item, where: str) -> list[Finding]:
    """The item rules over one rendered <item> element (render_item_tree's; build_episode calls this and caches
    the result with the item). where: the episode file as findings name it."""
    scope = ShowScope(
        element=item,
        is_item=True,
        show_type=config.show.type,
        prefix=f"{where}: ",
        config=config,
    )
    return _keep(run_rules(scope, ITEM_RULES), config)


def channel_findings(config: Config, channel: list[bytes]) -> list[Finding]:
    """The channel rules over the rendered channel (render_feed(show, []): the feed without its items)."""
    head = b"".join(channel)
    root, findings = parse_feed(head, str(config.path))
    if root is None:  # our own renderer made no feed: a bug, said plainly
        raise AssertionError(f"the rendered channel does not parse: {findings}")
    scope = ShowScope(
        element=root.find("channel"), is_item=False, show_type=config.show.type, prefix=f"{config.path}:", config=config
    )
    found = namespaces(root, str(config.path)) + run_rules(scope, CHANNEL_RULES)
    return _keep(found, config, _unusable_artwork(config))


def ref_findings(refs) -> list[Finding]:
    """The cross-episode rules over build's EpisodeRefs (no rendering, no parsing), scheduled episodes included
    (the build leaves those out of the feed until their date, so the future-date rule is not theirs)."""
    cwd = os.path.join(os.getcwd(), "")  # once, not once for each of 10,000 episodes
    keys = [  # ItemKey(label, guid, enclosure_url, timestamp, season, number, type), by position: 10,000 of them
        ItemKey(
            r.source[len(cwd) :] if r.source.startswith(cwd) else r.source,  # display_path, inlined
            r.guid,
            r.enclosure_url,
            r.timestamp,
            r.season,
            r.number,
            r.episode_type,
        )
        for r in refs
    ]
    return check_items(keys, lambda key, field: f"{key.label}: {REF_FIELDS[field]}", future=False, episode_files=True)
