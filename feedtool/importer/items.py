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
from feedtool.timecode import parse_timecode
from feedtool.urls import path_suffix, split_url

# Elements an item may carry that are not episode content: the build writes its own (or none), so nothing is lost.
_REGENERATED = {"itunes:subtitle", "itunes:summary", "podcast:season", "podcast:episode"}
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


def read_item(item, position: int, base_url: str, channel_author: str | None) -> Draft:
    """Map one <item>. base_url: what relative URLs are relative to (the page's URL, or '')."""
    used: set[str] = set()

    def get(name: str):
        used.add(name)
        return child(item, name)

    def value(name: str) -> str | None:
        found = text(get(name))
        return found.strip() if found is not None and found.strip() else None

    title = value("title") or ""
    draft = Draft(position, None, title, None)
    itunes_title = value("itunes:title")
    if itunes_title and itunes_title != title:
        draft.lost.append(f"itunes:title '{shorten(itunes_title)}' differs from title: the title is kept")
    fields = draft.fields
    if title:
        fields["title"] = title
    guid_element = get("guid")
    guid = text(guid_element)
    if guid is not None and guid.strip():
        draft.guid = guid.strip()
        fields["guid"] = draft.guid
        if (guid_element.get("isPermaLink") or "true").strip().lower() == "true":  # RSS 2.0's default is true
            fields["guid_permalink"] = "true"
    raw_date = value("pubDate")
    draft.date = parse_date(raw_date)
    if draft.date is not None:
        fields["date"] = draft.date.isoformat()
    elif raw_date:
        draft.lost.append(f"pubDate '{shorten(raw_date)}' is not a date (add date: by hand)")
    else:
        draft.lost.append("no pubDate (add date: by hand)")
    _enclosure(item, draft, base_url, used)
    if draft.guid is None and "audio" in fields:  # apps told such episodes apart by their enclosure URL
        draft.guid = fields["audio"]
        fields["guid"] = draft.guid
        draft.lost.append("no guid: its enclosure URL is its GUID, as apps identified it by that")
    duration = value("itunes:duration")
    if duration:
        try:
            fields["duration"] = clock_text(parse_timecode(duration))
        except ValueError:
            draft.lost.append(f"itunes:duration '{shorten(duration)}' is not a duration (the build measures it)")
    for name, key in (("itunes:episode", "number"), ("itunes:season", "season")):
        number = value(name)
        if number and positive_number(number):
            fields[key] = str(positive_number(number))
        elif number:
            draft.lost.append(f"{name} '{shorten(number)}' is not a positive whole number (at most {MAX_NUMBER})")
    episode_type = (value("itunes:episodeType") or "").lower()
    if episode_type in ("trailer", "bonus"):
        fields["type"] = episode_type
    elif episode_type not in ("", "full"):
        draft.lost.append(f"itunes:episodeType '{shorten(episode_type)}' is not full, trailer or bonus")
    explicit = value("itunes:explicit")
    if explicit is not None:
        if boolean(explicit) is None:
            draft.lost.append(f"itunes:explicit '{shorten(explicit)}' is not yes or no")
        else:
            fields["explicit"] = str(boolean(explicit)).lower()
    if boolean(value("itunes:block")):
        fields["block"] = "true"
    image = get("itunes:image")
    if image is not None and image.get("href"):
        fields["image"] = urljoin(base_url, image.get("href").strip())
    link = value("link")
    if link:
        fields["link"] = urljoin(base_url, link)
    keywords = value("itunes:keywords")
    if keywords:
        fields["keywords"] = [k.strip() for k in keywords.split(",") if k.strip()]
    _people(item, draft, used)
    _chapters(item, draft, base_url, used)
    _transcripts(item, draft, base_url, used)
    _alternates(item, draft, base_url, used)
    content, description = value("content:encoded"), value("description")
    draft.notes_html = content or description or ""
    author = value("itunes:author")
    if author and author != channel_author:
        draft.lost.append(f"itunes:author '{shorten(author)}' (episodes share the show's author)")
    draft.lost += not_carried(item, used | _REGENERATED)
    return draft


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


def _enclosure(item, draft: Draft, base_url: str, used: set[str]) -> None:
    used.add("enclosure")
    enclosures = children(item, "enclosure")
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


def _people(item, draft: Draft, used: set[str]) -> None:
    used.add("podcast:person")
    found = people(item)
    if found:
        draft.fields["people"] = found


def _chapters(item, draft: Draft, base_url: str, used: set[str]) -> None:
    used.update({"podcast:chapters", "psc:chapters"})
    inline = child(item, "psc:chapters")
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
    external = child(item, "podcast:chapters")
    if external is not None and external.get("url"):
        draft.chapters_url = urljoin(base_url, external.get("url").strip())


def _transcripts(item, draft: Draft, base_url: str, used: set[str]) -> None:
    used.add("podcast:transcript")
    found = []
    for element in children(item, "podcast:transcript"):
        url, kind = (element.get("url") or "").strip(), (element.get("type") or "").strip()
        if not url or not kind:
            draft.lost.append("a podcast:transcript without url or type")
            continue
        found.append({"url": urljoin(base_url, url), "type": kind, **attributes(element, ("language", "rel"))})
    if found:
        draft.fields["transcripts"] = found


def _alternates(item, draft: Draft, base_url: str, used: set[str]) -> None:
    used.add("podcast:alternateEnclosure")
    for element in children(item, "podcast:alternateEnclosure"):
        source = next(element.iterchildren(f"{{{PODCAST_NS}}}source"), None)
        uri = (source.get("uri") or "").strip() if source is not None else ""
        if uri:
            draft.alternates.append(
                {"url": urljoin(base_url, uri), "type": element.get("type"), "title": element.get("title"),
                 "default": element.get("default") == "true"}
            )


