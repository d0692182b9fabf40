"""feedtool publish: put a built show online without ever breaking the live feed, then tell the directories.

    publish_show(config, report, out_dir, target=..., force=..., dry_run=..., now=..., purge=...) -> PublishResult
    rollback_show(config, target=..., dry_run=..., now=..., purge=...) -> PublishResult

`now` is the publish's moment (--now; None: the clock): when the files it drops left the feed, and what their
grace period (retire.py) is measured against.

The only package that talks to the network (targets in folder.py and s3.py, checks in verify.py, pings in
notify.py). The build runs first (cli/publish.py calls pipeline.run); this package never builds.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

from feedtool.build.history import FeedDates
from feedtool.errors import ConfigError, Finding, PublishError, UsageError, warning
from feedtool.publish.engine import (
    Progress,
    apply_plan,
    check_rollback_sources,
    finish_interrupted,
    make_plan,
    rollback_files,
)
from feedtool.publish.folder import FolderTarget
from feedtool.publish.manifest import MANIFEST, Manifest, backup_manifest_path, new_version, read_state
from feedtool.publish.notify import Ping, notify
from feedtool.publish.plan import HashCache, Plan, describe_plan, episode_entries, format_size, gather_files
from feedtool.publish.retire import Retention
from feedtool.publish.verify import HttpVerifier
from feedtool.read.config import Config
from feedtool.read.paths import target_problem

__all__ = [
    "PublishResult",
    "adopt_published_dates",
    "publish_show",
    "rollback_show",
    "describe_plan",
    "format_size",
    "open_target",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PublishResult:
    plan: Plan
    dry_run: bool = False
    uploaded: tuple[str, ...] = ()
    warnings: tuple[Finding, ...] = ()
    pings: tuple[Ping, ...] = ()
    http_checked: bool = False  # uploads were checked over HTTP at public_url
    feed_live: bool = False  # this run (or the interrupted one it finished) put a new feed online

    @property
    def uploaded_bytes(self) -> int:
        sizes = {f.rel: f.entry.size for f in self.plan.files}
        return sum(sizes.get(rel, 0) for rel in self.uploaded)


def open_target(spec: str, config: Config, out_dir: Path | None = None):
    """A target from `--to` or [publish] target: s3://bucket/prefix, or a folder (relative: to the show folder)."""
    if spec.startswith("s3://"):
        from feedtool.publish.s3 import S3Target

        p = config.publish
        return S3Target(spec, endpoint_url=p.endpoint_url, region=p.region, acl=p.acl)
    if "://" in spec:
        raise UsageError(f"{spec}: not a publish target (use a folder path or s3://bucket/prefix)")
    path = Path(spec).expanduser()
    path = (path if path.is_absolute() else config.root / path).resolve()
    problem = target_problem(config.root, out_dir, path)
    if problem:
        raise UsageError(f"{spec}: the target {problem} (publish to the web server's document root)")
    return FolderTarget(path)


def _target_spec(config: Config, target: str | None) -> str:
    spec = target or config.publish.target
    if not spec:
        raise UsageError(
            f"{config.path}:publish.target: no publish target "
            "(pass --to DIR or --to s3://bucket/prefix, or set target under [publish])"
        )
    return spec


def _verifier(config: Config) -> HttpVerifier | None:
    public_url = config.publish.public_url or config.feed.base_url
    return HttpVerifier(public_url) if config.publish.verify_http and public_url else None


def publish_show(
    config: Config,
    report,
    out_dir: Path,
    *,
    target: str | None = None,
    force: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
    now: datetime | None = None,
    purge: bool = False,
) -> PublishResult:
    """Publish what the build in out_dir produced (report: its pipeline Report). Raises PublishError."""
    retention = _retention(config, now, purge)
    out_dir = Path(out_dir)
    target = open_target(_target_spec(config, target), config, out_dir)
    if not config.feed.base_url:
        raise ConfigError(
            f"{config.path}:feed.base_url: not set, so the feed's URLs are relative and no app could "
            "use them (set base_url under [feed] to the https URL the target is served at)"
        )
    files = gather_files(
        config, report.refs, out_dir, HashCache.for_show(config, persist=not dry_run), scheduled=report.scheduled
    )
    manifest = Manifest(
        version=new_version(),
        feed=config.feed.file_name,
        feed_url=config.feed_url,
        episodes=episode_entries(config, report.refs, files),
        files={rel: f.entry for rel, f in files.items()},
        published=retention.moment,
        feed_dates=None if config.one_off_address else _feed_dates(config).recorded(),
    )
    target.open(read_only=dry_run)
    try:
        state, finished = _recover(target, config, dry_run)
        plan = make_plan(target, state, manifest, files, retention, force=force)
        if dry_run:
            return PublishResult(plan, dry_run=True, warnings=_state_warnings(state))
        errors = [f for f in plan.refusals if f.is_error]
        if errors:
            raise PublishError(findings=errors)
        verifier = _verifier(config)
        uploaded, warnings = apply_plan(target, state, plan, verifier, progress)
        warnings += verifier.state_exposed() if verifier else []
    finally:
        target.close()
    return _notify(
        config,
        plan,
        uploaded,
        _state_warnings(state) + tuple(plan.refusals) + tuple(warnings),
        verifier is not None,
        finished,
    )


