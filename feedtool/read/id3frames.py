"""Read the ID3v2.3/2.4 frames feedtool uses, quickly; leave every unusual tag to mutagen.

mutagen parses each frame through generic field specs: about a millisecond for a tag with chapters, the
largest single cost of a cold build. The common tag (no unsynchronisation, no extended header, frames
neither compressed nor encrypted nor repeated, text that decodes) is read here in a tenth of that, with
mutagen's reading rules; anything else raises Unusual and probe.py reads the file with mutagen instead.
tests/test_id3frames.py holds both readers to the same results. No mutagen here, on purpose: this module
must not come to depend on its internals.
"""

from __future__ import annotations

import re
import struct
from typing import NamedTuple

TEXT_FRAMES = ("TIT2", "TPE1", "TALB", "TRCK", "TDRC", "TYER")
# The frames probe.py asks mutagen to parse; mutagen's choice between syncsafe and plain frame sizes counts them.
KNOWN_FRAMES = frozenset(name.encode() for name in (*TEXT_FRAMES, "COMM", "APIC", "CHAP", "CTOC", "WXXX"))
_ENCODINGS = {0: ("latin-1", 1), 1: ("utf-16", 2), 2: ("utf-16-be", 2), 3: ("utf-8", 1)}
_EMPTY_HEADER = b"\x00" * 10
# Frame format flags left to mutagen: v2.4 grouping, compression, encryption, unsynchronisation, data length;
# v2.3 compression, encryption, grouping
_UNUSUAL_FLAGS = {4: 0x4F, 3: 0xE0}
_SIZE = struct.Struct(">L")


class Unusual(Exception):
    """The tag holds something this reader leaves to mutagen."""


class ChapterFrame(NamedTuple):
    element_id: str
    start_ms: int
    title: tuple[str, ...] | None  # the TIT2 sub-frame's values
    url: str | None  # the first WXXX sub-frame's URL


class Id3Frames(NamedTuple):
    """The frames feedtool reads from an ID3v2 tag, in the order of the tag, values as mutagen reads them."""

    size: int  # bytes the tag takes at the start of the file, header included: where the audio starts
    text: dict[str, tuple[str, ...]]  # TIT2, TPE1, TALB, TRCK, TDRC, TYER
    comments: tuple[tuple[str, tuple[str, ...]], ...]  # COMM: (description, values)
    pictures: tuple[tuple[str, int, int], ...]  # APIC: (MIME type, picture type, image size in bytes)
    chapters: tuple[ChapterFrame, ...]
    tocs: tuple[tuple[int, tuple[str, ...]], ...]  # CTOC: (flags, child element ids)


def tag_size(head: bytes) -> int:
    """The bytes an ID3v2 tag takes at the start of a file, header included, by its first 10 bytes; 0 if none."""
    return _syncsafe(_SIZE.unpack_from(head, 6)[0]) + 10 if len(head) >= 10 and head[:3] == b"ID3" else 0


def read_id3_frames(head: bytes, read_rest) -> Id3Frames | None:
    """The frames of the tag starting with the file's first 10 bytes (`head`); `read_rest(n)` reads on.

    None when the file has no ID3v2 tag; Unusual when mutagen should read it.
    """
    if len(head) < 10 or head[:3] != b"ID3":
        return None
    version, flags = head[3], head[5]
    if version not in (3, 4) or head[4] != 0 or flags or any(b & 0x80 for b in head[6:10]):
        raise Unusual("ID3 version, flags or header size")
    size = tag_size(head) - 10
    data = read_rest(size)
    if len(data) != size:
        raise Unusual("tag shorter than its header says")
    frames = _Frames(version)
    frames.read(data)
    if "TDRC" in frames.text:  # mutagen's reading of a timestamp ("2024-05-01T10:00" -> "2024-05-01 10:00")
        frames.text["TDRC"] = tuple(map(timestamp_text, frames.text["TDRC"]))
    return Id3Frames(
        size=size + 10,
        text=frames.text,
        comments=tuple(frames.comments.values()),
        pictures=tuple(frames.pictures.values()),
        chapters=tuple(frames.chapters.values()),
        tocs=tuple(frames.tocs.values()),
    )


def _syncsafe(value: int) -> int:
    return (value >> 24 & 0x7F) << 21 | (value >> 16 & 0x7F) << 14 | (value >> 8 & 0x7F) << 7 | value & 0x7F


