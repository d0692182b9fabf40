"""A feed's <item> -> what an episode file says: front matter fields and notes, every value kept exactly
(GUID, isPermaLink, enclosure URL and length, the date with its offset), and what could not be kept, named.

No I/O here: fetching chapters files and writing episode files is the caller's."""

from __future__ import annotations

import email.utils
from dataclasses import dataclass, field
from datetime import datetime, timezone
from urllib.parse import urljoin

from feedtool.check.xml import PODCAST_NS, PSC_NS, child, children, tag_name, text
from feedtool.errors import shorten
from feedtool.facts import MAX_NUMBER, MIME_TYPES, is_url, positive_number
from feedtool.importer.tags import item_fields
from feedtool.timecode import parse_timecode
from feedtool.urls import path_suffix, split_url

# Elements an item may carry that are not episode content: the build writes its own (or none), so nothing is lost.
_REGENERATED = {"itunes:subtitle", "itunes:summary"}
TRUE, FALSE = ("yes", "true", "explicit"), ("no", "false", "clean")


@dataclass
class Draft:
    """One item as an episode file will say it."""

    position: int  # 1 for the feed's first item
    guid: str | None
    title: str
    date: datetime | None
    fields: dict = field(default_factory=dict)  # front matter, in the order written
    notes_html: str = ""
    chapters_url: str | None = None  # podcast:chapters, fetched by the caller
    alternates: list[dict] = field(default_factory=list)  # podcast:alternateEnclosure: url, type, length, title
    lost: list[str] = field(default_factory=list)  # what could not be carried over, one phrase each

    @property
    def label(self) -> str:
        return f"item {self.position} '{self.title}'" if self.title else f"item {self.position}"


def parse_date(value: str | None) -> datetime | None:
    """An RFC 2822 date as feeds write it (`+0000`, `GMT`, two-digit years), else ISO 8601; None if neither."""
    if not value or not value.strip():
        return None
    value = value.strip()
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)  # "-0000": UTC, place unknown


def boolean(value: str | None) -> bool | None:
    word = (value or "").strip().lower()
    return True if word in TRUE else False if word in FALSE else None


class ElementReader:
    """An element's children read by name, remembering which were read: what nothing read is then named as not
    carried over (not_carried)."""

    def __init__(self, element):
        self.element = element
        self.used: set[str] = set()

    def child(self, name: str):
        self.used.add(name)
        return child(self.element, name)

    def children(self, name: str) -> list:
        self.used.add(name)
        return children(self.element, name)

    def value(self, name: str) -> str | None:
        """The child's text, stripped; None when it is missing or blank."""
        found = text(self.child(name))
        return found.strip() if found is not None and found.strip() else None

    def not_carried(self, regenerated: set[str]) -> list[str]:
        return not_carried(self.element, self.used | regenerated)


def read_item(item, position: int, base_url: str, channel_author: str | None) -> Draft:
    """Map one <item>. base_url: what relative URLs are relative to (the page's URL, or '').
    The front matter is written in the order the fields are set here."""
    item = ElementReader(item)
    draft = Draft(position, None, item.value("title") or "", None)
    _title_and_guid(item, draft)
    _date(item, draft)
    _enclosure(item, draft, base_url)
    if draft.guid is None and "audio" in draft.fields:  # apps told such episodes apart by their enclosure URL
        draft.guid = draft.fields["audio"]
        draft.fields["guid"] = draft.guid
        draft.lost.append("no guid: its enclosure URL is its GUID, as apps identified it by that")
    _itunes_fields(item, draft)
    _links(item, draft, base_url)
    _people(item, draft)
    _chapters(item, draft, base_url)
    _transcripts(item, draft, base_url)
    _alternates(item, draft, base_url)
    draft.fields.update(item_fields(item, draft.lost))  # Podcasting 2.0: soundbites, location, txt, value, ...
    content, description = item.value("content:encoded"), item.value("description")
    draft.notes_html = content or description or ""
    author = item.value("itunes:author")
    if author and author != channel_author:
        draft.lost.append(f"itunes:author '{shorten(author)}' (episodes share the show's author)")
    draft.lost += item.not_carried(_REGENERATED)
    return draft


