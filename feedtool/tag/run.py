"""feedtool tag: write each episode's metadata from its episode file into its audio (and alternate renditions).

The episode file stays the one source of truth: the same built Episode the feed is rendered from gives the
title, number, date, description, GUID, cover and chapters. Only tags change: the audio stream's bytes stay as
they are. Each file is written to a temporary copy, read back and compared, then renamed into place, and only
when something differs, so a second run changes nothing. The containers' details live in feedtool/tagformats.
"""

from __future__ import annotations

import contextlib
import html
import io
import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from html.parser import HTMLParser
from pathlib import Path

import mutagen

from feedtool.build.pipeline import BuildOptions, run
from feedtool.errors import AudioError, Finding, UsageError, warning
from feedtool.facts import is_digits, is_url, too_many_pixels
from feedtool.model import Episode, Show
from feedtool.read.config import Config
from feedtool.read.episodes import display_path
from feedtool.render.notes import render_footer
from feedtool.tag.fields import FIELDS, ChapterTag, Picture, chapter_lines, describe
from feedtool.tag.formats import FORMATS
from feedtool.tag.write import show_lock, write_atomically
from feedtool.urls import decode_path

log = logging.getLogger(__name__)

COVER_PX = 1400  # Apple's minimum for show artwork, and plenty for a car display or a player's cover view
CHAPTER_IMAGE_PX = 640
JPEG_QUALITY = 88


@dataclass(frozen=True)
class Change:
    field: str
    label: str  # the container's own name: TIT2, ©nam, TITLE...
    old: object
    new: object


@dataclass(frozen=True)
class FileResult:
    path: Path
    changes: tuple[Change, ...]
    written: bool
    notes: tuple[str, ...] = ()
    error: str | None = None  # why this file could not be tagged (the others still are)


@dataclass(frozen=True)
class TagReport:
    files: tuple[FileResult, ...]
    dry_run: bool
    warnings: tuple[Finding, ...] = ()


def tag_show(config: Config, selection: list[str] = (), *, dry_run: bool = False) -> TagReport:
    """Tag the selected episodes (all when none are named). The whole show must build first. One run at a time
    writes a show: a second one refuses (a dry run writes nothing and needs no lock)."""
    # as of the end of time: scheduled episodes are tagged too, before they go live
    report, show = run(
        config, BuildOptions(write=False, whole_episodes=True, now=datetime.max.replace(tzinfo=timezone.utc))
    )
    episodes = select_episodes(show.episodes, selection, config, drafts=report.drafts)
    pictures: dict[tuple[Path, int], Picture] = {}
    findings: list[Finding] = []
    plans = []
    for episode in sorted(episodes, key=lambda e: str(e.source)):
        where = display_path(episode.source)
        fields = episode_fields(config, show, episode, pictures, findings)
        targets = [p for p in [episode.enclosure.path, *(a.path for a in episode.alternates)] if p is not None]
        if not targets:
            findings.append(
                warning(
                    "tag/remote-audio",
                    f"{where}: audio",
                    "is a URL; nothing to tag",
                    "feedtool tag writes audio files in the show folder",
                )
            )
        plans += [(path, fields) for path in targets]
    # locked after the build: its forked workers would inherit the lock and, outliving a killed run, hold it
    with contextlib.nullcontext() if dry_run else show_lock(config):
        results = [_tag_or_fail(path, fields, config.show.language, dry_run) for path, fields in plans]
    return TagReport(files=tuple(results), dry_run=dry_run, warnings=tuple(findings))


def select_episodes(episodes: tuple[Episode, ...], selection, config: Config, drafts: int = 0) -> list[Episode]:
    """EPISODE arguments: an episode file's path, its name, its name without .md, or its number. Drafts are not
    among the episodes: when the show has any, the refusal says that one may be what was asked for."""
    if not selection:
        return list(episodes)
    chosen = []
    for wanted in selection:
        path = Path(wanted)
        match = [
            e
            for e in episodes
            if (path.exists() and path.resolve() == Path(e.source).resolve())
            or wanted in (e.source.name, e.source.stem)
            or (is_digits(wanted) and e.number == int(wanted))
        ]
        if not match:
            raise UsageError(
                f"{wanted}: no such episode in {display_path(config.root)} "
                "(name an episode file, e.g. 0001-first.md, or its number"
                + ("; drafts are not tagged until draft: true is removed)" if drafts else ")")
            )
        chosen += [e for e in match if e not in chosen]
    return chosen


