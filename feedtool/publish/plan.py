"""What a publish would do: the files to put online, the episodes that change, and what to refuse.

Pure functions over the build's Report, the local files and the manifest found on the target; nothing here
touches the network.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from urllib.parse import unquote

from feedtool.build.paging import ARCHIVE_FOLDER
from feedtool.build.tags import channel_files
from feedtool.build.write import atomic_write
from feedtool.errors import EpisodeError, Finding, PublishError, error, warning
from feedtool.facts import chapters_file, is_url
from feedtool.facts import content_type as published_type
from feedtool.publish.manifest import STATE_DIR, EpisodeEntry, FileEntry, Manifest
from feedtool.publish.retire import Retirement
from feedtool.read.config import Config
from feedtool.read.paths import show_file
from feedtool.urls import encode_path

log = logging.getLogger(__name__)

FEED_TYPE = "application/rss+xml; charset=utf-8"
PAGE_TYPE = "text/html; charset=utf-8"
GENERATED_MAX_AGE = 3600  # chapters JSON and the stylesheet: they change when an episode is edited
PAGE_SUFFIXES = (".html", ".htm")
KIND_ORDER = {"asset": 0, "page": 1, "feed": 2}


@dataclass(frozen=True)
class LocalFile:
    rel: str  # path on the target (and under base_url)
    entry: FileEntry
    path: Path | None = None  # where the bytes come from on this machine...
    target_source: str | None = None  # ...or a path on the target itself (a rollback restores a backup)


@dataclass(frozen=True)
class EpisodeChange:
    status: str  # new, changed, removed
    episode: EpisodeEntry
    details: tuple[str, ...] = ()


@dataclass(frozen=True)
class Plan:
    target: str
    manifest: Manifest  # the version this publish puts up
    live: Manifest | None  # the version on the target now
    files: tuple[LocalFile, ...]  # every file of the new version, in upload order
    uploads: tuple[str, ...]  # the paths whose content differs on the target, in upload order
    changes: tuple[EpisodeChange, ...]
    refusals: tuple[Finding, ...]  # errors, or warnings under --force
    unfinished: str = ""  # a previous publish was interrupted (see manifest.State)
    retirement: Retirement = Retirement()  # the dropped files kept for their grace period, and until when

    @property
    def removals(self) -> tuple[str, ...]:
        """Paths removed after the feed: dropped files past their grace (retire.py)."""
        return self.retirement.removals

    @property
    def upload_bytes(self) -> int:
        sizes = {f.rel: f.entry.size for f in self.files}
        return sum(sizes[rel] for rel in self.uploads)

    @property
    def feed_changes(self) -> bool:
        return self.manifest.feed in self.uploads


def content_type(rel: str) -> str:
    """As preview serves it (facts.content_type), text with its character set."""
    kind = published_type(rel)
    return kind + "; charset=utf-8" if kind.startswith("text/") else kind


def gather_files(config: Config, refs, out_dir: Path, cache: "HashCache", scheduled=()) -> dict[str, LocalFile]:
    """Every file of the new version: the show-folder files the feed points at, then the build's outputs but
    the chapters of episodes still to come (scheduled: their refs), which would tell their story before then."""
    media_cache = f"public, max-age={config.publish.media_max_age}"
    found: dict[str, tuple[Path, str, str, str]] = {}
    show_files = {rel for ref in refs for rel in ref.files}
    artwork = config.show.artwork
    if artwork and not is_url(artwork):
        show_files.add(PurePosixPath(os.path.normpath(artwork)).as_posix())
    show_files |= {PurePosixPath(f).as_posix() for f in channel_files(config)}  # local podcast:trailer files
    for rel in sorted(show_files):
        try:  # the build refused links that leave the show folder; one may have been made since
            path = show_file(config.root, rel, f"{config.root / rel}")
        except EpisodeError as e:
            raise PublishError(findings=e.findings) from None
        found[rel] = (path, content_type(rel), media_cache, "asset")
    withheld = {chapters_file(Path(ref.source).stem) for ref in scheduled}
    for path in sorted(_walk(out_dir)):
        rel = path.relative_to(out_dir).as_posix()
        if rel in withheld:
            continue
        if rel in found:
            raise PublishError(
                f"{out_dir / rel}: the build output and the show folder both have '{rel}' "
                "(rename one of them; both would be published at the same URL)"
            )
        if rel == config.feed.file_name:
            found[rel] = (path, FEED_TYPE, f"public, max-age={config.publish.feed_max_age}", "feed")
        elif rel.startswith(ARCHIVE_FOLDER + "/"):  # a paged feed's archive pages: up before the feed links them
            found[rel] = (path, FEED_TYPE, f"public, max-age={GENERATED_MAX_AGE}", "page")
        elif path.suffix.lower() in PAGE_SUFFIXES:  # the web pages change with the feed: its short max-age
            found[rel] = (path, PAGE_TYPE, f"public, max-age={config.publish.feed_max_age}", "page")
        else:
            found[rel] = (path, content_type(rel), f"public, max-age={GENERATED_MAX_AGE}", "asset")
    if config.feed.file_name not in found:
        raise PublishError(f"{out_dir / config.feed.file_name}: no feed to publish (run feedtool build)")
    files = {}
    for rel, (path, ctype, cache_control, kind) in found.items():
        size, sha = cache.hash(path)
        files[rel] = LocalFile(rel, FileEntry(size, sha, ctype, cache_control, kind), path=path)
    cache.save()
    return dict(sorted(files.items(), key=lambda item: (KIND_ORDER[item[1].entry.kind], item[0])))


def _walk(folder: Path):
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in filenames:
            if not name.startswith("."):
                yield Path(dirpath) / name


def episode_entries(config: Config, refs, files: dict[str, LocalFile]) -> tuple[EpisodeEntry, ...]:
    entries = []
    for ref in refs:
        length = next(
            (files[rel].entry.size for rel in ref.files if rel in files and config.url_for(rel) == ref.enclosure_url),
            None,
        )
        source = Path(ref.source)
        try:
            source = source.relative_to(config.root)
        except ValueError:
            pass
        entries.append(
            EpisodeEntry(
                guid=ref.guid,
                source=source.as_posix(),
                enclosure_url=ref.enclosure_url,
                length=length,
                pub_date=ref.pub_date,
                files=tuple(ref.files),
            )
        )
    return tuple(entries)


def diff_episodes(
    live: Manifest | None, new: Manifest, *, force: bool, check: bool = True
) -> tuple[list[EpisodeChange], list[Finding]]:
    """Episodes new, changed (and how) and removed; with check, refusals for a changed GUID or enclosure URL
    or a dropped episode (errors, or warnings under force)."""
    if live is None:
        return [EpisodeChange("new", e) for e in new.episodes], []
    changes: list[EpisodeChange] = []
    refusals: list[Finding] = []

    def refuse(rule: str, where: str, message: str, fix: str) -> None:
        if check:
            refusals.append(
                warning(rule, where, message, "published with --force")
                if force
                else error(rule, where, message, f"{fix}, or pass --force if this is intended")
            )

    old_by_guid = {e.guid: e for e in live.episodes}
    new_guids = {e.guid for e in new.episodes}
    unmatched_old = [e for e in live.episodes if e.guid not in new_guids]
    for episode in new.episodes:
        old = old_by_guid.get(episode.guid)
        if old is None:
            old = next(
                (o for o in unmatched_old if o.source == episode.source or o.enclosure_url == episode.enclosure_url),
                None,
            )
            if old is None:
                changes.append(EpisodeChange("new", episode))
                continue
            unmatched_old.remove(old)
            refuse(
                "publish/guid-changed",
                episode.source,
                f"published GUID '{old.guid}' would change to '{episode.guid}'",
                f"apps would download it again; put guid: {old.guid} back into the episode file",
            )
        if old.enclosure_url != episode.enclosure_url and not same_resource(old.enclosure_url, episode.enclosure_url):
            refuse(
                "publish/enclosure-changed",
                episode.source,
                f"published enclosure URL {old.enclosure_url} would change to {episode.enclosure_url}",
                "apps would download the episode again; keep the audio at its published path",
            )
        details = _what_changed(old, episode, live, new)
        if details:
            changes.append(EpisodeChange("changed", episode, tuple(details)))
    for old in unmatched_old:
        refuse(
            "publish/episode-removed",
            old.source,
            f"published episode (GUID '{old.guid}') would be dropped from the feed",
            "restore the episode file",
        )
        changes.append(EpisodeChange("removed", old))
    return changes, refusals


def same_resource(old_url: str, new_url: str) -> bool:
    """Whether new_url is old_url percent-encoded: the same file, now at a URL every app can fetch (feedtool
    wrote file names into URLs unencoded before), so no change a subscriber would notice."""
    return encode_path(unquote(old_url)) == encode_path(unquote(new_url))


def _what_changed(old: EpisodeEntry, new: EpisodeEntry, live: Manifest, manifest: Manifest) -> list[str]:
    details = []
    if old.guid != new.guid:
        details.append(f"GUID '{old.guid}' -> '{new.guid}'")
    if old.enclosure_url != new.enclosure_url and same_resource(old.enclosure_url, new.enclosure_url):
        details.append(f"enclosure URL percent-encoded: {new.enclosure_url}")
    elif old.enclosure_url != new.enclosure_url:
        details.append(f"enclosure URL {old.enclosure_url} -> {new.enclosure_url}")
    if old.length is not None and old.length != new.length:
        details.append(f"length {old.length} -> {new.length} bytes")
    if _instant(old.pub_date) != _instant(new.pub_date):
        details.append(f"pubDate {old.pub_date} -> {new.pub_date}")
    if not live.files:
        return details  # a feed another tool published: no record of its files
    for rel in sorted(set(old.files) | set(new.files)):
        before, after = live.files.get(rel), manifest.files.get(rel)
        if rel not in new.files:
            details.append(f"{rel} no longer used")
        elif rel not in old.files:
            details.append(f"{rel} added")
        elif before and after and before.sha256 != after.sha256:
            details.append(f"{rel} content changed")
    return details


def _instant(iso: str):
    try:
        return datetime.fromisoformat(iso)
    except ValueError:
        return iso


def describe_plan(plan: Plan) -> list[str]:
    """The plan as lines for --dry-run: episodes new/changed/removed, files to upload and remove."""
    counts = {s: sum(1 for c in plan.changes if c.status == s) for s in ("new", "changed", "removed")}
    unchanged = len(plan.manifest.episodes) - counts["new"] - counts["changed"]
    lines = [
        f"plan for {plan.target}: episodes {counts['new']} new, {counts['changed']} changed, "
        f"{counts['removed']} removed, {unchanged} unchanged"
    ]
    if plan.unfinished:
        lines.append("  an interrupted publish is completed first")
    for change in plan.changes:
        text = f"  {change.status:<8} {change.episode.source} (GUID '{change.episode.guid}')"
        lines.append(text + (": " + "; ".join(change.details) if change.details else ""))
    sizes = {f.rel: f.entry.size for f in plan.files}
    lines.append(
        f"files: {len(plan.uploads)} to upload ({format_size(plan.upload_bytes)}), "
        f"{len(plan.files) - len(plan.uploads)} unchanged, {len(plan.removals)} to remove"
    )
    lines += [f"  upload   {rel} ({format_size(sizes[rel])})" for rel in plan.uploads]
    lines += [f"  remove   {rel}" for rel in plan.removals]
    retired = plan.retirement.retired
    if retired:
        lines.append(f"{len(retired)} dropped files kept for apps that hold an older feed (--purge removes them now):")
    lines += [
        f"  keep     {rel} (dropped {_utc(since)}; removed from {_utc(plan.retirement.due[rel])})"
        for rel, since in retired.items()
    ]
    return lines


def _utc(moment) -> str:
    moment = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def format_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{size} B"


class HashCache:
    """SHA-256 of local files, remembered by (size, mtime) so a publish does not read every media file again."""

    def __init__(self, path: Path, persist: bool = True):
        self.path = path
        self.persist = persist  # False (a dry run): remember nothing on disk
        self.changed = False
        try:
            self.entries = json.loads(path.read_bytes())
        except (OSError, ValueError):
            self.entries = {}

    def hash(self, path: Path) -> tuple[int, str]:
        try:
            st = path.stat()
            key = str(path.resolve())
            known = self.entries.get(key)
            if known and known[0] == st.st_size and known[1] == st.st_mtime_ns:
                return st.st_size, known[2]
            with open(path, "rb") as f:
                digest = hashlib.file_digest(f, "sha256")
        except OSError as e:
            raise PublishError(f"{path}: cannot read: {e.strerror} (run feedtool build, then publish again)") from e
        self.entries[key] = [st.st_size, st.st_mtime_ns, digest.hexdigest()]
        self.changed = True
        return st.st_size, digest.hexdigest()

    def save(self) -> None:
        if self.changed and self.persist:
            try:
                atomic_write(self.path, [json.dumps(self.entries).encode()])
            except OSError as e:
                log.warning("%s: cannot save the hash cache: %s", self.path, e.strerror)
            self.changed = False

    @classmethod
    def for_show(cls, config: Config, persist: bool = True) -> "HashCache":
        return cls(config.root / STATE_DIR / "publish-hashes.json", persist)
