"""Check an uploaded file where podcast apps will fetch it: HEAD (status, Content-Length, Content-Type), then a
byte range (apps seek with ranges; a server that ignores them makes them download whole episodes)."""

from __future__ import annotations

import logging
from pathlib import Path

import requests
from requests.adapters import HTTPAdapter, Retry

from feedtool import __version__
from feedtool.errors import Finding, error, warning
from feedtool.facts import is_digits
from feedtool.publish.manifest import MANIFEST, FileEntry
from feedtool.urls import encode_path

log = logging.getLogger(__name__)

TIMEOUT = (10, 30)  # connect, read seconds
RANGE_BYTES = 4096


def http_session(retries: int = 3, backoff: float = 0.3) -> requests.Session:
    """A requests session that retries a few times, with exponential backoff, on connection errors and 429/5xx.

    Callers pass a timeout on every request."""
    logging.getLogger("urllib3").setLevel(logging.ERROR)  # each retry is a warning there; we report the outcome
    session = requests.Session()
    retry = Retry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        backoff_factor=backoff,
        status_forcelist=(429, 500, 502, 503, 504),
        allowed_methods=None,
        raise_on_status=False,
    )
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = f"feedtool/{__version__}"
    return session


# Types that name the same thing; web servers pick different members (nginx serves .xml as text/xml).
SAME_TYPES = [
    {"application/rss+xml", "application/xml", "text/xml"},
    {"audio/x-m4a", "audio/mp4", "audio/m4a"},
    {"video/x-m4v", "video/mp4"},
    {"application/x-subrip", "application/srt", "text/srt"},
    {"application/json+chapters", "application/json"},
]


def _main_type(value: str | None) -> str:
    return (value or "").split(";")[0].strip().lower()


def same_type(served: str, expected: str) -> bool:
    return served == expected or any(served in group and expected in group for group in SAME_TYPES)


class HttpVerifier:
    def __init__(self, public_url: str, session: requests.Session | None = None):
        self.base = public_url.rstrip("/") + "/"
        self.session = session or http_session()

    def state_exposed(self) -> list[Finding]:
        """A warning when the target's .feedtool/ (the manifest, and the copies of replaced and removed files
        kept for --rollback) is served to anyone; nothing when the server refuses it or cannot be asked."""
        url = self.url_for(MANIFEST)
        try:
            with self.session.get(url, timeout=TIMEOUT, stream=True) as response:
                status = response.status_code
        except requests.RequestException:
            return []
        if status != 200:
            return []
        return [
            warning(
                "publish/state-exposed",
                url,
                "is served to anyone: the publish state (manifest, and copies of replaced files kept for "
                "--rollback) is public",
                "block /.feedtool/ on the web server or storage (README: What a web server must not serve)",
            )
        ]

    def url_for(self, rel: str) -> str:
        return self.base + encode_path(rel)

    def check(self, rel: str, entry: FileEntry, local: Path | None = None) -> list[Finding]:
        """Problems with the file as served: errors stop the publish before the feed, warnings are reported."""
        url = self.url_for(rel)
        hint = "check [publish] public_url, the web server, or set verify_http = false"
        try:
            head = self.session.head(url, allow_redirects=True, timeout=TIMEOUT)
        except requests.RequestException as e:
            return [error("publish/http", url, f"cannot reach it: {type(e).__name__}", hint)]
        if head.status_code != 200:
            return [error("publish/http", url, f"HEAD answered {head.status_code}, not 200", hint)]
        found = []
        length = head.headers.get("Content-Length")
        if length is not None and is_digits(length) and int(length) != entry.size:
            found.append(
                error(
                    "publish/http",
                    url,
                    f"Content-Length is {length}, the file has {entry.size} bytes",
                    "a cache may hold an old copy; purge it, then publish again",
                )
            )
        served = _main_type(head.headers.get("Content-Type"))
        if not same_type(served, _main_type(entry.content_type)):
            found.append(
                warning(
                    "publish/http-type",
                    url,
                    f"served as '{served or 'no type'}', not '{_main_type(entry.content_type)}'",
                    "set the type in the web server's MIME types; some apps refuse other types",
                )
            )
        if entry.size and not found:
            found += self._check_range(url, entry, local)
        return found

    def _check_range(self, url: str, entry: FileEntry, local: Path | None) -> list[Finding]:
        last = min(entry.size, RANGE_BYTES) - 1
        try:
            with self.session.get(url, headers={"Range": f"bytes=0-{last}"}, timeout=TIMEOUT, stream=True) as r:
                body = r.raw.read(last + 1, decode_content=True)
                status, content_range = r.status_code, r.headers.get("Content-Range", "")
        except requests.RequestException as e:
            return [
                error(
                    "publish/http",
                    url,
                    f"a byte-range request failed: {type(e).__name__}",
                    "check the web server, then publish again",
                )
            ]
        if status == 200:
            return [
                warning(
                    "publish/http-range",
                    url,
                    "the server ignores byte ranges (answered 200, not 206)",
                    "enable range requests; apps need them to seek and Apple requires them",
                )
            ]
        if status != 206 or not content_range.startswith(f"bytes 0-{last}/"):
            return [
                error(
                    "publish/http-range",
                    url,
                    f"a byte range answered {status} '{content_range}'",
                    "check the web server",
                )
            ]
        if local is not None:
            with open(local, "rb") as f:
                expected = f.read(last + 1)
            if body != expected:
                return [
                    error(
                        "publish/http",
                        url,
                        "serves other bytes than the file uploaded",
                        "a cache may hold an old copy; purge it, then publish again",
                    )
                ]
        return []
