"""feedtool import carries the Podcasting 2.0 tags feedtool can write (channel: trailer, location, txt,
updateFrequency, podroll, value, publisher, block; item: soundbite, location, txt, value, socialInteract, license)
into show.toml and front matter: a hand-written feed with each of them is imported, built, and the built feed's
tags compared with the source's element by element (lxml) and as the Podcast Index's own parser (podcast-partytime)
reads them. A value the build would refuse is left out and named, and the show still builds."""

from __future__ import annotations

import math
import shutil
import tomllib
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
import yaml
from conftest import DATA, build, run_cli
from lxml import etree
from servers import serve_folder
from test_podcast_tags import partytime, tagged_show

from feedtool.importer.tags import percentages

NS = "https://podcastindex.org/namespace/1.0"
HOST_GUID = "917393e3-1b1e-5cef-ace4-edaa54e1f810"
CHANNEL_TAGS = ("trailer", "location", "txt", "updateFrequency", "podroll", "value", "publisher", "block")
ITEM_TAGS = ("soundbite", "location", "txt", "value", "socialInteract", "license")

CHANNEL = """
    <podcast:trailer pubdate="Mon, 01 Jan 2024 08:00:00 +0200" url="{origin}/trailer.mp3" length="12345"
        type="audio/mpeg" season="1">Season one is coming</podcast:trailer>
    <podcast:trailer pubdate="Sat, 20 Jan 2024 08:00:00 +0000" url="{origin}/ep2.mp3" length="{size}"
        type="audio/mpeg">Teaser</podcast:trailer>
    <podcast:location geo="geo:50.45,30.52" osm="R421866" rel="creator" country="ua">Kyiv, Ukraine</podcast:location>
    <podcast:location>Lviv</podcast:location>
    <podcast:txt purpose="verify">S6lpp-7ZCn8-dZfGc-OoyaG</podcast:txt>
    <podcast:txt>Recorded in a basement</podcast:txt>
    <podcast:updateFrequency complete="true" dtstart="2024-01-02T08:00:00Z" rrule="FREQ=WEEKLY;BYDAY=TU"
        >Every Tuesday</podcast:updateFrequency>
    <podcast:podroll>
      <podcast:remoteItem feedGuid="{host_guid}" feedUrl="https://feeds.example-other.net/other.xml"
          title="Another show"/>
      <podcast:remoteItem feedGuid="a9bb9e4c-1e8a-5d67-8d2d-4b2b1f0b7c11" itemGuid="song-42" medium="music"/>
    </podcast:podroll>
    <podcast:value type="lightning" method="keysend" suggested="0.00000005000">
      <podcast:valueRecipient name="Host" type="node" split="90"
          address="02d5c1bf8b940dc9cadca86d1b0a3c37fbe39cee4c7e839e33bef9174531d27f52"/>
      <podcast:valueRecipient name="Wallet" type="node" split="5" customKey="696969" customValue="eChoVKtO1KujpAA5HCoB"
          address="030a58b8653d32b99200a2334cfe913e51dc7d155aa0116c176657a4f1722677a3"/>
      <podcast:valueRecipient name="Hosting" type="node" split="5" fee="true"
          address="03ae9f91a0cb8ff43840e3c322c4c61f019d8c1c3cea15a25cfc425ac605e61a4a"/>
    </podcast:value>
    <podcast:publisher>
      <podcast:remoteItem medium="publisher" feedGuid="003af0a0-6a45-55cf-b765-68e3d349551a"
          feedUrl="https://feeds.example-other.net/publisher.xml"/>
    </podcast:publisher>
    <podcast:block>yes</podcast:block>
    <podcast:block id="google">no</podcast:block>
    <podcast:block id="apple">no</podcast:block>"""

ITEM = """
      <podcast:soundbite startTime="73.0" duration="60.0"/>
      <podcast:soundbite startTime="1.5" duration="3.25">Why the namespace matters</podcast:soundbite>
      <podcast:location geo="geo:49.84,24.03" country="ua">Lviv</podcast:location>
      <podcast:txt purpose="release">2024-01-15T08:00:00Z</podcast:txt>
      <podcast:value type="lightning" method="keysend">
        <podcast:valueRecipient name="Guest" type="node" split="100" address="02d5c1bf8b94"/>
      </podcast:value>
      <podcast:socialInteract priority="1" protocol="activitypub" uri="https://podcastindex.social/@dave/105079274766075912"
          accountId="@dave" accountUrl="https://podcastindex.social/@dave"/>
      <podcast:socialInteract priority="2" protocol="disabled"/>
      <podcast:license url="https://creativecommons.org/licenses/by-sa/4.0/">cc-by-sa-4.0</podcast:license>"""