def _title_and_guid(item: ElementReader, draft: Draft) -> None:
    itunes_title = item.value("itunes:title")
    if itunes_title and itunes_title != draft.title:
        draft.lost.append(f"itunes:title '{shorten(itunes_title)}' differs from title: the title is kept")
    if draft.title:
        draft.fields["title"] = draft.title
    guid_element = item.child("guid")
    guid = text(guid_element)
    if guid is not None and guid.strip():
        draft.guid = guid.strip()
        draft.fields["guid"] = draft.guid
        if (guid_element.get("isPermaLink") or "true").strip().lower() == "true":  # RSS 2.0's default is true
            draft.fields["guid_permalink"] = "true"


def _date(item: ElementReader, draft: Draft) -> None:
    raw_date = item.value("pubDate")
    draft.date = parse_date(raw_date)
    if draft.date is not None:
        draft.fields["date"] = draft.date.isoformat()
    elif raw_date:
        draft.lost.append(f"pubDate '{shorten(raw_date)}' is not a date (add date: by hand)")
    else:
        draft.lost.append("no pubDate (add date: by hand)")


def _itunes_fields(item: ElementReader, draft: Draft) -> None:
    """Duration, number and season, episode type, explicit and block."""
    fields = draft.fields
    duration = item.value("itunes:duration")
    if duration:
        try:
            fields["duration"] = clock_text(parse_timecode(duration))
        except ValueError:
            draft.lost.append(f"itunes:duration '{shorten(duration)}' is not a duration (the build measures it)")
    for name, key in (("itunes:episode", "number"), ("itunes:season", "season")):
        number = item.value(name)
        if number and positive_number(number):
            fields[key] = str(positive_number(number))
        elif number:
            draft.lost.append(f"{name} '{shorten(number)}' is not a positive whole number (at most {MAX_NUMBER})")
    # podcast:season and podcast:episode repeat the numbers (the build writes them again); their name and display
    # are the producer's words
    for name, attr, key, needs in (("podcast:season", "name", "season_name", "season"),
                                   ("podcast:episode", "display", "episode_display", "number")):
        element = item.child(name)
        words = (element.get(attr) or "").strip() if element is not None else ""
        if words and needs in fields:
            fields[key] = words
        elif words:
            draft.lost.append(f"{name} {attr} '{shorten(words)}' names a {needs} the item does not have")
    episode_type = (item.value("itunes:episodeType") or "").lower()
    if episode_type in ("trailer", "bonus"):
        fields["type"] = episode_type
    elif episode_type not in ("", "full"):
        draft.lost.append(f"itunes:episodeType '{shorten(episode_type)}' is not full, trailer or bonus")
    explicit = item.value("itunes:explicit")
    if explicit is not None:
        if boolean(explicit) is None:
            draft.lost.append(f"itunes:explicit '{shorten(explicit)}' is not yes or no")
        else:
            fields["explicit"] = str(boolean(explicit)).lower()
    if boolean(item.value("itunes:block")):
        fields["block"] = "true"


def _links(item: ElementReader, draft: Draft, base_url: str) -> None:
    """The episode's image, web page and keywords."""
    image = item.child("itunes:image")
    if image is not None and image.get("href"):
        draft.fields["image"] = urljoin(base_url, image.get("href").strip())
    link = item.value("link")
    if link:
        draft.fields["link"] = urljoin(base_url, link)
    keywords = item.value("itunes:keywords")
    if keywords:
        draft.fields["keywords"] = [k.strip() for k in keywords.split(",") if k.strip()]


def not_carried(parent, used: set[str]) -> list[str]:
    """The one line naming the child elements nothing read (none when every element was read)."""
    others = sorted({tag_name(e) for e in parent if isinstance(e.tag, str)} - used)
    return ["not carried over: " + ", ".join(others)] if others else []


def attributes(element, names) -> dict[str, str]:
    return {name: element.get(name).strip() for name in names if element.get(name)}


