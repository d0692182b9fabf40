"""Wires the stages: read -> probe -> build model -> render -> write. Gather and validate everything first."""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import BinaryIO, Iterator, NamedTuple

from feedtool.build.cache import BuildCache, Entry, EpisodeRef, folder_names, signature
from feedtool.build.pin import pin_guids, pin_podcast_guid
from feedtool.build.show import build_show, check_episodes, episode_order, make_episode, media_path
from feedtool.build.write import Piece, StagedFolder, remove_stale, write_feed, write_outputs
from feedtool.check.rules import channel_findings, item_findings
from feedtool.errors import FeedtoolError, Finding, error
from feedtool.facts import TRANSCRIPT_TYPES, is_url
from feedtool.model import Episode, Show
from feedtool.read.chapters import chapters_from_notes
from feedtool.read.config import Config
from feedtool.read.episodes import display_path, episode_paths, read_episode
from feedtool.read.transcripts import check_transcript
from feedtool.render.chapters import render_chapters
from feedtool.render.feed import render_feed, render_item_tree
from feedtool.render.notes import render_footer

log = logging.getLogger(__name__)

PARALLEL_FROM = 48  # below this many episodes to (re)build, a process pool costs more than it saves


@dataclass(frozen=True)
class Report:
    feed_path: Path
    episodes: int
    total_duration: float
    rebuilt: int  # episodes parsed, probed and rendered this time (the rest came from the cache)
    written: tuple[str, ...]
    warnings: tuple[Finding, ...]
    pinned: tuple[str, ...] = ()  # files that got a GUID written into them
    refs: tuple[EpisodeRef, ...] = field(default=(), repr=False)


class EpisodeBuild(NamedTuple):
    """One episode, built: everything the feed and the cache need, and the full Episode when asked for.

    A named tuple: ten thousand of them are pickled back from the workers and copied without their item."""

    ref: EpisodeRef
    item: bytes
    outputs: dict[str, bytes]
    findings: tuple[Finding, ...]
    deps: tuple[tuple[str, int, int], ...]
    absent: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (path stem, suffixes): files that must stay absent
    episode: Episode | None = None
    spooled: tuple[int, int, int] | None = None  # where build_episodes put the item: (spool, offset, length)


def build_episode(
    config: Config, footer_html: str, path: Path, keep_episode: bool = False, staging: str | None = None
) -> EpisodeBuild:
    """Read, probe, merge and render one episode file. Raises FeedtoolError with every problem found.

    staging: a new chapters folder being filled (write.StagedFolder): the chapters file is written there now,
    by whichever process builds the episode, rather than by the parent once every episode is built."""
    from feedtool.read.probe import probe_audio  # mutagen costs start-up time a warm rebuild need not pay

    source = read_episode(path, config)
    where = source.where
    deps, absent, remote_findings = [str(path)], (), []
    problems = [f for f in source.findings if f.is_error]
    audio, transcripts = None, []
    value = source.fields.get("audio")
    if value and not is_url(value):
        try:
            audio_path = media_path(config, value, f"{where}: audio")
            deps.append(str(audio_path))
            audio = probe_audio(audio_path, f"{where}: audio '{value}'")
        except FeedtoolError as e:  # keep going: the episode's other problems belong in the same report
            problems.extend(as_findings(e))
        if audio is not None:
            transcripts, absent = _transcripts_beside(audio.path)
            deps.extend(map(str, transcripts))
            problems.extend(f for t in transcripts for f in check_transcript(t))  # cached with the episode
    elif value:  # audio given as a URL: measured over HTTP, or as measured before (read/remote.py)
        from feedtool.read.remote import measure_url  # requests and mutagen: only for a show that needs them

        deps.append(value)  # not a file: the build cache never reuses the episode, so each build asks once
        typed = "length" in source.fields and "duration" in source.fields
        audio, remote_findings = measure_url(
            value, f"{where}: audio '{value}'", config.root, offline=config.build.offline, typed=typed
        )
        problems.extend(f for f in remote_findings if f.is_error)
    alternates = []
    for spec in source.fields.get("alternates", ()):
        try:
            alt_path = media_path(config, spec["file"], f"{where}: alternates")
            deps.append(str(alt_path))
            alternates.append(probe_audio(alt_path, f"{where}: alternates '{spec['file']}'"))
        except FeedtoolError as e:
            problems.extend(as_findings(e))
    image = source.fields.get("image")
    images = [
        config.root / os.path.normpath(i)
        for i in [image, *(c.image for c in source.fields.get("chapters", ()))]
        if i and not is_url(i)
    ]  # the episode's image and its chapters' images in the show folder
    deps += [str(i) for i in images]
    try:
        episode, findings = make_episode(
            config, source, audio, tuple(alternates), footer_html, chapters_from_notes(source.notes), tuple(transcripts)
        )
    except FeedtoolError as e:
        raise FeedtoolError(findings=problems + as_findings(e)) from None
    # make_episode saw no error of its own, but the audio or a field may have had one
    if problems:
        raise FeedtoolError(findings=problems)
    outputs = {}
    if episode.chapters:
        outputs[f"chapters/{episode.slug}.json"] = data = render_chapters(episode.chapters, episode.duration)
        if staging:
            try:
                StagedFolder.add_to(staging, f"{episode.slug}.json", data)
            except OSError as e:  # the output folder, not the episode: say so, and which folder
                raise FeedtoolError(
                    f"{os.path.dirname(staging)}: cannot write chapters/{episode.slug}.json: {e.strerror} "
                    "(check the output folder's free space and permissions)"
                ) from e
    files = [
        p
        for p in [episode.enclosure.path, *(t.path for t in episode.transcripts), *(a.path for a in episode.alternates)]
        if p is not None
    ]
    files += images
    ref = EpisodeRef(
        source=str(path),
        guid=episode.guid,
        guid_is_new=episode.guid_is_new,
        enclosure_url=episode.enclosure.url,
        season=episode.season,
        number=episode.number,
        pub_date=episode.pub_date.isoformat(),
        timestamp=episode.pub_date.timestamp(),
        duration=episode.duration,
        files=tuple(map(config.relative_path, files)),
    )
    item, element = render_item_tree(episode)
    findings += item_findings(config, element, where)  # the check rules, cached with the item
    return EpisodeBuild(
        ref=ref,
        item=item,
        outputs=outputs,
        findings=tuple(source.findings) + tuple(remote_findings) + tuple(findings),
        deps=tuple(signature(p) for p in deps),
        absent=absent,
        episode=episode if keep_episode else None,
    )