def source_feed(origin: str, channel: str = CHANNEL, item: str = ITEM) -> str:
    size = (DATA / "tiny.mp3").stat().st_size
    channel = channel.format(origin=origin, size=size, host_guid=HOST_GUID)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"
     xmlns:podcast="https://podcastindex.org/namespace/1.0" xmlns:atom="http://www.w3.org/2005/Atom">
  <channel>
    <title>Every tag</title>
    <link>https://every-tag.example-host.net/</link>
    <description>A show with each Podcasting 2.0 tag feedtool writes.</description>
    <language>en</language>
    <copyright>2024 Every Tag</copyright>
    <atom:link rel="self" href="https://feeds.example-host.net/every-tag.xml" type="application/rss+xml"/>
    <itunes:author>Tagger</itunes:author>
    <itunes:owner><itunes:name>Tagger</itunes:name><itunes:email>tagger@example-host.net</itunes:email></itunes:owner>
    <itunes:image href="https://every-tag.example-host.net/cover.jpg"/>
    <itunes:category text="News"/>
    <itunes:explicit>false</itunes:explicit>
    <podcast:guid>5d9ab3b0-6d6b-5a5d-9a0e-3a3c3d7f2c11</podcast:guid>{channel}
    <item>
      <title>First</title>
      <guid isPermaLink="false">every-tag-1</guid>
      <pubDate>Mon, 15 Jan 2024 08:00:00 +0000</pubDate>
      <enclosure url="{origin}/ep1.mp3" length="{size}" type="audio/mpeg"/>
      <itunes:duration>6</itunes:duration>{item}
    </item>
    <item>
      <title>Teaser</title>
      <guid isPermaLink="false">every-tag-teaser</guid>
      <pubDate>Sat, 20 Jan 2024 08:00:00 +0000</pubDate>
      <enclosure url="{origin}/ep2.mp3" length="{size}" type="audio/mpeg"/>
      <itunes:duration>6</itunes:duration>
      <itunes:episodeType>trailer</itunes:episodeType>
    </item>
  </channel>
</rss>
"""


@pytest.fixture(scope="module")
def origin(tmp_path_factory):
    """A web server on loopback with the audio the feeds name (the build measures it there)."""
    folder = tmp_path_factory.mktemp("audio")
    for name in ("ep1.mp3", "ep2.mp3", "trailer.mp3"):
        shutil.copy(DATA / "tiny.mp3", folder / name)
    with serve_folder(folder) as base:
        yield base.rstrip("/")


def import_and_build(tmp_path: Path, feed: str, capsys) -> tuple[Path, bytes, list[str]]:
    """The feed imported from a file and built; the show folder, the built feed and the import's warnings."""
    source = tmp_path / "source.xml"
    source.write_text(feed, "utf-8")
    show = tmp_path / "show"
    assert run_cli("import", source, show) == 0
    warnings = [line for line in capsys.readouterr().err.splitlines() if line.startswith("warning: ")]
    out = tmp_path / "public"
    assert run_cli("build", show, "--out", out, "--base-url", "https://media.new-host.net/show/") == 0, \
        capsys.readouterr().err
    capsys.readouterr()
    return show, (out / "feed.xml").read_bytes(), warnings


def _normal(element) -> tuple:
    """An element as a comparable value: numbers as numbers, dates as instants, defaults spelled out."""
    attributes = dict(element.attrib)
    for name in ("startTime", "duration"):
        if name in attributes:
            attributes[name] = float(attributes[name])
    if "pubdate" in attributes:
        attributes["pubdate"] = parsedate_to_datetime(attributes["pubdate"]).timestamp()
    for name in ("fee", "complete"):
        if attributes.get(name) == "false":  # the namespace's default
            del attributes[name]
    return (etree.QName(element).localname, sorted(attributes.items()), (element.text or "").strip(),
            sorted(_normal(c) for c in element if isinstance(c.tag, str)))


def podcast_tags(parent, names) -> dict[str, list]:
    return {name: sorted(_normal(e) for e in parent.iterchildren(f"{{{NS}}}{name}")) for name in names}


