"""Audio given as a URL, measured over HTTP (feedtool/read/remote.py) against werkzeug servers on loopback: with
byte ranges, without them, an M4A whose moov box is at the end, a file that changes (new ETag). Durations are
held to the local probe's (the same readers) and to ffprobe's; the requests each case makes are counted."""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import make_episode, make_mp3, run_cli, write_config
from servers import serve_app
from werkzeug.utils import send_file
from werkzeug.wrappers import Request, Response

from feedtool.build.pipeline import BuildOptions, run
from feedtool.errors import AudioError
from feedtool.read.config import load_config
from feedtool.read.probe import probe_audio
from feedtool.read.remote import BLOCK, MeasureCache, measure
from feedtool.timecode import whole_seconds

pytestmark = pytest.mark.skipif(not shutil.which("ffmpeg"), reason="ffmpeg makes the fixtures (scripts/test installs it)")


def ffmpeg(path: Path, *args: str, seconds: int = 30) -> Path:
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}",
                    *args, str(path)], check=True)
    return path


def ffprobe_duration(path: Path) -> float:
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "json", str(path)],
                         check=True, capture_output=True, text=True).stdout
    return float(json.loads(out)["format"]["duration"])


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("media")
    ffmpeg(folder / "plain.mp3", "-c:a", "libmp3lame", "-b:a", "128k")
    ffmpeg(folder / "vbr.mp3", "-c:a", "libmp3lame", "-q:a", "5")
    make_mp3(folder / "tagged.mp3", source=folder / "plain.mp3", title="Tagged", cover=b"\xff\xd8" + bytes(200_000),
             chapters=[(0, 10, "Intro"), (10, 30, "Talk", "https://uacrisis.org/en")])  # a 200 KB tag: two ranges
    ffmpeg(folder / "moov-at-end.m4a", "-c:a", "aac", "-b:a", "96k")
    ffmpeg(folder / "faststart.m4a", "-c:a", "aac", "-b:a", "96k", "-movflags", "+faststart")
    return folder


class Server:
    """Serves a folder; ranges=False answers every GET with 200 and the whole file. Records each request as
    (method, path, Range, If-None-Match) and the bytes each streamed body handed out."""

    def __init__(self, root: Path, ranges: bool = True, conditional: bool = True):
        self.root, self.ranges, self.conditional = root, ranges, conditional
        self.requests: list[tuple[str, str, str | None, str | None]] = []
        self.sent = 0

    def __call__(self, environ, start_response):
        request = Request(environ)
        self.requests.append((request.method, request.path, request.headers.get("Range"),
                              request.headers.get("If-None-Match")))
        path = self.root / request.path.lstrip("/")
        if not path.is_file():
            return Response("not found", 404)(environ, start_response)
        if self.ranges:
            if not self.conditional and not request.headers.get("Range"):  # 200 to If-None-Match, ETag sent
                return send_file(path, environ, conditional=False, etag=True, max_age=None)(environ, start_response)
            return send_file(path, environ, conditional=True, max_age=None)(environ, start_response)
        data = path.read_bytes()

        def body():
            for i in range(0, len(data), 16384):
                self.sent += 16384
                yield data[i : i + 16384]

        response = Response(body(), mimetype="audio/mpeg",
                            headers={"Content-Length": str(len(data)), "ETag": '"fixed"'})
        return response(environ, start_response)


def served(root: Path, ranges: bool = True, conditional: bool = True):
    app = Server(root, ranges, conditional)
    return app, serve_app(app)


@pytest.mark.parametrize("name", ["plain.mp3", "vbr.mp3", "tagged.mp3", "moov-at-end.m4a", "faststart.m4a"])
def test_measured_over_http_as_a_local_file_is_and_as_ffprobe_says(media, name, tmp_path):
    app, server = served(media)
    with server as base:
        info, findings = measure(base + name, name, MeasureCache(tmp_path / "m.sqlite"))
    local = probe_audio(media / name)
    assert findings == []
    assert (info.duration, info.size_bytes, info.mime_type, info.bitrate, info.tags, info.chapters, info.artwork) == \
        (local.duration, local.size_bytes, local.mime_type, local.bitrate, local.tags, local.chapters, local.artwork)
    expected = ffprobe_duration(media / name)
    assert whole_seconds(info.duration) == whole_seconds(expected) and abs(info.duration - expected) < 0.05
    assert app.requests[0][:3] == ("HEAD", f"/{name}", None)
    assert all(method == "GET" and rng for method, _, rng, _ in app.requests[1:])  # only byte ranges
    assert len(app.requests) <= 4


