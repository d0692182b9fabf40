"""MP3: ID3v2.4 frames, including the podcast frames and CHAP/CTOC chapters (ID3v2 Chapter Frame Addendum)."""

from __future__ import annotations

from pathlib import Path

from mutagen.id3 import (
    APIC,
    CHAP,
    COMM,
    CTOC,
    ID3,
    PCST,
    TALB,
    TCON,
    TDES,
    TDRC,
    TGID,
    TIT2,
    TPE1,
    TRCK,
    WFED,
    WXXX,
    CTOCFlags,
    PictureType,
)
from mutagen.mp3 import MP3

from feedtool.tag.fields import ChapterTag, Picture, track_number

LABELS = {
    "title": "TIT2",
    "artist": "TPE1",
    "album": "TALB",
    "track": "TRCK",
    "date": "TDRC",
    "genre": "TCON",
    "description": "TDES",
    "comment": "COMM",
    "podcast": "PCST",
    "feed_url": "WFED",
    "guid": "TGID",
    "cover": "APIC",
    "chapters": "CHAP+CTOC",
}
TEXT_FRAMES = {
    "title": TIT2,
    "artist": TPE1,
    "album": TALB,
    "date": TDRC,
    "genre": TCON,
    "description": TDES,
    "guid": TGID,
}
NO_END = 0xFFFFFFFF  # CHAP start/end byte offsets: "not given", the times are what count
TOC_ID = "toc"
# ISO 639-2 codes for COMM; the show's language is ISO 639-1. Unknown languages are "und" (undetermined).
LANGUAGES = {
    "en": "eng",
    "uk": "ukr",
    "de": "deu",
    "fr": "fra",
    "es": "spa",
    "it": "ita",
    "pl": "pol",
    "pt": "por",
    "nl": "nld",
    "ru": "rus",
    "cs": "ces",
    "sv": "swe",
    "da": "dan",
    "fi": "fin",
    "no": "nor",
    "nb": "nob",
    "ja": "jpn",
    "zh": "zho",
    "ko": "kor",
    "tr": "tur",
    "be": "bel",
    "lt": "lit",
    "lv": "lav",
    "et": "est",
    "ro": "ron",
    "hu": "hun",
    "ka": "kat",
    "he": "heb",
    "ar": "ara",
}


class _ChaptersInTimeOrder(ID3):
    """ID3 whose CHAP frames are written in time order. mutagen writes frames of a kind smallest first, and
    ffmpeg (so mpv and others) lists chapters in file order, not by the CTOC: a tagged MP3's chapters came out
    shuffled there. The other frames stay where mutagen puts them."""

    def _write(self, config):
        data = super()._write(config)
        return chapters_in_time_order(data) if config.v2_version == 4 else data


def chapters_in_time_order(frames: bytes) -> bytearray:
    """ID3v2.4 frames (10-byte headers, syncsafe sizes) with the CHAP frames' places filled in order of their
    start times; the bytes as they are when they do not parse as such frames."""
    pieces, at = [], 0
    while at + 10 <= len(frames):
        size = sum((frames[at + 4 + i] & 0x7F) << (7 * (3 - i)) for i in range(4))
        pieces.append(frames[at : at + 10 + size])
        at += 10 + size
    if at != len(frames):
        return bytearray(frames)
    chapters = [piece for piece in pieces if piece[:4] == b"CHAP"]

    def start_ms(chap: bytes) -> int:  # after the element ID (NUL-terminated): start time, 4 bytes
        end = chap.index(b"\0", 10)
        return int.from_bytes(chap[end + 1 : end + 5], "big")

    try:
        ordered = iter(sorted(chapters, key=start_ms))
    except ValueError:  # no element ID's end: not a CHAP frame this reader understands
        return bytearray(frames)
    # each CHAP frame's place, in turn, takes the next chapter in time
    return bytearray().join(next(ordered) if piece[:4] == b"CHAP" else piece for piece in pieces)


def open_audio(path: Path, suffix: str = "") -> MP3:
    return MP3(path, ID3=_ChaptersInTimeOrder)


def length(audio: MP3) -> float:
    return float(audio.info.length)


def read(audio: MP3) -> dict:
    tags = audio.tags if audio.tags is not None else ID3()
    fields = {name: _text(tags, frame.__name__) for name, frame in TEXT_FRAMES.items()}
    if fields["date"]:
        fields["date"] = fields["date"].replace(" ", "T")  # mutagen shows ID3 timestamps with a space
    fields["track"] = track_number(_text(tags, "TRCK"))
    fields["comment"] = next((_join(f.text) for f in tags.getall("COMM") if f.desc == ""), None)
    fields["podcast"] = True if tags.getall("PCST") else None
    fields["feed_url"] = next((f.url for f in tags.getall("WFED")), None)
    fields["cover"] = next(
        (Picture(f.mime, f.data) for f in tags.getall("APIC") if f.type == PictureType.COVER_FRONT), None
    )
    fields["chapters"] = _chapters(tags)
    return fields


