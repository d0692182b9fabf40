"""Show and Episode -> the show's web pages: the home page (paged), one page per episode, the stylesheet.

Jinja2 templates (autoescape on) from render/templates/; a show folder's own templates/ replaces any of them by
name. Nothing here reads or writes a file but the templates; build/pages.py decides what to write.

An episode's links to its older and newer neighbours are rendered apart (neighbours.html) and go where the
episode template says {{ neighbours }}: a rebuild that adds an episode changes its neighbours' links
without rebuilding those episodes (see build/pages.py).
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import traceback
from datetime import datetime
from pathlib import Path
from typing import NamedTuple, Sequence

import jinja2
from markupsafe import Markup

from feedtool.errors import RenderError
from feedtool.facts import is_url
from feedtool.model import Episode, EpisodeSummary, Show
from feedtool.timecode import whole_seconds
from feedtool.urls import encode_path

TEMPLATES = Path(__file__).with_name("templates")
PAGE_TEMPLATES = ("base.html", "index.html", "episode.html", "neighbours.html")
STYLESHEET = "style.css"
NEIGHBOURS_MARK = "<!--feedtool:neighbours-->"  # notes cannot carry it: the sanitiser strips comments
SUMMARY_LENGTH = 240  # characters of plain text on the index pages and in the description tags


class Site(NamedTuple):
    """What every page shares: the templates, the show (without its episodes) and where the feed is."""

    templates: jinja2.Environment
    show: Show
    feed_path: str  # the feed's file name, relative to the site root


class EpisodePage(NamedTuple):
    data: bytes  # the page without its neighbour links
    nav_at: int  # the byte offset where they go; -1 when the template has no {{ neighbours }}


class _CompiledTemplates(jinja2.FileSystemBytecodeCache):
    """Templates compiled by an earlier build, kept in the show's .feedtool/ (Jinja checks each against its
    source): compiling them costs a warm rebuild 20 ms. A folder that cannot be written only costs that."""

    def dump_bytecode(self, bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:
            pass

    def load_bytecode(self, bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except (OSError, ValueError, EOFError):
            bucket.reset()


def load_templates(show_templates: Path | None = None, compiled: Path | None = None) -> jinja2.Environment:
    """The built-in templates, each replaced by a file of the same name in show_templates when there is one.
    Every page template is compiled here (or taken compiled from the folder `compiled`), so a syntax error is
    reported once, before any episode is built."""
    loaders = [jinja2.FileSystemLoader(str(show_templates))] if show_templates and show_templates.is_dir() else []
    cache = None
    if compiled is not None:
        try:
            compiled.mkdir(parents=True, exist_ok=True)
            cache = _CompiledTemplates(str(compiled))
        except OSError:
            pass
    environment = jinja2.Environment(
        loader=jinja2.ChoiceLoader([*loaders, jinja2.FileSystemLoader(str(TEMPLATES))]),
        bytecode_cache=cache,
        autoescape=True,
        undefined=jinja2.StrictUndefined,  # a misspelt name in a template is an error, not an empty string
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters.update(
        day=_day, clock=_clock, duration=_duration, seconds=_seconds, size=_size, format_name=_format_name,
        paragraphs=paragraphs,
    )  # fmt: skip
    # two names, one test: show folders' own templates may use either
    environment.tests.update(absolute_url=_is_url, web_url=_is_url)
    environment.globals["index_path"] = index_path
    for name in PAGE_TEMPLATES:
        _template(environment, name)
    return environment


def templates_digest(environment: jinja2.Environment) -> str:
    """A digest of every template as the pages will use it: a changed template makes the build cache stale."""
    digest = hashlib.sha256()
    for name in (*PAGE_TEMPLATES, STYLESHEET):
        source, filename, _ = environment.loader.get_source(environment, name)
        digest.update(f"{name}\0{filename}\0{source}\0".encode())
    return digest.hexdigest()


def page_path(slug: str) -> str:
    """An episode page's URL path, relative to the site root: its file name's slug, percent-encoded."""
    return encode_path(slug) + "/"


def page_file(slug: str) -> str:
    """The episode page's file, relative to the output folder."""
    return f"{slug}/index.html"


def index_path(page: int) -> str:
    """The URL path of the home page's page N (1: the home page itself)."""
    return "" if page == 1 else f"page/{page}/"


