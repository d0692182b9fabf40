"""Apply a plan to a target in the one safe order, so that every moment leaves a consistent published show:

1. record the version being published in .feedtool/pending.json (and which paths it may touch);
2. media, artwork, chapters, transcripts: back up the live copy, upload, verify on the target and over HTTP;
3. pages, the same way;
4. the feed, by one atomic write: from here on the new version is live;
5. remove the dropped files whose grace period is over (retire.py: what the new version dropped stays for
   [publish] keep_removed_days, recorded as retired in the manifest, for apps that still hold an older feed);
6. write .feedtool/manifest.json, delete pending.json, keep only the backup of the version before.

Killed anywhere, the feed is the old one (steps 1-3) or the new one (4-6), and each file it points at is in
place. The next run reads the pending record, finishes steps 5-6 if the new feed is live, and otherwise uploads
only what is not on the target yet. A publish with nothing new to upload may still have retired files past their
grace to remove: it removes them and records so, and the live version stays the live one (end_grace).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Callable

from feedtool.errors import Finding, PublishError, warning
from feedtool.publish.manifest import (
    MANIFEST,
    PENDING,
    ROLLBACK,
    Manifest,
    State,
    backup_manifest_path,
    backup_path,
    pending_json,
)
from feedtool.publish.plan import KIND_ORDER, LocalFile, Plan, diff_episodes
from feedtool.publish.retire import Retention, removed_files, retire_dropped

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]  # (path on the target, bytes sent, bytes in all)


def make_plan(
    target,
    state: State,
    manifest: Manifest,
    files: dict[str, LocalFile],
    retention: Retention,
    *,
    force: bool,
    check: bool = True,
) -> Plan:
    """Compare the new version with what the target holds: which files to upload, keep retired or remove, which
    episodes change."""
    live = state.live
    inventory = target.inventory()
    uploads = []
    for f in files.values():
        if inventory.get(f.rel) != f.entry.size:
            uploads.append(f.rel)
            continue
        vouched = live.files.get(f.rel) if live and f.rel not in state.touched else None
        if vouched is not None:
            same = (vouched.sha256, vouched.content_type, vouched.cache_control) == (
                f.entry.sha256,
                f.entry.content_type,
                f.entry.cache_control,
            )
        else:
            same = target.remote_hash(f.rel) == f.entry.sha256
        if not same:
            uploads.append(f.rel)
    # A file replaced at the same path (re-encoded audio) goes last among the assets: until the feed follows,
    # the live feed states the old length, so keep that moment short.
    replaced = {rel for rel in uploads if live and rel in live.files and inventory.get(rel) is not None}
    uploads.sort(key=lambda rel: (KIND_ORDER[files[rel].entry.kind], rel in replaced))
    retirement = retire_dropped(live, files, retention)
    changes, refusals = diff_episodes(live or state.foreign, manifest, force=force, check=check)
    return Plan(
        target=target.name,
        manifest=replace(manifest, retired=retirement.retired),
        live=live,
        files=tuple(files.values()),
        uploads=tuple(uploads),
        changes=tuple(changes),
        refusals=tuple(refusals),
        unfinished=state.unfinished,
        retirement=retirement,
    )


def apply_plan(
    target, state: State, plan: Plan, verifier=None, progress: Progress | None = None
) -> tuple[list[str], list[Finding]]:
    """Upload, verify, swap the feed, clean up. Returns (paths uploaded, warnings); raises PublishError."""
    live = state.live
    if not plan.uploads and live is not None and _same_content(live, plan.manifest):
        # Nothing new: keep the live version (and the one --rollback restores) as they are.
        if state.pending is not None:
            target.delete(PENDING)
        if plan.removals:
            end_grace(target, live, plan)
        return [], []
    manifest = replace(plan.manifest, previous=live.version if live else None)
    touched = set(state.touched) | set(plan.uploads) | set(plan.removals)
    target.put_bytes(PENDING, pending_json(manifest, touched))
    log.debug(
        "%s: publishing version %s: %d uploads, %d removals",
        target.name,
        manifest.version,
        len(plan.uploads),
        len(plan.removals),
    )
    backups = _Backups(target, live)
    by_rel = {f.rel: f for f in plan.files}
    uploaded: list[str] = []
    warnings: list[Finding] = []
    for kind in ("asset", "page", "feed"):
        problems: list[Finding] = []
        for rel in (r for r in plan.uploads if by_rel[r].entry.kind == kind):
            local = by_rel[rel]
            backups.keep(rel)
            log.debug("%s: uploading %s (%d bytes)", target.name, rel, local.entry.size)
            if local.path is not None:
                report = (lambda done, rel=rel, size=local.entry.size: progress(rel, done, size)) if progress else None
                target.put_file(rel, local.path, local.entry, report)
            else:
                target.copy(local.target_source, rel, local.entry)
            _verify_on_target(target, local)
            uploaded.append(rel)
            log.debug("%s: %s is in place", target.name, rel)
            if verifier is not None:
                found = verifier.check(rel, local.entry, local.path)
                if kind == "feed":  # already live: a CDN may still serve the old copy for a while
                    found = [warning(f.rule, f.where, f.message, f.hint) for f in found]
                problems += found
        if verifier is not None and kind != "feed":
            # Files an interrupted publish put there count as "already there", but the new feed must not go
            # live before they pass the HTTP checks too.
            for rel in sorted(
                r for r in state.touched if r in by_rel and r not in uploaded and by_rel[r].entry.kind == kind
            ):
                problems += verifier.check(rel, by_rel[rel].entry, by_rel[rel].path)
        errors = [f for f in problems if f.is_error]
        warnings += [f for f in problems if not f.is_error]
        if errors:
            raise PublishError(findings=errors)
    finish(target, live, manifest, plan.removals, backups)
    return uploaded, warnings


def finish(target, old: Manifest | None, new: Manifest, removals, backups: "_Backups | None" = None) -> None:
    """Steps 5-6: once the new feed is live, remove what it dropped, record it, keep one backup version."""
    backups = backups or _Backups(target, old)
    for rel in removals:
        backups.keep(rel)
        target.delete(rel)
        log.debug("%s: removed %s", target.name, rel)
    target.put_bytes(MANIFEST, new.to_json())
    log.debug("%s: manifest of version %s written", target.name, new.version)
    target.delete(PENDING)
    keep = new.previous
    for rel in target.list(ROLLBACK):
        if not keep or not (rel.startswith(f"{ROLLBACK}/{keep}/") or rel == backup_manifest_path(keep)):
            target.delete(rel)


def finish_interrupted(target, state: State) -> None:
    """A publish was killed after its feed went live: do the rest of its steps now."""
    new, stored = state.live, state.stored
    old = stored if stored is not None and stored.version != new.version else None
    removals = removed_files(old, new) if old else []
    log.info("%s: finishing the publish of version %s", target.name, new.version)
    finish(target, old, new, removals)


def end_grace(target, live: Manifest, plan: Plan) -> None:
    """Remove the retired files whose grace is over (or all, --purge) while the live version stays live.
    The version --rollback restores may name one of them (dropped by the live version): keep a copy for it.
    Killed midway, the manifest still lists the rest as retired, and the next publish removes them."""
    backups = _Backups(target, _previous_version(target, live))
    for rel in plan.removals:
        backups.keep(rel)
        target.delete(rel)
        log.debug("%s: removed %s (its grace period is over)", target.name, rel)
    target.put_bytes(MANIFEST, replace(live, retired=plan.manifest.retired).to_json())


def _previous_version(target, live: Manifest) -> Manifest | None:
    raw = target.read(backup_manifest_path(live.previous)) if live.previous else None
    return Manifest.from_json(raw, f"{target.name}/{backup_manifest_path(live.previous)}") if raw else None


def _same_content(a: Manifest, b: Manifest) -> bool:
    return (a.feed, a.episodes, dict(a.files)) == (b.feed, b.episodes, dict(b.files))


def _verify_on_target(target, local: LocalFile) -> None:
    found = target.stat(local.rel)
    where = f"{target.name}/{local.rel}"
    if found is None:
        raise PublishError(f"{where}: not on the target after the upload (run publish again)")
    size, content_type = found
    if size != local.entry.size:
        raise PublishError(f"{where}: has {size} bytes on the target, not {local.entry.size} (run publish again)")
    if content_type is not None and content_type != local.entry.content_type:
        raise PublishError(
            f"{where}: stored as '{content_type}', not '{local.entry.content_type}' "
            "(the storage rewrote the type; check its settings)"
        )


class _Backups:
    """Files of a version (the live one; for end_grace, the one --rollback restores) that this publish replaces
    or removes, kept for --rollback."""

    def __init__(self, target, live: Manifest | None):
        self.target, self.live = target, live
        self.kept: set[str] = set()
        if live is not None:
            self.kept = set(target.list(f"{ROLLBACK}/{live.version}"))
            if target.read(backup_manifest_path(live.version)) is None:
                target.put_bytes(backup_manifest_path(live.version), live.to_json())

    def keep(self, rel: str) -> None:
        if self.live is None or rel not in self.live.files:
            return  # not part of the live version: nothing a rollback would need
        copy = backup_path(self.live.version, rel)
        if copy not in self.kept and self.target.exists(rel):
            self.target.copy(rel, copy)
            self.kept.add(copy)


def rollback_files(target, live: Manifest, previous: Manifest) -> dict[str, LocalFile]:
    """The previous version's files, each restored from its backup copy on the target."""
    files = {
        rel: LocalFile(rel, entry, target_source=backup_path(live.previous, rel))
        for rel, entry in previous.files.items()
    }
    return dict(sorted(files.items(), key=lambda item: (KIND_ORDER.get(item[1].entry.kind, 0), item[0])))


def check_rollback_sources(target, plan: Plan) -> None:
    by_rel = {f.rel: f for f in plan.files}
    missing = [rel for rel in plan.uploads if not target.exists(by_rel[rel].target_source)]
    if missing:
        raise PublishError(
            f"{target.name}: cannot roll back: no kept copy of {', '.join(missing[:5])}"
            f"{' and more' if len(missing) > 5 else ''} (publish the version you want instead)"
        )
