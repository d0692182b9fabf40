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
from urllib.parse import quote

import feedparser
import html5lib
import podcastparser
import yaml
from conftest import BASE_URL, DATA, cover_jpeg, run_cli
from hypothesis import event, example, given
from hypothesis import strategies as st
from lxml import etree

# Pieces of text that broke feed writers somewhere: markup, CDATA ends, entities, characters XML cannot carry,
# YAML and Markdown syntax, and URL schemes that run code.
HOSTILE = [
    "]]>", "<![CDATA[", "]]]]><![CDATA[>", "<script>alert(1)</script>", "<SCRIPT SRC=//feedtool-fixtures.net/x.js></SCRIPT>",
    "<iframe src=https://feedtool-fixtures.net/>", '<img src=x onerror="alert(1)">', "<svg onload=alert(1)>", "<style>*{}</style>",
    '<a href="javascript:alert(1)">x</a>', '<a href=" jav&#x09;ascript:alert(1)">x</a>', "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))", "<javascript:alert(1)>", '<a href="data:text/html,<script>">x</a>',
    "<object data=x></object>", "<embed src=x>", "<form action=javascript:alert(1)><button>x</button></form>",
    '<p style="x" onclick="alert(1)">', "<math><mi xlink:href=javascript:alert(1)>x</mi></math>", "<!-- c -->",
    "<?xml version='1.0'?>", "<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>", "&e;", "&amp;", "&lt;",
    "&#0;", "&#x1F600;", "&bogus;", "&#xD800;", "&", "<", ">", "\x00", "\x07", "\x0b", "\x0c", "\x1b", "\x7f",
    "\x85", "\u2028", "\u200b", "\ufeff", "\ufffe", "\uffff", "\U0001f600", "\u202e", "\r\n", "\r", "\t", "\n\n",
    "---", "...", ": ", "# ", "- ", "* ", "`", "\\", '"', "'", "{", "}", "[", "]", "%", "@", "|", ">-", "!!python/object",
    "00:00 Intro", "https://feedtool-fixtures.net/a?b=<c>&d", "mailto:a@feedtool-fixtures.net", "Ω", "é", "中文", "עברית",
]

XML_CANNOT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


# Text XML can carry (markup, entities, CDATA ends, any other Unicode), and text with characters it cannot.
carried_piece = st.one_of(st.sampled_from([h for h in HOSTILE if not XML_CANNOT.search(h)]),
                          st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12))
any_piece = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=12))


def lengths(short):
    """Mostly short text, sometimes a piece repeated into a long value (up to tens of kilobytes)."""
    long = st.tuples(short, st.integers(200, 2000)).map(lambda t: (t[0] or "x") * t[1])
    return st.one_of(short, short, short, long)


carried_text = lengths(st.lists(carried_piece, max_size=6).map("".join))
any_text = lengths(st.lists(any_piece, max_size=6).map("".join))


def nonblank(strategy):
    return strategy.map(lambda t: t if t.strip() else t + "x")


def with_surrogate(strategy):
    """Text that ends in a lone surrogate one time in twenty: no UTF-8 file can hold it, so the file is not UTF-8."""
    return st.tuples(strategy, st.integers(0, 19)).map(lambda t: t[0] + "\ud800" if t[1] == 0 else t[0])


