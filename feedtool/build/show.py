"""EpisodeSource + AudioInfo -> Episode; all episodes -> Show. Precedence, URLs and the cross-episode checks."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from feedtool.build.tags import channel_tags, episode_tags
from feedtool.check.rules import ref_findings
from feedtool.errors import EpisodeError, Finding, error, warning
from feedtool.facts import (
    MIME_TYPES,
    NEW_EPISODE_NOTES,
    TRANSCRIPT_TYPES,
    chapters_file,
    is_url,
    podcast_guid,
    too_many_pixels,
)
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
from feedtool.read.config import SUBSCRIBE_LINKS, Config
from feedtool.read.episodes import EpisodeSource
from feedtool.read.paths import check_inside, show_file
from feedtool.read.transcript_text import transcript_text
from feedtool.render.notes import plain_text, render_markdown, truncate_html
from feedtool.render.pages import page_path, plain_summary
from feedtool.timecode import in_zone, whole_seconds
from feedtool.urls import path_suffix, split_url

EPISODE_GUID_NAMESPACE = uuid.UUID("0d3b2f4e-9a53-5b7c-8f0e-6c1f2a9d4e77")  # feedtool's own, for new_episode_guid
# the output folder's own names, beside the episode pages: the index pages, chapters, paged feed, artwork sizes
RESERVED_NAMES = ("page", "chapters", "archive", "images", "index.html", "style.css")


def media_path(config: Config, value: str, where: str) -> Path:
    """A file named in an episode file, relative to the show folder, which it may not leave (read.paths)."""
    return show_file(config.root, value, where)


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
    title, pub_date = _title_and_date(config, source, tags, findings)
    enclosure, duration = _enclosure(config, fields, audio, where, findings)
    chapters = _chapter_images(
        config, fields.get("chapters") or notes_chapters or (audio.chapters if audio else ()), where, findings
    )
    findings += check_chapters(chapters, duration, where)
    findings += check_alternate_lengths(fields.get("alternates", ()), alternates, duration, where)
    for path in transcripts:  # found beside the audio by listing its folder: a link there may lead anywhere
        try:
            check_inside(config.root, path, f"{where}: transcript")
        except EpisodeError as e:
            findings.extend(e.findings)
    if enclosure is None or any(f.is_error for f in findings):  # no enclosure: the audio's error is reported
        raise EpisodeError(findings=findings)

    own_html = _own_notes(source, tags, findings)
    notes_html = "\n".join(p for p in (own_html, footer_html) if p)
    image = fields.get("image")
    page = _page(config, source, findings)
    episode = Episode(
        source=source.path,
        slug=source.path.stem,
        guid=fields.get("guid") or new_episode_guid(config, source.path),  # the one place a GUID is decided
        guid_is_new="guid" not in fields,
        guid_permalink=fields.get("guid_permalink", False),
        title=title,
        pub_date=pub_date,
        enclosure=enclosure,
        duration=duration,
        notes_html=notes_html,
        description_html=truncate_html(notes_html),
        number=fields.get("number") or (tags.track if tags and fields.get("type", "full") == "full" else None),
        season=fields.get("season"),
        season_name=fields.get("season_name"),
        episode_display=fields.get("episode_display"),
        episode_type=fields.get("type", "full"),
        explicit=fields.get("explicit"),
        # the episode's page, unless set; url_for encodes the path (page is encoded already, for relative links)
        link=fields.get("link") or (config.url_for(source.path.stem + "/") if page else None),
        image_url=(image if is_url(image) else _local_url(config, image, f"{where}: image", findings))
        if image
        else None,
        chapters=tuple(chapters),
        chapters_url=config.url_for(chapters_file(source.path.stem)) if chapters else None,
        people=_item_people(config, fields.get("people", ())),
        keywords=fields.get("keywords", ()),
        transcripts=tuple(transcript(config, path) for path in transcripts)
        + tuple(
            Transcript(url=t["url"], mime_type=t["type"], language=t["language"] or config.show.language, rel=t["rel"])
            for t in fields.get("transcripts", ())
        ),
        # not strict: when an alternate failed to probe, its error is already reported and the build stops
        alternates=tuple(
            _alternate(config, spec, info)
            for spec, info in zip(fields.get("alternates", ()), alternates)  # noqa: B905
        ),
        block=fields.get("block", False),
        **episode_tags(fields),
        page_path=page,
        transcript_text=transcript_text(transcripts) if page and transcripts else None,
        summary=plain_summary(own_html) if page else "",
    )
    if any(f.is_error for f in findings):
        raise EpisodeError(findings=findings)
    return episode, findings


def _own_notes(source: EpisodeSource, tags, findings: list[Finding]) -> str:
    """The episode's own notes as sanitised HTML: the file's Markdown, else the audio's comment tag."""
    if source.notes and source.notes.strip() == NEW_EPISODE_NOTES:
        findings.append(
            warning(
                "episode/placeholder-notes",
                f"{source.where}: notes",
                "are still the placeholder feedtool new wrote",
                "write the episode's show notes below the front matter",
            )
        )
    return render_markdown(source.notes or (tags.comment if tags and tags.comment else ""))


