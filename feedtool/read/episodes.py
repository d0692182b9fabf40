"""Episode files: YAML front matter + Markdown notes -> EpisodeSource. No audio, no XML here."""

from __future__ import annotations

import difflib
import functools
import os
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

from feedtool.errors import EpisodeError, Finding, error, warning
from feedtool.facts import XML_ILLEGAL
from feedtool.model import Chapter, Person
from feedtool.read import tag_values
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
    try:
        with open(path, "rb", buffering=0) as f:  # unbuffered: three system calls fewer than read_bytes()
            raw = f.read()
    except OSError as e:
        raise EpisodeError(f"{where}: cannot read: {e.strerror}") from e
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise EpisodeError(f"{where}:{line}: not UTF-8 text (save the file as UTF-8)") from e
    front, body, body_line = split_front_matter(text, where)
    import yaml  # here, not at the top: a warm rebuild that reads no episode file skips its import

    try:
        data = _flat_front_matter(front)
        if data is None:
            data = yaml.load(front, Loader=_front_matter_loader()) if front.strip() else {}
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = f":{mark.line + 2}" if mark else ""
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise EpisodeError(
            f"{where}{line}: front matter is not valid YAML: {problem} "
            "(check the indentation and quote values that contain ': ')"
        ) from e
    if not isinstance(data, dict):
        raise EpisodeError(f"{where}:2: front matter must be 'key: value' lines (see README, Episode files)")

    findings: list[Finding] = []
    invalid: set[str] = set()
    locate = _line_finder(front)

    def spot(key) -> str:  # the line is looked for only when there is something to report
        return f"{where}:{locate(key)}: {key}"

    fields: dict[str, Any] = {}
    name = NAME_PATTERN.match(path.stem)
    slug = name["slug"] if name else path.stem
    if name:
        fields["number"] = int(name["number"])
    # Characters XML cannot carry: looked for value by value (and line by line in the notes) only when the file
    # has any, or has backslashes, with which YAML's double-quoted escapes (\x07, \u0000) write them.
    clean = not XML_ILLEGAL.search(text)
    values_clean = clean and "\\" not in front
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
        convert = FIELDS[key]
        try:
            fields[key] = convert(value, config)
        except ValueError as e:
            findings.append(error("episode/field", spot(key), *_split_hint(str(e))))
            invalid.add(key)
    if name and "number" in data and "number" in fields and fields["number"] != int(name["number"]):
        findings.append(
            warning(
                "episode/number-mismatch",
                f"{where}:{locate('number')}: number",
                f"front matter says {fields['number']}, file name says {int(name['number'])}",
                "rename the file or fix the number",
            )
        )
    if not clean and XML_ILLEGAL.search(body):  # rare: only then find the lines
        for i, line in enumerate(body.split("\n")):  # not splitlines(): it also splits at \x0b
            bad = XML_ILLEGAL.search(line)
            if bad:
                findings.append(
                    error(
                        "episode/xml-character",
                        f"{where}:{body_line + i}: notes",
                        f"contains {_char_name(bad.group())}, which XML cannot carry",
                        "delete that invisible character",
                    )
                )
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
        slug=slug,
        fields=fields,
        notes=body.strip(),
        findings=tuple(findings),
        invalid=frozenset(invalid),
        where=where,
    )


