"""Measure an audio file: duration, size, type, bitrate, tags, chapters, artwork. The only module importing mutagen."""

from __future__ import annotations

import contextlib
import io
import logging
import os
import stat
from pathlib import Path
from typing import NamedTuple

import mutagen
from mutagen.aac import AAC
from mutagen.flac import FLAC
from mutagen.id3 import Frames, Frames_2_2
from mutagen.mp3 import MP3, MPEGInfo
from mutagen.mp4 import MP4, Atoms
from mutagen.oggopus import OggOpus
from mutagen.oggvorbis import OggVorbis

from feedtool.errors import AudioError, error
from feedtool.facts import MIME_TYPES, is_digits
from feedtool.model import Artwork, AudioInfo, Chapter, Tags
from feedtool.read.id3frames import TEXT_FRAMES, ChapterFrame, Id3Frames, Unusual, read_id3_frames, tag_size
from feedtool.read.mp3stream import HEAD_BYTES, StreamInfo, read_stream_info
from feedtool.timecode import parse_timecode

log = logging.getLogger(__name__)

FIRST_READ = 16384  # one read holds the usual tag (without a cover picture) and the first audio frame
READERS = {
    ".mp3": MP3,
    ".aac": AAC,
    ".m4a": MP4,
    ".m4b": MP4,
    ".mp4": MP4,
    ".m4v": MP4,
    ".mov": MP4,
    ".ogg": OggVorbis,
    ".oga": OggVorbis,
    ".opus": OggOpus,
    ".flac": FLAC,
}
# Parse only the ID3 frames feedtool uses (others stay raw bytes): parsing every frame of a tag-heavy file
# costs more than everything else in a build. ID3v2.2 names are listed too and translated after loading.
_ID3_FRAMES = {
    name: Frames[name]
    for name in ("TIT2", "TPE1", "TALB", "TRCK", "TDRC", "TYER", "COMM", "APIC", "CHAP", "CTOC", "WXXX")
}
_ID3_FRAMES.update({name: Frames_2_2[name] for name in ("TT2", "TP1", "TAL", "TRK", "TYE", "COM", "PIC")})
FORMAT_NAMES = {
    MP3: "MP3",
    AAC: "AAC (ADTS)",
    MP4: "MPEG-4 (M4A/MP4)",
    OggOpus: "Ogg Opus",
    OggVorbis: "Ogg Vorbis",
    FLAC: "FLAC",
}


def probe_audio(path: Path, where: str | None = None) -> AudioInfo:
    """Read what the audio file says about itself. Raises AudioError naming the file and what to do."""
    where = where or str(path)
    try:
        return _probe(path, where)
    except AudioError as e:  # one finding with its place, so check and build group it under the episode file
        text = str(e).removeprefix(f"{where}: ")
        message, _, hint = text.rpartition(" (") if text.endswith(")") else (text, "", "")
        raise AudioError(findings=[error("audio/unreadable", where, message, hint[:-1])]) from e.__cause__


def _probe(path: Path, where: str) -> AudioInfo:
    suffix = path.suffix.lower()
    reader = READERS.get(suffix)
    if reader is None:
        raise AudioError(
            f"{where}: '{suffix}' is not an audio format feedtool reads (use .mp3, .m4a, .opus, .ogg or .flac)"
        )
    try:
        st = os.stat(path)
        size = st.st_size
    except FileNotFoundError:
        raise AudioError(
            f"{where}: audio file not found (check the audio: path, relative to the show folder)"
        ) from None
    except OSError as e:
        raise AudioError(f"{where}: cannot read the audio file: {e.strerror}") from e
    if not stat.S_ISREG(st.st_mode):
        raise AudioError(f"{where}: is not a file (point audio: at the audio file itself)")
    if size == 0:
        raise AudioError(f"{where}: the audio file is empty (0 bytes; export it again)")
    try:
        audio = _load_mp3(path, size) if reader is MP3 else reader(path)
    except PermissionError as e:
        raise AudioError(f"{where}: cannot read the audio file: {e.strerror} (check its permissions)") from e
    except (mutagen.MutagenError, OSError, ValueError, EOFError) as e:
        raise AudioError(
            f"{where}: not a readable {FORMAT_NAMES[reader]} file: {_reason(e, path, size)} "
            f"({_what_it_is(path, reader)})"
        ) from e
    height = _video_height(audio) if suffix in (".mp4", ".m4v", ".mov") else None
    return _audio_info(audio, size, suffix, where, lambda: open(path, "rb"), path, height)


