"""render/: model values in, feed bytes out, read back by real parsers. No file, no clock."""

from datetime import datetime, timedelta, timezone
from io import BytesIO
from pathlib import Path

import feedparser
import podcastparser

from feedtool.model import Chapter, Enclosure, Episode, Show
from feedtool.render.feed import render_feed, render_item

KYIV = timezone(timedelta(hours=2))


def episode(**changes) -> Episode:
    values = dict(
        source=Path("0007-seven.md"), slug="0007-seven", guid="guid-7", title="Seven & more", number=7,
        pub_date=datetime(2024, 3, 6, 12, 0, tzinfo=KYIV), duration=3723.6, notes_html="<p>Notes</p>",
        description_html="<p>Notes</p>", explicit=True,
        enclosure=Enclosure("https://cdn.example.net/media/7.mp3", 1234, "audio/mpeg"),
        chapters=(Chapter(0, "Start"), Chapter(61.5, "Middle", url="https://example.net/m"), Chapter(90, "X", hidden=True)),
    )
    values.update(changes)
    return Episode(**values)


def show(**changes) -> Show:
    values = dict(title="A show", description="About it", language="uk", author="Someone",
                  link="https://example.net/", feed_url="https://example.net/feed.xml",
                  podcast_guid="9b024349-ccf0-5f69-a609-6b82873eab3c", image_url=None,
                  last_build_date=datetime(2024, 3, 6, 12, 0, tzinfo=KYIV))
    values.update(changes)
    return Show(**values)


def feed_bytes(s: Show, episodes) -> bytes:
    return b"".join(render_feed(s, [render_item(e) for e in episodes]))


def test_an_item_reads_back_as_the_model_says():
    data = feed_bytes(show(), [episode()])
    parsed = podcastparser.parse("https://example.net/feed.xml", BytesIO(data))
    (item,) = parsed["episodes"]
    assert (item["title"], item["guid"], item["total_time"], item["number"]) == ("Seven & more", "guid-7", 3724, 7)  # whole seconds, rounded
    assert item["enclosures"] == [{"url": "https://cdn.example.net/media/7.mp3", "file_size": 1234,
                                   "mime_type": "audio/mpeg"}]
    assert [c["title"] for c in item["chapters"]] == ["Start", "Middle"]  # the hidden one stays out of psc
    assert item["published"] == datetime(2024, 3, 6, 10, tzinfo=timezone.utc).timestamp()
    fp = feedparser.parse(data)
    assert not fp.bozo and fp.entries[0].guid == "guid-7"
    assert b"<itunes:explicit>true</itunes:explicit>" in data and b"<itunes:duration>3724</itunes:duration>" in data


def test_the_same_model_gives_the_same_bytes_and_no_model_date_means_no_date():
    assert feed_bytes(show(), [episode()]) == feed_bytes(show(), [episode()])
    undated = feed_bytes(show(last_build_date=None), [])
    assert b"lastBuildDate" not in undated and b"pubDate" not in undated  # never the clock
    assert b"<lastBuildDate>Wed, 06 Mar 2024 12:00:00 +0200</lastBuildDate>" in feed_bytes(show(), [])


def test_without_notes_the_title_stands_in_escaped():
    """Apps render description and content:encoded as HTML: a title is text there, whatever it says."""
    title = "<script>alert(1)</script> ]]> & more"
    data = feed_bytes(show(), [episode(title=title, notes_html="", description_html="")])
    fp = feedparser.parse(data)
    assert not fp.bozo and fp.entries[0].title == title
    escaped = b"&lt;script&gt;alert(1)&lt;/script&gt; ]]&gt; &amp; more"
    assert data.count(b"<![CDATA[" + escaped + b"]]>") == 2  # description and content:encoded


def test_a_long_title_standing_in_for_notes_is_cut_in_the_description():
    """It was a build error blaming the notes (there were none) for a description over Apple's 4000 bytes."""
    title = "Long & <b>wordy</b> title " * 300
    data = feed_bytes(show(), [episode(title=title, notes_html="", description_html="")])
    item = feedparser.parse(data).entries[0]
    assert 3900 < len(item.description.encode()) <= 4000 and item.description.endswith("…")
    escaped = title.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").encode()
    assert b"<content:encoded><![CDATA[" + escaped + b"]]></content:encoded>" in data  # whole there
