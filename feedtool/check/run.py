"""`feedtool check` on what the user names (a show folder, a feed file or a feed URL), and its report: text
grouped by file, channel or item for a terminal, JSON for machines."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from feedtool.build.pipeline import BuildOptions, run
from feedtool.check import server
from feedtool.check.fetch import format_limit
from feedtool.check.pages import PageFollower
from feedtool.check.rules import check_feed, namespaces, unique
from feedtool.check.server import Target
from feedtool.check.xml import ATOM_NS, child, parse_feed
from feedtool.errors import ERROR, INFO, WARNING, ConfigError, ExitStatus, Finding, UsageError, error, info
from feedtool.facts import is_digits
from feedtool.model import Show
from feedtool.read.config import Config, load_config
from feedtool.read.episodes import display_path
from feedtool.render.feed import render_feed, render_item
from feedtool.timecode import parse_moment

SERVER_SAMPLE = 100  # episodes whose media the server checks cover unless --sample says otherwise


@dataclass(frozen=True)
class Result:
    target: str
    kind: str  # "show", "file" or "url"
    episodes: int
    findings: tuple[Finding, ...]


def check_target(
    target: str,
    *,
    online: bool = False,
    sample: int | None = None,
    timeout: float = server.TIMEOUT,
    base_url: str | None = None,
    now: str | None = None,
) -> Result:
    """base_url, now: a show folder built for this address, as of this moment (ISO 8601), as build would."""
    if target.startswith(("https://", "http://")):
        return _check_url(target, sample, timeout)
    path = Path(target)
    if path.is_dir() or path.suffix == ".toml":
        return _check_show(path, online, sample, timeout, base_url, now)
    if not path.is_file():
        raise UsageError(
            f"{target}: no such show folder or feed file (give a show folder, a feed file or an http(s) URL)"
        )
    try:
        size = path.stat().st_size
        data = path.read_bytes() if size <= server.FEED_LIMIT else b""
    except OSError as e:
        raise UsageError(f"{target}: cannot read: {e.strerror}") from e
    if size > server.FEED_LIMIT:  # read as far as over HTTP, no further
        limit = format_limit(server.FEED_LIMIT)
        problem = f"is {size:,} bytes, more than the {limit} check reads"
        too_large = error("feed/size", target, problem, "apps give up on feeds this large; trim or split it")
        return Result(target, "file", 0, (too_large,))
    pages = PageFollower(target, folder=path.parent, online=online, timeout=timeout)
    findings, root = check_feed(data, target, pages=pages)
    if online and root is not None:
        selves = [
            link.get("href")
            for link in root.find("channel").findall(f"{{{ATOM_NS}}}link")
            if link.get("rel") == "self" and link.get("href")
        ]
        feed = [Target(selves[0], "/rss/channel/atom:link/@href", "feed")] if selves else []
        sample, note = _sampled(sample, _count(root), target)
        findings += note + server.check_server(feed + feed_targets(root, sample), timeout=timeout)
    return Result(target, "file", _count(root) + pages.items, tuple(findings))


def _check_url(url: str, sample: int | None, timeout: float) -> Result:
    fetched = server.fetch_feed(url, timeout=timeout)
    target = Target(url, url, "feed")
    if fetched.response is None or fetched.response.status_code >= 400 or fetched.cut:  # no whole feed to check
        return Result(url, "url", 0, tuple(server.check_server([target], timeout=timeout, feed=fetched)))
    pages = PageFollower(fetched.url or url, timeout=timeout)
    findings, root = check_feed(fetched.data, url, pages=pages)
    sample, note = _sampled(sample, _count(root), url)
    findings += note
    targets = [target] + (feed_targets(root, sample) if root is not None else [])
    findings += server.check_server(targets, timeout=timeout, feed=fetched)
    return Result(url, "url", _count(root) + pages.items, tuple(findings))


def _check_show(path: Path, online: bool, sample: int | None, timeout: float, base_url=None, now=None) -> Result:
    try:
        config = load_config(path, **{"feed.base_url": base_url})
    except ConfigError as e:
        return Result(str(path), "show", 0, e.findings or (error("config/error", "", str(e)),))
    try:
        moment = parse_moment(now, config.tz) if now else None
    except ValueError as e:
        raise UsageError(f"--now: {e}") from None
    findings, show = check_show(config, moment)
    if online:
        if not config.feed.base_url:
            findings.append(server.skipped(f"{config.path}:feed.base_url", "the feed's URLs are relative"))
        else:
            targets = [Target(config.feed_url, f"{config.path}:feed.feed_url", "feed")]
            if show.image_url:
                targets.append(Target(show.image_url, f"{config.path}:show.artwork", "image"))
            sample, note = _sampled(sample, len(show.episodes), str(config.path))
            findings += note
            for episode in show.episodes[:sample]:
                where = display_path(episode.source)
                targets.append(
                    Target(
                        episode.enclosure.url,
                        f"{where}: audio",
                        "media",
                        episode.enclosure.size_bytes,
                        episode.enclosure.mime_type,
                    )
                )
                if episode.image_url:
                    targets.append(Target(episode.image_url, f"{where}: image", "image"))
            findings += server.check_server(_unique_urls(targets), timeout=timeout)
    return Result(str(path), "show", len(show.episodes), tuple(findings))


def _sampled(sample: int | None, count: int, where: str) -> tuple[int | None, list[Finding]]:
    """The episodes whose media the server checks cover: --sample's, else at most SERVER_SAMPLE (a feed of
    100,000 items would otherwise cost 200,000 requests), said in a note when that leaves some out."""
    if sample is not None or count <= SERVER_SAMPLE:
        return sample, []
    return SERVER_SAMPLE, [
        info(
            "server/sampled",
            where,
            f"the server checks covered the first {SERVER_SAMPLE} of {count} episodes",
            "pass --sample N to check more",
        )
    ]


def check_show(config: Config, now: datetime | None = None) -> tuple[list[Finding], Show]:
    """Every rule over a show folder: built in memory (nothing written), then the whole feed rendered and parsed."""
    report, show = run(config, BuildOptions(write=False, whole_episodes=True, raise_errors=False, now=now))
    findings = list(report.warnings)
    feed = b"".join(render_feed(show, [render_item(e) for e in show.episodes]))
    root, parsed = parse_feed(feed, str(config.path))
    findings += parsed + (namespaces(root, str(config.path)) if root is not None else [])
    return unique(findings), show


def feed_targets(root, sample: int | None) -> list[Target]:
    """The artwork and the enclosures (and episode artwork) of the first `sample` items of a parsed feed."""
    channel = root.find("channel")
    targets = []
    image = child(channel, "itunes:image")
    if image is not None and image.get("href"):
        targets.append(Target(image.get("href"), "/rss/channel/itunes:image/@href", "image"))
    for index, item in enumerate(channel.findall("item")[:sample], start=1):
        enclosure = child(item, "enclosure")
        if enclosure is not None and enclosure.get("url"):
            length = (enclosure.get("length") or "").strip()
            targets.append(
                Target(
                    enclosure.get("url"),
                    f"/rss/channel/item[{index}]/enclosure/@url",
                    "media",
                    int(length) if is_digits(length) else None,
                    enclosure.get("type"),
                )
            )
        episode_image = child(item, "itunes:image")
        if episode_image is not None and episode_image.get("href"):
            targets.append(Target(episode_image.get("href"), f"/rss/channel/item[{index}]/itunes:image/@href", "image"))
    return _unique_urls(targets)


def _unique_urls(targets: list[Target]) -> list[Target]:
    """One request per URL (a shared episode image is fetched once), and only URLs a server can answer."""
    seen, kept = set(), []
    for target in targets:
        if target.url.startswith(("https://", "http://")) and (target.url, target.kind) not in seen:
            seen.add((target.url, target.kind))
            kept.append(target)
    return kept


def _count(root) -> int:
    return len(root.find("channel").findall("item")) if root is not None else 0


# --- the report ---------------------------------------------------------------------------------------------

ORDER = {ERROR: 0, WARNING: 1, INFO: 2}
_ITEM = re.compile(r"^(/rss/channel/item\[\d+\])(?:/(.*))?$")
_URL = re.compile(r"^(https?://\S+?)(?:: (.*))?$")


def counts(findings) -> dict[str, int]:
    return {severity: sum(f.severity == severity for f in findings) for severity in (ERROR, WARNING, INFO)}


def exit_status(result: Result, *, strict: bool = False) -> int:
    tally = counts(result.findings)
    return ExitStatus.ERROR if tally[ERROR] or (strict and tally[WARNING]) else ExitStatus.OK


def split_where(where: str) -> tuple[str, str]:
    """(group, rest): the file, channel or item a finding is in, and the field inside it."""
    item = _ITEM.match(where)
    if item:
        return item.group(1), item.group(2) or ""
    if where.startswith("/rss/channel"):
        return "/rss/channel", where[len("/rss/channel/") :]
    url = _URL.match(where)
    if url:
        return url.group(1), url.group(2) or ""
    group, _, rest = where.partition(":")
    return group, rest.strip()


def format_text(result: Result, *, quiet: bool = False) -> str:
    groups: dict[str, list[Finding]] = {}
    for finding in result.findings:
        if quiet and finding.severity != ERROR:
            continue
        groups.setdefault(split_where(finding.where)[0], []).append(finding)
    lines = []
    for group, findings in groups.items():
        lines.append(group or result.target)
        for finding in sorted(findings, key=lambda f: ORDER.get(f.severity, 3)):
            rest = split_where(finding.where)[1]
            text = f"{rest}: {finding.message}" if rest else finding.message
            hint = f" ({finding.hint})" if finding.hint else ""
            lines.append(f"  {finding.severity}: {text}{hint} [{finding.rule}]")
    tally = counts(result.findings)
    episodes = f"{result.episodes} episode{'s' * (result.episodes != 1)}"
    lines.append(
        f"checked {result.target}: {episodes}; {_plural(tally[ERROR], 'error')}, "
        f"{_plural(tally[WARNING], 'warning')}, {_plural(tally[INFO], 'note')}"
    )
    return "\n".join(lines)


def format_json(result: Result) -> str:
    tally = counts(result.findings)
    document = {
        "target": result.target,
        "kind": result.kind,
        "episodes": result.episodes,
        "errors": tally[ERROR],
        "warnings": tally[WARNING],
        "infos": tally[INFO],
        "findings": [
            {"rule": f.rule, "severity": f.severity, "where": f.where, "message": f.message, "hint": f.hint}
            for f in result.findings
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=2)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' * (n != 1)}"
