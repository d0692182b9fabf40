"""The server behind a feed, checked over HTTP: the feed, its artwork and its media (or a sample of them).

Every request has a timeout, a User-Agent and one retry; requests run in a thread pool; bodies are read
only as far as a check needs (two bytes of each enclosure, the whole artwork up to a limit), so a slow or
silent server costs at most a few timeouts and never hangs the command. The only network code of check.
"""

from __future__ import annotations

import re
import threading
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import requests

from feedtool import __version__
from feedtool.check.apple import check_artwork
from feedtool.errors import Finding, error, info, warning

USER_AGENT = f"feedtool/{__version__}"
TIMEOUT = 10.0  # seconds, for connecting and for each read
RETRIES = 1
WORKERS = 8
MAX_REDIRECTS = 5  # followed; more is an error
FEW_REDIRECTS = 2  # more than this is a warning
PERMANENT = (301, 308)
IMAGE_LIMIT = 16 * 1024 * 1024  # bytes of artwork read
FEED_LIMIT = 64 * 1024 * 1024  # bytes of feed read
RETRY_STATUS = (429, 502, 503, 504)
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


@dataclass
class Fetched:
    """The last response of a request after its redirects, and what the hops were."""

    url: str
    response: requests.Response | None
    hops: list[tuple[int, str]] = field(default_factory=list)
    problem: str | None = None  # why there is no response
    data: bytes = b""
    cut: str | None = None  # why `data` is not the whole body: "larger than … bytes", "slower than …"


class Client:
    def __init__(self, timeout: float = TIMEOUT, retries: int = RETRIES):
        self.timeout = timeout
        self.retries = retries
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._lock = threading.Lock()

    def _session(self) -> requests.Session:
        if not hasattr(self._local, "session"):  # a Session is not shared between threads
            session = requests.Session()
            session.headers["User-Agent"] = USER_AGENT
            session.headers["Accept-Encoding"] = "gzip, deflate"  # what read_body can decompress, bounded
            with self._lock:
                self._sessions.append(session)
            self._local.session = session
        return self._local.session

    def close(self) -> None:
        with self._lock:
            for session in self._sessions:
                session.close()
            self._sessions.clear()

    def fetch(self, method: str, url: str, headers: dict | None = None, limit: int = 0) -> Fetched:
        """One request, redirects followed by hand (to see each hop), up to `limit` body bytes read."""
        fetched = self.open(method, url, headers)
        if fetched.response is not None:
            if limit:
                fetched.data, fetched.cut = read_body(fetched.response, limit, time.monotonic() + self.timeout * 3)
            fetched.response.close()
        return fetched

    def open(self, method: str, url: str, headers: dict | None = None) -> Fetched:
        """Like fetch, but the response is left unread and open: the caller reads it (read_body, or
        response.raw for a download) and closes it."""
        fetched = Fetched(url, None)
        for _ in range(MAX_REDIRECTS + 1):
            response, fetched.problem = self._send(method, fetched.url, headers)
            if response is None:
                return fetched
            if response.status_code in (301, 302, 303, 307, 308) and response.headers.get("Location"):
                fetched.hops.append((response.status_code, fetched.url))
                fetched.url = urljoin(fetched.url, response.headers["Location"])
                response.close()
                continue
            fetched.response = response
            return fetched
        fetched.problem = f"more than {MAX_REDIRECTS} redirects"
        return fetched

    def _send(self, method: str, url: str, headers: dict | None):
        problem = None
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(0.2 * attempt)
            try:
                response = self._session().request(
                    method,
                    url,
                    headers=headers,
                    allow_redirects=False,
                    stream=True,
                    timeout=(self.timeout, self.timeout),
                )
            except requests.Timeout:
                problem = f"no answer within {self.timeout:g} s"
                continue
            except requests.RequestException as e:
                problem = f"cannot connect ({_reason(e)})"
                continue
            if response.status_code in RETRY_STATUS and attempt < self.retries:
                response.close()
                continue
            return response, None
        return None, problem


def read_body(response: requests.Response, limit: int, deadline: float) -> tuple[bytes, str | None]:
    """The body, decompressed, up to `limit` bytes and until `deadline` (time.monotonic()); and why it was
    cut short, if it was. Raw reads of whatever has arrived (read1), so a server that trickles bytes is
    stopped at the deadline; gzip and deflate are decompressed here, at most `limit` bytes, so a
    compression bomb costs no more memory than a plain body."""
    decoder = _decoder(response.headers.get("Content-Encoding", ""))
    chunks, size, cut = [], 0, None
    raw = response.raw
    try:
        while cut is None:
            if time.monotonic() > deadline:
                cut = "slower than the time allowed"
                break
            data = raw.read1(65536, decode_content=False)
            if not data:
                break
            while data:  # decompressed a bounded piece at a time: never more than limit + 1 bytes in all
                piece = decoder.decompress(data, min(limit + 1 - size, 1 << 20)) if decoder else data
                data = decoder.unconsumed_tail if decoder else b""
                if size + len(piece) > limit:  # one byte more than allowed is enough to know
                    chunks.append(piece[: limit - size])
                    cut = f"larger than {limit:,} bytes"
                    break
                chunks.append(piece)
                size += len(piece)
    except Exception as e:  # noqa: BLE001 - requests', urllib3's (ReadTimeoutError…), zlib's, the socket's
        cut = f"broken off ({_reason(e)})"  # what arrived is what there is
    return b"".join(chunks), cut


def _decoder(encoding: str):
    encoding = encoding.strip().lower()
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        return zlib.decompressobj()
    return None


def _reason(e: Exception) -> str:
    text = str(e)
    match = re.search(r"\] ([^'\")]+)", text)  # urllib3 wraps the OS reason as "[Errno 111] Connection refused"
    return match.group(1).strip() if match else e.__class__.__name__


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
    if urlsplit(fetched.url).scheme != "https":
        found.append(
            warning(
                "server/https",
                target.where,
                f"{target.url}: served over http",
                "serve it over https; Apple and iOS apps expect it",
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
    if target.length is not None and served is not None and served.isdigit() and int(served) != target.length:
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
        found += check_artwork(got.data, got.url, target.where)
    return found


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
