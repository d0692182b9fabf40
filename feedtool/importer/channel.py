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
from feedtool.importer.items import boolean, not_carried, people

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


def read_channel(channel, source_url: str | None) -> ShowDraft:
    """source_url: the URL the feed was read from (None for a file)."""
    used: set[str] = set()
    draft = ShowDraft()
    show = draft.show

    def value(name: str) -> str | None:
        used.add(name)
        found = text(child(channel, name))
        return found.strip() if found is not None and found.strip() else None

    show["title"] = value("title") or ""
    description, summary = value("description"), value("itunes:summary")
    show["description"] = _plain(description or summary or "", draft)
    if description and summary and summary != description:
        draft.lost.append("itunes:summary differs from description: description is kept")
    show["author"] = value("itunes:author") or ""
    show["language"] = value("language") or ""
    for name, key in (("link", "link"), ("copyright", "copyright")):
        found = value(name)
        if found:
            show[key] = found
    owner = child(channel, "itunes:owner")
    used.add("itunes:owner")
    if owner is not None:
        for name, key in (("itunes:name", "owner_name"), ("itunes:email", "owner_email")):
            found = text(child(owner, name))
            if found and found.strip():
                show[key] = found.strip()
    image = child(channel, "itunes:image")
    used.update({"itunes:image", "image"})
    artwork = image.get("href").strip() if image is not None and image.get("href") else None
    rss_image = text(child(child(channel, "image"), "url")) if child(channel, "image") is not None else None
    artwork = artwork or (rss_image.strip() if rss_image else None)
    if artwork:
        show["artwork"] = urljoin(source_url or "", artwork)
    categories = []
    used.add("itunes:category")
    for category in children(channel, "itunes:category"):
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
        show["categories"] = list(dict.fromkeys(categories))
    for name, key in (("itunes:explicit", "explicit"), ("itunes:complete", "complete"), ("itunes:block", "block")):
        found = value(name)
        if found is not None and boolean(found) is not None:
            show[key] = boolean(found)
    show_type = (value("itunes:type") or "").lower()
    if show_type in ("episodic", "serial"):
        show["type"] = show_type
    locked = child(channel, "podcast:locked")
    used.add("podcast:locked")
    if locked is not None:
        show["locked"] = boolean(text(locked)) is True
        if locked.get("owner") and "owner_email" not in show:
            show["owner_email"] = locked.get("owner").strip()
    for name, key in (("podcast:license", "license"), ("podcast:medium", "medium")):
        found = value(name)
        if found:
            show[key] = found
    license_element = child(channel, "podcast:license")
    if license_element is not None and license_element.get("url"):
        show["license_url"] = license_element.get("url").strip()
    used.add("podcast:funding")
    for funding in children(channel, "podcast:funding"):
        draft.funding.append({"text": (text(funding) or "").strip() or "Support the show",
                              "url": (funding.get("url") or "").strip()})
    used.add("podcast:person")
    draft.people = people(channel)
    _feed_links(channel, source_url, draft, used)
    guid = value("podcast:guid")
    if guid:
        show["guid"] = guid  # kept: a moved feed keeps its podcast:guid
    elif draft.feed_url:
        show["guid"] = podcast_guid(draft.feed_url)  # as the namespace derives it from the old feed's URL
    new_feed_url = value("itunes:new-feed-url")
    if new_feed_url and new_feed_url != draft.feed_url:
        draft.lost.append(f"itunes:new-feed-url {new_feed_url}: the feed had moved there (import from that URL)")
    draft.lost += not_carried(channel, used | _REGENERATED)
    return draft


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


def _feed_links(channel, source_url: str | None, draft: ShowDraft, used: set[str]) -> None:
    used.add("atom:link")
    hubs = []
    for link in channel.iterchildren(f"{{{ATOM_NS}}}link"):
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
