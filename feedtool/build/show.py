"""EpisodeSource + AudioInfo -> Episode; all episodes -> Show. Precedence, URLs and the cross-episode checks."""

from __future__ import annotations

import os
import uuid
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from feedtool.check.rules import ref_findings
from feedtool.errors import EpisodeError, Finding, error, warning
from feedtool.facts import MIME_TYPES, TRANSCRIPT_TYPES, is_url, podcast_guid
from feedtool.model import (
    AlternateEnclosure,
    AudioInfo,
    Chapter,
    Enclosure,
    Episode,
    Funding,
    Person,
    Show,
    Transcript,
)
from feedtool.read.config import Config
from feedtool.read.episodes import EpisodeSource, zoned
from feedtool.render.notes import render_markdown, truncate_html
from feedtool.urls import path_suffix, split_url


def media_path(config: Config, value: str, where: str) -> Path:
    """A file named in an episode file, relative to the show folder, which it may not leave."""
    relative = os.path.normpath(value)
    if os.path.isabs(value) or relative == ".." or relative.startswith(".." + os.sep):
        raise EpisodeError(
            f"{where}: '{value}' is outside the show folder "
            "(move the file into the show folder and give its path relative to it)"
        )
    return config.root / relative


def public_url(config: Config, path: Path) -> str:
    return config.url_for(config.relative_path(path))


def transcript(config: Config, path: Path) -> Transcript:
    mime, rel = TRANSCRIPT_TYPES[path.suffix.lower()]
    return Transcript(url=public_url(config, path), mime_type=mime, language=config.show.language, rel=rel, path=path)


def make_episode(
    config: Config,
    source: EpisodeSource,
    audio: AudioInfo | None,
    alternates: tuple[AudioInfo, ...] = (),
    footer_html: str = "",
    notes_chapters: tuple[Chapter, ...] = (),
    transcripts: tuple[Path, ...] = (),
) -> tuple[Episode, list[Finding]]:
    """Merge front matter (wins) with the audio's tags (fallbacks). Raises EpisodeError on any error."""
    fields, where = source.fields, source.where
    tags = audio.tags if audio else None
    findings: list[Finding] = []

    def conflict(name: str, ours, theirs) -> None:
        if ours is not None and theirs is not None and str(ours) != str(theirs):
            findings.append(
                warning(
                    "episode/tag-conflict",
                    f"{where}: {name}",
                    f"front matter says '{ours}', the audio's tag says '{theirs}'",
                    "the front matter wins; run feedtool tag to write it into the audio",
                )
            )

    title = fields.get("title") or (tags.title if tags else None)
    if tags:
        conflict("title", fields.get("title"), tags.title)
        conflict("number", fields.get("number"), tags.track)
    if not title and "title" not in source.invalid:
        findings.append(error("episode/missing", f"{where}: title", "missing", "add title: … to the front matter"))
    pub_date = fields.get("date") or _tag_date(tags, config)
    if pub_date is None and "date" not in source.invalid:
        findings.append(
            error(
                "episode/missing",
                f"{where}: date",
                "missing",
                "add date: YYYY-MM-DDTHH:MM:SS+02:00 to the front matter",
            )
        )
    if "audio" not in fields and "audio" not in source.invalid:
        findings.append(
            error(
                "episode/missing",
                f"{where}: audio",
                "missing",
                "add audio: media/<file>.mp3, the path relative to the show folder",
            )
        )
    enclosure, duration = _enclosure(config, fields, audio, where, findings)
    chapters = _chapter_images(
        config, fields.get("chapters") or notes_chapters or (audio.chapters if audio else ()), where, findings
    )
    findings += check_chapters(chapters, duration, where)
    if enclosure is None or any(f.is_error for f in findings):  # no enclosure: the audio's error is reported
        raise EpisodeError(findings=findings)

    notes = source.notes or (tags.comment if tags and tags.comment else "")  # the comment tag as a fallback
    notes_html = "\n".join(p for p in (render_markdown(notes), footer_html) if p)
    image = fields.get("image")
    episode = Episode(
        source=source.path,
        slug=source.path.stem,
        guid=fields.get("guid") or str(uuid.uuid4()),
        guid_is_new="guid" not in fields,
        title=title,
        pub_date=pub_date,
        enclosure=enclosure,
        duration=duration,
        notes_html=notes_html,
        description_html=truncate_html(notes_html),
        number=fields.get("number") or (tags.track if tags else None),
        season=fields.get("season"),
        episode_type=fields.get("type", "full"),
        explicit=fields.get("explicit"),
        link=fields.get("link"),
        image_url=(image if is_url(image) else _local_url(config, image, f"{where}: image", findings))
        if image
        else None,
        chapters=tuple(chapters),
        chapters_url=config.url_for(f"chapters/{source.path.stem}.json") if chapters else None,
        people=fields.get("people", ()),
        keywords=fields.get("keywords", ()),
        transcripts=tuple(transcript(config, path) for path in transcripts),
        # not strict: when an alternate failed to probe, its error is already reported and the build stops
        alternates=tuple(
            _alternate(config, spec, info)
            for spec, info in zip(fields.get("alternates", ()), alternates)  # noqa: B905
        ),
        block=fields.get("block", False),
    )
    if any(f.is_error for f in findings):
        raise EpisodeError(findings=findings)
    return episode, findings


