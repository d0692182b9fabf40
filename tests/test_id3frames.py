"""The lean ID3 reader against mutagen: for every tag, both must give probe the same facts.

mutagen is the oracle here: each tag is read once by the lean reader and once by mutagen (the path probe
takes for unusual tags), and the facts compared. Tags are written by mutagen itself (every encoding, both
ID3 versions, chapters, tables of contents, pictures) and, for what mutagen does not write (sizes as plain
integers the way old iTunes wrote them, flags, repeats, junk), assembled byte by byte.
"""

from __future__ import annotations

import random
import shutil
import struct

import pytest
from conftest import DATA
from mutagen.id3 import (
    APIC,
    CHAP,
    COMM,
    CTOC,
    ID3,
    TALB,
    TDRC,
    TIT2,
    TPE1,
    TRCK,
    TYER,
    WXXX,
    CTOCFlags,
)

from feedtool.read import probe
from feedtool.read.id3frames import Unusual, read_id3_frames

AUDIO = DATA / "tiny.mp3"


def facts(path, lean: bool):
    audio = probe._load_mp3(path, path.stat().st_size, lean=lean)
    info = audio.info
    return (
        probe._tags(audio),
        probe._chapters(audio),
        probe._artwork(audio),
        (info.length, info.bitrate, info.frame_offset),
    )


def lean_reads(path) -> bool:
    """Whether probe reads this file's tag with the lean reader (not mutagen): a usual ID3v2 tag, no ID3v1."""
    with open(path, "rb") as f:
        try:
            found = read_id3_frames(f.read(10), f.read) is not None
        except Unusual:
            return False
    return found and b"TAG" not in path.read_bytes()[-131:]


def assert_same(path, lean_expected: bool = True):
    assert facts(path, lean=True) == facts(path, lean=False)
    assert lean_reads(path) is lean_expected


def bare_audio() -> bytes:
    data = AUDIO.read_bytes()
    if data[:3] == b"ID3":
        size = data[6] << 21 | data[7] << 14 | data[8] << 7 | data[9]
        data = data[size + 10 :]
    return data


def syncsafe(n: int) -> bytes:
    return bytes([(n >> 21) & 0x7F, (n >> 14) & 0x7F, (n >> 7) & 0x7F, n & 0x7F])


def raw_tag(frames, version=4, header_flags=0, plain_sizes=False, padding=20) -> bytes:
    """An ID3v2 tag assembled by hand: frames are (name, body[, flags])."""
    body = b""
    for frame in frames:
        name, data, flags = (*frame, 0) if len(frame) == 2 else frame
        size = struct.pack(">L", len(data)) if version == 3 or plain_sizes else syncsafe(len(data))
        body += name + size + struct.pack(">H", flags) + data
    body += b"\x00" * padding
    return b"ID3" + bytes([version, 0, header_flags]) + syncsafe(len(body)) + body


def sub_frame(name: bytes, data: bytes, flags: int = 0) -> bytes:
    return name + syncsafe(len(data)) + struct.pack(">H", flags) + data


def chapter(sub_frames: bytes, element_id: bytes = b"c1") -> tuple[bytes, bytes]:
    """A CHAP frame (0 to 1 s, no byte offsets) with the given sub-frames, for raw_tag."""
    return b"CHAP", element_id + b"\x00" + struct.pack(">LLLL", 0, 1000, 0xFFFFFFFF, 0xFFFFFFFF) + sub_frames


def mp3_with(tmp_path, tag: bytes, name="t.mp3", tail: bytes = b""):
    path = tmp_path / name
    path.write_bytes(tag + bare_audio() + tail)
    return path


def text(value: str, encoding=3) -> bytes:
    codec = {0: "latin-1", 1: "utf-16", 2: "utf-16-be", 3: "utf-8"}[encoding]
    return bytes([encoding]) + value.encode(codec)


def saved(tmp_path, frames, version=4, name="t.mp3"):
    path = tmp_path / name
    shutil.copyfile(AUDIO, path)
    tags = ID3()
    for frame in frames:
        tags.add(frame)
    tags.save(path, v2_version=version)
    return path


