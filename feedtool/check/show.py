"""The rules applied to a show folder: per episode and per channel inside `feedtool build`, whole in `check`.

Findings point at the episode file and field, or the config key, a value came from. A rule whose cause is a
producer fact the config already reports missing (config/missing) stays quiet, so each fact is named once.
"""

from __future__ import annotations

from pathlib import Path

from feedtool.check.context import ShowScope
from feedtool.check.feed import CHANNEL_RULES, ITEM_RULES, namespaces, run_rules, unique
from feedtool.check.safety import ItemKey, check_items
from feedtool.check.xml import parse_feed, parse_item
from feedtool.config import Config
from feedtool.episodes import display_path
from feedtool.errors import Finding
from feedtool.model import Episode, Show

REF_FIELDS = {"guid": "guid", "audio": "audio", "date": "date", "number": "number"}


def missing_facts(config: Config) -> frozenset[str]:
    """The places of the facts the config reports missing: rules that trip over them stay quiet."""
    places = {f.where for f in config.warnings if f.rule == "config/missing"}
    if not config.feed_url:
        places.add(f"{config.path}:feed.feed_url")
    return frozenset(places)


def _keep(findings: list[Finding], config: Config) -> list[Finding]:
    suppressed = missing_facts(config)
    return [f for f in findings if f.where not in suppressed]


def item_findings(config: Config, episode: Episode, item: bytes) -> list[Finding]:
    """The item rules over one rendered <item> (build_episode calls this; the result is cached with it)."""
    scope = ShowScope(element=parse_item(item), is_item=True, show_type=config.show.type,
                      prefix=f"{display_path(episode.source)}: ", config=config)
    return _keep(run_rules(scope, ITEM_RULES), config)


def channel_findings(config: Config, show: Show) -> list[Finding]:
    """The channel rules over the rendered channel (the feed without its items)."""
    from feedtool.render.feed import render_feed
    head = b"".join(render_feed(show, []))
    root, findings = parse_feed(head, str(config.path))
    if root is None:  # our own renderer made no feed: a bug, said plainly
        raise AssertionError(f"the rendered channel does not parse: {findings}")
    scope = ShowScope(element=root.find("channel"), is_item=False, show_type=config.show.type,
                      prefix=f"{config.path}:", config=config)
    return _keep(namespaces(root, str(config.path)) + run_rules(scope, CHANNEL_RULES), config)


def ref_findings(refs) -> list[Finding]:
    """The cross-episode rules over build's EpisodeRefs (no rendering, no parsing)."""
    keys = [ItemKey(label=display_path_of(r.source), guid=r.guid, enclosure_url=r.enclosure_url,
                    timestamp=r.timestamp, season=r.season, number=r.number) for r in refs]
    return check_items(keys, lambda key, field: f"{key.label}: {REF_FIELDS[field]}")


def display_path_of(source: str) -> str:
    return display_path(Path(source))


def check_show(config: Config) -> tuple[list[Finding], Show]:
    """Every rule over a show folder: built in memory (nothing written), then the whole feed rendered and parsed."""
    from feedtool.pipeline import run
    from feedtool.render.feed import render_feed, render_item
    report, show = run(config, keep_episodes=True, dry_run=True, collect_errors=True)
    findings = list(report.warnings)
    feed = b"".join(render_feed(show, [render_item(e) for e in show.episodes]))
    root, parsed = parse_feed(feed, str(config.path))
    findings += parsed + (namespaces(root, str(config.path)) if root is not None else [])
    return unique(findings), show
