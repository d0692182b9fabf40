"""`feedtool new`: the next episode file, numbered, named and dated, with the front matter a producer fills in;
with --show, a new show's show.toml, every fact but the title left for the producer.

The clock is read here (the commands layer), never below: the date defaults to now in the show's time zone,
cut to the minute (never ahead of the moment, which would schedule the episode). The GUID is left to the first
build, which records it as for any new episode.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import tomlkit
from slugify import slugify

from feedtool.build.write import atomic_write
from feedtool.errors import ConfigError, EpisodeError, FeedtoolError, UsageError
from feedtool.facts import MIME_TYPES, NEW_EPISODE_NOTES
from feedtool.read.config import CONFIG_NAME, Config
from feedtool.read.episodes import NAME_PATTERN, XML_ILLEGAL, display_path, episode_paths, read_episode
from feedtool.timecode import in_zone

SLUG_LENGTH = 60  # characters; cut at a word boundary
NUMBER_WIDTH = 4  # digits in a new file name, unless the show's files use more


@dataclass(frozen=True)
class NewEpisode:
    path: Path  # the episode file written
    number: int
    date: datetime
    audio: Path | None = None  # where the audio now is, when given


@dataclass(frozen=True)
class _Existing:
    path: str
    number: int | None
    title: str | None


def new_episode(
    config: Config,
    title: str,
    *,
    audio: Path | None = None,
    move: bool = False,
    when: str | None = None,
    number: int | None = None,
    now: datetime | None = None,
) -> NewEpisode:
    """Write the next episode file into the show folder. Raises FeedtoolError naming the file in the way."""
    title = _clean_title(title)
    existing = _existing_episodes(config)
    number = _free_number(existing, number)
    slug = slugify(title, max_length=SLUG_LENGTH, word_boundary=True)
    if not slug:
        raise EpisodeError(f"'{title}': gives no file name (use a title with letters or digits)")
    same_title = next((e for e in existing if e.title and e.title.casefold() == title.casefold()), None)
    if same_title:
        raise EpisodeError(f"{same_title.path}: already has the title '{title}' (give the new episode its own title)")
    same_name = next((e for e in existing if _slug_of(e.path) == slug), None)
    if same_name:
        raise EpisodeError(
            f"{same_name.path}: already uses the name '{slug}' (give the new episode a title of its own)"
        )
    stem = f"{number:0{_number_width(existing)}d}-{slug}"
    path = config.root / f"{stem}.md"
    _refuse_existing(path)
    date = _date(when, config, now)
    media = _media_path(config, Path(audio), stem) if audio is not None else None
    text = front_matter(config, title, number, date, config.relative_path(media) if media else None, stem)
    if media is not None:
        _place_audio(Path(audio), media, move)
    try:
        atomic_write(path, [text.encode("utf-8")])
    except OSError as e:
        if media is not None and not move:
            media.unlink(missing_ok=True)
        raise FeedtoolError(f"{display_path(path)}: cannot write: {e.strerror} (check the show folder)") from e
    return NewEpisode(path=path, number=number, date=date, audio=media)


# The show's facts only the producer knows stay empty: build refuses to write a feed until the required ones are
# set, and `feedtool check` names every one still missing. Nothing is guessed: no URL, language, name or date.
SHOW_TEMPLATE = """\
# The show's settings (README.md, "show.toml", explains every key).
# An empty value is a fact only you know. `feedtool check` names each one still empty; build writes no feed
# until the required ones are set.

[show]
title = {title_toml}
description = ""          # required: what the show is about (Markdown)
author = ""               # required: who makes the show
language = ""             # required: its ISO 639 code, such as "en" or "uk"
categories = []           # required by Apple: from Apple's list, e.g. ["Technology"] or ["News/Politics"]
artwork = ""              # the cover in this folder: a square JPEG or PNG, 1400-3000 px, e.g. "cover.jpg"
owner_name = ""           # who Apple and the directories contact
owner_email = ""
copyright = ""            # e.g. "© 2026 Your Name"
link = ""                 # the show's own website, if it has one
timezone = "UTC"          # for dates written without an offset: an IANA name such as "Europe/Kyiv"
# explicit = true         # if the show contains explicit content (default: false)
# type = "serial"         # if episodes are meant to be heard in order (default: "episodic", newest first)

[feed]
base_url = ""             # the https URL this folder will be published at; every audio URL starts with it

