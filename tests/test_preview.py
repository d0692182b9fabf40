"""feedtool preview: started by the test on a free loopback port (in a thread, and once as the real command in a
subprocess), fetched with requests as a podcast app or browser would, and stopped by the test."""

from __future__ import annotations

import gzip
import io
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import feedparser
import podcastparser
import pytest
import requests
from servers import running_preview as running
from servers import subprocess_env

from feedtool.build.pipeline import Report
from feedtool.check.run import check_target
from feedtool.serve import Event

SHOW = Path(__file__).parent.parent / "episodes"
AUDIO = "media/0177-ukraine-foreign-legion.mp3"
PAGE = "0177-ukraine-foreign-legion/"
IDENTITY = {"Accept-Encoding": "identity"}


@pytest.fixture
def show(tmp_path) -> Path:
    copy = tmp_path / "episodes"
    shutil.copytree(SHOW, copy, ignore=shutil.ignore_patterns(".feedtool"))
    (copy / "media/0177-ukraine-foreign-legion.vtt").write_text(
        "WEBVTT\n\n00:00.000 --> 00:05.000\nThe International Legion of Territorial Defense\n", "utf-8")
    return copy


def test_byte_ranges_head_and_conditional_requests(show):
    audio = (show / AUDIO).read_bytes()
    size = len(audio)
    with running(show) as server:
        whole = server.get(AUDIO)
        assert whole.status_code == 200 and whole.content == audio
        assert whole.headers["Accept-Ranges"] == "bytes" and whole.headers["Content-Type"] == "audio/mpeg"
        for header, start, end in (("bytes=0-99", 0, 99), ("bytes=1000-1999", 1000, 1999),
                                   ("bytes=-500", size - 500, size - 1), (f"bytes={size - 10}-", size - 10, size - 1)):
            part = server.get(AUDIO, headers={"Range": header})
            assert part.status_code == 206, header
            assert part.headers["Content-Range"] == f"bytes {start}-{end}/{size}"
            assert part.content == audio[start : end + 1]
        refused = server.get(AUDIO, headers={"Range": f"bytes={size + 10}-{size + 20}"})
        assert refused.status_code == 416 and refused.headers["Content-Range"] == f"bytes */{size}"

        head = requests.head(server.url + AUDIO, timeout=10)
        assert head.status_code == 200 and head.content == b""
        assert head.headers["Content-Length"] == str(size) and head.headers["ETag"] == whole.headers["ETag"]

        for path in (AUDIO, "feed.xml", PAGE):
            first = server.get(path, headers=IDENTITY)
            assert first.headers["ETag"] and first.headers["Last-Modified"]
            again = server.get(path, headers={**IDENTITY, "If-None-Match": first.headers["ETag"]})
            assert again.status_code == 304 and again.content == b""
            since = server.get(path, headers={**IDENTITY, "If-Modified-Since": first.headers["Last-Modified"]})
            assert since.status_code == 304
            zipped = server.get(path, headers={"Accept-Encoding": "gzip"})
            if path == AUDIO:
                assert "Content-Encoding" not in zipped.headers
            else:
                assert zipped.headers["Content-Encoding"] == "gzip" and zipped.content == first.content
                assert "Accept-Encoding" in zipped.headers["Vary"]
                raw = requests.get(server.url + path, headers={"Accept-Encoding": "gzip"}, stream=True, timeout=10)
                assert gzip.decompress(raw.raw.read()) == first.content
                assert server.get(path, headers={"Accept-Encoding": "gzip",
                                                 "If-None-Match": zipped.headers["ETag"]}).status_code == 304


