"""Audio given as a URL, measured over HTTP without downloading it. The read layer's one network module.

HEAD gives the length, the type and the validators (ETag, Last-Modified). Then probe.py's own readers read
the file through RemoteFile, which fetches what they read as byte ranges: an MP3's ID3 tag and its first
frame's Xing/LAME/VBRI header (and its last 131 bytes, for an ID3v1 tag); an M4A's boxes up to and including
`moov`, which a file written without faststart keeps at its end (fetched as a suffix range, `bytes=-N`).
A server that ignores ranges (200 with the whole file) is named in a warning, and the file is streamed from
its start only as far as the readers go, then the connection is dropped.

Measurements are kept in `<show>/.feedtool/remote.sqlite` (one small SQLite file: each write is a
transaction, so processes building in parallel never see half of one), keyed on the URL with the server's
ETag and Last-Modified. A later build asks once, with a conditional HEAD: 304 means the measurement stands,
anything else measures the file again. Offline, the kept measurement is used and no request is made.
Every request has a timeout and retries (connection errors, 429 and 5xx); redirects are followed (at most 5).
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlsplit

import requests

from feedtool import __version__
from feedtool.errors import AudioError, Finding, error, network_reason, warning
from feedtool.facts import MIME_TYPES
from feedtool.model import Artwork, AudioInfo, Chapter, Tags
from feedtool.read.paths import make_cache_folder
from feedtool.read.probe import probe_stream
from feedtool.urls import path_suffix

log = logging.getLogger(__name__)

TIMEOUT = 10.0  # seconds, to connect and for each read
RETRIES = 2
MAX_REDIRECTS = 5
RETRY_STATUS = (429, 502, 503, 504)
CONCURRENCY = 8  # conditional HEADs at once when a warm build asks whether remote files changed
BLOCK = 65536  # bytes a range request fetches at least: one holds the usual tag and first frame
CACHE_NAME = "remote.sqlite"
SUFFIX_BY_TYPE = {"audio/mpeg": ".mp3", "audio/mp3": ".mp3", "audio/x-m4a": ".m4a", "audio/mp4": ".m4a",
                  "audio/m4a": ".m4a", "audio/ogg": ".ogg", "audio/opus": ".opus", "audio/flac": ".flac"}
_local = threading.local()


class Measured(NamedTuple):
    """A kept measurement and what identifies the file it was taken from."""

    etag: str | None
    last_modified: str | None
    info: AudioInfo


def measure_url(url: str, where: str, show_root: Path, *, offline: bool = False, typed: bool = False):
    """The audio at `url`, measured (or as measured before), and findings: (AudioInfo | None, [Finding]).

    typed: the front matter gives both length and duration, so a file that cannot be measured is a warning
    (the typed values are used unchecked) rather than an error."""
    try:
        return measure(url, where, MeasureCache.of_show(show_root), offline=offline)
    except AudioError as e:
        text = str(e).removeprefix(f"{where}: ")
        message, _, hint = text[:-1].rpartition(" (") if text.endswith(")") else (text, "", "")
        found = list(e.findings) or [error("audio/remote", where, message or text, hint)]
        if not typed:
            return None, found
        return None, [
            warning(f.rule, f.where, f"{f.message}; the typed length and duration are used unchecked", f.hint)
            for f in found
        ]


def measure(url: str, where: str, cache: MeasureCache, *, offline: bool = False) -> tuple[AudioInfo, list[Finding]]:
    """Measure the file at `url`, asking the server only whether it changed when it was measured before.
    Raises AudioError saying what went wrong and how to fix it."""
    kept = cache.get(url)
    if offline:
        if kept is None:
            raise AudioError(
                f"{where}: never measured, and --offline makes no request "
                "(build once without --offline, or give length: and duration: in the front matter)"
            )
        return kept.info, []
    session = _session()
    head = _request(session, "HEAD", url, where, _conditional(kept))
    if head.status_code == 304 and kept is not None:
        return kept.info, []
    if head.status_code in (403, 405, 501):  # no HEAD here: the first ranged GET tells the length
        head = None
    elif head.status_code >= 400:
        raise AudioError(f"{where}: the server answers {head.status_code} (check the URL; the file must be public)")
    headers = head.headers if head is not None else {}
    if kept is not None and _unchanged(kept, headers):
        return kept.info, []
    kind = (headers.get("Content-Type") or "").split(";")[0].strip().lower()
    if kind.startswith("text/"):
        raise AudioError(f"{where}: the server answers with {kind}, not audio (check the URL)")
    final_url = head.url if head is not None else url
    suffix = _suffix(url, final_url, kind, where)
    length = headers.get("Content-Length")
    with RemoteFile(session, final_url, int(length) if length else None, where) as f:
        f.start()
        findings = [] if f.ranges else [_no_ranges(f.url, where)]
        info = probe_stream(f, f.size, suffix, where, tail=f.ranges)
        headers = headers or f.validators
    cache.put(url, Measured(headers.get("ETag"), headers.get("Last-Modified"), info))
    return info, findings


def _no_ranges(url: str, where: str) -> Finding:
    return warning(
        "audio/no-ranges",
        where,
        f"{urlsplit(url).netloc} ignores byte ranges (answers 200 with the whole file); "
        "measured by reading the file from its start",
        "enable byte-range requests on the server: Apple requires them, and apps seek with them",
    )


def unchanged_urls(urls, show_root: Path, *, offline: bool = False) -> set[str]:
    """Of `urls`, those whose files are as measured last time: one conditional HEAD each, CONCURRENCY at once;
    offline, every URL measured before, with no request. The build cache reuses the items of these."""
    cache = MeasureCache.of_show(show_root)
    kept = cache.get_many(sorted(urls))
    if offline or not kept:
        return set(kept)
    with ThreadPoolExecutor(min(CONCURRENCY, len(kept))) as pool:
        current = list(pool.map(_still_current, kept.keys(), kept.values()))
    return {url for url, same in zip(kept, current, strict=True) if same}


def _still_current(url: str, kept: Measured) -> bool:
    try:
        head = _request(_session(), "HEAD", url, url, _conditional(kept))
    except AudioError:
        return False  # measured again by the build, which says what is wrong
    with head:
        return head.status_code == 304 or (head.status_code < 300 and _unchanged(kept, head.headers))


def _conditional(kept: Measured | None) -> dict[str, str]:
    headers = {}
    if kept and kept.etag:
        headers["If-None-Match"] = kept.etag
    if kept and kept.last_modified:
        headers["If-Modified-Since"] = kept.last_modified
    return headers


def _unchanged(kept: Measured, headers) -> bool:
    """A 200 to a conditional HEAD that still names the same file: a server that ignores If-None-Match but
    sends the same ETag (or Last-Modified); or one without validators that sends the same length."""
    if kept.etag or kept.last_modified:
        return (kept.etag or None, kept.last_modified or None) == (headers.get("ETag"), headers.get("Last-Modified"))
    return headers.get("Content-Length") == str(kept.info.size_bytes)


def _suffix(url: str, final_url: str, kind: str, where: str) -> str:
    for candidate in (url, final_url):
        suffix = path_suffix(urlsplit(candidate).path).lower()
        if suffix in MIME_TYPES:
            return suffix
    if kind in SUFFIX_BY_TYPE:
        return SUFFIX_BY_TYPE[kind]
    raise AudioError(
        f"{where}: neither the URL nor the server's Content-Type ({kind or 'none'}) says which audio format "
        "this is (use a URL ending in .mp3, .m4a, .opus, .ogg or .flac)"
    )


def _session() -> requests.Session:
    """One session a thread (and a process: a forked build worker makes its own)."""
    session = getattr(_local, "session", None)
    if session is None or _local.pid != os.getpid():
        session = requests.Session()
        session.headers["User-Agent"] = f"feedtool/{__version__}"
        session.headers["Accept-Encoding"] = "identity"  # byte ranges count bytes of the file itself
        session.max_redirects = MAX_REDIRECTS
        _local.session, _local.pid = session, os.getpid()
    return session


def _request(session, method: str, url: str, where: str, headers: dict, stream: bool = False) -> requests.Response:
    """One request, retried after a connection error, a timeout, 429 or a 5xx gateway answer."""
    for attempt in range(RETRIES + 1):
        if attempt:
            time.sleep(0.2 * attempt)
        try:
            response = session.request(
                method, url, headers=headers, timeout=(TIMEOUT, TIMEOUT), allow_redirects=True, stream=stream
            )
        except requests.TooManyRedirects:
            raise AudioError(
                f"{where}: more than {MAX_REDIRECTS} redirects (point audio: at the file's final URL)"
            ) from None
        except requests.Timeout:
            problem = f"no answer within {TIMEOUT:g} s (is the server up? try again later)"
            continue
        except requests.RequestException as e:
            problem = f"cannot reach the server: {network_reason(e)} (check the URL and the connection)"
            continue
        if response.status_code in RETRY_STATUS and attempt < RETRIES:
            response.close()
            continue
        return response
    raise AudioError(f"{where}: {problem}")


class RemoteFile(io.RawIOBase):
    """A read-only, seekable file over HTTP: what is read is fetched as byte ranges (BLOCK at least) and
    kept, so the readers' many small reads cost few requests. Against a server without ranges, the body of
    one GET is read forward as far as needed (what was read past is dropped, what was asked for kept)."""

    def __init__(self, session, url: str, size: int | None, where: str):
        super().__init__()
        self.session, self.url, self.size, self.where = session, url, size, where
        self.pos = 0
        self.blocks: dict[int, bytes] = {}
        self.ranges = True
        self.validators: dict | None = None  # the headers of the first GET, when there was no HEAD
        self._stream: requests.Response | None = None
        self._stream_at = 0  # the block the stream reads next

    def start(self) -> None:
        """Fetch the first block: whether the server honours ranges, and the size if HEAD did not say."""
        response = self._get({"Range": f"bytes=0-{BLOCK - 1}"})
        if response.status_code == 206:
            total = response.headers.get("Content-Range", "").rpartition("/")[2]
            if self.size is None and total.isdigit():
                self.size = int(total)
            self._keep(0, response.content)
        elif response.status_code == 200:
            self.ranges = False
            self._stream = response
            if self.size is None and (response.headers.get("Content-Length") or "").isdigit():
                self.size = int(response.headers["Content-Length"])
        else:
            response.close()
            raise AudioError(f"{self.where}: the server answers {response.status_code} to a GET (check the URL)")
        self.validators = self.validators or response.headers
        if self.size is None:
            raise AudioError(f"{self.where}: the server does not say how long the file is (no Content-Length)")
        if self.size == 0:
            raise AudioError(f"{self.where}: the file on the server is empty (0 bytes; upload it again)")

    def _get(self, headers: dict) -> requests.Response:
        return _request(self.session, "GET", self.url, self.where, headers, stream=True)

    def _keep(self, start: int, data: bytes) -> None:
        for i in range(0, len(data), BLOCK):
            self.blocks[(start + i) // BLOCK] = data[i : i + BLOCK]

    def _fetch(self, first: int, last: int) -> None:
        """Blocks first..last (inclusive), in one request; a run that reaches the end is a suffix range."""
        if not self.ranges:
            return self._stream_to(first, last)
        start, end = first * BLOCK, min((last + 1) * BLOCK, self.size) - 1
        spec = f"bytes=-{self.size - start}" if end == self.size - 1 and start > 0 else f"bytes={start}-{end}"
        response = self._get({"Range": spec})
        with contextlib.closing(response):
            if response.status_code != 206:
                raise OSError(f"the server answers {response.status_code} to the byte range {spec}")
            data = response.content
        if len(data) != end - start + 1:
            raise OSError(f"the server sent {len(data)} bytes for the byte range {spec}, not {end - start + 1}")
        self._keep(start, data)

    def _stream_to(self, first: int, last: int) -> None:
        if self._stream is None or first < self._stream_at:  # behind the stream: start reading again
            if self._stream is not None:
                self._stream.close()
            self._stream, self._stream_at = self._get({}), 0
        while self._stream_at <= last:
            data = self._stream.raw.read(BLOCK, decode_content=True)
            if not data:
                raise OSError("the server's response ended before the file did")
            if self._stream_at >= first:
                self.blocks[self._stream_at] = data
            self._stream_at += 1

    def read(self, size: int = -1) -> bytes:
        end = self.size if size is None or size < 0 else min(self.size, self.pos + size)
        if end <= self.pos:
            return b""
        first, last = self.pos // BLOCK, (end - 1) // BLOCK
        missing = [i for i in range(first, last + 1) if i not in self.blocks]
        if missing:
            try:
                self._fetch(missing[0], missing[-1])
            except requests.RequestException as e:
                raise OSError(f"reading the file over HTTP failed: {type(e).__name__}") from e
        data = b"".join(self.blocks[i] for i in range(first, last + 1))
        offset = self.pos - first * BLOCK
        chunk = data[offset : offset + end - self.pos]
        self.pos += len(chunk)
        return chunk

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.pos, io.SEEK_END: self.size}[whence]
        self.pos = max(0, base + offset)
        return self.pos

    def tell(self) -> int:
        return self.pos

    def close(self) -> None:
        if self._stream is not None:
            self._stream.close()  # drops the connection: the rest of the body is never read
            self._stream = None
        super().close()


class MeasureCache:
    """Measurements by URL in one SQLite file. A connection per call: cheap, and safe in forked workers."""

    def __init__(self, path: Path):
        self.path = path

    @classmethod
    def of_show(cls, show_root: Path) -> MeasureCache:
        return cls(show_root / ".feedtool" / CACHE_NAME)

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30)
        db.execute("PRAGMA synchronous=OFF")  # a cache: a crash may lose it, never corrupt what it serves
        db.execute("CREATE TABLE IF NOT EXISTS measured (url TEXT PRIMARY KEY, etag TEXT, last_modified TEXT, "
                   "info TEXT NOT NULL)")
        return db

    def get(self, url: str) -> Measured | None:
        return self.get_many([url]).get(url)

    def get_many(self, urls) -> dict[str, Measured]:
        """The kept measurements of `urls`, by one connection (a warm build asks about all its remote files)."""
        if not self.path.exists():
            return {}
        found = {}
        try:
            with contextlib.closing(self._connect()) as db:
                for url in urls:
                    row = db.execute("SELECT etag, last_modified, info FROM measured WHERE url = ?", (url,)).fetchone()
                    if row:
                        found[url] = Measured(row[0], row[1], _info_from_json(row[2]))
        except sqlite3.Error as e:
            log.warning("%s: cannot read the measurements of remote audio: %s", self.path, e)
            return {}
        return found

    def put(self, url: str, measured: Measured) -> None:
        try:
            make_cache_folder(self.path.parent)
            with contextlib.closing(self._connect()) as db, db:  # one transaction
                db.execute("INSERT OR REPLACE INTO measured VALUES (?, ?, ?, ?)",
                           (url, measured.etag, measured.last_modified, _info_to_json(measured.info)))
        except (sqlite3.Error, OSError) as e:  # a read-only show folder costs only the next build's requests
            log.warning("%s: cannot keep the measurement of %s: %s", self.path, url, e)


def _info_to_json(info: AudioInfo) -> str:
    data = asdict(info)
    data.pop("path")
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def _info_from_json(text: str) -> AudioInfo:
    data = json.loads(text)
    return AudioInfo(
        path=None,
        size_bytes=data["size_bytes"],
        duration=data["duration"],
        mime_type=data["mime_type"],
        bitrate=data["bitrate"],
        tags=Tags(**data["tags"]),
        chapters=tuple(Chapter(**c) for c in data["chapters"]),
        artwork=Artwork(**data["artwork"]) if data["artwork"] else None,
        height=data["height"],
    )
