"""The Podcasting 2.0 tags, end to end: from show.toml and front matter into a built feed that the Podcast
Index's own parser (podcast-partytime, run with node), feedparser and podcastparser read, and that check
passes; the artwork's sizes for podcast:images made once, byte-stable; wrong values refused by name."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from pathlib import Path

import feedparser
import podcastparser
import pytest
from conftest import BASE_URL, build, make_episode, make_mp3, run_cli, write_config

JS = Path(__file__).parent / "js"
HOST = "https://www.feedtool-fixtures.net/"
TABLES = f"""
[[show.trailer]]
title = "Season one is coming"
audio = "media/trailer.mp3"
date = "2024-01-01T08:00:00+00:00"
season = 1

[[show.location]]
name = "Kyiv, Ukraine"
geo = "geo:50.45,30.52"
osm = "R421866"
rel = "creator"
country = "ua"

[[show.txt]]
text = "S6lpp-7ZCn8-dZfGc-OoyaG"
purpose = "verify"

[show.update_frequency]
text = "Every Tuesday"
rrule = "FREQ=WEEKLY;BYDAY=TU"

[[show.podroll]]
feed_guid = "917393e3-1b1e-5cef-ace4-edaa54e1f810"
feed_url = "{HOST}pc20.xml"
title = "Another show"

[show.value]
suggested = "0.00000005000"

[[show.value.recipients]]
name = "Host"
type = "node"
address = "02d5c1bf8b940dc9cadca86d1b0a3c37fbe39cee4c7e839e33bef9174531d27f52"
split = 95

[[show.value.recipients]]
name = "Hosting"
type = "node"
address = "03ae9f91a0cb8ff43840e3c322c4c61f019d8c1c3cea15a25cfc425ac605e61a4a"
split = 5
fee = true