def episode_fields(config: Config, show: Show, episode: Episode, pictures: dict, findings: list[Finding]) -> dict:
    where = display_path(episode.source)
    # the episode's own notes, without the show's standing credits: build falls back to the comment tag for
    # empty notes and appends the credits again, so writing them into the tag would grow it on every run
    footer = render_footer(config.show.credits, config.show.funding)
    notes_html = episode.notes_html
    if footer and notes_html.endswith(footer):
        notes_html = notes_html[: -len(footer)]
    text = html_to_text(notes_html) or None
    cover = None
    image_url = episode.image_url or show.image_url
    if image_url:
        cover = _picture(config, image_url, COVER_PX, pictures, f"{where}: image", findings)
    chapters = tuple(
        ChapterTag(
            start_ms=round(c.start * 1000),
            title=c.title,
            url=c.url,
            hidden=c.hidden,
            image=_picture(config, c.image, CHAPTER_IMAGE_PX, pictures, f"{where}: chapters[{i}] image", findings)
            if c.image
            else None,
        )
        for i, c in enumerate(episode.chapters, start=1)
    )
    if episode.guid_is_new:
        findings.append(
            warning(
                "tag/guid",
                f"{where}: guid",
                "not recorded yet, so not written into the audio",
                "run feedtool build once to record it, then feedtool tag",
            )
        )
    return {
        "title": episode.title,
        "artist": show.author or None,
        "album": show.title,
        "track": episode.number,
        "date": episode.pub_date.strftime("%Y-%m-%dT%H:%M:%S"),
        "genre": "Podcast",
        "description": text,
        "comment": text,
        "podcast": True,
        "feed_url": show.feed_url,
        "guid": None if episode.guid_is_new else episode.guid,
        "cover": cover,
        "chapters": chapters or None,
    }  # no chapters anywhere: leave whatever a rendition carries


def _tag_or_fail(path: Path, fields: dict, language: str, dry_run: bool) -> FileResult:
    """One file's problem (read-only, changed meanwhile, unreadable) does not keep the others untagged."""
    try:
        return tag_file(path, fields, language, dry_run=dry_run)
    except AudioError as e:
        return FileResult(path=path, changes=(), written=False, error=str(e))


def tag_file(path: Path, fields: dict, language: str = "", *, dry_run: bool = False) -> FileResult:
    """Write fields into one audio file, atomically and only when something changes."""
    where = display_path(path)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise AudioError(f"{where}: feedtool tag cannot write '{path.suffix}' files (use .mp3, .m4a, .opus or .flac)")
    try:
        audio = fmt.open_audio(path, path.suffix)
        wanted, notes = fmt.normalize({k: v for k, v in fields.items() if k in fmt.LABELS}, fmt.length(audio), language)
        current = fmt.read(audio)
    except (mutagen.MutagenError, OSError) as e:
        raise AudioError(f"{where}: cannot read its tags: {e} (is it a complete audio file?)") from e
    changes = tuple(
        Change(name, fmt.LABELS[name], current.get(name), value)
        for name in FIELDS
        if (value := wanted.get(name)) is not None and value != current.get(name)
    )
    if changes and not dry_run:
        write_atomically(path, fmt, wanted, language, where)
    return FileResult(path=path, changes=changes, written=bool(changes) and not dry_run, notes=tuple(notes))


def local_file(config: Config, url: str) -> Path | None:
    """The show-folder file behind a public URL that build made (None for a file elsewhere on the web)."""
    base = config.feed.base_url.rstrip("/")
    if base and url.startswith(base + "/"):
        return config.root / decode_path(url[len(base) + 1 :])
    if not base and not is_url(url):
        return config.root / decode_path(url)
    return None


def _picture(config: Config, url: str, max_px: int, cache: dict, where: str, findings: list[Finding]):
    path = local_file(config, url)
    if path is None:
        findings.append(
            warning(
                "tag/remote-image",
                where,
                f"'{url}' is on the web, so it is not embedded",
                "put the image in the show folder to embed it",
            )
        )
        return None
    if (path, max_px) not in cache:
        cache[(path, max_px)] = prepare_picture(path, max_px, where)
    return cache[(path, max_px)]


