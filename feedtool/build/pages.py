"""The show's web pages in a build: rendered per episode where the episode is built, written before the feed.

Each episode's page is rendered by the process that builds the episode (it has the whole Episode: notes,
chapters, transcript) and spooled like its feed item; only a small summary (EpisodeSummary) travels back
and stays in the build cache. The write step then puts into each page the links to its older and newer
neighbours, which only the whole show's order tells, and renders the home page's pages from the summaries.

A warm rebuild writes the pages of the episodes that changed, splices new neighbour links into the pages
beside them (at the byte range the cache recorded), and renders again only the home page's pages whose
episodes changed. A page whose bytes would not change is not written.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import shutil
from pathlib import Path
from typing import NamedTuple

from feedtool.build.show import RESERVED_NAMES, build_show
from feedtool.build.write import atomic_write, clear_abandoned, same_content
from feedtool.errors import FeedtoolError
from feedtool.model import Episode, EpisodeSummary
from feedtool.read.config import Config
from feedtool.render.pages import (
    STYLESHEET,
    Site,
    index_file,
    load_templates,
    page_file,
    render_episode_page,
    render_index_page,
    render_neighbours,
    stylesheet,
    summarize,
    templates_digest,
)

GENERATOR_MARK = b'<meta name="generator" content="feedtool">'  # how a stale page of ours is known
INDEX_FOLDER = "page"  # page/2/index.html, ...


class PageBuild(NamedTuple):
    """An episode's page as its build returns it. `data` is emptied once spooled (see spool_pages)."""

    folder: str  # the page's folder in the output folder: the episode file's name without .md
    summary: tuple  # EpisodeSummary as a plain tuple
    nav_at: int  # where the neighbour links go in the page; -1: nowhere
    data: bytes = b""
    spooled: tuple[int, int, int] | None = None  # (spool file, offset, length)


class PageRecord(NamedTuple):
    """What the build cache keeps of an episode's page as written (plain values, for marshal)."""

    folder: str
    summary: tuple
    nav_at: int
    nav_length: int
    neighbours: tuple  # (older source, newer source) the links were rendered for


_sites: dict[tuple, Site | None] = {}


def page_site(config: Config) -> Site | None:
    """The templates and the show as every page sees it; None when [site] enabled = false. Loaded by each
    build's pages_fingerprint (the templates may have changed since the last build in this process, as in
    feedtool preview); forked workers inherit it, compiled."""
    key = (str(config.path), config.fingerprint)
    if key not in _sites:
        _sites[key] = _load_site(config)
    return _sites[key]


def _load_site(config: Config, keep_compiled: bool = False) -> Site | None:
    if not config.site.enabled:
        return None
    show, _ = build_show(config, [])
    compiled = config.root / ".feedtool" / "templates" if keep_compiled else None
    return Site(load_templates(config.root / "templates", compiled), show, config.feed.file_name)


def pages_fingerprint(config: Config, writes: bool = True) -> str:
    """Load the page templates for this build, and return what they add to the build cache's fingerprint.
    writes: False for a build that writes nothing (check, --dry-run): no compiled templates are kept either."""
    _sites.clear()  # one show's site at a time: the templates are read again for every build
    site = _sites[(str(config.path), config.fingerprint)] = _load_site(config, keep_compiled=writes)
    return f":pages-{templates_digest(site.templates)}" if site else ""


def episode_page(config: Config, episode: Episode) -> PageBuild | None:
    site = page_site(config)
    if site is None:
        return None
    page = render_episode_page(site, episode)
    return PageBuild(episode.slug, tuple(summarize(episode)), page.nav_at, page.data)


def spool_pages(results: list, slot: int, offset: int) -> tuple[list, list[bytes]]:
    """Take the page bytes out of a batch of episode builds, to be appended to spool file `slot` at `offset`
    (after the batch's feed items): returns the builds, now pointing there, and the bytes to append."""
    chunks, spooled = [], []
    for result in results:
        page = getattr(result, "page", None)
        if page is not None and page.data:
            spooled.append(result._replace(page=page._replace(data=b"", spooled=(slot, offset, len(page.data)))))
            chunks.append(page.data)
            offset += len(page.data)
        else:
            spooled.append(result)
    return spooled, chunks


