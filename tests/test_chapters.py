"""Chapters from one source (front matter > notes timestamps > embedded), the same in the feed, the JSON file and
the audio's own tags, and every chapter error named with its episode and chapter."""

from __future__ import annotations

import io
import json

import podcastparser
import pytest
from conftest import BASE_URL, build, cover_jpeg, make_episode, make_mp3, run_cli, write_config
from lxml import etree
from mutagen.id3 import ID3

from feedtool.build.pipeline import BuildOptions, run
from feedtool.read.chapters import chapters_from_notes
from feedtool.read.config import load_config
from feedtool.render.ext import PSC_NS

EMBEDDED = [(0, 3, "Embedded one"), (3, 6, "Embedded two")]
NOTES = "Sections:\n\n00:00 – From the notes\n00:04 [Notes link](https://n.example.org/x)\n"
FRONT = [{"start": "00:00", "title": "Front one"}, {"start": "00:01.5", "title": "Front two"}]


def chapters_everywhere(show, out, tag: bool = True):
    """(start, title, url, hidden) from psc:chapters, the JSON chapters file and the MP3's CHAP/CTOC frames."""
    feed = etree.parse(str(out / "feed.xml"))
    psc = [(_npt(c.get("start")), c.get("title"), c.get("href"), False)
           for c in feed.iter(f"{{{PSC_NS}}}chapter")]
    document = json.loads((out / "chapters/0001-first.json").read_text())
    from_json = [(c["startTime"], c["title"], c.get("url"), c.get("toc") is False) for c in document["chapters"]]
    if tag:
        assert run_cli("tag", show) == 0
    tags = ID3(show / "media/0001-first.mp3")
    listed = {i for toc in tags.getall("CTOC") for i in toc.child_element_ids}
    from_id3 = sorted((c.start_time / 1000, str(c.sub_frames["TIT2"]),
                       next((w.url for w in c.sub_frames.getall("WXXX")), None), c.element_id not in listed)
                      for c in tags.getall("CHAP"))
    return psc, from_json, from_id3


def _npt(text: str) -> float:
    hours, minutes, seconds = text.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def new_show(tmp_path, notes="Plain notes.", **front):
    show = tmp_path / "show"
    write_config(show)
    make_mp3(show / "media/0001-first.mp3", chapters=EMBEDDED)
    make_episode(show, notes=notes, **front)
    return show


@pytest.mark.parametrize(("notes", "front", "expected"), [
    (NOTES, {"chapters": FRONT}, [(0, "Front one", None), (1.5, "Front two", None)]),
    (NOTES, {}, [(0, "From the notes", None), (4, "Notes link", "https://n.example.org/x")]),
    ("No timestamps here.", {}, [(0, "Embedded one", None), (3, "Embedded two", None)]),
], ids=["front-matter-wins", "notes-beat-embedded", "embedded-last"])
def test_one_source_of_chapters_everywhere(tmp_path, notes, front, expected):
    show = new_show(tmp_path, notes, **front)
    out = tmp_path / "public"
    assert build(show, out) == 0
    psc, from_json, from_id3 = chapters_everywhere(show, out)
    want = [(start, title, url, False) for start, title, url in expected]
    assert psc == from_json == from_id3 == want
    pp = podcastparser.parse(BASE_URL + "feed.xml", io.BytesIO((out / "feed.xml").read_bytes()))
    assert [(c["start"], c["title"]) for c in pp["episodes"][0]["chapters"]] == [(int(s), t) for s, t, _ in expected]


def test_hidden_chapters_stay_out_of_the_tables_of_contents(tmp_path):
    chapters = [{"start": "00:00", "title": "Intro"}, {"start": "00:02", "title": "Ad marker", "hidden": "true"},
                {"start": "00:03", "title": "Talk", "url": "https://t.example.org/"}]
    show = new_show(tmp_path, chapters=chapters)
    out = tmp_path / "public"
    assert build(show, out) == 0
    psc, from_json, from_id3 = chapters_everywhere(show, out)
    assert from_json == from_id3 == [(0, "Intro", None, False), (2, "Ad marker", None, True),
                                     (3, "Talk", "https://t.example.org/", False)]
    assert psc == [c for c in from_json if not c[3]]