def test_a_client_refusing_gzip_and_asking_several_ranges_gets_what_it_can_read(show):
    audio = (show / AUDIO).read_bytes()
    with running(show) as server:
        for refusal in ("gzip;q=0", "identity, gzip;q=0", "*;q=0, identity"):  # RFC 9110 12.5.3: q=0 is "not this"
            response = requests.get(server.url + "feed.xml", headers={"Accept-Encoding": refusal}, stream=True,
                                    timeout=10)
            assert "Content-Encoding" not in response.headers, refusal
            assert response.raw.read().startswith(b"<?xml"), refusal
        # several ranges, which werkzeug cannot answer in one multipart response: the whole file (RFC 9110 14.2
        # lets a server ignore Range), not 416, which says none of them is in the file
        several = server.get(AUDIO, headers={"Range": "bytes=0-1,5-6"})
        assert several.status_code == 200 and several.content == audio
        none = server.get(AUDIO, headers={"Range": "bytes=-0"})  # the last 0 bytes: no byte at all (RFC 9110 14.1.3)
        assert none.status_code == 416 and none.headers["Content-Range"] == f"bytes */{len(audio)}"


def test_every_response_has_one_date_header(show):
    # werkzeug's make_conditional sets Date and its server sends another: two Date fields, a singleton field
    with running(show) as server:
        for path, headers in ((AUDIO, {"Range": "bytes=0-3"}), (AUDIO, IDENTITY), ("feed.xml", {}), (PAGE, IDENTITY),
                              ("nothing.html", {})):
            dates = server.get(path, headers=headers).raw.headers.getlist("Date")
            assert len(dates) == 1, (path, dates)


def test_every_file_has_its_content_type_and_nothing_else_is_served(show):
    with running(show) as server:
        types = {
            "": "text/html; charset=utf-8",
            PAGE: "text/html; charset=utf-8",
            "feed.xml": "application/rss+xml; charset=utf-8",
            "chapters/0177-ukraine-foreign-legion.json": "application/json+chapters",
            "style.css": "text/css; charset=utf-8",
            "cover.jpg": "image/jpeg",
            AUDIO: "audio/mpeg",
            "media/0177-ukraine-foreign-legion.vtt": "text/vtt; charset=utf-8",
        }
        for path, kind in types.items():
            response = server.get(path)
            assert response.status_code == 200, path
            assert response.headers["Content-Type"] == kind, path
        for path in ("show.toml", "0177-ukraine-foreign-legion.md", ".feedtool/preview/feed.xml", "media/",
                     "templates/", "%2e%2e/episodes/show.toml", "media/../show.toml", "nothing.html"):
            assert server.get(path).status_code == 404, path
        moved = server.get(PAGE.rstrip("/"), allow_redirects=False)
        assert moved.status_code in (301, 308) and moved.headers["Location"].endswith("/" + PAGE)
        assert requests.post(server.url + "feed.xml", timeout=10).status_code == 405


def test_the_preview_feed_passes_check_and_the_parsers_and_show_toml_is_untouched(show):
    config_before = (show / "show.toml").read_bytes()
    with running(show) as server:
        feed = server.get("feed.xml").content
        result = check_target(server.url + "feed.xml", timeout=5)  # the server's own rules too: ranges, 304...
        errors = [f for f in result.findings if f.is_error]
        assert errors == [], errors
        assert feedparser.parse(feed).bozo == 0
        parsed = podcastparser.parse(server.url + "feed.xml", io.BytesIO(feed))
        (episode,) = parsed["episodes"]
        assert episode["link"] == server.url + PAGE
        assert episode["enclosures"][0]["url"] == server.url + AUDIO
        assert parsed["link"] == server.url
        page = server.get(PAGE).text
        assert f'<audio id="player" controls preload="metadata" src="{server.url}{AUDIO}">' in page
    assert (show / "show.toml").read_bytes() == config_before  # no podcast:guid recorded for the preview's address
    assert not (show.parent / "public").exists()


