"""The quick URL pieces against urllib and pathlib: the same answers on random URLs and paths; and every URL a
build writes percent-encoded, fetching its file from the published folder byte for byte."""

from __future__ import annotations

import io
import json
import random
from pathlib import PurePosixPath
from urllib.parse import urlsplit

import feedparser
import podcastparser
import requests
from conftest import cover_jpeg, make_episode, make_mp3, run_cli, write_config
from lxml import etree
from servers import publish_table, serve_folder

from feedtool.render.ext import ITUNES_NS, PODCAST_NS
from feedtool.urls import decode_path, path_suffix, split_url, unencoded

PIECES = ["https://", "http://", "HTTP://", "ftp://", "//", "x.org", "cdn.example.org", "a-b.c", "[::1]", ":8080",
          "user@", "/", "/media/", "ep.mp3", ".mp3", "..", ".", "?", "#", "&", "=", "q", " ", "\t", "\n", "é", "%20",
          "\\", "javascript:", "mailto:", "\x00", "~", ";"]


def test_split_url_is_urlsplit():
    rng = random.Random(177)
    urls = ["https://cdn.example.org/media/0001-a.mp3?x=1#t", "http://x.org", "https://x.org#f?q", "https://x.org?q#f",
            "https://X.Org/A", "https://x.org:443/a", "https://u@x.org/", "https://x.org\t/a", " https://x.org/"]
    urls += ["".join(rng.choice(PIECES) for _ in range(rng.randrange(1, 9))) for _ in range(20000)]
    urls += ["https://" + "".join(rng.choice(PIECES[5:]) for _ in range(rng.randrange(1, 7))) for _ in range(20000)]
    for url in urls:
        try:
            expected = urlsplit(url)
        except ValueError:
            expected = ValueError
        try:
            got = split_url(url)
        except ValueError:
            got = ValueError
        assert got == expected, url
        if got is not ValueError:
            assert got.hostname == expected.hostname, url


def test_path_suffix_is_pathlibs():
    rng = random.Random(177)
    names = ["a", "b.mp3", ".hidden", "x.", "..", ".", "", "c.tar.gz", "d.M4A", "e..f"]
    for _ in range(20000):
        path = "/".join(rng.choice(names) for _ in range(rng.randrange(1, 5)))
        assert path_suffix(path) == PurePosixPath(path).suffix, path


# --- every URL build writes is percent-encoded, and fetches the file it names --------------------------------

ODD_NAMES = ["0001 space.mp3", "0002 Легіон.mp3", "0003 #hash.mp3", "0004 what?.mp3", "0005 100%.mp3",
             "0006 a+b.mp3"]


def odd_show(tmp_path, base_url: str):
    """Episodes whose audio, transcripts, images and chapter images have names that need encoding."""
    show = tmp_path / "show"
    write_config(show, feed={"base_url": base_url}, extra=publish_table(pages=True))
    for n, name in enumerate(ODD_NAMES, start=1):
        make_mp3(show / "media" / name, chapters=[(0, 3, "One"), (3, 6, "Two")] if n == 2 else ())
        front = {}
        if n == 2:
            (show / "media/0002 Легіон.vtt").write_text("WEBVTT\n\n00:00.000 --> 00:02.000\nПривіт\n", "utf-8")
            (show / "art").mkdir()
            (show / "art/обкладинка #2.jpg").write_bytes(cover_jpeg(color=(10, 200, 10)))
            (show / "art/ch ?1.jpg").write_bytes(cover_jpeg(color=(200, 10, 10)))
            front = {"image": "art/обкладинка #2.jpg",
                     "chapters": [{"start": "00:00", "title": "One", "image": "art/ch ?1.jpg"},
                                  {"start": "00:03", "title": "Two"}]}
        make_episode(show, f"000{n}-Епізод {n}#.md", audio=f"media/{name}",
                     date=f"2024-01-0{n}T08:00:00+00:00", **front)
    return show