def test_chapter_image_in_the_show_folder_is_published_with_its_url(tmp_path, capsys):
    show = new_show(tmp_path, chapters=[{"start": "00:00", "title": "Intro", "image": "art/intro.jpg"},
                                        {"start": "00:02", "title": "Web", "image": "https://i.example.org/w.jpg"}])
    (show / "art").mkdir()
    (show / "art/intro.jpg").write_bytes((show / "cover.jpg").read_bytes())
    out = tmp_path / "public"
    assert build(show, out) == 0
    document = json.loads((out / "chapters/0001-first.json").read_text())
    assert [c.get("img") for c in document["chapters"]] == [BASE_URL + "art/intro.jpg", "https://i.example.org/w.jpg"]
    assert [c.get("image") for c in etree.parse(str(out / "feed.xml")).iter(f"{{{PSC_NS}}}chapter")] == [
        BASE_URL + "art/intro.jpg", "https://i.example.org/w.jpg"]
    report, _ = run(load_config(show), BuildOptions(out_dir=tmp_path / "again", use_cache=False))
    assert "art/intro.jpg" in report.refs[0].files
    capsys.readouterr()
    assert build(show, out) == 0
    assert "(1 unchanged, from the cache)" in capsys.readouterr().out
    (show / "art/intro.jpg").write_bytes(cover_jpeg(color=(9, 9, 9)))  # a dependency: the cached episode is built again
    assert build(show, out) == 0
    assert "from the cache" not in capsys.readouterr().out


def test_missing_chapter_image_names_episode_and_chapter(tmp_path, capsys):
    show = new_show(tmp_path, chapters=[{"start": "00:00", "title": "Intro", "image": "art/gone.jpg"}])
    assert build(show, tmp_path / "public") == 1
    assert capsys.readouterr().err.replace(str(show) + "/", "").splitlines()[0] == (
        "error: 0001-first.md: chapters[1] 'Intro': image: 'art/gone.jpg' not found "
        "(check the path, relative to the show folder)")


@pytest.mark.parametrize(("chapters", "errors"), [
    ([{"start": "00:00", "title": "A"}, {"start": "00:09", "title": "Late"}],
     ["0001-first.md: chapters[2] 'Late': starts at 9 s, after the audio ends (6 s) "
      "(fix the start time or the audio)"]),
    ([{"start": "00:00", "title": "A"}, {"start": "00:04", "title": "B"}, {"start": "00:02", "title": "Early"}],
     ["0001-first.md: chapters[3] 'Early': starts at 2 s, before the chapter before it (list chapters in time order)"]),
    ([{"start": "00:00", "title": "A"}, {"start": "00:00", "title": "Twin"}],
     ["0001-first.md: chapters[2] 'Twin': starts at 0 s like the chapter before (give each chapter its own start)"]),
    ([{"start": "00:03", "title": "A"}, {"start": "00:01", "title": "B"}, {"start": "00:07", "title": "C"}],
     ["0001-first.md: chapters[2] 'B': starts at 1 s, before the chapter before it (list chapters in time order)",
      "0001-first.md: chapters[3] 'C': starts at 7 s, after the audio ends (6 s) (fix the start time or the audio)"]),
], ids=["beyond-the-end", "unsorted", "duplicate", "all-at-once"])
def test_chapter_errors_name_episode_and_chapter(tmp_path, capsys, chapters, errors):
    show = new_show(tmp_path, chapters=chapters)
    out = tmp_path / "public"
    assert build(show, out) == 1
    err = capsys.readouterr().err.replace(str(show) + "/", "")
    assert err.splitlines() == [f"error: {e}" for e in errors] + [
        f"error: {len(errors)} error{'s' * (len(errors) > 1)}; nothing was written"]
    assert not (out / "feed.xml").exists()