def items_by_guid(channel) -> dict:
    return {item.findtext("guid"): item for item in channel.iterchildren("item")}


def test_every_tag_comes_back_from_the_build_element_by_element(origin, tmp_path, capsys):
    feed = source_feed(origin)
    show, built, warnings = import_and_build(tmp_path, feed, capsys)
    assert not [w for w in warnings if "podcast:" in w], warnings
    before = etree.fromstring(feed.encode())[0]
    after = etree.fromstring(built)[0]
    expected = podcast_tags(before, CHANNEL_TAGS)
    assert all(expected.values())  # the source has each tag
    assert podcast_tags(after, CHANNEL_TAGS) == expected
    old_items, new_items = items_by_guid(before), items_by_guid(after)
    assert sorted(new_items) == sorted(old_items)
    for guid, item in old_items.items():
        assert podcast_tags(new_items[guid], ITEM_TAGS) == podcast_tags(item, ITEM_TAGS), guid
    assert all(podcast_tags(old_items["every-tag-1"], ITEM_TAGS).values())


def test_the_podcast_index_parser_reads_the_same_tags_before_and_after(origin, tmp_path, capsys):
    feed = source_feed(origin)
    _, built, _ = import_and_build(tmp_path, feed, capsys)
    old, new = partytime(feed.encode()), partytime(built)
    for key in ("podcastLocation", "podcastTxt", "podroll", "value", "podcastPublisher", "podcastBlockedPlatforms",
                "podcastBlocked", "trailers"):
        assert key in old and new.get(key) == old[key], key
    for key in ("pc20support",):
        assert {k for k in old[key]} <= {k for k in new[key]}
    old_items = {i["guid"]: i for i in old["items"]}
    new_items = {i["guid"]: i for i in new["items"]}
    for key in ("podcastSoundbites", "podcastLocation", "podcastTxt", "value", "podcastSocialInteraction", "license"):
        assert key in old_items["every-tag-1"], key
        assert new_items["every-tag-1"].get(key) == old_items["every-tag-1"][key], key


def test_show_toml_and_front_matter_say_the_tags_legibly(origin, tmp_path, capsys):
    show, _, _ = import_and_build(tmp_path, source_feed(origin), capsys)
    text = (show / "show.toml").read_text("utf-8")
    assert "[[show.trailer]]" in text and "[show.value]" in text and "[[show.value.recipients]]" in text
    config = tomllib.loads(text)["show"]
    assert config["block_platforms"] == ["all"] and config["allow_platforms"] == ["google", "apple"]
    assert config["trailer"] == [{"title": "Season one is coming", "audio": f"{origin}/trailer.mp3",
                                  "date": "2024-01-01T08:00:00+02:00", "season": 1, "length": 12345,
                                  "type": "audio/mpeg"}]  # the teaser is the trailer episode's: build lists it
    assert config["update_frequency"] == {"text": "Every Tuesday", "rrule": "FREQ=WEEKLY;BYDAY=TU",
                                          "dtstart": "2024-01-02T08:00:00Z", "complete": True}
    assert config["value"]["recipients"][2] == {
        "name": "Hosting", "type": "node", "address": "03ae9f91a0cb8ff43840e3c322c4c61f019d8c1c3cea15a25cfc425ac605e61a4a",
        "split": 5, "fee": True}
    assert config["publisher"] == {"feed_guid": "003af0a0-6a45-55cf-b765-68e3d349551a",
                                   "feed_url": "https://feeds.example-other.net/publisher.xml"}
    episode = next(show.glob("*first*.md")).read_text("utf-8")
    front = yaml.load(episode.split("---")[1], Loader=yaml.BaseLoader)
    assert list(front)[-7:] == ["soundbites", "location", "txt", "value", "social_interact", "license", "license_url"]
    assert front["soundbites"] == [{"start": "73.0", "duration": "60.0"},
                                   {"start": "1.5", "duration": "3.25", "title": "Why the namespace matters"}]
    assert front["license_url"] == "https://creativecommons.org/licenses/by-sa/4.0/"


# --- values the build would refuse: left out, named, and the show still builds ---

