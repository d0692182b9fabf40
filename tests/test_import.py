"""feedtool import: feeds in the shapes of the well-known generators (tests/data/feeds, see its README) served
from a loopback server, imported, built with the old feed's URL as feed_url, and the two feeds compared item by
item with feedparser: GUIDs, isPermaLink, enclosure URLs, lengths, types, dates, titles, durations, notes."""

from __future__ import annotations

import calendar
import re
from pathlib import Path
from urllib.parse import urljoin

import feedparser
import podcastparser
import pytest
from conftest import DATA, build, make_episode, run_cli, write_config
from lxml import etree
from servers import serve_app
from werkzeug.utils import send_file
from werkzeug.wrappers import Request, Response

from feedtool.check.server import Client
from feedtool.errors import FeedtoolError
from feedtool.facts import MIME_TYPES
from feedtool.importer.media import UNSIZED_LIMIT, download_limit, fetch_file
from feedtool.render.notes import render_footer, sanitize
from feedtool.timecode import parse_timecode, whole_seconds

FEEDS = DATA / "feeds"
AUDIO = {".mp3": DATA / "tiny.mp3", ".m4a": DATA / "tiny.m4a"}
MEASURED = {suffix: (path.stat().st_size, 6) for suffix, path in AUDIO.items()}  # both files: 6 s of tone


class FeedServer:
    """Serves tests/data/feeds/<name> with {{origin}} filled in, any *.mp3 / *.m4a path as the tiny audio
    (ranges, ETag), and tests/data/feeds/media/<path>; records every request."""

    def __init__(self):
        self.requests: list[tuple[str, str]] = []
        self.feeds: dict[str, bytes] = {}  # served instead of the file of that name, when set
        self.base = ""

    def feed_bytes(self, name: str) -> bytes:
        if name in self.feeds:
            return self.feeds[name]
        return (FEEDS / name).read_text("utf-8").replace("{{origin}}", self.base.rstrip("/")).encode("utf-8")

    def __call__(self, environ, start_response):
        request = Request(environ)
        self.requests.append((request.method, request.full_path.rstrip("?")))
        path = request.path
        if path.startswith("/feeds/"):
            response = Response(self.feed_bytes(path[len("/feeds/"):]), mimetype="application/rss+xml")
        elif path.startswith("/endless/"):  # audio that never ends, sent without a Content-Length
            response = Response(iter(lambda: bytes(65536), None), mimetype="audio/mpeg")
        elif Path(path).suffix in AUDIO:
            response = send_file(AUDIO[Path(path).suffix], environ, conditional=True, max_age=None)
        elif (FEEDS / "media" / path.lstrip("/")).is_file():
            response = send_file(FEEDS / "media" / path.lstrip("/"), environ)
        else:
            response = Response("not found", 404)
        return response(environ, start_response)


@pytest.fixture(scope="module")
def server():
    app = FeedServer()
    with serve_app(app) as base:
        app.base = base
        yield app


def import_and_build(server, name: str, tmp_path: Path, capsys, *extra: str):
    show = tmp_path / "show"
    assert run_cli("import", f"{server.base}feeds/{name}", show, *extra) == 0
    imported = capsys.readouterr()
    out = tmp_path / "public"
    assert run_cli("build", show, "--out", out, "--base-url", "https://media.new-host.net/show/") == 0, \
        capsys.readouterr().err
    built = capsys.readouterr()
    return show, out / "feed.xml", imported, built


def old_items(server, name: str) -> tuple[str, list]:
    """The old feed's episodes as feedparser reads them (every page), first occurrence of each GUID only."""
    url, entries, seen = f"{server.base}feeds/{name}", [], set()
    while url:
        parsed = feedparser.parse(server.feed_bytes(url.rpartition("/feeds/")[2]), sanitize_html=False)
        for entry in parsed.entries:
            if not entry.get("enclosures"):
                continue
            entry["_base"] = url
            guid = entry.get("id") or urljoin(url, entry.enclosures[0].href)
            if guid not in seen:
                seen.add(guid)
                entries.append((guid, entry))
        nexts = [link.href for link in parsed.feed.get("links", []) if link.get("rel") == "next"]
        url = urljoin(url, nexts[0]) if nexts else None
    return parsed.feed, entries