def test_notes_timestamps_are_checked_like_front_matter(tmp_path, capsys):
    show = new_show(tmp_path, notes="00:00 Start\n00:05 Middle\n00:03 Back again\n")
    assert build(show, tmp_path / "public") == 1
    assert ("error: 0001-first.md: chapters[3] 'Back again': starts at 3 s, before the chapter before it "
            "(list chapters in time order)") in capsys.readouterr().err.replace(str(show) + "/", "")


def test_a_malformed_chapter_start_names_the_line(tmp_path, capsys):
    show = new_show(tmp_path, chapters=[{"start": "00:00", "title": "A"}, {"start": "1:75", "title": "B"}])
    assert build(show, tmp_path / "public") == 1
    line = capsys.readouterr().err.replace(str(show) + "/", "").splitlines()[0]
    assert line.startswith("error: 0001-first.md:") and "chapters: chapter 2: start: '1:75' is not a time" in line


@pytest.mark.parametrize(("notes", "expected"), [
    ("00:00 – Intro\n12:16 Outro", [(0, "Intro", None), (736, "Outro", None)]),
    ("- 00:00 Intro\n- 1:02:03 - Deep dive", [(0, "Intro", None), (3723, "Deep dive", None)]),
    ("[00:00] Intro\n(00:30) | Second", [(0, "Intro", None), (30, "Second", None)]),
    ("00:00 [Linked](https://l.example.org/a)\n00:10: Plain", [(0, "Linked", "https://l.example.org/a"),
                                                              (10, "Plain", None)]),
    ("Recorded at 10:30 in Kyiv.", []),
    ("Only one line\n00:00 Intro", []),
])
def test_chapters_from_notes_timestamps(notes, expected):
    assert [(c.start, c.title, c.url) for c in chapters_from_notes(notes)] == expected


def test_chapters_file_is_one_chapter_a_line():
    import doctest

    from feedtool.render import chapters

    result = doctest.testmod(chapters)
    assert result.attempted and not result.failed


def test_chapters_file_lines_are_what_json_writes():
    """render_chapters writes each chapter's line itself around json's string encoder: held to json.dumps
    (and the file to json.loads) on random chapters: quotes, backslashes, control characters, any script,
    surrogates' neighbours, long and short floats, hidden chapters, links and images."""
    import random

    from feedtool.model import Chapter
    from feedtool.render.chapters import _number, render_chapters

    rng = random.Random(7)
    alphabet = 'aZ09 "\\/\n\t\x00\x1f\x7f\u00e9\u0416\u05d0\u4e2d\U0001f399\u2028\ufeff<>&'
    for _ in range(2000):
        chapters = tuple(
            Chapter(
                start=rng.choice([0, 1, 59.5, 61.123456, 1e-7, 3600 * 5 + 0.001, rng.random() * 10_000]),
                title="".join(rng.choices(alphabet, k=rng.randint(0, 12))),
                url=rng.choice([None, "", "https://x.org/a?b=\"c\"", "https://例え.jp/" + rng.choice(alphabet)]),
                image=rng.choice([None, "https://x.org/i.jpg", "chapters/img \u00e9.png"]),
                hidden=rng.random() < 0.2,
            )
            for _ in range(rng.randint(0, 5))
        )
        data = render_chapters(chapters).decode()
        lines = data.split("\n")[3:-3] if chapters else []
        for chapter, line in zip(chapters, lines, strict=True):
            item = {"startTime": _number(chapter.start), "title": chapter.title}
            if chapter.url:
                item["url"] = chapter.url
            if chapter.image:
                item["img"] = chapter.image
            if chapter.hidden:
                item["toc"] = False
            assert line.strip().rstrip(",") == json.dumps(item, ensure_ascii=False)
        assert json.loads(data)["chapters"] == [json.loads(line.strip().rstrip(",")) for line in lines]
