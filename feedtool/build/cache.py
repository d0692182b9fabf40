"""The build cache: what each episode's files looked like when its feed item was last rendered.

A warm rebuild stats every episode's files; where nothing changed it copies the episode's <item> bytes from
the feed it wrote last time instead of parsing, probing and rendering again. The index holds only small
tuples (marshal loads them in milliseconds); the item bytes stay in the previous feed file, so memory does
not grow with the show.
"""

from __future__ import annotations

import hashlib
import logging
import marshal
import os
from pathlib import Path
from typing import NamedTuple

from feedtool import __version__
from feedtool.build.write import atomic_write, clear_abandoned
from feedtool.errors import Finding
from feedtool.facts import is_url
from feedtool.read.paths import make_cache_folder

log = logging.getLogger(__name__)

# 2: findings include the check rules; 3: absent files as (stem, suffixes); 4: trailer; 5: paged; 6: web pages;
# 7: item digests; 8: episode types
FORMAT = 8


class EpisodeRef(NamedTuple):
    """What the cross-episode checks, the ordering and publish need from an episode, in marshal-able types."""

    source: str
    guid: str
    guid_is_new: bool
    enclosure_url: str
    season: int | None
    number: int | None
    pub_date: str  # ISO 8601 with offset
    timestamp: float
    duration: float
    files: tuple[str, ...]  # show-folder files the feed points at (audio, transcripts, images), relative
    trailer: tuple | None = None  # (title, size, MIME type) of an episode of type trailer: a podcast:trailer
    item_digest: str = ""  # of its <item>'s bytes: what the feed says, for lastBuildDate (build/history.py)
    episode_type: str = "full"  # trailers and bonus episodes may share the number of the episode they belong to


class Entry(NamedTuple):
    deps: tuple[tuple[str, int, int], ...]  # (path, size, mtime_ns) of every file the episode was built from
    absent: tuple[tuple[str, tuple[str, ...]], ...]  # (stem, suffixes): stem + suffix must still not exist
    ref: EpisodeRef
    document: str  # the feed document its <item> was written to last time (feed.xml, archive/page-3.xml)
    offset: int  # where the <item> sits in that file
    length: int
    outputs: tuple[str, ...]  # files this episode adds to the output folder (its chapters JSON)
    findings: tuple[Finding, ...]
    page: tuple | None = None  # build/pages.PageRecord of the episode's web page, as plain values


def signature(path: str) -> tuple[str, int, int]:
    try:
        st = os.stat(path)
    except OSError:  # absent, or a name the file system refuses: the episode is built afresh and says why
        return (path, -1, -1)
    return (path, st.st_size, st.st_mtime_ns)


def folder_names(folder: str, listed: dict[str, frozenset[str]]) -> frozenset[str]:
    """A folder's names (none if it cannot be listed), remembered in `listed` for the rest of the build: one
    listing instead of a stat per file looked for."""
    names = listed.get(folder)
    if names is None:
        try:
            names = frozenset(os.listdir(folder or "."))
        except OSError:
            names = frozenset()
        listed[folder] = names
    return names