def _audio_info(audio, size: int, suffix: str, where: str, reopen, path: Path | None, height=None) -> AudioInfo:
    """What a loaded file says, checked: it has a duration, and holds what its headers announce."""
    duration = float(getattr(audio.info, "length", 0) or 0)
    if duration <= 0:
        raise AudioError(f"{where}: the audio has no duration (the file holds no audio frames; export it again)")
    _check_complete(audio, reopen, size, where)
    return AudioInfo(
        path=path,
        size_bytes=size,
        duration=duration,
        mime_type=MIME_TYPES[suffix],
        # mutagen's MP4 bitrate is the audio track's; a video's is the whole file's, averaged over its duration
        bitrate=int(getattr(audio.info, "bitrate", 0) or 0) if height is None else int(size * 8 / duration),
        tags=_tags(audio),
        chapters=_chapters(audio),
        artwork=_artwork(audio),
        height=height,
    )


def probe_stream(fileobj, size: int, suffix: str, where: str, *, tail: bool = True) -> AudioInfo:
    """Measure audio that is not a local file: `fileobj` is a seekable binary file object of `size` bytes
    (read/remote.py's, which fetches byte ranges as they are read). The same readers and checks as for a
    file; path None. tail False: an MP3's last bytes are not read for an ID3v1 tag (whose fields only fill
    in what the ID3v2 tag lacks) when reading them costs the whole file. Raises AudioError."""
    reader = READERS.get(suffix)
    if reader is None:
        raise AudioError(
            f"{where}: '{suffix}' is not an audio format feedtool reads (use .mp3, .m4a, .opus, .ogg or .flac)"
        )
    try:
        if reader is MP3:
            fileobj.seek(0)
            first = fileobj.read(FIRST_READ)

            def read_at(offset: int, count: int) -> bytes:
                end = offset + count
                if end <= len(first):
                    return first[offset:end]
                fileobj.seek(offset)
                return fileobj.read(count)

            audio = _lean_mp3(first, read_at, size, lambda: fileobj, tail) or _mutagen_mp3(fileobj)
        else:
            fileobj.seek(0)
            audio = reader(fileobj)
    except AudioError:
        raise
    except (mutagen.MutagenError, OSError, ValueError, EOFError) as e:
        text = str(e).strip() or f"{type(e).__name__} while reading it"
        raise AudioError(
            f"{where}: not a readable {FORMAT_NAMES[reader]} file: {text[0].lower() + text[1:]} "
            "(is the file on the server complete? upload it again)"
        ) from e

    def reopen():
        fileobj.seek(0)
        return contextlib.nullcontext(fileobj)

    return _audio_info(audio, size, suffix, where, reopen, None)


class _Mp3(NamedTuple):
    """An MP3 as feedtool reads it: mutagen's MPEG stream info and the ID3 frames feedtool uses."""

    info: MPEGInfo | StreamInfo
    frames: Id3Frames | None


def _load_mp3(path: Path, size: int, lean: bool = True) -> _Mp3:
    """The lean ID3 reader for the usual tag, mutagen's for the rest (ID3v1, v2.2, unsynchronised...)."""
    # Unbuffered, with reads at given places: a buffered file costs five more system calls per episode.
    with open(path, "rb", buffering=0) as f:
        first = f.read(FIRST_READ)

        def read_at(offset: int, count: int) -> bytes:
            end = offset + count
            return first[offset:end] if end <= len(first) else os.pread(f.fileno(), count, offset)

        # not lean: the tests compare both readers
        loaded = _lean_mp3(first, read_at, size, lambda: io.BufferedReader(f)) if lean else None
        if loaded is not None:
            return loaded
    return _mutagen_mp3(path)


def _lean_mp3(first: bytes, read_at, size: int, stream, tail: bool = True) -> _Mp3 | None:
    """The usual MP3 read with the lean readers from its first bytes (`read_at(offset, count)` reads on);
    None when mutagen should read it. stream(): the file for mutagen's MPEG reader, if the stream needs it."""
    try:
        frames = read_id3_frames(first[:10], lambda count: read_at(10, count))
        if frames is None:
            raise Unusual("no ID3v2 tag")
        head = read_at(frames.size, HEAD_BYTES)
        if tail and b"TAG" in read_at(max(0, size - 131), 131):  # an ID3v1 tag: mutagen merges it into the v2 frames
            raise Unusual("an ID3v1 tag too")
    except Unusual:
        return None
    try:
        info = read_stream_info(head, frames.size, size)
    except Unusual:
        info = MPEGInfo(stream(), frames.size)  # it reads the stream a few bytes at a time
    return _Mp3(info, frames)