def test_request_counts_cold_then_warm_then_offline(media, tmp_path):
    app, server = served(media)
    cache = MeasureCache(tmp_path / "m.sqlite")
    with server as base:
        measure(base + "plain.mp3", "x", cache)
        # HEAD, the first 64 KiB (tag + first frame), the last bytes for an ID3v1 tag (a suffix range)
        assert [(m, r) for m, _, r, _ in app.requests] == [("HEAD", None), ("GET", f"bytes=0-{BLOCK - 1}"),
                                                          ("GET", f"bytes=-{(media / 'plain.mp3').stat().st_size - 7 * BLOCK}")]
        app.requests.clear()
        again, _ = measure(base + "plain.mp3", "x", cache)
        assert len(app.requests) == 1 and app.requests[0][0] == "HEAD" and app.requests[0][3]  # conditional: 304
        app.requests.clear()
        offline, _ = measure(base + "plain.mp3", "x", cache, offline=True)
        assert app.requests == [] and offline == again


def test_a_server_that_ignores_conditional_requests_is_asked_once_too(media, tmp_path):
    app, server = served(media, conditional=False)
    cache = MeasureCache(tmp_path / "m.sqlite")
    with server as base:
        first, _ = measure(base + "vbr.mp3", "x", cache)
        app.requests.clear()
        again, _ = measure(base + "vbr.mp3", "x", cache)
    assert again == first
    assert [(m, bool(etag)) for m, _, _, etag in app.requests] == [("HEAD", True)]  # 200, the same ETag: kept


def test_moov_at_the_end_is_fetched_with_a_suffix_range(media, tmp_path):
    app, server = served(media)
    size = (media / "moov-at-end.m4a").stat().st_size
    with server as base:
        measure(base + "moov-at-end.m4a", "x", MeasureCache(tmp_path / "m.sqlite"))
    ranges = [r for _, _, r, _ in app.requests if r]
    assert ranges[0] == f"bytes=0-{BLOCK - 1}"
    assert any(r.startswith("bytes=-") and int(r[7:]) < size - BLOCK for r in ranges[1:]), ranges
    assert len(app.requests) == 3  # HEAD, the start, the end with moov


def test_a_changed_file_is_measured_again(media, tmp_path):
    folder = tmp_path / "site"
    folder.mkdir()
    shutil.copy(media / "plain.mp3", folder / "ep.mp3")
    app, server = served(folder)
    cache = MeasureCache(tmp_path / "m.sqlite")
    with server as base:
        first, _ = measure(base + "ep.mp3", "x", cache)
        ffmpeg(folder / "ep.mp3", "-c:a", "libmp3lame", "-b:a", "64k", seconds=12)  # new size, mtime: a new ETag
        app.requests.clear()
        second, _ = measure(base + "ep.mp3", "x", cache)
        assert app.requests[0][0] == "HEAD" and app.requests[0][3]  # asked conditionally, answered 200
        assert len(app.requests) >= 2  # and measured again with ranges
        app.requests.clear()
        third, _ = measure(base + "ep.mp3", "x", cache)
        assert len(app.requests) == 1  # the new ETag is kept: 304
    assert whole_seconds(first.duration) == 30 and whole_seconds(second.duration) == 12 and third == second
    assert abs(second.duration - ffprobe_duration(folder / "ep.mp3")) < 0.05


def test_a_server_without_ranges_is_named_and_read_only_as_far_as_needed(media, tmp_path):
    big = tmp_path / "big"
    big.mkdir()
    ffmpeg(big / "long.mp3", "-c:a", "libmp3lame", "-b:a", "128k", seconds=1200)  # 19 MB
    app, server = served(big, ranges=False)
    with server as base:
        info, findings = measure(base + "long.mp3", "ep.md: audio", MeasureCache(tmp_path / "m.sqlite"))
    assert [f.rule for f in findings] == ["audio/no-ranges"]
    assert "ignores byte ranges (answers 200 with the whole file)" in findings[0].message
    assert info.duration == probe_audio(big / "long.mp3").duration
    assert [m for m, *_ in app.requests] == ["HEAD", "GET"]
    assert app.sent < (big / "long.mp3").stat().st_size / 2  # the connection was dropped early


def test_moov_at_the_end_without_ranges_streams_to_it(media, tmp_path):
    app, server = served(media, ranges=False)
    with server as base:
        info, findings = measure(base + "moov-at-end.m4a", "x", MeasureCache(tmp_path / "m.sqlite"))
    assert info.duration == probe_audio(media / "moov-at-end.m4a").duration
    assert [m for m, *_ in app.requests] == ["HEAD", "GET"]


