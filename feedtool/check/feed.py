"""The rules over a parsed feed: the document, the channel, every item, and across items."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from feedtool.check import apple, psp, safety
from feedtool.check.apple import parse_rfc2822
from feedtool.check.context import FeedScope, Scope, item_scope_for, show_type_of
from feedtool.check.safety import ItemKey, check_items
from feedtool.check.xml import ITUNES_NS, child, parse_feed, text
from feedtool.errors import Finding, error

CHANNEL_RULES = apple.CHANNEL_RULES + psp.CHANNEL_RULES + safety.CHANNEL_RULES
ITEM_RULES = apple.ITEM_RULES + psp.ITEM_RULES + safety.ITEM_RULES
FEED_FIELDS = {"guid": "guid", "audio": "enclosure/@url", "date": "pubDate", "number": "itunes:episode"}


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
            found.append(error("apple/namespace", f"{where}: xmlns:{prefix}", f"is '{uri}'",
                               f"declare xmlns:{prefix}=\"{ITUNES_NS}\" exactly; Apple ignores the tags otherwise"))
    return found


def check_feed(data: bytes, where: str, *, now: datetime | None = None) -> tuple[list[Finding], object]:
    """Every rule over the feed bytes. Returns (findings, root); root is None when the bytes are no feed."""
    root, findings = parse_feed(data, where)
    if root is None:
        return findings, None
    findings += namespaces(root, where)
    channel = root.find("channel")
    scope = FeedScope(element=channel, is_item=False, show_type=show_type_of(channel))
    if now is not None:
        scope.now = now
    findings += run_rules(scope, CHANNEL_RULES)
    keys = []
    for index, item in enumerate(channel.findall("item"), start=1):
        item_scope = item_scope_for(scope, item, index)
        findings += run_rules(item_scope, ITEM_RULES)
        keys.append(item_key(item, item_scope.base))
    findings += check_items(keys, lambda key, field: f"{key.label}/{FEED_FIELDS[field]}", now=scope.now,
                            document_order=True)
    return findings, root


def item_key(item, label: str) -> ItemKey:
    enclosure = child(item, "enclosure")
    date = child(item, "pubDate")
    try:
        timestamp = parse_rfc2822(text(date)).timestamp() if date is not None else None
    except ValueError:
        timestamp = None  # apple/date reports it
    return ItemKey(label=label, guid=(text(child(item, "guid")) or "").strip() or None,
                   enclosure_url=enclosure.get("url") if enclosure is not None else None, timestamp=timestamp,
                   season=_whole(child(item, "itunes:season")), number=_whole(child(item, "itunes:episode")))


def _whole(element) -> int | None:
    value = (text(element) or "").strip()
    return int(value) if value.isdigit() else None
