"""The HTTP client of `feedtool check`: bounded in time, in size and in where it lets a redirect lead.

- Time: a server that trickles one byte a second answers every single read within any read timeout, so each
  request has a deadline for the whole of it (connect, headers, body): when it passes, a watchdog shuts the
  request's socket and the read in progress ends at once.
- Size: bodies are read only as far as a check needs, up to a limit the caller names; hitting it is said.
- Where: a redirect to a private or link-local address (a cloud's metadata service at 169.254.169.254, a
  router's admin page) is not followed unless the URL checked is itself on such a network, and a redirect to
  anything but http(s) never is. Loopback stays allowed, for previews and tests.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import threading
import time
import zlib
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from feedtool import __version__
from feedtool.errors import network_reason

USER_AGENT = f"feedtool/{__version__}"
MAX_REDIRECTS = 5  # followed; more is an error
RETRY_STATUS = (429, 502, 503, 504)
REDIRECTS = (301, 302, 303, 307, 308)


@dataclass
class Fetched:
    """The last response of a request after its redirects, and what the hops were."""

    url: str
    response: requests.Response | None
    hops: list[tuple[int, str]] = field(default_factory=list)
    problem: str | None = None  # why there is no response
    data: bytes = b""
    cut: str | None = None  # why the body stopped short: the deadline passed, or the size limit was reached
    over_limit: bool = False  # the body is longer than the limit the caller asked for


class _Deadline:
    """Shuts the sockets of a request still running when its time is up (see the module's docstring)."""

    def __init__(self, seconds: float):
        self.at = time.monotonic() + seconds  # the deadline, on time.monotonic()'s clock
        self.expired = False
        self.connections: list[HTTPConnection] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> _Deadline:
        _current.deadline = self
        self._timer.start()
        return self

    def __exit__(self, *exc) -> None:
        self._timer.cancel()
        _current.deadline = None

    def watch(self, connection: HTTPConnection) -> None:
        with self._lock:
            self.connections.append(connection)
            late = self.expired
        if late:
            self._shut(connection)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            connections = list(self.connections)
        for connection in connections:
            self._shut(connection)

    @staticmethod
    def _shut(connection: HTTPConnection) -> None:
        sock = connection.sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


_current = threading.local()  # the deadline of the request this thread is making


def _watch(connection: HTTPConnection) -> None:
    deadline = getattr(_current, "deadline", None)
    if deadline is not None:
        deadline.watch(connection)


# urllib3 makes a connection (or takes one from its pool) for each request and calls its request(): the
# connection classes below report themselves to the thread's deadline there, through pools that use them.
class _WatchedHTTPConnection(HTTPConnection):
    def request(self, *args, **kwargs):
        _watch(self)
        return super().request(*args, **kwargs)


class _WatchedHTTPSConnection(HTTPSConnection):
    def request(self, *args, **kwargs):
        _watch(self)
        return super().request(*args, **kwargs)


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class _WatchedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}


class Client:
    """Requests with a whole-request deadline of `timeout` seconds each (fetch: to the end of the body read;
    open: to the headers, the body being the caller's), and one retry."""

    def __init__(self, timeout: float = 10.0, retries: int = 1):
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
            adapter = _WatchedAdapter()
            session.mount("http://", adapter)
            session.mount("https://", adapter)
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
        """One request, redirects followed by hand (to see and vet each hop), up to `limit` body bytes read
        (decompressed), all of it within `timeout` seconds."""
        with _Deadline(self.timeout) as deadline:
            fetched = self._open(method, url, headers, deadline)
            if fetched.response is not None:
                if limit:
                    fetched.data, cut = read_body(fetched.response, limit, deadline.at)
                    if cut == _larger(limit):
                        fetched.over_limit = True
                        fetched.cut = f"longer than {format_limit(limit)}, the most check reads"
                    elif cut is not None or deadline.expired:  # a body ended by the watchdog ends "normally"
                        fetched.cut = f"not complete within {self.timeout:g} s" if deadline.expired else cut
                fetched.response.close()
        return fetched

    def open(self, method: str, url: str, headers: dict | None = None) -> Fetched:
        """Like fetch, but the response is left unread and open: the caller reads it (read_body, or
        response.raw for a download) and closes it. The deadline covers the answer's headers only."""
        with _Deadline(self.timeout) as deadline:
            return self._open(method, url, headers, deadline)

    def _open(self, method: str, url: str, headers: dict | None, deadline: _Deadline) -> Fetched:
        fetched = Fetched(url, None)
        for _ in range(MAX_REDIRECTS + 1):
            response, fetched.problem = self._send(method, fetched.url, headers, deadline)
            if response is not None and deadline.expired:  # the headers ended because the watchdog shut them
                response.close()
                response, fetched.problem = None, f"no answer within {self.timeout:g} s"
            if response is None:
                return fetched
            if response.status_code in REDIRECTS and response.headers.get("Location"):
                fetched.hops.append((response.status_code, fetched.url))
                response.close()
                following = urljoin(fetched.url, response.headers["Location"])
                refused = redirect_refusal(url, following)
                if refused:
                    fetched.problem = f"redirected to {following}, {refused}; not followed"
                    return fetched
                fetched.url = following
                continue
            fetched.response = response
            return fetched
        fetched.problem = f"more than {MAX_REDIRECTS} redirects"
        return fetched

    def _send(self, method: str, url: str, headers: dict | None, deadline: _Deadline):
        problem = None
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(0.2 * attempt)
            if deadline.expired:
                break
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
                late = deadline.expired
                problem = f"no answer within {self.timeout:g} s" if late else f"cannot connect ({network_reason(e)})"
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
                    cut = _larger(limit)
                    break
                chunks.append(piece)
                size += len(piece)
    except Exception as e:  # noqa: BLE001 - requests', urllib3's (ReadTimeoutError…), zlib's, the socket's
        cut = f"broken off ({network_reason(e)})"  # what arrived is what there is
    return b"".join(chunks), cut


def _larger(limit: int) -> str:
    return f"larger than {limit:,} bytes"


def _decoder(encoding: str):
    encoding = encoding.strip().lower()
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        return zlib.decompressobj()
    return None


def format_limit(size: int) -> str:
    return f"{size // (1 << 20)} MiB" if size >= 1 << 20 else f"{size:,} bytes"


def redirect_refusal(start: str, following: str) -> str | None:
    """Why a redirect from a request that began at `start` must not be followed to `following`, or None."""
    parts = urlsplit(following)
    if parts.scheme not in ("http", "https"):
        return "not an http(s) URL"
    kind = network_kind(parts.hostname or "")
    if kind is None or kind == "loopback":
        return None
    started = network_kind(urlsplit(start).hostname or "")
    if started is not None and started != "loopback":
        return None  # checking a server on a private network: its redirects may stay there
    return f"{kind} address"


def network_kind(host: str) -> str | None:
    """"loopback", "a link-local", "a private" (and the like) for a host that is not on the public internet,
    None for a public one (or one that does not resolve: the request itself will say so)."""
    try:
        addresses = [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        try:
            infos = socket.getaddrinfo(host, None)
        except (OSError, UnicodeError):
            return None
        addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]
    kinds = [_kind(a) for a in addresses]
    return next((k for k in kinds if k not in (None, "loopback")), "loopback" if "loopback" in kinds else None)


def _kind(address) -> str | None:
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None:
        address = mapped
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "a link-local"
    if address.is_unspecified or address.is_multicast or address.is_reserved:
        return "a reserved"
    if address.is_private or address in _SHARED:
        return "a private"
    return None


_SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT: not private to Python, not public either
