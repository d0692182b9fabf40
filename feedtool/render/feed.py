"""Show -> RSS 2.0 bytes. The only module (with ext.py) importing feedgen.

Items are rendered one at a time to bytes (render_item), so a build can reuse the bytes of every episode
whose files did not change; render_feed puts the channel around them.
"""

from __future__ import annotations

import html
from typing import Iterable

from feedgen.entry import FeedEntry
from feedgen.feed import FeedGenerator
from lxml import etree

from feedtool import __version__
from feedtool.errors import RenderError
from feedtool.model import Episode, Show
from feedtool.render.ext import (
    NSMAP,
    ItunesEntryExtension,
    ItunesExtension,
    PagingExtension,
    PodcastEntryExtension,
    PodcastExtension,
    PscEntryExtension,
    PscExtension,
)
from feedtool.render.notes import truncate_html
from feedtool.timecode import rfc2822_ready

_CLOSE_CHANNEL = b"  </channel>\n</rss>\n"


def render_item(episode: Episode) -> bytes:
    """One <item>, indented as it sits in the feed."""
    return render_item_tree(episode)[0]


def render_item_tree(episode: Episode) -> tuple[bytes, etree._Element]:
    """One <item> as bytes and as the element they were serialised from, inside an <rss><channel> with the
    feed's namespaces: the check rules read the element, so a build need not parse its own bytes again."""
    entry = FeedEntry()
    for namespace, extension in (
        ("itunes", ItunesEntryExtension),
        ("podcast", PodcastEntryExtension),
        ("psc", PscEntryExtension),
    ):
        entry.register_extension(namespace, extension, atom=False)
        getattr(entry, namespace).episode = episode
    try:
        entry.title(episode.title)
        if episode.link:
            entry.link(href=episode.link)
        # Apps read both as HTML: without notes, the title stands in, escaped (a title may say <script> or ]]>),
        # and in the description cut to Apple's limit as the notes would be
        title_html = html.escape(episode.title, quote=False)
        entry.description(etree.CDATA(episode.description_html or truncate_html(title_html)))  # as content:encoded
        entry.content(episode.notes_html or title_html, type="CDATA")
        entry.guid(episode.guid, permalink=episode.guid_permalink)
        entry.enclosure(episode.enclosure.url, str(episode.enclosure.size_bytes), episode.enclosure.mime_type)
        entry.pubDate(rfc2822_ready(episode.pub_date))
        item = entry.rss_entry()
    except ValueError as e:  # feedgen's own validation, and lxml's refusal of characters XML cannot carry
        raise RenderError(f"{episode.source}: cannot render the episode: {e}") from e
    # Serialise inside the feed's own root and channel, so the fragment uses the feed's namespace prefixes
    # and indentation, then cut the wrapper away.
    root = etree.Element("rss", nsmap=NSMAP)
    etree.SubElement(root, "channel").append(item)
    text = etree.tostring(root, pretty_print=True, encoding="UTF-8")
    start = text.index(b"<channel>\n") + len(b"<channel>\n")
    return text[start : -len(_CLOSE_CHANNEL)], item


def render_feed(show: Show, items: Iterable[bytes]) -> list[bytes]:
    """The whole feed as a list of byte chunks (written in sequence; never joined into one 40 MB string)."""
    feed = FeedGenerator()
    feed.register_extension("itunes", ItunesExtension, atom=False)
    feed.register_extension("podcast", PodcastExtension, atom=False)
    feed.register_extension("psc", PscExtension, atom=False)
    feed.itunes.show = show
    feed.podcast.show = show
    if show.page is not None:
        feed.register_extension("paging", PagingExtension, atom=False)
        feed.paging.show = show
    self_url = show.page.url if show.page else show.feed_url
    try:
        feed.title(show.title)
        if self_url:
            feed.link(href=self_url, rel="self", type="application/rss+xml")
        # feedgen's RSS <link> is the last link set: the show's website, else its home page; never the feed
        feed.link(href=show.link or show.home_url or "./")
        feed.description(etree.CDATA(show.description))  # sanitised HTML, as the items' descriptions
        feed.language(show.language)
        if show.copyright:
            feed.copyright(show.copyright)
        feed.generator(f"feedtool {__version__}")
        if show.image_url:
            feed.image(url=show.image_url, title=show.title, link=show.link or show.home_url or "./")
        if show.last_build_date is not None:
            feed.lastBuildDate(rfc2822_ready(show.last_build_date))
            feed.pubDate(rfc2822_ready(show.last_build_date))
        head = feed.rss_str(pretty=True, encoding="UTF-8")
    except ValueError as e:
        raise RenderError(f"cannot render the channel: {e}") from e
    if not head.endswith(_CLOSE_CHANNEL):
        raise RenderError("feedgen produced an unexpected channel layout")
    return [head[: -len(_CLOSE_CHANNEL)], *items, _CLOSE_CHANNEL]
