"""feedgen extensions for what feedgen 1.0 lacks or gets wrong for podcasts today.

- itunes: Apple's current spec (explicit true/false, type, episodeType, duration in seconds, https images);
  feedgen's own podcast extension only knows yes/no/clean.
- podcast: the Podcast Index namespace (guid, locked, funding, person, season, episode, chapters, transcript,
  license, medium, alternateEnclosure; trailer, soundbite, location, txt, updateFrequency, podroll and
  remoteItem, value and valueRecipient, socialInteract, images, block, publisher).
- psc: Podlove Simple Chapters, which podcastparser, AntennaPod and gPodder read.
Each extension is handed the model object and writes its elements; the order is fixed, so output is stable.
"""

from __future__ import annotations

from email.utils import format_datetime

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from lxml import etree

from feedtool.model import Episode, Location, Person, RemoteItem, Show, Txt, Value
from feedtool.timecode import format_npt, rfc2822_ready, whole_seconds

ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST_NS = "https://podcastindex.org/namespace/1.0"
PSC_NS = "http://podlove.org/simple-chapters"
ATOM_NS = "http://www.w3.org/2005/Atom"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
FH_NS = "http://purl.org/syndication/history/1.0"  # RFC 5005 feed history: fh:archive
NSMAP = {"itunes": ITUNES_NS, "podcast": PODCAST_NS, "psc": PSC_NS, "atom": ATOM_NS, "content": CONTENT_NS}


def _el(parent, ns: str | None, tag: str, text=None, **attributes):
    element = etree.SubElement(parent, f"{{{ns}}}{tag}" if ns else tag)
    for key, value in attributes.items():
        if value is not None:
            element.set(key.rstrip("_"), str(value))
    if text is not None:
        element.text = str(text)
    return element


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _people(parent, people: tuple[Person, ...]) -> None:
    for person in people:
        _el(
            parent,
            PODCAST_NS,
            "person",
            person.name,
            role=person.role,
            group=person.group,
            img=person.img,
            href=person.href,
        )


def _seconds(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".") if value % 1 else f"{value:.1f}"


def _locations(parent, locations: tuple[Location, ...]) -> None:
    for place in locations:
        attributes = {"rel": place.rel, "geo": place.geo, "osm": place.osm, "country": place.country}
        _el(parent, PODCAST_NS, "location", place.name, **attributes)


def _txts(parent, txts: tuple[Txt, ...]) -> None:
    for txt in txts:
        _el(parent, PODCAST_NS, "txt", txt.text, purpose=txt.purpose)


def _value(parent, value: Value | None) -> None:
    if value is None:
        return
    block = _el(parent, PODCAST_NS, "value", type=value.type, method=value.method, suggested=value.suggested)
    for r in value.recipients:
        _el(
            block,
            PODCAST_NS,
            "valueRecipient",
            name=r.name,
            type=r.type,
            address=r.address,
            split=r.split,
            customKey=r.custom_key,
            customValue=r.custom_value,
            fee="true" if r.fee else None,
        )


def _remote_item(parent, item: RemoteItem) -> None:
    _el(
        parent,
        PODCAST_NS,
        "remoteItem",
        feedGuid=item.feed_guid,
        feedUrl=item.feed_url,
        itemGuid=item.item_guid,
        title=item.title,
        medium=item.medium,
    )


class ItunesExtension(BaseExtension):
    show: Show | None = None

    def extend_ns(self):
        return {"itunes": ITUNES_NS}

    def extend_rss(self, rss_feed):
        show, channel = self.show, rss_feed[0]
        _el(channel, ITUNES_NS, "author", show.author)
        if show.owner_name or show.owner_email:
            owner = _el(channel, ITUNES_NS, "owner")
            if show.owner_name:
                _el(owner, ITUNES_NS, "name", show.owner_name)
            if show.owner_email:
                _el(owner, ITUNES_NS, "email", show.owner_email)
        if show.image_url:
            _el(channel, ITUNES_NS, "image", href=show.image_url)
        for category, subcategory in show.categories:
            element = _el(channel, ITUNES_NS, "category", text_=category)  # Apple: text is an attribute
            if subcategory:
                _el(element, ITUNES_NS, "category", text_=subcategory)
        _el(channel, ITUNES_NS, "explicit", _bool(show.explicit))
        _el(channel, ITUNES_NS, "type", show.show_type)
        if show.complete:
            _el(channel, ITUNES_NS, "complete", "Yes")
        if show.block:
            _el(channel, ITUNES_NS, "block", "Yes")
        if show.new_feed_url:
            _el(channel, ITUNES_NS, "new-feed-url", show.new_feed_url)
        if show.last_build_date is None:  # feedgen defaults it to the clock; an empty show has no date
            for element in channel.findall("lastBuildDate"):
                channel.remove(element)
        return rss_feed