LONG = "x" * 4001
REFUSED_CHANNEL = [
    ('<podcast:location geo="geo:999,0">Nowhere</podcast:location>', "location",
     "channel: podcast:location 'Nowhere': geo: 'geo:999,0' is not a geo URI"),
    ('<podcast:location country="USA">Austin, TX</podcast:location>', "location",
     "channel: podcast:location 'Austin, TX': country: 'USA' is not a two-letter country code"),
    (f"<podcast:txt>{LONG}</podcast:txt>", "txt",
     "channel: podcast:txt 'xxxx",),
    ('<podcast:updateFrequency rrule="FREQ=SOMETIMES">Now and then</podcast:updateFrequency>', "updateFrequency",
     "channel: podcast:updateFrequency 'Now and then': rrule: 'FREQ=SOMETIMES' is not a part of an RFC 5545"),
    ('<podcast:podroll><podcast:remoteItem feedGuid="not-a-uuid"/></podcast:podroll>', "podroll",
     "channel: podcast:podroll remoteItem 'not-a-uuid': feed_guid: 'not-a-uuid' is not a UUID"),
    (f'<podcast:podroll><podcast:remoteItem feedGuid="{HOST_GUID}" feedUrl="http://feeds.example-other.net/x.xml"/>'
     "</podcast:podroll>", "podroll",
     f"channel: podcast:podroll remoteItem '{HOST_GUID}': feed_url: 'http://feeds.example-other.net/x.xml' is not "
     "an https URL"),
    ('<podcast:publisher><podcast:remoteItem medium="publisher" feedGuid="nope"/></podcast:publisher>', "publisher",
     "channel: podcast:publisher remoteItem 'nope': feed_guid: 'nope' is not a UUID"),
    ('<podcast:block id="myspace">yes</podcast:block>', "block",
     "channel: podcast:block id 'myspace': 'myspace' is not a service slug of the podcast namespace"),
    ("<podcast:block>maybe</podcast:block>", "block", "channel: podcast:block 'maybe' is not yes or no"),
    ('<podcast:trailer url="{origin}/trailer.mp3">No date</podcast:trailer>', "trailer",
     "channel: podcast:trailer 'No date': no pubdate"),
    ('<podcast:trailer pubdate="Mon, 01 Jan 2024 08:00:00 +0000">No URL</podcast:trailer>', "trailer",
     "channel: podcast:trailer 'No URL': no url"),
    ('<podcast:trailer pubdate="Mon, 01 Jan 2024 08:00:00 +0000" url="{origin}/trailer.mp3">' + "T" * 129
     + "</podcast:trailer>", "trailer",
     "channel: podcast:trailer 'TTTT"),
    ('<podcast:value type="lightning" method="keysend"><podcast:valueRecipient type="node" address="02d5" '
     'split="half"/></podcast:value>', "value",
     "channel: podcast:value: recipient 1: split: 'half' is not a whole number"),
    ('<podcast:value type="lightning" method="invoice"><podcast:valueRecipient type="node" address="02d5" '
     'split="100"/></podcast:value>', "value",
     "channel: podcast:value: method: 'invoice' is not a lightning payment method"),
    ('<podcast:value type="lightning" method="keysend"><podcast:valueRecipient type="node" split="100"/>'
     "</podcast:value>", "value", "channel: podcast:value: recipient 1: address is missing"),
    ('<podcast:value method="keysend"><podcast:valueRecipient type="node" address="02d5" split="100"/>'
     "</podcast:value>", "value", "channel: podcast:value: no type (the namespace requires type and method)"),
    ('<podcast:value type="lightning" method="keysend"><podcast:valueRecipient type="node" address="03ae" '
     'split="5" fee="true"/></podcast:value>', "value",
     "channel: podcast:value: only fee recipients (5% of each payment): the rest has no recipient"),
    ('<podcast:value type="lightning" method="keysend"><podcast:valueRecipient type="node" address="02d5" '
     'split="10"/><podcast:valueRecipient type="node" address="03ae" split="60" fee="true"/>'
     '<podcast:valueRecipient type="node" address="03af" split="50" fee="true"/></podcast:value>', "value",
     "channel: podcast:value: the fee recipients take 110%, more than the whole payment"),
]
REFUSED_ITEM = [
    ('<podcast:soundbite startTime="soon" duration="30">Soon</podcast:soundbite>', "soundbite",
     "item 1 'First': podcast:soundbite 'Soon': start: "),
    ('<podcast:soundbite startTime="10" duration="0">Nothing</podcast:soundbite>', "soundbite",
     "item 1 'First': podcast:soundbite 'Nothing': duration: must be more than 0 seconds"),
    ('<podcast:soundbite startTime="10" duration="30">' + "S" * 129 + "</podcast:soundbite>", "soundbite",
     "item 1 'First': podcast:soundbite 'SSSS"),
    ('<podcast:location geo="geo:91,0">North of the pole</podcast:location>', "location",
     "item 1 'First': podcast:location 'North of the pole': geo: 'geo:91,0' is not a geo URI"),
    ('<podcast:location geo="geo:50,30"></podcast:location>', "location",
     "item 1 'First': podcast:location 'geo:50,30': name is missing"),
    (f"<podcast:txt>{LONG}</podcast:txt>", "txt", "item 1 'First': podcast:txt 'xxxx"),
    ('<podcast:value type="lightning" method="keysend"><podcast:valueRecipient type="node" address="02d5" '
     'split="x"/></podcast:value>', "value", "item 1 'First': podcast:value: recipient 1: split: 'x' is not a whole"),
    ('<podcast:socialInteract protocol="myspace" uri="https://myspace.example/1"/>', "socialInteract",
     "item 1 'First': podcast:socialInteract 'https://myspace.example/1': protocol: 'myspace' is not one of"),
    ('<podcast:socialInteract protocol="activitypub"/>', "socialInteract",
     "item 1 'First': podcast:socialInteract 'activitypub': uri is missing"),
    ('<podcast:license url="ftp://licenses.example/mine.txt">mine</podcast:license>', "license",
     "item 1 'First': podcast:license 'mine': url: 'ftp://licenses.example/mine.txt' is not an http(s) URL"),
]