def write_pages(config: Config, out_dir: Path, order, fresh: dict, cached: dict, spools, cache) -> tuple:
    """Write the episode pages, the home page's pages and the stylesheet.

    order: the episodes' refs, newest first; fresh: {source: EpisodeBuild} built this time, the others are
    `cached` {source: cache Entry}; spools: the files fresh pages were spooled to. Returns (the files written,
    relative to out_dir; {source: PageRecord, or the cache's own tuple where nothing changed}; what to keep
    when the pages of episodes gone are removed: remove_stale_pages(out_dir, *keep), once the new feed is in
    place, since the old one links to them)."""
    site = page_site(config)
    if site is None:
        return [], {}, (set(), 0)
    sources = [ref.source for ref in order]
    summaries = {s: fresh[s].page.summary if s in fresh else PageRecord(*cached[s].page).summary for s in sources}
    # the episodes whose links and index entries may read differently now: built again, with another summary
    resummarized = {
        s
        for s in fresh
        if s in summaries  # not a scheduled episode: it has no page until it goes live
        and (cache.entries.get(s) and (cache.entries[s].page or ())[1:2]) != (summaries[s],)
    }
    written, records = [], {}
    for i, source in enumerate(sources):
        neighbours = (sources[i + 1] if i + 1 < len(sources) else None, sources[i - 1] if i > 0 else None)
        if source in fresh:
            records[source], changed = _write_fresh_page(site, out_dir, spools, fresh[source].page, summaries,
                                                         neighbours)  # fmt: skip
        else:
            records[source], changed = _relink_kept_page(site, out_dir, cached[source].page, summaries, neighbours,
                                                         resummarized)  # fmt: skip
        if changed:
            written.append(page_file(records[source][0]))
    listed = sources[::-1] if config.show.type == "serial" else sources  # a serial is read from the first on
    index_written, count = _write_index(site, config, out_dir, listed, summaries, set(fresh), cache)
    written += index_written
    if _write(out_dir, STYLESHEET, stylesheet(site)):
        written.append(STYLESHEET)
    return written, records, ({r[0] for r in records.values()}, count)


def _write_fresh_page(site: Site, out_dir: Path, spools, page: PageBuild, summaries: dict,
                      neighbours: tuple) -> tuple[PageRecord, bool]:
    """An episode built this time: its page with the neighbour links put in; (its record, whether written)."""
    data = page.data if page.spooled is None else _spooled(out_dir, spools, page.spooled)
    nav = _neighbours(site, summaries, neighbours)
    at = page.nav_at
    changed = _write(out_dir, page_file(page.folder), data[:at] + nav + data[at:] if at >= 0 else data)
    return PageRecord(page.folder, page.summary, at, len(nav) if at >= 0 else 0, neighbours), changed


def _relink_kept_page(site: Site, out_dir: Path, kept: tuple, summaries: dict, neighbours: tuple,
                      resummarized: set) -> tuple[tuple, bool]:
    """An episode unchanged since the last build: its page gets new neighbour links only when its neighbours, or
    what they show, changed. (its record, whether written); the cache's own tuple when nothing changed."""
    record = PageRecord(*kept)
    same_neighbours = tuple(record.neighbours) == neighbours
    if record.nav_at < 0 or (same_neighbours and not resummarized.intersection(neighbours)):
        return (kept if same_neighbours else record._replace(neighbours=neighbours)), False
    nav = _neighbours(site, summaries, neighbours)
    changed = _splice(out_dir, page_file(record.folder), record, nav)
    return record._replace(nav_length=len(nav), neighbours=neighbours), changed


def _spooled(out_dir: Path, spools, where: tuple[int, int, int]) -> bytes:
    index, offset, length = where
    try:
        return os.pread(spools[index].fileno(), length, offset)
    except OSError as e:
        raise FeedtoolError(
            f"{out_dir}: cannot write the pages: {e.strerror} (check the output folder's free space)"
        ) from e


def _neighbours(site: Site, summaries: dict, neighbours: tuple) -> bytes:
    older, newer = neighbours
    return render_neighbours(
        site,
        EpisodeSummary(*summaries[older]) if older else None,
        EpisodeSummary(*summaries[newer]) if newer else None,
    )