WORDS = ["Ukraine", "légion", "Київ", "freedom", "🎙", "a/b", " spaced ", "", "2022", "x" * 200]


def random_frames(rng: random.Random, version: int):
    def words():
        return " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 4)))

    def enc():
        return rng.choice([0, 1] if version == 3 else [0, 1, 2, 3])

    def latin(value):  # encoding 0 cannot carry every character
        return value.encode("latin-1", "replace").decode("latin-1")

    frames = []
    for cls in (TIT2, TPE1, TALB):
        if rng.random() < 0.8:
            e = enc()
            values = [words() for _ in range(rng.choice([1, 1, 1, 2]))]
            frames.append(cls(encoding=e, text=[latin(v) for v in values] if e == 0 else values))
    if rng.random() < 0.7:
        frames.append(TRCK(encoding=enc(), text=[rng.choice(["177", "3/10", " 7 ", "x", ""])]))
    if rng.random() < 0.7:
        stamp = rng.choice(["2022-03-06T12:00:00", "2022", "2022-03-06 12:00", "2022-03", "March"])
        frames.append((TYER if version == 3 and rng.random() < 0.5 else TDRC)(encoding=enc(), text=[stamp]))
    for desc in rng.sample(["", "iTunNORM", "notes"], rng.randint(0, 2)):
        e = enc()
        frames.append(COMM(encoding=e, lang=rng.choice(["eng", "ukr"]), desc=desc, text=[latin(words()) if e == 0 else words()]))
    for kind, desc in rng.sample([(3, "Cover"), (0, "Other"), (4, "Back")], rng.randint(0, 2)):
        frames.append(APIC(encoding=enc(), mime="image/jpeg", type=kind, desc=desc, data=rng.randbytes(rng.choice([10, 300, 20000]))))
    ids = [f"ch{i}" for i in range(rng.randint(0, 7))]
    for i, cid in enumerate(ids):
        sub = []
        if rng.random() < 0.9:
            e = enc()
            sub.append(TIT2(encoding=e, text=[latin(words()) if e == 0 else words()]))
        if rng.random() < 0.4:
            sub.append(WXXX(encoding=enc(), desc="", url="https://example.org/" + cid))
        start = rng.choice([i * 60_000, 0, 5_000])
        frames.append(CHAP(element_id=cid, start_time=start, end_time=start + 1000, sub_frames=sub))
    if ids and rng.random() < 0.8:
        children = rng.sample(ids, rng.randint(1, len(ids)))
        frames.append(CTOC(element_id="toc", flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
                           child_element_ids=children, sub_frames=[]))
        if rng.random() < 0.3:
            frames.append(CTOC(element_id="sub", flags=CTOCFlags.ORDERED, child_element_ids=ids[:1], sub_frames=[]))
    rng.shuffle(frames)
    return frames


@pytest.mark.parametrize("version", [3, 4])
def test_tags_written_by_mutagen_read_alike(tmp_path, version):
    rng = random.Random(version)
    for i in range(150):
        path = saved(tmp_path, random_frames(rng, version), version, name=f"{i}.mp3")
        assert facts(path, lean=True) == facts(path, lean=False), f"tag {i}: {ID3(path).pprint()}"
        assert lean_reads(path)


def test_tags_ending_around_the_first_read_read_alike(tmp_path, monkeypatch):
    """probe reads a file's first FIRST_READ bytes at once, and what lies beyond with reads at given places:
    tags that end just before, at and after that boundary, with the stream header cut by it, read alike,
    and by the lean readers (a short read would send them to mutagen: right, but slow)."""
    path = tmp_path / "t.mp3"

    def lean_facts():
        expected = facts(path, lean=False)
        with monkeypatch.context() as m:
            m.setattr(probe, "MP3", None)  # not called
            m.setattr(probe, "MPEGInfo", None)
            return facts(path, lean=True), expected

    def save_with_picture(size: int) -> int:
        shutil.copyfile(AUDIO, path)
        tags = ID3()
        tags.add(TIT2(encoding=3, text=["t"]))
        tags.add(APIC(encoding=3, mime="image/jpeg", data=b"\xff" * size))
        tags.save(path, v2_version=4, padding=lambda info: 0)
        return ID3(path).size

    overhead = save_with_picture(0)
    ends = set()
    for shift in (-300, -200, -150, -60, -11, -10, -9, -1, 0, 1, 200):
        ends.add(save_with_picture(probe.FIRST_READ - overhead + shift) - probe.FIRST_READ)
        lean, expected = lean_facts()
        assert lean == expected, shift
    assert ends == {-300, -200, -150, -60, -11, -10, -9, -1, 0, 1, 200}