def test_every_url_is_encoded_and_fetches_its_file_from_the_published_folder(tmp_path, capsys):
    www = tmp_path / "www"
    www.mkdir()
    with serve_folder(www) as base_url:
        show = odd_show(tmp_path, base_url)
        assert run_cli("publish", show, "--out", tmp_path / "public", "--to", www) == 0, capsys.readouterr().err
        data = (www / "feed.xml").read_bytes()
        parsed = feedparser.parse(data)
        assert parsed.bozo == 0, parsed.get("bozo_exception")
        episodes = podcastparser.parse(base_url + "feed.xml", io.BytesIO(data))["episodes"]
        enclosures = {e["enclosures"][0]["url"] for e in episodes}
        assert len(enclosures) == len(ODD_NAMES)
        root = etree.fromstring(data)
        urls = enclosures | {e.get("url") for e in root.iter(f"{{{PODCAST_NS}}}transcript", f"{{{PODCAST_NS}}}chapters")}
        urls |= {e.get("href") for e in root.iter(f"{{{ITUNES_NS}}}image")}
        chapters_url = next(e.get("url") for e in root.iter(f"{{{PODCAST_NS}}}chapters"))
        urls |= {c["img"] for c in json.loads(requests.get(chapters_url, timeout=10).content)["chapters"] if "img" in c}
        assert len(urls) == len(ODD_NAMES) + 5  # transcript, chapters, show and episode artwork, chapter image
        pages = {e["link"] for e in episodes}  # each episode's web page, named after its file: "0002-Епізод 2#/"
        assert len(pages) == len(ODD_NAMES) and all(p.startswith(base_url) for p in pages)
        for page in sorted(pages):
            assert unencoded(page, file=True) is None, page
            relative = decode_path(page[len(base_url):]) + "index.html"
            response = requests.get(page, timeout=10)
            assert response.status_code == 200, page
            assert response.content == (tmp_path / "public" / relative).read_bytes(), page
        for url in sorted(urls):
            assert unencoded(url, file=True) is None, url
            relative = decode_path(url[len(base_url):])
            source = show / relative if (show / relative).is_file() else tmp_path / "public" / relative
            response = requests.get(url, timeout=10)
            assert response.status_code == 200, url
            assert response.content == source.read_bytes(), url
    assert "media/0002%20%D0%9B%D0%B5%D0%B3%D1%96%D0%BE%D0%BD.mp3" in data.decode()
    assert "media/0003%20%23hash.mp3" in data.decode() and "media/0004%20what%3F.mp3" in data.decode()
    assert "media/0005%20100%25.mp3" in data.decode() and "media/0006%20a%2Bb.mp3" in data.decode()


def test_check_reports_no_url_of_such_a_show(tmp_path, capsys):
    show = odd_show(tmp_path, "https://media.feedtool-fixtures.net/show/")
    assert run_cli("check", show) == 0
    assert "safety/url" not in capsys.readouterr().out


def test_unencoded_urls_of_an_older_publish_are_not_called_a_changed_enclosure():
    from feedtool.publish.plan import same_resource
    assert same_resource("https://cdn.feedtool-fixtures.net/media/0177 Легіон.mp3",
                         "https://cdn.feedtool-fixtures.net/media/0177%20%D0%9B%D0%B5%D0%B3%D1%96%D0%BE%D0%BD.mp3")
    assert not same_resource("https://cdn.feedtool-fixtures.net/media/a.mp3",
                             "https://cdn.feedtool-fixtures.net/media/b.mp3")


def test_an_unencoded_base_url_is_named_once_where_it_was_written(tmp_path, capsys):
    show = tmp_path / "show"
    write_config(show, feed={"base_url": "https://média.feedtool-fixtures.net/show/"})
    make_episode(show, "0001-first.md")
    assert run_cli("build", show, "--out", tmp_path / "out") == 1
    errors = [line for line in capsys.readouterr().err.splitlines() if "safety/url" in line or "percent" in line]
    assert errors == [f"error: {show / 'show.toml'}:feed.base_url: 'https://média.feedtool-fixtures.net/show/' has "
                      "characters that are not ASCII, not percent-encoded (percent-encode it (a space is %20, '#' "
                      "%23, '?' %3F); feedtool build encodes the files of the show folder itself)"]
    write_config(show)  # a good base_url in show.toml, a bad one given once on the command line
    assert run_cli("build", show, "--out", tmp_path / "out", "--base-url", "https://x.org/a b/") == 1
    errors = [line for line in capsys.readouterr().err.splitlines() if "percent" in line]
    assert errors == ["error: --base-url: 'https://x.org/a b/' has a space, not percent-encoded (percent-encode it "
                      "(a space is %20, '#' %23, '?' %3F); feedtool build encodes the files of the show folder itself)"]
