"""When a feed's content last changed: what its lastBuildDate says, kept in <show>/.feedtool/feed-dates.json.

Apps and directories read lastBuildDate as the moment the feed last changed. A build takes a digest of what
the feed says (its channel without the dates, and every item's bytes): while that digest is the one recorded,
the recorded date stands, so a rebuild of unchanged input is byte-identical, with the build cache or without.
A feed whose content changed (an episode edited, added, gone live) gets the build's moment (the clock, or
--now), never later than that moment. A feed never built here before (a fresh checkout) gets its newest
episode's date. Kept per feed URL, so a preview or another address never touches the published feed's record;
a build for a one-off address records nothing. `feedtool publish` keeps the record of the feed it put online in
the target's manifest and adopts it before building, so publishing from a fresh checkout changes nothing.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime
from pathlib import Path

from feedtool.build.write import atomic_write

log = logging.getLogger(__name__)


def content_digest(undated_channel: list[bytes], item_digests) -> str:
    """The digest of what a feed says: its channel rendered without dates, and its items' digests in order."""
    digest = hashlib.blake2b(b"".join(undated_channel), digest_size=16)
    for item in item_digests:
        digest.update(item.encode())
    return digest.hexdigest()


def item_digest(item: bytes) -> str:
    return hashlib.blake2b(item, digest_size=16).hexdigest()


class FeedDates:
    """The recorded (content digest, date) of each feed URL a show was built for."""

    def __init__(self, path: Path, key: str):
        self.path, self.key = path, key
        try:
            self.records = json.loads(path.read_bytes())
        except (OSError, ValueError):
            self.records = {}
        if not isinstance(self.records, dict):
            self.records = {}

    @classmethod
    def for_feed(cls, root: Path, feed_url: str | None, file_name: str) -> FeedDates:
        return cls(root / ".feedtool" / "feed-dates.json", feed_url or file_name)

    def changed(self, digest: str, newest: datetime | None, now: datetime) -> datetime | None:
        """The date the feed with this content last changed, as of `now`."""
        record = self.records.get(self.key)
        if not isinstance(record, list) or len(record) != 2:
            return newest  # never built here: its newest episode is the best date there is
        recorded, when = record
        if recorded != digest:
            return now
        try:
            date = datetime.fromisoformat(when)
        except (TypeError, ValueError):
            return newest
        if newest is not None and date < newest:
            return newest
        return min(date, now) if date.tzinfo else newest

    def record(self, digest: str, date: datetime | None) -> None:
        if date is not None:
            self._keep([digest, date.isoformat()])

    def recorded(self) -> tuple[str, str] | None:
        """The (content digest, ISO date) recorded for this feed: what publish leaves on the target."""
        record = self.records.get(self.key)
        return (record[0], record[1]) if isinstance(record, list) and len(record) == 2 else None

    def adopt(self, published: tuple[str, str]) -> None:
        """Take the record of the feed as it was last published from wherever (another checkout, CI) when this
        show has none or an older one: a build of the same content then writes the same lastBuildDate, and the
        same bytes. A newer record of its own stays (a build here since: publish writes what it built)."""
        own = self.recorded()
        try:
            if own is None or datetime.fromisoformat(own[1]) < datetime.fromisoformat(published[1]):
                self._keep(list(published))
        except (TypeError, ValueError):  # a record unreadable or without a zone: the published one is known good
            self._keep(list(published))

    def _keep(self, record: list[str]) -> None:
        if self.records.get(self.key) == record:
            return
        self.records[self.key] = record
        try:
            atomic_write(self.path, [json.dumps(self.records, indent=1, sort_keys=True).encode()])
        except OSError as e:  # a read-only show folder: the next build that changes nothing says the same date
            log.warning("%s: cannot record when the feed changed: %s", self.path, e.strerror)