class _Frames:
    """One tag's frames (or a chapter's sub-frames), keyed as mutagen keys them so a repeat is noticed."""

    def __init__(self, version: int, nested: bool = False):
        self.version, self.nested = version, nested
        self.text: dict[str, tuple[str, ...]] = {}
        self.comments: dict[tuple, tuple[str, tuple[str, ...]]] = {}
        self.pictures: dict[str, tuple[str, int, int]] = {}
        self.chapters: dict[str, ChapterFrame] = {}
        self.tocs: dict[str, tuple[int, tuple[str, ...]]] = {}
        self.urls: dict[str, str] = {}

    def read(self, data: bytes) -> None:
        # mutagen's read_frames: a frame of size 0 is skipped, a zero name ends the frames
        syncsafe = self.version == 4 and _sizes_are_syncsafe(data)
        end, pos = len(data), 0
        while end - pos >= 10:
            name, size, flags = data[pos : pos + 4], _SIZE.unpack_from(data, pos + 4)[0], data[pos + 9]
            if not name.strip(b"\x00"):
                return
            if syncsafe:
                size = _syncsafe(size)
            start = pos + 10
            pos = start + size
            if size == 0 or name not in KNOWN_FRAMES:
                if name[3:] == b"\x00":
                    raise Unusual("ID3v2.2 frame name in a v2.3/2.4 tag")
                continue
            if pos > end:
                raise Unusual("frame runs past the tag")
            if flags & _UNUSUAL_FLAGS[self.version]:
                raise Unusual("frame flags")
            if name == b"APIC":  # read in place: its picture is often half a megabyte, copied for nothing
                _once(self.pictures, *_picture(data, start, pos))
            else:
                self._add(name.decode("ascii"), data[start:pos])
        if pos < end and end - pos < 10 and data[pos:].strip(b"\x00"):
            raise Unusual("bytes after the last frame")

    def _add(self, name: str, body: bytes) -> None:
        if name in ("CHAP", "CTOC") and self.nested:
            raise Unusual("nested chapter frames")
        if name[0] == "T":
            _once(self.text, name, _texts(_encoding(body), body[1:]))
        elif name == "COMM":
            if len(body) < 5:
                raise Unusual("short COMM")
            encoding, language = _encoding(body), body[1:4]
            if any(b > 0x7F for b in language):
                raise Unusual("COMM language not ASCII")
            desc, rest = _terminated(body[4:], encoding)
            if not rest:
                _missing()
            _once(self.comments, (desc, language), (desc, _texts(encoding, rest)))
        elif name == "WXXX":
            encoding = _encoding(body)
            desc, rest = _terminated(body[1:], encoding) if body[1:] else _missing()
            _once(self.urls, desc, _latin1(rest)[0] if rest else _missing())
        elif name == "CHAP":
            element_id, rest = _latin1(body)
            if len(rest) < 16:
                raise Unusual("short CHAP")
            title, url = _lone_title(rest[16:], self.version), None
            if title is None:
                sub = _Frames(self.version, nested=True)
                sub.read(rest[16:])
                title, url = sub.text.get("TIT2"), next(iter(sub.urls.values()), None)
            _once(self.chapters, element_id, ChapterFrame(element_id, _SIZE.unpack_from(rest)[0], title, url))
        else:  # CTOC
            element_id, rest = _latin1(body)
            if len(rest) < 2:
                raise Unusual("short CTOC")
            flags, count, rest = rest[0], rest[1], rest[2:]
            children = []
            for _ in range(count):
                child, rest = _latin1(rest)
                children.append(child)
            _Frames(self.version, nested=True).read(rest)  # its sub-frames, only so that odd ones go to mutagen
            _once(self.tocs, element_id, (flags, tuple(children)))


def _lone_title(data: bytes, version: int) -> tuple[str, ...] | None:
    """A chapter's sub-frames when they are one TIT2 frame and nothing else, as most chapters have them: its
    values, read as _Frames reads them (a size under 128 reads the same in both of mutagen's size readings,
    so there is nothing to choose). None for anything else: _Frames reads that."""
    if len(data) < 11 or data[:7] != b"TIT2\0\0\0" or data[7] != len(data) - 10 or data[7] >= 0x80:
        return None
    if data[9] & _UNUSUAL_FLAGS[version]:
        return None  # frame flags: _Frames sends the tag to mutagen
    body = data[10:]
    return _texts(_encoding(body), body[1:])