class BuildCache:
    def __init__(self, index: Path, fingerprint: str, out_dir: Path, entries: dict[str, Entry] | None = None):
        self.index = index
        self.fingerprint = fingerprint
        self._out_dir = str(out_dir)
        self.entries = entries or {}
        self._listings: dict[str, frozenset[str]] = {}
        self._reused: dict[str, tuple[str, tuple]] = {}  # name -> (digest of its inputs, findings as tuples)
        self._raw: dict[str, tuple] = {}  # the loaded index's entries, as marshal gave them
        self.pages: dict | None = None  # the home page's pages: {"layout": digest, "digests": {file: digest}}

    @classmethod
    def for_build(cls, root: Path, out_dir: Path, config_fingerprint: str) -> "BuildCache":
        out_key = hashlib.sha256(str(out_dir.resolve()).encode()).hexdigest()[:12]
        index = root / ".feedtool" / f"build-{out_key}.cache"
        fingerprint = f"{FORMAT}:{__version__}:{config_fingerprint}"
        return cls(index, fingerprint, out_dir)

    def documents(self) -> set[str]:
        """The feed documents the loaded entries' items sit in."""
        return {entry.document for entry in self.entries.values()}

    def load(self) -> "BuildCache":
        """Read the index; any mismatch (other version, other config, a feed document changed) starts empty."""
        try:
            data = marshal.loads(self.index.read_bytes())
        except (OSError, EOFError, ValueError, TypeError):
            return self
        if not isinstance(data, dict) or data.get("fingerprint") != self.fingerprint:
            return self
        documents = data.get("documents") or {}
        if any(tuple(sig) != signature(os.path.join(self._out_dir, name)) for name, sig in documents.items()):
            return self  # a feed document was edited or removed by someone else: its bytes are no cache
        self._reused = data.get("reused") or {}
        self.pages = data.get("pages")
        self._raw = data["entries"]  # kept: save() writes unchanged entries back as they came
        self.entries = {
            source: Entry(
                deps,
                absent,
                EpisodeRef(*ref),
                document,
                offset,
                length,
                outputs,
                tuple(Finding(*f) for f in findings) if findings else (),
                page,
            )
            for source, (deps, absent, ref, document, offset, length, outputs, findings, page) in self._raw.items()
        }
        return self

    def lookup(self, source: str) -> Entry | None:
        entry = self.entries.get(source)
        if entry is None:
            return None
        for stem, suffixes in entry.absent:  # transcript names looked for and absent: they must still be
            folder, _, base = stem.rpartition("/")
            names = folder_names(folder, self._listings)
            if any(base + suffix in names for suffix in suffixes):
                return None
        for path, size, mtime in entry.deps:
            if size == -1 and is_url(path):
                continue  # audio given as a URL: its server is asked by the pipeline (remote_urls)
            try:
                st = os.stat(path)
            except FileNotFoundError:
                return None
            if st.st_size != size or st.st_mtime_ns != mtime:
                return None
        for output in entry.outputs:  # its chapters file must still be in the output folder
            folder, name = os.path.split(os.path.join(self._out_dir, output))
            if name not in folder_names(folder, self._listings):
                return None
        if entry.page and entry.page[0] not in folder_names(self._out_dir, self._listings):
            return None  # its web page's folder is gone: build the episode again to write it
        return entry

    @staticmethod
    def remote_urls(entry: Entry) -> set[str]:
        """The audio URLs the entry's item was built from: it is reused only while their servers say the files
        did not change (read/remote.unchanged_urls)."""
        return {path for path, size, _ in entry.deps if size == -1 and is_url(path)}

    def reuse(self, name: str, inputs, compute) -> list[Finding]:
        """Findings that depend on nothing but `inputs` (marshal-able values): those of the last build when
        the inputs are the same, else compute()."""
        digest = hashlib.blake2b(marshal.dumps(inputs), digest_size=16).hexdigest()
        stored = self._reused.get(name)
        if stored is not None and stored[0] == digest:
            return [Finding(*f) for f in stored[1]]
        found = compute()
        self._reused[name] = (digest, tuple(_plain(found)))
        return found

    def save(self, positions: dict[str, tuple[str, int, int]], fresh: dict, pages: dict | None = None) -> None:
        """Record every episode of the feed documents just written: positions = {source: (document, offset,
        length)} of its item; fresh = the episodes built this time (episode.EpisodeBuild: deps, absent, ref,
        outputs as {name: data}, findings); the others come from the loaded index. pages = {source: the
        record of its web page} (build/pages.py)."""
        pages = pages or {}
        shared: dict[tuple, tuple] = {}  # one object per suffix list: marshal writes it once, refers to it after
        entries = {}
        for source, (document, offset, length) in positions.items():
            e = fresh.get(source)
            if e is None:
                entries[source] = self._raw[source][:3] + (document, offset, length) + self._raw[source][6:8]
                entries[source] += (_page(pages.get(source)),)
            else:
                entries[source] = (
                    e.deps,
                    tuple((stem, shared.setdefault(suffixes, suffixes)) for stem, suffixes in e.absent),
                    tuple(e.ref),
                    document,
                    offset,
                    length,
                    tuple(e.outputs),
                    tuple(_plain(e.findings)),
                    _page(pages.get(source)),
                )
        data = {
            "fingerprint": self.fingerprint,
            "reused": self._reused,
            "documents": {d: signature(os.path.join(self._out_dir, d)) for d in {p[0] for p in positions.values()}},
            "entries": entries,
            "pages": self.pages,
        }
        try:
            make_cache_folder(self.index.parent)
            clear_abandoned(self.index.parent)  # the temp file of a save that was killed (as large as the index)
            atomic_write(self.index, [marshal.dumps(data)])
        except OSError as e:  # a read-only show folder only costs speed
            log.warning("%s: cannot save the build cache: %s", self.index, e.strerror)


def _page(record) -> tuple | None:
    """A page record in plain tuples for marshal (one loaded from the index is one already)."""
    if record is None or type(record) is tuple:
        return record
    return tuple(tuple(v) if isinstance(v, tuple) else v for v in record)


def _plain(findings):
    return [(f.rule, f.severity, f.where, f.message, f.hint) for f in findings]
