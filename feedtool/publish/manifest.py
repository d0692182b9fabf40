"""The manifest kept on the target: what is published (episodes, file hashes), so the next publish can plan.

State files live under `.feedtool/` on the target:

    .feedtool/manifest.json           the published version: its episodes and every file with its hash, and
                                      the files it dropped but keeps for their grace period (retire.py)
    .feedtool/pending.json            written before a publish uploads anything, removed when it is done:
                                      the version being published and every path it may have touched
    .feedtool/rollback/<version>.json the version before the published one (what --rollback restores)...
    .feedtool/rollback/<version>/...  ...and its files that the published version replaced or removed

The feed decides which version is live: whichever manifest records the feed bytes now on the target.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Mapping

from feedtool.errors import PublishError
from feedtool.facts import is_digits

log = logging.getLogger(__name__)

FORMAT = 1
STATE_DIR = ".feedtool"
MANIFEST = f"{STATE_DIR}/manifest.json"
PENDING = f"{STATE_DIR}/pending.json"
ROLLBACK = f"{STATE_DIR}/rollback"


@dataclass(frozen=True)
class FileEntry:
    size: int
    sha256: str
    content_type: str
    cache_control: str
    kind: str = "asset"  # asset (media, artwork, transcripts, chapters), page, or feed: the upload order


@dataclass(frozen=True)
class EpisodeEntry:
    guid: str
    source: str  # the episode file, relative to the show folder: how messages name the episode
    enclosure_url: str
    length: int | None  # bytes of the enclosure; None when it is hosted elsewhere
    pub_date: str
    files: tuple[str, ...] = ()


@dataclass(frozen=True)
class Manifest:
    version: str
    feed: str  # the feed's path on the target
    feed_url: str | None
    episodes: tuple[EpisodeEntry, ...]
    files: Mapping[str, FileEntry] = field(default_factory=dict)
    previous: str | None = None  # the version --rollback restores
    published: str = ""
    # The feed's (content digest, lastBuildDate) record (build/history.py), adopted by a publish from another
    # checkout so that it writes the same lastBuildDate while the content is the same.
    feed_dates: tuple[str, str] | None = None
    # Files an earlier version used and this one does not, still on the target for apps that hold an older feed:
    # path -> the moment it left the feed (ISO 8601). retire.py decides when each goes.
    retired: Mapping[str, str] = field(default_factory=dict)

    @property
    def feed_sha256(self) -> str | None:
        entry = self.files.get(self.feed)
        return entry.sha256 if entry else None

    def to_json(self) -> bytes:
        data = {"format": FORMAT, **asdict(self)}
        data["files"] = {rel: asdict(entry) for rel, entry in sorted(self.files.items())}
        data["retired"] = dict(sorted(self.retired.items()))
        return (json.dumps(data, indent=1, ensure_ascii=False) + "\n").encode("utf-8")

    @classmethod
    def from_json(cls, raw: bytes, where: str) -> "Manifest":
        try:
            data = json.loads(raw)
            if data.get("format") != FORMAT:
                raise ValueError(f"format {data.get('format')!r}")
            return cls(
                version=data["version"],
                feed=data["feed"],
                feed_url=data.get("feed_url"),
                episodes=tuple(EpisodeEntry(**{**e, "files": tuple(e.get("files", ()))}) for e in data["episodes"]),
                files={rel: FileEntry(**entry) for rel, entry in data["files"].items()},
                previous=data.get("previous"),
                published=data.get("published", ""),
                feed_dates=_feed_dates(data.get("feed_dates")),
                retired=_retired(data.get("retired")),
            )
        except (ValueError, KeyError, TypeError, AttributeError) as e:
            raise PublishError(f"{where}: not a feedtool manifest ({e}; move it away to publish from scratch)") from e


def _feed_dates(value) -> tuple[str, str] | None:
    """A manifest's feed_dates; absent (a manifest written before it existed) or malformed, none."""
    if isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value):
        return value[0], value[1]
    return None


def _retired(value) -> dict[str, str]:
    """A manifest's retired files; absent (a manifest written before it existed), none. An entry without a
    readable moment is left out: the file then stays on the target rather than go before its time."""
    if not isinstance(value, dict):
        return {}
    retired = {}
    for rel, since in value.items():
        try:
            if isinstance(since, str) and datetime.fromisoformat(since).tzinfo is not None:
                retired[rel] = since
        except ValueError:
            pass
    return retired


def new_version() -> str:
    """A unique, sortable version id: UTC time plus a random suffix."""
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


def now_iso() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def backup_path(version: str, rel: str) -> str:
    return f"{ROLLBACK}/{version}/{rel}"