def test_shipped_and_fixture_audio_read_alike(tmp_path):
    from pathlib import Path

    shipped = Path(__file__).parent / "data" / "shipped-show" / "media"
    for path in [AUDIO, *shipped.glob("*.mp3")]:
        assert facts(path, lean=True) == facts(path, lean=False)


def test_itunes_plain_integer_sizes_in_v24(tmp_path):
    # Old iTunes wrote v2.4 frame sizes as plain integers; a 300-byte frame then reads differently.
    frames = [(b"TIT2", text("Title")), (b"COMM", b"\x03eng\x00" + b"c" * 300), (b"TALB", text("Album"))]
    assert_same(mp3_with(tmp_path, raw_tag(frames, plain_sizes=True)))
    assert facts(mp3_with(tmp_path, raw_tag(frames, plain_sizes=True), "u.mp3"), True)[0].comment == "c" * 300
    assert_same(mp3_with(tmp_path, raw_tag(frames), "s.mp3"))


def test_text_edge_cases(tmp_path):
    cases = [
        [(b"TIT2", b"\x03Title\x00")],  # a terminator at the end
        [(b"TIT2", b"\x03Title\x00\x00")],  # an empty second value
        [(b"TIT2", b"\x01" + "Ti".encode("utf-16") + b"\x00\x00" + "tle".encode("utf-16"))],  # two UTF-16 values
        [(b"TIT2", b"\x02" + "\u0100\u0001".encode("utf-16-be"))],  # 0x00 bytes inside a UTF-16 code unit
        [(b"TPE1", b"\x00caf\xe9")],
        [(b"TRCK", text("12/13")), (b"TDRC", text("2021-01-02T03:04:05"))],
        [(b"COMM", b"\x03eng\x00\x00"), (b"COMM", b"\x03ukr\x00text")],
        [(b"APIC", b"\x00image/png\x00\x03\x00"), (b"APIC", b"\x00image/jpeg\x00\x00d\x00xyz")],  # empty image
        [(b"XXXX", b"unknown frame"), (b"TIT2", text("after"))],
        [(b"TIT2", b"")],  # size 0: skipped by both
    ]
    cases += [
        [chapter(sub_frame(b"TIT2", text("Intro", encoding))) for encoding in range(4)][i : i + 1] for i in range(4)
    ]
    cases.append([chapter(sub_frame(b"TIT2", text("Intro") + b"\x00" + text("Two values")))])
    cases.append([chapter(sub_frame(b"TIT2", text("t")) + b"\x00" * 4)])  # padding after it: not lone
    for i, frames in enumerate(cases):
        assert_same(mp3_with(tmp_path, raw_tag(frames), f"{i}.mp3"))


