"""The build, top to bottom: gather every episode, validate the whole show, then write. Nothing is written
unless every episode and the channel are valid.

    gather    (_gather) each episode file -> its <item> and EpisodeRef: from the build cache where none of its
              files changed, else built afresh (build/episode.py, run by build/items.py)
    validate  (run, _validate_show) the rules across episodes and on the channel; any error stops the build here
    write     (_write) chapters files, artwork sizes, web pages, archive pages, then the feed (build/write.py:
              atomic), then what the old feed pointed at goes, then the cache; run pins the GUIDs last

What the feed holds is render_feed(show, [render_item(e) for e in show.episodes]) (render/feed.py) for the Show
build/show.py makes. A normal build does not keep 10,000 Episodes around for that: a fresh item is rendered
where its episode is built, an unchanged one is copied from the previous feed, and tests/test_items.py holds
the result byte-equal to that plain reference.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import NamedTuple

from feedtool.build.cache import BuildCache, Entry, EpisodeRef, signature
from feedtool.build.episode import EpisodeBuild
from feedtool.build.history import FeedDates, content_digest
from feedtool.build.images import remove_stale_images, write_images
from feedtool.build.items import ParallelBuilder, SerialBuilder, item_builder
from feedtool.build.pages import pages_fingerprint, remove_stale_pages, write_pages
from feedtool.build.paging import ARCHIVE_FOLDER, Document, paginate, renumbered_pages
from feedtool.build.pin import pin_guids, pin_podcast_guid
from feedtool.build.show import build_show, check_episodes, episode_order
from feedtool.build.write import Piece, StagedFolder, clear_abandoned, remove_stale, write_feed, write_outputs
from feedtool.check.rules import channel_findings
from feedtool.errors import FeedtoolError, Finding
from feedtool.facts import is_url
from feedtool.model import Show
from feedtool.read.config import Config
from feedtool.read.episodes import episode_paths
from feedtool.render.feed import render_feed
from feedtool.render.notes import render_footer


@dataclass(frozen=True)
class BuildOptions:
    out_dir: Path | None = None  # default: the config's [build] out_dir
    strict: bool = False  # warnings stop the build too
    use_cache: bool = True  # reuse the items of episodes whose files did not change
    write: bool = True  # False: gather and validate only; nothing is written anywhere (check, tag, dry runs)
    whole_episodes: bool = False  # Show.episodes holds every Episode (check, tag); everything is built afresh
    raise_errors: bool = True  # False (check): errors come back among report.warnings instead of raised
    jobs: int | None = None  # worker processes (default: one per CPU); 1 builds in this process
    now: datetime | None = None  # build as of this moment (default: the clock): episodes dated later are scheduled
    record: bool = True  # write new GUIDs into the episode files and podcast:guid into show.toml (not: dry runs)


@dataclass(frozen=True)
class Report:
    feed_path: Path
    episodes: int
    total_duration: float
    rebuilt: int  # episodes parsed, probed and rendered this time (the rest came from the cache)
    written: tuple[str, ...]
    warnings: tuple[Finding, ...]
    pinned: tuple[str, ...] = ()  # files that got a GUID written into them
    refs: tuple[EpisodeRef, ...] = field(default=(), repr=False)  # the feed's episodes, newest first
    scheduled: tuple[EpisodeRef, ...] = ()  # dated after `now`: built and checked, in the feed from their date
    drafts: int = 0  # episode files marked draft: true, left out


def run(config: Config, options: BuildOptions = BuildOptions()) -> tuple[Report, Show]:
    """Build the show into the output folder (see the module docstring)."""
    out_dir = Path(options.out_dir or config.build.out_dir)
    # the page templates are loaded first: a mistake in one is reported once, before any episode is built
    fingerprint = config.fingerprint + pages_fingerprint(config, writes=options.write)
    cache = BuildCache.for_build(config.root, out_dir, fingerprint)
    if options.use_cache and not options.whole_episodes:
        cache.load()
    if options.write:
        out_dir.mkdir(parents=True, exist_ok=True)
        for folder in (out_dir, out_dir / "chapters"):  # what killed builds left behind
            clear_abandoned(folder)

    with contextlib.ExitStack() as stack:
        # Gather: every episode, from the cache where its files did not change, else built afresh.
        gathered = _gather(config, options, cache, out_dir, stack)
        findings, fresh, failed = gathered.findings, gathered.fresh, gathered.failed

        # Validate: across episodes and on the channel; abort before the first byte is written.
        refs = [gathered.cached[p].ref if p in gathered.cached else fresh[p].ref for p in gathered.paths
                if p not in failed]
        moment = options.now or datetime.now(timezone.utc)  # the one reading of the clock: what is live, and when
        now = moment.timestamp()
        live = [r for r in refs if r.timestamp <= now]
        episodes = [b.episode for b in fresh.values() if b.episode and b.ref.timestamp <= now]
        order = episode_order(live)
        documents = paginate(config, len(order))  # the subscription feed last
        findings += renumbered_pages(documents, order, cache.entries)
        dates = FeedDates.for_feed(config.root, config.feed_url, config.feed.file_name)
        show, channel, show_findings, digest = _validate_show(
            config, cache, refs, order, episodes, documents[-1].page, dates, moment
        )
        findings += show_findings
        if options.raise_errors and (any(f.is_error for f in findings) or (options.strict and findings)):
            # Warnings travel with the errors (one may explain an error), but not "the feed has no episodes" when
            # episodes failed: that is their consequence, not news.
            shown = [f for f in findings if not (failed and f.rule == "apple/episodes")]
            raise FeedtoolError(findings=shown, strict=options.strict)
        report = Report(
            feed_path=out_dir / config.feed.file_name,
            episodes=len(live),
            total_duration=sum(r.duration for r in live),
            rebuilt=len(fresh),
            written=(),
            warnings=tuple(findings),
            refs=tuple(order),
            scheduled=tuple(sorted((r for r in refs if r.timestamp > now), key=lambda r: r.timestamp)),
            drafts=sum(1 for found in failed.values() if any(f.rule == "episode/draft" for f in found)),
        )
        if not options.write:
            return report, show

        # Write: per-episode files first, the feed that points at them next; only then may files the old
        # feed pointed at go (a build killed at any moment leaves a feed whose every file is there).
        recorded = (dates, digest) if options.record and not config.one_off_address else None
        written = _write(config, options, cache, out_dir, gathered, order, documents, show, channel, recorded)
    if not options.record:  # a new GUID is derived the same way by the build that will record it
        return replace(report, written=tuple(written)), show
    pinned, problems = pin_guids(r for r in refs if r.guid_is_new)  # scheduled ones too: going live changes nothing
    show_pinned, show_problems = pin_podcast_guid(config, show.podcast_guid)
    return replace(
        report,
        written=tuple(written),
        pinned=tuple(pinned + show_pinned),
        warnings=report.warnings + tuple(problems + show_problems),
    ), show


class _Gathered(NamedTuple):
    """Every episode of the show folder, from the cache or built afresh, and where each one's item bytes are."""

    paths: list[str]  # the episode files, in file order
    cached: dict[str, Entry]  # unchanged since the last build: items copied from the feed documents it wrote
    fresh: dict[str, EpisodeBuild]  # built this time
    failed: dict[str, tuple[Finding, ...]]  # could not be built (or drafts): why
    pieces: dict[str, Piece]  # each episode's <item> bytes: in a spool file, in memory or in the previous feed
    findings: list[Finding]  # the config's and every episode's, in file order
    builder: SerialBuilder | ParallelBuilder  # its spool files hold the fresh episodes' pages too
    chapters: StagedFolder | None  # the new chapters folder the fresh episodes' files went into


