"""One episode file -> EpisodeBuild: read its front matter, probe its audio, merge them into the model Episode
(build/show.py), render its <item>, and run the check rules on that item. Every problem found is collected."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from feedtool.build.cache import EpisodeRef, folder_names, signature
from feedtool.build.history import item_digest
from feedtool.build.pages import PageBuild, episode_page
from feedtool.build.show import make_episode, media_path
from feedtool.build.write import StagedFolder
from feedtool.check.rules import item_findings
from feedtool.errors import WARNING, FeedtoolError, Finding, error, info
from feedtool.facts import TRANSCRIPT_TYPES, chapters_file, is_url
from feedtool.model import AudioInfo, Episode
from feedtool.read.chapters import chapters_from_notes
from feedtool.read.config import Config
from feedtool.read.episodes import read_episode
from feedtool.read.transcripts import check_transcript
from feedtool.render.chapters import render_chapters
from feedtool.render.feed import render_item_tree


class EpisodeBuild(NamedTuple):
    """One episode, built: what the feed and the cache need, and the whole Episode when asked for.

    A named tuple: ten thousand of them come back from the worker processes (build/items.py)."""

    ref: EpisodeRef
    item: bytes  # the rendered <item>, as render_item(episode) gives it
    outputs: dict[str, bytes]  # files for the output folder: its chapters JSON
    findings: tuple[Finding, ...]
    deps: tuple[tuple[str, int, int], ...]  # (path, size, mtime_ns) of every file it was built from
    absent: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (path stem, suffixes): files that must stay absent
    episode: Episode | None = None
    page: PageBuild | None = None  # its web page ([site]); build/items.py spools its bytes after the items


def build_episode(
    config: Config,
    footer_html: str,
    path: Path,
    listings: dict[str, frozenset[str]],
    keep_episode: bool = False,
    staging: str | None = None,
) -> EpisodeBuild:
    """Read, probe, merge and render one episode file. Raises FeedtoolError with every problem found.

    listings: the folders listed so far in this build (transcripts are looked up by listing, not by stat).
    staging: a new chapters folder being filled (write.StagedFolder): the chapters file is written there by
    whichever process builds the episode."""
    source = read_episode(path, config)
    if source.fields.get("draft"):
        raise FeedtoolError(findings=draft_findings(source))
    media = _Media(deps=[str(path)])
    problems = [f for f in source.findings if f.is_error]
    _probe_media(config, source, listings, media, problems)
    try:
        episode, findings = make_episode(
            config,
            source,
            media.audio,
            tuple(media.alternates),
            footer_html,
            chapters_from_notes(source.notes),
            tuple(media.transcripts),
        )
    except FeedtoolError as e:
        raise FeedtoolError(findings=problems + as_findings(e)) from None
    if problems:  # make_episode saw no error of its own, but the audio or a field had one
        raise FeedtoolError(findings=problems)
    outputs = _chapters_file(episode, staging)
    item, element = render_item_tree(episode)
    findings += item_findings(config, element, source.where)  # the check rules, cached with the item
    return EpisodeBuild(
        ref=_ref(config, path, episode, media.images)._replace(item_digest=item_digest(item)),
        item=item,
        outputs=outputs,
        findings=tuple(source.findings) + tuple(media.remote_findings) + tuple(findings),
        deps=tuple(signature(p) for p in media.deps),
        absent=media.absent,
        episode=episode if keep_episode else None,
        page=episode_page(config, episode),
    )


@dataclass
class _Media:
    """What an episode's files gave: the audio and its companions, and every file (or URL) it was built from."""

    deps: list[str]
    audio: AudioInfo | None = None
    transcripts: list[Path] = field(default_factory=list)
    absent: tuple = ()  # transcript names looked for and absent, as (stem, suffixes): the cache watches them
    alternates: list[AudioInfo] = field(default_factory=list)
    images: list[Path] = field(default_factory=list)  # the episode's and its chapters' images in the show folder
    remote_findings: list[Finding] = field(default_factory=list)


