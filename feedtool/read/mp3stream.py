"""Read an MP3's duration and bitrate from its first frame and Xing/LAME header, quickly; leave the rest to mutagen.

mutagen reads these headers bit by bit (about 0.2 ms a file, a tenth of a cold build's work per episode).
The usual MP3 (an encoder's Xing or Info header in the first frame, right after the ID3 tag) is read here
with mutagen's rules (mutagen.mp3.MPEGInfo, MPEGFrame, XingHeader, LAMEHeader); anything else raises
Unusual and probe.py asks mutagen: no frame right after the tag, another ID3 tag stacked on it, a layer other
than III, no Xing header (a VBRI header, or none: mutagen then looks at several frames), a header cut short.
tests/test_mp3stream.py holds both readers to the same results. Like id3frames.py, no mutagen here.
"""

from __future__ import annotations

from typing import NamedTuple

from feedtool.read.id3frames import Unusual

# What mutagen may read from the first frame on: Xing at up to 36 bytes, its 120 bytes of fields, then the
# 20-byte LAME version and the 27-byte LAME header starting 9 bytes into it.
HEAD_BYTES = 36 + 8 + 4 + 4 + 100 + 4 + 9 + 27

_LAYER3_KBPS = {
    1: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    2: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),  # also MPEG 2.5
}
_SAMPLE_RATES = {1: (44100, 48000, 32000), 2: (22050, 24000, 16000), 2.5: (11025, 12000, 8000)}
_MONO = 3
_FRAMES, _BYTES, _TOC, _VBR_SCALE = 0x1, 0x2, 0x4, 0x8


class StreamInfo(NamedTuple):
    """The facts probe.py takes from mutagen's MPEGInfo, under the same names."""

    length: float  # seconds
    bitrate: int  # bits per second
    frame_offset: int  # where the first frame starts


def read_stream_info(head: bytes, offset: int, file_size: int) -> StreamInfo:
    """The stream facts from `head`, the file's bytes from `offset` (where the ID3 tag ends) on, at least
    HEAD_BYTES of them unless the file ends sooner. Raises Unusual when mutagen should read the stream."""
    if head[:3] == b"ID3":
        raise Unusual("another ID3 tag after the first")  # mutagen skips stacked tags
    if len(head) < 4 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        raise Unusual("no frame right after the tag")  # mutagen searches for one
    version_bits, layer_bits, bitrate_index = head[1] >> 3 & 3, head[1] >> 1 & 3, head[2] >> 4
    rate_index, padding, mode = head[2] >> 2 & 3, head[2] >> 1 & 1, head[3] >> 6
    if layer_bits != 1 or version_bits == 1 or rate_index == 3 or bitrate_index in (0, 15):
        raise Unusual("not a valid MPEG layer III frame header")  # layer bits 01: layer III
    version = (2.5, None, 2, 1)[version_bits]
    bitrate = _LAYER3_KBPS[1 if version == 1 else 2][bitrate_index] * 1000
    sample_rate = _SAMPLE_RATES[version][rate_index]
    frame_size = 1152 if version == 1 else 576
    frame_length = frame_size // 8 * bitrate // sample_rate + padding
    if version == 1:
        pos = 36 if mode != _MONO else 21
    else:
        pos = 21 if mode != _MONO else 13
    if head[pos : pos + 4] not in (b"Xing", b"Info") or len(head) < pos + 8:
        raise Unusual("no Xing header")  # mutagen tries a VBRI header, then more frames
    flags = int.from_bytes(head[pos + 4 : pos + 8], "big")
    pos += 8
    fields = {}
    for flag, size in ((_FRAMES, 4), (_BYTES, 4), (_TOC, 100), (_VBR_SCALE, 4)):
        if flags & flag:
            if len(head) < pos + size:
                raise Unusual("Xing header cut short")
            fields[flag] = int.from_bytes(head[pos : pos + size], "big")
            pos += size
    frames, audio_bytes = fields.get(_FRAMES, -1), fields.get(_BYTES, -1)
    delay_and_padding = _lame_delay_and_padding(head[pos : pos + 20], head[pos + 9 : pos + 36])
    if frames == -1:  # mutagen estimates the length from the file size and the frame's bitrate
        return StreamInfo(8 * (file_size - offset) / float(bitrate), bitrate, offset)
    samples = frame_size * frames
    if audio_bytes != -1 and samples > 0:
        # the first frame is only included in the byte count, not in the frame count
        bitrate = round(max(0, audio_bytes - frame_length) * 8 * sample_rate / float(samples))
    samples = max(0, samples - delay_and_padding)
    return StreamInfo(float(samples) / sample_rate, bitrate, offset)


def _lame_delay_and_padding(version: bytes, header: bytes) -> int:
    """The LAME header's encoder delay plus padding, in samples; 0 when mutagen finds no LAME header
    (LAMEHeader.parse_version and LAMEHeader, step by step)."""
    if len(version) != 20 or not version.startswith((b"LAME", b"L3.99")):
        return 0
    data = version.lstrip(b"EMAL")
    major, data = data[0:1], data[1:].lstrip(b".")
    digits = len(data) - len(data.lstrip(b"0123456789"))
    minor, data = data[:digits], data[digits:]
    try:
        numbers = int(major.decode("ascii")), int(minor.decode("ascii"))
    except ValueError:
        return 0
    if numbers < (3, 90) or (numbers == (3, 90) and data[-11:-10] == b"("):
        return 0  # no extended header before LAME 3.90
    if len(data) < 11 or len(header) != 27 or header[0] >> 4 != 0:  # none, or a revision mutagen does not read
        return 0
    return (header[12] << 4 | header[13] >> 4) + ((header[13] & 0x0F) << 8 | header[14])