@functools.cache
def _front_matter_loader():
    """PyYAML's C loader (~7x faster) with BaseLoader's meaning: every scalar a string, which keeps YAML 1.1
    surprises out (`number: 0177` stays 177 rather than octal 127, `title: No` stays the text "No").

    BaseResolver has no implicit or path resolvers, so every node gets its kind's default tag; BaseConstructor
    has no constructors, so a scalar is its text. Both said here directly, instead of by five Python calls
    per node: 113 -> 68 µs for a benchmark episode's front matter."""
    import yaml
    from yaml.nodes import MappingNode, ScalarNode, SequenceNode
    from yaml.resolver import BaseResolver

    if not hasattr(yaml, "CBaseLoader"):
        return yaml.BaseLoader
    plain = yaml.CBaseLoader
    added = BaseResolver.yaml_implicit_resolvers, BaseResolver.yaml_path_resolvers, plain.yaml_constructors
    if any(added) or plain.yaml_multi_constructors:  # someone registered some: PyYAML's own way, then
        return plain
    tags = {
        ScalarNode: BaseResolver.DEFAULT_SCALAR_TAG,
        SequenceNode: BaseResolver.DEFAULT_SEQUENCE_TAG,
        MappingNode: BaseResolver.DEFAULT_MAPPING_TAG,
    }

    class FrontMatterLoader(plain):
        def resolve(self, kind, value, implicit):
            return tags[kind]

        def descend_resolver(self, current_node, current_index):
            pass

        def ascend_resolver(self):
            pass

        def construct_object(self, node, deep=False):
            return node.value if node.__class__ is ScalarNode else super().construct_object(node, deep)

        # BaseConstructor's loops, with a scalar's text taken directly (and a string key known to be hashable)
        def construct_mapping(self, node, deep=False):
            if node.__class__ is not MappingNode or any(key.__class__ is not ScalarNode for key, _ in node.value):
                return super().construct_mapping(node, deep)
            return {
                key.value: value.value if value.__class__ is ScalarNode else self.construct_object(value, deep)
                for key, value in node.value
            }

        def construct_sequence(self, node, deep=False):
            if node.__class__ is not SequenceNode:
                return super().construct_sequence(node, deep)
            return [i.value if i.__class__ is ScalarNode else self.construct_object(i, deep) for i in node.value]

    return FrontMatterLoader


_CLOSING_LINE = re.compile(r"^(?:---|\.\.\.)[^\S\n]*$", re.MULTILINE)  # `line.rstrip() in ("---", "...")`


# Flat front matter, as most episode files have it: `key: value` lines whose values are plain words (letters,
# digits and . _ / + - and inner single spaces; a colon only before another such character, as in a time),
# double-quoted text without a backslash, or a flow list of plain words. _flat_front_matter reads exactly
# these and leaves every other file to PyYAML; tests/test_build.py holds it to PyYAML's BaseLoader.
_WORD = r"[A-Za-z0-9][A-Za-z0-9._/+-]*(?::[A-Za-z0-9._/+-]+)*"
_ITEM = r"[A-Za-z0-9][A-Za-z0-9._/+-]*(?: [A-Za-z0-9._/+-]+)*"  # in a flow list: no colon
_FLAT_LINE = re.compile(
    rf'(?P<key>[A-Za-z_][A-Za-z0-9_]*):(?: (?:(?P<plain>{_WORD}(?: {_WORD})*)|"(?P<quoted>[^"\\]*)"'
    rf"|\[(?P<list>{_ITEM}(?:, {_ITEM})*)?\]))?"
)


def _flat_front_matter(front: str) -> dict | None:
    """The front matter as PyYAML's BaseLoader reads it, for flat front matter (above); None for any other
    (PyYAML reads that). 15 µs instead of PyYAML's 62 µs: a 10,000-episode build reads 10,000 of them."""
    lines = front.split("\n")
    if not all(map(str.isprintable, lines)):
        return None  # control characters (YAML refuses them), a byte-order mark, odd spaces: PyYAML's to judge
    data = {}
    for line in lines:
        if not line:
            continue
        match = _FLAT_LINE.fullmatch(line)
        if match is None:
            return None
        plain, quoted, items = match.group("plain", "quoted", "list")
        if plain is not None:
            data[match["key"]] = plain
        elif quoted is not None:
            data[match["key"]] = quoted
        elif items is not None:
            data[match["key"]] = items.split(", ")
        elif line.endswith("]"):  # `key: []`
            data[match["key"]] = []
        else:  # `key:`
            data[match["key"]] = ""
    return data


def split_front_matter(text: str, where: str) -> tuple[str, str, int]:
    """Return (front matter, body, line number where the body starts)."""
    if not text.startswith("---"):
        raise EpisodeError(f"{where}:1: no front matter (start the file with a '---' line, then title:, date:, audio:)")
    first = text.find("\n") + 1 or len(text)  # the line after the opening one
    end = _CLOSING_LINE.search(text, first)
    if end:
        return text[first : max(first, end.start() - 1)], text[end.end() + 1 :], text.count("\n", 0, end.start()) + 2
    raise EpisodeError(f"{where}: front matter is not closed (add a '---' line after the last field)")


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
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"'{text}' is not a positive whole number (write e.g. 177)")
    return int(text)


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
