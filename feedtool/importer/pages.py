"""A feed to import, read safely: from a file or over HTTP (check/server.py's client: timeouts, at most 5
redirects, bodies bounded in size, time and decompression), parsed by check's hardened parser (no DTD, no
entities, no network), with the pages of an RFC 5005 paged or archived feed followed."""

from __future__ import annotations

import time
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urljoin

from feedtool.check.fetch import redirect_refusal
from feedtool.check.server import FEED_LIMIT, TIMEOUT, Client, read_body
from feedtool.check.xml import ATOM_NS, parse_feed
from feedtool.errors import FeedtoolError, UsageError
from feedtool.facts import is_url

MAX_PAGES = 500
FOLLOWED = ("next", "prev-archive")  # RFC 5005: paged feeds (section 3), archived feeds (section 4)


class Page(NamedTuple):
    url: str  # where it was read: the URL after redirects, or the file's path
    channel: object  # the <channel> element


def read_pages(source: str, *, timeout: float = TIMEOUT, limit: int = FEED_LIMIT) -> list[Page]:
    """Every page of the feed, first page first. Raises FeedtoolError naming the page and the problem."""
    client = Client(timeout) if is_url(source) else None
    pages: list[Page] = []
    seen: set[str] = set()
    location: str | None = source
    try:
        while location is not None:
            if location in seen:
                raise FeedtoolError(
                    f"{location}: the feed's pages link back to a page already read "
                    "(fix the feed's atom:link rel=\"next\" links)"
                )
            if len(pages) == MAX_PAGES:
                raise FeedtoolError(f"{source}: more than {MAX_PAGES} pages (import a feed with fewer pages)")
            seen.add(location)
            refused = named_url_refusal(pages[-1].url, location) if client and pages else None
            if refused:
                raise FeedtoolError(
                    f"{pages[-1].url}: its next page {refused} (import the pages one by one, from files)"
                )
            url, data = _fetch(client, location, timeout, limit) if client else _read_file(location, limit)
            root, findings = parse_feed(data, url)
            if root is None:
                raise FeedtoolError(findings=[f for f in findings if f.is_error])
            channel = root.find("channel")
            pages.append(Page(url, channel))
            location = _next_page(channel, url)
    finally:
        if client:
            client.close()
    return pages


def _next_page(channel, url: str) -> str | None:
    for link in channel.iterchildren(f"{{{ATOM_NS}}}link"):
        if link.get("rel") in FOLLOWED and link.get("href"):
            target = urljoin(url, link.get("href").strip())
            return target if is_url(url) or not is_url(target) else None  # a file's pages are files
    return None


def named_url_refusal(origin: str | None, url: str) -> str | None:
    """Why a URL that a feed names (audio, chapters) is not fetched, or None: vetted as a redirect from the feed's
    own URL is, so a feed not on a private network cannot send the importer into one (a router's admin page, a
    cloud's metadata service). A feed read from a file is the producer's own: None."""
    refused = redirect_refusal(origin, url) if origin else None
    if refused and refused.endswith(" address"):
        return f"{url}: {refused}, and the feed is not on such a network; not fetched"
    return f"{url}: {refused}; not fetched" if refused else None


def open_get(client: Client, url: str, headers: dict, what: str) -> tuple[str, object]:
    """GET url, redirects followed: (final URL, the open response, to be read and closed by the caller).
    Raises FeedtoolError when there is no answer or the answer is an HTTP error."""
    fetched = client.open("GET", url, headers=headers)
    if fetched.response is None:
        raise FeedtoolError(f"{url}: cannot read the {what}: {fetched.problem} (check the URL; is the server up?)")
    if fetched.response.status_code >= 400:
        fetched.response.close()
        raise FeedtoolError(f"{url}: the server answers {fetched.response.status_code} (check the {what}'s URL)")
    return fetched.url, fetched.response


def _fetch(client: Client, url: str, timeout: float, limit: int) -> tuple[str, bytes]:
    final, response = open_get(client, url, {"Accept": "application/rss+xml, application/xml;q=0.9, */*;q=0.5"},
                               "feed")
    try:
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            raise FeedtoolError(_too_large(url, limit, f"it says {int(declared):,} bytes"))
        data, cut = read_body(response, limit, time.monotonic() + timeout * 3)
    finally:
        response.close()
    if cut and cut.startswith("larger"):
        raise FeedtoolError(_too_large(url, limit, "its body, decompressed, is larger"))
    if cut:
        raise FeedtoolError(
            f"{url}: the feed was not read whole: {cut} within {timeout * 3:g} s "
            "(try again; a slow server: raise --timeout)"
        )
    return final, data


def _too_large(url: str, limit: int, why: str) -> str:
    return f"{url}: refused: the feed is larger than {limit // 2**20} MiB ({why}) (is this URL really a podcast feed?)"


def _read_file(path: str, limit: int) -> tuple[str, bytes]:
    try:
        with open(path, "rb") as f:
            data = f.read(limit + 1)
    except FileNotFoundError:
        raise UsageError(f"{path}: no such feed file (give a feed file or an http(s) URL)") from None
    except OSError as e:
        raise UsageError(f"{path}: cannot read: {e.strerror}") from e
    if len(data) > limit:
        raise FeedtoolError(_too_large(path, limit, "the file is"))
    return str(Path(path)), data
