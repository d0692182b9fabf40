"""A complete, valid feed for the check tests to break one rule at a time (imported by tests/test_check_*.py)."""

from __future__ import annotations

from feedtool.check.rules import check_feed
from feedtool.facts import podcast_guid

HOST = "https://media.feedtool-fixtures.net/show/"
FEED_URL = HOST + "feed.xml"
GUID_ELEMENT = f"<podcast:guid>{podcast_guid(FEED_URL)}</podcast:guid>"

ITEM = """\
    <item>
      <title>Episode {n}</title>
      <link>https://www.feedtool-fixtures.net/{n}</link>
      <description><![CDATA[<p>Notes of episode {n} with a <a href="https://www.feedtool-fixtures.net/{n}">link</a>.</p>]]></description>
      <content:encoded><![CDATA[<p>Notes of episode {n}.</p><ul><li><strong>One</strong></li></ul>]]></content:encoded>
      <guid isPermaLink="false">guid-{n}</guid>
      <enclosure url="{host}media/{n}.mp3" length="12345" type="audio/mpeg"/>
      <pubDate>{date}</pubDate>
      <itunes:duration>1801</itunes:duration>
      <itunes:episode>{n}</itunes:episode>
      <itunes:season>1</itunes:season>
      <itunes:episodeType>full</itunes:episodeType>
      <itunes:explicit>false</itunes:explicit>
      <podcast:season>1</podcast:season>
      <podcast:episode>{n}</podcast:episode>
      <podcast:transcript url="{host}media/{n}.vtt" type="text/vtt" rel="captions"/>
      <podcast:chapters url="{host}chapters/{n}.json" type="application/json+chapters"/>
      <podcast:soundbite startTime="73.0" duration="60.0">The best minute</podcast:soundbite>
      <podcast:alternateEnclosure type="audio/ogg" length="9999" title="Ogg">
        <podcast:source uri="{host}media/{n}.ogg"/>
      </podcast:alternateEnclosure>
      <podcast:socialInteract protocol="activitypub" uri="https://social.feedtool-fixtures.net/@host/{n}" accountId="@host" priority="1"/>
      <podcast:txt purpose="release">2024-01-15T08:00:00Z</podcast:txt>
      <podcast:license url="https://www.feedtool-fixtures.net/license">fixture-license-{n}</podcast:license>
    </item>
"""
DATES = {3: "Fri, 01 Mar 2024 08:00:00 +0000", 2: "Thu, 01 Feb 2024 08:00:00 +0000",
         1: "Mon, 15 Jan 2024 08:00:00 +0000"}

FEED = f"""\
<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" \
xmlns:podcast="https://podcastindex.org/namespace/1.0" xmlns:atom="http://www.w3.org/2005/Atom" \
xmlns:content="http://purl.org/rss/1.0/modules/content/">
  <channel>
    <title>Fixture Show</title>
    <link>https://www.feedtool-fixtures.net/</link>
    <description>A show the check tests break one rule at a time.</description>
    <language>en</language>
    <copyright>Fixture Author</copyright>
    <pubDate>Fri, 01 Mar 2024 08:00:00 +0000</pubDate>
    <lastBuildDate>Fri, 01 Mar 2024 08:00:00 +0000</lastBuildDate>
    <atom:link href="{FEED_URL}" rel="self" type="application/rss+xml"/>
    <itunes:author>Fixture Author</itunes:author>
    <itunes:owner>
      <itunes:name>Fixture Owner</itunes:name>
      <itunes:email>owner@feedtool-fixtures.net</itunes:email>
    </itunes:owner>
    <itunes:image href="{HOST}cover.jpg"/>
    <itunes:category text="News">
      <itunes:category text="Politics"/>
    </itunes:category>
    <itunes:category text="Technology"/>
    <itunes:explicit>false</itunes:explicit>
    <itunes:type>episodic</itunes:type>
    {GUID_ELEMENT}
    <podcast:locked owner="owner@feedtool-fixtures.net">yes</podcast:locked>
    <podcast:funding url="https://donate.feedtool-fixtures.net/">Support the show</podcast:funding>
    <podcast:person role="Host" img="{HOST}host.jpg" href="https://www.feedtool-fixtures.net/host">Fixture Host</podcast:person>
    <podcast:person group="visuals" role="cover art designer">Fixture Artist</podcast:person>
    <podcast:location geo="geo:50.45,30.52">Kyiv</podcast:location>
    <podcast:license>cc-by-4.0</podcast:license>
    <podcast:medium>podcast</podcast:medium>
    <podcast:trailer pubdate="Mon, 01 Jan 2024 08:00:00 +0000" url="{HOST}media/trailer.mp3" length="23456" type="audio/mpeg" season="1">Season one</podcast:trailer>
    <podcast:txt purpose="verify">S6lpp-7ZCn8-dZfGc-OoyaG</podcast:txt>
    <podcast:updateFrequency rrule="FREQ=WEEKLY;BYDAY=TU">Every Tuesday</podcast:updateFrequency>
    <podcast:podroll>
      <podcast:remoteItem feedGuid="917393e3-1b1e-5cef-ace4-edaa54e1f810" feedUrl="https://www.feedtool-fixtures.net/pc20.xml"/>
    </podcast:podroll>
    <podcast:value type="lightning" method="keysend" suggested="0.00000005000">
      <podcast:valueRecipient name="Host" type="node" address="02d5c1bf8b94" split="95"/>
      <podcast:valueRecipient name="Hosting" type="node" address="03ae9f91a0cb" split="5" fee="true"/>
    </podcast:value>
    <podcast:images srcset="{HOST}cover.jpg 1400w, {HOST}images/cover-600w.jpg 600w"/>
    <podcast:block id="google">yes</podcast:block>
    <podcast:publisher>
      <podcast:remoteItem medium="publisher" feedGuid="003af0a0-6a45-55cf-b765-68e3d349551a" feedUrl="https://www.feedtool-fixtures.net/publisher.xml"/>
    </podcast:publisher>
{"".join(ITEM.format(n=n, host=HOST, date=DATES[n]) for n in (3, 2, 1))}\
  </channel>
</rss>
"""


def findings(xml: str | bytes, **kw):
    data = xml.encode("utf-8") if isinstance(xml, str) else xml
    return check_feed(data, "feed.xml", **kw)[0]


def rules(xml: str | bytes, **kw) -> set[str]:
    return {f.rule for f in findings(xml, **kw)}


def broken(old: str, new: str, feed: str = FEED) -> str:
    """The feed with the first `old` replaced by `new` (the first item is Episode 3)."""
    assert old in feed, old
    return feed.replace(old, new, 1)