def _mutagen_mp3(filething) -> _Mp3:
    audio = MP3(filething, translate=False, known_frames=_ID3_FRAMES)
    if audio.tags is not None and audio.tags.version < (2, 3, 0):
        audio.tags.update_to_v24()  # ID3v2.2's three-letter frames; v2.3's TYER is read as it is
    return _Mp3(audio.info, _frames_from_mutagen(audio.tags))


def _frames_from_mutagen(tags) -> Id3Frames | None:
    if tags is None:
        return None

    def first_url(sub_frames):
        return next((f.url for f in sub_frames.getall("WXXX")), None)

    return Id3Frames(
        size=tags.size,
        text={name: tuple(str(v) for v in tags[name].text) for name in TEXT_FRAMES if name in tags},
        comments=tuple((f.desc, tuple(f.text)) for f in tags.getall("COMM")),
        pictures=tuple((p.mime, p.type, len(p.data)) for p in tags.getall("APIC")),
        chapters=tuple(
            ChapterFrame(
                f.element_id,
                f.start_time,
                tuple(str(v) for v in f.sub_frames["TIT2"].text) if "TIT2" in f.sub_frames else None,
                first_url(f.sub_frames),
            )
            for f in tags.getall("CHAP")
        ),
        tocs=tuple((toc.flags, tuple(toc.child_element_ids)) for toc in tags.getall("CTOC")),
    )


def _reason(e: Exception, path: Path, size: int) -> str:
    text = str(e).strip()
    if not text:  # mutagen says nothing for some damage, such as a file cut short inside its tag
        try:
            with open(path, "rb") as f:
                tag = tag_size(f.read(10))
        except OSError:
            tag = 0
        if tag > size:
            return f"it ends inside its ID3 tag ({size:,} bytes; the tag alone should take {tag:,})"
        text = f"{type(e).__name__} while reading it"
    return text[0].lower() + text[1:]


def _what_it_is(path: Path, expected) -> str:
    """A hint: what the file really is, if mutagen recognises it as something else."""
    try:
        actual = mutagen.File(path)
    except Exception:  # noqa: BLE001 - any failure here just means "unknown"
        actual = None
    if actual is not None and type(actual) is not expected:
        return f"it looks like {type(actual).__name__}: give it the matching extension"
    return "is the file complete? export or download it again"


def _check_complete(audio, reopen, size: int, where: str) -> None:
    """Catch truncated uploads: the stream's own header says how long it is, the file must hold that much."""
    if isinstance(audio, _Mp3):
        # With a Xing/LAME header mutagen takes duration and bitrate from it, so they promise
        # bitrate * length / 8 bytes of audio; without one they are estimated from the size and always agree.
        expected = audio.info.bitrate * audio.info.length / 8
        available = size - audio.info.frame_offset
        if available < expected * 0.95:
            raise AudioError(
                f"{where}: the MP3 is truncated: its header announces about {expected:.0f} bytes of "
                f"audio, the file holds {available} (upload or export it again)"
            )
    elif isinstance(audio, MP4):
        with reopen() as f:
            for atom in Atoms(f).atoms:
                if atom.offset + atom.length > size:
                    raise AudioError(
                        f"{where}: the file is truncated: its '{atom.name.decode('latin-1')}' box "
                        f"needs {atom.offset + atom.length} bytes, the file has {size} "
                        "(upload or export it again)"
                    )


def _first(values) -> str | None:
    if not values:
        return None
    value = values[0] if isinstance(values, list) else values
    text = str(value).strip()
    return text or None


def _track(value) -> int | None:
    if value is None:
        return None
    if isinstance(value, tuple):  # MP4 trkn: (track, total)
        value = value[0]
    text = str(value).split("/")[0].strip()
    return int(text) if is_digits(text) else None


def _tags(audio) -> Tags:
    if isinstance(audio, _Mp3):
        return _id3_tags(audio.frames) if audio.frames else Tags()
    tags = audio.tags
    if tags is None:
        return Tags()
    if isinstance(audio, MP4):
        return Tags(
            title=_first(tags.get("\xa9nam")),
            artist=_first(tags.get("\xa9ART")),
            album=_first(tags.get("\xa9alb")),
            track=_track((tags.get("trkn") or [None])[0]),
            date=_first(tags.get("\xa9day")),
            comment=_first(tags.get("\xa9cmt")),
        )
    return Tags(
        title=_first(tags.get("title")),
        artist=_first(tags.get("artist")),
        album=_first(tags.get("album")),
        track=_track(_first(tags.get("tracknumber"))),
        date=_first(tags.get("date")),
        comment=_first(tags.get("comment") or tags.get("description")),
    )


