"""lastBuildDate says when the feed's content last changed (build/history.py): the newest episode's date on a
first build, the build's moment when an episode changed, and the same bytes while nothing changed."""

import re

from conftest import build, make_episode, write_config


def last_build_date(out):
    return re.search(r"<lastBuildDate>([^<]+)</lastBuildDate>", (out / "feed.xml").read_text()).group(1)


def two_episode_show(tmp_path):
    show = tmp_path / "show"
    write_config(show)
    make_episode(show, "0001-first.md", date="2024-01-15T08:00:00+00:00")
    make_episode(show, "0002-second.md", audio="media/0002.mp3", date="2024-02-01T08:00:00+00:00")
    return show


def test_a_first_build_says_the_newest_episodes_date_and_unchanged_rebuilds_say_it_again(tmp_path):
    show = two_episode_show(tmp_path)
    out = tmp_path / "out"
    assert build(show, out, "--now", "2026-01-01T00:00:00Z") == 0
    first = (out / "feed.xml").read_bytes()
    assert last_build_date(out) == "Thu, 01 Feb 2024 08:00:00 +0000"
    assert build(show, out, "--now", "2026-06-01T00:00:00Z") == 0  # later, nothing changed
    assert (out / "feed.xml").read_bytes() == first
    assert build(show, tmp_path / "again", "--no-cache") == 0  # the date is not the cache's
    assert (tmp_path / "again" / "feed.xml").read_bytes() == first


def test_an_edited_episode_dates_the_feed_at_the_builds_moment_until_the_next_change(tmp_path):
    show = two_episode_show(tmp_path)
    out = tmp_path / "out"
    assert build(show, out, "--now", "2026-01-01T00:00:00Z") == 0
    episode = show / "0001-first.md"
    episode.write_text(episode.read_text().replace("First episode notes.", "Corrected notes."))
    assert build(show, out, "--now", "2026-03-04T05:06:00Z") == 0
    assert last_build_date(out) == "Wed, 04 Mar 2026 05:06:00 +0000"
    assert build(show, out, "--now", "2026-09-09T09:09:00Z") == 0
    assert last_build_date(out) == "Wed, 04 Mar 2026 05:06:00 +0000"
    assert build(show, out, "--now", "2026-02-01T00:00:00Z") == 0  # as of before that change: never later than now
    assert last_build_date(out) == "Sun, 01 Feb 2026 00:00:00 +0000"


def test_an_episode_going_live_is_a_change_and_a_one_off_address_records_nothing(tmp_path):
    show = two_episode_show(tmp_path)
    make_episode(show, "0003-third.md", audio="media/0003.mp3", date="2026-05-01T10:00:00+00:00")
    out = tmp_path / "out"
    assert build(show, out, "--now", "2026-04-01T00:00:00Z") == 0
    assert last_build_date(out) == "Thu, 01 Feb 2024 08:00:00 +0000"
    assert build(show, out, "--now", "2026-05-02T00:00:00Z") == 0
    assert last_build_date(out) == "Sat, 02 May 2026 00:00:00 +0000"
    record = (show / ".feedtool" / "feed-dates.json").read_bytes()
    assert build(show, tmp_path / "staging", "--base-url", "https://staging.feedtool-fixtures.net/") == 0
    assert (show / ".feedtool" / "feed-dates.json").read_bytes() == record
