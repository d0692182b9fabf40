"""Episode files: YAML front matter + Markdown notes -> EpisodeSource. No audio, no XML here."""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

from feedtool.errors import EpisodeError, Finding, error, shorten, warning
from feedtool.facts import MAX_NUMBER, XML_ILLEGAL, is_digits, positive_number
from feedtool.model import Chapter, Person
from feedtool.read import tag_values
from feedtool.read.frontmatter import load_front_matter, split_front_matter
from feedtool.timecode import parse_moment, parse_timecode

NAME_PATTERN = re.compile(r"^(?P<number>\d+)-(?P<slug>.+)$")
EPISODE_TYPES = ("full", "trailer", "bonus")


@dataclass(frozen=True)
class EpisodeSource:
    path: Path
    where: str  # the file as findings name it (display_path), worked out once per episode
    slug: str
    fields: dict[str, Any]  # front matter, typed; precedence over filename already applied
    notes: str  # Markdown
    findings: tuple[Finding, ...] = field(default=())  # errors too: the build goes on to find the file's other problems
    invalid: frozenset[str] = frozenset()  # fields given but unusable (already reported)


def episode_paths(root: Path) -> list[str]:
    """The show folder's episode files, in name order (README.md and _drafts are not episodes).

    Plain strings, spelled as str(Path(...)) spells them (`0001-a.md`, not `./0001-a.md`, for the show folder
    `.`): the cache and the build key episodes by them. Strings: a warm rebuild looks at each only to stat it.
    """
    folder = str(root)
    prefix = "" if folder == "." else os.path.join(folder, "")
    return sorted(
        prefix + entry.name
        for entry in os.scandir(root)
        if entry.name.endswith((".md", ".markdown"))
        and entry.name.lower() not in ("readme.md", "readme.markdown")
        and not entry.name.startswith(("_", "."))
        and entry.is_file()
    )


def read_episode(path: Path, config) -> EpisodeSource:
    """Parse one episode file. Raises EpisodeError when it cannot be read at all; problems with single fields
    are returned in `findings`, so the caller can look for the file's other problems too."""
    where = display_path(path)
    text = _read_text(path, where)
    front, body, body_line = split_front_matter(text, where)
    data = load_front_matter(front, where)
    locate = _line_finder(front)

    def spot(key) -> str:  # the line is looked for only when there is something to report
        return f"{where}:{locate(key)}: {key}"

    name = NAME_PATTERN.match(path.stem)
    # Characters XML cannot carry: looked for value by value (and line by line in the notes) only when the file
    # has any, or has backslashes, with which YAML's double-quoted escapes (\x07, \u0000) write them.
    clean = not XML_ILLEGAL.search(text)
    fields, findings, invalid = _convert_fields(data, config, spot, values_clean=clean and "\\" not in front)
    if name:
        findings += _numbering(fields, data, int(name["number"]), where, locate)
    for key, needs in (("season_name", "season"), ("episode_display", "number")):
        if key in fields and needs not in fields:  # the name or display of a number the episode does not have
            findings.append(error("episode/field", spot(key), f"names a {needs} the episode does not have",
                                  f"add {needs}: too, or remove {key}:"))
    if not clean:
        findings += _illegal_in_notes(body, body_line, where)
    if fields.get("date_approximate"):
        findings.append(
            warning(
                "episode/date-approximate",
                f"{where}:{locate('date')}: date",
                "is marked approximate",
                "confirm the publication date, then remove date_approximate",
            )
        )
    return EpisodeSource(
        path=path,
        slug=name["slug"] if name else path.stem,
        fields=fields,
        notes=body.strip(),
        findings=tuple(findings),
        invalid=frozenset(invalid),
        where=where,
    )


def _read_text(path: Path, where: str) -> str:
    try:
        with open(path, "rb", buffering=0) as f:  # unbuffered: three system calls fewer than read_bytes()
            raw = f.read()
    except OSError as e:
        raise EpisodeError(f"{where}: cannot read: {e.strerror}") from e
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise EpisodeError(f"{where}:{line}: not UTF-8 text (save the file as UTF-8)") from e