[show.publisher]
feed_guid = "003af0a0-6a45-55cf-b765-68e3d349551a"
feed_url = "{HOST}publisher.xml"
"""


def tagged_show(root: Path, **show) -> Path:
    folder = root / "show"
    values = {"image_sizes": [600, 300], "block_platforms": ["google"], "license": "cc-by-4.0"}
    values.update(show)
    write_config(folder, show=values, extra=TABLES)
    make_mp3(folder / "media/trailer.mp3")
    make_episode(
        folder,
        "0001-first.md",
        soundbites=[{"start": "1", "duration": "3.5", "title": "The best bit"}],
        location={"name": "Lviv", "geo": "geo:49.84,24.03"},
        txt=[{"text": "2024-01-15T08:00:00Z", "purpose": "release"}],
        social_interact=[{"protocol": "activitypub", "uri": "https://mastodon.feedtool-fixtures.net/@host/1",
                          "account_id": "@host", "priority": "1"}],
        license="cc-by-sa-4.0",
        season=2,
        season_name="Into the East",
        episode_display="Ch.1",
        value={"type": "lightning", "method": "keysend",
               "recipients": [{"type": "node", "address": "02d5c1bf8b94", "split": "100", "name": "Guest"}]},
        people=[{"name": "Guest Person", "role": "guest", "href": f"{HOST}guest", "img": f"{HOST}guest.jpg"}],
    )
    make_episode(folder, "0002-teaser.md", type="trailer", title="Teaser", date="2024-01-20T08:00:00+00:00",
                 audio="media/0002-teaser.mp3")
    return folder


def partytime(feed: bytes) -> dict:
    if not (JS / "node_modules/podcast-partytime").is_dir():  # scripts/test installs it; a bare checkout too
        subprocess.run(["npm", "ci", "--prefix", str(JS), "--no-audit", "--no-fund"], check=True, capture_output=True)
    done = subprocess.run(["node", str(JS / "parse.js")], input=feed, capture_output=True, check=True, timeout=60)
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("tags")
    show = tagged_show(root)
    out = root / "public"
    assert build(show, out) == 0
    return show, out, (out / "feed.xml").read_bytes()


def test_podcast_index_parser_recognises_every_new_tag(built):
    _, _, feed = built
    parsed = partytime(feed)
    support = {name for phase in parsed["pc20support"].values() for name in phase}
    # podcast:remoteItem is read inside podcast:podroll and podcast:publisher (partytime's "remoteItem" is one
    # directly in the channel, which feedtool does not write)
    for tag in ("trailer", "location", "txt", "podroll", "value", "images", "block", "publisher",
                "license", "person", "soundbite", "socialInteract"):
        assert tag in support, tag
    assert [t["title"] for t in parsed["trailers"]] == ["Season one is coming", "Teaser"]
    assert parsed["trailers"][0]["url"] == BASE_URL + "media/trailer.mp3" and parsed["trailers"][0]["season"] == 1
    assert parsed["podcastLocation"] == {"name": "Kyiv, Ukraine", "osm": "R421866", "geo": "geo:50.45,30.52"}
    assert parsed["podcastTxt"] == [{"value": "S6lpp-7ZCn8-dZfGc-OoyaG", "purpose": "verify"}]
    assert parsed["podroll"][0]["feedGuid"] == "917393e3-1b1e-5cef-ace4-edaa54e1f810"
    assert [r["split"] for r in parsed["value"]["recipients"]] == [95, 5]
    assert parsed["value"]["recipients"][1]["fee"] is True
    assert [i["parsed"]["width"] for i in parsed["podcastImages"]] == [1400, 600, 300]
    assert parsed["podcastBlockedPlatforms"] == {"google": True} and parsed["podcastBlocked"] == "no"
    assert parsed["podcastPublisher"]["feedUrl"] == HOST + "publisher.xml"
    first = next(i for i in parsed["items"] if i["title"] == "Episode 0001")
    assert first["podcastSoundbites"] == [{"duration": 3.5, "startTime": 1, "title": "The best bit"}]
    assert first["podcastLocation"] == {"name": "Lviv", "geo": "geo:49.84,24.03"}
    assert first["podcastTxt"] == [{"value": "2024-01-15T08:00:00Z", "purpose": "release"}]
    assert first["podcastSocialInteraction"][0]["url"] == "https://mastodon.feedtool-fixtures.net/@host/1"
    assert first["license"]["identifier"] == "cc-by-sa-4.0"
    assert first["value"]["recipients"][0]["split"] == 100
    assert first["podcastPeople"][0]["img"] == HOST + "guest.jpg"
    assert first["podcastPeople"][0]["href"] == HOST + "guest"
    assert first["podcastSeason"] == {"number": 2, "name": "Into the East"}
    assert first["podcastEpisode"] == {"number": 1, "display": "Ch.1"}


def test_block_per_platform_both_ways_is_what_the_podcast_index_parser_reads(tmp_path):
    """podcast:block per platform (issue 14): every platform blocked but the ones allowed, read back by
    podcast-partytime as blocked overall with google and spotify free to list the show."""
    show = tagged_show(tmp_path, block_platforms=["all"], allow_platforms=["google", "spotify"])
    assert build(show, tmp_path / "out") == 0
    parsed = partytime((tmp_path / "out/feed.xml").read_bytes())
    assert parsed["podcastBlocked"] == "yes"
    assert parsed["podcastBlockedPlatforms"] == {"google": False, "spotify": False}


def test_the_episode_page_shows_the_season_name_and_the_display(built):
    _, out, _ = built
    page = (out / "0001-first/index.html").read_text()
    assert '<p class="meta">Season 2: Into the East · Ch.1 · <time' in page


def test_update_frequency_is_written_and_read_back(built):
    # podcast-partytime 5.0.0 (the newest) has no parser for updateFrequency: read here with feedparser's XML
    _, _, feed = built
    assert (b'<podcast:updateFrequency rrule="FREQ=WEEKLY;BYDAY=TU">Every Tuesday</podcast:updateFrequency>'
            in feed)
    from lxml import etree
    element = etree.fromstring(feed).find("channel/{https://podcastindex.org/namespace/1.0}updateFrequency")
    assert (element.text, element.get("rrule")) == ("Every Tuesday", "FREQ=WEEKLY;BYDAY=TU")
    assert feedparser.parse(feed).feed["podcast_updatefrequency"] == {"rrule": "FREQ=WEEKLY;BYDAY=TU"}


def test_other_parsers_read_the_feed_and_check_passes_it(built, capsys):
    _, out, feed = built
    assert feedparser.parse(feed).bozo == 0
    episodes = podcastparser.parse("https://x.invalid/feed.xml", io.BytesIO(feed))["episodes"]
    assert {e["title"] for e in episodes} == {"Episode 0001", "Teaser"}
    capsys.readouterr()
    assert run_cli("check", out / "feed.xml", "--format", "json") == 0
    found = json.loads(capsys.readouterr().out)["findings"]
    assert [f for f in found if f["rule"].startswith(("psp/", "safety/"))] == []


def test_artwork_sizes_are_made_once_and_byte_stable(built, tmp_path):
    show, out, feed = built
    images = sorted((out / "images").iterdir())
    assert [p.name.split("-")[-1] for p in images] == ["300w.jpg", "600w.jpg"]
    from PIL import Image
    assert [Image.open(p).size for p in images] == [(300, 300), (600, 600)]
    srcset = feed.split(b'srcset="')[1].split(b'"')[0].decode()
    assert srcset == (f"{BASE_URL}cover.jpg 1400w, {BASE_URL}{images[1].relative_to(out).as_posix()} 600w, "
                      f"{BASE_URL}{images[0].relative_to(out).as_posix()} 300w")
    # podcast:images is deprecated for podcast:image (podcast-namespace docs/tags/images.md, image.md): one
    # element a size, beside the srcset that older apps read
    from lxml import etree
    sizes = [(e.get("href"), e.get("width"), e.get("height"))
             for e in etree.fromstring(feed).iterfind("channel/{https://podcastindex.org/namespace/1.0}image")]
    assert sizes == [(f"{BASE_URL}cover.jpg", "1400", "1400"),
                     (f"{BASE_URL}{images[1].relative_to(out).as_posix()}", "600", "600"),
                     (f"{BASE_URL}{images[0].relative_to(out).as_posix()}", "300", "300")]
    other = tmp_path / "again"
    assert build(show, other, "--no-cache") == 0
    assert [p.read_bytes() for p in sorted((other / "images").iterdir())] == [p.read_bytes() for p in images]
    assert (other / "feed.xml").read_bytes() == feed
    # a new cover: new names, the old copies go once the feed no longer names them
    copy = tmp_path / "show"
    shutil.copytree(show, copy)
    from conftest import cover_jpeg
    (copy / "cover.jpg").write_bytes(cover_jpeg(color=(10, 200, 30)))
    assert build(copy, other) == 0
    names = {p.name for p in (other / "images").iterdir()}
    assert len(names) == 2 and names.isdisjoint({p.name for p in images})


@pytest.mark.parametrize("table, old, new, message", [
    ("value", "split = 5\n", "split = 4\n",
     "show.value: the recipients' splits add up to 99, not 100 (give each recipient its percentage; together 100)"),
    ("location", 'geo = "geo:50.45,30.52"', 'geo = "50.45 N"', "show.location[0]: geo: '50.45 N' is not a geo URI"),
    ("update_frequency", '"FREQ=WEEKLY;BYDAY=TU"', '"WEEKLY"',
     "show.update_frequency: rrule: 'WEEKLY' is not a part of an RFC 5545 recurrence rule"),
    ("podroll", 'feed_guid = "917393e3', 'feed_guid = "x917393e3', "show.podroll[0]: feed_guid: 'x917393e3-"),
    ("txt", 'purpose = "verify"', f'purpose = "{"p" * 129}"', "show.txt[0]: purpose: is 129 characters"),
    ("trailer", 'date = "2024-01-01T08:00:00+00:00"', 'date = "soon"', "show.trailer[0].date: 'soon' is not a date"),
    ("publisher", 'feed_url = "https://www.feedtool-fixtures.net/publisher.xml"', 'feed_url = "http://x.org/p"',
     "show.publisher: feed_url: 'http://x.org/p' is not an https URL"),
])
def test_wrong_config_values_are_named(tmp_path, capsys, table, old, new, message):
    show = tagged_show(tmp_path)
    config = show / "show.toml"
    assert old in config.read_text()
    config.write_text(config.read_text().replace(old, new, 1))
    assert build(show) == 1
    assert message in capsys.readouterr().err


def test_an_unknown_platform_is_named(tmp_path, capsys):
    assert build(tagged_show(tmp_path, block_platforms=["gogle"])) == 1
    assert "show.block_platforms: 'gogle' is not a service slug of the podcast namespace" in capsys.readouterr().err


def test_wrong_front_matter_is_named(tmp_path, capsys):
    show = tagged_show(tmp_path)
    make_episode(show, "0003-third.md", soundbites=[{"start": "1", "duration": "0"}],
                 social_interact=[{"protocol": "myspace", "uri": "https://x.org/1"}],
                 value={"recipients": [{"type": "node", "address": "a", "split": "60"}]})
    assert build(show) == 1
    err = capsys.readouterr().err
    assert "0003-third.md:" in err and "soundbites: duration: must be more than 0 seconds" in err
    assert "social_interact: protocol: 'myspace' is not one of disabled, activitypub" in err
    assert "value: the recipients' splits add up to 60, not 100" in err


def test_a_season_name_or_episode_display_needs_its_number(tmp_path, capsys):
    show = tagged_show(tmp_path)
    make_episode(show, "extra.md", season_name="Lost", episode_display="Bonus")  # no season, no number
    assert build(show) == 1
    err = capsys.readouterr().err
    assert "extra.md:6: season_name: names a season the episode does not have (add season: too, or remove " \
           "season_name:)" in err
    assert "extra.md:7: episode_display: names a number the episode does not have" in err
    make_episode(show, "extra.md", season=3, season_name="x" * 129, number=9, episode_display="y" * 33,
                 audio="media/extra.mp3")
    assert build(show) == 0  # too long for the namespace: warned, written as given
    err = capsys.readouterr().err
    assert "extra.md: season_name: is 129 characters, more than the 128 the spec allows" in err
    assert "extra.md: episode_display: is 33 characters, more than the 32 the spec allows" in err


RECIPIENT = {"type": "node", "address": "a", "split": "100"}


@pytest.mark.parametrize("front, message", [
    ({"value": {"recipients": [{**RECIPIENT, "split": "²"}]}},  # str.isdigit() says yes, int() no
     "value: recipient 1: split: '²' is not a whole number (write e.g. 40)"),
    ({"social_interact": [{"protocol": "activitypub", "uri": "https://x.org/1", "priority": "²"}]},
     "social_interact: priority: '²' is not a whole number (write e.g. 40)"),
    ({"location": {"name": "Nowhere", "geo": "geo:999,-999"}},
     "location: geo: 'geo:999,-999' is not a geo URI (write geo:50.45,30.52: latitude,longitude)"),
    ({"location": {"name": "Nowhere", "geo": "geo:٣,٣"}}, "location: geo: 'geo:٣,٣' is not a geo URI"),
    ({"value": {"suggested": "nan", "recipients": [RECIPIENT]}},
     "value: suggested: 'nan' is not a number (write e.g. 0.00000005000)"),
    ({"value": {"suggested": "-5", "recipients": [RECIPIENT]}},
     "value: suggested: '-5' is not a number (write e.g. 0.00000005000)"),
    ({"value": {"type": "lightning", "method": "push", "recipients": [RECIPIENT]}},
     "value: method: 'push' is not a lightning payment method (write keysend, or amp)"),
], ids=["split", "priority", "geo-range", "geo-digits", "suggested-nan", "suggested-negative", "lightning-method"])
def test_out_of_range_front_matter_is_named(tmp_path, capsys, front, message):
    show = tagged_show(tmp_path)
    make_episode(show, "0003-third.md", **front)
    assert build(show) == 1
    err = capsys.readouterr().err
    assert "0003-third.md:" in err and message in err, err


def test_an_episode_naming_its_guest_keeps_the_show_hosts(tmp_path):
    """podcast:person in an item wholly replaces the channel's (podcast-namespace docs/tags/person.md, the Big
    Daddy example: the host is re-stated beside the guest). An episode that names only its guest restates the
    show's people of the roles it leaves unnamed; one that names its own host replaces the show's host."""
    show = tmp_path / "show"
    write_config(show, extra='\n[[show.person]]\nname = "Big Daddy"\nrole = "Host"\n'
                             '\n[[show.person]]\nname = "Pat Producer"\nrole = "producer"\ngroup = "creative direction"\n')
    make_episode(show, "0001-first.md", people=[{"name": "Sid James", "role": "guest"}])
    make_episode(show, "0002-second.md", date="2024-01-20T08:00:00+00:00", audio="media/0002.mp3",
                 people=[{"name": "Reginald Marsh", "role": "host"}])
    make_episode(show, "0003-third.md", date="2024-01-25T08:00:00+00:00", audio="media/0003.mp3")
    out = tmp_path / "public"
    assert build(show, out) == 0
    parsed = partytime((out / "feed.xml").read_bytes())
    people = {i["title"]: [(p["name"], p["role"].lower()) for p in i.get("podcastPeople", [])] for i in parsed["items"]}
    assert people == {
        "Episode 0001": [("Big Daddy", "host"), ("Pat Producer", "producer"), ("Sid James", "guest")],
        "Episode 0002": [("Pat Producer", "producer"), ("Reginald Marsh", "host")],
        "Episode 0003": [],  # no item people: the channel's apply
    }
    page = (out / "0001-first/index.html").read_text()
    assert "Big Daddy" in page and "Sid James" in page


def test_the_namespaces_length_limits_in_front_matter(tmp_path, capsys):
    """A soundbite title, a location name (128) or a txt (4000) longer than the podcast namespace allows is
    named; one at the limit is written as given."""
    show = tagged_show(tmp_path)
    at_limit = {"soundbites": [{"start": "1", "duration": "3", "title": "s" * 128}],
                "location": {"name": "l" * 128}, "txt": [{"text": "t" * 4000, "purpose": "p" * 128}]}
    make_episode(show, "0003-third.md", audio="media/0003.mp3", **at_limit)
    assert build(show, tmp_path / "out") == 0
    feed = (tmp_path / "out/feed.xml").read_text()
    assert ">" + "s" * 128 + "<" in feed and ">" + "l" * 128 + "<" in feed and ">" + "t" * 4000 + "<" in feed
    make_episode(show, "0003-third.md", audio="media/0003.mp3",
                 soundbites=[{"start": "1", "duration": "3", "title": "s" * 129}])
    make_episode(show, "0004-fourth.md", audio="media/0004.mp3", location={"name": "l" * 129})
    make_episode(show, "0005-fifth.md", audio="media/0005.mp3", txt=[{"text": "t" * 4001}])
    capsys.readouterr()
    assert build(show, tmp_path / "out") == 1
    err = capsys.readouterr().err
    for name, key, length, limit in (("0003-third.md", "title", 129, 128), ("0004-fourth.md", "name", 129, 128),
                                     ("0005-fifth.md", "text", 4001, 4000)):
        line = next((e for e in err.splitlines() if name in e), "")
        assert f"{key}: is {length} characters, more than the {limit} the podcast namespace allows" in line, err


def test_the_namespaces_length_limits_in_show_toml(tmp_path, capsys):
    show = tagged_show(tmp_path)
    config = show / "show.toml"
    config.write_text(config.read_text().replace('text = "Every Tuesday"', f'text = "{"e" * 129}"')
                      .replace('title = "Another show"', f'title = "{"a" * 129}"')
                      .replace('title = "Season one is coming"', f'title = "{"c" * 129}"'))
    assert build(show) == 1
    err = capsys.readouterr().err
    for key, field in (("show.update_frequency", "text"), ("show.podroll[0]", "title"), ("show.trailer[0]", "title")):
        assert f"{key}: {field}: is 129 characters, more than the 128 the podcast namespace allows" in err, err


def test_a_trailer_time_the_clocks_skip_is_named(tmp_path, capsys):
    """A trailer's date is read as an episode's: 02:30 on New York's spring night never showed on a clock."""
    show = tagged_show(tmp_path)
    config = show / "show.toml"
    text = config.read_text().replace('date = "2024-01-01T08:00:00+00:00"', 'date = "2024-03-10T02:30"', 1)
    config.write_text(text.replace('timezone = "UTC"', 'timezone = "America/New_York"', 1))
    assert build(show) == 1
    assert ("show.trailer[0].date: '2024-03-10T02:30' does not exist in America/New_York: the clocks went forward "
            "then (write the time as the clocks read it, 2024-03-10T03:30:00, or give the offset)") \
        in capsys.readouterr().err


def test_a_country_code_is_read_in_any_case_and_written_in_lower_case(tmp_path):
    show = tagged_show(tmp_path)
    make_episode(show, "0003-third.md", audio="media/0003-third.mp3", location={"name": "Kyiv", "country": "UA"})
    assert build(show, tmp_path / "public") == 0
    feed = (tmp_path / "public/feed.xml").read_text()
    assert 'country="ua">Kyiv</podcast:location>' in feed