def _page(config: Config, source: EpisodeSource, findings: list[Finding]) -> str | None:
    """The episode's web page's path ([site] enabled), from its file name, which must not be one of the output
    folder's own names."""
    if not config.site.enabled:
        return None
    if source.path.stem in (*RESERVED_NAMES, config.feed.file_name):
        findings.append(
            error(
                "episode/name",
                source.where,
                f"the file name '{source.path.stem}' is taken by the output folder's own files",
                "rename the episode file (its page's address comes from its name)",
            )
        )
        raise EpisodeError(findings=findings)
    return page_path(source.path.stem)


def _title_and_date(config: Config, source: EpisodeSource, tags, findings: list[Finding]):
    """The title and date (the front matter's, else the audio's tags), warning where the two disagree; the
    three fields an episode cannot do without reported when missing."""
    fields, where = source.fields, source.where
    for name, theirs in (("title", tags.title if tags else None), ("number", tags.track if tags else None)):
        ours = fields.get(name)
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
    pub_date = fields.get("date") or _tag_date(tags, config)
    for name, present, hint in (
        ("title", title, "add title: … to the front matter"),
        ("date", pub_date, "add date: YYYY-MM-DDTHH:MM:SS+02:00 to the front matter"),
        ("audio", "audio" in fields, "add audio: media/<file>.mp3, the path relative to the show folder"),
    ):
        if not present and name not in source.invalid:
            findings.append(error("episode/missing", f"{where}: {name}", "missing", hint))
    return title, pub_date


def new_episode_guid(config: Config, path: Path) -> str:
    """The GUID of an episode whose file has none yet: derived from the show (its podcast:guid, else its title)
    and the file's name, so every build gives the same one until a writing build records it in the file (even
    a build that cannot write there: a read-only checkout, a CI cache). Recorded, it never changes again."""
    feed_url = config.feed_url
    show = config.show.guid or (podcast_guid(feed_url) if feed_url else config.show.title)
    return str(uuid.uuid5(EPISODE_GUID_NAMESPACE, f"{show}/{path.name}"))


def _tag_date(tags, config: Config) -> datetime | None:
    """A tag date counts only when it names a whole day; a bare year is not a publication date."""
    if not tags or not tags.date or len(tags.date) < 10:
        return None
    try:
        return in_zone(datetime.fromisoformat(tags.date), config.tz)
    except (ValueError, OverflowError):
        return None


def _enclosure(config: Config, fields: dict, audio: AudioInfo | None, where: str, findings: list[Finding]):
    value = fields.get("audio")
    if value is None or (audio is None and not is_url(value)):
        return None, 0.0
    if is_url(value):
        return _remote_enclosure(value, fields, audio, where, findings)
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
    url = fields.get("enclosure_url") or public_url(config, audio.path)
    return Enclosure(url=url, size_bytes=audio.size_bytes, mime_type=audio.mime_type, path=audio.path), audio.duration