def _convert_fields(data: dict, config, spot, values_clean: bool) -> tuple[dict[str, Any], list[Finding], set[str]]:
    """The front matter's values as typed fields, the findings about them, and the keys whose values failed."""
    fields: dict[str, Any] = {}
    findings: list[Finding] = []
    invalid: set[str] = set()
    for key, value in data.items():
        if key not in FIELDS:
            close = difflib.get_close_matches(str(key), list(FIELDS), n=1)
            hint = f"did you mean '{close[0]}'?" if close else "see README for the episode fields"
            findings.append(error("episode/unknown-field", spot(key), f"unknown field '{key}'", hint))
            continue
        bad = None if values_clean else _xml_illegal(value)
        if bad:
            findings.append(
                error(
                    "episode/xml-character",
                    spot(key),
                    f"contains {bad}, which XML cannot carry",
                    "delete that invisible character",
                )
            )
            invalid.add(key)
            continue
        try:
            fields[key] = FIELDS[key](value, config)
        except ValueError as e:
            findings.append(error("episode/field", spot(key), *_split_hint(str(e))))
            invalid.add(key)
    return fields, findings, invalid


def _numbering(fields: dict[str, Any], data: dict, file_number: int, where: str, locate) -> list[Finding]:
    """The number in the file name (NNNN-slug.md): the episode's unless the front matter says otherwise, or the
    episode is a trailer or bonus. Sets fields["number"]; returns what is wrong with it."""
    if "number" in data:  # the front matter's own number (checked by its field) wins; say if the two differ
        if "number" not in fields:  # it is not a number, which its finding says: the file name's stands in
            fields["number"] = file_number
        elif fields["number"] != file_number:
            return [
                warning(
                    "episode/number-mismatch",
                    f"{where}:{locate('number')}: number",
                    f"front matter says {fields['number']}, file name says {file_number}",
                    "rename the file or fix the number",
                )
            ]
        return []
    if fields.get("type") in ("trailer", "bonus"):
        # Apple reads a numbered trailer or bonus as one for that episode: the show's own takes no number from its
        # file name (Apple's podcaster's guide, itunes:episodeType); `number:` in the front matter still gives one
        return []
    fields["number"] = file_number
    if file_number > MAX_NUMBER:
        return [error("episode/field", f"{where}: file name", f"its number is larger than {MAX_NUMBER}, the largest "
                      "number apps store", "rename the file with a smaller number")]
    return []


def _illegal_in_notes(body: str, body_line: int, where: str) -> list[Finding]:
    """Each line of the notes with a character XML cannot carry (rare: looked for only when the file has one)."""
    found = []
    for i, line in enumerate(body.split("\n")):  # not splitlines(): it also splits at \x0b
        bad = XML_ILLEGAL.search(line)
        if bad:
            found.append(
                error(
                    "episode/xml-character",
                    f"{where}:{body_line + i}: notes",
                    f"contains {_char_name(bad.group())}, which XML cannot carry",
                    "delete that invisible character",
                )
            )
    return found


def display_path(path: Path, cwd: str | None = None) -> str:
    """The path as the producer knows it: relative to the current folder (os.getcwd() unless given) when it
    is below it."""
    text, cwd = str(path), os.path.join(cwd or os.getcwd(), "")
    return text[len(cwd) :] if text.startswith(cwd) else text


def _line_finder(front: str) -> Callable[[str], int]:
    def locate(key) -> int:
        match = re.search(rf"^{re.escape(str(key))}\s*:", front, re.MULTILINE)
        return front.count("\n", 0, match.start()) + 2 if match else 1

    return locate


def _split_hint(message: str) -> tuple[str, str]:
    text, sep, hint = message.partition(" (")
    return (text, hint[:-1]) if sep and hint.endswith(")") else (message, "")


