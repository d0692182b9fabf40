"""`feedtool check` on what the user names: a show folder, a feed file or a feed URL."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from feedtool.check import server
from feedtool.check.feed import check_feed
from feedtool.check.server import Target
from feedtool.check.xml import ATOM_NS, child
from feedtool.errors import ConfigError, Finding, UsageError, error


@dataclass(frozen=True)
class Result:
    target: str
    kind: str  # "show", "file" or "url"
    episodes: int
    findings: tuple[Finding, ...]


def check_target(target: str, *, online: bool = False, sample: int | None = None,
                 timeout: float = server.TIMEOUT) -> Result:
    if target.startswith(("https://", "http://")):
        return _check_url(target, sample, timeout)
    path = Path(target)
    if path.is_dir() or path.suffix == ".toml":
        return _check_show(path, online, sample, timeout)
    if not path.is_file():
        raise UsageError(f"{target}: no such show folder or feed file "
                         "(give a show folder, a feed file or an http(s) URL)")
    try:
        data = path.read_bytes()
    except OSError as e:
        raise UsageError(f"{target}: cannot read: {e.strerror}") from e
    findings, root = check_feed(data, target)
    if online and root is not None:
        selves = [link.get("href") for link in root.find("channel").findall(f"{{{ATOM_NS}}}link")
                  if link.get("rel") == "self" and link.get("href")]
        feed = [Target(selves[0], "/rss/channel/atom:link/@href", "feed")] if selves else []
        findings += server.check_server(feed + feed_targets(root, sample), timeout=timeout)
    return Result(target, "file", _count(root), tuple(findings))


def _check_url(url: str, sample: int | None, timeout: float) -> Result:
    fetched = server.fetch_feed(url, timeout=timeout)
    target = Target(url, url, "feed")
    if fetched.response is None or fetched.response.status_code >= 400:
        return Result(url, "url", 0, tuple(server.check_server([target], timeout=timeout, feed=fetched)))
    findings, root = check_feed(fetched.data, url)
    targets = [target] + (feed_targets(root, sample) if root is not None else [])
    findings += server.check_server(targets, timeout=timeout, feed=fetched)
    return Result(url, "url", _count(root), tuple(findings))


def _check_show(path: Path, online: bool, sample: int | None, timeout: float) -> Result:
    from feedtool.check.show import check_show
    from feedtool.config import load_config
    from feedtool.episodes import display_path
    try:
        config = load_config(path)
    except ConfigError as e:
        return Result(str(path), "show", 0, e.findings or (error("config/error", "", str(e)),))
    findings, show = check_show(config)
    if online:
        if not config.feed.base_url:
            findings.append(server.skipped(f"{config.path}:feed.base_url", "the feed's URLs are relative"))
        else:
            targets = [Target(config.feed_url, f"{config.path}:feed.feed_url", "feed")]
            if show.image_url:
                targets.append(Target(show.image_url, f"{config.path}:show.artwork", "image"))
            for episode in show.episodes[:sample]:
                where = display_path(episode.source)
                targets.append(Target(episode.enclosure.url, f"{where}: audio", "media",
                                      episode.enclosure.size_bytes, episode.enclosure.mime_type))
                if episode.image_url:
                    targets.append(Target(episode.image_url, f"{where}: image", "image"))
            findings += server.check_server(_unique_urls(targets), timeout=timeout)
    return Result(str(path), "show", len(show.episodes), tuple(findings))


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
            targets.append(Target(enclosure.get("url"), f"/rss/channel/item[{index}]/enclosure/@url", "media",
                                  int(length) if length.isdigit() else None, enclosure.get("type")))
        episode_image = child(item, "itunes:image")
        if episode_image is not None and episode_image.get("href"):
            targets.append(Target(episode_image.get("href"), f"/rss/channel/item[{index}]/itunes:image/@href",
                                  "image"))
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
