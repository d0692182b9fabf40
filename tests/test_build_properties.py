"""Property tests for build: random show folders, hostile text everywhere a producer can type it.

Whatever the episode files and show.toml say, `feedtool build` either
- exits 1, every error line naming a file of the show, no traceback, the output folder untouched; or
- exits 0 with a feed that lxml parses strictly, feedparser reads without complaint (bozo 0) and podcastparser
  parses, with one item per episode file, each title and GUID as the producer wrote them, and no active content
  (script, iframe, event handler, javascript: URL) in any HTML an app renders.

The number of examples comes from the hypothesis profile (tests/conftest.py): `ci` by default, a few hundred
builds in all; `--hypothesis-profile=long` for the long run README names.
"""

from __future__ import annotations

import io
import re
import shutil
import string
from contextlib import redirect_stderr, redirect_stdout
from datetime import datetime
from pathlib import Path
from tempfile import TemporaryDirectory

import feedparser
import html5lib
import podcastparser
import pytest
import yaml
from conftest import BASE_URL, DATA, cover_jpeg, run_cli
from hypothesis import event, given
from hypothesis import strategies as st
from lxml import etree

# Pieces of text that broke feed writers somewhere: markup, CDATA ends, entities, characters XML cannot carry,
# YAML and Markdown syntax, and URL schemes that run code.
HOSTILE = [
    "]]>", "<![CDATA[", "]]]]><![CDATA[>", "<script>alert(1)</script>", "<SCRIPT SRC=//x.example/x.js></SCRIPT>",
    "<iframe src=https://x.example/>", '<img src=x onerror="alert(1)">', "<svg onload=alert(1)>", "<style>*{}</style>",
    '<a href="javascript:alert(1)">x</a>', '<a href=" jav&#x09;ascript:alert(1)">x</a>', "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))", "<javascript:alert(1)>", '<a href="data:text/html,<script>">x</a>',
    "<object data=x></object>", "<embed src=x>", "<form action=javascript:alert(1)><button>x</button></form>",
    '<p style="x" onclick="alert(1)">', "<math><mi xlink:href=javascript:alert(1)>x</mi></math>", "<!-- c -->",
    "<?xml version='1.0'?>", "<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>", "&e;", "&amp;", "&lt;",
    "&#0;", "&#x1F600;", "&bogus;", "&#xD800;", "&", "<", ">", "\x00", "\x07", "\x0b", "\x0c", "\x1b", "\x7f",
    "\x85", "\u2028", "\u200b", "\ufeff", "\ufffe", "\uffff", "\U0001f600", "\u202e", "\r\n", "\r", "\t", "\n\n",
    "---", "...", ": ", "# ", "- ", "* ", "`", "\\", '"', "'", "{", "}", "[", "]", "%", "@", "|", ">-", "!!python/object",
    "00:00 Intro", "https://x.example/a?b=<c>&d", "mailto:a@x.example", "Ω", "é", "中文", "עברית",
]

hostile_piece = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=12))
short_text = st.lists(hostile_piece, max_size=6).map("".join)
long_text = st.tuples(short_text, st.integers(200, 2000)).map(lambda t: (t[0] or "x") * t[1])
text = st.one_of(short_text, short_text, short_text, long_text)
# Surrogates: st.text leaves them out; a file with one is not UTF-8 and must be reported as such.
text_or_surrogate = st.one_of(text, text.map(lambda s: s + "\ud800"))

dates = st.one_of(
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.none() | st.timezones())
    .map(lambda d: d.isoformat()),
    st.sampled_from(["9999-12-31T23:30:00-05:00", "0001-01-01T00:30:00+05:00", "1920-06-01T12:00:00",
                     "2024-02-30", "2024-01-15", "2024-01-15 08:00", "24:00"]),
    text,
)
timecodes = st.one_of(st.sampled_from(["00:00", "0:01", "00:00:03.5", "5", "1:00:00", "-1", "99:99"]), text)
urls = st.one_of(st.sampled_from(["https://x.example/", "http://x.example/a b", "https://x.example/<script>",
                                  "javascript:alert(1)", "https://x.example/\"onmouseover=\"alert(1)"]), text)