def _tag_date(tags, config: Config) -> datetime | None:
    """A tag date counts only when it names a whole day; a bare year is not a publication date."""
    if not tags or not tags.date or len(tags.date) < 10:
        return None
    try:
        return zoned(datetime.fromisoformat(tags.date), config.tz)
    except (ValueError, OverflowError):
        return None


def _enclosure(config: Config, fields: dict, audio: AudioInfo | None, where: str, findings: list[Finding]):
    value = fields.get("audio")
    if value is None or (audio is None and not is_url(value)):
        return None, 0.0
    if is_url(value):
        for name in ("length", "duration"):
            if name not in fields:
                findings.append(
                    error(
                        "episode/missing",
                        f"{where}: {name}",
                        "missing for audio given as a URL",
                        f"add {name}: … (or put the audio file in the show folder)",
                    )
                )
        suffix = path_suffix(split_url(value).path).lower()
        mime = MIME_TYPES.get(suffix)
        if mime is None:
            findings.append(
                error(
                    "episode/audio-type",
                    f"{where}: audio",
                    f"'{suffix}' is not a known audio type",
                    "use an .mp3, .m4a, .opus, .ogg or .flac URL",
                )
            )
        return Enclosure(url=value, size_bytes=fields.get("length", 0), mime_type=mime or ""), fields.get(
            "duration", 0.0
        )
    for name in ("length", "duration"):
        if name in fields:
            findings.append(
                error(
                    "episode/field",
                    f"{where}: {name}",
                    "is measured from the audio file",
                    f"remove {name}: from the front matter",
                )
            )
    return Enclosure(
        url=public_url(config, audio.path), size_bytes=audio.size_bytes, mime_type=audio.mime_type, path=audio.path
    ), audio.duration


def _local_url(config: Config, value: str, where: str, findings: list[Finding]) -> str | None:
    try:
        path = media_path(config, value, where)
    except EpisodeError as e:
        findings.extend(e.findings or [error("episode/path", where, str(e))])
        return None
    try:
        problem = None if path.is_file() else "not found"
    except OSError as e:  # a name too long for the file system, say
        problem = f"cannot be read: {e.strerror}"
    if problem:
        findings.append(
            error("episode/missing-file", where, f"'{value}' {problem}", "check the path, relative to the show folder")
        )
        return None
    return public_url(config, path)


def _chapter_images(config: Config, chapters, where: str, findings: list[Finding]) -> tuple[Chapter, ...]:
    """A chapter image in the show folder is published with the episode; the feed and JSON chapters get its URL."""
    return tuple(
        replace(c, image=_local_url(config, c.image, f"{where}: chapters[{i}] '{c.title}': image", findings))
        if c.image and not is_url(c.image)
        else c
        for i, c in enumerate(chapters, start=1)
    )


