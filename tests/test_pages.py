"""The show's web pages written by build: valid HTML, links between pages and from the feed, templates a show
can replace, inert hostile notes, paging, and warm rebuilds that write only the pages that change."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import html5lib
import pytest
from conftest import BASE_URL, build, make_episode, make_mp3, run_cli, write_config
from lxml import etree

from feedtool.build.pipeline import BuildOptions, run
from feedtool.read.config import load_config

GOLDEN = Path(__file__).parent / "data" / "golden"
XHTML = "{http://www.w3.org/1999/xhtml}"


def parse_html(data: bytes, name: str = "page"):
    """html5lib in strict mode: any parse error of the HTML5 syntax fails the test."""
    try:
        return html5lib.HTMLParser(strict=True, namespaceHTMLElements=True).parse(data)
    except html5lib.html5parser.ParseError as e:
        raise AssertionError(f"{name}: not valid HTML5: {e}") from None


def tree_of(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def pages_show(tmp_path, count: int = 5, per_page: int | None = None, **show) -> Path:
    """A show of `count` episodes a day apart; the audio is one tiny MP3 copied."""
    folder = tmp_path / "show"
    site = f"\n[site]\nper_page = {per_page}\n" if per_page else ""
    write_config(folder, show=show or None, extra=site)
    make_mp3(folder / "media/shared.mp3", title="Shared")
    for n in range(1, count + 1):
        add_episode(folder, n)
    return folder


def add_episode(folder: Path, n: int, **front) -> Path:
    shutil.copyfile(folder / "media/shared.mp3", folder / f"media/{n:04d}.mp3")
    notes = front.pop("notes", f"Notes of episode {n}.\n\n00:00 Intro\n00:03 Talk\n")
    return make_episode(folder, f"{n:04d}-ep.md", notes=notes, audio=f"media/{n:04d}.mp3", make_audio=False,
                        date=f"2024-01-{n:02d}T08:00:00+00:00", number=str(n), **front)


def written_pages(report) -> set[str]:
    return {name for name in report.written if name.endswith(".html")}


def test_every_generated_page_is_valid_html5(tmp_path):
    show = pages_show(tmp_path, count=5, per_page=2)
    (show / "media/0002.vtt").write_text("WEBVTT\n\n00:00.000 --> 00:02.000\n<v Host>Hello & welcome\n")
    out = tmp_path / "public"
    assert build(show, out) == 0
    pages = sorted(out.rglob("*.html"))
    assert [p.relative_to(out).as_posix() for p in pages] == [
        "0001-ep/index.html", "0002-ep/index.html", "0003-ep/index.html", "0004-ep/index.html",
        "0005-ep/index.html", "index.html", "page/2/index.html", "page/3/index.html"]
    for page in pages + sorted(GOLDEN.rglob("*.html")):
        parse_html(page.read_bytes(), str(page))
    episode = (out / "0002-ep/index.html").read_text()
    assert "<summary>Transcript</summary>\n<p>Host: Hello &amp; welcome</p>" in episode
    assert '<link rel="alternate" type="application/rss+xml" title="Fixture Show" ' \
           f'href="{BASE_URL}feed.xml">' in episode
    assert '<a rel="prev" href="../0001-ep/"><span>Older</span> Episode 0001</a>' in episode
    assert '<a rel="next" href="../0003-ep/"><span>Newer</span> Episode 0003</a>' in episode
    home = (out / "index.html").read_text()
    assert '<a rel="next" href="page/2/">Older episodes</a>' in home
    assert '<a rel="prev" href="../../page/2/">Newer episodes</a>' in (out / "page/3/index.html").read_text()
    assert (out / "style.css").read_bytes().startswith(b"/* feedtool's pages")


def test_the_feed_links_each_item_to_its_page_and_the_channel_to_the_home_page(tmp_path):
    show = pages_show(tmp_path, count=1, link="")
    make_episode(show, "0002-Легіон & co.md", audio="media/0002.mp3", number="2", date="2024-02-01T08:00:00+00:00")
    make_episode(show, "0003-own.md", audio="media/0003.mp3", number="3",
                 link="https://www.feedtool-fixtures.net/own", date="2024-03-01T08:00:00+00:00")
    out = tmp_path / "public"
    assert build(show, out) == 0
    channel = etree.parse(str(out / "feed.xml")).find("channel")
    assert channel.findtext("link") == BASE_URL  # no website of its own: the home page, never the feed
    assert channel.find("image").findtext("link") == BASE_URL
    links = [item.findtext("link") for item in channel.findall("item")]
    assert links == ["https://www.feedtool-fixtures.net/own",
                     BASE_URL + "0002-%D0%9B%D0%B5%D0%B3%D1%96%D0%BE%D0%BD%20%26%20co/",
                     BASE_URL + "0001-ep/"]
    assert (out / "0002-Легіон & co/index.html").is_file()
    assert 'href="0002-%D0%9B%D0%B5%D0%B3%D1%96%D0%BE%D0%BD%20%26%20co/"' in (out / "index.html").read_text()


def test_hostile_notes_are_inert_on_the_page(tmp_path):
    show = pages_show(tmp_path, count=1)
    hostile = (
        "Hello <script>alert(1)</script> <img src=x onerror=alert(2)> <iframe src=\"https://evil.test/\"></iframe>\n\n"
        "[click](javascript:alert(3)) <a href=\"javascript:alert(4)\" onclick=\"alert(5)\">x</a> "
        "<svg onload=alert(6)></svg> <style>body{display:none}</style> <object data=x></object>\n\n"
        "<!--feedtool:neighbours--> </main><script>alert(7)</script>"
    )
    add_episode(show, 2, notes=hostile, title="<script>alert(8)</script>",
                chapters=[{"start": "0", "title": "<b onmouseover=alert(9)>c</b>", "url": "https://x.org/\"><x"}])
    out = tmp_path / "public"
    assert build(show, out) == 0
    for name in ("0002-ep/index.html", "index.html", "0001-ep/index.html"):
        document = parse_html((out / name).read_bytes(), name)
        scripts = []
        for element in document.iter():
            tag = element.tag.replace(XHTML, "") if isinstance(element.tag, str) else ""
            assert tag not in ("iframe", "object", "embed", "svg", "style", "img") or tag == "img" and \
                element.get("src", "").startswith(BASE_URL), f"{name}: <{tag}> from the notes"
            for attribute, value in element.attrib.items():
                assert not attribute.lower().startswith("on"), f"{name}: {attribute}= on <{tag}>"
                assert not value.strip().lower().startswith("javascript:"), f"{name}: {value}"
            if tag == "script":
                scripts.append(element)
        # only the page's own scripts: the JSON-LD, and the chapter or copy-button lines
        assert [s.get("type") for s in scripts] == ["application/ld+json", None]
        data, code = scripts[0].text, scripts[1].text
        assert "<" not in data and json.loads(data)["@context"] == "https://schema.org"  # cannot end the element
        assert "alert" not in code
    page = (out / "0002-ep/index.html").read_text()
    assert "&lt;script&gt;alert(8)&lt;/script&gt;" in page and "&lt;b onmouseover=alert(9)&gt;c&lt;/b&gt;" in page
    assert page.count('<nav class="neighbours"') == 1  # the marker in the notes did not become a second place


def test_a_show_folder_template_replaces_the_built_in_one_by_name(tmp_path):
    show = pages_show(tmp_path, count=2)
    (show / "templates").mkdir()
    (show / "templates/neighbours.html").write_text(
        '<nav class="mine">{% if previous %}<a href="{{ href(previous.page_path) }}">back</a>{% endif %}</nav>\n')
    (show / "templates/style.css").write_text("body { color: red; }\n")
    out = tmp_path / "public"
    assert build(show, out) == 0
    assert '<nav class="mine"><a href="../0001-ep/">back</a></nav>' in (out / "0002-ep/index.html").read_text()
    assert (out / "style.css").read_text() == "body { color: red; }\n"
    assert "<title>Fixture Show</title>" in (out / "index.html").read_text()  # the others stay built in
    # a changed template is a changed build: every page is rendered with it, the cache notwithstanding
    (show / "templates/neighbours.html").write_text('<nav class="other"></nav>\n')
    assert build(show, out) == 0
    assert '<nav class="other"></nav>' in (out / "0001-ep/index.html").read_text()


@pytest.mark.parametrize("name, text, message", [
    ("episode.html", '{% extends "base.html" %}\n{% block main %}\n{% if %}\n{% endblock %}\n',
     "episode.html:3: Expected an expression, got 'end of statement block' (fix the template)"),
    ("neighbours.html", "<nav>\n{{ previous.titel }}\n</nav>\n",
     "neighbours.html:2: 'feedtool.model.EpisodeSummary object' has no attribute 'titel' (fix the template)"),
    ("episode.html", '{% extends "base.html" %}\n{% block main %}{{ neighbours }}{{ neighbours }}{% endblock %}\n',
     "episode.html: {{ neighbours }} is used twice (use it once)"),
])
def test_a_template_error_names_the_template_and_line_and_writes_nothing(tmp_path, capsys, name, text, message):
    show = pages_show(tmp_path, count=2)
    out = tmp_path / "public"
    assert build(show, out) == 0
    before = tree_of(out)
    (show / "templates").mkdir()
    (show / "templates" / name).write_text(text)
    capsys.readouterr()
    assert build(show, out) == 1
    err = capsys.readouterr().err
    assert f"{show / 'templates' / name}{message.removeprefix(name)}" in err, err
    assert "Traceback" not in err
    assert tree_of(out) == before


def test_a_warm_rebuild_writes_the_changed_page_its_neighbours_and_the_index(tmp_path):
    show = pages_show(tmp_path, count=6, per_page=2)
    out = tmp_path / "public"
    config = load_config(show)
    run(config, BuildOptions(out_dir=out))
    report, _ = run(config, BuildOptions(out_dir=out))
    assert report.written == () and report.rebuilt == 0  # nothing changed: nothing written
    stamps = {p: p.stat().st_mtime_ns for p in out.rglob("*.html")}

    add_episode(show, 3, title="Third, renamed")
    report, _ = run(config, BuildOptions(out_dir=out))
    assert report.rebuilt == 1
    # episode 3 is on the home page's second page (6, 5 | 4, 3 | 2, 1)
    assert written_pages(report) == {"0003-ep/index.html", "0002-ep/index.html", "0004-ep/index.html",
                                     "page/2/index.html"}
    assert all(p.stat().st_mtime_ns == stamp for p, stamp in stamps.items()
               if p.relative_to(out).as_posix() not in written_pages(report))
    assert "Third, renamed" in (out / "0004-ep/index.html").read_text()

    add_episode(show, 4, notes="Only the notes changed.")  # neither the title nor the place: the links stay
    report, _ = run(config, BuildOptions(out_dir=out))
    assert written_pages(report) == {"0004-ep/index.html", "page/2/index.html"}  # its summary on the index

    cold = tmp_path / "cold"
    run(config, BuildOptions(out_dir=cold, use_cache=False))
    assert tree_of(out) == tree_of(cold)


def test_new_and_removed_episodes_update_neighbours_and_index_pages(tmp_path):
    show = pages_show(tmp_path, count=3, per_page=2)
    out = tmp_path / "public"
    config = load_config(show)
    run(config, BuildOptions(out_dir=out))
    add_episode(show, 4)
    report, _ = run(config, BuildOptions(out_dir=out))
    assert written_pages(report) == {"0004-ep/index.html", "0003-ep/index.html", "index.html",
                                     "page/2/index.html"}
    assert '<a rel="next" href="../0004-ep/">' in (out / "0003-ep/index.html").read_text()

    (show / "0002-ep.md").unlink()
    (show / "0001-ep.md").unlink()
    report, _ = run(config, BuildOptions(out_dir=out))
    assert not (out / "0002-ep").exists() and not (out / "0001-ep").exists() and not (out / "page").exists()
    assert {"0002-ep/index.html", "0001-ep/index.html", "page/2/index.html"} <= set(report.written)
    assert '<a rel="prev"' not in (out / "0003-ep/index.html").read_text()

    cold = tmp_path / "cold"
    run(config, BuildOptions(out_dir=cold, use_cache=False))
    assert tree_of(out) == tree_of(cold)


def test_a_page_folder_a_killed_removal_left_empty_goes_with_the_next_build(tmp_path):
    show = pages_show(tmp_path, count=2)
    out = tmp_path / "public"
    assert build(show, out) == 0
    (show / "0001-ep.md").unlink()
    (out / "0001-ep/index.html").unlink()  # where a build killed inside its rmtree stops
    assert build(show, out) == 0
    assert not (out / "0001-ep").exists()


def test_a_deleted_page_is_written_again(tmp_path):
    show = pages_show(tmp_path, count=2)
    out = tmp_path / "public"
    assert build(show, out) == 0
    before = tree_of(out)
    shutil.rmtree(out / "0001-ep")
    (out / "index.html").unlink()
    assert build(show, out) == 0
    assert tree_of(out) == before


def test_pages_can_be_switched_off(tmp_path):
    show = pages_show(tmp_path, count=2, link="")
    out = tmp_path / "public"
    assert build(show, out) == 0
    assert (out / "0001-ep/index.html").exists()
    with open(show / "show.toml", "a") as config:
        config.write("\n[site]\nenabled = false\n")
    assert build(show, out) == 0
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == [
        "chapters/0001-ep.json", "chapters/0002-ep.json", "feed.xml"]
    channel = etree.parse(str(out / "feed.xml")).find("channel")
    assert [item.findtext("link") for item in channel.findall("item")] == [None, None]
    assert channel.findtext("link") == BASE_URL  # where the show is published; never the feed's own URL


def test_subscribe_links_come_only_from_the_config(tmp_path, capsys):
    show = pages_show(tmp_path, count=1)
    with open(show / "show.toml", "a") as config:
        config.write('\n[site]\napple_podcasts = "https://podcasts.apple.com/podcast/id177"\nspotify = "spotify:x"\n')
    assert run_cli("build", show, "--out", tmp_path / "public") == 1
    assert "site.spotify: 'spotify:x' is not an http(s) URL" in capsys.readouterr().err
    write_config(show, extra='\n[site]\napple_podcasts = "https://podcasts.apple.com/podcast/id177"\n')
    assert run_cli("build", show, "--out", tmp_path / "public") == 0
    home = (tmp_path / "public/index.html").read_text()
    assert '<li><a href="https://podcasts.apple.com/podcast/id177">Apple Podcasts</a></li>' in home
    assert "Spotify" not in home and "Overcast" not in home


def test_a_serial_lists_its_episodes_from_the_first_and_page_names_are_reserved(tmp_path, capsys):
    show = pages_show(tmp_path, count=3, type="serial")
    out = tmp_path / "public"
    assert build(show, out) == 0
    home = (out / "index.html").read_text()
    assert home.index('href="0001-ep/"') < home.index('href="0002-ep/"') < home.index('href="0003-ep/"')
    make_episode(show, "page.md", audio="media/0001.mp3", make_audio=False, number="9")
    assert build(show, out) == 1
    assert "page.md: the file name 'page' is taken by the output folder's own files (rename the episode file" \
        in capsys.readouterr().err