def _pages(server, name: str) -> list[str]:
    return [name, "podlove-page2.xml"] if name == "podlove.xml" else [name]


def permalinks(data: bytes) -> dict[str, str]:
    """GUID -> isPermaLink as the feed says it (RSS 2.0's default: true)."""
    root = etree.fromstring(data)
    return {g.text.strip(): g.get("isPermaLink", "true") for g in root.iter("guid")}


def raw_notes(data: bytes) -> dict[str, str]:
    """GUID (else enclosure URL) -> the notes as the importer takes them: content:encoded, else description."""
    notes = {}
    for item in etree.fromstring(data).iter("item"):
        guid, enclosure = item.findtext("guid"), item.find("enclosure")
        key = guid.strip() if guid else enclosure.get("url") if enclosure is not None else None
        text = (item.findtext("{http://purl.org/rss/1.0/modules/content/}encoded") or "").strip() \
            or (item.findtext("description") or "").strip()
        notes.setdefault(key, text)
    return notes


@pytest.mark.parametrize("name", ["libsyn.xml", "powerpress.xml", "anchor.xml", "buzzsprout.xml", "castopod.xml",
                                  "podlove.xml", "castanet.xml", "feedgen.xml"])
def test_import_then_build_keeps_every_episode_as_it_was(server, name, tmp_path, capsys):
    show, feed, _, _ = import_and_build(server, name, tmp_path, capsys)
    _, old = old_items(server, name)
    new = feedparser.parse(feed.read_bytes(), sanitize_html=False)
    assert new.bozo == 0, new.get("bozo_exception")
    by_guid = {e.id: e for e in new.entries}
    assert sorted(by_guid) == sorted(guid for guid, _ in old)
    footer = render_footer("", _funding(show))
    old_permalinks, old_notes = {}, {}
    for page in _pages(server, name):
        old_permalinks.update(permalinks(server.feed_bytes(page)))
        for key, value in raw_notes(server.feed_bytes(page)).items():
            old_notes.setdefault(key, value)
    new_notes = raw_notes(feed.read_bytes())
    new_permalinks = permalinks(feed.read_bytes())
    assert {g: new_permalinks[g] for g in by_guid if g in old_permalinks} == \
        {g: old_permalinks[g] for g in by_guid if g in old_permalinks}
    for guid, before in old:
        after = by_guid[guid]
        assert after.title == before.title
        enclosure, was = after.enclosures[0], before.enclosures[0]
        assert enclosure.href == urljoin(before["_base"], was.href)
        suffix = Path(enclosure.href.split("?")[0]).suffix
        size, seconds = MEASURED[suffix]
        old_length = was.get("length", "")
        assert int(enclosure.length) == (int(old_length) if old_length.isdigit() and int(old_length) else size)
        assert enclosure.type == (was.type if was.get("type") in MIME_TYPES.values() else MIME_TYPES[suffix])
        assert calendar.timegm(after.published_parsed) == calendar.timegm(before.published_parsed)
        expected_duration = whole_seconds(parse_timecode(before.itunes_duration)) if before.get("itunes_duration") \
            else seconds
        assert parse_timecode(after.itunes_duration) == expected_duration
        key = guid if guid in old_notes else was.href
        expected_notes = "\n".join(p for p in (sanitize(old_notes[key]), footer) if p)
        assert new_notes[guid] == (expected_notes or before.title)
    # and the new feed reads as a podcast in podcastparser too
    parsed = podcastparser.parse("https://media.new-host.net/show/feed.xml", open(feed, "rb"))
    assert {e["guid"] for e in parsed["episodes"]} == set(by_guid)