def test_a_changed_episode_file_shows_up_in_the_served_feed(show):
    episode = show / "0177-ukraine-foreign-legion.md"
    with running(show) as server:
        episode.write_text(episode.read_text().replace("Fight for Freedom", "Fight for Freedom (corrected)"))
        changed = server.next("changed")
        assert changed.paths == ("0177-ukraine-foreign-legion.md",)
        built = server.next("built")
        assert built.report.rebuilt == 1 and "feed.xml" in built.report.written
        assert "Fight for Freedom (corrected)</title>" in server.get("feed.xml").text
        assert "Fight for Freedom (corrected)</h1>" in server.get(PAGE).text

        good = server.get("feed.xml").content
        episode.write_text(episode.read_text().replace("date: 2022-03-06", "date: 2022-13-06"))
        failed = server.next("failed")
        errors = [str(f) for f in failed.findings if f.is_error]  # the warnings come along (issue 11, item 11)
        assert len(errors) == 1 and "date: '2022-13-06T12:00:00+02:00' is not a date" in errors[0]
        assert server.get("feed.xml").content == good  # the last good version stays served

        make_new = (show / "0178-next.md")
        make_new.write_text(episode.read_text().replace("date: 2022-13-06", "date: 2022-03-07").replace(
            "number: 177", "number: 178").replace("guid: d277c128-c275-4985-9777-0abc2bc82cbc\n", "").replace(
            "audio: media/0177-ukraine-foreign-legion.mp3", "audio: media/0178.mp3"))
        shutil.copyfile(show / AUDIO, show / "media/0178.mp3")
        episode.write_text(episode.read_text().replace("date: 2022-13-06", "date: 2022-03-06"))
        built = server.next("built")
        assert built.report.episodes == 2 and built.report.pinned == (str(make_new),)
        assert "guid: " in make_new.read_text()  # the new episode's GUID is recorded, as by any build
        assert "0178-next/" in server.get("").text
        with pytest.raises(AssertionError, match="no .* event"):
            server.next("changed", timeout=1)  # the GUID written by the build is not a change to build again


def test_the_preview_command_prints_its_addresses_and_stops_on_ctrl_c(show):
    process = subprocess.Popen([sys.executable, "-m", "feedtool", "preview", str(show), "--port", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=subprocess_env())
    try:
        lines = [process.stdout.readline() for _ in range(3)]
        assert lines[0].startswith("built 1 episode (1 episode file read afresh): wrote ")
        home = re.fullmatch(r"serving (http://127\.0\.0\.1:\d+/)  \(Ctrl-C stops it\)\n", lines[1]).group(1)
        assert lines[2] == f"feed for your podcast app: {home}feed.xml\n"
        assert requests.get(home + "feed.xml", timeout=10).status_code == 200
    finally:
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
    assert process.returncode == 130
    assert err == "interrupted\n"
    assert os.listdir(show / ".feedtool/preview")


def test_a_port_in_use_is_a_usage_error(show, capsys):
    from conftest import run_cli

    with running(show) as server:
        port = server.url.rsplit(":", 1)[1].rstrip("/")
        assert run_cli("preview", show, "--port", port) == 2
    assert f"error: 127.0.0.1:{port}: cannot listen there: Address already in use (pass another --port, or --port 0)" \
        in capsys.readouterr().err


def test_the_preview_address_is_one_an_app_can_reach():
    from feedtool.serve import preview_url

    assert preview_url("127.0.0.1", 8000) == "http://127.0.0.1:8000/"
    assert preview_url("::1", 8000) == "http://[::1]:8000/"
    lan = preview_url("0.0.0.0", 8000)  # every interface: the machine's own address, never 0.0.0.0
    assert re.fullmatch(r"http://\d+\.\d+\.\d+\.\d+:8000/", lan) and "0.0.0.0" not in lan


def test_the_built_line_counts_scheduled_episodes_apart():
    report = Report(feed_path=Path("feed.xml"), episodes=4, total_duration=0, rebuilt=5, written=("feed.xml",),
                    warnings=(), scheduled=("one",))
    assert Event("built", report=report).lines() == ["built 4 episodes, 1 scheduled (5 episode files read afresh): "
                                                     "wrote feed.xml"]