def test_failures_are_clear(media, tmp_path):
    app, server = served(media)
    cache = MeasureCache(tmp_path / "m.sqlite")
    with server as base:
        with pytest.raises(AudioError, match=r"^ep.md: audio: the server answers 404 \(check the URL"):
            measure(base + "missing.mp3", "ep.md: audio", cache)
        with pytest.raises(AudioError, match=r"never measured, and --offline makes no request"):
            measure(base + "plain.mp3", "ep.md: audio", cache, offline=True)
    assert [m for m, *_ in app.requests] == ["HEAD"]


def test_build_measures_remote_audio_and_warm_builds_ask_once_each(media, tmp_path, capsys):
    app, server = served(media)
    show = tmp_path / "show"
    write_config(show)
    with server as base:
        make_episode(show, "0001-first.md", audio=base + "plain.mp3", make_audio=False)
        make_episode(show, "0002-second.md", audio=base + "moov-at-end.m4a", make_audio=False, duration="31",
                     date="2024-01-02")
        out = tmp_path / "public"
        assert run_cli("build", show, "--out", out) == 0
        err = capsys.readouterr().err
        assert ("0002-second.md: duration: the front matter says 31 s, the file on the server measures "
                "30.0232 s (the front matter wins; correct duration: or remove it to use the measurement)") in err
        feed = (out / "feed.xml").read_text()
        assert f'<enclosure url="{base}plain.mp3" length="{(media / "plain.mp3").stat().st_size}" type="audio/mpeg"/>' \
            in feed
        assert "<itunes:duration>30</itunes:duration>" in feed and "<itunes:duration>31</itunes:duration>" in feed
        app.requests.clear()
        assert run_cli("build", show, "--out", out) == 0
        assert sorted((m, p) for m, p, *_ in app.requests) == [("HEAD", "/moov-at-end.m4a"), ("HEAD", "/plain.mp3")]
        assert all(etag for *_, etag in app.requests)
        app.requests.clear()
        before = (out / "feed.xml").read_bytes()
        assert run_cli("build", show, "--out", out, "--offline") == 0
        assert app.requests == [] and (out / "feed.xml").read_bytes() == before
    capsys.readouterr()
    make_episode(show, "0003-third.md", audio="http://127.0.0.1:9/never.mp3", make_audio=False, date="2024-01-03")
    assert run_cli("build", show, "--out", out, "--offline") == 1
    assert "0003-third.md: audio 'http://127.0.0.1:9/never.mp3': never measured, and --offline makes no request " \
           "(build once without --offline, or give length: and duration: in the front matter)" in capsys.readouterr().err


def test_warm_builds_reuse_remote_items_until_the_server_says_the_file_changed(media, tmp_path):
    folder = tmp_path / "site"
    folder.mkdir()
    for name in ("a.mp3", "b.mp3"):
        shutil.copy(media / "plain.mp3", folder / name)
    app, server = served(folder)
    show = tmp_path / "show"
    write_config(show)
    out = tmp_path / "public"

    def build(offline: bool = False):
        config = load_config(show / "show.toml")
        config = dataclasses.replace(config, build=dataclasses.replace(config.build, offline=offline))
        return run(config, BuildOptions(out_dir=out))[0]

    with server as base:
        make_episode(show, "0001-a.md", audio=base + "a.mp3", make_audio=False)
        make_episode(show, "0002-b.md", audio=base + "b.mp3", make_audio=False, date="2024-01-02")
        assert build().rebuilt == 2
        app.requests.clear()
        assert build().rebuilt == 0  # items copied from the last feed, after one conditional HEAD each (304)
        assert sorted((m, p, bool(etag)) for m, p, _, etag in app.requests) == [("HEAD", "/a.mp3", True),
                                                                               ("HEAD", "/b.mp3", True)]
        app.requests.clear()
        assert build(offline=True).rebuilt == 0 and app.requests == []
        ffmpeg(folder / "b.mp3", "-c:a", "libmp3lame", "-b:a", "64k", seconds=12)  # a new ETag on the server
        report = build()
        assert report.rebuilt == 1  # only the changed one, measured again
        feed = (out / "feed.xml").read_text()
        assert f'url="{base}b.mp3" length="{(folder / "b.mp3").stat().st_size}"' in feed
        assert "<itunes:duration>12</itunes:duration>" in feed and "<itunes:duration>30</itunes:duration>" in feed
    assert build(offline=True).rebuilt == 0  # the server is gone: offline, the last measurements stand