def front_matter(valid: bool):
    """The episode fields. valid: values the build should take (hostile in content: markup, entities, any
    Unicode, long); otherwise any value, among them wrong types, blanks and characters XML cannot carry."""

    def values(good, bad):
        return good if valid else st.one_of(good, bad)

    text = values(carried_text, with_surrogate(any_text))
    site = "https://feedtool-fixtures.net/"
    url = values(st.one_of(st.just(site), carried_text.map(lambda t: site + quote(t))),  # encoded
                 st.one_of(st.sampled_from([site + "a b", site + "é", "javascript:alert(1)", "https://",
                                            site + '"onmouseover="x', "http://[::1"]), text))
    starts = st.lists(st.sampled_from(["00:00", "0:01", "00:00:02.5", "3", "00:04", "0:05.9"]), unique=True,
                      max_size=4).map(lambda times: sorted(times, key=lambda t: float(t.split(":")[-1])))
    hidden = values(st.sampled_from(["true", "false"]), text)
    chapters = values(
        starts.flatmap(lambda times: st.tuples(*[
            st.fixed_dictionaries({"start": st.just(t), "title": nonblank(text)}, optional={"url": url, "hidden": hidden})
            for t in times]).map(list)),
        st.lists(st.fixed_dictionaries({"start": text, "title": text}, optional={"url": url, "hidden": text}),
                 max_size=3),
    )
    date = values(
        st.datetimes(datetime(1900, 1, 1), datetime(2100, 1, 1), timezones=st.none() | st.timezones())
        .map(lambda d: d.isoformat(sep=" " if d.microsecond % 2 else "T")),
        st.one_of(st.datetimes(timezones=st.none() | st.timezones()).map(lambda d: d.isoformat()),
                  st.sampled_from(["9999-12-31T23:30:00-05:00", "0001-01-01T00:30:00+05:00", "1920-06-01T12:00:00",
                                   "2024-02-30", "2024-01-15", "2024-01-15 08:00", "24:00"]),
                  text),
    )
    person = st.fixed_dictionaries({"name": nonblank(text)},
                                    optional={"role": nonblank(text), "group": nonblank(text), "href": url, "img": url})
    fields = {
        "number": values(st.integers(1, 10**6).map(str), st.one_of(st.integers(-1, 10**20).map(str), text)),
        "season": values(st.integers(1, 99).map(str), st.one_of(st.sampled_from(["0", "²", "٣", "Ⅻ", "1.5"]), text)),
        "guid": values(nonblank(st.lists(carried_piece, max_size=6).map("".join)), text),
        "link": url,
        "keywords": st.one_of(nonblank(text), st.lists(nonblank(text), max_size=4)),
        "explicit": values(st.sampled_from(["true", "false", "yes", "no"]), text),
        "type": values(st.sampled_from(["full", "trailer", "bonus"]), text),
        "chapters": chapters,
        "people": st.lists(person, max_size=2),
        "image": values(st.just("cover.jpg"), st.one_of(st.just("x" * 300 + ".jpg"), text)),
    }
    return st.fixed_dictionaries({"title": values(nonblank(text), text), "date": date}, optional=fields)


VALID_EPISODE, ANY_EPISODE = front_matter(valid=True), front_matter(valid=False)
SLUG = string.ascii_lowercase + string.digits + "-"


@st.composite
def episode_files(draw) -> list[tuple[str, bytes]]:
    """(file name, file bytes) of 1-6 episodes, repeated up to 12 times (many episodes, some built in parallel)."""
    if draw(st.booleans()):  # values the build takes, hostile only in content
        spec = st.tuples(VALID_EPISODE, carried_text, st.just(False))
    else:  # anything, also as unquoted `key: value` lines
        spec = st.tuples(ANY_EPISODE, with_surrogate(any_text), st.sampled_from([False, False, False, True]))
    specs = draw(st.lists(spec, min_size=1, max_size=6))
    copies = draw(st.sampled_from([1, 1, 1, 12]))
    files = []
    for i in range(len(specs) * copies):
        front, notes, raw = specs[i % len(specs)]
        number = i + 1
        slug = draw(st.text(SLUG, min_size=1, max_size=20)) if i < len(specs) else f"copy-{number}"
        front = dict(front, audio=f"media/{number:04d}.mp3")
        if copies > 1 and "guid" in front:
            front["guid"] = f"{front['guid']}-{number}"
        if i >= len(specs):  # a copy: its own number (a repeated one is an error of its own, tried above)
            front.pop("number", None)
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


@st.composite
def show_configs(draw) -> bytes:
    """show.toml with random text for the channel's text values (title, description, author, copyright, owner,
    credits, funding and people), valid-only in half the examples."""
    valid = draw(st.booleans())
    text = carried_text if valid else with_surrogate(any_text)
    required = nonblank(text) if valid else text
    keys = {"title": required, "description": required, "author": required, "copyright": text,
            "owner_name": text, "credits": text}
    values = draw(st.fixed_dictionaries({}, optional=keys))
    funding = draw(st.lists(st.tuples(required, st.sampled_from(["", "https://donate.feedtool-fixtures.net/"])), max_size=2))
    people = draw(st.lists(required, max_size=2))
    return show_toml(values, funding, people)


