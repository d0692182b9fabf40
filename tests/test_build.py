"""feedtool build: generated shows read back by real feed parsers (feedparser, podcastparser)."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
from pathlib import Path

import feedparser
import podcastparser
import pytest
from conftest import (
    BASE_URL,
    build,
    make_episode,
    make_m4a,
    make_mp3,
    run_cli,
    write_config,
)

from feedtool.facts import podcast_guid


def parse_both(feed_path):
    data = feed_path.read_bytes()
    fp = feedparser.parse(data)
    assert fp.bozo == 0, fp.get("bozo_exception")
    pp = podcastparser.parse(BASE_URL + "feed.xml", io.BytesIO(data))
    return fp, pp


def test_build_mp3_show_round_trips(tmp_path):
    show = tmp_path / "show"
    write_config(show)
    make_mp3(show / "media/0001-first.mp3", title="Tag title", chapters=[(0, 2, "Intro"), (2, 6, "Talk", "https://x.org/a")])
    make_episode(show, "0001-first.md", title="First episode", notes="Hello **world**.")
    make_mp3(show / "media/0002-second.mp3", title="Second")
    make_episode(show, "0002-second.md", audio="media/0002-second.mp3", title="Second",
                 date="2024-02-01T10:00:00+01:00", season=2, type="bonus")
    out = tmp_path / "public"
    assert build(show, out) == 0
    fp, pp = parse_both(out / "feed.xml")
    assert [e.title for e in fp.entries] == ["Second", "First episode"]
    first = pp["episodes"][0] if pp["episodes"][0]["title"] == "First episode" else pp["episodes"][1]
    size = (show / "media/0001-first.mp3").stat().st_size
    assert first["guid"] == "guid-0001-first"
    assert first["enclosures"] == [{"url": BASE_URL + "media/0001-first.mp3", "file_size": size,
                                    "mime_type": "audio/mpeg"}]
    assert first["total_time"] == 6
    assert first["number"] == 1
    assert [(c["start"], c["title"]) for c in first["chapters"]] == [(0, "Intro"), (2, "Talk")]
    assert first["chapters"][1]["href"] == "https://x.org/a"
    second = next(e for e in pp["episodes"] if e["title"] == "Second")
    assert second["type"] == "bonus" and second["season"] == 2
    assert pp["title"] == "Fixture Show"
    assert pp["cover_url"] == BASE_URL + "cover.jpg"
    chapters = json.loads((out / "chapters/0001-first.json").read_text())
    assert chapters == {"version": "1.2.0", "chapters": [
        {"startTime": 0, "title": "Intro"}, {"startTime": 2, "title": "Talk", "url": "https://x.org/a"}]}


def test_build_m4a_with_chapters_and_tags_as_fallbacks(tmp_path):
    show = tmp_path / "show"
    write_config(show)
    make_m4a(show / "media/0003-m4a.m4a", title="Title from the M4A tags", track=3,
             chapters=[(0, 3, "Part one"), (3, 6, "Part two")])
    make_episode(show, "0003-m4a.md", audio="media/0003-m4a.m4a", title=None)
    out = tmp_path / "public"
    assert build(show, out) == 0
    fp, pp = parse_both(out / "feed.xml")
    episode = pp["episodes"][0]
    assert episode["title"] == "Title from the M4A tags"
    assert episode["enclosures"][0]["mime_type"] == "audio/x-m4a"
    assert episode["enclosures"][0]["file_size"] == (show / "media/0003-m4a.m4a").stat().st_size
    assert episode["total_time"] == 6
    assert [(c["start"], c["title"]) for c in episode["chapters"]] == [(0, "Part one"), (3, "Part two")]


def test_channel_tags_as_apple_and_podcast_index_specify(show, tmp_path):
    out = tmp_path / "public"
    assert build(show, out) == 0
    xml = (out / "feed.xml").read_text()
    assert "<itunes:explicit>false</itunes:explicit>" in xml
    assert "<itunes:type>episodic</itunes:type>" in xml
    assert '<itunes:category text="News">\n      <itunes:category text="Politics"/>' in xml
    assert f'<atom:link href="{BASE_URL}feed.xml" rel="self" type="application/rss+xml"/>' in xml
    assert f"<podcast:guid>{podcast_guid(BASE_URL + 'feed.xml')}</podcast:guid>" in xml
    assert '<podcast:locked owner="owner@feedtool-fixtures.net">yes</podcast:locked>' in xml
    assert "<itunes:duration>6</itunes:duration>" in xml
    assert "<itunes:episodeType>full</itunes:episodeType>" in xml
    assert "<lastBuildDate>Mon, 15 Jan 2024 08:00:00 +0000</lastBuildDate>" in xml


def test_podcast_guid_derivation_matches_the_spec_example():
    assert podcast_guid("https://podnews.net/rss") == "9b024349-ccf0-5f69-a609-6b82873eab3c"
    assert podcast_guid("http://podnews.net/rss/") == "9b024349-ccf0-5f69-a609-6b82873eab3c"


def test_podcast_guid_is_recorded_once_and_kept_when_the_url_changes(show, tmp_path):
    out = tmp_path / "public"
    assert build(show, out) == 0
    first = podcast_guid(BASE_URL + "feed.xml")
    assert f'guid = "{first}"' in (show / "show.toml").read_text()
    text = (show / "show.toml").read_text().replace(BASE_URL, "https://cdn.moved-host.net/")
    (show / "show.toml").write_text(text)
    assert build(show, out) == 0
    assert f"<podcast:guid>{first}</podcast:guid>" in (out / "feed.xml").read_text()


def test_two_builds_are_byte_identical_and_the_cache_agrees(show, tmp_path):
    make_episode(show, "0002-two.md", audio="media/0002-two.mp3", date="2024-03-01")
    out_a, out_b = tmp_path / "a", tmp_path / "b"
    assert build(show, out_a) == 0
    first = (out_a / "feed.xml").read_bytes()
    assert build(show, out_a) == 0  # warm: every item from the cache
    assert (out_a / "feed.xml").read_bytes() == first
    assert build(show, out_b, "--no-cache") == 0
    assert (out_b / "feed.xml").read_bytes() == first


def test_warm_rebuild_picks_up_one_changed_episode(show, tmp_path, capsys):
    make_episode(show, "0002-two.md", audio="media/0002-two.mp3", date="2024-03-01")
    out = tmp_path / "public"
    assert build(show, out) == 0
    episode = show / "0002-two.md"
    episode.write_text(episode.read_text().replace("Episode 0002", "Renamed second"))
    capsys.readouterr()
    assert build(show, out) == 0
    assert "(1 unchanged, from the cache)" in capsys.readouterr().out
    fresh = tmp_path / "fresh"
    assert build(show, fresh, "--no-cache") == 0
    assert (out / "feed.xml").read_bytes() == (fresh / "feed.xml").read_bytes()
    assert "Renamed second" in (out / "feed.xml").read_text()


def test_new_episode_gets_a_guid_written_into_its_file_once(tmp_path):
    show = tmp_path / "show"
    write_config(show)
    path = make_episode(show, guid=None)
    out = tmp_path / "public"
    assert build(show, out) == 0
    guid = re.search(r"^guid: (\S+)$", path.read_text(), re.MULTILINE).group(1)
    assert f'<guid isPermaLink="false">{guid}</guid>' in (out / "feed.xml").read_text()
    before = (out / "feed.xml").read_bytes()
    assert build(show, out) == 0
    assert path.read_text().count("guid:") == 1
    assert (out / "feed.xml").read_bytes() == before


def test_notes_are_sanitised_and_the_same_in_description_and_content(tmp_path):
    show = tmp_path / "show"
    write_config(show)
    hostile = ('Hi <script>alert(1)</script><a href="javascript:alert(2)" onclick="x()">bad</a> '
               '<img src=x onerror=alert(3)> [good](https://ok.example.net/) <b>bold</b>\n\n## Heading')
    make_episode(show, notes=hostile)
    out = tmp_path / "public"
    assert build(show, out) == 0
    fp, _ = parse_both(out / "feed.xml")
    xml = (out / "feed.xml").read_text()
    for bad in ("<script", "javascript:", "onclick", "onerror", "alert(1)", "<img"):
        assert bad not in xml
    entry = fp.entries[0]
    assert entry.content[0].value == entry.description
    assert '<a href="https://ok.example.net/">good</a>' in entry.description
    assert "<p><strong>Heading</strong></p>" in entry.description


def test_long_notes_cut_description_at_4000_bytes_but_not_content(tmp_path):
    show = tmp_path / "show"
    write_config(show)
    notes = "\n\n".join(f"Paragraph {i} – ümlaut text with a [link](https://x.org/{i})." for i in range(300))
    make_episode(show, notes=notes)
    out = tmp_path / "public"
    assert build(show, out) == 0
    fp, _ = parse_both(out / "feed.xml")
    description = fp.entries[0].description
    assert len(description.encode()) <= 4000
    assert description.endswith("…</p>") or description.endswith("</p>")
    assert "Paragraph 299" in fp.entries[0].content[0].value


def test_standing_credits_and_funding_follow_every_episode(tmp_path):
    show = tmp_path / "show"
    extra = '\n[[show.funding]]\ntext = "Support us"\nurl = "https://donate.feedtool-fixtures.net/"\n'
    write_config(show, show={"credits": "A **standing** credit."})
    (show / "show.toml").write_text((show / "show.toml").read_text().replace("[feed]", extra + "\n[feed]"))
    make_episode(show)
    out = tmp_path / "public"
    assert build(show, out) == 0
    xml = (out / "feed.xml").read_text()
    assert "<p>A <strong>standing</strong> credit.</p>" in xml
    assert '<p>Support us – <a href="https://donate.feedtool-fixtures.net/">' in xml
    assert '<podcast:funding url="https://donate.feedtool-fixtures.net/">Support us</podcast:funding>' in xml


def test_chapters_from_notes_timestamps(tmp_path):
    show = tmp_path / "show"
    write_config(show)
    make_episode(show, notes="Sections:\n\n00:00 – Intro\n\n00:04 Outro\n")
    out = tmp_path / "public"
    assert build(show, out) == 0
    _, pp = parse_both(out / "feed.xml")
    assert [(c["start"], c["title"]) for c in pp["episodes"][0]["chapters"]] == [(0, "Intro"), (4, "Outro")]


def test_transcript_beside_the_audio(show, tmp_path):
    (show / "media/0001-first.vtt").write_text("WEBVTT\n\n00:00.000 --> 00:02.000\nHello\n")
    out = tmp_path / "public"
    assert build(show, out) == 0
    xml = (out / "feed.xml").read_text()
    assert (f'<podcast:transcript url="{BASE_URL}media/0001-first.vtt" type="text/vtt" language="en" '
            'rel="captions"/>') in xml


def test_tag_and_front_matter_conflict_is_a_warning_naming_both(tmp_path, capsys):
    show = tmp_path / "show"
    write_config(show)
    make_mp3(show / "media/0001-first.mp3", title="Old tag title")
    make_episode(show, title="New title")
    assert build(show, tmp_path / "public") == 0
    err = capsys.readouterr().err
    assert "title: front matter says 'New title', the audio's tag says 'Old tag title'" in err


def test_summary_line(show, tmp_path, capsys):
    assert build(show, tmp_path / "public") == 0
    out = capsys.readouterr().out
    assert re.search(r"built .*feed\.xml: 1 episode, 0:00:06 in all, 0 warnings", out)


def test_version_and_help(capsys):
    assert run_cli("--version") == 0
    assert "feedtool 0.1.0" in capsys.readouterr().out
    assert run_cli("build", "--help") == 0
    assert "SHOW_DIR" in capsys.readouterr().out
    assert run_cli() == 2


def test_audio_hosted_elsewhere_is_measured_or_needs_length_and_duration(tmp_path, capsys):
    """A URL nothing answers at (a closed port on loopback): an error, unless length and duration are typed,
    which are then used unchecked with a warning. Measuring a URL that answers: tests/test_remote.py."""
    show = tmp_path / "show"
    write_config(show)
    url = "http://127.0.0.1:9/ep1.mp3"
    make_episode(show, audio=url, make_audio=False)
    out = tmp_path / "public"
    assert build(show, out) == 1
    err = capsys.readouterr().err
    assert f"0001-first.md: audio '{url}': cannot reach the server" in err
    make_episode(show, audio=url, make_audio=False, length="123456", duration="01:02:03")
    assert build(show, out) == 0
    err = capsys.readouterr().err
    assert "the typed length and duration are used unchecked" in err
    _, pp = parse_both(out / "feed.xml")
    assert pp["episodes"][0]["enclosures"] == [{"url": url, "file_size": 123456, "mime_type": "audio/mpeg"}]
    assert pp["episodes"][0]["total_time"] == 3723


def test_duration_cannot_be_overridden_for_a_local_file(show, tmp_path, capsys):
    make_episode(show, duration="99")
    assert build(show, tmp_path / "public") == 1
    assert "0001-first.md: duration: is measured from the audio file (remove duration: from the front matter)" \
        in capsys.readouterr().err


def test_relative_urls_until_base_url_is_set(tmp_path, capsys):
    show = tmp_path / "show"
    write_config(show, feed={"base_url": None})
    make_episode(show)
    out = tmp_path / "public"
    assert build(show, out) == 0
    err = capsys.readouterr().err
    assert "feed.base_url: not set; enclosure URLs are relative" in err
    assert 'enclosure url="media/0001-first.mp3"' in (out / "feed.xml").read_text()
    assert build(show, out, "--base-url", "https://media.feedtool-fixtures.net/x/") == 0
    assert 'enclosure url="https://media.feedtool-fixtures.net/x/media/0001-first.mp3"' in (out / "feed.xml").read_text()


def test_date_without_offset_uses_the_show_timezone(tmp_path):
    show = tmp_path / "show"
    write_config(show, show={"timezone": "Europe/Kyiv"})
    make_episode(show, date="2022-03-06 12:00")
    out = tmp_path / "public"
    assert build(show, out) == 0
    assert "<pubDate>Sun, 06 Mar 2022 12:00:00 +0200</pubDate>" in (out / "feed.xml").read_text()


def test_shipped_show_builds_with_named_missing_facts(tmp_path, capsys):
    from pathlib import Path
    shipped = tmp_path / "episodes"
    shutil.copytree(Path(__file__).parent.parent / "episodes", shipped)
    assert build(shipped, tmp_path / "public") == 0
    err = capsys.readouterr().err
    for fact in ("show.link", "show.owner_name", "show.owner_email", "show.copyright", "show.funding[0].url",
                 "show.funding[1].url", "feed.base_url", "date: is marked approximate"):
        assert fact in err


def test_comment_tag_stands_in_for_missing_notes(tmp_path):
    show = tmp_path / "show"
    write_config(show)
    make_mp3(show / "media/0001-first.mp3", comment="Notes from the comment tag.")
    make_episode(show, notes="")
    out = tmp_path / "public"
    assert build(show, out) == 0
    fp, _ = parse_both(out / "feed.xml")
    assert fp.entries[0].description == "<p>Notes from the comment tag.</p>"


def test_a_deleted_chapters_folder_is_built_again(show, tmp_path):
    make_mp3(show / "media/0001-first.mp3", chapters=[(0, 3, "A"), (3, 6, "B")])
    out = tmp_path / "public"
    assert build(show, out) == 0
    feed, chapters = (out / "feed.xml").read_bytes(), (out / "chapters/0001-first.json").read_bytes()
    shutil.rmtree(out / "chapters")
    assert build(show, out) == 0  # warm: the cache knows the episode's chapters file is gone
    assert (out / "chapters/0001-first.json").read_bytes() == chapters
    assert (out / "feed.xml").read_bytes() == feed


def test_a_failed_first_build_leaves_no_chapters_behind(show, tmp_path):
    make_mp3(show / "media/0001-first.mp3", chapters=[(0, 3, "A"), (3, 6, "B")])
    make_episode(show, "0002-broken.md", audio="media/missing.mp3", make_audio=False)
    out = tmp_path / "public"
    assert build(show, out) == 1
    assert list(out.iterdir()) == []  # no chapters folder, no staging folder


def test_a_killed_builds_staging_folder_is_cleared(show, tmp_path):
    out = tmp_path / "public"
    abandoned = out / ".chapters.4194303.tmp"  # above the largest pid Linux hands out: no such process
    abandoned.mkdir(parents=True)
    (abandoned / "half.json").write_text("{")
    assert build(show, out) == 0
    assert not abandoned.exists()
    assert not (out / "chapters").exists()  # the show has no chapters: no empty folder either


def test_a_show_built_from_inside_its_folder_uses_the_cache(show, tmp_path, monkeypatch, capsys):
    make_episode(show, "0002-two.md", audio="media/0002-two.mp3", date="2024-03-01")
    monkeypatch.chdir(show)
    out = tmp_path / "public"
    assert run_cli("build", ".", "--out", str(out)) == 0
    first = (out / "feed.xml").read_bytes()
    capsys.readouterr()
    assert run_cli("build", ".", "--out", str(out)) == 0
    assert "(2 unchanged, from the cache)" in capsys.readouterr().out
    assert (out / "feed.xml").read_bytes() == first
    assert first.count(b"<item>") == 2


def _many_episodes(show, count=60):
    """Enough episodes for the parallel path (pipeline.PARALLEL_FROM); every second one has chapters."""
    from feedtool.build.pipeline import PARALLEL_FROM

    assert count >= PARALLEL_FROM
    make_mp3(show / "media/shared.mp3")
    for n in range(1, count + 1):
        notes = "Notes.\n\n00:00 Intro\n00:03 Talk\n" if n % 2 else "Notes without chapters."
        make_episode(show, f"{n:04d}-ep.md", notes=notes, audio=f"media/{n:04d}.mp3", make_audio=False,
                     date=f"2024-01-{1 + n % 28:02d}T{n % 24:02d}:00:00+00:00")
        shutil.copyfile(show / "media/shared.mp3", show / f"media/{n:04d}.mp3")


def test_parallel_and_serial_builds_write_the_same_bytes(tmp_path):
    from feedtool.build.pipeline import run
    from feedtool.read.config import load_config

    show = tmp_path / "show"
    write_config(show)
    _many_episodes(show)
    config = load_config(show)
    for jobs, out in ((2, tmp_path / "parallel"), (1, tmp_path / "serial")):
        report, _ = run(config, out_dir=out, jobs=jobs, use_cache=False)
        assert report.episodes == 60
    parallel, serial = tmp_path / "parallel", tmp_path / "serial"
    assert (parallel / "feed.xml").read_bytes() == (serial / "feed.xml").read_bytes()
    names = sorted(p.name for p in (parallel / "chapters").iterdir())
    assert len(names) == 30 and names == sorted(p.name for p in (serial / "chapters").iterdir())
    assert all((parallel / "chapters" / n).read_bytes() == (serial / "chapters" / n).read_bytes() for n in names)
    assert sorted(p.name for p in parallel.iterdir()) == ["chapters", "feed.xml"]  # no staging folder left


def test_a_failed_parallel_build_writes_nothing(tmp_path, capsys):
    show = tmp_path / "show"
    write_config(show)
    _many_episodes(show)
    make_episode(show, "0061-broken.md", audio="media/missing.mp3", make_audio=False)
    out = tmp_path / "public"
    assert build(show, out) == 1
    assert "0061-broken.md" in capsys.readouterr().err
    assert list(out.iterdir()) == []  # the chapters the workers wrote went with their staging folder


def test_a_full_disk_while_writing_chapters_is_an_error_not_a_traceback(show, tmp_path, monkeypatch, capsys):
    import errno

    from feedtool.build.write import StagedFolder

    make_mp3(show / "media/0001-first.mp3", chapters=[(0, 3, "A"), (3, 6, "B")])

    def no_space(*args):  # a real full disk cannot be made here without root-only mounts
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(StagedFolder, "add_to", staticmethod(no_space))
    out = tmp_path / "public"
    assert build(show, out) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert f"{out}: cannot write chapters/0001-first.json: No space left on device" in err
    assert list(out.iterdir()) == []


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_full_disk_while_spooling_items_is_an_error_not_a_traceback(show, tmp_path, monkeypatch, capsys):
    from feedtool.build import pipeline

    class FullDiskSpools(pipeline._Spools):  # every spool file is /dev/full: a real ENOSPC on each write
        def open(self, count):
            self.files += [open("/dev/full", "wb") for _ in range(count - len(self.files))]
            return self.files

    monkeypatch.setattr(pipeline, "_Spools", FullDiskSpools)
    out = tmp_path / "public"
    out.mkdir()
    (out / "feed.xml").write_bytes(b"the last good feed")
    assert build(show, out) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "0001-first.md: cannot write its item to a temporary file: No space left on device" in err
    assert (out / "feed.xml").read_bytes() == b"the last good feed"


def test_the_front_matter_loader_reads_yaml_as_pyyamls_base_loader():
    import yaml

    from feedtool.read.episodes import _front_matter_loader

    documents = [
        (Path(__file__).parent.parent / "episodes" / "0177-ukraine-foreign-legion.md").read_text().split("---")[1],
        "number: 0177\ntitle: No\nexplicit: true\ndate: 2022-03-06T10:00:00+02:00\nseason: 1.0\n",
        "a: &x [1, 2]\nb: *x\nc: {d: e, f: [g, ~]}\nk: |\n  block\n  text\nl: >\n  folded\n  text\n",
        "x: [a, {b: c}]\n? complex\n: value\n'quoted': \"esc\\taped \\u00e9\"\nempty:\nnull: null\n",
        "people:\n  - name: A\n    role: host\n  - {name: B, role: guest}\nkeywords: [a, 'b, c']\n",
        "s: &s text\nt: *s\nu: !!int 5\nv: !custom x\n",
        "m: &m {a: b}\nn: *m\no: [*m, *m]\nlist:\n- &i item\n- *i\n- [x, *i, {y: *i}]\na: 1\na: 2\n",
    ]
    for document in documents:
        ours, theirs = yaml.load(document, Loader=_front_matter_loader()), yaml.load(document, Loader=yaml.BaseLoader)
        assert ours == theirs
        if "n" in theirs:  # an alias is the same object, as with PyYAML
            assert (ours["m"] is ours["n"]) == (theirs["m"] is theirs["n"]) == (ours["o"][0] is ours["m"])
    for broken in ("title: [unclosed\n", "a: &a [*a]\n", "{[a]: b}\n"):  # bad syntax, recursion, unhashable key
        with pytest.raises(yaml.YAMLError):
            yaml.load(broken, Loader=yaml.BaseLoader)
        with pytest.raises(yaml.YAMLError):
            yaml.load(broken, Loader=_front_matter_loader())


def test_front_matter_split_as_line_by_line():
    """split_front_matter finds the closing line with one regular expression: held to the plain reading (split
    at newlines, the first line whose rstrip() is --- or ... closes) on random texts, odd whitespace included."""
    import random

    from feedtool.errors import EpisodeError
    from feedtool.read.episodes import split_front_matter

    def line_by_line(text):
        lines = text.split("\n")
        for i, line in enumerate(lines[1:], start=1):
            if line.rstrip() in ("---", "..."):
                return "\n".join(lines[1:i]), "\n".join(lines[i + 1 :]), i + 2
        return None

    pieces = ["---", "...", "--- ", "---\t", "---\r", " ---", "----", "a: b", "", "\u00a0", "---\u00a0", "..\n.",
              "\x0b", "---\x0c", "\u2028", "---\u2028x", "\x85", "title: x --- y"]
    rng = random.Random(177)
    for _ in range(20_000):
        text = "---" + rng.choice(["", " ", "\r"]) + "\n" + "\n".join(rng.choices(pieces, k=rng.randint(0, 6)))
        try:
            split = split_front_matter(text, "e.md")
        except EpisodeError:
            split = None
        assert split == line_by_line(text), repr(text)


def test_a_build_process_that_dies_is_a_named_error(show, tmp_path, monkeypatch, capsys):
    """A worker killed mid-build (the out-of-memory killer, a signal) breaks the process pool: a clear error,
    not a traceback, and the last good feed stays."""
    import signal

    from feedtool.build import pipeline

    _many_episodes(show)
    out = tmp_path / "public"
    out.mkdir()
    (out / "feed.xml").write_bytes(b"the last good feed")
    real = pipeline.build_episode

    def dies_on_the_seventh(config, footer, path, *args):
        if path.name == "0007-ep.md":
            os.kill(os.getpid(), signal.SIGKILL)  # in a worker process: the pool is forked after this patch
        return real(config, footer, path, *args)

    monkeypatch.setattr(pipeline, "build_episode", dies_on_the_seventh)
    assert build(show, out) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "a build process ended abruptly; nothing was written" in err
    assert (out / "feed.xml").read_bytes() == b"the last good feed"
    assert sorted(p.name for p in out.iterdir()) == ["feed.xml"]


def test_flat_front_matter_reads_as_pyyamls_base_loader():
    """The flat front matter reader (episodes._flat_front_matter) against PyYAML's BaseLoader on random
    front matter: where it reads a file, it reads what PyYAML reads; anything else it leaves to PyYAML,
    including every file PyYAML refuses."""
    import random

    import yaml

    from feedtool.read.episodes import _flat_front_matter

    values = [
        "12", "0177", "2024-01-15T08:00:00+02:00", "2024-01-15 08:00", "media/0001-a.mp3", "https://x.org/a?b",
        "bench-00000012", "No", "true", "~", "null", "1.0", "1e3", "a b c", "10:00 am", "v1.", "x-y_z",
        '"Episode 12: Front"', '"Київ, 2022"', '"a # b"', '" spaced "', '"it\'s"', '""', "[a, b, c]", "[]",
        "[ukraine, legion history]", "[1.5, x/y]",
        # near misses: PyYAML's to read (or to refuse)
        "a: b", "a #b", "a # b", "a  b", "a ", " a", "-a", "- a", "a -b", "'single'", "'it''s'", '"esc\\"aped"',
        '"back\\\\slash"', '"tab\\there"', "[a,b]", "[a , b]", "[ a]", "[a: b]", "[a, [b]]", "{a: b}", "&x a",
        "*x", "!tag a", "|", ">", "%a", "@a", "`a`", "a:", "a::b", "Київ", "a\tb", "a\x07b", "\ufeffa", "a\u00a0b",
        "https://x.org/#frag", "[a, 'b']", '"unclosed', "[unclosed", "a]", "a,b", "?a", ":a", "a'b",
        '"bell\x07"', '"tab\there"', '"no\u00a0break"', '"\ufeffmark"', '"\\x41"', '"a\\"',
    ]
    keys = ["title", "number", "date", "audio", "guid", "keywords", "x", "_a", "a1", "title", "2key", "k-y", "k y"]
    rng = random.Random(2024)
    read = 0
    for _ in range(6000):
        lines = []
        for _ in range(rng.randint(0, 7)):
            if rng.random() < 0.05:
                lines.append(rng.choice(["", "  indented: x", "# comment", "- item", "key:", "key:value", "k: v # c"]))
            else:
                lines.append(f"{rng.choice(keys)}: {rng.choice(values)}")
        front = "\n".join(lines) + rng.choice(["", "\n", "\n\n"])
        try:
            expected = yaml.load(front, Loader=yaml.BaseLoader) or {}
        except yaml.YAMLError:
            expected = None
        got = _flat_front_matter(front)
        if got is not None:
            read += 1
            assert got == expected, repr(front)
    assert read > 1000  # the reader is used, not only deferred