def _write_index(site: Site, config: Config, out_dir: Path, listed: list, summaries: dict, fresh: set, cache):
    """The home page and its further pages (listed: the episodes' sources in the order shown), rendered again
    only where what they show changed. Returns (the files written, how many pages there are)."""
    per_page = config.site.per_page
    pages = max(1, -(-len(listed) // per_page))
    known = cache.pages or {}
    layout = hashlib.blake2b(f"{per_page}\0{pages}\0".encode() + "\0".join(listed).encode(), digest_size=16)
    digests = dict(known.get("digests", {})) if known.get("layout") == layout.hexdigest() else {}
    if digests:  # the same episodes in the same places: only pages holding an episode built again can change
        stale = {i // per_page + 1 for i, source in enumerate(listed) if source in fresh}
        stale |= {n for n in range(1, pages + 1) if not os.path.exists(out_dir / index_file(n))}
    else:
        stale = set(range(1, pages + 1))
    written = []
    for number in sorted(stale):
        episodes = [EpisodeSummary(*summaries[s]) for s in listed[(number - 1) * per_page : number * per_page]]
        name = index_file(number)
        digest = hashlib.blake2b(marshal.dumps((number, pages, [tuple(e) for e in episodes])), digest_size=16)
        if digests.get(name) == digest.hexdigest() and os.path.exists(out_dir / name):
            continue
        digests[name] = digest.hexdigest()
        if _write(out_dir, name, render_index_page(site, episodes, number, pages)):
            written.append(name)
    cache.pages = {"layout": layout.hexdigest(), "digests": digests}
    return written, pages


def _write(out_dir: Path, relative: str, data: bytes) -> bool:
    """Write one page unless it already holds these bytes; True when written."""
    path = os.path.join(out_dir, relative)
    try:
        if _write_new(path, data):
            return True
        if same_content(path, data):
            return False
        clear_abandoned(Path(path).parent)  # the temp file of a write killed before its rename: this one redoes it
        atomic_write(Path(path), [data])
    except OSError as e:
        raise FeedtoolError(f"{path}: cannot write: {e.strerror} (check the output folder's permissions)") from e
    return True


def _write_new(path: str, data: bytes) -> bool:
    """A page in a folder of its own that does not exist yet (a cold build's 10,000): made in place, without
    a temporary file and a rename, which cost as much again. Nothing links to it before the build is done;
    a build killed meanwhile leaves a file the next build compares and writes again. False: the folder exists."""
    folder = os.path.dirname(path)
    try:
        os.mkdir(folder)
    except FileExistsError:
        return False
    except FileNotFoundError:  # page/N/: its parent folder first
        os.makedirs(os.path.dirname(folder), exist_ok=True)
        return _write_new(path, data)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
    try:
        os.fchmod(fd, 0o644)  # whatever the umask: the folder is for publishing
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)
    return True


def _splice(out_dir: Path, relative: str, record: PageRecord, nav: bytes) -> bool:
    """Put new neighbour links into a page written by an earlier build, at the place the cache recorded."""
    path = out_dir / relative
    try:
        data = path.read_bytes()
    except OSError as e:
        raise FeedtoolError(f"{path}: cannot read the page to update its links: {e.strerror} (build again)") from e
    end = record.nav_at + record.nav_length
    if len(data) < end:
        raise FeedtoolError(f"{path}: the page was changed by hand (delete it and build again)")
    return _write(out_dir, relative, data[: record.nav_at] + nav + data[end:])


def remove_stale_pages(out_dir: Path, folders: set[str], index_pages: int) -> list[str]:
    """Remove the pages of episodes no longer in the show (a folder holding only a feedtool index.html) and the
    home page's pages beyond the last."""
    removed = []
    try:
        entries = list(os.scandir(out_dir))
    except OSError:
        return removed
    for entry in entries:
        name = entry.name
        if name in folders or name.startswith(".") or name in RESERVED_NAMES or not entry.is_dir():
            continue
        clear_abandoned(Path(entry.path))  # a killed page write's temp file would make it look like not ours
        if _is_our_page_folder(entry.path):
            shutil.rmtree(entry.path)
            removed.append(f"{name}/index.html")
    index = out_dir / INDEX_FOLDER
    if index.is_dir():
        for entry in os.scandir(index):
            if entry.name.isdigit() and 2 <= int(entry.name) <= index_pages:
                continue
            clear_abandoned(Path(entry.path))
            if _is_our_page_folder(entry.path):
                shutil.rmtree(entry.path)
                removed.append(f"{INDEX_FOLDER}/{entry.name}/index.html")
        if not os.listdir(index):
            os.rmdir(index)
    if index_pages == 0 and _ours(out_dir / "index.html"):  # [site] enabled = false: the home page goes too
        for name in ("index.html", STYLESHEET):
            if (out_dir / name).is_file():
                os.unlink(out_dir / name)
                removed.append(name)
    return removed


def _is_our_page_folder(folder: str) -> bool:
    try:
        names = os.listdir(folder)
    except OSError:
        return False
    # empty: a removal killed between the page's unlink and its folder's rmdir (tests/test_build_kill.py)
    return names == [] or (names == ["index.html"] and _ours(Path(folder) / "index.html"))


def _ours(path: Path) -> bool:
    try:
        with open(path, "rb") as f:
            return GENERATOR_MARK in f.read(2048)
    except OSError:
        return False