def adopt_published_dates(config: Config, *, target: str | None = None) -> None:
    """Before the build: take the record of when the live feed's content last changed from the target's
    manifest, so that a publish from another machine (a fresh checkout, CI) writes the lastBuildDate the apps
    have while the content is the same, and a feed byte for byte the one they have."""
    if config.one_off_address:
        return
    target = open_target(_target_spec(config, target), config)
    target.open(read_only=True)
    try:
        raw = target.read(MANIFEST)
    finally:
        target.close()
    live = Manifest.from_json(raw, f"{target.name}/{MANIFEST}") if raw is not None else None
    if live is not None and live.feed_dates and live.feed_url == config.feed_url:
        _feed_dates(config).adopt(live.feed_dates)


def _feed_dates(config: Config) -> FeedDates:
    return FeedDates.for_feed(config.root, config.feed_url, config.feed.file_name)


def rollback_show(
    config: Config,
    *,
    target: str | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    now: datetime | None = None,
    purge: bool = False,
) -> PublishResult:
    """Put the version published before the live one back online (the live one becomes the one to go back to;
    the files only it used are retired, as any publish's dropped files are)."""
    retention = _retention(config, now, purge)
    target = open_target(_target_spec(config, target), config)
    target.open(read_only=dry_run)
    try:
        state, finished = _recover(target, config, dry_run)
        live = state.live
        if live is None or not live.previous:
            raise PublishError(f"{target.name}: nothing to roll back to (no earlier published version is kept here)")
        raw = target.read(backup_manifest_path(live.previous))
        if raw is None:
            raise PublishError(
                f"{target.name}: the record of version {live.previous} is missing; "
                "cannot roll back (publish the version you want instead)"
            )
        previous = Manifest.from_json(raw, f"{target.name}/{backup_manifest_path(live.previous)}")
        manifest = replace(previous, version=new_version(), published=retention.moment, previous=None)
        files = rollback_files(target, live, previous)
        plan = make_plan(target, state, manifest, files, retention, force=True, check=False)
        if dry_run:
            return PublishResult(plan, dry_run=True, warnings=_state_warnings(state))
        check_rollback_sources(target, plan)
        verifier = _verifier(config)
        uploaded, warnings = apply_plan(target, state, plan, verifier, progress)
        warnings += verifier.state_exposed() if verifier else []
    finally:
        target.close()
    return _notify(config, plan, uploaded, _state_warnings(state) + tuple(warnings), verifier is not None, finished)


def _retention(config: Config, now: datetime | None, purge: bool) -> Retention:
    return Retention(now or datetime.now(timezone.utc), config.publish.keep_removed_days, purge)


def _recover(target, config: Config, dry_run: bool):
    """Read the target's state; finish a publish that was killed after its feed went live."""
    state = read_state(target, config.feed.file_name)
    if state.unfinished == "after-feed" and not dry_run:
        finish_interrupted(target, state)
        return read_state(target, config.feed.file_name), True
    return state, False


def _state_warnings(state) -> tuple[Finding, ...]:
    return tuple(warning("publish/state", "", text) for text in state.warnings)


def _notify(config: Config, plan: Plan, uploaded, warnings, http_checked: bool, finished: bool) -> PublishResult:
    feed_live = plan.manifest.feed in uploaded or finished
    pings: list[Ping] = []
    if feed_live:
        if config.feed_url:
            pings = notify(config, config.feed_url)
        else:
            warnings += (
                warning(
                    "publish/notify",
                    f"{config.path}:feed.base_url",
                    "no feed URL",
                    "set base_url so the directories can be told about updates",
                ),
            )
    return PublishResult(
        plan,
        uploaded=tuple(uploaded),
        warnings=tuple(warnings),
        pings=tuple(pings),
        http_checked=http_checked,
        feed_live=feed_live,
    )