def _funding(show: Path):
    import tomllib

    from feedtool.read.config import FundingConfig
    data = tomllib.loads((show / "show.toml").read_text())
    return [FundingConfig(**f) for f in data["show"].get("funding", [])]


def test_isPermaLink_and_exact_values_are_kept_in_the_feed_text(server, tmp_path, capsys):
    _, feed, _, _ = import_and_build(server, "castanet.xml", tmp_path, capsys)
    text = feed.read_text()
    assert '<guid isPermaLink="true">https://www.arresteddevops.com/cake/</guid>' in text  # the RSS default
    assert "<pubDate>Mon, 02 Jan 2006 15:04:05 -0700</pubDate>" in text  # a two-digit year, its offset kept
    _, feed, _, _ = import_and_build(server, "libsyn.xml", tmp_path / "2", capsys)
    text = feed.read_text()
    assert '<guid isPermaLink="false">5f0f56c3-6ba9-4479-9eff-c1a23d058e06</guid>' in text
    assert f'url="{server.base}secure/e780d51f-f115-44a6-8252-aed9216bb521/KPOD214.mp3?dest-id=3486674"' in text
    assert 'length="79018008"' in text  # typed (from the old feed) wins over the measurement...


def test_typed_values_that_differ_from_the_measurement_are_warned_about(server, tmp_path, capsys):
    _, _, _, built = import_and_build(server, "libsyn.xml", tmp_path, capsys)
    assert ("0214-kubecon-na-2023.md: length: the front matter says 79018008 bytes, the file on the server measures "
            "11736 bytes (the front matter wins; correct length: or remove it to use the measurement)") in built.err
    assert "0214-kubecon-na-2023.md: duration: the front matter says 3293 s, the file on the server measures 6 s" \
        in built.err


def test_what_cannot_be_carried_over_is_listed_item_by_item(server, tmp_path, capsys):
    lost, feeds = {}, {}
    for name in ("buzzsprout.xml", "powerpress.xml", "castopod.xml", "feedgen.xml", "castanet.xml", "anchor.xml"):
        _, feeds[name], imported, _ = import_and_build(server, name, tmp_path / name, capsys)
        lost[name] = [line for line in imported.err.splitlines() if line.startswith("warning: ")]
    # Buzzsprout's podcast:soundbite is carried over (it was named here as lost before import read it), and built
    assert not [line for line in lost["buzzsprout.xml"] if "item 1 " in line or "soundbite" in line]
    assert '<podcast:soundbite startTime="1.0" duration="3.0">The guide</podcast:soundbite>' in \
        feeds["buzzsprout.xml"].read_text()
    assert any(line.startswith("warning: item 1 'Ukraine Foreign Legion: Fight for Freedom – episode #177': notes: "
                               "removed what podcast apps do not render: <h2>, <img>, <script>")
               for line in lost["powerpress.xml"])
    assert any("not carried over: category, comments, dc:creator, slash:comments, wfw:commentRss" in line
               for line in lost["powerpress.xml"])
    assert any("podcast:alternateEnclosure" in line and "--media download" in line for line in lost["castopod.xml"])
    assert ("warning: item 2 'Aardvark (again)': GUID 'urn:uuid:1b6ddb6c-4e3a-4d2b-9a43-2f8a2e6b0a01' repeats item 1 "
            "'Aardvark & <friends>': not imported (apps show one episode per GUID)") in lost["feedgen.xml"]
    assert any("item 3 'Bee': no guid: its enclosure URL is its GUID" in line for line in lost["feedgen.xml"])
    assert any("item 3 'Bee': enclosure type 'audio/mp3' becomes 'audio/mpeg'" in line for line in lost["feedgen.xml"])
    assert any("item 2 'No date, no audio': no enclosure: not an episode" in line for line in lost["castanet.xml"])
    assert any("enclosure URL '/episodes/arrested-devops-cake.mp3' is relative: written as" in line
               for line in lost["castanet.xml"])
    assert any("item 1 'Trajno al Kyiv': enclosure length '0' is not a size in bytes" in line
               for line in lost["anchor.xml"])