[build]
out_dir = "../public"     # where build writes the feed and pages: public/ beside this folder, from any folder
"""


def new_show(folder: Path, title: str) -> Path:
    """Start a show: write folder/show.toml with the title and every other fact left for the producer."""
    title = _clean_title(title, "show")
    path = Path(folder) / CONFIG_NAME
    if path.exists() or path.is_symlink():
        raise ConfigError(
            f"{display_path(path)}: already exists (the show is started: "
            f'feedtool new {display_path(Path(folder))} "Episode title" starts an episode)'
        )
    text = SHOW_TEMPLATE.format(title_toml=tomlkit.string(title).as_string())  # quoted and escaped as TOML says
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, [text.encode("utf-8")])
    except OSError as e:
        raise FeedtoolError(f"{display_path(path)}: cannot write: {e.strerror} (check the folder)") from e
    return path


def front_matter(config: Config, title: str, number: int, date: datetime, audio: str | None, stem: str) -> str:
    """The new file: the fields a producer fills for most episodes, the optional ones commented out."""
    lines = [
        "---",
        f"title: {json.dumps(title, ensure_ascii=False)}",  # a JSON string is a YAML double-quoted scalar
        f"number: {number}",
        f"date: {date.isoformat()}",
        f"audio: {audio}" if audio else f"# audio: media/{stem}.mp3  (the recording, relative to the show folder)",
        *(() if audio else ["draft: true  # no audio yet: out of the feed until you name it above and remove this"]),
        "type: full  # or trailer, bonus (remove number: for the show's own; keep it for one of that episode)",
        f"explicit: {'true' if config.show.explicit else 'false'}",
        "# The GUID is written here by the first build; never change it afterwards.",
        "# Optional:",
        "# season: 1",
        "# image: media/cover-of-this-episode.jpg",
        "# link: https://…",
        "# keywords: [news, politics]",
        "# people:",
        "#   - name: Guest Name",
        "#     role: guest",
        "# chapters:",
        '#   - start: "00:00"',
        "#     title: Introduction",
        "# location: Kyiv, Ukraine",
        "# soundbites:",
        '#   - start: "01:30"',
        "#     duration: 45",
        "#     title: The best minute",
        "---",
        NEW_EPISODE_NOTES,  # build warns while the notes are still this
        "",
    ]
    return "\n".join(lines)


def _clean_title(title: str, what: str = "episode") -> str:
    title = " ".join(title.split())
    if not title:
        raise EpisodeError(f"the title is empty (give the {what} a title)")
    bad = XML_ILLEGAL.search(title)
    if bad:
        raise EpisodeError(f"the title contains the control character U+{ord(bad.group()):04X} (remove it)")
    return title


def _existing_episodes(config: Config) -> list[_Existing]:
    found = []
    for name in episode_paths(config.root):
        path = Path(name)
        match = NAME_PATTERN.match(path.stem)
        try:
            fields = read_episode(path, config).fields
        except FeedtoolError:  # a file build would refuse: its name still counts
            fields = {}
        number = fields.get("number") or (int(match["number"]) if match else None)
        found.append(_Existing(display_path(path), number, fields.get("title")))
    return found


def _free_number(existing: list[_Existing], number: int | None) -> int:
    if number is None:
        return max((e.number for e in existing if e.number), default=0) + 1
    if number < 1:
        raise EpisodeError(f"--number {number}: not a positive whole number (give e.g. 178)")
    taken = next((e for e in existing if e.number == number), None)
    if taken:
        raise EpisodeError(f"{taken.path}: already has number {number} (leave --number out for the next free one)")
    return number


def _number_width(existing: list[_Existing]) -> int:
    """Digits in the new file's number: NUMBER_WIDTH, or as many as the show's widest numbered name has."""
    numbered = [NAME_PATTERN.match(Path(e.path).stem) for e in existing]
    return max([NUMBER_WIDTH] + [len(m["number"]) for m in numbered if m])


def _media_path(config: Config, audio: Path, stem: str) -> Path:
    """Where the recording goes in the show folder: media/<stem><its suffix>; refused unless it is audio."""
    suffix = audio.suffix.lower()
    if suffix not in MIME_TYPES:
        raise EpisodeError(f"{audio}: '{suffix}' is not an audio type (give an .mp3, .m4a, .opus, .ogg or .flac)")
    if not audio.is_file():
        raise EpisodeError(f"{audio}: no such file (check the path)")
    media = config.root / "media" / f"{stem}{suffix}"
    _refuse_existing(media)
    return media


def _slug_of(path: str) -> str:
    match = NAME_PATTERN.match(Path(path).stem)
    return match["slug"] if match else Path(path).stem


def _refuse_existing(path: Path) -> None:
    if path.exists() or path.is_symlink():
        raise EpisodeError(f"{display_path(path)}: already exists (choose another title or number)")


def _date(when: str | None, config: Config, now: datetime | None) -> datetime:
    if when is None:
        # cut to the minute, never rounded up: a date even seconds ahead schedules the episode, and a build
        # straight after `new` would leave it out of the feed (in UTC: no DST to cross)
        moment = (now or datetime.now(UTC)).astimezone(UTC)
        return moment.replace(second=0, microsecond=0).astimezone(config.tz)
    text = when.strip()
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(
            f"--date {when}: not a date (use YYYY-MM-DD, YYYY-MM-DDTHH:MM or YYYY-MM-DDTHH:MM:SS+02:00)"
        ) from None
    try:
        return in_zone(parsed, config.tz)
    except OverflowError:  # the build would refuse the file: refuse the date now
        raise ConfigError(f"--date {when}: is outside the years 1 to 9999 in UTC (give the real date)") from None


def _place_audio(source: Path, target: Path, move: bool) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        if move:
            shutil.move(source, temp)
        else:
            shutil.copyfile(source, temp)
        os.replace(temp, target)
    except OSError as e:
        temp.unlink(missing_ok=True)
        raise FeedtoolError(f"{display_path(target)}: cannot put the audio there: {e.strerror}") from e
