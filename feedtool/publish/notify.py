"""Tell the directories the feed changed: a WebSub ping to each hub, then the Podcast Index pubnotify.

A failed ping is reported, never raised: the feed is already published, the directories will poll anyway.
"""

from __future__ import annotations

import ipaddress
import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests

from feedtool.publish.verify import http_session
from feedtool.read.config import Config

log = logging.getLogger(__name__)

TIMEOUT = (5, 15)
# names that never lead to the internet (RFC 6761, RFC 8375)
LOCAL_NAMES = ("localhost",)
LOCAL_SUFFIXES = (".localhost", ".local", ".test", ".invalid", ".home.arpa", ".internal")


@dataclass(frozen=True)
class Ping:
    service: str  # "WebSub hub" or "Podcast Index"
    url: str
    ok: bool
    detail: str  # what the service answered, or why it could not be reached
    skipped: bool = False  # not sent: the service could not have fetched the feed

    def __str__(self) -> str:
        return f"{self.service} {self.url}: {self.detail}"


def notify(config: Config, feed_url: str, session: requests.Session | None = None) -> list[Ping]:
    """Ping every hub in [feed] hubs and, unless [publish] podcastindex = false, the Podcast Index."""
    session = session or http_session()
    pings = []
    for hub in config.feed.hubs:
        pings.append(
            _unreachable(feed_url, "WebSub hub", hub)
            or _call(session, "WebSub hub", hub, "POST", data={"hub.mode": "publish", "hub.url": feed_url})
        )
    if config.publish.podcastindex and config.publish.podcastindex_url:
        url = config.publish.podcastindex_url
        pings.append(
            _unreachable(feed_url, "Podcast Index", url)
            or _call(session, "Podcast Index", url, "GET", params={"url": feed_url})
        )
    return pings


def local_host(url: str) -> str | None:
    """The host of url when it cannot be reached from the internet (this machine, a private network, a name
    reserved for local use), else None. Names are not looked up: only what the URL itself says."""
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host if host in LOCAL_NAMES or host.endswith(LOCAL_SUFFIXES) else None
    return None if address.is_global else host


def _unreachable(feed_url: str, service: str, url: str) -> Ping | None:
    """A service on the internet is not told about a feed it cannot fetch (a rehearsal on 127.0.0.1, say)."""
    feed_host = local_host(feed_url)
    if feed_host and not local_host(url):
        return Ping(service, url, True, f"the feed's address ({feed_host}) cannot be reached from the internet",
                    skipped=True)
    return None


def _call(session: requests.Session, service: str, url: str, method: str, **kwargs) -> Ping:
    try:
        response = session.request(method, url, timeout=TIMEOUT, **kwargs)
    except requests.RequestException as e:
        reason = type(e).__name__
        if isinstance(e, requests.exceptions.RetryError):
            reason = "gave up after retries"
        return Ping(service, url, False, f"not reached ({reason}, after retries)")
    detail = f"HTTP {response.status_code}"
    description = _description(response)
    if description:
        detail += f" {description}"
    return Ping(service, url, 200 <= response.status_code < 300, detail)


def _description(response: requests.Response) -> str:
    """The Podcast Index answers JSON with a description; hubs answer with an empty body or a short text."""
    if "json" in response.headers.get("Content-Type", ""):
        try:
            data = response.json()
        except ValueError:
            return ""
        if isinstance(data, dict) and data.get("description"):
            return f"({str(data['description'])[:120]})"
        return ""
    text = response.text.strip()
    return f"({text[:120]})" if text and response.status_code >= 300 and "<" not in text else ""
