"""The other documents of a paged feed (RFC 5005: `next`, section 3; `prev-archive`, section 4), found for
`feedtool check`: over HTTP for a feed checked by URL or with --online, and beside a feed file on disk when
their URLs lie under the feed's own (a build's output folder: archive/page-N.xml next to feed.xml).

A page that cannot be read is a finding, never a crash; a loop or more than MAX_PAGES pages ends the walk."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterator
from urllib.parse import unquote, urljoin

from feedtool.check.server import FEED_LIMIT, fetch_feed
from feedtool.check.xml import ATOM_NS, parse_feed
from feedtool.errors import Finding, error, info
from feedtool.facts import is_url

FOLLOWED = ("next", "prev-archive")
MAX_PAGES = 1000

Page = tuple[str, object, list[Finding]]  # (where, its root or None, findings of reading it)


class PageFollower:
    """pages(root) for rules.check_feed; `items` counts the items of the pages read. origin: the feed's URL; or
    its file, with `folder` the file's folder."""

    def __init__(self, origin: str, *, folder: Path | None = None, online: bool = True, timeout: float = 10.0):
        self.origin, self.folder, self.online, self.timeout = origin, folder, online, timeout
        self.items = 0

    def __call__(self, root) -> Iterator[Page]:
        own = _link(root, "self")
        local = _beside(own, self.folder) if self.folder is not None else None
        seen = {self.origin, own}
        location = _next(root, own or self.origin)
        while location is not None:
            if location in seen or len(seen) > MAX_PAGES:
                problem = "links back to a page already read" if location in seen else f"more than {MAX_PAGES} pages"
                yield location, None, [error("feed/pages", location, f"the feed's pages: {problem}",
                                             "each page's next link must lead to an older page, the last to none")]
                return
            seen.add(location)
            data, read = _read(location, local, self.online, self.timeout)
            if data is None:
                yield location, None, read
                return
            page_root, parsed = parse_feed(data, location)
            yield location, page_root, read + parsed
            if page_root is None:
                return
            self.items += len(page_root.find("channel").findall("item"))
            location = _next(page_root, location)


def _link(root, rel: str) -> str | None:
    for link in root.find("channel").iterchildren(f"{{{ATOM_NS}}}link"):
        if link.get("rel") == rel and link.get("href"):
            return link.get("href").strip()
    return None


def _next(root, base: str) -> str | None:
    for rel in FOLLOWED:
        href = _link(root, rel)
        if href:
            return urljoin(base, href)
    return None


def _beside(own_url: str | None, folder: Path) -> Callable[[str], Path | None]:
    """A page's file beside the feed file: its URL's path below the feed's own folder URL."""
    base = own_url.rsplit("/", 1)[0] + "/" if own_url and is_url(own_url) else None

    def local(location: str) -> Path | None:
        if base and location.startswith(base):
            return folder / unquote(location[len(base) :].split("#", 1)[0].split("?", 1)[0])
        return None if is_url(location) else folder / unquote(location)

    return local


def _read(location: str, local, online: bool, timeout: float) -> tuple[bytes | None, list[Finding]]:
    """A page's bytes and the findings of reading it; None when it cannot be read."""
    path = local(location) if local else None
    if path is not None and path.is_file():
        with open(path, "rb") as f:
            data = f.read(FEED_LIMIT + 1)
        if len(data) > FEED_LIMIT:
            return None, [error("feed/size", str(path), "is larger than check reads", "apps give up on it; split it")]
        return data, []
    if local is not None and not online:
        return None, [info("feed/pages", location, "a further page of the feed, not beside the feed file: not checked",
                           "check with --online to fetch it")]
    if not is_url(location):
        return None, [error("feed/pages", location, "not found", "check the page's link")]
    fetched = fetch_feed(location, timeout=timeout)
    if fetched.response is None or fetched.response.status_code >= 400 or fetched.cut:
        problem = fetched.problem if fetched.response is None else f"HTTP {fetched.response.status_code}"
        return None, [error("feed/pages", location, f"cannot read this page of the feed: {problem}",
                            "every page the feed links to must be served")]
    return fetched.data, []