def normalize(fields: dict, length_s: float, language: str = "") -> tuple[dict, list[str]]:
    """Chapters get their end times: the next chapter's start, the last one the end of the audio."""
    chapters = fields.get("chapters")
    if chapters is None:
        return fields, []
    end_of_audio = int(length_s * 1000)
    ends = [c.start_ms for c in chapters[1:]] + [end_of_audio]
    fields = dict(
        fields,
        chapters=tuple(
            ChapterTag(c.start_ms, c.title, max(c.start_ms, end), c.url, c.image, c.hidden)
            for c, end in zip(chapters, ends, strict=True)
        ),
    )
    return fields, []


def write(audio: MP3, fields: dict, language: str = "", target: Path | None = None) -> None:
    if audio.tags is None:
        audio.add_tags()
    tags = audio.tags
    for name, frame in TEXT_FRAMES.items():
        if fields.get(name) is not None:
            tags.setall(frame.__name__, [frame(encoding=3, text=[fields[name]])])
    if fields.get("track") is not None:
        tags.setall("TRCK", [TRCK(encoding=3, text=[str(fields["track"])])])
    if fields.get("comment") is not None:
        for key in [k for k, f in tags.items() if k.startswith("COMM") and f.desc == ""]:
            del tags[key]
        tags.add(
            COMM(
                encoding=3, lang=LANGUAGES.get(language.split("-")[0].lower(), "und"), desc="", text=[fields["comment"]]
            )
        )
    if fields.get("podcast") is not None:
        tags.setall("PCST", [PCST(value=1)] if fields["podcast"] else [])
    if fields.get("feed_url") is not None:
        tags.setall("WFED", [WFED(url=fields["feed_url"])])
    if fields.get("cover") is not None:
        for key in [k for k, f in tags.items() if k.startswith("APIC") and f.type == PictureType.COVER_FRONT]:
            del tags[key]
        tags.add(
            APIC(
                encoding=3,
                mime=fields["cover"].mime,
                type=PictureType.COVER_FRONT,
                desc="cover",
                data=fields["cover"].data,
            )
        )
    if fields.get("chapters") is not None:
        tags.delall("CHAP")
        tags.delall("CTOC")
        _add_chapters(tags, fields["chapters"])
    audio.save(v2_version=4)


def _add_chapters(tags: ID3, chapters: tuple[ChapterTag, ...]) -> None:
    ids = []
    for i, chapter in enumerate(chapters):
        sub = [TIT2(encoding=3, text=[chapter.title])]
        if chapter.url:
            sub.append(WXXX(encoding=3, desc="", url=chapter.url))
        if chapter.image:
            sub.append(
                APIC(
                    encoding=3,
                    mime=chapter.image.mime,
                    type=PictureType.OTHER,
                    desc="chapter image",
                    data=chapter.image.data,
                )
            )
        element_id = f"chp{i}"
        tags.add(
            CHAP(
                element_id=element_id,
                start_time=chapter.start_ms,
                end_time=chapter.end_ms,
                start_offset=NO_END,
                end_offset=NO_END,
                sub_frames=sub,
            )
        )
        if not chapter.hidden:
            ids.append(element_id)
    if chapters:
        tags.add(
            CTOC(
                element_id=TOC_ID,
                flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
                child_element_ids=ids,
                sub_frames=[TIT2(encoding=3, text=["Chapters"])],
            )
        )


def _chapters(tags: ID3) -> tuple[ChapterTag, ...]:
    frames = tags.getall("CHAP")
    listed = {cid for toc in tags.getall("CTOC") for cid in toc.child_element_ids}
    has_toc = bool(tags.getall("CTOC"))
    chapters = []
    for frame in frames:
        title = _text(frame.sub_frames, "TIT2") or ""
        url = next((f.url for f in frame.sub_frames.getall("WXXX")), None)
        image = next((Picture(f.mime, f.data) for f in frame.sub_frames.getall("APIC")), None)
        chapters.append(
            ChapterTag(
                frame.start_time, title, frame.end_time, url, image, hidden=has_toc and frame.element_id not in listed
            )
        )
    return tuple(sorted(chapters, key=lambda c: c.start_ms))


def _text(tags, frame_id: str) -> str | None:
    frame = tags.get(frame_id)
    return _join(frame.text) if frame is not None and frame.text else None


def _join(values) -> str:
    return "/".join(str(v) for v in values)
