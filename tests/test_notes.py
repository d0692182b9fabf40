"""Show notes: the shortcut past nh3 must give exactly what nh3 gives, and never let anything through it.

render_markdown skips the sanitiser for Markdown that cmark renders to plain allowed tags (notes.
_already_clean). nh3 is the oracle: random notes built from the pieces producers write (emphasis, lists,
links of every scheme, quotes and ampersands, headings, code, hard breaks, raw HTML, no-break spaces) are
rendered both ways; wherever the shortcut is taken its result must be nh3's, byte for byte.
"""

from __future__ import annotations

import random

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
    lambda r: r.choice(LINKS),  # bare: autolinked when it is a web or mail address
    lambda r: "www.x.org/path",
    lambda r: "desk@x.org",
    lambda r: "https://x.org/a_(b)",
    lambda r: "https://x.org/end.",
]
PLAIN_PIECES = PIECES[:5] + PIECES[6:8] + PIECES[19:]  # bare URLs too  # what notes mostly are: no raw HTML, code or entities
LINE_STARTS = ["", "", "", "- ", "* ", "1. ", "3. ", "# ", "## ", "> ", "    ", "---", "1) "]


def random_notes(rng: random.Random) -> str:
    plain = rng.random() < 0.6
    pieces, starts = (PLAIN_PIECES, ["", "", "- ", "* ", "1. ", "# "]) if plain else (PIECES, LINE_STARTS)
    lines = []
    for _ in range(rng.randrange(1, 12)):
        words = " ".join(rng.choice(pieces)(rng) for _ in range(rng.randrange(1, 8)))
        ending = "" if plain else rng.choice(["", "", "", "  ", "\\"])  # 2 spaces or a backslash: a line break
        lines.append(rng.choice(starts) + words + ending)
        if rng.random() < 0.3:  # else the next line follows with a single newline: a hard break
            lines.append("")
    return "\n".join(lines)


def sanitised_by_nh3(markdown: str) -> str:
    return notes.sanitize(notes.markdown_html(markdown))


def test_the_shortcut_gives_what_nh3_gives():
    rng = random.Random(177)
    shortcut = breaks = autolinks = 0
    for _ in range(6000):
        markdown = random_notes(rng)
        rendered = notes.markdown_html(markdown)
        if notes._already_clean(markdown, rendered):
            shortcut += 1
            breaks += "<br>" in rendered
            autolinks += any(f">{link}</a>" in rendered for link in LINKS if link.startswith("http"))
        assert notes.render_markdown(markdown) == sanitised_by_nh3(markdown), markdown
    assert shortcut > 500  # the shortcut is taken often enough for the comparison to mean something
    assert breaks > 200 and autolinks > 100  # ... on notes with hard breaks and bare links too


def test_pasted_notes_keep_their_lines_and_link_bare_urls():
    html = notes.render_markdown("Timestamps:\n00:00 Intro\n01:00 Middle https://x.org/m\n\nSee www.x.org.")
    assert html == (
        "<p>Timestamps:<br>\n00:00 Intro<br>\n01:00 Middle <a href=\"https://x.org/m\">https://x.org/m</a></p>\n"
        '<p>See <a href="http://www.x.org">www.x.org</a>.</p>'
    )
    assert html == sanitised_by_nh3("Timestamps:\n00:00 Intro\n01:00 Middle https://x.org/m\n\nSee www.x.org.")


def test_plain_text_removes_markup_however_it_is_written():
    assert notes.plain_text("Support us & the <b>army</b>") == "Support us & the army"
    assert notes.plain_text("a < b") == "a < b"  # no tag: left as it is
    assert notes.plain_text("<script>alert(1)</script>Give") == "Give"
    assert notes.plain_text("&lt;script&gt;alert(1)&lt;/script&gt;Give") == "Give"  # decoded, then cleaned
    # encoded twice: decoded once, it is text that shows as "<img …>", not a tag
    assert notes.plain_text("&amp;lt;img src=x onerror=alert(1)&amp;gt;") == "&lt;img src=x onerror=alert(1)&gt;"


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


def test_markdown_renders_as_cmarkgfm_renders_it_without_its_leak():
    """render/markdown.py is cmarkgfm's markdown_to_html_with_extensions with the document tree and the HTML
    buffer freed: the same HTML, and memory that stays flat (cmarkgfm's grows ~20 KB a call)."""
    import resource

    from cmarkgfm.cmark import markdown_to_html_with_extensions

    from feedtool.render.markdown import markdown_to_html

    rng = random.Random(5)
    options = notes._MARKDOWN_OPTIONS
    samples = [random_notes(rng) for _ in range(500)]
    for markdown in samples:
        assert markdown_to_html(markdown, options, ("autolink",)) == markdown_to_html_with_extensions(
            markdown, options=options, extensions=["autolink"])
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for _ in range(40):
        for markdown in samples:  # 20,000 renders: cmarkgfm's own function grows by ~400 MB on these
            markdown_to_html(markdown, options, ("autolink",))
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 20_000  # KiB
