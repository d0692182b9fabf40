"""Hostile feeds given to `feedtool import`: each is refused with a clear message, in bounded time and memory.

Each import runs as its own process (so its peak memory can be read from wait4) against a werkzeug server on
loopback that the test starts; every server loop here is bounded and stops by itself."""

from __future__ import annotations

import re
import subprocess
import sys
import time
import zlib

import pytest
from conftest import run_cli
from servers import ROOT, serve_app, subprocess_env
from werkzeug.wrappers import Request, Response

from feedtool.read.episodes import episode_paths

MIB = 1 << 20
MEMORY_LIMIT = 400 * MIB  # the import's peak resident memory, whatever the server sends
TIME_LIMIT = 20  # seconds


def _bomb() -> bytes:
    """300 MB of spaces inside an RSS document, gzipped to a few hundred KB (compressed piece by piece, so
    this process never holds the 300 MB)."""
    compressor = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)  # the gzip format
    parts = [compressor.compress(b'<?xml version="1.0"?><rss version="2.0"><channel><title>')]
    block = b" " * MIB
    parts += [compressor.compress(block) for _ in range(300)]
    return b"".join(parts) + compressor.flush()


BOMB = _bomb()


def app(environ, start_response):
    request = Request(environ)
    path = request.path
    if path == "/xxe.xml":
        body = (b'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
                b'<rss version="2.0"><channel><title>&xxe;</title></channel></rss>')
        return Response(body, mimetype="application/rss+xml")(environ, start_response)
    if path == "/laughs.xml":
        entities = "".join(f'<!ENTITY lol{i} "{"&lol%d;" % (i - 1) * 10}">' for i in range(1, 10))
        body = (f'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY lol0 "lol">{entities}]>\n'
                '<rss version="2.0"><channel><title>&lol9;</title></channel></rss>').encode()
        return Response(body, mimetype="application/rss+xml")(environ, start_response)
    if path in ("/huge.xml", "/huge-declared.xml"):
        def huge():
            yield b'<?xml version="1.0"?><rss version="2.0"><channel><title>'
            for _ in range(200):  # 200 MB, streamed
                yield b" " * MIB
        headers = {"Content-Length": str(200 * MIB + 57)} if path == "/huge-declared.xml" else {}
        return Response(huge(), mimetype="application/rss+xml", headers=headers)(environ, start_response)
    if path == "/slow.xml":
        def slow():
            yield b'<?xml version="1.0"?><rss version="2.0"><channel><title>'
            for _ in range(60):  # a byte every half second, for at most 30 s
                time.sleep(0.5)
                yield b" "
        return Response(slow(), mimetype="application/rss+xml")(environ, start_response)
    if path == "/silent.xml":
        time.sleep(8)  # answers nothing for 8 s
        return Response(b"", mimetype="application/rss+xml")(environ, start_response)
    if path == "/loop.xml":
        return Response("", 302, headers={"Location": "/loop.xml?again"})(environ, start_response)
    if path == "/bomb.xml":
        return Response(BOMB, mimetype="application/rss+xml",
                        headers={"Content-Encoding": "gzip"})(environ, start_response)
    if path == "/inward.xml":  # a feed on loopback naming addresses in private networks
        body = FEED_HEAD + (
            '<item><title>Metadata</title><guid>g1</guid><pubDate>Mon, 01 Jan 2024 10:00:00 +0000</pubDate>'
            '<enclosure url="http://10.255.255.1/admin/export.mp3" length="1000" type="audio/mpeg"/>'
            '<podcast:chapters url="http://169.254.169.254/latest/meta-data/iam.json" type="application/json+chapters"/>'
            "</item></channel></rss>")
        return Response(body, mimetype="application/rss+xml")(environ, start_response)
    if path == "/inward-pages.xml":  # its next page in a private network
        body = FEED_HEAD + '<atom:link rel="next" href="http://169.254.169.254/latest/page2.xml"/></channel></rss>'
        return Response(body, mimetype="application/rss+xml")(environ, start_response)
    if path in CHAPTERS:
        return Response(CHAPTERS[path], mimetype="application/json+chapters")(environ, start_response)
    return Response("not found", 404)(environ, start_response)


CHAPTERS = {  # JSON chapters files whose start times are no times (Python's json reads Infinity and NaN)
    "/infinite.json": '{"version": "1.2.0", "chapters": [{"startTime": Infinity, "title": "Forever"}]}',
    "/nan.json": '{"version": "1.2.0", "chapters": [{"startTime": NaN, "title": "Never"}]}',
    "/negative.json": '{"version": "1.2.0", "chapters": [{"startTime": -5, "title": "Before"}]}',
    "/huge.json": '{"version": "1.2.0", "chapters": [{"startTime": 1e300, "title": "Far"}]}',
}


@pytest.fixture(scope="module")
def base():
    with serve_app(app) as url:
        yield url


