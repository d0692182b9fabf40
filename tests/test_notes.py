"""Show notes: the shortcut past nh3 must give exactly what nh3 gives, and never let anything through it.

render_markdown skips the sanitiser for Markdown that cmark renders to plain allowed tags (notes.
_already_clean). nh3 is the oracle: random notes built from the pieces producers write (emphasis, lists,
links of every scheme, quotes and ampersands, headings, code, hard breaks, raw HTML, no-break spaces) are
rendered both ways; wherever the shortcut is taken its result must be nh3's, byte for byte.
"""

from __future__ import annotations

import random

import cmarkgfm

from feedtool.render import notes

WORDS = ["Legion", "volunteers", "freedom", "Kyiv", "90", "countries", "Україна", "défense", "—", "1.", "2)"]
LINKS = [
    "https://ukraine.example/legion",
    "http://x.org/a?b=c&d=e",
    "https://x.org/it's",
    'https://x.org/"q"',
    "mailto:desk@x.org",
    "/relative/path",
    "page.html",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,hi",
    "vbscript:x",
    "https://x.org/a b",
    "ftp://x.org/f",
    "https://[::1",
    "",
    "#top",
    "https://sub.x.org/path_(with)_parens",
    "https://x.org:8080/p",
    "https://1.2.3.999/",
    "https://xn--abc.org/",
    "https://x.org/%zz",
    "https://x.org/a\\b",
    "https://x.org/ü",
    "https://Ukraine.EXAMPLE/Legion?x=1#t",
]
PIECES = [
    lambda r: r.choice(WORDS),
    lambda r: f"**{r.choice(WORDS)}**",
    lambda r: f"*{r.choice(WORDS)}*",
    lambda r: f"_{r.choice(WORDS)}_",
    lambda r: f"[{r.choice(WORDS)}]({r.choice(LINKS)})",
    lambda r: f"<{r.choice(LINKS)}>",
    lambda r: '"quoted"',
    lambda r: "it's",
    lambda r: "Q&A",
    lambda r: "&amp;",
    lambda r: "a < b > c",
    lambda r: "`code`",
    lambda r: "![img](https://x.org/i.png)",
    lambda r: "<b>raw</b>",
    lambda r: "<script>alert(1)</script>",
    lambda r: "<p>inner",
    lambda r: "</strong>",
    lambda r: "no\u00a0break",
    lambda r: "~~struck~~",
    lambda r: "\\*escaped\\*",
    lambda r: "...",
    lambda r: "--",
]
PLAIN_PIECES = PIECES[:5] + PIECES[6:8] + PIECES[19:]  # what notes mostly are: no raw HTML, code or entities
LINE_STARTS = ["", "", "", "- ", "* ", "1. ", "3. ", "# ", "## ", "> ", "    ", "---", "1) "]


def random_notes(rng: random.Random) -> str:
    plain = rng.random() < 0.6
    pieces, starts = (PLAIN_PIECES, ["", "", "- ", "* ", "1. ", "# "]) if plain else (PIECES, LINE_STARTS)
    lines = []
    for _ in range(rng.randrange(1, 12)):
        words = " ".join(rng.choice(pieces)(rng) for _ in range(rng.randrange(1, 8)))
        ending = "" if plain else rng.choice(["", "", "", "  ", "\\"])  # 2 spaces or a backslash: a line break
        lines.append(rng.choice(starts) + words + ending)
        if rng.random() < 0.4:
            lines.append("")
    return "\n".join(lines)


def sanitised_by_nh3(markdown: str) -> str:
    rendered = cmarkgfm.markdown_to_html(markdown, options=notes._MARKDOWN_OPTIONS)
    rendered = notes._HEADING.sub(lambda m: "</strong></p>" if m.group(1) else "<p><strong>", rendered)
    return notes.sanitize(rendered)


def test_the_shortcut_gives_what_nh3_gives():
    rng = random.Random(177)
    shortcut = 0
    for _ in range(6000):
        markdown = random_notes(rng)
        rendered = cmarkgfm.markdown_to_html(markdown, options=notes._MARKDOWN_OPTIONS)
        rendered = notes._HEADING.sub(lambda m: "</strong></p>" if m.group(1) else "<p><strong>", rendered)
        if notes._already_clean(markdown, rendered):
            shortcut += 1
        assert notes.render_markdown(markdown) == sanitised_by_nh3(markdown), markdown
    assert shortcut > 500  # the shortcut is taken often enough for the comparison to mean something


def test_nothing_active_passes_the_shortcut():
    for markdown in [
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](data:text/html,hi)",
        "a <script>alert(1)</script>",
        '<a href="https://x.org" onclick="alert(1)">x</a>',
        "<img src=x onerror=alert(1)>",
        "[x](java&#x73;cript:alert(1))",
    ]:
        html = notes.render_markdown(markdown)
        assert "script" not in html.replace("JaVaScRiPt", "javascript").lower().split("href")[-1] or "href" not in html
        assert "onclick" not in html and "onerror" not in html and "data:" not in html
        assert "javascript:" not in html.lower()