chapter = st.fixed_dictionaries({"start": timecodes, "title": text}, optional={"url": urls, "hidden": text})
person = st.fixed_dictionaries({"name": text}, optional={"role": text, "group": text, "href": urls, "img": urls})
FRONT_MATTER = {
    "title": text_or_surrogate, "date": dates, "number": st.one_of(st.integers(-1, 10**20).map(str), text),
    "season": st.one_of(st.integers(0, 99).map(str), st.sampled_from(["²", "٣", "Ⅻ", "1.5"]), text),
    "guid": text_or_surrogate, "link": urls, "keywords": st.one_of(text, st.lists(text, max_size=4)),
    "explicit": st.one_of(st.sampled_from(["true", "false", "yes", "no"]), text),
    "type": st.one_of(st.sampled_from(["full", "trailer", "bonus"]), text),
    "chapters": st.lists(chapter, max_size=3), "people": st.lists(person, max_size=2),
    "image": st.one_of(st.just("cover.jpg"), st.just("x" * 300 + ".jpg"), text),
}
episode = st.fixed_dictionaries(
    {"title": text_or_surrogate, "date": dates},
    optional={key: value for key, value in FRONT_MATTER.items() if key not in ("title", "date")},
)
SLUG = string.ascii_lowercase + string.digits + "-"


@st.composite
def episode_files(draw) -> list[tuple[str, bytes]]:
    """(file name, file bytes) of 1-6 episodes, repeated up to 12 times (many episodes, some built in parallel)."""
    specs = draw(st.lists(st.tuples(episode, text_or_surrogate, st.booleans()), min_size=1, max_size=6))
    copies = draw(st.sampled_from([1, 1, 1, 12]))
    files = []
    for i in range(len(specs) * copies):
        front, notes, raw = specs[i % len(specs)]
        number = i + 1
        slug = draw(st.text(SLUG, min_size=1, max_size=20)) if i < len(specs) else f"copy-{number}"
        front = dict(front, audio=f"media/{number:04d}.mp3")
        if copies > 1 and "guid" in front:
            front["guid"] = f"{front['guid']}-{number}"
        if raw:  # as a producer might type it: `key: value`, nothing quoted
            head = "".join(f"{key}: {value}\n" for key, value in front.items() if isinstance(value, str))
        else:
            head = yaml.safe_dump(front, sort_keys=False, allow_unicode=True)
        files.append((f"{number:04d}-{slug}.md", f"---\n{head}---\n{notes}\n".encode("utf-8", "surrogatepass")))
    return files