def _char_name(ch: str) -> str:
    return f"the control character U+{ord(ch):04X}"


def _xml_illegal(value) -> str | None:
    if isinstance(value, str):
        bad = XML_ILLEGAL.search(value)
        return _char_name(bad.group()) if bad else None
    if isinstance(value, list):
        return next((b for b in map(_xml_illegal, value) if b), None)
    if isinstance(value, dict):
        return next((b for b in map(_xml_illegal, value.values()) if b), None)
    return None


# --- typed conversion of raw front matter strings (pelican METADATA_PROCESSORS) ---


def _text(value, config=None) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected text, got a {_kind(value)} (write it on one line: key: value)")
    value = value.strip()
    if not value:
        raise ValueError("is empty (give it a value or remove the line)")
    return value


def _kind(value) -> str:
    return {list: "list", dict: "table"}.get(type(value), type(value).__name__)


def _positive_int(value, config=None) -> int:
    text = _text(value)
    number = positive_number(text)
    if number is None and is_digits(text) and text.strip("0"):
        raise ValueError(f"'{shorten(text, 21)}' is larger than {MAX_NUMBER}, the largest number apps store "
                         "(write the real one)")
    if number is None:
        raise ValueError(f"'{text}' is not a positive whole number (write it with the digits 0-9, e.g. 177)")
    return number


def _bool(value, config=None) -> bool:
    text = _text(value).lower()
    if text in ("true", "yes"):
        return True
    if text in ("false", "no"):
        return False
    raise ValueError(f"'{text}' is not true or false (write true or false)")


def _date(value, config) -> datetime:
    return parse_moment(_text(value), config.tz)


def _episode_type(value, config=None) -> str:
    text = _text(value).lower()
    if text not in EPISODE_TYPES:
        raise ValueError(f"'{text}' is not an episode type (use full, trailer or bonus)")
    return text


def _guid(value, config=None) -> str:
    text = _text(value)
    if len(text) > 255:
        raise ValueError("is longer than 255 characters (keep the GUID short)")
    return text


def _url_or_path(value, config=None) -> str:
    return _text(value)


def _url(value, config=None) -> str:
    text = _text(value)
    if not text.startswith(("https://", "http://")):
        raise ValueError(f"'{text}' is not an http(s) URL (write the full URL)")
    return text


def _keywords(value, config=None) -> tuple[str, ...]:
    items = value if isinstance(value, list) else _text(value).split(",")
    return tuple(k for k in (_text(i).strip() for i in items) if k)


def _table_list(value, name: str) -> list[dict]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ValueError(f"expected a list of {name} (each item starts with '- ' and has key: value lines)")
    return value


def _chapters(value, config=None) -> tuple[Chapter, ...]:
    chapters = []
    for i, item in enumerate(_table_list(value, "chapters"), start=1):
        unknown = set(item) - {"start", "title", "url", "image", "hidden"}
        if unknown:
            raise ValueError(f"chapter {i}: unknown key '{sorted(unknown)[0]}' (use start, title, url, image, hidden)")
        if "start" not in item or "title" not in item:
            raise ValueError(f'chapter {i}: needs start and title (e.g. - start: "00:00" / title: Intro)')
        try:
            start = parse_timecode(_text(item["start"]))
        except ValueError as e:
            raise ValueError(f"chapter {i}: start: {e}") from e
        chapters.append(
            Chapter(
                start=start,
                title=_text(item["title"]),
                url=_url(item["url"]) if item.get("url") else None,
                image=_url_or_path(item["image"]) if item.get("image") else None,
                hidden=_bool(item["hidden"]) if "hidden" in item else False,
            )
        )
    return tuple(chapters)