class PodcastExtension(BaseExtension):
    show: Show | None = None

    def extend_ns(self):
        return {"podcast": PODCAST_NS}

    def extend_rss(self, rss_feed):
        show, channel = self.show, rss_feed[0]
        for hub in show.hubs:
            _el(channel, ATOM_NS, "link", rel="hub", href=hub)
        if show.podcast_guid:
            _el(channel, PODCAST_NS, "guid", show.podcast_guid)
        if show.locked is not None:
            _el(channel, PODCAST_NS, "locked", "yes" if show.locked else "no", owner=show.owner_email or None)
        for funding in show.funding:
            if funding.url:
                _el(channel, PODCAST_NS, "funding", funding.text, url=funding.url)
        _people(channel, show.people)
        if show.license:
            _el(channel, PODCAST_NS, "license", show.license, url=show.license_url or None)
        _el(channel, PODCAST_NS, "medium", show.medium)
        for trailer in show.trailers:
            _el(
                channel,
                PODCAST_NS,
                "trailer",
                trailer.title,
                pubdate=format_datetime(rfc2822_ready(trailer.pub_date)),  # RFC 2822: whole-minute offsets
                url=trailer.url,
                length=trailer.size_bytes,
                type=trailer.mime_type,
                season=trailer.season,
            )
        _locations(channel, show.locations)
        _txts(channel, show.txts)
        frequency = show.update_frequency
        if frequency:
            complete = "true" if frequency.complete else None
            _el(channel, PODCAST_NS, "updateFrequency", frequency.text, complete=complete, dtstart=frequency.dtstart,
                rrule=frequency.rrule)  # fmt: skip
        if show.podroll:
            podroll = _el(channel, PODCAST_NS, "podroll")
            for item in show.podroll:
                _remote_item(podroll, item)
        _value(channel, show.value)
        if show.images:  # podcast:images is deprecated for podcast:image; older apps read only the srcset
            _el(channel, PODCAST_NS, "images", srcset=", ".join(f"{i.url} {i.width}w" for i in show.images))
            for size in show.images:
                _el(channel, PODCAST_NS, "image", href=size.url, width=size.width, height=size.height)
        for slug, blocked in show.platform_blocks:
            _el(channel, PODCAST_NS, "block", "yes" if blocked else "no", id=slug)
        if show.publisher:
            _remote_item(_el(channel, PODCAST_NS, "publisher"), show.publisher)
        return rss_feed


class PagingExtension(BaseExtension):
    """A paged feed's document (RFC 5005): its atom:link relations, and fh:archive on an archive page. Only
    registered for paged feeds, so an unpaged feed declares no fh namespace."""

    show: Show | None = None

    def extend_ns(self):
        return {"fh": FH_NS} if self.show.page.archive else {}

    def extend_rss(self, rss_feed):
        channel, page = rss_feed[0], self.show.page
        for rel, href in page.links:
            _el(channel, ATOM_NS, "link", rel=rel, href=href)
        if page.archive:
            _el(channel, FH_NS, "archive")
        return rss_feed


class PscExtension(BaseExtension):
    def extend_ns(self):
        return {"psc": PSC_NS}


class ItunesEntryExtension(BaseEntryExtension):
    episode: Episode | None = None

    def extend_rss(self, item):
        episode = self.episode
        _el(item, ITUNES_NS, "title", episode.title)
        _el(item, ITUNES_NS, "duration", whole_seconds(episode.duration))
        if episode.explicit is not None:
            _el(item, ITUNES_NS, "explicit", _bool(episode.explicit))
        if episode.image_url:
            _el(item, ITUNES_NS, "image", href=episode.image_url)
        if episode.season is not None:
            _el(item, ITUNES_NS, "season", episode.season)
        if episode.number is not None:
            _el(item, ITUNES_NS, "episode", episode.number)
        _el(item, ITUNES_NS, "episodeType", episode.episode_type)
        if episode.keywords:
            _el(item, ITUNES_NS, "keywords", ",".join(episode.keywords))
        if episode.block:
            _el(item, ITUNES_NS, "block", "Yes")
        return item


class PodcastEntryExtension(BaseEntryExtension):
    episode: Episode | None = None

    def extend_rss(self, item):
        episode = self.episode
        if episode.season is not None:
            _el(item, PODCAST_NS, "season", episode.season, name=episode.season_name)
        if episode.number is not None:
            _el(item, PODCAST_NS, "episode", episode.number, display=episode.episode_display)
        if episode.chapters_url:
            _el(item, PODCAST_NS, "chapters", url=episode.chapters_url, type="application/json+chapters")
        for transcript in episode.transcripts:
            _el(
                item,
                PODCAST_NS,
                "transcript",
                url=transcript.url,
                type=transcript.mime_type,
                language=transcript.language,
                rel=transcript.rel,
            )
        _people(item, episode.people)
        for alternate in episode.alternates:
            element = _el(
                item,
                PODCAST_NS,
                "alternateEnclosure",
                type=alternate.mime_type,
                length=alternate.size_bytes,
                bitrate=alternate.bitrate,
                height=alternate.height,
                title=alternate.title,
                default="true" if alternate.default else None,
            )
            _el(element, PODCAST_NS, "source", uri=alternate.url)
        for bite in episode.soundbites:
            start, duration = _seconds(bite.start), _seconds(bite.duration)
            _el(item, PODCAST_NS, "soundbite", bite.title, startTime=start, duration=duration)
        _locations(item, episode.locations)
        _txts(item, episode.txts)
        _value(item, episode.value)
        for social in episode.social_interacts:
            _el(
                item,
                PODCAST_NS,
                "socialInteract",
                protocol=social.protocol,
                uri=social.uri,
                accountId=social.account_id,
                accountUrl=social.account_url,
                priority=social.priority,
            )
        if episode.license:
            _el(item, PODCAST_NS, "license", episode.license, url=episode.license_url)
        return item


class PscEntryExtension(BaseEntryExtension):
    episode: Episode | None = None

    def extend_rss(self, item):
        visible = [c for c in self.episode.chapters if not c.hidden]
        if visible:
            chapters = _el(item, PSC_NS, "chapters", version="1.2")
            for chapter in visible:
                _el(
                    chapters,
                    PSC_NS,
                    "chapter",
                    start=format_npt(chapter.start),
                    title=chapter.title,
                    href=chapter.url,
                    image=chapter.image,
                )
        return item
