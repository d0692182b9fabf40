"""Tell the directories the feed changed: a WebSub ping to each hub, then the Podcast Index pubnotify.

A failed ping is reported, never raised: the feed is already published, the directories will poll anyway.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import requests

from feedtool.publish.verify import http_session
from feedtool.read.config import Config

log = logging.getLogger(__name__)

TIMEOUT = (5, 15)


@dataclass(frozen=True)
class Ping:
    service: str  # "WebSub hub" or "Podcast Index"
    url: str
    ok: bool
    detail: str  # what the service answered, or why it could not be reached

    def __str__(self) -> str:
        return f"{self.service} {self.url}: {self.detail}"


def notify(config: Config, feed_url: str, session: requests.Session | None = None) -> list[Ping]:
    """Ping every hub in [feed] hubs and, unless [publish] podcastindex = false, the Podcast Index."""
    session = session or http_session()
    pings = []
    for hub in config.feed.hubs:
        pings.append(_call(session, "WebSub hub", hub, "POST", data={"hub.mode": "publish", "hub.url": feed_url}))
    if config.publish.podcastindex and config.publish.podcastindex_url:
        pings.append(_call(session, "Podcast Index", config.publish.podcastindex_url, "GET", params={"url": feed_url}))
    return pings


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
