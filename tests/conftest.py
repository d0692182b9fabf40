"""Shared fixtures: generated shows, tagged audio and a way to run the CLI in-process.

Audio fixtures start from the tiny files in tests/data (6 s of tone, a real LAME-encoded MP3 with a
Xing/LAME header and an AAC M4A); the tests write tags, chapters and cover art into copies with mutagen
(and ffmpeg for MP4 chapters, which mutagen cannot write).
"""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, settings
from mutagen.id3 import APIC, CHAP, COMM, CTOC, ID3, TALB, TDRC, TIT2, TPE1, TRCK, WXXX, CTOCFlags
from mutagen.mp4 import MP4, MP4Cover

from feedtool.cli import main

DATA = Path(__file__).parent / "data"
# A frozen copy of the shipped show (episodes/ as the project ships it): the tests' exact expectations are about
# this copy, so a producer who adds episode #178 or sets base_url in episodes/ breaks no test.
SHIPPED = DATA / "shipped-show"
BASE_URL = "https://media.feedtool-fixtures.net/show/"

# Property tests (tests/test_build_properties.py): a bounded run by default (CI), the same examples every time
# (derandomize: a red CI is a change's doing); the long run, random, with `--hypothesis-profile=long`. No
# deadline: a build's time depends on this shared machine, not on the input.
_SLOW_IS_FINE = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example]
settings.register_profile("ci", max_examples=40, deadline=None, suppress_health_check=_SLOW_IS_FINE, print_blob=True,
                          derandomize=True)
settings.register_profile("long", max_examples=2000, deadline=None, suppress_health_check=_SLOW_IS_FINE,
                          print_blob=True)
settings.load_profile("ci")  # the hypothesis plugin loads --hypothesis-profile after this


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", help="rewrite tests/data/golden from the current output")


@pytest.fixture
def update_golden(request) -> bool:
    return request.config.getoption("--update-golden")


def cover_jpeg(size: int = 1400, color=(200, 60, 20)) -> bytes:
    from PIL import Image
    buffer = io.BytesIO()
    Image.new("RGB", (size, size), color).save(buffer, "JPEG", quality=60)
    return buffer.getvalue()


def write_config(show_dir: Path, *, show: dict | None = None, feed: dict | None = None, extra: str = "") -> Path:
    """A complete show.toml (every producer fact filled in), with overrides per key."""
    show_dir.mkdir(parents=True, exist_ok=True)
    show_values = {
        "title": "Fixture Show", "description": "A show the tests build.", "author": "Fixture Author",
        "language": "en", "link": "https://www.feedtool-fixtures.net/", "artwork": "cover.jpg",
        "categories": ["News/Politics"], "explicit": False, "owner_name": "Fixture Owner",
        "owner_email": "owner@feedtool-fixtures.net", "copyright": "© 2024 Fixture Author", "timezone": "UTC",
    }
    show_values.update(show or {})
    feed_values = {"base_url": BASE_URL}
    feed_values.update(feed or {})
    if show_values.get("artwork") == "cover.jpg" and not (show_dir / "cover.jpg").exists():
        (show_dir / "cover.jpg").write_bytes(cover_jpeg())
    lines = ["[show]"] + [f"{k} = {_toml(v)}" for k, v in show_values.items() if v is not None]
    lines += ["", "[feed]"] + [f"{k} = {_toml(v)}" for k, v in feed_values.items() if v is not None]
    path = show_dir / "show.toml"
    path.write_text("\n".join(lines) + "\n" + extra, "utf-8")
    return path


def _toml(value) -> str:
    import json
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False) if isinstance(value, str) else str(value)


def make_mp3(path: Path, *, title=None, artist=None, album=None, track=None, date=None, comment=None,
             chapters=(), cover: bytes | None = None, source: Path = DATA / "tiny.mp3") -> Path:
    """Copy the tiny MP3 and write ID3v2.4 tags; chapters are (start_s, end_s, title[, url])."""
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, path)
    tags = ID3()
    for frame, value in ((TIT2, title), (TPE1, artist), (TALB, album), (TDRC, date)):
        if value is not None:
            tags.add(frame(encoding=3, text=[value]))
    if track is not None:
        tags.add(TRCK(encoding=3, text=[str(track)]))
    if comment is not None:
        tags.add(COMM(encoding=3, lang="eng", desc="", text=[comment]))
    if cover is not None:
        tags.add(APIC(encoding=3, mime="image/jpeg", type=3, desc="Cover", data=cover))
    ids = []
    for i, chapter in enumerate(chapters):
        start, end, ctitle = chapter[:3]
        sub = [TIT2(encoding=3, text=[ctitle])]
        if len(chapter) > 3:
            sub.append(WXXX(encoding=3, desc="", url=chapter[3]))
        ids.append(f"chp{i}")
        tags.add(CHAP(element_id=f"chp{i}", start_time=int(start * 1000), end_time=int(end * 1000), sub_frames=sub))
    if ids:
        tags.add(CTOC(element_id="toc", flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED, child_element_ids=ids,
                      sub_frames=[]))
    tags.save(path, v2_version=4)
    return path