def test_show_toml_carries_the_channel_and_the_old_feed_url(server, tmp_path, capsys):
    show, _, _, _ = import_and_build(server, "castopod.xml", tmp_path, capsys)
    import tomllib
    config = tomllib.loads((show / "show.toml").read_text())
    assert config["feed"]["feed_url"] == "https://podcast.example-castopod.org/@radiolibre/feed.xml"
    assert config["feed"]["hubs"] == ["https://websub.castopod.org/"]
    assert config["show"]["guid"] == "f4a3c6a2-4d3b-5b1e-bb0e-6f0b6e7c9f10"  # kept as the feed has it
    assert config["show"]["type"] == "serial" and config["show"]["locked"] is True
    assert config["show"]["license"] == "cc-by-sa-4.0"
    assert config["show"]["funding"] == [{"text": "Nous soutenir", "url": "https://liberapay.com/radiolibre"}]
    assert config["show"]["person"][0]["name"] == "Camille"
    show, _, _, _ = import_and_build(server, "feedgen.xml", tmp_path / "2", capsys)
    from feedtool.facts import podcast_guid
    config = tomllib.loads((show / "show.toml").read_text())  # no podcast:guid: derived from the old feed URL
    assert config["show"]["guid"] == podcast_guid("https://example-animals.org/podcast/feed.rss")


def test_chapters_json_and_inline_chapters_become_front_matter_chapters(server, tmp_path, capsys):
    show, feed, _, _ = import_and_build(server, "buzzsprout.xml", tmp_path, capsys)
    episode = next(show.glob("s01e0012-*.md")).read_text()
    assert "start: '00:00:03.500'" in episode and "title: The guide" in episode
    show, feed, _, _ = import_and_build(server, "podlove.xml", tmp_path / "2", capsys)
    text = feed.read_text()
    assert '<psc:chapter start="00:00:02.500" title="Weltraumbahnhof" href="https://de.wikipedia.org/wiki/Weltraumbahnhof"/>' in text


def test_the_pages_of_a_paged_feed_are_followed(server, tmp_path, capsys):
    show = tmp_path / "show"
    assert run_cli("import", f"{server.base}feeds/podlove.xml", show) == 0
    assert "2 items in 2 pages" in capsys.readouterr().out
    assert sorted(p.name for p in show.glob("*.md")) == ["0271-fs271-ruckblick.md", "0272-fs272-weltraumbahnhof.md"]


def test_a_second_import_adds_new_items_only_and_never_rewrites_a_file(server, tmp_path, capsys):
    show = tmp_path / "show"
    url = f"{server.base}feeds/again.xml"
    original = server.feed_bytes("buzzsprout.xml")
    server.feeds["again.xml"] = original
    try:
        assert run_cli("import", url, show) == 0
        edited = next(show.glob("s01e0011-*.md"))
        edited.write_text(edited.read_text().replace("Threat modeling, step by step.", "Edited by the producer."))
        before = {p.name: p.read_bytes() for p in show.iterdir() if p.is_file()}
        (show / next(show.glob("s01e0012-*.md")).name).unlink()  # deleted by the producer: stays deleted
        capsys.readouterr()
        assert run_cli("import", url, show) == 0
        assert "wrote 0 episode files" in capsys.readouterr().out
        assert edited.read_text().count("Edited by the producer.") == 1
        new_item = original.replace(b"<item>", b"""<item>
    <title>Brand new</title><guid isPermaLink="false">Buzzsprout-13000000</guid>
    <pubDate>Wed, 01 Mar 2023 09:00:00 -0500</pubDate>
    <enclosure url="%s1730684/13000000-new.mp3" length="11736" type="audio/mpeg" />
  </item>
  <item>""" % server.base.encode(), 1)
        server.feeds["again.xml"] = new_item
        assert run_cli("import", url, show) == 0
        assert "wrote 1 episode file;" in capsys.readouterr().out
        after = {p.name: p.read_bytes() for p in show.iterdir() if p.is_file()}
        assert set(after) - set(before) == {"brand-new.md"}
        assert all(after[name] == data for name, data in before.items() if name in after)
    finally:
        server.feeds.pop("again.xml", None)