def backup_manifest_path(version: str) -> str:
    return f"{ROLLBACK}/{version}.json"


@dataclass(frozen=True)
class State:
    """What the target holds: the live version, and what an interrupted publish left behind."""

    live: Manifest | None  # the version whose feed is on the target
    stored: Manifest | None  # .feedtool/manifest.json as found
    pending: Manifest | None  # the version an unfinished publish was putting up
    touched: frozenset[str] = frozenset()  # paths whose content the live manifest no longer vouches for
    unfinished: str = ""  # "", "before-feed" (old feed live) or "after-feed" (new feed live, tail left to do)
    warnings: tuple[str, ...] = ()
    foreign: Manifest | None = None  # no manifest, but a feed is there: its episodes, to check the new ones against


def read_state(target, default_feed: str) -> State:
    """Read manifest, pending publish and the feed from the target, and decide which version is live."""
    where = f"{target.name}/{MANIFEST}"
    raw = target.read(MANIFEST)
    stored = Manifest.from_json(raw, where) if raw is not None else None
    raw = target.read(PENDING)
    pending, touched = None, frozenset()
    if raw is not None:
        try:
            doc = json.loads(raw)
            pending = Manifest.from_json(json.dumps(doc["manifest"]).encode(), f"{target.name}/{PENDING}")
            touched = frozenset(doc["touched"])
        except (ValueError, KeyError, TypeError, PublishError):
            # Unreadable: trust nothing the stored manifest says about file contents.
            pending, touched = None, frozenset(stored.files if stored else ())
    feed_rel = stored.feed if stored else pending.feed if pending else default_feed
    feed = target.read(feed_rel)
    live_sha = sha256_bytes(feed) if feed is not None else None
    if pending and stored and pending.version == stored.version:
        return State(stored, stored, pending, touched, "after-feed")  # only the clean-up was left
    if pending and pending.feed_sha256 != (stored.feed_sha256 if stored else None):
        pending_feed = target.read(pending.feed) if pending.feed != feed_rel else feed
        if pending_feed is not None and sha256_bytes(pending_feed) == pending.feed_sha256:
            return State(pending, stored, pending, touched, "after-feed")
    unfinished = "before-feed" if pending or touched else ""
    if stored is None and feed is not None:
        foreign, problem = episodes_from_feed(feed, feed_rel)
        note = f"{target.name}/{feed_rel}: a feed feedtool did not publish is there" + (
            f" but cannot be read ({problem}); its episodes are not checked"
            if problem
            else f"; its {len(foreign.episodes)} episodes are checked against this publish, and "
            "--rollback will not bring it back"
        )
        return State(None, None, pending, touched, unfinished, (note,), foreign)
    if stored and live_sha != stored.feed_sha256:
        warning = (
            f"{target.name}/{feed_rel}: the feed was changed outside feedtool "
            "(every file is checked again on the target)"
        )
        return State(stored, stored, pending, frozenset(stored.files) | touched, unfinished, (warning,))
    return State(stored, stored, pending, touched, unfinished)


def episodes_from_feed(feed: bytes, feed_rel: str) -> tuple[Manifest | None, str]:
    """The episodes of an RSS feed another tool published: GUID, enclosure URL and length, pubDate."""
    from email.utils import parsedate_to_datetime
    from xml.etree import ElementTree

    try:
        channel = ElementTree.fromstring(feed).find("channel")
        if channel is None:
            return None, "no RSS channel"
    except ElementTree.ParseError as e:
        return None, f"not XML: {e}"
    episodes = []
    for item in channel.iterfind("item"):
        enclosure = item.find("enclosure")
        url = enclosure.get("url", "") if enclosure is not None else ""
        guid = (item.findtext("guid") or url).strip()
        length = enclosure.get("length", "") if enclosure is not None else ""
        try:
            pub_date = parsedate_to_datetime(item.findtext("pubDate", "")).isoformat()
        except (TypeError, ValueError):
            pub_date = ""
        title = (item.findtext("title") or guid).strip()
        episodes.append(
            EpisodeEntry(
                guid=guid,
                source=f"'{title}'",
                enclosure_url=url,
                length=int(length) if is_digits(length) else None,
                pub_date=pub_date,
            )
        )
    return Manifest(version="foreign", feed=feed_rel, feed_url=None, episodes=tuple(episodes)), ""


def pending_json(manifest: Manifest, touched: set[str] | frozenset[str]) -> bytes:
    doc = {"manifest": json.loads(manifest.to_json()), "touched": sorted(touched)}
    return (json.dumps(doc, ensure_ascii=False) + "\n").encode("utf-8")