def _sizes_are_syncsafe(data: bytes) -> bool:
    """mutagen's determine_bpi: iTunes once wrote plain integers as ID3v2.4 frame sizes, so both readings
    are walked and the one finding more known frames wins (ties go to the one ending inside the data)."""

    differs = False  # no size of 128 or more: both readings are the same walk

    def walk(syncsafe: bool) -> tuple[int, int]:
        nonlocal differs
        pos = found = 0
        end = len(data)
        while pos < end - 10:
            if data.startswith(_EMPTY_HEADER, pos):
                return found, -((end - pos) % 10)
            size = _SIZE.unpack_from(data, pos + 4)[0]
            if size > 0x7F:
                differs = True
                if syncsafe:
                    size = _syncsafe(size)
            found += data[pos : pos + 4] in KNOWN_FRAMES
            pos += 10 + size
        return found, pos - end

    as_syncsafe, syncsafe_end = walk(True)
    if not differs:
        return True
    as_int, int_end = walk(False)
    return not (as_int > as_syncsafe or (as_int == as_syncsafe and syncsafe_end >= 1 and int_end <= 1))


def _once(frames: dict, key, value) -> None:
    if key in frames:  # mutagen merges or renames repeated frames; leave that to it
        raise Unusual("repeated frame")
    frames[key] = value


def _missing():
    raise Unusual("frame ends early")  # mutagen drops such a frame


def _encoding(body: bytes) -> int:
    if len(body) < 2 or body[0] not in _ENCODINGS:
        raise Unusual("text encoding")
    return body[0]


def _latin1(data: bytes) -> tuple[str, bytes]:
    text, _, rest = data.partition(b"\x00")
    return text.decode("latin-1"), rest


def _picture(data: bytes, start: int, end: int) -> tuple[str, tuple[str, int, int]]:
    """An APIC frame at data[start:end]: its description, and (MIME type, picture type, image size)."""
    if end - start < 2 or data[start] not in _ENCODINGS:
        raise Unusual("text encoding")
    encoding = data[start]
    mime_end = data.find(b"\x00", start + 1, end)
    if mime_end == -1 or mime_end + 1 >= end:
        raise Unusual("APIC without picture type")
    kind = data[mime_end + 1]
    if mime_end + 2 >= end:
        _missing()
    desc, image = _terminated_at(data, mime_end + 2, end, encoding)
    return desc, (data[start + 1 : mime_end].decode("latin-1"), kind, end - image)


def _terminated(data: bytes, encoding: int) -> tuple[str, bytes]:
    """One string up to its terminator (or the end), and what follows."""
    text, rest = _terminated_at(data, 0, len(data), encoding)
    return text, data[rest:]


def _terminated_at(data: bytes, start: int, end: int, encoding: int) -> tuple[str, int]:
    """The string at data[start:] up to its terminator (or `end`), and where what follows it starts."""
    codec, width = _ENCODINGS[encoding]
    if width == 1:
        stop = data.find(b"\x00", start, end)
    else:
        stop = data.find(b"\x00\x00", start, end)
        while stop != -1 and (stop - start) % 2:  # a UTF-16 terminator is a whole code unit
            stop = data.find(b"\x00\x00", stop + 1, end)
    stop, rest = (end, end) if stop == -1 else (stop, stop + width)
    try:
        return data[start:stop].decode(codec), rest
    except UnicodeDecodeError:
        raise Unusual("text does not decode") from None


def _texts(encoding: int, data: bytes) -> tuple[str, ...]:
    """A text frame's values: strings separated by terminators, as mutagen's MultiSpec reads them."""
    codec, width = _ENCODINGS[encoding]
    if width == 1:  # the usual case, in one split: a terminator at the very end ends the last value
        parts = data.split(b"\x00")
        if len(parts) > 1 and not parts[-1]:
            parts.pop()
        try:
            return tuple(part.decode(codec) for part in parts)
        except UnicodeDecodeError:
            raise Unusual("text does not decode") from None
    values = []
    while True:
        value, data = _terminated(data, encoding)
        values.append(value)
        if not data:
            return tuple(values)


_TIMESTAMP_PARTS = re.compile(r"[-T:/.]|\s+")
_TIMESTAMP_FORMATS = (("%04d", "-"), ("%02d", "-"), ("%02d", " "), ("%02d", ":"), ("%02d", ":"), ("%02d", "x"))


def timestamp_text(text: str) -> str:
    """A TDRC value as mutagen reads it (ID3TimeStamp(text).text): "2024-05-01T10:00" -> "2024-05-01 10:00".

    The leading parts that are numbers, formatted; the rest dropped (mutagen's own is slower: benchmarks/stages.py)."""
    pieces = []
    for part, (number, separator) in zip(_TIMESTAMP_PARTS.split(text + ":::::")[:6], _TIMESTAMP_FORMATS, strict=True):
        try:
            pieces.append(number % int(part) + separator)
        except ValueError:
            break
    return "".join(pieces)[:-1]  # without the last part's separator