PLAIN_SHOW = {"title": "Fixture Show", "description": "A show the tests build.", "author": "Fixture Author",
              "copyright": "© 2024 Fixture Author", "owner_name": "Fixture Owner", "credits": ""}


def show_toml(values: dict, funding: list, people: list, timezone: str = "UTC") -> bytes:
    values = {**PLAIN_SHOW, **values}
    lines = ["[show]", *(f"{key} = {toml_string(value)}" for key, value in values.items()),
             'language = "en"', 'link = "https://www.feedtool-fixtures.net/"', 'artwork = "cover.jpg"',
             'categories = ["News/Politics"]', 'owner_email = "owner@feedtool-fixtures.net"', f'timezone = "{timezone}"']
    for text_, url in funding:
        lines += ["[[show.funding]]", f"text = {toml_string(text_)}", f'url = "{url}"']
    for name in people:
        lines += ["[[show.person]]", f"name = {toml_string(name)}"]
    lines += ["[feed]", f'base_url = "{BASE_URL}"']
    return "\n".join(lines).encode("utf-8", "surrogatepass") + b"\n"


COVER = cover_jpeg()
# The build's moment: after every date a feed can carry, so no episode is held back as scheduled (a feed that
# leaves one out is then a dropped episode).
LAST_MOMENT = "9999-12-31T23:59:59.999999+00:00"
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
            status = run_cli("build", show, "--out", out, "--now", LAST_MOMENT)
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
                event(problem(line))  # what failed, for --hypothesis-show-statistics
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


def problem(line: str) -> str:
    """An error line without its file, line and quoted values: `date: … is not a date`."""
    text = re.sub(r"^error: .*?\.(md|toml)(:\d+)?:\s*", "", line)
    return re.sub(r"'[^']*'|U\+[0-9A-F]{4}|\[\d+\]", "…", text.partition(" (")[0])[:80]


def active_content(fragment: str) -> list[str]:
    """What a browser would run in an HTML fragment: script-like elements, event handlers, script URLs."""
    found = []
    for element in html5lib.parseFragment(fragment, treebuilder="etree", namespaceHTMLElements=False).iter():
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
    fronts = {name[:4]: yaml.load(FRONT_MATTER_LINE.split(data.decode())[1], Loader=yaml.BaseLoader)
              for name, data in files}
    for item in channel.findall("item"):
        front = fronts[item.find("enclosure").get("url").removeprefix(BASE_URL + "media/")[:4]]
        assert item.findtext("title") == front["title"].strip()
        if "guid" in front:
            assert item.findtext("guid") == front["guid"].strip()
        for html in html_texts(item, ["description", CONTENT, ITUNES + "summary"]):
            assert active_content(html) == [], html


FRONT_MATTER_LINE = re.compile(r"^(?:---|\.\.\.)[^\S\n]*$", re.M)  # README: the lines around the front matter
EPISODE = [("0001-first.md", b"---\ntitle: First\ndate: 2024-01-15T08:00:00+00:00\naudio: media/0001.mp3\n---\n\n")]


@given(config=show_configs())
def test_random_show_config_builds_cleanly_or_fails_naming_the_file(config):
    status, err, show, feed = build_show(EPISODE, config)
    assert_outcome(status, err, show, feed, EPISODE)


@given(config=show_configs())
@example(config=show_toml({"description": "<script>alert(1)</script>"},
                          [("<img src=x onerror=alert(1)>", "https://donate.feedtool-fixtures.net/")], []))
def test_channel_html_carries_no_active_content(config):
    status, err, show, feed = build_show(EPISODE, config)
    channel = assert_outcome(status, err, show, feed, EPISODE)
    if channel is not None:
        names = ["description", ITUNES + "summary", "{https://podcastindex.org/namespace/1.0}funding"]
        for html in html_texts(channel, names) + html_texts(channel.find("item"), ["description", CONTENT]):
            assert active_content(html) == [], html