# Runs the CLI, then writes the process's peak resident memory (VmHWM) to the file named first. Not wait4's
# ru_maxrss: that counts the memory of the test process the child was forked from.
PEAK = """import sys
from feedtool.cli import main
report = sys.argv.pop(1)
code = main(sys.argv[1:])
peak = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:"))
open(report, "w").write(str(int(peak.split()[1]) * 1024))
sys.exit(code)
"""


def run_import(url: str, show, *args: str) -> tuple[int, str, float, int]:
    """(exit status, stderr, seconds, peak resident bytes) of `feedtool import url show`."""
    report = show.parent / "peak"
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-c", PEAK, str(report), "import", url, str(show), *args], cwd=ROOT,
                          env=subprocess_env(), capture_output=True, text=True, timeout=120)
    return done.returncode, done.stderr, time.monotonic() - start, int(report.read_text())


CASES = {
    "xxe.xml": "xxe.xml: has a DOCTYPE declaration (remove it: feeds need no DTD, and parsers refuse them as unsafe)",
    "laughs.xml": "laughs.xml: has a DOCTYPE declaration (remove it: feeds need no DTD, and parsers refuse them as unsafe)",
    "huge-declared.xml": "huge-declared.xml: refused: the feed is larger than 64 MiB (it says 209,715,257 bytes) "
                         "(is this URL really a podcast feed?)",
    "huge.xml": "huge.xml: refused: the feed is larger than 64 MiB (its body, decompressed, is larger) "
                "(is this URL really a podcast feed?)",
    "bomb.xml": "bomb.xml: refused: the feed is larger than 64 MiB (its body, decompressed, is larger) "
                "(is this URL really a podcast feed?)",
    "slow.xml": "slow.xml: the feed was not read whole: slower than the time allowed within 3 s "
                "(try again; a slow server: raise --timeout)",
    "silent.xml": "silent.xml: cannot read the feed: no answer within 1 s (check the URL; is the server up?)",
    "loop.xml": "loop.xml: cannot read the feed: more than 5 redirects (check the URL; is the server up?)",
}


@pytest.mark.parametrize("name", list(CASES))
def test_a_hostile_feed_is_refused_clearly_in_bounded_time_and_memory(base, name, tmp_path):
    show = tmp_path / "show"
    status, stderr, seconds, memory = run_import(base + name, show, "--timeout", "1")
    assert status == 1, stderr
    assert stderr in (f"error: {base}{CASES[name]}\n", f"error: {base}{CASES[name]}\nerror: 1 error; nothing was written\n")
    assert "Traceback" not in stderr
    assert seconds < TIME_LIMIT, seconds
    assert memory < MEMORY_LIMIT, memory / MIB
    assert not show.exists()  # nothing written


# --- hostile values inside items: imported from a file, in-process ---------------------------------------------

FEED_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"
 xmlns:podcast="https://podcastindex.org/namespace/1.0" xmlns:atom="http://www.w3.org/2005/Atom">
