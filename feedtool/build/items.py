"""Building the episodes a build needs afresh: one interface, a plain implementation and a fast one.

    with item_builder(config, footer_html, count, ...) as builder:
        for path, result, piece in builder.build(paths): ...

Each path gives either (EpisodeBuild, Piece) — the Piece says where its <item> bytes are — or the findings
that stopped it. Results come in the order of `paths`.

- SerialBuilder is the reference: build_episode for one path after the other, the item kept in memory.
- ParallelBuilder is the fast path (benchmarks/build_bench.py: a cold 10,000-episode build). Forked worker
  processes build batches of episodes and append the items to a spool file of their own, so 60 MB of items
  never pass through the pipes, and the feed is later copied from the spool files by the kernel.
tests/test_items.py holds the two byte-equal on generated shows, with cache hits and broken episodes.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import tempfile
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import BinaryIO, Iterator

from feedtool.build.episode import EpisodeBuild, as_findings, build_episode
from feedtool.build.pages import spool_pages
from feedtool.build.write import Piece
from feedtool.errors import FeedtoolError, Finding, error
from feedtool.read.config import Config
from feedtool.read.episodes import display_path

PARALLEL_FROM = 48  # below this many episodes to build, a process pool costs more than it saves
BATCH = 64  # episodes per worker task at most: the workers then finish within a small batch of each other

Result = tuple[str, "EpisodeBuild | tuple[Finding, ...]", "Piece | None"]


class SerialBuilder:
    """The plain path: one episode after the other in this process, items in memory."""

    def __init__(self, config: Config, footer_html: str, keep_episodes: bool = False, staging: str | None = None):
        self.args = (config, footer_html, keep_episodes, staging)
        self.spools: list[BinaryIO] = []  # none: the pages' bytes stay in their EpisodeBuild too

    def __enter__(self) -> SerialBuilder:
        return self

    def __exit__(self, *exc) -> None:
        pass

    def build(self, paths: list[str]) -> Iterator[Result]:
        config, footer_html, keep, staging = self.args
        listings: dict[str, frozenset[str]] = {}
        for path in paths:
            try:
                built = build_episode(config, footer_html, Path(path), listings, keep, staging)
            except FeedtoolError as e:
                yield path, tuple(as_findings(e)), None
                continue
            yield path, built._replace(item=b""), Piece(path, None, 0, len(built.item), built.item)


class ParallelBuilder:
    """The fast path: forked worker processes, items spooled to files in `spool_dir` (the output folder, so
    the kernel can copy from them into the feed on the same file system)."""

    def __init__(
        self,
        config: Config,
        footer_html: str,
        keep_episodes: bool = False,
        staging: str | None = None,
        *,
        jobs: int,
        spool_dir: str | None,
    ):
        self.args = (config, footer_html, keep_episodes, staging)
        self.jobs = jobs
        self.spools = [tempfile.TemporaryFile(dir=spool_dir) for _ in range(jobs)]

    def __enter__(self) -> ParallelBuilder:
        return self

    def __exit__(self, *exc) -> None:
        for spool in self.spools:
            with contextlib.suppress(OSError):  # what is left in a buffer after a failed write: not needed
                spool.close()

    def build(self, paths: list[str]) -> Iterator[Result]:
        global _worker
        size = max(4, min(BATCH, len(paths) // (self.jobs * 8)))
        batches = [paths[i : i + size] for i in range(0, len(paths), size)]
        _worker = _Worker(self.args, self.spools)  # inherited by the forked workers: they start in milliseconds
        context = multiprocessing.get_context("fork")
        slots = context.Value("i", 0)
        with ProcessPoolExecutor(self.jobs, mp_context=context, initializer=_start_worker, initargs=(slots,)) as pool:
            try:
                for results in pool.map(_build_batch, batches):
                    for path, result, spooled in results:
                        piece = Piece(path, self.spools[spooled[0]], spooled[1], spooled[2]) if spooled else None
                        yield path, result, piece
            except BrokenProcessPool:  # a worker was killed (the out-of-memory killer, a signal) or crashed
                raise FeedtoolError(
                    "a build process ended abruptly; nothing was written "
                    "(was the machine out of memory, or the process killed? build again)"
                ) from None


def item_builder(
    config: Config,
    footer_html: str,
    count: int,
    *,
    keep_episodes: bool = False,
    staging: str | None = None,
    jobs: int | None = None,
    spool_dir: str | None = None,
) -> SerialBuilder | ParallelBuilder:
    """The builder for `count` episodes: parallel when there are enough of them and more than one CPU."""
    jobs = jobs or os.cpu_count() or 1
    if jobs >= 2 and count >= PARALLEL_FROM and hasattr(os, "fork"):
        return ParallelBuilder(config, footer_html, keep_episodes, staging, jobs=jobs, spool_dir=spool_dir)
    return SerialBuilder(config, footer_html, keep_episodes, staging)


# --- inside a worker process ---------------------------------------------------------------------------------


class _Worker:
    """What a forked worker needs: build_episode's arguments, the spool files and which one is its own."""

    def __init__(self, args: tuple, spools: list[BinaryIO]):
        self.args = args
        self.spools = spools
        self.slot = 0
        self.listings: dict[str, frozenset[str]] = {}