def _remote_enclosure(url: str, fields: dict, audio: AudioInfo | None, where: str, findings: list[Finding]):
    """Audio given as a URL: measured over HTTP (audio), unless that failed and the front matter gives both
    length and duration. Typed values win; one that differs from the measurement is a warning naming both."""
    length, duration = fields.get("length"), fields.get("duration")
    if audio is not None:
        if length is not None and length != audio.size_bytes:
            findings.append(_measured_mismatch(where, "length", f"{length} bytes", f"{audio.size_bytes} bytes"))
        if duration is not None and whole_seconds(duration) != whole_seconds(audio.duration):  # as the feed says it
            findings.append(
                _measured_mismatch(where, "duration", f"{duration:g} s", f"{audio.duration:g} s")
            )
        mime = audio.mime_type
        length, duration = length or audio.size_bytes, duration or audio.duration
    else:
        if length is None or duration is None:  # the measurement's error says why; nothing to build from
            return None, 0.0
        suffix = path_suffix(split_url(url).path).lower()
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
    return Enclosure(url=fields.get("enclosure_url") or url, size_bytes=length, mime_type=mime or ""), duration


def _measured_mismatch(where: str, name: str, typed: str, measured: str) -> Finding:
    return warning(
        "episode/measured-mismatch",
        f"{where}: {name}",
        f"the front matter says {typed}, the file on the server measures {measured}",
        f"the front matter wins; correct {name}: or remove it to use the measurement",
    )


def _item_people(config: Config, own: tuple[Person, ...]) -> tuple[Person, ...]:
    """The episode's podcast:person list. Item people wholly replace the channel's (podcast-namespace
    docs/tags/person.md), so an episode naming its guest restates the show's people (show.person) of every role
    it leaves unnamed, as the spec's Big Daddy example does; naming a host replaces the show's host. Roles are
    compared without case, as the spec says. No people of its own: nothing, and the channel's apply."""
    if not own:
        return ()
    named = {person.role.lower() for person in own}
    return tuple(_person(p) for p in config.show.person if p.role.lower() not in named) + own


def _person(p) -> Person:
    return Person(name=p.name, role=p.role, group=p.group, href=p.href or None, img=p.img or None)


def _local_url(
    config: Config, value: str, where: str, findings: list[Finding], *, image: bool = False, missing: str = ""
) -> str | None:
    """The public URL of a file in the show folder; with image, the file must be one Pillow can read."""
    try:
        path = media_path(config, value, where)
        found = path.is_file()
    except EpisodeError as e:
        findings.extend(e.findings or [error("episode/path", where, str(e))])
        return None
    except OSError as e:
        findings.append(error("episode/path", where, f"'{value}' cannot be read: {e.strerror}", "check the path"))
        return None
    if not found:
        hint = missing or "check the path, relative to the show folder"
        findings.append(error("episode/missing-file", where, f"'{value}' not found", hint))
        return None
    if image:
        problem = image_problem(path)
        if problem:
            findings.append(error("episode/image", where, f"'{value}' {problem}", "export it again as JPEG or PNG"))
            return None
    return public_url(config, path)


def image_problem(path: Path) -> str | None:
    """Why the file is not an image, or None: Pillow reads its header (never the pixels)."""
    from PIL import Image, UnidentifiedImageError  # only shows with local chapter images pay for the import

    try:
        with Image.open(path):
            return None
    except Image.DecompressionBombError as e:
        return too_many_pixels(e)
    except (UnidentifiedImageError, ValueError):
        return "is not an image"
    except OSError as e:
        return f"cannot be read: {e.strerror or e}"