def index_file(page: int) -> str:
    return "index.html" if page == 1 else f"page/{page}/index.html"


def summarize(episode: Episode) -> EpisodeSummary:
    return EpisodeSummary(
        page_path=episode.page_path or page_path(episode.slug),
        title=episode.title,
        number=episode.number,
        season=episode.season,
        pub_date=episode.pub_date.isoformat(),
        duration=episode.duration,
        summary=episode.summary,
    )


_TAG = re.compile(r"<[^>]*>")
_BLOCK_END = re.compile(r"</(?:p|li)>|<br\s*/?>")


def plain_summary(notes_html: str, limit: int = SUMMARY_LENGTH) -> str:
    """The start of sanitised notes as plain text, cut at a word with an ellipsis."""
    text = html.unescape(_TAG.sub("", _BLOCK_END.sub(" ", notes_html[: limit * 4])))
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",;:–- ") + "…"


def render_episode_page(site: Site, episode: Episode) -> EpisodePage:
    depth = "../"
    page_url = _absolute(site.show, episode.page_path)
    summary = episode.summary or plain_summary(episode.notes_html) or episode.title
    text = _render(
        site,
        "episode.html",
        depth,
        episode=episode,
        page_title=f"{episode.title} · {site.show.title}",
        audio=_link(depth, episode.enclosure.url),
        description=summary,
        canonical=page_url,
        neighbours=Markup(NEIGHBOURS_MARK),
        json_ld=_json_ld(_episode_data(site.show, episode, page_url, summary)),
    )
    data = text.encode("utf-8")
    mark = NEIGHBOURS_MARK.encode()
    at = data.find(mark)
    if at >= 0 and data.find(mark, at + 1) >= 0:
        raise RenderError(f"{_filename(site, 'episode.html')}: {{{{ neighbours }}}} is used twice (use it once)")
    if at < 0:
        return EpisodePage(data, -1)
    return EpisodePage(data[:at] + data[at + len(mark) :], at)


def render_neighbours(site: Site, previous: EpisodeSummary | None, next: EpisodeSummary | None) -> bytes:
    """The links from an episode page to the older (previous) and newer (next) episode."""
    if previous is None and next is None:
        return b""
    return _render(site, "neighbours.html", "../", previous=previous, next=next).encode("utf-8")


def render_index_page(site: Site, episodes: Sequence[EpisodeSummary], page: int, pages: int) -> bytes:
    """Page `page` of `pages` of the home page: the show, how to subscribe, and these episodes."""
    show = site.show
    depth = "" if page == 1 else "../../"
    canonical = _absolute(show, index_path(page))
    text = _render(
        site,
        "index.html",
        depth,
        episodes=episodes,
        page_title=show.title if page == 1 else f"{show.title} · page {page}",
        page=page,
        pages=pages,
        description=plain_summary(show.description),  # sanitised HTML, as in the feed
        canonical=canonical,
        feed_url=show.feed_url or site.feed_path,
        json_ld=_json_ld(_series_data(show, site.feed_path)),
    )
    return text.encode("utf-8")


def stylesheet(site: Site) -> bytes:
    source, _, _ = site.templates.loader.get_source(site.templates, STYLESHEET)
    return source.encode("utf-8")


# --- rendering and its errors --------------------------------------------------------------------------------


def _template(environment: jinja2.Environment, name: str) -> jinja2.Template:
    try:
        return environment.get_template(name)
    except jinja2.TemplateSyntaxError as e:
        raise RenderError(f"{e.filename or name}:{e.lineno}: {e.message} (fix the template)") from None
    except jinja2.TemplateNotFound as e:
        raise RenderError(f"{name}: template not found: {e} (a template it includes is missing)") from None


def _render(site: Site, name: str, depth: str, **context) -> str:
    template = _template(site.templates, name)

    def href(url: str) -> str:
        return _link(depth, url)

    feed_href = site.show.feed_url or href(site.feed_path)
    try:
        return template.render(show=site.show, href=href, feed_href=feed_href, **context)
    except jinja2.TemplateError as e:
        raise RenderError(f"{_where(e, template)}: {e} (fix the template)") from None
    except (TypeError, ValueError, AttributeError) as e:  # a template calling a filter or method on the wrong value
        raise RenderError(f"{_where(e, template)}: {e} (fix the template)") from None