def make_m4a(path: Path, *, title=None, artist=None, album=None, track=None, date=None, chapters=(),
             cover: bytes | None = None) -> Path:
    """Copy the tiny M4A; chapters (start_s, end_s, title) go in with ffmpeg, tags with mutagen."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if chapters:
        meta = path.with_suffix(".ffmeta")
        lines = [";FFMETADATA1"]
        for start, end, ctitle in chapters:
            lines += ["[CHAPTER]", "TIMEBASE=1/1000", f"START={int(start * 1000)}", f"END={int(end * 1000)}",
                      f"title={ctitle}"]
        meta.write_text("\n".join(lines) + "\n")
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(DATA / "tiny.m4a"), "-i", str(meta),
                        "-map_metadata", "1", "-map_chapters", "1", "-c", "copy", str(path)], check=True)
        meta.unlink()
    else:
        shutil.copyfile(DATA / "tiny.m4a", path)
    audio = MP4(path)
    for key, value in (("\xa9nam", title), ("\xa9ART", artist), ("\xa9alb", album), ("\xa9day", date)):
        if value is not None:
            audio[key] = [value]
    if track is not None:
        audio["trkn"] = [(track, 0)]
    if cover is not None:
        audio["covr"] = [MP4Cover(cover, imageformat=MP4Cover.FORMAT_JPEG)]
    audio.save()
    return path


def make_episode(show_dir: Path, name: str = "0001-first.md", notes: str = "First episode notes.",
                 audio: str | None = "media/0001-first.mp3", make_audio: bool = True, **front) -> Path:
    """Write an episode file. Front matter defaults: title, date, audio, guid derived from the name."""
    values = {"title": f"Episode {name.split('-')[0]}", "date": "2024-01-15T08:00:00+00:00",
              "guid": f"guid-{Path(name).stem}"}
    if audio is not None:
        values["audio"] = audio
    values.update(front)
    values = {k: v for k, v in values.items() if v is not None}
    if audio is not None and make_audio and not audio.startswith("http") and not (show_dir / audio).exists():
        make_mp3(show_dir / audio) if audio.endswith(".mp3") else make_m4a(show_dir / audio)
    front_text = yaml.safe_dump(values, sort_keys=False, allow_unicode=True)
    path = show_dir / name
    path.write_text(f"---\n{front_text}---\n{notes}\n", "utf-8")
    return path


def shipped_copy(tmp_path: Path, name: str = "episodes") -> Path:
    """A copy of the frozen shipped show to build, check or tag without touching the repository."""
    show = tmp_path / name
    shutil.copytree(SHIPPED, show)
    return show


def many_episodes(show_dir: Path, count: int = 60) -> None:
    """Enough episodes for the parallel builder (build/items.py PARALLEL_FROM); every second one has chapters."""
    make_mp3(show_dir / "media/shared.mp3")
    for n in range(1, count + 1):
        notes = "Notes.\n\n00:00 Intro\n00:03 Talk\n" if n % 2 else "Notes without chapters."
        make_episode(show_dir, f"{n:04d}-ep.md", notes=notes, audio=f"media/{n:04d}.mp3", make_audio=False,
                     date=f"2024-01-{1 + n % 28:02d}T{n % 24:02d}:00:00+00:00")
        shutil.copyfile(show_dir / "media/shared.mp3", show_dir / f"media/{n:04d}.mp3")


@pytest.fixture
def show(tmp_path) -> Path:
    """A complete show folder with one tagged episode."""
    show_dir = tmp_path / "show"
    write_config(show_dir)
    make_episode(show_dir)
    return show_dir


def run_cli(*argv: str) -> int:
    return main([str(a) for a in argv])


def build(show_dir: Path, out: Path | None = None, *extra: str) -> int:
    out = out or show_dir.parent / "public"
    return run_cli("build", show_dir, "--out", out, *extra)


@pytest.fixture(scope="session")
def httpserver_listen_address():
    """pytest-httpserver's address for every test module (it is one server a session): not "localhost", which
    the safety rules rightly call a placeholder domain."""
    return ("127.0.0.1", 0)


# --- publish: an S3-compatible server (moto) per test module, a fresh bucket per test (see servers.py) ---

@pytest.fixture(scope="module")
def s3_endpoint():
    from servers import moto_s3
    with moto_s3() as url:
        yield url


@pytest.fixture
def s3(s3_endpoint, tmp_path, monkeypatch):
    from servers import s3_bucket
    return s3_bucket(s3_endpoint, tmp_path, monkeypatch)