def prepare_picture(path: Path, max_px: int, where: str = "") -> Picture:
    """A JPEG or PNG no larger than max_px on its longer side; a file that already fits is embedded as it is."""
    from PIL import Image, UnidentifiedImageError

    try:
        data = path.read_bytes()
        with Image.open(io.BytesIO(data)) as image:
            if image.format in ("JPEG", "PNG") and max(image.size) <= max_px:
                return Picture(f"image/{image.format.lower()}", data)
            image = image.convert("RGB")
            image.thumbnail((max_px, max_px), Image.Resampling.LANCZOS)
            out = io.BytesIO()
            image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
            return Picture("image/jpeg", out.getvalue())
    except Image.DecompressionBombError as e:
        raise AudioError(
            f"{where or path}: '{display_path(path)}' {too_many_pixels(e)} (use a smaller JPEG or PNG)"
        ) from e
    except (OSError, UnidentifiedImageError) as e:
        raise AudioError(
            f"{where or path}: cannot use '{display_path(path)}' as a picture: {e} (use a JPEG or PNG file)"
        ) from e


class _TextParser(HTMLParser):
    BLOCKS = frozenset(
        {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote", "pre", "table", "tr", "hr"}
    )

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str | None] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.BLOCKS:
            self.parts.append("\n\n" if tag != "li" else "\n- ")
        elif tag == "br":
            self.parts.append("\n")
        elif tag == "a":
            self.links.append(dict(attrs).get("href"))
            self.parts.append("\x00")  # marks where the link text starts

    def handle_endtag(self, tag):
        if tag == "a" and self.links:
            href = self.links.pop()
            start = max(i for i, p in enumerate(self.parts) if p == "\x00")
            text = "".join(self.parts[start + 1 :])
            self.parts[start:] = [text + (f" ({href})" if href and href not in text else "")]
        elif tag in self.BLOCKS and tag != "li":
            self.parts.append("\n\n")

    def handle_data(self, data):
        self.parts.append(data if data.strip() else " ")  # the newlines between block tags are layout only


def html_to_text(notes_html: str) -> str:
    """Show notes as plain text for a tag: paragraphs, '- ' list items, links as 'text (url)'.

    >>> html_to_text('<p>Hi <a href="https://x.org/">there</a> &amp; bye</p><ul><li>one</li></ul>')
    'Hi there (https://x.org/) & bye\\n\\n- one'
    """
    parser = _TextParser()
    parser.feed(notes_html)
    parser.close()
    text = html.unescape("".join(p for p in parser.parts if p != "\x00"))
    lines = [" ".join(line.split()) for line in text.split("\n")]
    paragraphs, current = [], []
    for line in lines + [""]:
        if line:
            current.append(line)
        elif current:
            paragraphs.append("\n".join(current))
            current = []
    return "\n\n".join(paragraphs)


def report_lines(report: TagReport) -> tuple[list[str], str]:
    """What the CLI prints: a line (and, in a dry run, the changes) per file, then a summary line."""
    lines = []
    for result in report.files:
        where = display_path(result.path)
        if result.error:
            lines.append(f"{where}: not tagged (the error above)")
        elif not result.changes:
            lines.append(f"{where}: up to date")
        elif report.dry_run:
            lines.append(f"{where}: would change {len(result.changes)} field{'s' * (len(result.changes) != 1)}")
            for change in result.changes:
                lines.append(f"  {change.field} ({change.label}): {describe(change.old)} -> {describe(change.new)}")
                if change.field == "chapters":
                    lines += [f"    {line}" for line in chapter_lines(change.old, change.new)]
        else:
            lines.append(f"{where}: wrote {', '.join(c.field for c in result.changes)}")
        lines += [f"  note: {note}" for note in result.notes]
    changed = sum(1 for r in report.files if r.changes)
    failed = sum(1 for r in report.files if r.error)
    same = len(report.files) - changed - failed
    files = f"{changed} file{'s' * (changed != 1)}"
    if report.dry_run:
        summary = f"dry run: {files} would change, {same} up to date; nothing was written"
    elif changed:
        summary = f"tagged {files}, {same} up to date"
    else:
        summary = f"nothing to change: {same} file{'s' * (same != 1)} already up to date"
    if failed and report.dry_run:
        summary = f"dry run: {files} would change, {same} up to date, {failed} not readable; nothing was written"
    elif failed:
        summary = f"tagged {files}, {same} up to date, {failed} not tagged"
    return lines, summary