def _transcripts_beside(audio_path: Path) -> tuple[list[Path], tuple[tuple[str, tuple[str, ...]], ...]]:
    """Transcript files named like the audio, and the names looked for but absent (the cache watches both),
    as (stem, suffixes)."""
    stem = str(audio_path)[: -len(audio_path.suffix) or None]
    folder, base = os.path.split(stem)
    names = folder_names(folder, _listings)
    present = [Path(stem + suffix) for suffix in TRANSCRIPT_TYPES if base + suffix in names]
    absent = tuple(suffix for suffix in TRANSCRIPT_TYPES if base + suffix not in names)
    return present, ((stem, absent),) if absent else ()


def as_findings(e: FeedtoolError) -> list[Finding]:
    """An error raised with a plain message becomes one finding, so every problem is reported the same way."""
    if e.findings or not str(e):  # no message: the problem is already among the findings gathered
        return list(e.findings)
    return [error("episode/error", "", str(e))]


_listings: dict[str, frozenset[str]] = {}  # the folders listed in this build (cleared by build_episodes)
_worker_args: tuple = ()
_spool_slot = 0  # which of the build's spool files this process appends its items to


def _build_batch_in_worker(paths: list[str]) -> list[EpisodeBuild | tuple[Finding, ...]]:
    """Build a batch of episodes in this process and append their items to its spool file in one write
    (a write per episode cost ~30 µs each in a 10,000-episode build, with the other process writing too)."""
    config, footer_html, keep, staging, spools = _worker_args
    spool = spools[_spool_slot]
    results: list[EpisodeBuild | tuple[Finding, ...]] = []
    items: list[bytes] = []
    offset = spool.tell()
    for path in paths:
        try:
            result = build_episode(config, footer_html, Path(path), keep, staging)
        except FeedtoolError as e:
            results.append(tuple(as_findings(e)))
            continue
        results.append(result._replace(item=b"", spooled=(_spool_slot, offset, len(result.item))))
        items.append(result.item)
        offset += len(result.item)
    try:
        spool.write(b"".join(items))
        spool.flush()  # a worker ends with os._exit: nothing may wait in its buffer
    except OSError as e:  # the output folder's file system, not the episodes: each of them lost its item
        problem = f"cannot write its item to a temporary file: {e.strerror}"
        return [
            (error("build/write", display_path(path), problem, "check the output folder's free space"),)
            if isinstance(result, EpisodeBuild)
            else result
            for path, result in zip(paths, results, strict=True)
        ]
    return results


def _start_worker(slots) -> None:
    """In a new worker: claim a spool file of its own, and keep freed memory."""
    global _spool_slot
    with slots.get_lock():
        _spool_slot = slots.value
        slots.value += 1
    _keep_freed_memory()


