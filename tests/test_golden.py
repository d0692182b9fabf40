"""Golden files: the shipped show and a fully featured generated show, compared byte for byte.

Regenerate after an intended change with `python3 -m pytest tests/test_golden.py --update-golden`, then
read the diff: every changed byte reaches every subscriber.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import feedparser
import podcastparser
from conftest import SHIPPED, build, make_episode, make_mp3, shipped_copy, write_config

ROOT = Path(__file__).parent.parent
GOLDEN = Path(__file__).parent / "data" / "golden"


def compare_tree(out: Path, case: str, update: bool) -> None:
    golden = GOLDEN / case
    produced = {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    if update:
        shutil.rmtree(golden, ignore_errors=True)
        for name, data in produced.items():
            (golden / name).parent.mkdir(parents=True, exist_ok=True)
            (golden / name).write_bytes(data)
    expected = {p.relative_to(golden).as_posix(): p.read_bytes() for p in sorted(golden.rglob("*")) if p.is_file()}
    assert sorted(produced) == sorted(expected)
    for name in expected:
        assert produced[name].decode() == expected[name].decode(), f"{case}/{name} differs from the golden file"


def test_shipped_show(tmp_path, update_golden):
    show = shipped_copy(tmp_path)
    out = tmp_path / "public"
    assert build(show, out) == 0
    compare_tree(out, "shipped", update_golden)
    data = (out / "feed.xml").read_bytes()
    assert feedparser.parse(data).bozo == 0
    parsed = podcastparser.parse("https://unknown.invalid/feed.xml", io.BytesIO(data))
    (episode,) = parsed["episodes"]
    assert episode["title"] == "Ukraine Foreign Legion: Fight for Freedom"
    assert episode["number"] == 177
    assert episode["enclosures"][0]["file_size"] == (show / "media/0177-ukraine-foreign-legion.mp3").stat().st_size
    assert len(episode["chapters"]) == 5
    # the shipped folder is not modified by building it: every identifier is already recorded
    assert sorted(p.read_bytes() for p in SHIPPED.glob("*.*") if p.is_file()) == \
        sorted(p.read_bytes() for p in show.glob("*.*") if p.is_file())


def test_fully_featured_show(tmp_path, update_golden):
    show = tmp_path / "show"
    extra = """
[[show.funding]]
text = "Support the show"
url = "https://donate.feedtool-fixtures.net/"

[[show.person]]
name = "Host Person"
role = "host"
href = "https://www.feedtool-fixtures.net/host"
"""
    write_config(show, show={"credits": "Made by **Fixture Author**.", "license": "cc-by-4.0",
                             "guid": "917393e3-1b1e-5cef-ace4-edaa54e1f810"},
                 feed={"hubs": ["https://pubsubhubbub.appspot.com/"]}, extra=extra)
    make_mp3(show / "media/0001-first.mp3", title="First", chapters=[(0, 3, "Intro"), (3, 6, "Talk", "https://x.org/t")])
    make_episode(show, "0001-first.md", title="First", notes="First notes with a [link](https://x.org/).",
                 explicit="false", season="1", keywords="news, war",
                 people=[{"name": "Guest Person", "role": "guest"}])
    (show / "media/0001-first.srt").write_text("1\n00:00:00,000 --> 00:00:02,000\nHello\n")
    make_episode(show, "0002-second.md", audio="media/0002-second.mp3", title="Second", season="1",
                 date="2024-02-01T09:30:00+02:00", type="bonus",
                 notes="Timestamps:\n\n00:00 Start\n\n00:03 [Middle](https://x.org/m)\n")
    out = tmp_path / "public"
    assert build(show, out) == 0
    compare_tree(out, "full", update_golden)


def test_the_repositorys_own_show_builds(tmp_path):
    """README's first command builds episodes/ as it is in this checkout, whatever a producer has put there; the
    exact expectations above are about the frozen copy (tests/data/shipped-show)."""
    show = tmp_path / "episodes"
    shutil.copytree(ROOT / "episodes", show, ignore=shutil.ignore_patterns(".feedtool"))
    out = tmp_path / "public"
    assert build(show, out, "--base-url", "http://127.0.0.1:8000/") == 0  # an address of this machine, not theirs
    assert feedparser.parse((out / "feed.xml").read_bytes()).bozo == 0
