"""Where a finding points, and how a rule reaches the files a feed names.

A rule looks at one scope (the channel or one item) and reports `scope.where(element, ...)`. In a feed that
is an XPath (`/rss/channel/item[3]/enclosure/@length`); in a show folder it is the file and field the value
came from (`episodes/0003-x.md: audio`, `episodes/show.toml:show.artwork`), so the producer knows what to edit.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from urllib.parse import unquote

from lxml import etree

from feedtool.check.xml import qualified, tag_name
from feedtool.errors import FeedtoolError
from feedtool.read.paths import show_file
from feedtool.urls import split_url, unencoded

# The element a value lives in -> the front matter field (item) or config key (channel) it comes from.
ITEM_FIELDS = {
    "title": "title",
    "itunes:title": "title",
    "guid": "guid",
    "pubDate": "date",
    "enclosure": "audio",
    "itunes:duration": "audio",
    "itunes:episode": "number",
    "podcast:episode": "number",
    "itunes:season": "season",
    "podcast:season": "season",
    "itunes:episodeType": "type",
    "itunes:explicit": "explicit",
    "itunes:image": "image",
    "link": "link",
    "description": "notes",
    "content:encoded": "notes",
    "podcast:person": "people",
    "podcast:transcript": "transcript",
    "podcast:chapters": "chapters",
    "psc:chapters": "chapters",
    "podcast:alternateEnclosure": "alternates",
    "itunes:block": "block",
    "podcast:soundbite": "soundbites",
    "podcast:location": "location",
    "podcast:txt": "txt",
    "podcast:value": "value",
    "podcast:socialInteract": "social_interact",
    "podcast:license": "license",
}
CHANNEL_FIELDS = {
    "title": "show.title",
    "description": "show.description",
    "itunes:summary": "show.description",
    "language": "show.language",
    "itunes:author": "show.author",
    "link": "show.link",
    "itunes:image": "show.artwork",
    "image": "show.artwork",
    "itunes:category": "show.categories",
    "itunes:explicit": "show.explicit",
    "itunes:type": "show.type",
    "copyright": "show.copyright",
    "itunes:owner": "show.owner_email",
    "podcast:guid": "show.guid",
    "podcast:locked": "show.locked",
    "podcast:funding": "show.funding",
    "podcast:person": "show.person",
    "podcast:license": "show.license",
    "podcast:medium": "show.medium",
    "atom:link": "feed.feed_url",
    "itunes:new-feed-url": "feed.new_feed_url",
    "itunes:complete": "show.complete",
    "itunes:block": "show.block",
    "pubDate": "show",
    "lastBuildDate": "show",
    "podcast:trailer": "show.trailer",
    "podcast:location": "show.location",
    "podcast:txt": "show.txt",
    "podcast:updateFrequency": "show.update_frequency",
    "podcast:podroll": "show.podroll",
    "podcast:value": "show.value",
    "podcast:images": "show.image_sizes",
    "podcast:block": "show.block_platforms",
    "podcast:publisher": "show.publisher",
}


# An attribute whose value comes from another config key than its element's
CHANNEL_ATTRIBUTE_FIELDS = {("podcast:locked", "owner"): "show.owner_email"}
ITEM_ATTRIBUTE_FIELDS = {("podcast:season", "name"): "season_name", ("podcast:episode", "display"): "episode_display"}


@dataclass
class Scope(ABC):
    """The channel or one item of a feed, as the rules see it."""

    element: object  # the <channel> or <item>
    is_item: bool
    show_type: str = "episodic"
    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    @abstractmethod
    def where(self, element, child: str | None = None, attr: str | None = None) -> str:
        """Name the place of element (or of its missing child, or of its attribute) for the producer."""

    # The rules ask one scope for a dozen of its children and walk its elements three times: both are
    # collected once per scope (a build checks 10,000 items).

    def child(self, name: str):
        """The scope element's first child called name (`itunes:image`), or None."""
        return self._first_children.get(qualified(name))

    @cached_property
    def _first_children(self) -> dict:
        first = {}
        for element in self.element:
            first.setdefault(element.tag, element)
        return first

    @cached_property
    def own_elements(self) -> list[tuple[object, str, str]]:
        """(element, tag_name, tag) of every element of the scope, without descending from the channel into its
        items. The tag too: lxml makes a new string each time it is asked, and three rules ask each element."""
        if self.is_item:
            elements = self.element.iter(etree.Element)  # elements, no comments
            next(elements)  # the item itself
        else:
            tops = (top for top in self.element if isinstance(top.tag, str) and top.tag != "item")
            elements = (e for top in tops for e in top.iter(etree.Element))
        return [(e, tag_name(e), e.tag) for e in elements]

    def url_where(self, element, attr: str | None, url: str) -> str | None:
        """Where to report a problem with this URL, or None when another finding already covers its cause."""
        return self.where(element, attr=attr)

    def encoding_where(self, element, attr: str | None, url: str) -> str | None:
        """Where to report a URL that is not percent-encoded (each file's own name: the element)."""
        return self.where(element, attr=attr)

    @property
    def rehearsal(self) -> bool:
        """The feed says it is not for directories ([feed] staging; podcast:block yes): placeholders are fine."""
        return False

    def cause(self, url: str) -> str:
        """The value a producer wrote that gave url its problem (in a show folder: base_url for the URLs under it)."""
        return url

    def image_path(self, url: str) -> Path | None:
        """A local copy of the image at url, when there is one to read."""
        return None

    def guid_recorded(self) -> bool:
        """Whether the show's podcast:guid is a recorded fact rather than whatever the feed says."""
        return False


