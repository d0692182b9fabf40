"""The lean MP3 stream reader against mutagen's MPEGInfo: where it answers, it must answer as mutagen does.

mutagen is the oracle. Streams come from lame and ffmpeg in the shapes producers meet (CBR with an Info
header, VBR with a Xing header, mono, MPEG 2 and 2.5 sample rates, no Xing header at all); then each is
damaged at random in the bytes both readers look at (the frame header, the Xing fields, the LAME version
and header) and cut short at random. Each time, the lean reader either declines (Unusual: probe asks
mutagen) or gives mutagen's length, bitrate and first-frame offset exactly.
"""

from __future__ import annotations

import io
import random
import shutil
import subprocess

import pytest
from conftest import DATA
from mutagen.mp3 import MPEGInfo

from feedtool.read import probe
from feedtool.read.id3frames import Unusual
from feedtool.read.mp3stream import HEAD_BYTES, read_stream_info

pytestmark = pytest.mark.skipif(not (shutil.which("ffmpeg") and shutil.which("lame")), reason="needs ffmpeg and lame")

TAG = b"ID3\x04\x00\x00\x00\x00\x00\x0a" + b"\x00" * 10  # an empty ID3v2.4 tag with 10 bytes of padding
LAME_RUNS = {  # name: lame options (the input is a 3-second stereo tone at 44.1 kHz)
    "cbr128": ["-b", "128"],
    "vbr": ["-V", "5"],
    "abr-mono": ["--abr", "64", "-m", "m"],
    "mpeg2-22khz": ["--resample", "22.05", "-b", "96"],
    "mpeg2-24khz-vbr": ["--resample", "24", "-V", "4"],
    "mpeg25-11khz-mono": ["--resample", "11.025", "-b", "32", "-m", "m"],
    "no-xing": ["-t", "-b", "96"],  # no Xing/Info header: mutagen looks at several frames
    "8khz-16kbps": ["--resample", "8", "-b", "16", "-m", "m"],  # frames too small for lame to write one
}
WITHOUT_XING = {"no-xing", "8khz-16kbps"}


@pytest.fixture(scope="module")
def streams(tmp_path_factory) -> dict[str, bytes]:
    """Each encoder's MP3 without its own tag: the audio frames only."""
    folder = tmp_path_factory.mktemp("streams")
    wav = folder / "tone.wav"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=3", "-ac", "2", str(wav)], check=True)
    found = {}
    for name, options in LAME_RUNS.items():
        subprocess.run(["lame", "--quiet", *options, str(wav), str(folder / f"{name}.mp3")], check=True)
    subprocess.run(["ffmpeg", "-v", "error", "-i", str(wav), "-id3v2_version", "0", str(folder / "ffmpeg.mp3")],
                   check=True)
    for path in folder.glob("*.mp3"):
        found[path.stem] = path.read_bytes()
    found["tiny"] = (DATA / "tiny.mp3").read_bytes()  # the tests' own MP3: no tag
    assert found["tiny"][:2] == b"\xff\xf3"
    return found


def mutagen_reads(data: bytes):
    try:
        info = MPEGInfo(io.BytesIO(data), len(TAG))
    except Exception as e:  # noqa: BLE001 - any failure: the lean reader must not have answered
        return type(e).__name__
    return (info.length, info.bitrate, info.frame_offset)


def lean_reads(data: bytes):
    try:
        return tuple(read_stream_info(data[len(TAG) : len(TAG) + HEAD_BYTES], len(TAG), len(data)))
    except Unusual:
        return None


def test_encoders_streams_read_alike(streams):
    for name, stream in streams.items():
        data = TAG + stream
        lean = lean_reads(data)
        if name in WITHOUT_XING:
            assert lean is None, name
        else:
            assert lean is not None, name
            assert lean == mutagen_reads(data), name


def test_damaged_and_cut_streams_read_alike_or_go_to_mutagen(streams):
    rng = random.Random(177)
    answered = 0
    for name, stream in streams.items():
        xing = max(stream.find(b"Xing", 0, 64), stream.find(b"Info", 0, 64))
        for _ in range(400):
            damaged = bytearray(stream)
            for _ in range(rng.choice((1, 1, 2, 4))):
                # the frame header, the Xing flags and counts, the LAME version and header, or anywhere near
                where = rng.choice(
                    [rng.randrange(4), xing + rng.randrange(4, 16), xing + rng.randrange(120, 160), rng.randrange(200)]
                )
                if 0 <= where < len(damaged):
                    damaged[where] = rng.choice((0, 0xFF, 0x7F, rng.randrange(256), damaged[where] ^ 1 << rng.randrange(8)))
            if rng.random() < 0.2:
                damaged = damaged[: rng.randrange(1, 220)]
            data = TAG + bytes(damaged)
            lean = lean_reads(data)
            if lean is not None:
                answered += 1
                assert lean == mutagen_reads(data), (name, bytes(damaged[:200]).hex())
    assert answered > 1000  # the lean reader answers for most damage, so the comparison means something


def test_probe_reads_the_stream_alike_with_either_reader(streams, tmp_path):
    for name, stream in streams.items():
        path = tmp_path / f"{name}.mp3"
        path.write_bytes(TAG + stream)
        lean = probe._load_mp3(path, path.stat().st_size)
        full = probe._load_mp3(path, path.stat().st_size, lean=False)
        assert (lean.info.length, lean.info.bitrate, lean.info.frame_offset) == (
            full.info.length,
            full.info.bitrate,
            full.info.frame_offset,
        ), name
        assert isinstance(lean.info, MPEGInfo) is (name in WITHOUT_XING), name


@pytest.mark.parametrize(
    "version",
    [
        b"LAME3.100",  # lame 3.100: 11 bytes follow the digits, the extended header is read
        b"LAME3.99r",
        b"L3.99r",
        b"LAME3.99.5",
        b"LAME3.98 ",
        b"LAME3.90",
        b"LAME3.90 (alpha)",  # 3.90 alphas wrote no extended header
        b"LAME3.90.3",
        b"LAME3.89",  # before 3.90: no extended header, no encoder delay
        b"LAME3.89 (beta)",
        b"LAME3.1000000",  # fewer than 11 bytes after the digits: mutagen finds no header
        b"LAMEX.99",  # not a version: no header
        b"LAME3.",
        b"LAME\xff.99",
        b"GOGO3.99",  # another encoder's tag
    ],
)
def test_lame_version_strings_read_alike(streams, version):
    stream = bytearray(streams["cbr128"])
    at = stream.find(b"LAME")
    # The extended header starts 9 bytes into the 20-byte version: a longer version overlaps it.
    stream[at : at + max(9, len(version))] = version.ljust(9, b"\x00")
    data = TAG + bytes(stream)
    lean = lean_reads(data)
    assert lean is not None
    assert lean == mutagen_reads(data)


def test_an_unknown_lame_header_revision_is_ignored_alike(streams):
    stream = bytearray(streams["cbr128"])
    at = stream.find(b"LAME") + 9
    read = lean_reads(TAG + bytes(stream))
    stream[at] |= 0x10  # revision 1: mutagen reads no encoder delay and padding
    assert lean_reads(TAG + bytes(stream)) == mutagen_reads(TAG + bytes(stream))
    assert lean_reads(TAG + bytes(stream))[0] > read[0]
