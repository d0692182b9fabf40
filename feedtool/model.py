"""The show as the renderers see it: frozen dataclasses, no I/O. Times are float seconds."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import NamedTuple


@dataclass(frozen=True)
class Chapter:
    start: float
    title: str
    url: str | None = None
    image: str | None = None
    hidden: bool = False  # listed in the JSON file with toc=false, left out of psc:chapters and ID3 CTOC


@dataclass(frozen=True)
class Person:
    name: str
    role: str = "host"
    group: str = "cast"
    href: str | None = None
    img: str | None = None


@dataclass(frozen=True)
class Funding:
    text: str  # plain text without markup (apps may render it as HTML)
    url: str | None  # None: the producer has not filled it in yet


# --- Podcasting 2.0 values (the Podcast Index namespace; feedtool/namespace.py has its value sets) ---


@dataclass(frozen=True)
class Trailer:
    title: str
    url: str
    pub_date: datetime
    size_bytes: int | None = None
    mime_type: str | None = None
    season: int | None = None


@dataclass(frozen=True)
class Soundbite:
    start: float
    duration: float
    title: str | None = None


@dataclass(frozen=True)
class Location:
    name: str
    geo: str | None = None
    osm: str | None = None
    rel: str | None = None  # subject (default) or creator
    country: str | None = None


@dataclass(frozen=True)
class Txt:
    text: str
    purpose: str | None = None


@dataclass(frozen=True)
class UpdateFrequency:
    text: str
    rrule: str | None = None
    dtstart: str | None = None  # ISO 8601, as written
    complete: bool = False


@dataclass(frozen=True)
class RemoteItem:
    feed_guid: str
    feed_url: str | None = None
    item_guid: str | None = None
    title: str | None = None
    medium: str | None = None


@dataclass(frozen=True)
class ValueRecipient:
    type: str
    address: str
    split: int
    name: str | None = None
    fee: bool = False
    custom_key: str | None = None
    custom_value: str | None = None


@dataclass(frozen=True)
class Value:
    type: str
    method: str
    recipients: tuple[ValueRecipient, ...]
    suggested: str | None = None


@dataclass(frozen=True)
class SocialInteract:
    protocol: str
    uri: str | None = None
    account_id: str | None = None
    account_url: str | None = None
    priority: int | None = None


@dataclass(frozen=True)
class ImageSize:
    """One size of the artwork: an entry of podcast:images' srcset, and a podcast:image."""

    url: str
    width: int
    height: int | None = None


@dataclass(frozen=True)
class Artwork:
    mime_type: str
    size_bytes: int
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True)
class Tags:
    """What the audio's own tags say; fallbacks for what the front matter leaves out."""

    title: str | None = None
    artist: str | None = None
    album: str | None = None
    track: int | None = None
    date: str | None = None
    comment: str | None = None


@dataclass(frozen=True)
class AudioInfo:
    path: Path | None  # None: audio given as a URL, measured over HTTP (read/remote.py)
    size_bytes: int
    duration: float
    mime_type: str
    bitrate: int  # bits per second
    tags: Tags = Tags()
    chapters: tuple[Chapter, ...] = ()
    artwork: Artwork | None = None
    height: int | None = None  # video renditions only


@dataclass(frozen=True)
class Transcript:
    url: str
    mime_type: str
    language: str
    rel: str | None = None  # "captions" for timed formats
    path: Path | None = None


@dataclass(frozen=True)
class Enclosure:
    url: str
    size_bytes: int
    mime_type: str
    path: Path | None = None  # the local file, when the audio lives in the show folder


@dataclass(frozen=True)
class AlternateEnclosure:
    url: str
    size_bytes: int
    mime_type: str
    bitrate: int | None = None
    height: int | None = None
    title: str | None = None
    default: bool = False
    path: Path | None = None


