"""probe_audio: what each format says about itself, read with mutagen."""

from __future__ import annotations

import subprocess

import pytest
from conftest import DATA, make_m4a, make_mp3
from mutagen.flac import FLAC
from mutagen.id3 import ID3, TIT2, TYER
from mutagen.oggopus import OggOpus

from feedtool.errors import AudioError
from feedtool.read.probe import probe_audio


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True)


def test_mp3(tmp_path):
    path = make_mp3(tmp_path / "a.mp3", title="T", artist="A", album="Al", track=7, date="2024-01-02",
                    comment="C", chapters=[(0, 2, "One"), (2, 6, "Two", "https://x.org/2")], cover=b"\xff\xd8jpeg")
    info = probe_audio(path)
    assert info.mime_type == "audio/mpeg"
    assert info.size_bytes == path.stat().st_size
    assert round(info.duration) == 6
    assert info.bitrate > 0
    assert (info.tags.title, info.tags.artist, info.tags.album, info.tags.track, info.tags.date, info.tags.comment) \
        == ("T", "A", "Al", 7, "2024-01-02", "C")
    assert [(c.start, c.title, c.url) for c in info.chapters] == [(0, "One", None), (2, "Two", "https://x.org/2")]
    assert info.artwork.mime_type == "image/jpeg" and info.artwork.size_bytes == 6


def test_mp3_with_id3v23_year(tmp_path):
    path = make_mp3(tmp_path / "a.mp3")
    tags = ID3()
    tags.add(TIT2(encoding=1, text=["Old style"]))
    tags.add(TYER(encoding=1, text=["2019"]))
    tags.save(path, v2_version=3)
    info = probe_audio(path)
    assert (info.tags.title, info.tags.date) == ("Old style", "2019")


def test_m4a(tmp_path):
    path = make_m4a(tmp_path / "a.m4a", title="M", track=3, chapters=[(0, 3, "A"), (3, 6, "B")])
    info = probe_audio(path)
    assert info.mime_type == "audio/x-m4a"
    assert (info.tags.title, info.tags.track) == ("M", 3)
    assert [(c.start, c.title) for c in info.chapters] == [(0, "A"), (3, "B")]


def test_ogg_opus_with_vorbis_chapters(tmp_path):
    path = tmp_path / "a.opus"
    ffmpeg("-i", str(DATA / "tiny.mp3"), "-c:a", "libopus", "-b:a", "16k", str(path))
    audio = OggOpus(path)
    audio["title"] = "Opus title"
    audio["CHAPTER001"] = "00:00:00.000"
    audio["CHAPTER001NAME"] = "Start"
    audio["CHAPTER002"] = "00:00:03.500"
    audio["CHAPTER002NAME"] = "Later"
    audio.save()
    info = probe_audio(path)
    assert info.mime_type == "audio/ogg"
    assert info.tags.title == "Opus title"
    assert round(info.duration) == 6
    assert [(c.start, c.title) for c in info.chapters] == [(0, "Start"), (3.5, "Later")]


def test_flac(tmp_path):
    path = tmp_path / "a.flac"
    ffmpeg("-i", str(DATA / "tiny.mp3"), str(path))
    audio = FLAC(path)
    audio["title"] = "Flac title"
    audio["tracknumber"] = "4/10"
    audio.save()
    info = probe_audio(path)
    assert info.mime_type == "audio/flac"
    assert (info.tags.title, info.tags.track) == ("Flac title", 4)


def test_video_height(tmp_path):
    path = tmp_path / "a.mp4"
    ffmpeg("-f", "lavfi", "-i", "color=c=red:s=320x240:d=2", "-f", "lavfi", "-i", "sine=d=2",
           "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(path))
    info = probe_audio(path)
    assert info.mime_type == "video/mp4"
    assert info.height == 240


@pytest.mark.parametrize("name, message", [
    ("a.wav", "'.wav' is not an audio format feedtool reads"),
    ("missing.mp3", "audio file not found"),
])
def test_refusals(tmp_path, name, message):
    if name == "a.wav":
        (tmp_path / name).write_bytes(b"RIFF")
    with pytest.raises(AudioError, match=message):
        probe_audio(tmp_path / name)


def test_raw_aac(tmp_path):
    path = tmp_path / "a.aac"
    ffmpeg("-i", str(DATA / "tiny.m4a"), "-c", "copy", "-f", "adts", str(path))
    info = probe_audio(path)
    assert info.mime_type == "audio/aac"
    assert round(info.duration) == 6