<channel><title>Hostile</title><link>https://old.example.org/</link><description>d</description>
<language>en</language><atom:link rel="self" href="https://old.example.org/feed.xml"/>
"""


def hostile_feed(tmp_path, *items: str) -> str:
    """A feed file whose items are (title, guid, extra elements); each gets its own enclosure."""
    body = "".join(
        f"<item><title>{title}</title><guid isPermaLink=\"false\">{guid}</guid>"
        f"<pubDate>Mon, 01 Jan 2024 10:00:00 +0000</pubDate>"
        f"<enclosure url=\"https://old.example.org/{i}.mp3\" length=\"1000\" type=\"audio/mpeg\"/>{extra}</item>\n"
        for i, (title, guid, extra) in enumerate(items, start=1)
    )
    path = tmp_path / "feed.xml"
    path.write_text(FEED_HEAD + body + "</channel></rss>", "utf-8")
    return str(path)


def test_an_item_duration_too_large_for_a_float_is_reported_not_a_traceback(tmp_path, capsys):
    feed = hostile_feed(tmp_path, ("Long", "g1", f"<itunes:duration>{'9' * 400}</itunes:duration>"))
    assert run_cli("import", feed, tmp_path / "show") == 0
    err = capsys.readouterr().err
    assert f"itunes:duration '{'9' * 49}…' is not a duration (the build measures it)" in err  # quoted, cut short
    assert "Traceback" not in err
    assert "duration:" not in (tmp_path / "show" / "long.md").read_text()


def test_episode_numbers_that_are_no_numbers_are_reported_and_the_import_completes(tmp_path, capsys):
    feed = hostile_feed(
        tmp_path,
        ("Superscript", "g1", "<itunes:episode>²</itunes:episode>"),  # str.isdigit() says yes, int() no
        ("Huge", "g2", f"<itunes:episode>{'9' * 400}</itunes:episode>"),  # made a file name over 255 bytes
        ("Arabic", "g3", "<itunes:episode>٣</itunes:episode><itunes:season>٢</itunes:season>"),
        ("Fine", "g4", "<itunes:episode>7</itunes:episode>"),
    )
    show = tmp_path / "show"
    assert run_cli("import", feed, show) == 0
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "item 1 'Superscript': itunes:episode '²' is not a positive whole number" in err
    assert f"item 2 'Huge': itunes:episode '{'9' * 49}…' is not a positive whole number" in err
    assert "item 3 'Arabic': itunes:episode '٣' is not a positive whole number" in err
    assert sorted(p.name for p in show.glob("*.md")) == ["0007-fine.md", "arabic.md", "huge.md", "superscript.md"]
    assert (show / "show.toml").exists()


def test_chapters_files_with_start_times_that_are_no_times_are_reported(base, tmp_path, capsys):
    names = [name.strip("/") for name in CHAPTERS]
    feed = hostile_feed(tmp_path, *[
        (name, name, f'<podcast:chapters url="{base}{name}" type="application/json+chapters"/>') for name in names
    ])
    show = tmp_path / "show"
    assert run_cli("import", feed, show) == 0
    err = capsys.readouterr().err
    assert "Traceback" not in err
    for name in names:
        assert re.search(rf"item \d '{name}': podcast:chapters {base}{name}: not a JSON chapters file "
                         rf"\(ValueError: chapter 1: startTime .* is not a time in seconds\) \(add chapters: by hand\)", err), err
        assert "chapters:" not in (show / f"{name.replace('.', '-')}.md").read_text()


def test_urls_in_a_feed_that_point_into_a_private_network_are_not_fetched(base, tmp_path, capsys):
    # as redirects are vetted (check/fetch.py): a feed not on a private network may not send the importer there
    show = tmp_path / "show"
    assert run_cli("import", base + "inward.xml", show, "--media", "download", "--timeout", "1") == 0
    err = capsys.readouterr().err
    assert ("podcast:chapters http://169.254.169.254/latest/meta-data/iam.json: a link-local address, and the feed "
            "is not on such a network; not fetched (add chapters: by hand)") in err
    assert ("download failed, the audio stays at its URL: http://10.255.255.1/admin/export.mp3: a private address, and the feed is "
            "not on such a network; not fetched") in err
    assert not (show / "media").exists()


def test_a_next_page_in_a_private_network_is_not_followed(base, tmp_path, capsys):
    show = tmp_path / "show"
    assert run_cli("import", base + "inward-pages.xml", show, "--timeout", "1") == 1
    assert capsys.readouterr().err == (
        f"error: {base}inward-pages.xml: its next page http://169.254.169.254/latest/page2.xml: a link-local address, "
        "and the feed is not on such a network; not fetched (import the pages one by one, from files)\n")
    assert not show.exists()


def test_titles_that_make_names_the_build_refuses_or_skips_get_other_names(tmp_path, capsys):
    # 'page.md', 'chapters.md', 'archive.md'… are refused by the build (their pages would be the output's own
    # folders) and 'readme.md' is not an episode at all: an imported show must build with every episode
    # and 'con.md', 'lpt1.md'… cannot be checked out on Windows
    titles = ["Page", "Chapters", "Archive", "Images", "README", "Style.css", "Index.html", "CON", "Lpt1", "Nul?"]
    feed = hostile_feed(tmp_path, *[(title, f"g{i}", "") for i, title in enumerate(titles)])
    show = tmp_path / "show"
    assert run_cli("import", feed, show) == 0
    names = sorted(p.name for p in show.glob("*.md"))
    assert names == ["episode-archive.md", "episode-chapters.md", "episode-con.md", "episode-images.md",
                     "episode-lpt1.md", "episode-nul.md", "episode-page.md", "episode-readme.md", "index-html.md",
                     "style-css.md"]
    assert len(episode_paths(show)) == len(titles)


def test_file_names_are_transliterated_like_feedtool_new():
    from feedtool.importer.files import file_name
    from feedtool.importer.items import Draft

    def name(title: str) -> str:
        return file_name(Draft(1, "g", title, None, {"number": "7"}), set())

    assert name("Київ: новини") == "0007-kiiv-novini.md"  # was 0007-episode.md: every letter dropped
    assert name("Part 1—The Start") == "0007-part-1-the-start.md"  # was 0007-part-1the-start.md
    assert name("Straße") == "0007-strasse.md"  # was 0007-strae.md


def test_a_season_name_and_an_episode_display_are_carried_over(tmp_path, capsys):
    feed = hostile_feed(
        tmp_path,
        ("Named", "g1", "<itunes:season>2</itunes:season><itunes:episode>7</itunes:episode>"
                        '<podcast:season name="Into the East">2</podcast:season>'
                        '<podcast:episode display="Ch.7">7</podcast:episode>'),
        ("Unnumbered", "g2", '<podcast:season name="Lost">3</podcast:season>'),
    )
    show = tmp_path / "show"
    assert run_cli("import", feed, show) == 0
    err = capsys.readouterr().err
    named = (show / "s02e0007-named.md").read_text()
    assert "season_name: Into the East\n" in named and "episode_display: Ch.7\n" in named
    assert "item 2 'Unnumbered': podcast:season name 'Lost' names a season the item does not have" in err
    # (the build writes them back: tests/test_podcast_tags.py)