@pytest.mark.parametrize(
    "tag, tail",
    [
        (raw_tag([(b"TIT2", text("unsync"))], header_flags=0x80), b""),
        (raw_tag([(b"TIT2", text("v2.3 compressed"), 0x0080)], version=3), b""),
        (raw_tag([(b"TIT2", text("data length"), 0x0001)]), b""),
        (raw_tag([(b"TIT2", text("one")), (b"TIT2", text("two"))]), b""),  # mutagen merges repeats
        (raw_tag([(b"TIT2", b"\x07bad encoding")]), b""),
        (raw_tag([(b"TIT2", b"\x03\xff\xfe not utf-8")]), b""),
        (raw_tag([(b"TIT2", b"\x03")]), b""),  # mutagen drops a frame with no text
        (raw_tag([(b"COMM", b"\x03eng\x00")]), b""),
        (raw_tag([(b"CHAP", b"c1\x00\x00\x00")]), b""),
        # a chapter whose only sub-frame is an unusual TIT2 (the lone-title shortcut must defer as _Frames does)
        (raw_tag([chapter(sub_frame(b"TIT2", b"\x07bad encoding"))]), b""),
        (raw_tag([chapter(sub_frame(b"TIT2", b"\x03\xff\xfe not utf-8"))]), b""),
        (raw_tag([chapter(sub_frame(b"TIT2", b"\x03"))]), b""),
        (raw_tag([chapter(sub_frame(b"TIT2", text("grouped"), 0x0040))]), b""),
        (raw_tag([chapter(sub_frame(b"TIT2", text("data length"), 0x0001))]), b""),
        (raw_tag([(b"TT2\x00", text("v2.2 name"))], version=3), b""),
        (raw_tag([(b"TIT2", text("v2 title"))]), b"TAG" + b"v1 title".ljust(30, b"\x00") + b"\x00" * 95),
        (b"ID3\x02\x00\x00" + syncsafe(20) + b"TT2\x00\x00\x06\x00v2.2\x00" + b"\x00" * 8, b""),
        (b"", b""),  # no tag at all
    ],
)
def test_unusual_tags_go_to_mutagen(tmp_path, tag, tail):
    assert_same(mp3_with(tmp_path, tag, tail=tail), lean_expected=False)


@pytest.mark.skipif(not (shutil.which("ffmpeg") and shutil.which("lame")), reason="needs ffmpeg and lame")
def test_tags_written_by_ffmpeg_and_lame_read_alike(tmp_path):
    import subprocess

    tone = ["-f", "lavfi", "-i", "sine=frequency=440:duration=2"]
    meta = ["-metadata", "title=Tïtle ффмпег", "-metadata", "artist=A", "-metadata", "album=B",
            "-metadata", "track=3/10", "-metadata", "date=2022-03-06", "-metadata", "comment=C"]
    for name, extra in (("v23.mp3", ["-id3v2_version", "3"]), ("v24.mp3", ["-id3v2_version", "4"]),
                        ("v24-v1.mp3", ["-id3v2_version", "4", "-write_id3v1", "1"])):
        subprocess.run(["ffmpeg", "-v", "error", *tone, *meta, *extra, str(tmp_path / name)], check=True)
    wav = tmp_path / "tone.wav"
    subprocess.run(["ffmpeg", "-v", "error", *tone, str(wav)], check=True)
    subprocess.run(["lame", "--quiet", "--tt", "Lame title", "--ta", "A", "--tl", "B", "--ty", "2021", "--tn", "5",
                    "--tc", "a comment", "--id3v2-only", str(wav), str(tmp_path / "lame.mp3")], check=True)
    for name, lean in (("v23.mp3", True), ("v24.mp3", True), ("v24-v1.mp3", False), ("lame.mp3", True)):
        path = tmp_path / name
        assert facts(path, lean=True) == facts(path, lean=False), name
        assert lean_reads(path) is lean, name
    assert facts(tmp_path / "v24.mp3", lean=True)[0].title == "Tïtle ффмпег"


def test_timestamps_normalised_as_mutagen_does():
    from mutagen.id3 import ID3TimeStamp

    from feedtool.read.id3frames import timestamp_text

    rng = random.Random(177)
    cases = ["2024-05-01T10:00", "2024", "2024-05-01 10:00:33", "2024-05-01T10:00:33.123Z", "", "abc", "2024-xx-01",
             "  2024", "١٢٣٤-05", "+5-1", "2024/05/01", "1_000-1", "99999-123", "2024--01"]
    cases += ["".join(rng.choice("0123456789-T:/. xZ+_\t") for _ in range(rng.randrange(25))) for _ in range(3000)]
    for case in cases:
        assert timestamp_text(case) == ID3TimeStamp(case).text, case