def test_since_and_dry_run(server, tmp_path, capsys):
    show = tmp_path / "show"
    assert run_cli("import", f"{server.base}feeds/castopod.xml", show, "--since", "2024-03-10", "--dry-run") == 0
    out = capsys.readouterr().out
    assert "would write 1 episode file" in out and "1 before --since" in out
    assert f"would write {show}/s01e0002-episode-2-les-licences.md" in out
    assert not show.exists()


def test_importing_into_a_folder_of_another_show_is_refused(server, tmp_path, capsys):
    show = tmp_path / "show"
    assert run_cli("import", f"{server.base}feeds/castopod.xml", show) == 0
    capsys.readouterr()
    assert run_cli("import", f"{server.base}feeds/feedgen.xml", show) == 2
    assert "show/show.toml: the folder holds another show (feed_url https://podcast.example-castopod.org/@radiolibre/" \
        "feed.xml, the feed is https://example-animals.org/podcast/feed.rss)" in capsys.readouterr().err


def test_media_download_fetches_the_audio_and_keeps_the_old_url(server, tmp_path, capsys):
    show, feed, imported, _ = import_and_build(server, "castopod.xml", tmp_path, capsys, "--media", "download")
    media = sorted(p.name for p in (show / "media").iterdir())
    assert media == ["s01e0001-episode-1-les-debuts.m4a", "s01e0002-episode-2-les-licences.mp3"]
    # the loopback server has no Opus rendition: the alternate is named, not silently dropped
    assert (f"warning: item 1 'Épisode 2 : les licences': alternate {server.base}@radiolibre/episodes/licences.opus: "
            "download failed:") in imported.err
    assert (show / "media/s01e0002-episode-2-les-licences.mp3").read_bytes() == AUDIO[".mp3"].read_bytes()
    text = feed.read_text()
    assert f'url="{server.base}@radiolibre/episodes/licences.mp3?_from=feed"' in text  # the old URL, kept


def test_a_download_never_writes_over_a_media_file_it_did_not_put_there(server, tmp_path, capsys):
    show = tmp_path / "show"
    own = show / "media/s01e0001-episode-1-les-debuts.m4a"
    own.parent.mkdir(parents=True)
    own.write_bytes(b"the producer's own recording")
    assert run_cli("import", f"{server.base}feeds/castopod.xml", show, "--media", "download") == 0
    err = capsys.readouterr().err
    assert own.read_bytes() == b"the producer's own recording"
    assert ("download failed, the audio stays at its URL: media/s01e0001-episode-1-les-debuts.m4a: already there "
            "with other content: not written over (move that file away and import again to download it)") in err
    assert not list((show / "media").glob(".*"))  # no partial download left behind
    assert "audio: http" in (show / "s01e0001-episode-1-les-debuts.md").read_text()  # still on its URL
    assert (show / "media/s01e0002-episode-2-les-licences.mp3").read_bytes() == AUDIO[".mp3"].read_bytes()