@dataclass
class FeedScope(Scope):
    """A scope in a feed file or a feed fetched from a URL: findings point at XPaths."""

    base: str = "/rss/channel"
    blocked: bool = False  # the channel has podcast:block yes for every directory

    @property
    def rehearsal(self) -> bool:
        return self.blocked

    def where(self, element, child: str | None = None, attr: str | None = None) -> str:
        steps = []
        node = element
        while node is not None and node is not self.element:
            steps.append(_step(node))
            node = node.getparent()
        path = "/".join([self.base, *reversed(steps)] + ([child] if child else []))
        return f"{path}/@{attr}" if attr else path


def _step(node) -> str:
    name = tag_name(node)
    siblings = node.getparent().findall(node.tag) if node.getparent() is not None else [node]
    return f"{name}[{siblings.index(node) + 1}]" if len(siblings) > 1 else name


@dataclass
class ShowScope(Scope):
    """A scope rendered from a show folder: findings point at the episode file or config key behind a value."""

    prefix: str = ""  # "episodes/0003-x.md: " for an item, "episodes/show.toml:" for the channel
    config: object = None
    suppressed: frozenset = frozenset()  # config findings already naming a missing fact

    def where(self, element, child: str | None = None, attr: str | None = None) -> str:
        top = child
        node = element
        while node is not None and node is not self.element:
            top = tag_name(node)
            node = node.getparent()
        fields = ITEM_FIELDS if self.is_item else CHANNEL_FIELDS
        name = fields.get(top or "", top or ("episode" if self.is_item else "show"))
        name = (ITEM_ATTRIBUTE_FIELDS if self.is_item else CHANNEL_ATTRIBUTE_FIELDS).get((top, attr), name)
        if not self.is_item and top == "podcast:block" and self.config.feed.staging:
            name = "feed.staging"  # the rehearsal's block, not one the producer listed in block_platforms
        if not self.is_item and top == "podcast:guid" and not self.config.show.guid:
            name = "feed.feed_url"  # derived from the feed URL until build records it
        return f"{self.prefix}{name}"

    def url_where(self, element, attr: str | None, url: str) -> str | None:
        base = self.config.feed.base_url
        if not base and not split_url(url).scheme:
            return None  # relative because base_url is missing: config/missing names that fact
        if base and url.startswith(base):
            # every URL under base_url shares its problems: report them once, on the channel
            return None if self.is_item else self._base_url_place()
        return self.where(element, attr=attr)

    def encoding_where(self, element, attr: str | None, url: str) -> str | None:
        base = self.config.feed.base_url
        if base and url.startswith(base) and unencoded(base):  # base_url's own problem: named once, on it
            return None if self.is_item else self._base_url_place()
        return self.where(element, attr=attr)

    def _base_url_place(self) -> str:
        """Where base_url was written: show.toml, or the command line for a one-off --base-url."""
        return "--base-url" if "feed.base_url" in self.config.overridden else f"{self.config.path}:feed.base_url"

    @property
    def rehearsal(self) -> bool:
        return self.config.feed.staging

    def cause(self, url: str) -> str:
        base = self.config.feed.base_url
        return base if base and url.startswith(base) else url

    def guid_recorded(self) -> bool:
        return bool(self.config.show.guid)

    def image_path(self, url: str) -> Path | None:
        base = self.config.feed.base_url
        if base and url.startswith(base):
            relative = url[len(base) :].lstrip("/")
        elif not split_url(url).scheme:
            relative = url
        else:
            return None
        try:
            path = show_file(self.config.root, unquote(relative), "")
            return path if path.is_file() else None
        except (FeedtoolError, OSError):  # the build reports a path it cannot use
            return None


def item_scope_for(channel_scope: Scope, item, index: int) -> FeedScope:
    return FeedScope(
        element=item,
        is_item=True,
        show_type=channel_scope.show_type,
        now=channel_scope.now,
        base=f"{channel_scope.base}/item[{index}]",
        blocked=channel_scope.rehearsal,
    )


def blocked_everywhere(channel) -> bool:
    """podcast:block yes, without an id naming one platform: the feed asks every directory not to list it."""
    return any(
        (element.text or "").strip().lower() == "yes" and element.get("id") is None
        for element in channel.findall(qualified("podcast:block"))
    )


def show_type_of(channel) -> str:
    element = channel.find(qualified("itunes:type"))
    return (element.text or "").strip() if element is not None and element.text else "episodic"
