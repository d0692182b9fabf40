"""show.toml's Podcasting 2.0 tables (the Podcast Index namespace): schema as frozen dataclasses, each field
with its one-line documentation (README's config reference), and their validation, which converts every
table as build will (read/tag_values.py) so a problem is named by its key before anything is built."""

import dataclasses
from dataclasses import dataclass, field

from feedtool.errors import Finding, error
from feedtool.namespace import TITLE_LIMIT
from feedtool.read import tag_values


def doc(text: str, default=dataclasses.MISSING, **kw):
    """A field with its one-line documentation (shown in README's config reference)."""
    if default is dataclasses.MISSING and "default_factory" not in kw:
        return field(metadata={"doc": text}, **kw)
    return field(default=default, metadata={"doc": text}, **kw)


# --- Podcasting 2.0 tables (the Podcast Index namespace; values checked by read/tag_values.py) ---


@dataclass(frozen=True)
class TrailerConfig:
    title: str = doc("podcast:trailer: the trailer's title (at most 128 characters)")
    audio: str = doc("the trailer's audio or video: a file in the show folder or an https URL")
    date: str = doc("when it was published: YYYY-MM-DD or ISO 8601 (without an offset: the show's timezone)")
    season: int = doc("the season it is the trailer of (0: the whole show)", 0)
    length: int = doc("its size in bytes, for a URL (a file's size is measured)", 0)
    type: str = doc("its MIME type, for a URL whose extension does not tell", "")


@dataclass(frozen=True)
class LocationConfig:
    name: str = doc("podcast:location: the place as people name it, e.g. Kyiv, Ukraine")
    geo: str = doc("a geo URI, geo:latitude,longitude", "")
    osm: str = doc("the OpenStreetMap id, e.g. R421866", "")
    rel: str = doc("subject (what the show is about; default) or creator (where it is made)", "")
    country: str = doc("two-letter country code, e.g. ua", "")


@dataclass(frozen=True)
class TxtConfig:
    text: str = doc("podcast:txt: free text, e.g. a verification code (at most 4000 characters)")
    purpose: str = doc("what it is for, e.g. verify or applepodcastsverify", "")


@dataclass(frozen=True)
class UpdateFrequencyConfig:
    text: str = doc("podcast:updateFrequency: the schedule in words, e.g. Every Tuesday")
    rrule: str = doc("the schedule as an RFC 5545 recurrence rule, e.g. FREQ=WEEKLY;BYDAY=TU", "")
    dtstart: str = doc("when the rule starts, ISO 8601 (needed with COUNT)", "")
    complete: bool = doc("no more episodes are planned", False)


@dataclass(frozen=True)
class RemoteItemConfig:
    feed_guid: str = doc("podcast:remoteItem: the other show's podcast:guid")
    feed_url: str = doc("the other show's feed URL (https)", "")
    item_guid: str = doc("an episode's guid in that feed, to point at one episode", "")
    title: str = doc("the other show's title, for apps to show without fetching it", "")
    medium: str = doc("the other feed's podcast:medium, when not podcast", "")


@dataclass(frozen=True)
class RecipientConfig:
    type: str = doc("podcast:valueRecipient: the kind of address, e.g. node or lnaddress")
    address: str = doc("where the payments go")
    split: int = doc("the recipient's percentage; the splits of a value block add up to 100")
    name: str = doc("who the recipient is", "")
    fee: bool = doc("the split is a fee taken off the top", False)
    custom_key: str = doc("a custom record key sent with each payment", "")
    custom_value: str = doc("the custom record's value", "")


@dataclass(frozen=True)
class ValueConfig:
    type: str = doc("podcast:value: the payment layer", "lightning")
    method: str = doc("the transport: keysend or amp for lightning", "keysend")
    suggested: str = doc("a suggested amount per minute, e.g. 0.00000005000", "")
    recipients: list[RecipientConfig] = doc("[[show.value.recipients]] who is paid", default_factory=list)


@dataclass(frozen=True)
class PublisherConfig:
    feed_guid: str = doc("podcast:publisher: the publisher feed's podcast:guid")
    feed_url: str = doc("the publisher feed's URL (https)", "")


def validate_tags(show, where: str) -> list[Finding]:
    """The Podcasting 2.0 tables: each converted as build will convert it, every problem named by its key."""
    found = []

    def attempt(key: str, convert, *args) -> None:
        try:
            convert(*args)
        except ValueError as e:
            text, _, hint = str(e).partition(" (")
            found.append(error("config/value", f"{where}:show.{key}", text, hint.removesuffix(")")))

    tables = {
        "location": tag_values.location,
        "txt": tag_values.txt,
        "podroll": tag_values.remote_item,
        "trailer": lambda item: tag_values.text(item, "title", limit=TITLE_LIMIT, required=True),
    }
    for key, convert in tables.items():
        for i, item in enumerate(getattr(show, key)):
            attempt(f"{key}[{i}]", convert, dataclasses.asdict(item))
    for key, convert in (("update_frequency", tag_values.update_frequency), ("value", tag_values.value_block)):
        if getattr(show, key) is not None:
            attempt(key, convert, dataclasses.asdict(getattr(show, key)))
    if show.publisher is not None:
        attempt("publisher", tag_values.remote_item, dataclasses.asdict(show.publisher), "publisher")
    attempt("block_platforms", tag_values.platform_blocks, show.block_platforms, show.allow_platforms)
    for width in show.image_sizes:
        if not 16 <= width <= 3000:
            found.append(
                error("config/value", f"{where}:show.image_sizes", f"{width} is not a width", "give pixels, 16-3000")
            )
    return found


