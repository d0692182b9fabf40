"""M4A/MP4: iTunes-style atoms (the podcast ones included), covr, and chapters through ffmpeg.

mutagen reads MP4 chapters (the Nero 'chpl' box) but cannot write them. When ffmpeg is installed, chapters
are written by remuxing with `ffmpeg -c copy` (the audio and video packets are copied unchanged; ffmpeg adds a
QuickTime chapter track, which Apple's apps read, and 'chpl', which mutagen and most others read). Without
ffmpeg the chapters are left as they are, and the writer says so. MP4 chapters carry a start and a title only:
no URL, no image, no hidden flag, so hidden chapters are left out.
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
from pathlib import Path

from mutagen.mp4 import MP4, MP4Cover

from feedtool.build.write import create_temp
from feedtool.errors import AudioError
from feedtool.tag.fields import ChapterTag, Picture, plain_chapters, utf8_prefix

LABELS = {
    "title": "©nam",
    "artist": "©ART",
    "album": "©alb",
    "track": "trkn",
    "date": "©day",
    "genre": "©gen",
    "description": "desc",
    "comment": "©cmt",
    "podcast": "pcst",
    "feed_url": "purl",
    "guid": "egid",
    "cover": "covr",
    "chapters": "chpl + chapter track (ffmpeg)",
}
TEXT_ATOMS = {
    "title": "\xa9nam",
    "artist": "\xa9ART",
    "album": "\xa9alb",
    "date": "\xa9day",
    "genre": "\xa9gen",
    "description": "desc",
    "comment": "\xa9cmt",
    "feed_url": "purl",
    "guid": "egid",
}
MUXERS = {".m4a": "ipod", ".m4b": "ipod", ".m4v": "ipod", ".mp4": "mp4", ".mov": "mov"}  # never raw "m4v"
TITLE_BYTES = 255  # chpl stores a chapter title's length in one byte
NO_FFMPEG = (
    "not written: mutagen cannot write MP4 chapters and ffmpeg is not installed "
    "(install ffmpeg, e.g. apt-get install ffmpeg, and run feedtool tag again)"
)


def open_audio(path: Path, suffix: str = "") -> MP4:
    return MP4(path)


def length(audio: MP4) -> float:
    return float(audio.info.length)


def read(audio: MP4) -> dict:
    tags = audio.tags if audio.tags is not None else {}
    fields = {name: _first(tags.get(atom)) for name, atom in TEXT_ATOMS.items()}
    fields["track"] = tags["trkn"][0][0] if tags.get("trkn") else None
    fields["podcast"] = bool(tags["pcst"]) if "pcst" in tags else None
    covers = tags.get("covr") or []
    fields["cover"] = Picture(_mime(covers[0]), bytes(covers[0])) if covers else None
    fields["chapters"] = tuple(ChapterTag(round(c.start * 1000), c.title) for c in (audio.chapters or ()))
    return fields


def normalize(fields: dict, length_s: float, language: str = "") -> tuple[dict, list[str]]:
    chapters = fields.get("chapters")
    if chapters is None:
        return fields, []
    if not ffmpeg():
        return dict(fields, chapters=None), [f"chapters: {NO_FFMPEG}"]
    kept, notes = plain_chapters(chapters, "MP4", keep_url=False)
    kept = tuple(ChapterTag(c.start_ms, utf8_prefix(c.title, TITLE_BYTES)) for c in kept)
    return dict(fields, chapters=kept), notes


def write(audio: MP4, fields: dict, language: str = "", target: Path | None = None) -> None:
    """target: the file audio is a temp copy of (its suffix picks ffmpeg's muxer; its name, ffmpeg's temp files)."""
    path = Path(audio.filename)
    if fields.get("chapters") is not None and fields["chapters"] != read(audio)["chapters"]:
        original = dict(audio.tags or {})
        _remux_with_chapters(path, fields["chapters"], length(audio), target or path)
        audio = MP4(path)
        if audio.tags is None:
            audio.add_tags()
        audio.tags.clear()  # ffmpeg's own encoder tag out, the file's tags back in
        audio.tags.update(original)
    if audio.tags is None:
        audio.add_tags()
    tags = audio.tags
    for name, atom in TEXT_ATOMS.items():
        if fields.get(name) is not None:
            tags[atom] = [fields[name]]
    if fields.get("track") is not None:
        total = tags["trkn"][0][1] if tags.get("trkn") else 0
        tags["trkn"] = [(fields["track"], total)]
    if fields.get("podcast") is not None:
        tags["pcst"] = fields["podcast"]
    if fields.get("cover") is not None:
        kind = MP4Cover.FORMAT_PNG if fields["cover"].mime == "image/png" else MP4Cover.FORMAT_JPEG
        tags["covr"] = [MP4Cover(fields["cover"].data, imageformat=kind)]
    audio.save()


def ffmpeg() -> str | None:
    return shutil.which("ffmpeg")


def _remux_with_chapters(path: Path, chapters: tuple[ChapterTag, ...], length_s: float, target: Path) -> None:
    """Replace the chapters of path (a temp copy of target): ffmpeg copies every audio, video and subtitle packet
    as it is. Its input and output are `.<target name>.ffmeta.<pid>.tmp` and `….remux.<pid>.tmp` beside it, so
    a killed run's leftovers are known (tag/run.py clears them)."""
    end = int(length_s * 1000)
    lines = [";FFMETADATA1"]
    for chapter, next_start in zip(chapters, [c.start_ms for c in chapters[1:]] + [end], strict=True):
        lines += [
            "[CHAPTER]",
            "TIMEBASE=1/1000",
            f"START={chapter.start_ms}",
            f"END={max(next_start, chapter.start_ms)}",
            f"title={_escape(chapter.title)}",
        ]
    fd, meta = create_temp(str(path.parent / f"{target.name}.ffmeta"))
    fd2, out = create_temp(str(path.parent / f"{target.name}.remux"))
    os.close(fd2)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        # the old chapter track is a data stream: map audio, real video (V, not cover pictures) and subtitles only
        command = [
            ffmpeg(),
            "-nostdin",
            "-v",
            "error",
            "-y",
            "-i",
            str(path),
            "-f",
            "ffmetadata",
            "-i",
            meta,
            "-map",
            "0:a",
            "-map",
            "0:V?",
            "-map",
            "0:s?",
            "-map_metadata",
            "0",
            "-map_chapters",
            "1",
            "-c",
            "copy",
            "-movflags",
            "+faststart",
            "-f",
            MUXERS.get(target.suffix.lower(), "mp4"),
            out,
        ]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            if "No space left on device" in result.stderr:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), out)
            problem = (result.stderr.strip().splitlines() or ["no message"])[-1]
            raise AudioError(
                f"chapters: ffmpeg could not write them: {problem} "
                "(the file was not changed; check that ffmpeg can read it)"
            )
        os.replace(out, path)
    finally:
        for leftover in (meta, out):
            if os.path.exists(leftover):
                os.unlink(leftover)


def _escape(text: str) -> str:
    """FFMETADATA escapes '=', ';', '#', '\\' and newlines with a backslash."""
    for ch in "\\=;#\n":
        text = text.replace(ch, "\\" + ch)
    return text


def _first(values) -> str | None:
    if not values:
        return None
    return str(values[0]) if isinstance(values, list) else str(values)


def _mime(cover) -> str:
    return "image/png" if cover.imageformat == MP4Cover.FORMAT_PNG else "image/jpeg"