def toml_string(value: str) -> str:
    """A TOML basic string. Control characters are escaped (TOML has no raw form for them); a surrogate stays
    raw, so the file is not UTF-8."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + "".join(f"\\u{ord(c):04X}" if c < " " or c == "\x7f" else c for c in escaped) + '"'


show_values = st.fixed_dictionaries(
    {}, optional={key: text_or_surrogate for key in ("title", "description", "author", "copyright", "owner_name",
                                                       "credits")},
)
funding = st.lists(st.tuples(text_or_surrogate, st.sampled_from(["", "https://donate.x.example/"])), max_size=2)
people = st.lists(text_or_surrogate, max_size=2)
PLAIN_SHOW = {"title": "Fixture Show", "description": "A show the tests build.", "author": "Fixture Author",
              "copyright": "© 2024 Fixture Author", "owner_name": "Fixture Owner", "credits": ""}


def show_toml(values: dict, funding: list, people: list, timezone: str = "UTC") -> bytes:
    values = {**PLAIN_SHOW, **values}
    lines = ["[show]", *(f"{key} = {toml_string(value)}" for key, value in values.items()),
             'language = "en"', 'link = "https://www.x.example/"', 'artwork = "cover.jpg"',
             'categories = ["News/Politics"]', 'owner_email = "owner@x.example"', f'timezone = "{timezone}"']
    for text_, url in funding:
        lines += ["[[show.funding]]", f"text = {toml_string(text_)}", f'url = "{url}"']
    for name in people:
        lines += ["[[show.person]]", f"name = {toml_string(name)}"]
    lines += ["[feed]", f'base_url = "{BASE_URL}"']
    return "\n".join(lines).encode("utf-8", "surrogatepass") + b"\n"


COVER = cover_jpeg()
SENTINEL = b"the previous build's feed\n"
SUMMARY = re.compile(r"error: \d+ errors?(, \d+ warnings? \(--strict\))?; nothing was written")


def build_show(files: list[tuple[str, bytes]], config: bytes):
    """Write the show folder, build it in-process; returns (exit status, stderr, show folder, feed bytes)."""
    with TemporaryDirectory() as tmp:
        show, out = Path(tmp) / "show", Path(tmp) / "public"
        (show / "media").mkdir(parents=True)
        out.mkdir()
        (out / "feed.xml").write_bytes(SENTINEL)
        (show / "cover.jpg").write_bytes(COVER)
        (show / "show.toml").write_bytes(config)
        for name, data in files:
            (show / name).write_bytes(data)
            shutil.copyfile(DATA / "tiny.mp3", show / f"media/{name[:4]}.mp3")
        err = io.StringIO()
        with redirect_stderr(err), redirect_stdout(io.StringIO()):
            status = run_cli("build", show, "--out", out)
        return status, err.getvalue(), str(show), (out / "feed.xml").read_bytes()


def assert_outcome(status: int, err: str, show: str, feed: bytes, files) -> etree._Element | None:
    """The property: a clean refusal naming files, or a feed every reader takes. Returns the parsed channel."""
    assert "Traceback" not in err
    event(f"exit {status}")
    if status == 1:
        lines = [line for line in err.splitlines() if line.startswith("error: ")]
        assert lines, err
        for line in lines:
            if not SUMMARY.fullmatch(line):
                assert line.startswith(f"error: {show}/"), f"an error that names no file of the show: {line!r}"
        assert feed == SENTINEL, "a failed build changed the output"
        return None
    assert status == 0, err
    root = etree.fromstring(feed, etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True))
    parsed = feedparser.parse(feed)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    podcast = podcastparser.parse(BASE_URL + "feed.xml", io.BytesIO(feed))
    channel = root.find("channel")
    items = channel.findall("item")
    assert len(items) == len(files) == len(podcast["episodes"]), "an episode was dropped"
    return channel


def active_content(fragment: str) -> list[str]:
    """What a browser would run in an HTML fragment: script-like elements, event handlers, script URLs."""
    found = []
    for element in html5lib.parseFragment(fragment, treebuilder="lxml", namespaceHTMLElements=False).iter():
        if not isinstance(element.tag, str):
            continue
        tag = element.tag.rpartition("}")[2].lower()
        if tag in ACTIVE_ELEMENTS:
            found.append(f"<{tag}>")
        for name, value in element.attrib.items():
            name = name.rpartition("}")[2].lower()
            url = "".join(c for c in value if c not in "\t\n\r").strip("\x00 \x0c\x1b").lower()
            if name.startswith("on") or url.startswith(("javascript:", "vbscript:", "data:text/html")):
                found.append(f"{tag} {name}={value!r}")
    return found


ACTIVE_ELEMENTS = {"script", "iframe", "frame", "frameset", "object", "embed", "applet", "style", "link", "meta",
                   "base", "form", "svg", "math"}
CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"
ITUNES = "{http://www.itunes.com/dtds/podcast-1.0.dtd}"


def html_texts(element, names) -> list[str]:
    return [child.text for name in names for child in element.findall(name) if child.text]


@given(files=episode_files(), timezone=st.sampled_from(["UTC", "Europe/Kyiv", "Pacific/Kiritimati", "America/St_Johns"]))
def test_random_episode_files_build_cleanly_or_fail_naming_the_file(files, timezone):
    status, err, show, feed = build_show(files, show_toml({}, [], [], timezone))
    channel = assert_outcome(status, err, show, feed, files)
    if channel is None:
        return
    titles = {}
    for name, data in files:
        front = data.decode("utf-8").split("---\n")[1]
        titles[name] = yaml.load(front, Loader=yaml.BaseLoader).get("title", "").strip()
    for item in channel.findall("item"):
        for html in html_texts(item, ["description", CONTENT, ITUNES + "summary"]):
            assert active_content(html) == [], html
        assert item.findtext("title") in titles.values()


@given(values=show_values, funding=funding, people=people)
def test_random_show_config_builds_cleanly_or_fails_naming_the_file(values, funding, people):
    files = [("0001-first.md", b"---\ntitle: First\ndate: 2024-01-15T08:00:00+00:00\naudio: media/0001.mp3\n---\nNotes.\n")]
    status, err, show, feed = build_show(files, show_toml(values, funding, people))
    assert_outcome(status, err, show, feed, files)


@pytest.mark.xfail(reason="issue 11 item 9: channel text (description, funding) is not sanitised yet; "
                          "another helper's branch does that", strict=False)
@given(values=show_values, funding=funding)
def test_channel_html_carries_no_active_content(values, funding):
    files = [("0001-first.md", b"---\ntitle: First\ndate: 2024-01-15T08:00:00+00:00\naudio: media/0001.mp3\n---\n\n")]
    status, err, show, feed = build_show(files, show_toml(values, funding, []))
    channel = assert_outcome(status, err, show, feed, files)
    if channel is not None:
        names = ["description", ITUNES + "summary", "{https://podcastindex.org/namespace/1.0}funding"]
        for html in html_texts(channel, names):
            assert active_content(html) == [], html