def _people(value, config=None) -> tuple[Person, ...]:
    people = []
    for i, item in enumerate(_table_list(value, "people"), start=1):
        unknown = set(item) - {"name", "role", "group", "href", "img"}
        if unknown:
            raise ValueError(f"person {i}: unknown key '{sorted(unknown)[0]}' (use name, role, group, href, img)")
        if "name" not in item:
            raise ValueError(f"person {i}: needs a name")
        people.append(
            Person(
                name=_text(item["name"]),
                role=_text(item.get("role", "host")).lower(),
                group=_text(item.get("group", "cast")).lower(),
                href=_url(item["href"]) if item.get("href") else None,
                img=_url(item["img"]) if item.get("img") else None,
            )
        )
    return tuple(people)


def _alternates(value, config=None) -> tuple[dict, ...]:
    items = []
    for i, item in enumerate(_table_list(value, "alternates"), start=1):
        unknown = set(item) - {"file", "title", "default"}
        if unknown:
            raise ValueError(f"alternate {i}: unknown key '{sorted(unknown)[0]}' (use file, title, default)")
        if "file" not in item:
            raise ValueError(f"alternate {i}: needs file (the path of the other rendition)")
        items.append(
            {
                "file": _text(item["file"]),
                "title": _text(item["title"]) if item.get("title") else None,
                "default": _bool(item["default"]) if "default" in item else False,
            }
        )
    return tuple(items)


def _transcripts(value, config=None) -> tuple[dict, ...]:
    items = []
    for i, item in enumerate(_table_list(value, "transcripts"), start=1):
        unknown = set(item) - {"url", "type", "language", "rel"}
        if unknown:
            raise ValueError(f"transcript {i}: unknown key '{sorted(unknown)[0]}' (use url, type, language, rel)")
        if "url" not in item or "type" not in item:
            raise ValueError(f"transcript {i}: needs url and type (e.g. type: text/vtt)")
        items.append(
            {
                "url": _url(item["url"]),
                "type": _text(item["type"]),
                "language": _text(item["language"]) if item.get("language") else None,
                "rel": _text(item["rel"]) if item.get("rel") else None,
            }
        )
    return tuple(items)


def _length(value, config=None) -> int:
    return _positive_int(value)


def _duration(value, config=None) -> float:
    return parse_timecode(_text(value))


FIELDS: dict[str, Callable[[Any, Any], Any]] = {
    "title": _text,
    "number": _positive_int,
    "season": _positive_int,
    "season_name": _text,  # podcast:season's name: "Race for the Whitehouse 2020"
    "episode_display": _text,  # podcast:episode's display, what apps show instead of the number: "Ch.3"
    "date": _date,
    "date_approximate": _bool,
    "audio": _url_or_path,
    "length": _length,  # only for audio given as a URL
    "duration": _duration,  # only for audio given as a URL
    "guid": _guid,
    "guid_permalink": _bool,  # the GUID is a web address (isPermaLink="true"); kept from an imported feed
    "enclosure_url": _url,  # the audio's public URL when it is not the show's own (kept from an imported feed)
    "type": _episode_type,
    "explicit": _bool,
    "image": _url_or_path,
    "link": _url,
    "chapters": _chapters,
    "people": _people,
    "keywords": _keywords,
    "alternates": _alternates,
    "transcripts": _transcripts,  # transcripts published elsewhere, by URL
    "block": _bool,
    "draft": _bool,
    # Podcasting 2.0 (read/tag_values.py converts them, for show.toml too)
    "soundbites": lambda v, c=None: tuple(map(tag_values.soundbite, _table_list(v, "soundbites"))),
    "location": lambda v, c=None: tuple(map(tag_values.location, tag_values.as_list(v, "location"))),
    "txt": lambda v, c=None: tuple(map(tag_values.txt, tag_values.as_list(v, "txt"))),
    "value": lambda v, c=None: tag_values.value_block(v),
    "social_interact": lambda v, c=None: tuple(map(tag_values.social_interact, _table_list(v, "social_interact"))),
    "license": _text,
    "license_url": _url,
}
