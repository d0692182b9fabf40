"""feedtool check on show folders, and the same rules inside feedtool build (per episode, per channel, across)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import feedparser
import podcastparser
import pytest
from conftest import BASE_URL, build, cover_jpeg, make_episode, run_cli, shipped_copy, write_config
from PIL import Image

from feedtool.check.rules import check_feed
from feedtool.check.run import check_target
from feedtool.read.episodes import display_path

REPO = Path(__file__).parent.parent
# The producer facts the seed of the shipped show lost; feedtool names them and invents none.
SHIPPED_MISSING = ["show.link", "show.owner_name", "show.owner_email", "show.copyright", "show.funding[0].url",
                   "show.funding[1].url", "feed.base_url"]


def image_bytes(size=(1400, 1400), mode="RGB", kind="JPEG") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, (10, 20, 30, 40)[: len(mode)] if mode != "P" else 0).save(buffer, kind)
    return buffer.getvalue()


def check(show_dir: Path):
    return list(check_target(str(show_dir)).findings)


def test_the_shipped_show_checks_clean_apart_from_the_missing_producer_facts(tmp_path, monkeypatch, capsys):
    shipped_copy(tmp_path)
    monkeypatch.chdir(tmp_path)  # `feedtool check` with no argument checks ./episodes
    before = sorted(p.relative_to(tmp_path) for p in (tmp_path / "episodes").rglob("*"))
    findings = check(Path("episodes"))
    assert [f.where.split(":", 1)[1] for f in findings if f.rule == "config/missing"] == SHIPPED_MISSING
    assert [(f.rule, f.where) for f in findings if f.rule != "config/missing"] == [
        ("episode/date-approximate", "episodes/0177-ukraine-foreign-legion.md:5: date")]
    assert all(f.severity == "warning" for f in findings)
    assert run_cli("check") == 0
    assert capsys.readouterr().out.splitlines()[-1] == "checked episodes: 1 episode; 0 errors, 8 warnings, 0 notes"
    assert run_cli("check", "--strict") == 1
    assert sorted(p.relative_to(tmp_path) for p in (tmp_path / "episodes").rglob("*")) == before  # check writes nothing


def test_a_complete_show_checks_clean_and_so_does_the_feed_build_writes(show, tmp_path):
    make_episode(show, "0002-two.md", audio="media/0002-two.mp3", date="2024-03-01",
                 people=[{"name": "Fixture Guest", "role": "guest"}])
    (show / "media/0002-two.vtt").write_text("WEBVTT\n\n00:00.000 --> 00:02.000\nHello\n")
    assert check(show) == []
    out = tmp_path / "public"
    assert build(show, out) == 0
    data = (out / "feed.xml").read_bytes()
    assert check_feed(data, "feed.xml")[0] == []
    assert feedparser.parse(data).bozo == 0
    episodes = podcastparser.parse(BASE_URL + "feed.xml", io.BytesIO(data))["episodes"]
    assert [e["title"] for e in episodes] == ["Episode 0002", "Episode 0001"]


ARTWORK = [
    ("cover.jpg", image_bytes(kind="PNG"), "apple/artwork-format", "is a PNG image named '.jpg'"),
    ("cover.gif", image_bytes(mode="P", kind="GIF"), "apple/artwork-format", "is a GIF image"),
    ("cover.jpg", b"not an image at all", "apple/artwork-format", "is not a readable image"),
    ("cover.jpg", image_bytes((1000, 1000)), "apple/artwork-size", "is 1000×1000 px"),
    ("cover.jpg", image_bytes((3001, 3001)), "apple/artwork-size", "is 3001×3001 px"),
    ("cover.jpg", image_bytes((1400, 1500)), "apple/artwork-size", "is 1400×1500 px, not square"),
    ("cover.jpg", image_bytes(mode="CMYK"), "apple/artwork-color", "uses the CMYK colour mode, not RGB"),
    ("cover.png", image_bytes(mode="RGBA", kind="PNG"), "apple/artwork-color", "has transparency"),
]


@pytest.mark.parametrize("name, data, rule, message", ARTWORK, ids=[a[3][:24] for a in ARTWORK])
def test_show_artwork_is_read_from_the_image_itself(tmp_path, name, data, rule, message):
    show = tmp_path / "show"
    show.mkdir()
    (show / name).write_bytes(data)
    write_config(show, show={"artwork": name})
    make_episode(show)
    config_path = show / "show.toml"
    [finding] = [f for f in check(show) if f.rule.startswith("apple/artwork")]
    assert (finding.rule, finding.where, finding.message) == (rule, f"{config_path}:show.artwork", message)


@pytest.mark.parametrize("size", [1400, 3000])
def test_square_rgb_artwork_within_apples_sizes_passes(tmp_path, size):
    show = tmp_path / "show"
    show.mkdir()
    (show / "cover.png").write_bytes(image_bytes((size, size), kind="PNG"))
    write_config(show, show={"artwork": "cover.png"})
    make_episode(show)
    assert check(show) == []


def test_build_refuses_artwork_apple_rejects_and_writes_nothing(tmp_path, capsys):
    show = tmp_path / "show"
    show.mkdir()
    (show / "cover.jpg").write_bytes(cover_jpeg(size=1000))
    write_config(show)
    make_episode(show)
    out = tmp_path / "public"
    assert build(show, out) == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [(f"error: {show / 'show.toml'}:show.artwork: is 1000×1000 px "
                    "(Apple takes 1400×1400 to 3000×3000 px)"),
                   "error: 1 error; nothing was written"]
    assert not (out / "feed.xml").exists()


def test_episode_artwork_findings_point_at_the_episode_file(show, tmp_path, capsys):
    (show / "small.png").write_bytes(image_bytes((600, 600), kind="PNG"))
    episode = make_episode(show, "0002-two.md", audio="media/0002-two.mp3", date="2024-03-01", image="small.png")
    assert build(show, tmp_path / "public") == 1
    assert (f"error: {display_path(episode)}: image: is 600×600 px (Apple takes 1400×1400 to 3000×3000 px)"
            in capsys.readouterr().err.splitlines())


def test_build_refuses_a_duplicate_guid_and_names_both_files(show, tmp_path, capsys):
    second = make_episode(show, "0002-two.md", audio="media/0002-two.mp3", date="2024-03-01", guid="guid-0001-first")
    assert build(show, tmp_path / "public") == 1
    first = display_path(show / "0001-first.md")
    assert capsys.readouterr().err.splitlines()[0] == (
        f"error: {display_path(second)}: guid: GUID guid-0001-first is also used by {first} "
        f"(if this file was copied from {first}, delete its guid: line; the next build records a new GUID for it)")


def test_build_refuses_a_placeholder_link_even_in_a_scheduled_episode(show, tmp_path, capsys):
    episode = make_episode(show, "0002-two.md", audio="media/0002-two.mp3", date="2098-01-01",
                           link="https://www.example.com/episode-2")
    assert build(show, tmp_path / "public") == 1
    err = capsys.readouterr().err.splitlines()
    where = display_path(episode)
    assert (f"error: {where}: link: 'https://www.example.com/episode-2' points at a placeholder domain "
            "(replace it with the real URL, or set staging = true under [feed] to rehearse)") in err
    (episode).write_text(episode.read_text().replace("www.example.com", "www.feedtool-fixtures.net"))
    assert build(show, tmp_path / "public") == 0
    captured = capsys.readouterr()
    assert "is in the future" not in captured.err  # the build schedules it: not in the feed until its date
    assert "1 scheduled: #2 goes live Wed 2098-01-01 00:00 UTC" in captured.out


def test_per_episode_findings_come_back_from_the_cache(show, tmp_path, capsys):
    episode = make_episode(show, "0002-two.md", audio="media/0002-two.mp3", date="2024-03-01",
                           people=[{"name": "Fixture Guest", "role": "hostess"}])
    line = (f"warning: {display_path(episode)}: people: 'hostess' is not a role of group 'cast' "
            "(use a role of the Podcast Taxonomy Project, e.g. host, guest, producer)")
    out = tmp_path / "public"
    for _ in range(2):
        assert build(show, out) == 0
        captured = capsys.readouterr()
        assert line in captured.err.splitlines()
    assert "(2 unchanged, from the cache)" in captured.out


def test_missing_producer_facts_are_named_once_not_by_every_rule_they_break(tmp_path):
    show = tmp_path / "show"
    write_config(show, show={"owner_email": "", "link": ""}, feed={"base_url": None})
    make_episode(show)
    make_episode(show, "0002-two.md", audio="media/0002-two.mp3", date="2024-03-01")
    config = show / "show.toml"
    assert [(f.rule, f.where) for f in check(show)] == [
        ("config/missing", f"{config}:show.link"), ("config/missing", f"{config}:show.owner_email"),
        ("config/missing", f"{config}:feed.base_url")]


def test_an_http_base_url_is_reported_once_for_the_show_not_per_episode(tmp_path):
    show = tmp_path / "show"
    write_config(show, feed={"base_url": BASE_URL.replace("https", "http")})
    make_episode(show)
    make_episode(show, "0002-two.md", audio="media/0002-two.mp3", date="2024-03-01")
    assert [(f.rule, f.where) for f in check(show)] == [("apple/https", f"{show / 'show.toml'}:feed.base_url")]


def test_a_recorded_podcast_guid_is_kept_after_a_move_and_check_says_so(show, tmp_path):
    assert build(show, tmp_path / "public") == 0
    config = show / "show.toml"
    config.write_text(config.read_text().replace(BASE_URL, "https://cdn.moved-host.net/"))
    [finding] = check(show)
    assert (finding.rule, finding.severity, finding.where) == ("psp/podcast-guid", "info", f"{config}:show.guid")
    assert finding.hint == "kept as recorded, as the spec asks after a move"


def test_config_values_apple_rejects_point_at_the_config_key(tmp_path, capsys):
    show = tmp_path / "show"
    write_config(show, show={"categories": ["News/Politcs"], "language": "english"})
    make_episode(show)
    assert build(show, tmp_path / "public") == 1
    config = show / "show.toml"
    assert capsys.readouterr().err.splitlines() == [
        f"error: {config}:show.categories: 'Politcs' is not a subcategory of 'News' (did you mean 'Politics'?)",
        f"error: {config}:show.language: 'english' is not an ISO 639 language code (write a code such as en, uk or en-us)",
        "error: 2 errors; nothing was written"]


def test_check_reports_every_problem_even_when_an_episode_cannot_be_built(tmp_path):
    show = tmp_path / "show"
    write_config(show, show={"categories": ["Newz"]})
    make_episode(show, date="2024-13-01")
    found = check(show)
    assert [f.rule for f in found] == ["episode/field", "apple/episodes", "apple/category"]
    assert re.search(r"date: '2024-13-01' is not a date", str(found[0]))


def test_online_checks_need_the_base_url_the_shipped_show_lacks(tmp_path, monkeypatch, capsys):
    shipped_copy(tmp_path)
    monkeypatch.chdir(tmp_path)  # this is the one test that would reach out to a base_url a producer set
    assert run_cli("check", "--online") == 0
    assert ("  info: feed.base_url: server checks skipped: the feed's URLs are relative "
            "(set feed.base_url to check the server) [server/skipped]") in capsys.readouterr().out.splitlines()


def test_cross_episode_findings_come_back_from_the_cache_until_a_ref_changes(show, tmp_path, capsys):
    second = make_episode(show, "0002-two.md", audio="media/0002-two.mp3", date="2000-01-01")
    out = tmp_path / "public"
    for run in range(2):  # the second build reuses them: no episode's GUID, URL, number or date changed
        assert build(show, out) == 0
        captured = capsys.readouterr()
        assert "episode 1 is dated after episode 2" in captured.err, run
    assert "(2 unchanged, from the cache)" in captured.out
    second.write_text(second.read_text().replace("2000-01-01", "2025-01-01"))  # now after episode 1
    assert build(show, out) == 0
    assert "is dated after" not in capsys.readouterr().err


def test_an_episode_dated_ahead_is_reported_by_every_build(show, tmp_path, capsys):
    make_episode(show, "0002-two.md", audio="media/0002-two.mp3", date="2999-01-01")
    out = tmp_path / "public"
    for _ in range(2):  # scheduled by the clock on every build, cache or not
        assert build(show, out) == 0
        assert "1 scheduled: #2 goes live Tue 2999-01-01 00:00 UTC" in capsys.readouterr().out
    assert b"0002-two" not in (out / "feed.xml").read_bytes()


def test_replaced_artwork_is_checked_again_by_a_warm_build(show, tmp_path, capsys):
    out = tmp_path / "public"
    assert build(show, out) == 0
    (show / "cover.jpg").write_bytes(image_bytes((1400, 1500)))  # same name, the feed's bytes unchanged
    capsys.readouterr()
    assert build(show, out) == 1
    assert "is 1400×1500 px, not square" in capsys.readouterr().err