def _chapters(audio) -> tuple[Chapter, ...]:
    if isinstance(audio, _Mp3):
        return _id3_chapters(audio.frames) if audio.frames else ()
    if isinstance(audio, MP4):
        return tuple(Chapter(start=float(c.start), title=c.title) for c in (audio.chapters or ()))
    return _vorbis_chapters(audio.tags) if audio.tags is not None else ()


def _id3_tags(frames: Id3Frames) -> Tags:
    def text(name: str) -> str | None:
        values = frames.text.get(name)
        if values is None:
            return None
        # mutagen shows a timestamp frame's values joined by commas, other text frames' by NUL
        return ("," if name == "TDRC" else "\x00").join(values).strip() or None

    return Tags(
        title=text("TIT2"),
        artist=text("TPE1"),
        album=text("TALB"),
        track=_track(text("TRCK")),
        date=text("TDRC") if "TDRC" in frames.text else text("TYER"),
        comment=next(("\x00".join(values) for desc, values in frames.comments if not desc), None),
    )


def _id3_chapters(frames: Id3Frames) -> tuple[Chapter, ...]:
    by_id = {c.element_id: c for c in frames.chapters}
    in_toc: set[str] = set()
    order: list[str] = []
    for flags, children in frames.tocs:
        if flags & 0x02:  # the top-level table of contents
            order = [cid for cid in children if cid in by_id]
        in_toc.update(children)
    chapters = [
        Chapter(
            start=c.start_ms / 1000,
            title=("\x00".join(c.title).strip() if c.title else "") or c.element_id,
            url=c.url,
            hidden=bool(order) and c.element_id not in in_toc,
        )
        for c in by_id.values()
    ]
    return tuple(sorted(chapters, key=lambda c: c.start))


def _id3_artwork(frames: Id3Frames) -> Artwork | None:
    if not frames.pictures:
        return None
    mime, _, size = next((p for p in frames.pictures if p[1] == 3), frames.pictures[0])  # 3: front cover
    return Artwork(mime_type=mime, size_bytes=size)


def _vorbis_chapters(tags) -> tuple[Chapter, ...]:
    """The CHAPTERnnn / CHAPTERnnnNAME / CHAPTERnnnURL Vorbis comment convention."""
    starts = {}
    for key, values in tags.items() if hasattr(tags, "items") else ():
        key = key.upper()
        if key.startswith("CHAPTER") and is_digits(key[7:]):
            try:
                starts[key[7:]] = parse_timecode(values[0] if isinstance(values, list) else values)
            except ValueError:
                log.warning("chapter %s has an unreadable start %r", key, values)
    chapters = [
        Chapter(
            start=start,
            title=_first(tags.get(f"CHAPTER{n}NAME")) or f"Chapter {int(n)}",
            url=_first(tags.get(f"CHAPTER{n}URL")),
        )
        for n, start in starts.items()
    ]
    return tuple(sorted(chapters, key=lambda c: c.start))


def _artwork(audio) -> Artwork | None:
    if isinstance(audio, _Mp3):
        return _id3_artwork(audio.frames) if audio.frames else None
    tags = audio.tags
    if tags is None and not getattr(audio, "pictures", None):
        return None
    if isinstance(audio, MP4):
        covers = tags.get("covr") or []
        if not covers:
            return None
        mime = "image/png" if covers[0].imageformat == covers[0].FORMAT_PNG else "image/jpeg"
        return Artwork(mime_type=mime, size_bytes=len(covers[0]))
    pictures = list(getattr(audio, "pictures", []) or [])
    if not pictures and tags is not None and tags.get("metadata_block_picture"):
        import base64

        from mutagen.flac import Picture

        pictures = [Picture(base64.b64decode(tags["metadata_block_picture"][0]))]
    if not pictures:
        return None
    front = next((p for p in pictures if p.type == 3), pictures[0])
    return Artwork(
        mime_type=front.mime, size_bytes=len(front.data), width=front.width or None, height=front.height or None
    )


def _video_height(audio) -> int | None:
    """mutagen does not report video dimensions; read them from the tkhd box of the first video track."""
    import struct

    try:
        with open(audio.filename, "rb") as f:
            atoms = Atoms(f)
            for trak in atoms.path(b"moov")[-1].findall(b"trak"):
                handler = trak[b"mdia", b"hdlr"]
                ok, data = handler.read(f)
                if ok and data[8:12] == b"vide":
                    ok, tkhd = trak[(b"tkhd",)].read(f)
                    return struct.unpack(">I", tkhd[-4:])[0] >> 16 if ok else None
    except (KeyError, mutagen.MutagenError, OSError, struct.error):
        return None
    return None