@dataclass(frozen=True)
class Episode:
    source: Path  # the episode's Markdown file
    slug: str
    guid: str
    title: str
    pub_date: datetime
    enclosure: Enclosure
    duration: float
    notes_html: str  # sanitised; what content:encoded carries
    description_html: str  # the same, cut to Apple's 4000 bytes
    number: int | None = None
    season: int | None = None
    season_name: str | None = None  # podcast:season's name
    episode_display: str | None = None  # podcast:episode's display, shown by apps instead of the number
    episode_type: str = "full"
    explicit: bool | None = None
    link: str | None = None
    image_url: str | None = None
    chapters: tuple[Chapter, ...] = ()
    chapters_url: str | None = None
    people: tuple[Person, ...] = ()
    keywords: tuple[str, ...] = ()
    transcripts: tuple[Transcript, ...] = ()
    alternates: tuple[AlternateEnclosure, ...] = ()
    block: bool = False
    soundbites: tuple[Soundbite, ...] = ()
    locations: tuple[Location, ...] = ()
    txts: tuple[Txt, ...] = ()
    value: Value | None = None
    social_interacts: tuple[SocialInteract, ...] = ()
    license: str | None = None
    license_url: str | None = None
    guid_permalink: bool = False  # the GUID is the episode's web address (isPermaLink="true"), as in an imported feed
    guid_is_new: bool = False  # generated by this build; written back into the episode file after it succeeds
    page_path: str | None = None  # the episode's web page, relative to the site root, percent-encoded: "0177-x/"
    transcript_text: str | None = None  # the transcript as plain text, for the episode's page
    summary: str = ""  # the start of the producer's notes as plain text (without the show's credits), for pages


class EpisodeSummary(NamedTuple):
    """What the index pages and an episode's neighbours show of an episode. A tuple of plain values: the
    build cache keeps one per episode, so a warm rebuild renders the index without rebuilding episodes."""

    page_path: str
    title: str
    number: int | None
    season: int | None
    pub_date: str  # ISO 8601 with offset
    duration: float
    summary: str  # the start of the notes as plain text


@dataclass(frozen=True)
class Page:
    """Where one feed document sits among a paged show's documents (RFC 5005): the subscription feed or an
    archive page, its own URL, and its atom:link relations (first, last, next, prev-archive, current)."""

    url: str | None  # this document's URL (atom:link rel=self)
    archive: bool = False  # an archive document (fh:archive): never changes once full
    links: tuple[tuple[str, str], ...] = ()  # (rel, href)


@dataclass(frozen=True)
class Show:
    title: str
    description: str  # sanitised HTML, as the notes
    language: str
    author: str
    link: str | None
    feed_url: str | None
    podcast_guid: str | None
    image_url: str | None
    owner_name: str | None = None
    owner_email: str | None = None
    categories: tuple[tuple[str, str | None], ...] = ()
    explicit: bool = False
    show_type: str = "episodic"
    copyright: str | None = None
    locked: bool | None = None
    funding: tuple[Funding, ...] = ()
    people: tuple[Person, ...] = ()
    license: str | None = None
    license_url: str | None = None
    medium: str = "podcast"
    complete: bool = False
    block: bool = False
    new_feed_url: str | None = None
    hubs: tuple[str, ...] = ()
    home_url: str | None = None  # base_url: the site root, where build writes the home page ([site])
    subscribe: tuple[tuple[str, str], ...] = ()  # (app or directory name, the show's URL there), from [site]
    trailers: tuple[Trailer, ...] = ()
    locations: tuple[Location, ...] = ()
    txts: tuple[Txt, ...] = ()
    update_frequency: UpdateFrequency | None = None
    podroll: tuple[RemoteItem, ...] = ()
    value: Value | None = None
    images: tuple[ImageSize, ...] = ()  # the artwork in several widths (podcast:images srcset)
    platform_blocks: tuple[tuple[str | None, bool], ...] = ()  # (service slug or None for all, blocked)
    publisher: RemoteItem | None = None
    # The newest episode's date, used as lastBuildDate: a rebuild of unchanged input must not change the feed.
    last_build_date: datetime | None = None
    episodes: tuple[Episode, ...] = field(default=())  # newest first; filled when a caller needs whole episodes
    page: Page | None = None  # a paged feed's document (build/paging.py); None: the one and only feed document
