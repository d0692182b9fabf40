"""A feed's <channel> -> show.toml: every channel field feedtool supports, the old feed's URL recorded as
feed_url (so its podcast:guid, and the steps of a later move, follow from it), and what could not be kept."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from urllib.parse import urljoin

import nh3
import tomlkit

from feedtool.check.categories import APPLE_CATEGORIES
from feedtool.check.xml import ATOM_NS, child, children, text
from feedtool.facts import is_url, podcast_guid
from feedtool.importer.files import notes_markdown
from feedtool.importer.items import ElementReader, boolean, people

# Channel elements the build writes again from the show's config or its episodes: nothing to keep.
_REGENERATED = {"generator", "lastBuildDate", "pubDate", "docs", "itunes:subtitle", "item", "ttl"}
_PAGING = ("next", "prev-archive", "first", "last", "previous", "current", "next-archive")


@dataclass
class ShowDraft:
    show: dict = field(default_factory=dict)  # [show] keys, in the order written
    feed: dict = field(default_factory=dict)  # [feed]
    funding: list[dict] = field(default_factory=list)
    people: list[dict] = field(default_factory=list)
    feed_url: str | None = None  # the old feed's URL
    lost: list[str] = field(default_factory=list)


def read_channel(element, source_url: str | None) -> ShowDraft:
    """source_url: the URL the feed was read from (None for a file). The [show] keys are written in the order
    they are set here."""
    channel = ElementReader(element)
    draft = ShowDraft()
    show = draft.show
    show["title"] = channel.value("title") or ""
    description, summary = channel.value("description"), channel.value("itunes:summary")
    show["description"] = _plain(description or summary or "", draft)
    if description and summary and summary != description:
        draft.lost.append("itunes:summary differs from description: description is kept")
    show["author"] = channel.value("itunes:author") or ""
    show["language"] = channel.value("language") or ""
    _copy_values(channel, show, (("link", "link"), ("copyright", "copyright")))
    owner = channel.child("itunes:owner")
    if owner is not None:
        for name, key in (("itunes:name", "owner_name"), ("itunes:email", "owner_email")):
            found = text(child(owner, name))
            if found and found.strip():
                show[key] = found.strip()
    artwork = _artwork(channel)
    if artwork:
        show["artwork"] = urljoin(source_url or "", artwork)
    _categories(channel, draft)
    for name, key in (("itunes:explicit", "explicit"), ("itunes:complete", "complete"), ("itunes:block", "block")):
        found = channel.value(name)
        if found is not None and boolean(found) is not None:
            show[key] = boolean(found)
    show_type = (channel.value("itunes:type") or "").lower()
    if show_type in ("episodic", "serial"):
        show["type"] = show_type
    _podcast_fields(channel, draft)
    _feed_links(channel, source_url, draft)
    guid = channel.value("podcast:guid")
    if guid:
        show["guid"] = guid  # kept: a moved feed keeps its podcast:guid
    elif draft.feed_url:
        show["guid"] = podcast_guid(draft.feed_url)  # as the namespace derives it from the old feed's URL
    new_feed_url = channel.value("itunes:new-feed-url")
    if new_feed_url and new_feed_url != draft.feed_url:
        draft.lost.append(f"itunes:new-feed-url {new_feed_url}: the feed had moved there (import from that URL)")
    draft.lost += channel.not_carried(_REGENERATED)
    return draft


def _copy_values(channel: ElementReader, show: dict, names: tuple[tuple[str, str], ...]) -> None:
    """(element name, show key): each element's text that is not blank."""
    for name, key in names:
        found = channel.value(name)
        if found:
            show[key] = found


def _artwork(channel: ElementReader) -> str | None:
    """itunes:image, else the RSS <image>'s url, as the feed gives it."""
    image, rss_image = channel.child("itunes:image"), channel.child("image")
    href = (image.get("href") or "").strip() if image is not None else ""
    url = text(child(rss_image, "url")) if rss_image is not None else None
    return href or (url.strip() if url else None)