_worker: _Worker | None = None  # set by ParallelBuilder.build before the pool forks


def _start_worker(slots) -> None:
    """In a new worker: claim a spool file of its own, and keep freed memory."""
    with slots.get_lock():
        _worker.slot = slots.value
        slots.value += 1
    _keep_freed_memory()


def _build_batch(paths: list[str]) -> list[tuple[str, EpisodeBuild | tuple[Finding, ...], tuple | None]]:
    """Build a batch of episodes and append their items to this worker's spool file in one write (a write per
    episode cost ~3 % of a cold build with both workers writing: benchmarks/build_bench.py)."""
    config, footer_html, keep, staging = _worker.args
    slot, spool = _worker.slot, _worker.spools[_worker.slot]
    results, items = [], []
    offset = spool.tell()
    for path in paths:
        try:
            built = build_episode(config, footer_html, Path(path), _worker.listings, keep, staging)
        except FeedtoolError as e:
            results.append((path, tuple(as_findings(e)), None))
            continue
        results.append((path, built._replace(item=b""), (slot, offset, len(built.item))))
        items.append(built.item)
        offset += len(built.item)
    builds, pages = spool_pages([r[1] for r in results], slot, offset)  # the batch's pages after its items
    results = [(path, built, spooled) for (path, _, spooled), built in zip(results, builds, strict=True)]
    try:
        spool.write(b"".join(items + pages))
        spool.flush()  # a worker ends with os._exit: nothing may wait in its buffer
    except OSError as e:  # the output folder's file system, not the episodes: each of them lost its item
        problem = f"cannot write its item to a temporary file: {e.strerror}"
        return [
            (path, (error("build/write", display_path(path), problem, "check the output folder's free space"),), None)
            if spooled
            else (path, result, None)
            for path, result, spooled in results
        ]
    return results


def _keep_freed_memory() -> None:
    """In a worker: let glibc's malloc keep freed memory for the next episode instead of handing it back.

    mutagen copies an embedded cover (often half a megabyte) a dozen times while it walks an ID3 tag; with
    the default settings each copy lands on fresh pages from the kernel, and the page faults cost a third of
    the probe of such an episode (benchmarks/stages.py). Elsewhere than glibc this does nothing."""
    import ctypes  # only workers need it

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    mallopt(-3, 32 << 20)  # M_MMAP_THRESHOLD: blocks below 32 MiB come from the heap, not from mmap
    mallopt(-1, 64 << 20)  # M_TRIM_THRESHOLD: keep up to 64 MiB freed at the top of the heap