def _chapter_images(config: Config, chapters, where: str, findings: list[Finding]) -> tuple[Chapter, ...]:
    """A chapter image in the show folder is published with the episode; the feed and JSON chapters get its URL."""
    return tuple(
        replace(
            c, image=_local_url(config, c.image, f"{where}: chapters[{i}] '{c.title}': image", findings, image=True)
        )
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


# Encoders pad or trim a few hundred milliseconds, and a video may hold a title card: only a larger gap is said.
ALTERNATE_LENGTH_SLACK = 5.0  # seconds, or 2 % of the episode when that is more


def check_alternate_lengths(specs, alternates: tuple[AudioInfo, ...], duration: float, where: str) -> list[Finding]:
    """An alternate rendition is the same programme: one of another length is most likely another episode's
    file, and the chapters and the notes' timecodes would point at the wrong moments in it."""
    found = []
    for spec, info in zip(specs, alternates):  # noqa: B905 (a rendition that failed to probe is reported already)
        if duration and info.duration and abs(info.duration - duration) > max(ALTERNATE_LENGTH_SLACK, duration / 50):
            found.append(
                warning(
                    "alternates/length",
                    f"{where}: alternates '{spec['file']}'",
                    f"lasts {info.duration:.0f} s, the episode's audio {duration:.0f} s",
                    "check that it is this episode's rendition; chapters and timecodes apply to every rendition",
                )
            )
    return found


def check_episodes(refs) -> list[Finding]:
    """Cross-episode checks (unique GUIDs, enclosure URLs and numbers; dates): feedtool.check's item rules."""
    return ref_findings(refs)


def episode_order(refs) -> list:
    """Newest first; ties broken by number, then file name, so the order never depends on the file system.
    (Every source is a file of the one show folder, so its path sorts as its name does.)"""
    return sorted(refs, key=lambda r: (r.timestamp, r.number or 0, r.source), reverse=True)


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
            else _local_url(
                config,
                show_config.artwork,
                f"{config.path}:show.artwork",
                findings,
                missing="put the show's cover there, a square JPEG or PNG of 1400 to 3000 px, or fix the path",
            )
        )
    feed_url = config.feed_url
    # where the show folder is published, and the home page build writes there ([site]); known with base_url
    home_url = config.url_for("") or None
    newest = max(refs, key=lambda r: r.timestamp, default=None)
    # Apps render the channel description (and the appeal lines) as HTML: sanitised as the notes are.
    description = render_markdown(show_config.description)
    if not description and show_config.description:
        findings.append(
            error(
                "config/value",
                f"{config.path}:show.description",
                "has no text once the markup apps do not render is removed",
                "describe the show in words (Markdown or p, a, ul, ol, li, strong, em)",
            )
        )
    by_source = {str(e.source): e for e in episodes}
    show = Show(
        title=show_config.title,
        description=description,
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
        funding=tuple(Funding(text=plain_text(f.text), url=f.url or None) for f in show_config.funding),
        people=tuple(_person(p) for p in show_config.person),
        license=show_config.license or None,
        license_url=show_config.license_url or None,
        medium=show_config.medium,
        complete=show_config.complete,
        block=show_config.block,
        new_feed_url=config.feed.new_feed_url or None,
        hubs=tuple(config.feed.hubs),
        **channel_tags(config, refs, findings),
        home_url=home_url,
        subscribe=tuple(
            (name, getattr(config.site, key)) for key, name in SUBSCRIBE_LINKS.items() if getattr(config.site, key)
        ),
        last_build_date=datetime.fromisoformat(newest.pub_date) if newest else None,
        episodes=tuple(by_source[r.source] for r in episode_order(refs) if r.source in by_source) if episodes else (),
    )
    if config.feed.staging:  # a rehearsal: no directory may list it, whatever the show's own blocks say
        show = replace(show, block=True, platform_blocks=((None, True),))
    return show, findings


def _category(value: str) -> tuple[str, str | None]:
    main, _, sub = value.partition("/")
    return main.strip(), sub.strip() or None