def _keep_freed_memory() -> None:
    """In a worker: let glibc's malloc keep freed memory for the next episode instead of handing it back.

    mutagen copies an embedded cover (often half a megabyte) a dozen times while it walks an ID3 tag. With
    the default settings each copy lands on fresh pages from the kernel, and the page faults cost a third
    of the probe of such an episode. Elsewhere than glibc this does nothing.
    """
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    mallopt(-3, 32 << 20)  # M_MMAP_THRESHOLD: blocks below 32 MiB come from the heap, not from mmap
    mallopt(-1, 64 << 20)  # M_TRIM_THRESHOLD: keep up to 64 MiB freed at the top of the heap


def build_episodes(
    config: Config,
    footer_html: str,
    paths: list[str],
    spools: _Spools,
    keep_episode: bool = False,
    jobs: int | None = None,
    staging: str | None = None,
) -> Iterator[EpisodeBuild | tuple[Finding, ...]]:
    """Build many episodes, in parallel processes when there are enough of them to pay for it.

    Results come in the order of `paths`, as they are ready. An EpisodeBuild's item is not in it but in one
    of the spool files, at `spooled` = (file index, offset, length): each process that builds appends to a
    file of its own, so 60 MB of items never pass through the worker pipes, and the feed is copied from the
    files by the kernel.
    """
    global _worker_args
    _listings.clear()
    jobs = jobs or os.cpu_count() or 1
    parallel = jobs >= 2 and len(paths) >= PARALLEL_FROM and hasattr(os, "fork")
    _worker_args = (config, footer_html, keep_episode, staging, spools.open(jobs if parallel else 1))
    # batches of at most 64 episodes: the workers finish within a small batch of each other (with 625 a batch,
    # one sat idle for up to a second at the end of a 10,000-episode build)
    size = max(4, min(64, len(paths) // (jobs * 8)))
    batches = [paths[i : i + size] for i in range(0, len(paths), size)]
    if not parallel:
        for batch in batches:
            yield from _build_batch_in_worker(batch)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    # fork: workers inherit the config, the spool files and the imported libraries: they start in milliseconds
    context = multiprocessing.get_context("fork")
    slots = context.Value("i", 0)
    with ProcessPoolExecutor(jobs, mp_context=context, initializer=_start_worker, initargs=(slots,)) as pool:
        try:
            for results in pool.map(_build_batch_in_worker, batches):
                yield from results
        except BrokenProcessPool:  # a worker was killed (the out-of-memory killer, a signal) or crashed
            raise FeedtoolError(
                "a build process ended abruptly; nothing was written "
                "(was the machine out of memory, or the process killed? build again)"
            ) from None


class _Spools:
    """The anonymous files a build's processes append their items to, one each (see build_episodes)."""

    def __init__(self, folder: str | None):
        self.folder = folder
        self.files: list[BinaryIO] = []

    def open(self, count: int) -> list[BinaryIO]:
        self.files += [tempfile.TemporaryFile(dir=self.folder) for _ in range(count - len(self.files))]
        return self.files

    def __enter__(self) -> _Spools:
        return self

    def __exit__(self, *exc) -> None:
        for file in self.files:
            with contextlib.suppress(OSError):  # what is left in a buffer after a failed write: not needed
                file.close()


def run(
    config: Config,
    *,
    out_dir: Path | None = None,
    strict: bool = False,
    use_cache: bool = True,
    keep_episodes: bool = False,
    dry_run: bool = False,
    jobs: int | None = None,
    collect_errors: bool = False,
) -> tuple[Report, Show]:
    """Build the show into out_dir. Nothing is written unless every episode and the channel are valid.

    keep_episodes: return the Show with every Episode (check and publish need them); this skips the cache.
    collect_errors: (feedtool check) never raise for findings: return them all in report.warnings, write nothing.
    """
    out_dir = Path(out_dir or config.build.out_dir)
    feed_path = out_dir / config.feed.file_name
    cache = BuildCache.for_build(config.root, out_dir, config.fingerprint, config.feed.file_name)
    if use_cache and not keep_episodes:
        cache.load()
    dry_run = dry_run or collect_errors
    if not dry_run:
        out_dir.mkdir(parents=True, exist_ok=True)
    # Fresh items are spooled to files by the processes that build them, so memory does not grow with the
    # show. They live in the output folder so the kernel can copy from them into the feed (same file system).
    with (
        _Spools(str(out_dir) if out_dir.is_dir() else None) as spools,
        _open_or_none(feed_path if cache.entries else None) as old,
        contextlib.nullcontext(None) if dry_run else StagedFolder(out_dir / "chapters") as chapters,
    ):
        target = _Target(out_dir, feed_path, spools, old, chapters)
        return _run(
            config,
            cache,
            target,
            strict=strict,
            use_cache=use_cache,
            keep_episodes=keep_episodes,
            dry_run=dry_run,
            jobs=jobs,
            collect_errors=collect_errors,
        )


class _Target(NamedTuple):
    """Where a build writes, and the previous feed it copies unchanged items from."""

    out_dir: Path
    feed_path: Path
    spools: _Spools  # this build's fresh items, spooled by the processes that build them
    old: BinaryIO | None  # the previous feed
    chapters: StagedFolder | None  # a new chapters folder being filled, or None


def _run(config, cache, target: _Target, *, strict, use_cache, keep_episodes, dry_run, jobs, collect_errors):
    out_dir, feed_path, spools, old, chapters = target
    footer_html = render_footer(config.show.credits, config.show.funding)

    # Gather: every episode, from the cache where its files did not change, else built afresh.
    findings: list[Finding] = list(config.warnings)
    cached: dict[str, Entry] = {}
    misses: list[str] = []  # strings, not Paths: the parent only passes them on and looks them up
    paths = episode_paths(config.root)
    for path in paths:
        entry = cache.lookup(path)
        if entry is None:
            misses.append(path)
        else:
            cached[path] = entry
            findings.extend(entry.findings)
    fresh: dict[str, EpisodeBuild] = {}
    staging = chapters.path if chapters else None
    # Built last file first: in most shows the names count up with the dates, so the items land in the spool
    # files in the feed's order (newest first) and the feed is copied in long runs, not piece by piece.
    newest_first = misses[::-1]
    building = build_episodes(config, footer_html, newest_first, spools, keep_episodes, jobs, staging)
    built = dict(zip(newest_first, building, strict=True))
    for path in misses:  # findings in file order, as on a warm rebuild
        result = built[path]
        if isinstance(result, EpisodeBuild):
            fresh[path] = result
            findings.extend(result.findings)
        else:
            findings.extend(result)

    # Validate: across episodes and the channel; abort before the first byte is written.
    # in file order, whichever came from the cache: the cross-episode findings come out in the same order
    refs = [cached[p].ref if p in cached else fresh[p].ref for p in paths if p in cached or p in fresh]
    # The cross-episode rules read the refs, and the clock for episodes dated ahead: none such, and the
    # findings of the last build stand while no ref changed. Findings name files relative to the current folder.
    episode_findings = cache.reuse(
        "episodes",
        (os.getcwd(), [tuple(r) for r in refs]),
        lambda: check_episodes(refs),
        keep=lambda found: not any(f.rule == "safety/future-date" for f in found),
    )
    show, show_findings = build_show(
        config, refs, tuple(b.episode for b in fresh.values() if b.episode), episode_findings
    )
    findings.extend(show_findings)
    channel = render_feed(show, [])  # rendered once: checked here, written around the items below
    # The channel rules read the channel and the artwork file (its header, with Pillow)
    artwork = config.show.artwork and not is_url(config.show.artwork) and config.root / config.show.artwork
    findings.extend(
        cache.reuse(
            "channel",
            (b"".join(channel), signature(str(artwork)) if artwork else None),
            lambda: channel_findings(config, channel),
        )
    )
    if not collect_errors and (any(f.is_error for f in findings) or (strict and findings)):
        raise FeedtoolError(findings=[f for f in findings if f.is_error or strict])
    order = episode_order(refs)
    report = Report(
        feed_path=feed_path,
        episodes=len(refs),
        total_duration=sum(r.duration for r in refs),
        rebuilt=len(fresh),
        written=(),
        warnings=tuple(findings),
        refs=tuple(order),
    )
    if dry_run:
        return report, show

    # Write: per-episode files first, the feed that points at them last.
    outputs = {name: data for b in fresh.values() for name, data in b.outputs.items()}
    if chapters.path:  # a new chapters folder, filled while the episodes were built
        if outputs:
            chapters.commit()
        written = list(outputs)
    else:
        written = write_outputs(outputs, out_dir)
    remove_stale(out_dir, "chapters", set(outputs) | {n for e in cached.values() for n in e.outputs})
    head, tail = channel
    pieces = [
        Piece(r.source, spools.files[fresh[r.source].spooled[0]], *fresh[r.source].spooled[1:])
        if r.source in fresh
        else Piece(r.source, old, cached[r.source].offset, cached[r.source].length)
        for r in order
    ]
    changed, offsets = write_feed(feed_path, head, pieces, tail)
    if changed:
        written.append(config.feed.file_name)
    if use_cache and (changed or fresh or written):
        cache.save(offsets, fresh)
    pinned = pin_guids(r for r in order if r.guid_is_new) + pin_podcast_guid(config, show.podcast_guid)
    return replace(report, written=tuple(written), pinned=tuple(pinned)), show


def _open_or_none(path: Path | None):
    return open(path, "rb") if path is not None else contextlib.nullcontext()
