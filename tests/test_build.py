"""feedtool build: generated shows read back by real feed parsers (feedparser, podcastparser)."""

from __future__ import annotations

import io
import json
import os
import re
import shutil

import feedparser
import podcastparser
import pytest
from conftest import (
    BASE_URL,
    build,
    make_episode,
    make_m4a,
    make_mp3,
    many_episodes,
    run_cli,
    shipped_copy,
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


def test_a_trailer_or_bonus_takes_a_number_only_from_its_front_matter(tmp_path, capsys):
    # Apple: a trailer (bonus) with an episode number belongs to that episode; the show's own has none
    show = tmp_path / "show"
    write_config(show)
    make_mp3(show / "media/trailer.mp3", track="3")
    make_episode(show, "0003-show-trailer.md", audio="media/trailer.mp3", make_audio=False, type="trailer")
    make_episode(show, "0004-bonus.md", audio="media/b.mp3", type="bonus", date="2024-01-02")
    make_episode(show, "0006-teaser.md", audio="media/t.mp3", type="trailer", number=6, date="2024-01-03")
    make_episode(show, "0006-the-episode.md", audio="media/e.mp3", title="The episode", date="2024-01-05")
    make_episode(show, "0007-full.md", audio="media/f.mp3", date="2024-01-04")
    out = tmp_path / "public"
    assert build(show, out) == 0  # the teaser shares episode 6's number: it belongs to it, no duplicate
    fp, pp = parse_both(out / "feed.xml")
    numbers = {e["title"]: (e["type"], e.get("number")) for e in pp["episodes"]}  # titles: "Episode 0003"…
    assert numbers == {"Episode 0003": ("trailer", None), "Episode 0004": ("bonus", None),
                       "Episode 0006": ("trailer", 6), "The episode": ("full", 6), "Episode 0007": ("full", 7)}
    assert run_cli("check", out / "feed.xml") == 0  # and check of the feed agrees
    assert "<itunes:episode>" not in (out / "feed.xml").read_text().split("Episode 0004")[1].split("</item>")[0]


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


def test_a_guid_that_cannot_be_recorded_is_the_same_on_every_build(tmp_path, monkeypatch, capsys):
    """A read-only show folder (a CI cache, a mounted share): the new episode's GUID cannot be written into its
    file. It must not change from build to build, or every app would download the episode again."""
    import errno

    from feedtool.build import pin

    show = tmp_path / "show"
    write_config(show)
    path = make_episode(show, guid=None)
    real_write = pin.atomic_write

    def read_only(*args, **kwargs):  # tests run as root, for whom no file is read-only: the OS error is simulated
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(pin, "atomic_write", read_only)
    feeds = []
    for out in (tmp_path / "a", tmp_path / "b"):
        assert build(show, out) == 0
        feeds.append((out / "feed.xml").read_bytes())
    assert feeds[0] == feeds[1]
    guid = re.search(rb'<guid isPermaLink="false">([^<]+)</guid>', feeds[0]).group(1).decode()
    err = capsys.readouterr().err
    assert (f"warning: {path}: guid: cannot record its new GUID {guid} in the file: Read-only file system "
            f"(add guid: {guid} to its front matter; until then every build derives the same GUID from the file "
            "name, so do not rename it)") in err
    assert "guid:" not in path.read_text()
    monkeypatch.setattr(pin, "atomic_write", real_write)
    assert build(show, tmp_path / "c") == 0  # writable again: the same GUID is recorded
    assert re.search(r"^guid: (\S+)$", path.read_text(), re.MULTILINE).group(1) == guid


def test_a_one_off_address_records_no_podcast_guid(show, tmp_path, capsys):
    config = show / "show.toml"
    before = config.read_bytes()
    assert build(show, tmp_path / "a", "--base-url", "https://staging.feedtool-fixtures.net/") == 0
    assert config.read_bytes() == before
    assert ("info: " + str(config) + ":show.guid: not recorded: this build is for an address given on the command "
            "line") in capsys.readouterr().err
    assert build(show, tmp_path / "b") == 0
    assert f'guid = "{podcast_guid(BASE_URL + "feed.xml")}"' in config.read_text()


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


def test_channel_text_is_sanitised_like_the_notes_and_check_agrees(tmp_path, capsys):
    show = tmp_path / "show"
    extra = ('\n[[show.funding]]\ntext = "Give <script>alert(1)</script>&lt;img src=x onerror=y&gt;now"\n'
             'url = "https://donate.feedtool-fixtures.net/"\n')
    write_config(show, show={"description": "A *fine* show.<style>p{}</style><script>steal()</script> "
                                            "[Site](https://www.feedtool-fixtures.net/) <a onclick='x()'>here</a>"})
    (show / "show.toml").write_text((show / "show.toml").read_text().replace("[feed]", extra + "\n[feed]"))
    make_episode(show)
    out = tmp_path / "public"
    assert build(show, out) == 0
    xml = (out / "feed.xml").read_text()
    channel = xml.split("<item>")[0]
    assert ('<description><![CDATA[<p>A <em>fine</em> show. <a href="https://www.feedtool-fixtures.net/">Site</a> '
            '<a>here</a></p>]]></description>') in channel
    assert '<podcast:funding url="https://donate.feedtool-fixtures.net/">Give now</podcast:funding>' in channel
    assert "<p>Give now – <a" in xml  # the appeal line in the notes, cleaned the same way
    for active in ("<script", "steal", "<style", "onclick", "onerror", "&lt;img"):
        assert active not in xml
    fp = feedparser.parse(xml)
    assert fp.bozo == 0 and "steal" not in fp.feed.description
    capsys.readouterr()
    assert run_cli("check", out / "feed.xml") == 0
    assert "channel-" not in capsys.readouterr().out


def test_a_description_of_markup_alone_is_an_error(tmp_path, capsys):
    show = tmp_path / "show"
    write_config(show, show={"description": "<script>alert(1)</script>"})
    make_episode(show)
    assert build(show) == 1
    assert "show.description: has no text once the markup apps do not render is removed" in capsys.readouterr().err


def test_credits_that_repeat_the_description_stay_out_and_unset_appeals_too(tmp_path, capsys):
    show = tmp_path / "show"
    extra = '\n[[show.funding]]\ntext = "Check the link"\nurl = ""\n'
    write_config(show, show={"description": "We make a show. About things.", "credits": "We make a **show**."})
    (show / "show.toml").write_text((show / "show.toml").read_text().replace("[feed]", extra + "\n[feed]"))
    make_episode(show)
    out = tmp_path / "public"
    assert build(show, out) == 0
    err = capsys.readouterr().err
    assert "show.credits: repeats show.description word for word; left out of the episode notes" in err
    assert "show.funding[0].url: not set" in err  # the appeal without its link is still named
    xml = (out / "feed.xml").read_text()
    assert "We make a <strong>show</strong>" not in xml and "Check the link" not in xml
    assert build(show, out, "--strict") == 1


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
    shipped = shipped_copy(tmp_path)
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
    from feedtool.build.items import PARALLEL_FROM

    assert count >= PARALLEL_FROM
    many_episodes(show, count)


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
    from feedtool.build import items

    _many_episodes(show)  # enough for the parallel builder, the one that spools
    # every spool file is /dev/full: a real ENOSPC on each write
    monkeypatch.setattr(items.tempfile, "TemporaryFile", lambda dir=None: open("/dev/full", "wb"))
    out = tmp_path / "public"
    out.mkdir()
    (out / "feed.xml").write_bytes(b"the last good feed")
    assert build(show, out) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "0001-first.md: cannot write its item to a temporary file: No space left on device" in err
    assert "0060-ep.md: cannot write its item to a temporary file: No space left on device" in err
    assert (out / "feed.xml").read_bytes() == b"the last good feed"


def test_a_build_process_that_dies_is_a_named_error(show, tmp_path, monkeypatch, capsys):
    """A worker killed mid-build (the out-of-memory killer, a signal) breaks the process pool: a clear error,
    not a traceback, and the last good feed stays."""
    import signal

    from feedtool.build import items

    _many_episodes(show)
    out = tmp_path / "public"
    out.mkdir()
    (out / "feed.xml").write_bytes(b"the last good feed")
    real = items.build_episode

    def dies_on_the_seventh(config, footer, path, *args):
        if path.name == "0007-ep.md":
            os.kill(os.getpid(), signal.SIGKILL)  # in a worker process: the pool is forked after this patch
        return real(config, footer, path, *args)

    monkeypatch.setattr(items, "build_episode", dies_on_the_seventh)
    assert build(show, out) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "a build process ended abruptly; nothing was written" in err
    assert (out / "feed.xml").read_bytes() == b"the last good feed"
    assert sorted(p.name for p in out.iterdir()) == ["feed.xml"]