@pytest.mark.parametrize("xml, tag, warning", REFUSED_CHANNEL, ids=[w for _, _, w in REFUSED_CHANNEL])
def test_a_channel_value_the_build_refuses_is_named_and_left_out(origin, tmp_path, capsys, xml, tag, warning):
    _, built, warnings = import_and_build(tmp_path, source_feed(origin, channel="\n    " + xml, item=""), capsys)
    assert any(w.startswith("warning: " + warning) for w in warnings), warnings
    assert not [w for w in warnings if "not carried over: " in w and f"podcast:{tag}" in w]
    found = etree.fromstring(built)[0].iterchildren(f"{{{NS}}}{tag}")
    assert [e.text for e in found if e.text != "Teaser"] == []  # the trailer episode is the build's own trailer


@pytest.mark.parametrize("xml, tag, warning", REFUSED_ITEM, ids=[w for _, _, w in REFUSED_ITEM])
def test_an_item_value_the_build_refuses_is_named_and_left_out(origin, tmp_path, capsys, xml, tag, warning):
    _, built, warnings = import_and_build(tmp_path, source_feed(origin, channel="", item="\n      " + xml), capsys)
    assert any(w.startswith("warning: " + warning) for w in warnings), warnings
    assert not [w for w in warnings if "not carried over: " in w and f"podcast:{tag}" in w]
    item = items_by_guid(etree.fromstring(built)[0])["every-tag-1"]
    assert item.find(f"{{{NS}}}{tag}") is None


def test_one_bad_value_leaves_the_good_ones_of_its_kind(origin, tmp_path, capsys):
    item = ('\n<podcast:soundbite startTime="soon" duration="30">Soon</podcast:soundbite>'
            '\n<podcast:soundbite startTime="10" duration="30">Later</podcast:soundbite>')
    _, built, warnings = import_and_build(tmp_path, source_feed(origin, channel="", item=item), capsys)
    bites = items_by_guid(etree.fromstring(built)[0])["every-tag-1"].findall(f"{{{NS}}}soundbite")
    assert [b.text for b in bites] == ["Later"]
    assert sum("podcast:soundbite 'Soon'" in w for w in warnings) == 1


