"""The server behind a feed, checked over HTTP: the feed, its artwork and its media (or a sample of them).

Every request has a deadline for the whole of it, a User-Agent and one retry (check/fetch.py); requests run
in a thread pool; bodies are read only as far as a check needs (two bytes of each enclosure, the whole
artwork up to a limit), so a slow, silent or trickling server costs at most a few timeouts and never hangs
the command. With check/fetch.py, the only network code of check.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests

from feedtool.check.artwork import check_artwork
from feedtool.check.fetch import Client, Fetched, format_limit, read_body
from feedtool.errors import Finding, error, info, warning
from feedtool.facts import is_digits

# Client and read_body: the importer reads feeds with them too
__all__ = ["Client", "Fetched", "Target", "check_server", "fetch_feed", "read_body", "skipped"]

TIMEOUT = 10.0  # seconds for a whole request
WORKERS = 8
FEW_REDIRECTS = 2  # more than this is a warning
PERMANENT = (301, 308)
IMAGE_LIMIT = 16 * 1024 * 1024  # bytes of artwork read
FEED_LIMIT = 64 * 1024 * 1024  # bytes of feed read
TYPE_ALIASES = {
    "audio/mp3": "audio/mpeg",
    "audio/mp4": "audio/x-m4a",
    "audio/m4a": "audio/x-m4a",
    "image/jpg": "image/jpeg",
}
FEED_TYPES = ("application/rss+xml", "application/xml", "text/xml", "application/atom+xml")
_CONTENT_RANGE = re.compile(r"^bytes\s+(\d+)-(\d+)/(\d+|\*)$")


@dataclass(frozen=True)
class Target:
    url: str
    where: str
    kind: str  # "feed", "image" or "media"
    length: int | None = None
    mime_type: str | None = None


def check_server(
    targets: list[Target], *, timeout: float = TIMEOUT, workers: int = WORKERS, feed: Fetched | None = None
) -> list[Finding]:
    """Check every target concurrently; findings come back in target order."""
    client = Client(timeout)
    checks = {
        "feed": lambda t: _check_feed(client, t, feed),
        "image": lambda t: _check_image(client, t),
        "media": lambda t: _check_media(client, t),
    }
    try:
        with ThreadPoolExecutor(max(1, min(workers, len(targets)))) as pool:
            results = list(pool.map(lambda t: checks[t.kind](t), targets))
    finally:
        client.close()
    return [f for found in results for f in found]


def _answered(target: Target, fetched: Fetched, method: str) -> list[Finding]:
    """Findings about how the request went: unreachable, redirects, http. Empty list and a response: go on."""
    if fetched.response is None:
        return [
            error(
                "server/unreachable",
                target.where,
                f"{target.url}: {method} failed: {fetched.problem}",
                "check that the URL is public and the server is up",
            )
        ]
    found = []
    temporary = [status for status, _ in fetched.hops if status not in PERMANENT]
    if temporary:
        found.append(
            warning(
                "server/redirects",
                target.where,
                f"{target.url}: redirects with {', '.join(map(str, temporary))} (temporary)",
                "point the feed at the final URL, or redirect with 301/308",
            )
        )
    if len(fetched.hops) > FEW_REDIRECTS:
        found.append(
            warning(
                "server/redirects",
                target.where,
                f"{target.url}: takes {len(fetched.hops)} redirects",
                f"keep it to {FEW_REDIRECTS} at most; apps give up on long chains",
            )
        )
    # An http URL in the feed is apple/https's, reported where it comes from; here only what the server adds.
    if urlsplit(target.url).scheme == "https" and urlsplit(fetched.url).scheme != "https":
        found.append(
            warning(
                "server/https",
                target.where,
                f"{target.url}: redirects to http ({fetched.url})",
                "keep every redirect on https; Apple and iOS apps expect it",
            )
        )
    return found


def _status(target: Target, fetched: Fetched, method: str) -> list[Finding]:
    status = fetched.response.status_code
    if status >= 400:
        rule = "server/head" if method == "HEAD" and status in (403, 405, 501) else "server/status"
        return [
            error(
                rule,
                target.where,
                f"{target.url}: {method} answers {status}",
                "Apple checks media and artwork with HEAD, then fetches them with GET"
                if rule == "server/head"
                else "publish the file at this URL",
            )
        ]
    return []


def _type(target: Target, response: requests.Response, accepted: tuple[str, ...]) -> list[Finding]:
    served = (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    if accepted and TYPE_ALIASES.get(served, served) not in {TYPE_ALIASES.get(a, a) for a in accepted}:
        return [
            warning(
                "server/type",
                target.where,
                f"{target.url}: served as {served or 'no Content-Type'}, not {accepted[0]}",
                f"configure the server to send Content-Type: {accepted[0]}",
            )
        ]
    return []


def _head(client: Client, target: Target) -> tuple[Fetched, list[Finding]]:
    head = client.fetch("HEAD", target.url)
    found = _answered(target, head, "HEAD")
    return head, found + (_status(target, head, "HEAD") if head.response is not None else [])


def _check_media(client: Client, target: Target) -> list[Finding]:
    head, found = _head(client, target)
    if head.response is None:
        return found
    if head.response.status_code < 400:
        found += _type(target, head.response, (target.mime_type,) if target.mime_type else ())
        found += _length(target, head.response.headers.get("Content-Length"), "Content-Length")
    ranged = client.fetch("GET", target.url, headers={"Range": "bytes=0-1"}, limit=2)
    if ranged.response is None:
        return found + _answered(target, ranged, "GET")
    found += _status(target, ranged, "GET")
    if ranged.response.status_code < 400:
        found += _range(target, ranged.response)
    return found


def _length(target: Target, served: str | None, header: str) -> list[Finding]:
    if target.length is not None and served is not None and is_digits(served) and int(served) != target.length:
        return [
            error(
                "server/length",
                target.where,
                f"{target.url}: {header} says {served} bytes, the feed says {target.length}",
                "upload the file again, or fix the enclosure length",
            )
        ]
    return []


def _range(target: Target, response: requests.Response) -> list[Finding]:
    if response.status_code != 206:
        return [
            error(
                "server/range",
                target.where,
                f"{target.url}: answers {response.status_code} to a byte-range request, not 206",
                "enable byte-range requests on the server; Apple requires them",
            )
        ]
    content_range = response.headers.get("Content-Range", "")
    match = _CONTENT_RANGE.match(content_range.strip())
    if not match or (match[1], match[2]) != ("0", "1"):
        return [
            error(
                "server/range",
                target.where,
                f"{target.url}: answers bytes=0-1 with Content-Range '{content_range}'",
                "the server must answer 'bytes 0-1/<size>'",
            )
        ]
    return _length(target, match[3], "Content-Range")


def _check_image(client: Client, target: Target) -> list[Finding]:
    head, found = _head(client, target)
    if head.response is None:
        return found
    got = client.fetch("GET", target.url, limit=IMAGE_LIMIT)
    if got.response is None:
        return found + _answered(target, got, "GET")
    found += _status(target, got, "GET")
    if got.response.status_code < 400:
        found += _type(target, got.response, ("image/jpeg", "image/png"))
        if got.cut and not got.over_limit:  # part of an image: Pillow's verdict on it would mislead
            return found + cut_short(target, got)
        found += check_artwork(got.data, got.url, target.where)
    return found


def cut_short(target: Target, fetched: Fetched) -> list[Finding]:
    """The finding for a body that stopped short: too large (a feed), too slow, or broken off."""
    if fetched.over_limit:
        return [
            error(
                "server/size",
                target.where,
                f"{target.url}: the {target.kind} is {fetched.cut}",
                f"a feed this large is too large for podcast apps too; keep it well under {format_limit(FEED_LIMIT)}",
            )
        ]
    return [
        error(
            "server/incomplete",
            target.where,
            f"{target.url}: GET: the answer was {fetched.cut}",
            "check the server and its connection, or give check a longer --timeout",
        )
    ]


def fetch_feed(url: str, *, timeout: float = TIMEOUT) -> Fetched:
    client = Client(timeout)
    try:
        return client.fetch("GET", url, limit=FEED_LIMIT)
    finally:
        client.close()


def _check_feed(client: Client, target: Target, fetched: Fetched | None) -> list[Finding]:
    fetched = fetched or client.fetch("GET", target.url, limit=FEED_LIMIT)
    found = _answered(target, fetched, "GET")
    if fetched.response is None:
        return found
    found += _status(target, fetched, "GET")
    if fetched.response.status_code >= 400:
        return found
    found += _type(target, fetched.response, FEED_TYPES)
    if fetched.cut:
        return found + cut_short(target, fetched)
    headers = fetched.response.headers
    conditional = {}
    if headers.get("ETag"):
        conditional["If-None-Match"] = headers["ETag"]
    if headers.get("Last-Modified"):
        conditional["If-Modified-Since"] = headers["Last-Modified"]
    if not conditional:
        return found + [
            warning(
                "server/cache-headers",
                target.where,
                f"{target.url}: sends no ETag or Last-Modified",
                "enable them, so apps can ask whether the feed changed instead of downloading it",
            )
        ]
    again = client.fetch("GET", fetched.url, headers=conditional)
    if again.response is not None and again.response.status_code != 304:
        found.append(
            warning(
                "server/conditional",
                target.where,
                f"{target.url}: answers a conditional GET with {again.response.status_code}, not 304",
                "let the server answer If-None-Match / If-Modified-Since with 304 Not Modified",
            )
        )
    return found


def skipped(where: str, why: str) -> Finding:
    return info("server/skipped", where, f"server checks skipped: {why}", "set feed.base_url to check the server")