def _probe_media(config: Config, source, listings, media: _Media, problems: list[Finding]) -> None:
    """Probe the audio (a file, or a URL measured over HTTP), its transcripts, its alternates and find its
    images; problems collect every error, so the episode's other problems belong in the same report."""
    # imported here: mutagen's import is ~5 % of a warm rebuild that builds nothing (benchmarks/build_bench.py)
    from feedtool.read.probe import probe_audio

    where, value = source.where, source.fields.get("audio")
    if value and not is_url(value):
        try:
            audio_path = media_path(config, value, f"{where}: audio")
            media.deps.append(str(audio_path))
            media.audio = probe_audio(audio_path, f"{where}: audio '{value}'")
        except FeedtoolError as e:
            problems.extend(as_findings(e))
        if media.audio is not None:
            media.transcripts, media.absent = _transcripts_beside(media.audio.path, listings)
            media.deps.extend(map(str, media.transcripts))
            problems.extend(f for t in media.transcripts for f in check_transcript(t))  # cached with the episode
    elif value:  # audio given as a URL: measured over HTTP, or as measured before (read/remote.py)
        from feedtool.read.remote import measure_url  # requests and mutagen: only for a show that needs them

        media.deps.append(value)  # not a file: the build cache asks its server whether it changed (pipeline.py)
        typed = "length" in source.fields and "duration" in source.fields
        media.audio, media.remote_findings = measure_url(
            value, f"{where}: audio '{value}'", config.root, offline=config.build.offline, typed=typed
        )
        problems.extend(f for f in media.remote_findings if f.is_error)
    for spec in source.fields.get("alternates", ()):
        try:
            alt_path = media_path(config, spec["file"], f"{where}: alternates")
            media.deps.append(str(alt_path))
            media.alternates.append(probe_audio(alt_path, f"{where}: alternates '{spec['file']}'"))
        except FeedtoolError as e:
            problems.extend(as_findings(e))
    image = source.fields.get("image")
    media.images = [
        config.root / os.path.normpath(i)
        for i in [image, *(c.image for c in source.fields.get("chapters", ()))]
        if i and not is_url(i)
    ]
    media.deps += [str(i) for i in media.images]


def _chapters_file(episode: Episode, staging: str | None) -> dict[str, bytes]:
    """The episode's chapters JSON for the output folder (written into the staged chapters folder at once)."""
    if not episode.chapters:
        return {}
    data = render_chapters(episode.chapters, episode.duration)
    if staging:
        try:
            StagedFolder.add_to(staging, f"{episode.slug}.json", data)
        except OSError as e:  # the output folder, not the episode: say so, and which folder
            raise FeedtoolError(
                f"{os.path.dirname(staging)}: cannot write {chapters_file(episode.slug)}: {e.strerror} "
                "(check the output folder's free space and permissions)"
            ) from e
    return {chapters_file(episode.slug): data}


def _ref(config: Config, path: Path, episode: Episode, images: list[Path]) -> EpisodeRef:
    """What the cross-episode rules, the ordering and publish need of the episode."""
    files = [
        p
        for p in [episode.enclosure.path, *(t.path for t in episode.transcripts), *(a.path for a in episode.alternates)]
        if p is not None
    ]
    return EpisodeRef(
        source=str(path),
        guid=episode.guid,
        guid_is_new=episode.guid_is_new,
        enclosure_url=episode.enclosure.url,
        season=episode.season,
        number=episode.number,
        pub_date=episode.pub_date.isoformat(),
        timestamp=episode.pub_date.timestamp(),
        duration=episode.duration,
        files=tuple(map(config.relative_path, files + images)),
        trailer=(episode.title, episode.enclosure.size_bytes, episode.enclosure.mime_type)
        if episode.episode_type == "trailer"
        else None,
        episode_type=episode.episode_type,
    )


def draft_findings(source) -> list[Finding]:
    """A draft stays out of the feed whatever its date, and its problems do not stop the build: they are
    warnings until draft: true is removed."""
    left_out = info("episode/draft", f"{source.where}: draft", "left out of the feed", "remove draft: true to publish")
    return [left_out] + [Finding(f.rule, WARNING, f.where, f.message, f.hint) for f in source.findings]


def _transcripts_beside(
    audio_path: Path, listings: dict[str, frozenset[str]]
) -> tuple[list[Path], tuple[tuple[str, tuple[str, ...]], ...]]:
    """Transcript files named like the audio, and the names looked for but absent (the cache watches both),
    as (stem, suffixes)."""
    stem = str(audio_path)[: -len(audio_path.suffix) or None]
    folder, base = os.path.split(stem)
    names = folder_names(folder, listings)
    present = [Path(stem + suffix) for suffix in TRANSCRIPT_TYPES if base + suffix in names]
    absent = tuple(suffix for suffix in TRANSCRIPT_TYPES if base + suffix not in names)
    return present, ((stem, absent),) if absent else ()


def as_findings(e: FeedtoolError) -> list[Finding]:
    """An error raised with a plain message becomes one finding, so every problem is reported the same way."""
    if e.findings or not str(e):  # no message: the problem is already among the findings gathered
        return list(e.findings)
    return [error("episode/error", "", str(e))]