def people(parent) -> list[dict]:
    """podcast:person elements as front matter / show.toml people: name, and role, group, href, img if given."""
    found = []
    for person in children(parent, "podcast:person"):
        name = (text(person) or "").strip()
        if name:
            found.append({"name": name, **attributes(person, ("role", "group", "href", "img"))})
    return found


def clock_text(seconds: float) -> str:
    """Seconds as HH:MM:SS, with milliseconds when there are any: what the front matter reads back exactly."""
    seconds = round(seconds, 3)
    whole = int(seconds)
    fraction = round(seconds - whole, 3)
    text = f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"
    return text + f"{fraction:.3f}"[1:] if fraction else text


def _enclosure(item: ElementReader, draft: Draft, base_url: str) -> None:
    enclosures = item.children("enclosure")
    if not enclosures or not (enclosures[0].get("url") or "").strip():
        draft.lost.append("no enclosure: not an episode (nothing imported for it)")
        return
    first = enclosures[0]
    url = first.get("url").strip()
    if not is_url(url):
        resolved = urljoin(base_url, url) if base_url else url
        if not is_url(resolved):
            draft.lost.append(
                f"enclosure URL '{url}' is relative and the feed's own URL is unknown (import from the URL)"
            )
            return
        draft.lost.append(f"enclosure URL '{url}' is relative: written as {resolved}")
        url = resolved
    draft.fields["audio"] = url
    length = (first.get("length") or "").strip()
    if length.isdigit() and int(length) > 0:
        draft.fields["length"] = length
    else:
        draft.lost.append(f"enclosure length '{shorten(length)}' is not a size in bytes (the build measures it)")
    kind = (first.get("type") or "").strip()
    ours = MIME_TYPES.get(path_suffix(split_url(url).path).lower())
    if kind and ours and kind != ours:
        draft.lost.append(f"enclosure type '{shorten(kind)}' becomes '{ours}', the type of its file name")
    for extra in enclosures[1:]:
        draft.lost.append(f"a second enclosure {extra.get('url')} (an item has one; add it as an alternate)")


def _people(item: ElementReader, draft: Draft) -> None:
    item.used.add("podcast:person")
    found = people(item.element)
    if found:
        draft.fields["people"] = found


def _chapters(item: ElementReader, draft: Draft, base_url: str) -> None:
    """psc:chapters written into the front matter; else a podcast:chapters URL for the caller to fetch."""
    inline, external = item.child("psc:chapters"), item.child("podcast:chapters")
    if inline is not None:
        chapters = []
        for chapter in inline.iterchildren(f"{{{PSC_NS}}}chapter"):
            try:
                start = parse_timecode(chapter.get("start", ""))
            except ValueError:
                draft.lost.append(f"psc:chapter start '{shorten(chapter.get('start') or '')}' is not a time")
                continue
            entry = {"start": clock_text(start), "title": (chapter.get("title") or "").strip() or "Chapter"}
            if chapter.get("href"):
                entry["url"] = chapter.get("href").strip()
            if chapter.get("image"):
                entry["image"] = urljoin(base_url, chapter.get("image").strip())
            chapters.append(entry)
        if chapters:
            draft.fields["chapters"] = chapters
            return
    if external is not None and external.get("url"):
        draft.chapters_url = urljoin(base_url, external.get("url").strip())


def _transcripts(item: ElementReader, draft: Draft, base_url: str) -> None:
    found = []
    for element in item.children("podcast:transcript"):
        url, kind = (element.get("url") or "").strip(), (element.get("type") or "").strip()
        if not url or not kind:
            draft.lost.append("a podcast:transcript without url or type")
            continue
        found.append({"url": urljoin(base_url, url), "type": kind, **attributes(element, ("language", "rel"))})
    if found:
        draft.fields["transcripts"] = found


def _alternates(item: ElementReader, draft: Draft, base_url: str) -> None:
    for element in item.children("podcast:alternateEnclosure"):
        source = next(element.iterchildren(f"{{{PODCAST_NS}}}source"), None)
        uri = (source.get("uri") or "").strip() if source is not None else ""
        if uri:
            draft.alternates.append(
                {"url": urljoin(base_url, uri), "type": element.get("type"), "title": element.get("title"),
                 "default": element.get("default") == "true"}
            )


