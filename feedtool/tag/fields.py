"""The format-independent tag values that `feedtool tag` writes, and how to show them to a person.

A tag set is a dict {field: value}; FIELDS fixes the names and their order. A value of None means "not
managed": the writer leaves whatever the file has. Each container module (id3, mp4, vorbis) maps these
fields to its own frames, atoms or comments.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from feedtool.facts import is_digits
from feedtool.timecode import format_npt

FIELDS = (
    "title",
    "artist",
    "album",
    "track",
    "date",
    "genre",
    "description",
    "comment",
    "podcast",
    "feed_url",
    "guid",
    "cover",
    "chapters",
)


@dataclass(frozen=True)
class Picture:
    mime: str  # image/jpeg or image/png
    data: bytes

    def __repr__(self) -> str:
        return f"Picture({self.mime}, {len(self.data)} bytes)"

    def describe(self) -> str:
        from PIL import Image

        try:
            with Image.open(io.BytesIO(self.data)) as image:
                size = f" {image.width}x{image.height}"
        except Exception:  # noqa: BLE001 - a picture someone else embedded may be anything
            size = ""
        return f"{self.mime}{size}, {_kib(len(self.data))}"


@dataclass(frozen=True)
class ChapterTag:
    """One chapter as a tag stores it: times in whole milliseconds (ID3 CHAP's unit)."""

    start_ms: int
    title: str
    end_ms: int | None = None  # ID3 only; MP4 and Vorbis chapters end where the next one starts
    url: str | None = None
    image: Picture | None = None
    hidden: bool = False  # ID3: a CHAP frame left out of the CTOC; other formats leave hidden chapters out

    def describe(self) -> str:
        text = f"{format_npt(self.start_ms / 1000)} {self.title}"
        if self.url:
            text += f" <{self.url}>"
        if self.image:
            text += f" [image {self.image.describe()}]"
        return text + (" (hidden)" if self.hidden else "")


def describe(value) -> str:
    """A tag value in one short line, for dry-run output."""
    if value is None or value == ():
        return "(none)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Picture):
        return value.describe()
    if isinstance(value, tuple):
        return f"{len(value)} chapter{'s' * (len(value) != 1)}"
    if isinstance(value, str):
        text = " ".join(value.split())
        return repr(text if len(text) <= 72 else text[:71] + "…")
    return str(value)


def chapter_lines(old: tuple[ChapterTag, ...] | None, new: tuple[ChapterTag, ...]) -> list[str]:
    """'- chapter' for each chapter that goes, '+ chapter' for each that comes, in time order."""
    old = old or ()
    gone = [("-", c) for c in old if c not in new]
    come = [("+", c) for c in new if c not in old]
    return [f"{sign} {c.describe()}" for sign, c in sorted(gone + come, key=lambda s: (s[1].start_ms, s[0] == "+"))]


def plain_chapters(chapters: tuple[ChapterTag, ...], container: str, *, keep_url: bool):
    """Chapters for a container that holds a start and a title (and maybe a URL) only: (chapters, notes)."""
    lost = [
        name
        for name, used in (
            ("URL", not keep_url and any(c.url for c in chapters)),
            ("image", any(c.image for c in chapters)),
        )
        if used
    ]
    notes = (
        [(f"chapters: {container} chapters have no {' or '.join(lost)}; those stay in the feed and the JSON chapters")]
        if lost
        else []
    )
    if any(c.hidden for c in chapters):
        notes.append(f"chapters: hidden chapters are left out ({container} chapters have no hidden flag)")
    kept = tuple(ChapterTag(c.start_ms, c.title, url=c.url if keep_url else None) for c in chapters if not c.hidden)
    return kept, notes


def track_number(text: str | None) -> int | str | None:
    """'7' or '7/12' -> 7; anything else stays as it is, so it differs from the number tag writes."""
    number = text.split("/")[0].strip() if text else ""
    return int(number) if is_digits(number) else text


def _kib(size: int) -> str:
    return f"{size} bytes" if size < 1024 else f"{size / 1024:.0f} KB"


def utf8_prefix(text: str, limit: int) -> str:
    """The longest prefix of text whose UTF-8 encoding fits in limit bytes (never half a character).

    >>> utf8_prefix("Київ", 5)
    'Ки'
    """
    data = text.encode("utf-8")
    return text if len(data) <= limit else data[:limit].decode("utf-8", "ignore")