def test_what_feedtool_cannot_write_is_still_named(origin, tmp_path, capsys):
    channel = ('\n<podcast:value type="lightning" method="keysend"><podcast:valueRecipient type="node" address="02d5"'
               ' split="100"/><podcast:valueTimeSplit startTime="60" duration="30" remotePercentage="90">'
               f'<podcast:remoteItem feedGuid="{HOST_GUID}" itemGuid="song"/></podcast:valueTimeSplit></podcast:value>'
               '\n<podcast:value type="hive" method="default"><podcast:valueRecipient type="account" address="x" '
               'split="100"/></podcast:value>'
               '\n<podcast:updateFrequency>Weekly</podcast:updateFrequency>'
               '\n<podcast:updateFrequency>Daily</podcast:updateFrequency>'
               f'\n<podcast:publisher><podcast:remoteItem medium="publisher" feedGuid="{HOST_GUID}" title="Pub"/>'
               '</podcast:publisher>'
               '\n<podcast:socialInteract protocol="disabled"/>')
    show, built, warnings = import_and_build(tmp_path, source_feed(origin, channel=channel, item=""), capsys)
    assert "warning: channel: podcast:value: 1 podcast:valueTimeSplit left out (feedtool writes none)" in warnings
    assert "warning: channel: a second podcast:value (type hive): feedtool writes one value block" in warnings
    assert "warning: channel: a second podcast:updateFrequency 'Daily': feedtool writes one" in warnings
    assert "warning: channel: podcast:publisher remoteItem: title 'Pub' (feedtool writes the publisher's feed_guid " \
           "and feed_url)" in warnings
    assert any(w.startswith("warning: channel: not carried over: ") and "podcast:socialInteract" in w
               for w in warnings)
    channel_after = etree.fromstring(built)[0]
    assert [v.get("type") for v in channel_after.iterchildren(f"{{{NS}}}value")] == ["lightning"]


# --- value splits: the namespace's shares become the percentages feedtool writes, paying each recipient the same ---


@pytest.mark.parametrize("splits, fees, expected, exact", [
    ([95, 5], [False, True], [95, 5], True),  # add up to 100: kept as they are
    ([50, 40, 10], [False, False, False], [50, 40, 10], True),
    ([1, 1], [False, False], [50, 50], True),  # shares
    ([300, 100], [False, False], [75, 25], True),
    ([100, 99, 1], [False, False, False], [50, 49, 1], False),  # the namespace's own example: 50, 49.5, 0.5
    ([50, 50, 1], [False, False, True], [50, 49, 1], False),  # a fee is a percentage off the top: 49.5 each
    ([3, 1, 10], [False, False, True], [68, 22, 10], False),  # 67.5 and 22.5 of the 90 left
    ([2, 2, 10], [False, False, True], [45, 45, 10], True),
])
def test_shares_become_percentages_that_pay_the_same(splits, fees, expected, exact):
    whole, paid = percentages(splits, fees)
    assert whole == expected and sum(whole) == 100
    assert all(math.isclose(w, p) for w, p in zip(whole, paid, strict=True)) is exact


def test_shares_that_do_not_add_up_to_100_are_converted_and_said(origin, tmp_path, capsys):
    channel = ('\n<podcast:value type="lightning" method="keysend">'
               '<podcast:valueRecipient name="A" type="node" address="02d5" split="100"/>'
               '<podcast:valueRecipient name="B" type="node" address="032f" split="99"/>'
               '<podcast:valueRecipient name="C" type="node" address="03ae" split="1"/></podcast:value>')
    show, built, warnings = import_and_build(tmp_path, source_feed(origin, channel=channel, item=""), capsys)
    assert ("warning: channel: podcast:value: the splits 100, 99, 1 add up to 200, not 100 (the namespace reads them "
            "as shares): written as the percentages they pay, 50, 49, 1 (rounded to whole percent from 50, 49.5, 0.5; "
            "check them in [show.value])") in warnings
    recipients = etree.fromstring(built)[0].find(f"{{{NS}}}value")
    assert [r.get("split") for r in recipients] == ["50", "49", "1"]
    assert [r["split"] for r in tomllib.loads((show / "show.toml").read_text())["show"]["value"]["recipients"]] == \
        [50, 49, 1]