def test_an_interrupted_download_resumes_with_a_range(server, tmp_path):
    target = tmp_path / "media/a.mp3"
    partial = target.with_name(".a.mp3.part")
    target.parent.mkdir()
    data = AUDIO[".mp3"].read_bytes()
    partial.write_bytes(data[:5000])
    client = Client(5)
    head = client.fetch("HEAD", f"{server.base}x/a.mp3")
    partial.with_name(partial.name + ".etag").write_text(head.response.headers["ETag"])
    server.requests.clear()
    size, digest = fetch_file(client, f"{server.base}x/a.mp3", target, None)
    client.close()
    assert target.read_bytes() == data and size == len(data)
    assert server.requests == [("GET", "/x/a.mp3")]
    import hashlib
    assert digest == hashlib.sha256(data).hexdigest()
    assert not partial.exists()


def test_a_download_without_a_size_stops_at_its_limit_and_keeps_nothing(server, tmp_path):
    target = tmp_path / "media/a.mp3"
    client = Client(5)
    with pytest.raises(FeedtoolError) as raised:
        fetch_file(client, f"{server.base}endless/a.mp3", target, None, limit=3 << 20)
    client.close()
    assert str(raised.value) == (
        f"{server.base}endless/a.mp3: the server sent more than 3 MiB without saying the file's size, more than this "
        "audio can be; stopped and not kept (download it yourself into media/ and set audio: to it)")
    assert list(target.parent.iterdir()) == []  # no partial file to resume from
    assert download_limit("3000000") == 6_000_000  # twice what the feed states
    assert download_limit("0") == download_limit(None) == download_limit("12") == UNSIZED_LIMIT == 2 << 30


def test_import_from_a_file_and_help(tmp_path, capsys):
    feed = tmp_path / "feed.xml"
    feed.write_text((FEEDS / "feedgen.xml").read_text().replace("{{origin}}", "https://media.example-animals.org"))
    show = tmp_path / "show"
    assert run_cli("import", feed, show) == 0
    assert re.search(r"imported .*feed.xml: 3 items in 1 page; wrote 2 episode files", capsys.readouterr().out)


@pytest.mark.parametrize("html, markdown", [
    ("<p>Hello <strong>world</strong>.</p>\n<p>See <a href=\"https://uacrisis.org/en\">UCMC</a>.</p>",
     "Hello **world**.\n\nSee [UCMC](https://uacrisis.org/en)."),
    ("<ul>\n<li>one</li>\n<li>two</li>\n</ul>", "- one\n- two"),
    ("<p>He said \"no\".</p>", None),  # the renderer would curl the quotes: kept as HTML
    ("<p>a</p>\n\n\n<p>b</p> <p>c</p>", None),  # blank lines and a space between blocks: only HTML keeps them
    ("<p>Chapters:<br>00:00 Intro<br>00:03 The guide</p>", None),
    ("plain text, no tags", None),  # Markdown would wrap it in <p>: the text stays as it was
])
def test_notes_are_markdown_only_where_the_build_renders_them_back_exactly(html, markdown):
    from feedtool.importer.files import notes_markdown
    from feedtool.render.notes import render_markdown
    written, removed = notes_markdown(html)
    assert removed == []
    if markdown is not None:
        assert written == markdown
    else:
        assert written.startswith("<div>\n") and written.endswith("\n</div>")
        assert "\n\n" not in written  # a blank line would end the HTML block early
    assert render_markdown(written) == sanitize(html)


def test_the_show_description_comes_back_as_the_markdown_it_was(tmp_path, capsys):
    """show.toml's description is Markdown: an imported one keeps its links and emphasis. It was stripped to
    text with a warning, even for a feed feedtool itself built from the same description."""
    show = tmp_path / "show"
    write_config(show, show={"description": "About *war* and [our site](https://a.net/)."})
    make_episode(show)
    assert build(show, tmp_path / "public") == 0
    capsys.readouterr()
    assert run_cli("import", tmp_path / "public/feed.xml", tmp_path / "again") == 0
    assert "description" not in capsys.readouterr().err
    text = (tmp_path / "again/show.toml").read_text("utf-8")
    assert 'description = "About *war* and [our site](https://a.net/)."' in text