def _link(depth: str, url: str) -> str:
    """A URL as a link from a page `depth` below the site root: absolute URLs as they are, site paths relative."""
    if is_url(url):
        return url
    return depth + url if depth + url else "./"


def _where(e: Exception, template: jinja2.Template) -> str:
    """The template file and line an error happened at: Jinja's tracebacks name the template's own lines."""
    frames = [f for f in traceback.extract_tb(e.__traceback__) if f.filename.endswith((".html", ".css"))]
    if frames:
        return f"{frames[-1].filename}:{frames[-1].lineno}"
    return template.filename or template.name


def _filename(site: Site, name: str) -> str:
    return site.templates.loader.get_source(site.templates, name)[1] or name


# --- the values the templates show ---------------------------------------------------------------------------


def _absolute(show: Show, path: str | None) -> str | None:
    """A page's public URL, when the show's address is known."""
    if path is None or not show.home_url or not is_url(show.home_url):
        return None
    return show.home_url + path


def _json_ld(data: dict) -> Markup:
    """JSON for a <script> element: '<', '>' and '&' escaped, so no text in it can end the element."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def _series_data(show: Show, feed_path: str) -> dict:
    data = {"@context": "https://schema.org", "@type": "PodcastSeries", "name": show.title}
    data["description"] = plain_summary(show.description, limit=5000)
    if show.home_url and is_url(show.home_url):
        data["url"] = show.home_url
    if show.image_url and is_url(show.image_url):
        data["image"] = show.image_url
    if show.feed_url:
        data["webFeed"] = show.feed_url
    data["inLanguage"] = show.language
    return data


def _episode_data(show: Show, episode: Episode, page_url: str | None, summary: str) -> dict:
    data = {"@context": "https://schema.org", "@type": "PodcastEpisode", "name": episode.title}
    if page_url:
        data["url"] = page_url
    data["datePublished"] = episode.pub_date.isoformat()
    data["description"] = summary
    if episode.number is not None:
        data["episodeNumber"] = episode.number
    data["timeRequired"] = _iso_duration(episode.duration)
    media = {"@type": "MediaObject", "encodingFormat": episode.enclosure.mime_type}
    if is_url(episode.enclosure.url):
        media["contentUrl"] = episode.enclosure.url
    media["contentSize"] = str(episode.enclosure.size_bytes)
    media["duration"] = _iso_duration(episode.duration)
    data["associatedMedia"] = media
    series = {"@type": "PodcastSeries", "name": show.title}
    if show.home_url and is_url(show.home_url):
        series["url"] = show.home_url
    data["partOfSeries"] = series
    return data


def _iso_duration(seconds: float) -> str:
    total = whole_seconds(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return "PT" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "") + f"{secs}S"


def _is_url(value) -> bool:
    return bool(value) and is_url(value)


def _day(value: datetime | str) -> str:
    """The publication day as YYYY-MM-DD: the same in every language the show may be in."""
    return (value.isoformat() if isinstance(value, datetime) else value)[:10]


def _clock(seconds: float) -> str:
    """A position in the audio for people, 0:37 or 1:02:03 (a chapter starting at 37.5 s starts at 0:37)."""
    total = int(seconds)
    hours, rest = divmod(total, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def _duration(seconds: float) -> str:
    return _clock(whole_seconds(seconds))


def _seconds(seconds: float) -> str:
    """Seconds for a data attribute and a media fragment, without float noise: 37.5, 65.1, 0."""
    return f"{seconds:.3f}".rstrip("0").rstrip(".")


def _size(size_bytes: int) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if size_bytes >= scale:
            return f"{size_bytes / scale:.1f} {unit}"
    return f"{size_bytes} bytes"


def _format_name(mime_type: str) -> str:
    """'audio/mpeg' -> 'MP3': what a listener knows the file as."""
    names = {"audio/mpeg": "MP3", "audio/x-m4a": "M4A", "audio/aac": "AAC", "audio/ogg": "Ogg", "audio/flac": "FLAC"}
    return names.get(mime_type, mime_type.partition("/")[2].upper() or mime_type)


def paragraphs(text: str) -> list[str]:
    """Plain text split at blank lines, each paragraph's lines joined."""
    return [" ".join(block.split()) for block in re.split(r"\n\s*\n", text) if block.strip()]