def test_a_feed_feedtool_built_comes_back_the_same_through_import(tmp_path, capsys):
    """The show of tests/test_podcast_tags.py (every tag from show.toml and front matter), published on loopback,
    imported and built again: the same Podcasting 2.0 tags, element by element."""
    first = tagged_show(tmp_path, image_sizes=[])  # its srcset needs https URLs, which loopback has not
    with serve_folder(first) as base:
        assert build(first, tmp_path / "first", "--base-url", base) == 0
        before = (tmp_path / "first/feed.xml").read_bytes()
        assert run_cli("import", tmp_path / "first/feed.xml", tmp_path / "again") == 0
        warnings = [line for line in capsys.readouterr().err.splitlines() if line.startswith("warning: ")]
        assert run_cli("build", tmp_path / "again", "--out", tmp_path / "second", "--base-url", base) == 0, \
            capsys.readouterr().err
    after = (tmp_path / "second/feed.xml").read_bytes()
    assert not [w for w in warnings if "podcast:" in w], warnings
    old, new = etree.fromstring(before)[0], etree.fromstring(after)[0]
    assert all(podcast_tags(old, CHANNEL_TAGS).values())
    assert podcast_tags(new, CHANNEL_TAGS) == podcast_tags(old, CHANNEL_TAGS)
    assert any(all(podcast_tags(item, ITEM_TAGS).values()) for item in items_by_guid(old).values())
    for guid, item in items_by_guid(old).items():
        assert podcast_tags(items_by_guid(new)[guid], ITEM_TAGS) == podcast_tags(item, ITEM_TAGS), guid


def test_an_episode_value_block_of_shares_becomes_percentages_in_its_front_matter(origin, tmp_path, capsys):
    item = ('\n<podcast:value type="lightning" method="keysend">'
            '<podcast:valueRecipient name="Guest" type="node" address="02d5" split="3"/>'
            '<podcast:valueRecipient name="Host" type="node" address="032f" split="1"/>'
            '<podcast:valueRecipient name="App" type="node" address="03ae" split="10" fee="true"/></podcast:value>')
    show, built, warnings = import_and_build(tmp_path, source_feed(origin, channel="", item=item), capsys)
    assert ("warning: item 1 'First': podcast:value: the splits 3, 1, 10 (fee) add up to 14, not 100 (the namespace "
            "reads them as shares): written as the percentages they pay, 68, 22, 10 (rounded to whole percent from "
            "67.5, 22.5, 10; check them in value: in the episode's front matter)") in warnings
    front = yaml.load(next(show.glob("*first*.md")).read_text("utf-8").split("---")[1], Loader=yaml.BaseLoader)
    assert front["value"]["recipients"] == [
        {"name": "Guest", "type": "node", "address": "02d5", "split": "68"},
        {"name": "Host", "type": "node", "address": "032f", "split": "22"},
        {"name": "App", "type": "node", "address": "03ae", "split": "10", "fee": "true"}]
    value = items_by_guid(etree.fromstring(built)[0])["every-tag-1"].find(f"{{{NS}}}value")
    assert [(r.get("split"), r.get("fee")) for r in value] == [("68", None), ("22", None), ("10", "true")]


def test_shares_that_pay_the_same_as_whole_percentages_are_converted_without_a_doubt(origin, tmp_path, capsys):
    channel = ('\n<podcast:value type="lightning" method="keysend">'
               '<podcast:valueRecipient name="A" type="node" address="02d5" split="1"/>'
               '<podcast:valueRecipient name="B" type="node" address="032f" split="3"/></podcast:value>')
    _, built, warnings = import_and_build(tmp_path, source_feed(origin, channel=channel, item=""), capsys)
    assert ("warning: channel: podcast:value: the splits 1, 3 add up to 4, not 100 (the namespace reads them as "
            "shares): written as the percentages they pay, 25, 75") in warnings
    assert [r.get("split") for r in etree.fromstring(built)[0].find(f"{{{NS}}}value")] == ["25", "75"]


def test_a_relative_trailer_url_is_resolved_against_the_feed_or_named(origin, tmp_path, capsys):
    channel = '\n<podcast:trailer pubdate="Mon, 01 Jan 2024 08:00:00 +0000" url="/trailer.mp3">Soon</podcast:trailer>'
    feed = source_feed(origin, channel=channel, item="")
    _, _, warnings = import_and_build(tmp_path, feed, capsys)  # from a file: relative to nothing
    assert ("warning: channel: podcast:trailer 'Soon': its url '/trailer.mp3' is relative and the feed's own URL is "
            "unknown (import from the URL)") in warnings
    (tmp_path / "served").mkdir()
    (tmp_path / "served/feed.xml").write_text(feed, "utf-8")
    with serve_folder(tmp_path / "served") as base:
        assert run_cli("import", base + "feed.xml", tmp_path / "from-url") == 0
    assert "podcast:trailer" not in capsys.readouterr().err
    trailers = tomllib.loads((tmp_path / "from-url/show.toml").read_text("utf-8"))["show"]["trailer"]
    assert trailers[0]["audio"] == base + "trailer.mp3"
