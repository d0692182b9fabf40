"""Show notes: Markdown -> HTML -> sanitised to what podcast apps render; the 4000-byte description cut."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import nh3
from cmarkgfm.cmark import Options

from feedtool.render.markdown import markdown_to_html

# What Apple Podcasts, Spotify and the open apps render in show notes; everything else is stripped.
ALLOWED_TAGS = {"p", "br", "a", "ul", "ol", "li", "strong", "b", "em", "i"}
ALLOWED_ATTRIBUTES = {"a": {"href"}}
URL_SCHEMES = {"http", "https", "mailto"}
DESCRIPTION_LIMIT = 4000  # bytes, Apple's limit for <description>

_cleaner = nh3.Cleaner(
    tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=URL_SCHEMES, link_rel=None, strip_comments=True
)
# Raw HTML is passed through by the Markdown renderer and then sanitised: a producer's <a href> survives,
# <script>, on* attributes and javascript: links do not. Notes are pasted text: a single line break stays one
# (hardbreaks), and bare URLs become links (the autolink extension: http(s)://, www. and e-mail addresses).
_MARKDOWN_OPTIONS = Options.CMARK_OPT_UNSAFE | Options.CMARK_OPT_SMART | Options.CMARK_OPT_HARDBREAKS
_EXTENSIONS = ("autolink",)
_HEADING = re.compile(r"<(/?)h[1-6]>")


def markdown_html(text: str) -> str:
    """cmark's HTML for Markdown, before sanitising: headings become bold paragraphs, since apps do not render
    h1-h6, and line breaks are written `<br>`, as nh3 writes them."""
    rendered = markdown_to_html(text, _MARKDOWN_OPTIONS, _EXTENSIONS)
    rendered = _HEADING.sub(lambda m: "</strong></p>" if m.group(1) else "<p><strong>", rendered)
    return rendered.replace("<br />", "<br>")


def render_markdown(text: str) -> str:
    """Markdown -> sanitised HTML (the plain path: sanitize(markdown_html(text)); the fast one skips nh3 where
    it would change nothing)."""
    if not text.strip():
        return ""
    rendered = markdown_html(text)
    return rendered.strip() if _already_clean(text, rendered) else sanitize(rendered)


# The tags cmark writes for paragraphs, breaks, lists, emphasis and links, as markdown_html writes them.
_PLAIN_RENDERED = re.compile(r'</?(?:p|ul|ol|li|strong|em)>|<br>|<a href="([^"<>]+)">|</a>')


def _already_clean(markdown: str, rendered: str) -> bool:
    """Whether nh3 would give `rendered` back as it is, so a 10,000-episode build may skip it (a tenth of an
    episode: benchmarks/stages.py). True only for Markdown without raw HTML (cmark's own tags are well
    nested) rendered to allowed tags alone, plain web links, and no character reference or no-break space (nh3 would
    write those its own way). tests/test_notes.py holds this to nh3's output on thousands of random notes."""
    if "<" in markdown or "&" in rendered or "\xa0" in rendered:
        return False
    hrefs = _PLAIN_RENDERED.findall(rendered)  # per tag: its href, or ""
    if len(hrefs) != rendered.count("<"):  # a tag of another kind, or one with other attributes
        return False
    return all(_PLAIN_LINK.fullmatch(href) for href in hrefs if href)


# Links nh3 keeps as they are, without a doubt: http(s) to a plain domain name (no port, user, IP address,
# or punycode, which nh3's URL parser may reject), or mailto. Other links go to nh3 to decide.
_PLAIN_LINK = re.compile(
    r"https?://(?!.*xn--)[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z][A-Za-z0-9-]*(?:[/?#][^\s\"<>\\]*)?"
    r"|mailto:[^\s\"<>\\]+",
    re.ASCII,
)


def sanitize(fragment: str) -> str:
    return _cleaner.clean(fragment).strip()


_MARKUP = re.compile(r"<[A-Za-z/!?]")  # what starts a tag, a comment or a declaration in HTML


def plain_text(text: str) -> str:
    """Text that apps may render as HTML (podcast:funding), with every tag removed: what is left shows as text
    whether an app reads it as text or as HTML. Entities are decoded, and the result cleaned again while
    decoding made new markup (`&lt;script&gt;`)."""
    for _ in range(4):
        cleaned = html.unescape(nh3.clean(text, tags=set(), strip_comments=True)).strip()
        if cleaned == text or not _MARKUP.search(cleaned):
            return cleaned
        text = cleaned
    return html.escape(text)  # still markup after four rounds: shown as text, never rendered


def render_footer(credits_markdown: str, funding) -> str:
    """The series' standing credit and appeal lines, appended to every episode's notes. An appeal without its
    link is left out (the config warns about the missing url): "check the link" without one helps nobody."""
    parts = [render_markdown(credits_markdown)] if credits_markdown else []
    for item in funding:
        if item.url:
            text, url = html.escape(plain_text(item.text), quote=False), html.escape(item.url)
            parts.append(sanitize(f'<p>{text} – <a href="{url}">{url}</a></p>'))
    return "\n".join(p for p in parts if p)


def truncate_html(fragment: str, limit: int = DESCRIPTION_LIMIT) -> str:
    """Cut sanitised HTML to at most `limit` UTF-8 bytes without breaking a tag, an entity or a character."""
    if len(fragment.encode("utf-8")) <= limit:
        return fragment
    cutter = _Cutter(limit)
    cutter.feed(fragment)
    cutter.close()
    return cutter.result()


class _Cutter(HTMLParser):
    ELLIPSIS = "…"

    def __init__(self, limit: int):
        super().__init__(convert_charrefs=True)
        self.limit = limit
        self.out: list[str] = []
        self.size = 0
        self.open: list[str] = []
        self.full = False

    def _room(self) -> int:
        closing = sum(len(f"</{t}>") for t in self.open)
        return self.limit - self.size - closing - len(self.ELLIPSIS.encode())

    def _emit(self, text: str) -> None:
        self.out.append(text)
        self.size += len(text.encode("utf-8"))

    def handle_starttag(self, tag, attrs):
        if self.full:
            return
        attributes = "".join(f' {k}="{html.escape(v or "")}"' for k, v in attrs)
        start = f"<{tag}{attributes}>"
        void = tag == "br"
        if len(start.encode()) + (0 if void else len(f"</{tag}>")) > self._room():
            self.full = True
            return
        self._emit(start)
        if not void:
            self.open.append(tag)

    def handle_endtag(self, tag):
        if self.full or tag not in self.open:
            return
        while self.open:
            top = self.open.pop()
            self._emit(f"</{top}>")
            if top == tag:
                break

    def handle_data(self, data):
        if self.full:
            return
        escaped = html.escape(data, quote=False)
        if len(escaped.encode()) <= self._room():
            self._emit(escaped)
            return
        room, kept = self._room(), []
        for ch in data:  # character by character, so neither a UTF-8 sequence nor an entity is split
            piece = html.escape(ch, quote=False)
            room -= len(piece.encode())
            if room < 0:
                break
            kept.append(piece)
        text = "".join(kept).rstrip()
        cut = text.rfind(" ")
        self._emit(text[:cut] if cut > len(text) // 2 else text)
        self.full = True

    def result(self) -> str:
        """What fitted, an ellipsis where the cut is, and the tags still open closed."""
        tail = [self.ELLIPSIS] if self.full else []
        return "".join(self.out + tail + [f"</{t}>" for t in reversed(self.open)])