def _alternate(config: Config, spec: dict, info: AudioInfo) -> AlternateEnclosure:
    return AlternateEnclosure(
        url=public_url(config, info.path),
        size_bytes=info.size_bytes,
        mime_type=info.mime_type,
        bitrate=info.bitrate or None,
        height=info.height,
        title=spec.get("title"),
        default=spec.get("default", False),
        path=info.path,
    )


def check_chapters(chapters, duration: float, where: str) -> list[Finding]:
    found = []
    previous = None
    for i, chapter in enumerate(chapters, start=1):
        spot = f"{where}: chapters[{i}] '{chapter.title}'"
        if previous is not None and chapter.start == previous:
            found.append(
                error(
                    "chapters/duplicate",
                    spot,
                    f"starts at {chapter.start:g} s like the chapter before",
                    "give each chapter its own start",
                )
            )
        elif previous is not None and chapter.start < previous:
            found.append(
                error(
                    "chapters/order",
                    spot,
                    f"starts at {chapter.start:g} s, before the chapter before it",
                    "list chapters in time order",
                )
            )
        if duration and chapter.start >= duration:
            found.append(
                error(
                    "chapters/beyond-end",
                    spot,
                    f"starts at {chapter.start:g} s, after the audio ends ({duration:.0f} s)",
                    "fix the start time or the audio",
                )
            )
        previous = chapter.start
    return found


def check_episodes(refs) -> list[Finding]:
    """Cross-episode checks (unique GUIDs, enclosure URLs and numbers; dates): feedtool.check's item rules."""
    return ref_findings(refs)


def episode_order(refs) -> list:
    """Newest first; ties broken by number, then file name, so the order never depends on the file system."""
    return sorted(refs, key=lambda r: (r.timestamp, r.number or 0, os.path.basename(r.source)), reverse=True)


def build_show(
    config: Config, refs, episodes: tuple[Episode, ...] = (), episode_findings: list[Finding] | None = None
) -> tuple[Show, list[Finding]]:
    """The channel from the config, plus the cross-episode checks over every episode's ref (unless given)."""
    findings = check_episodes(refs) if episode_findings is None else list(episode_findings)
    show_config = config.show
    image_url = None
    if show_config.artwork:
        image_url = (
            show_config.artwork
            if is_url(show_config.artwork)
            else _local_url(config, show_config.artwork, f"{config.path}:show.artwork", findings)
        )
    feed_url = config.feed_url
    newest = max(refs, key=lambda r: r.timestamp, default=None)
    by_source = {str(e.source): e for e in episodes}
    show = Show(
        title=show_config.title,
        description=show_config.description,
        language=show_config.language,
        author=show_config.author,
        link=show_config.link or None,
        feed_url=feed_url,
        podcast_guid=show_config.guid or (podcast_guid(feed_url) if feed_url else None),
        image_url=image_url,
        owner_name=show_config.owner_name or None,
        owner_email=show_config.owner_email or None,
        categories=tuple(_category(c) for c in show_config.categories),
        explicit=show_config.explicit,
        show_type=show_config.type,
        copyright=show_config.copyright or None,
        locked=show_config.locked,
        funding=tuple(Funding(text=f.text, url=f.url or None) for f in show_config.funding),
        people=tuple(
            Person(name=p.name, role=p.role, group=p.group, href=p.href or None, img=p.img or None)
            for p in show_config.person
        ),
        license=show_config.license or None,
        license_url=show_config.license_url or None,
        medium=show_config.medium,
        complete=show_config.complete,
        block=show_config.block,
        new_feed_url=config.feed.new_feed_url or None,
        hubs=tuple(config.feed.hubs),
        last_build_date=datetime.fromisoformat(newest.pub_date) if newest else None,
        episodes=tuple(by_source[r.source] for r in episode_order(refs) if r.source in by_source) if episodes else (),
    )
    return show, findings


def _category(value: str) -> tuple[str, str | None]:
    main, _, sub = value.partition("/")
    return main.strip(), sub.strip() or None