def _categories(channel: ElementReader, draft: ShowDraft) -> None:
    """Apple's categories as show.toml's "Main/Sub" list; one Apple does not list is reported and left out."""
    categories = []
    for category in channel.children("itunes:category"):
        main = (category.get("text") or "").strip()
        if main not in APPLE_CATEGORIES:
            draft.lost.append(f"itunes:category '{main}' is not one of Apple's categories")
            continue
        subs = [(s.get("text") or "").strip() for s in children(category, "itunes:category")]
        kept = [s for s in subs if s in APPLE_CATEGORIES[main]]
        draft.lost += [f"itunes:category '{main}/{s}': '{s}' is not an Apple subcategory of '{main}', so only "
                       f"'{main}' is kept" for s in subs if s not in kept]
        categories += [f"{main}/{s}" for s in kept] or [main]
    if categories:
        draft.show["categories"] = list(dict.fromkeys(categories))


def _podcast_fields(channel: ElementReader, draft: ShowDraft) -> None:
    """podcast:locked, license, medium, funding and person."""
    show = draft.show
    locked = channel.child("podcast:locked")
    if locked is not None:
        show["locked"] = boolean(text(locked)) is True
        if locked.get("owner") and "owner_email" not in show:
            show["owner_email"] = locked.get("owner").strip()
    _copy_values(channel, show, (("podcast:license", "license"), ("podcast:medium", "medium")))
    license_element = channel.child("podcast:license")
    if license_element is not None and license_element.get("url"):
        show["license_url"] = license_element.get("url").strip()
    for funding in channel.children("podcast:funding"):
        draft.funding.append({"text": (text(funding) or "").strip() or "Support the show",
                              "url": (funding.get("url") or "").strip()})
    channel.used.add("podcast:person")
    draft.people = people(channel.element)


def _plain(text: str, draft: ShowDraft) -> str:
    """The show's description is Markdown (show.toml): HTML the build's Markdown gives back exactly is written
    as that Markdown (links and emphasis kept); other HTML loses its tags, and that is said."""
    if "<" not in text:
        return text
    markdown, removed = notes_markdown(text)
    if markdown and not markdown.startswith("<div>") and not removed:
        return markdown
    plain = html.unescape(nh3.clean(text, tags=set())).strip()
    if plain != text:
        draft.lost.append("description: HTML tags removed (markup Markdown cannot give back exactly)")
    return plain


def _feed_links(channel: ElementReader, source_url: str | None, draft: ShowDraft) -> None:
    """The old feed's own URL (atom:link rel="self", else where it was read) and its WebSub hubs."""
    channel.used.add("atom:link")
    hubs = []
    for link in channel.element.iterchildren(f"{{{ATOM_NS}}}link"):
        rel, href = link.get("rel") or "alternate", (link.get("href") or "").strip()
        if not href:
            continue
        if rel == "self" and draft.feed_url is None:
            draft.feed_url = urljoin(source_url or "", href)
        elif rel == "hub":
            hubs.append(href)
        elif rel not in _PAGING and rel != "self":
            draft.lost.append(f"atom:link rel=\"{rel}\" {href}")
    if draft.feed_url is None or not is_url(draft.feed_url):
        draft.feed_url = source_url
    if draft.feed_url:
        draft.feed["feed_url"] = draft.feed_url
    else:
        draft.lost.append("the feed's own URL is unknown (no atom:link rel=\"self\"): set [feed] feed_url")
    if hubs:
        draft.feed["hubs"] = hubs


def render_show_toml(draft: ShowDraft, source: str) -> str:
    doc = tomlkit.document()
    doc.add(tomlkit.comment(f"Imported by feedtool import from {source}."))
    doc.add(tomlkit.comment("feed_url is the old feed's URL: subscribers follow it until it redirects (README:"))
    doc.add(tomlkit.comment("'Importing a show', moving later). Set base_url to where this folder will be published."))
    show = tomlkit.table()
    for key, item in draft.show.items():
        show.add(key, item)
    if draft.funding:
        show.add("funding", tomlkit.aot())
        for entry in draft.funding:
            show["funding"].append(tomlkit.item(entry))
    if draft.people:
        show.add("person", tomlkit.aot())
        for entry in draft.people:
            show["person"].append(tomlkit.item(entry))
    doc.add("show", show)
    feed = tomlkit.table()
    feed.add("base_url", "")
    for key, item in draft.feed.items():
        feed.add(key, item)
    doc.add("feed", feed)
    return tomlkit.dumps(doc)