def _gather(config: Config, options: BuildOptions, cache: BuildCache, out_dir: Path, stack) -> _Gathered:
    """Look every episode up in the cache and build the others (build/items.py); `stack` keeps open what the
    write step still reads: the previous feed documents, the workers' spool files, the staged chapters folder."""
    # A new chapters folder is filled while the episodes are built and put in place whole at the end.
    chapters = stack.enter_context(StagedFolder(out_dir / "chapters")) if options.write else None
    previous = {  # the feed documents of the last build, whose unchanged items are copied
        name: stack.enter_context(open(out_dir / name, "rb"))
        for name in cache.documents()
        if (out_dir / name).is_file()
    }
    paths = episode_paths(config.root)
    cached: dict[str, Entry] = {}
    for path in paths:
        entry = cache.lookup(path)
        if entry is not None:
            cached[path] = entry
    _drop_changed_remote(cached, cache, config)
    misses = [p for p in paths if p not in cached]
    builder = item_builder(
        config,
        render_footer(config.show.credits, config.show.funding),
        len(misses),
        keep_episodes=options.whole_episodes,
        staging=chapters.path if chapters else None,
        jobs=options.jobs,
        spool_dir=str(out_dir) if out_dir.is_dir() else None,
    )
    fresh: dict[str, EpisodeBuild] = {}
    pieces: dict[str, Piece] = {}
    failed: dict[str, tuple[Finding, ...]] = {}
    # Built last file first: names mostly count up with the dates, so fresh items come out in the feed's
    # order (newest first) and the feed is copied in long runs (benchmarks/build_bench.py, cold build).
    for path, result, piece in stack.enter_context(builder).build(misses[::-1]):
        if piece is None:
            failed[path] = result
        else:
            fresh[path], pieces[path] = result, piece
    for path, entry in cached.items():
        pieces[path] = Piece(path, previous[entry.document], entry.offset, entry.length)
    findings = list(config.warnings)
    for path in paths:  # in file order, as on a warm rebuild
        if path in cached:
            findings.extend(cached[path].findings)
        else:
            findings.extend(failed[path] if path in failed else fresh[path].findings)
    return _Gathered(paths, cached, fresh, failed, pieces, findings, builder, chapters)


