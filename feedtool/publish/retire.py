"""The grace period of dropped files: which files a new version no longer uses stay on the target, and which go.

Podcast apps and CDNs hold the previous feed for minutes to hours (the feed's max-age, directories that poll
hourly, downloads queued for later), so a file the new version drops (audio moved with --force, a removed
episode, a renamed transcript, archive pages that went away) stays for [publish] keep_removed_days: the
manifest records it as retired, with the moment it left the feed, and the first publish after its grace
removes it. The feed itself is always replaced, never kept. Pure functions: nothing here touches the target.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Mapping

from feedtool.publish.manifest import Manifest


@dataclass(frozen=True)
class Retention:
    """How this publish treats dropped files: its moment, the grace, and --purge (remove every one now)."""

    now: datetime  # the publish's moment: --now, else the clock
    keep_days: int = 7
    purge: bool = False

    @property
    def moment(self) -> str:
        return self.now.astimezone(timezone.utc).replace(microsecond=0).isoformat()


@dataclass(frozen=True)
class Retirement:
    retired: Mapping[str, str] = field(default_factory=dict)  # kept: path -> when it left the feed (ISO 8601)
    removals: tuple[str, ...] = ()  # removed once the new feed is live
    due: Mapping[str, datetime] = field(default_factory=dict)  # kept: path -> when its grace ends


def retire_dropped(live: Manifest | None, new_files: Mapping, retention: Retention) -> Retirement:
    """Split what the live version has on the target and the new version does not use (its files, and the
    files it keeps retired) into the files to keep for their grace and the files to remove."""
    if live is None:
        return Retirement()
    dropped = {rel: since for rel, since in live.retired.items() if rel not in new_files}
    for rel in live.files:
        if rel not in new_files:
            dropped[rel] = retention.moment if rel != live.feed else ""  # a feed file is never kept
    kept, removals, due = {}, [], {}
    for rel, since in sorted(dropped.items()):
        ends = grace_end(since, retention.keep_days)
        if retention.purge or ends is None or ends <= retention.now:
            removals.append(rel)
        else:
            kept[rel], due[rel] = since, ends
    return Retirement(kept, tuple(removals), due)


def grace_end(since: str, keep_days: int) -> datetime | None:
    """When a file retired at `since` may go; None: at once (no grace, or no readable moment)."""
    if keep_days <= 0 or not since:
        return None
    return datetime.fromisoformat(since) + timedelta(days=keep_days)


def removed_files(old: Manifest, new: Manifest) -> list[str]:
    """What the publish from old to new removes: every file old has on the target that new neither uses nor
    keeps retired. Derived from the two manifests alone, so a killed publish's successor removes the same."""
    return sorted(rel for rel in {*old.files, *old.retired} if rel not in new.files and rel not in new.retired)
