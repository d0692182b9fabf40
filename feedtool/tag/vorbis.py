"""Ogg Opus, Ogg Vorbis and FLAC: Vorbis comments, the cover as a picture, chapters as CHAPTERnnn comments.

Chapters follow the Xiph chapter extension: CHAPTER001=HH:MM:SS.mmm, CHAPTER001NAME=title and
CHAPTER001URL=link. It has no images and no hidden flag, so hidden chapters are left out. The cover is a
FLAC PICTURE block in FLAC and a base64 METADATA_BLOCK_PICTURE comment in Ogg.
"""

from __future__ import annotations

import base64
import logging
import re
from pathlib import Path

from mutagen.flac import FLAC
from mutagen.flac import Picture as FlacPicture
from mutagen.id3 import PictureType
from mutagen.oggopus import OggOpus
from mutagen.oggvorbis import OggVorbis

from feedtool.tag.fields import ChapterTag, Picture, plain_chapters, track_number
from feedtool.timecode import format_npt, parse_timecode

LABELS = {
    "title": "TITLE",
    "artist": "ARTIST",
    "album": "ALBUM",
    "track": "TRACKNUMBER",
    "date": "DATE",
    "genre": "GENRE",
    "description": "DESCRIPTION",
    "comment": "COMMENT",
    "cover": "METADATA_BLOCK_PICTURE",
    "chapters": "CHAPTERnnn",
}
TEXT_KEYS = {
    "title": "TITLE",
    "artist": "ARTIST",
    "album": "ALBUM",
    "date": "DATE",
    "genre": "GENRE",
    "description": "DESCRIPTION",
    "comment": "COMMENT",
}
READERS = {".opus": OggOpus, ".ogg": OggVorbis, ".oga": OggVorbis, ".flac": FLAC}
log = logging.getLogger(__name__)
CHAPTER_KEY = re.compile(r"^CHAPTER(\d{3})(NAME|URL)?$", re.IGNORECASE)


def open_audio(path: Path, suffix: str = ""):
    return READERS[(suffix or path.suffix).lower()](path)


def length(audio) -> float:
    return float(audio.info.length)


def read(audio) -> dict:
    tags = audio.tags if audio.tags is not None else {}
    fields = {name: _first(tags.get(key)) for name, key in TEXT_KEYS.items()}
    fields["track"] = track_number(_first(tags.get("TRACKNUMBER")))
    fields["cover"] = _cover(audio)
    fields["chapters"] = _chapters(tags)
    return fields


def normalize(fields: dict, length_s: float, language: str = "") -> tuple[dict, list[str]]:
    chapters = fields.get("chapters")
    if chapters is None:
        return fields, []
    kept, notes = plain_chapters(chapters, "Vorbis", keep_url=True)
    return dict(fields, chapters=kept), notes


def write(audio, fields: dict, language: str = "", target: Path | None = None) -> None:
    if audio.tags is None:
        audio.add_tags()
    tags = audio.tags
    for name, key in TEXT_KEYS.items():
        if fields.get(name) is not None:
            tags[key] = [fields[name]]
    if fields.get("track") is not None:
        tags["TRACKNUMBER"] = [str(fields["track"])]
    if fields.get("cover") is not None:
        _set_cover(audio, fields["cover"])
    if fields.get("chapters") is not None:
        for key in [k for k in list(tags.keys()) if CHAPTER_KEY.match(k)]:
            del tags[key]
        for i, chapter in enumerate(fields["chapters"], start=1):
            tags[f"CHAPTER{i:03d}"] = [format_npt(chapter.start_ms / 1000)]
            tags[f"CHAPTER{i:03d}NAME"] = [chapter.title]
            if chapter.url:
                tags[f"CHAPTER{i:03d}URL"] = [chapter.url]
    audio.save()


def _cover(audio) -> Picture | None:
    pictures = list(getattr(audio, "pictures", None) or [])
    if not pictures and audio.tags is not None:
        for value in audio.tags.get("METADATA_BLOCK_PICTURE") or []:
            try:
                pictures.append(FlacPicture(base64.b64decode(value)))
            except Exception:  # noqa: BLE001 - someone else's broken picture is simply not our cover
                log.debug("%s: unreadable METADATA_BLOCK_PICTURE ignored", audio.filename)
    front = next((p for p in pictures if p.type == PictureType.COVER_FRONT), None)
    return Picture(front.mime, front.data) if front else None


def _set_cover(audio, cover: Picture) -> None:
    picture = FlacPicture()
    picture.type = PictureType.COVER_FRONT
    picture.mime = cover.mime
    picture.desc = "cover"
    picture.data = cover.data
    _dimensions(picture)
    if isinstance(audio, FLAC):
        others = [p for p in audio.pictures if p.type != PictureType.COVER_FRONT]
        audio.clear_pictures()
        for p in others + [picture]:
            audio.add_picture(p)
        return
    kept = []
    for value in audio.tags.get("METADATA_BLOCK_PICTURE") or []:
        try:
            if FlacPicture(base64.b64decode(value)).type != PictureType.COVER_FRONT:
                kept.append(value)
        except Exception:  # noqa: BLE001 - a broken picture comment is dropped with the old cover
            log.debug("%s: unreadable METADATA_BLOCK_PICTURE dropped", audio.filename)
    audio.tags["METADATA_BLOCK_PICTURE"] = kept + [base64.b64encode(picture.write()).decode("ascii")]


def _dimensions(picture: FlacPicture) -> None:
    import io

    from PIL import Image

    with Image.open(io.BytesIO(picture.data)) as image:
        picture.width, picture.height = image.size
        picture.depth = 24 if image.mode in ("RGB", "YCbCr") else 32 if image.mode == "RGBA" else 8


def _chapters(tags) -> tuple[ChapterTag, ...]:
    starts, names, urls = {}, {}, {}
    for key, values in tags.items() if hasattr(tags, "items") else ():
        match = CHAPTER_KEY.match(key)
        if not match or not values:
            continue
        number, kind = match[1], (match[2] or "").upper()
        if kind == "NAME":
            names[number] = values[0]
        elif kind == "URL":
            urls[number] = values[0]
        else:
            try:
                starts[number] = round(parse_timecode(values[0].split("-->")[0]) * 1000)
            except ValueError:
                log.debug("unreadable chapter start %s=%r ignored", key, values[0])
    chapters = [ChapterTag(start, names.get(n, ""), url=urls.get(n)) for n, start in starts.items()]
    return tuple(sorted(chapters, key=lambda c: c.start_ms))


def _first(values) -> str | None:
    return str(values[0]) if values else None