def _write(
    config: Config,
    options: BuildOptions,
    cache: BuildCache,
    out_dir: Path,
    gathered: _Gathered,
    order: list[EpisodeRef],
    documents: list[Document],
    show: Show,
    channel: list[bytes],  # its head and tail, around the items
    recorded: tuple[FeedDates, str] | None,
) -> list[str]:
    """Write the build into the output folder; the names of the files written or removed. recorded: the feed
    dates and the content digest to record lastBuildDate with (None: a dry run or a one-off address)."""
    fresh, cached = gathered.fresh, gathered.cached
    outputs = {name: data for b in fresh.values() for name, data in b.outputs.items()}
    if gathered.chapters and gathered.chapters.path:  # a new chapters folder, filled while the episodes were built
        if outputs:
            gathered.chapters.commit()
        written = list(outputs)
    else:
        written = write_outputs(outputs, out_dir)
    written += write_images(config, out_dir)  # podcast:images: the artwork's sizes
    pages_written, pages, pages_kept = write_pages(
        config, out_dir, order, fresh, cached, gathered.builder.spools, cache
    )
    written += pages_written  # the web pages, before the feed that links to them
    if recorded:  # before the feed: a build killed after it agrees
        dates, digest = recorded
        dates.record(digest, show.last_build_date)
    positions: dict[str, tuple[str, int, int]] = {}
    for document in documents:  # archive pages first: each document links only to ones already there
        head, tail = channel if document.name == config.feed.file_name else _archive_channel(show, document, order)
        items = [gathered.pieces[r.source] for r in order[document.start : document.stop]]
        changed, offsets = write_feed(out_dir / document.name, head, items, tail)
        positions.update((key, (document.name, *where)) for key, where in offsets.items())
        if changed:
            written.append(document.name)
    remove_stale(out_dir, "chapters", set(outputs) | {n for e in cached.values() for n in e.outputs})
    remove_stale(out_dir, ARCHIVE_FOLDER, {d.name for d in documents})
    written += remove_stale_pages(out_dir, *pages_kept)
    remove_stale_images(config, out_dir)  # those of an older artwork, once the feed no longer names them
    if options.use_cache and (written or fresh):
        cache.save(positions, fresh, pages)
    return written


def _archive_channel(show: Show, document: Document, order: list[EpisodeRef]) -> list[bytes]:
    """An archive page's channel: the show's, with the page's links and its own newest episode's date, so a
    full page never changes."""
    newest = datetime.fromisoformat(order[document.start].pub_date)
    return render_feed(replace(show, page=document.page, last_build_date=newest), [])


def _drop_changed_remote(cached: dict[str, Entry], cache: BuildCache, config: Config) -> None:
    """Forget the cached items whose audio, given as a URL, changed on its server (or cannot be asked about),
    so they are measured and built again: one conditional request per file, several at once; none offline."""
    remote = {path: urls for path, entry in cached.items() if (urls := cache.remote_urls(entry))}
    if not remote:
        return
    # imported here: requests takes ~75 ms, a seventh of a warm rebuild of a show without remote audio (build_bench.py)
    from feedtool.read.remote import unchanged_urls

    current = unchanged_urls(set().union(*remote.values()), config.root, offline=config.build.offline)
    for path, urls in remote.items():
        if not urls <= current:
            del cached[path]


def _validate_show(
    config: Config, cache: BuildCache, refs: list, order: list, episodes: list, page, dates, moment: datetime
):
    """The cross-episode rules (over every episode, scheduled ones too) and the channel (of the live ones,
    `order`, as the subscription feed `page`, dated when its content last changed: build/history.py):
    (Show, the channel's head and tail bytes, findings, the feed's content digest). The channel's findings
    depend only on its bytes and the artwork, so those of the last build stand while those are the same (the
    cross-episode rules take 15 ms for 10,000 episodes: less than telling whether their inputs changed)."""
    show, findings = build_show(config, order, tuple(episodes), check_episodes(refs))
    show = replace(show, page=page)
    digest = content_digest(render_feed(replace(show, last_build_date=None), []), (r.item_digest for r in order))
    show = replace(show, last_build_date=dates.changed(digest, show.last_build_date, moment))
    channel = render_feed(show, [])  # rendered once: checked here, written around the items
    artwork = config.show.artwork and not is_url(config.show.artwork) and config.root / config.show.artwork
    findings += cache.reuse(
        "channel",
        (b"".join(channel), signature(str(artwork)) if artwork else None),  # the rules read the artwork's header
        lambda: channel_findings(config, channel),
    )
    return show, channel, findings, digest
