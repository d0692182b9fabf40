"""Alternate renditions from front matter: podcast:alternateEnclosure with podcast:source, each figure measured."""

from __future__ import annotations

import subprocess

from conftest import BASE_URL, DATA, build, make_episode, run_cli, write_config
from lxml import etree
from mutagen.mp3 import MP3
from mutagen.oggopus import OggOpus

from feedtool.render.ext import PODCAST_NS


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *args], check=True)


def renditions(show):
    media = show / "media"
    media.mkdir(parents=True, exist_ok=True)
    ffmpeg("-i", str(DATA / "tiny.m4a"), "-map_metadata", "-1", "-c:a", "libopus", "-b:a", "24k",
           str(media / "0001-first.opus"))
    ffmpeg("-i", str(DATA / "tiny.m4a"), "-map_metadata", "-1", "-c:a", "libmp3lame", "-b:a", "16k", "-ac", "1",
           str(media / "0001-first-low.mp3"))
    # the programme as video: 6 s of a 320x240 picture with the tiny AAC track
    ffmpeg("-f", "lavfi", "-i", "color=c=blue:s=320x240:d=6:r=10", "-i", str(DATA / "tiny.m4a"), "-map", "0:v",
           "-map", "1:a", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "copy", "-shortest",
           str(media / "0001-first.mp4"))


ALTERNATES = [{"file": "media/0001-first.opus", "title": "Opus", "default": "false"},
              {"file": "media/0001-first-low.mp3", "title": "Low bandwidth"},
              {"file": "media/0001-first.mp4", "title": "Video"}]


def alternate_elements(feed):
    item = etree.parse(str(feed)).find("channel/item")
    return [(dict(a.attrib), [dict(s.attrib) for s in a]) for a in item.findall(f"{{{PODCAST_NS}}}alternateEnclosure")]


def test_alternates_are_measured_from_their_files(tmp_path):
    show = tmp_path / "show"
    write_config(show)
    renditions(show)
    make_episode(show, alternates=ALTERNATES)
    out = tmp_path / "public"
    assert build(show, out) == 0
    media = show / "media"
    opus, low, video = (media / "0001-first.opus", media / "0001-first-low.mp3", media / "0001-first.mp4")
    video_bitrate = int(video.stat().st_size * 8 / float(subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(video)],
        capture_output=True, text=True, check=True).stdout) + 0.5)
    elements = alternate_elements(out / "feed.xml")
    assert [a for a, _ in elements] == [
        {"type": "audio/ogg", "length": str(opus.stat().st_size), "bitrate": str(OggOpus(opus).info.bitrate),
         "title": "Opus"},
        {"type": "audio/mpeg", "length": str(low.stat().st_size), "bitrate": str(MP3(low).info.bitrate),
         "title": "Low bandwidth"},
        {"type": "video/mp4", "length": str(video.stat().st_size), "bitrate": elements[2][0]["bitrate"],
         "height": "240", "title": "Video"},
    ]
    assert abs(int(elements[2][0]["bitrate"]) - video_bitrate) <= video_bitrate * 0.01  # the whole file, not its audio
    assert [s for _, s in elements] == [[{"uri": BASE_URL + "media/" + p.name}] for p in (opus, low, video)]


def test_default_alternate_is_marked(tmp_path):
    show = tmp_path / "show"
    write_config(show)
    renditions(show)
    make_episode(show, alternates=[{"file": "media/0001-first.opus", "default": "true"}])
    out = tmp_path / "public"
    assert build(show, out) == 0
    (attributes, _), = alternate_elements(out / "feed.xml")
    assert attributes["default"] == "true" and "title" not in attributes


def test_missing_alternate_names_the_episode_and_the_file(tmp_path, capsys):
    show = tmp_path / "show"
    write_config(show)
    path = make_episode(show, alternates=[{"file": "media/gone.opus"}])
    assert build(show, tmp_path / "public") == 1
    err = capsys.readouterr().err.replace(str(show) + "/", "")
    assert err.splitlines()[0] == ("error: 0001-first.md: alternates 'media/gone.opus': audio file not found "
                                   "(check the audio: path, relative to the show folder)")
    assert path.exists()


def test_alternates_follow_a_changed_file(tmp_path):
    show = tmp_path / "show"
    write_config(show)
    renditions(show)
    make_episode(show, alternates=ALTERNATES[:1])
    out = tmp_path / "public"
    assert build(show, out) == 0
    assert run_cli("tag", show) == 0  # the rendition gets the tags too, and with them a new size
    assert build(show, out) == 0
    (attributes, _), = alternate_elements(out / "feed.xml")
    assert attributes["length"] == str((show / "media/0001-first.opus").stat().st_size)


def test_alternate_of_another_length_is_said(tmp_path, capsys):
    show = tmp_path / "show"
    write_config(show)
    renditions(show)  # the same programme: within a few hundred milliseconds of the episode's audio
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=40", "-c:a", "libopus", "-b:a", "16k",
           str(show / "media/0002-other.opus"))  # another episode's file, 40 s
    make_episode(show, alternates=[*ALTERNATES, {"file": "media/0002-other.opus", "title": "Wrong"}])
    assert build(show, tmp_path / "public") == 0  # a warning: the feed is still written
    warnings = [line for line in capsys.readouterr().err.splitlines() if "alternates/" in line or "lasts" in line]
    assert len(warnings) == 1 and "0001-first.md: alternates 'media/0002-other.opus': lasts 40 s" in warnings[0]
    assert "(check that it is this episode's rendition" in warnings[0]
