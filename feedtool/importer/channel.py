"""A feed's <channel> -> show.toml: every channel field feedtool supports (the Podcasting 2.0 ones with tags.py),
the old feed's URL recorded as feed_url (so its podcast:guid, and the steps of a later move, follow from it), and
what could not be kept."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from urllib.parse import urljoin

import nh3
import tomlkit

from feedtool.check.categories import APPLE_CATEGORIES
from feedtool.check.xml import ATOM_NS, child, children, text
from feedtool.errors import shorten
from feedtool.facts import is_url, podcast_guid, positive_number
from feedtool.importer.files import notes_markdown
from feedtool.importer.items import ElementReader, boolean, parse_date, people
from feedtool.importer.tags import channel_values
from feedtool.namespace import TITLE_LIMIT
from feedtool.read import tag_values

# Channel elements the build writes again from the show's config or its episodes: nothing to keep.
_REGENERATED = {"generator", "lastBuildDate", "pubDate", "docs", "itunes:subtitle", "item", "ttl"}
_PAGING = ("next", "prev-archive", "first", "last", "previous", "current", "next-archive")


@dataclass
class ShowDraft:
    show: dict = field(default_factory=dict)  # [show] keys, in the order written
    tables: dict = field(default_factory=dict)  # [show.x] tables and [[show.x]] lists of them, in the order written
    feed: dict = field(default_factory=dict)  # [feed]
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
    _trailers(channel, source_url or "", draft)
    keys, tables = channel_values(channel, draft.lost)
    show.update(keys)
    draft.tables.update(tables)
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
    funding = [{"text": (text(f) or "").strip() or "Support the show", "url": (f.get("url") or "").strip()}
               for f in channel.children("podcast:funding")]
    channel.used.add("podcast:person")
    for key, found in (("funding", funding), ("person", people(channel.element))):
        if found:
            draft.tables[key] = found


def _trailers(channel: ElementReader, base_url: str, draft: ShowDraft) -> None:
    """podcast:trailer as [[show.trailer]] with its URL (the file stays where it is)."""
    trailers = []
    for element in channel.children("podcast:trailer"):
        title, given_url = (text(element) or "").strip(), (element.get("url") or "").strip()
        url, pubdate = urljoin(base_url, given_url), (element.get("pubdate") or "").strip()
        what, date = f"podcast:trailer '{shorten(title or url)}'", parse_date(pubdate)
        problem = (
            "no url" if not given_url
            else f"its url '{shorten(url)}' is relative and the feed's own URL is unknown (import from the URL)"
            if not is_url(url)
            else "no pubdate" if not pubdate
            else f"pubdate '{shorten(pubdate)}' is not a date" if date is None
            else None
        )
        if problem:
            draft.lost.append(f"{what}: {problem}")
            continue
        trailer = {"title": title, "audio": url, "date": date.isoformat()}
        for name, number in (("season", positive_number), ("length", _size)):
            given = (element.get(name) or "").strip()
            if given and number(given):
                trailer[name] = number(given)
            elif given:
                draft.lost.append(f"{what}: {name} '{shorten(given)}' is not a positive whole number (left out)")
        if (element.get("type") or "").strip():
            trailer["type"] = element.get("type").strip()
        try:  # as config validation checks a trailer
            tag_values.text(trailer, "title", limit=TITLE_LIMIT, required=True)
        except ValueError as e:
            draft.lost.append(f"{what}: {e}")
            continue
        trailers.append(trailer)
    if trailers:
        draft.tables["trailer"] = trailers


def _size(given: str) -> int | None:
    return int(given) if given.isdigit() and int(given) > 0 else None


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
    doc.add("show", _toml_table({**draft.show, **draft.tables}))
    feed = tomlkit.table()
    feed.add("base_url", "")
    for key, item in draft.feed.items():
        feed.add(key, item)
    doc.add("feed", feed)
    return tomlkit.dumps(doc)


def _toml_table(values: dict):
    """A table written legibly: a list of tables as [[name]] entries, a table as [name], each after the keys."""
    table = tomlkit.table()
    for key, value in values.items():
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            entries = tomlkit.aot()
            for entry in value:
                entries.append(_toml_table(entry))
            table.add(key, entries)
        elif isinstance(value, dict):
            table.add(key, _toml_table(value))
        else:
            table.add(key, value)
    return table
