"""Server checks against real HTTP servers on 127.0.0.1: one that behaves, and ones that do not."""

from __future__ import annotations

import socket
import threading
from datetime import UTC, datetime

import pytest
from check_feeds import FEED, HOST
from conftest import build, cover_jpeg, make_episode, run_cli, write_config
from werkzeug.wrappers import Response

from feedtool import __version__
from feedtool.check.run import check_target
from feedtool.check.server import Target, check_server
from feedtool.read.episodes import display_path

MEDIA = bytes(range(256)) * 48 + bytes(57)  # 12345 bytes, the length the fixture feed gives every enclosure
assert len(MEDIA) == 12345


def serve(data: bytes, mime: str, *, ranges: bool = True, validators: bool = True):
    """A handler that answers like a good static file server: HEAD, byte ranges, ETag, conditional GET."""
    def handler(request):
        response = Response(data, mimetype=mime)
        if validators:
            response.add_etag()
            response.last_modified = datetime(2024, 3, 1, tzinfo=UTC)
        return response.make_conditional(request, accept_ranges=ranges, complete_length=len(data) if ranges else None)
    return handler


def publish(httpserver, media=None, cover: bytes | None = None, feed_handler=None) -> str:
    """The fixture feed, its artwork and its three enclosures on the local server; returns the feed URL."""
    base = httpserver.url_for("/show/")
    feed = FEED.replace(HOST, base).encode()
    httpserver.expect_request("/show/feed.xml").respond_with_handler(
        feed_handler or serve(feed, "application/rss+xml"))
    httpserver.expect_request("/show/cover.jpg").respond_with_handler(serve(cover or cover_jpeg(), "image/jpeg"))
    for n in (1, 2, 3):
        httpserver.expect_request(f"/show/media/{n}.mp3").respond_with_handler(media or serve(MEDIA, "audio/mpeg"))
    return base + "feed.xml"


def server_findings(url: str, **kw) -> list[str]:
    return [f"{f.rule} {f}" for f in check_target(url, timeout=5, **kw).findings if f.rule.startswith("server/")]


def test_a_well_behaved_server_passes_every_server_check(httpserver):
    url = publish(httpserver)
    assert server_findings(url) == []  # its plain http is apple/https's, said once where the feed names it
    agents = {request.headers.get("User-Agent") for request, _ in httpserver.log}
    assert agents == {f"feedtool/{__version__}"}
    methods = {(request.method, request.headers.get("Range")) for request, _ in httpserver.log
               if request.path == "/show/media/3.mp3"}
    assert methods == {("HEAD", None), ("GET", "bytes=0-1")}


def test_a_server_without_byte_ranges(httpserver):
    url = publish(httpserver, media=serve(MEDIA, "audio/mpeg", ranges=False))
    base = httpserver.url_for("/show/")
    assert f"server/range /rss/channel/item[1]/enclosure/@url: {base}media/3.mp3: answers 200 to a byte-range " \
           "request, not 206 (enable byte-range requests on the server; Apple requires them)" in server_findings(url)


def test_a_file_whose_size_is_not_the_enclosure_length(httpserver):
    url = publish(httpserver, media=serve(MEDIA[:100], "audio/mpeg"))
    found = [f for f in server_findings(url) if "item[1]" in f]
    base = httpserver.url_for("/show/")
    assert found == [
        (f"server/length /rss/channel/item[1]/enclosure/@url: {base}media/3.mp3: Content-Length says 100 bytes, "
        "the feed says 12345 (upload the file again, or fix the enclosure length)"),
        (f"server/length /rss/channel/item[1]/enclosure/@url: {base}media/3.mp3: Content-Range says 100 bytes, "
        "the feed says 12345 (upload the file again, or fix the enclosure length)")]


def test_a_wrong_content_type(httpserver):
    url = publish(httpserver, media=serve(MEDIA, "text/html"))
    assert any(f.startswith("server/type ") and "served as text/html, not audio/mpeg" in f
               for f in server_findings(url))


def test_redirect_chains_and_loops(httpserver):
    httpserver.expect_request("/media/3.mp3").respond_with_handler(serve(MEDIA, "audio/mpeg"))
    for source, status, target in (("/a", 302, "/b"), ("/b", 307, "/c"), ("/c", 301, "/media/3.mp3"),
                                   ("/loop", 302, "/loop")):
        httpserver.expect_request(source).respond_with_response(
            Response(status=status, headers={"Location": httpserver.url_for(target)}))
    targets = [Target(httpserver.url_for("/a"), "here", "media", len(MEDIA), "audio/mpeg"),
               Target(httpserver.url_for("/loop"), "there", "media", len(MEDIA), "audio/mpeg")]
    found = [str(f) for f in check_server(targets, timeout=5) if f.rule in ("server/redirects", "server/unreachable")]
    assert found == [
        (f"here: {httpserver.url_for('/a')}: redirects with 302, 307 (temporary) "
        "(point the feed at the final URL, or redirect with 301/308)"),
        f"here: {httpserver.url_for('/a')}: takes 3 redirects (keep it to 2 at most; apps give up on long chains)",
        (f"there: {httpserver.url_for('/loop')}: HEAD failed: more than 5 redirects "
        "(check that the URL is public and the server is up)")]


def test_head_refused_and_a_missing_file(httpserver):
    def no_head(request):
        return Response(status=405) if request.method == "HEAD" else serve(MEDIA, "audio/mpeg")(request)
    httpserver.expect_request("/no-head.mp3").respond_with_handler(no_head)
    httpserver.expect_request("/gone.mp3").respond_with_response(Response("not here", status=404))
    targets = [Target(httpserver.url_for("/no-head.mp3"), "a", "media", len(MEDIA), "audio/mpeg"),
               Target(httpserver.url_for("/gone.mp3"), "b", "media", len(MEDIA), "audio/mpeg")]
    found = [(f.rule, f.message.split(": ", 1)[1]) for f in check_server(targets, timeout=5)
             if f.rule != "server/https"]
    assert found == [("server/head", "HEAD answers 405"), ("server/status", "HEAD answers 404"),
                     ("server/status", "GET answers 404")]


def test_a_feed_without_validators_or_304(httpserver):
    feed = FEED.replace(HOST, httpserver.url_for("/show/")).encode()
    url = publish(httpserver, feed_handler=serve(feed, "application/rss+xml", validators=False))
    assert [f for f in server_findings(url) if f.startswith("server/cache")] == [
        (f"server/cache-headers {url}: {url}: sends no ETag or Last-Modified (enable them, so apps can ask whether "
        "the feed changed instead of downloading it)")]
    httpserver.clear()

    def always_200(request):
        return Response(feed, mimetype="text/html", headers={"ETag": '"v1"'})
    url = publish(httpserver, feed_handler=always_200)
    found = server_findings(url)
    assert f"server/conditional {url}: {url}: answers a conditional GET with 200, not 304 (let the server answer " \
           "If-None-Match / If-Modified-Since with 304 Not Modified)" in found
    assert any(f.startswith("server/type ") and "served as text/html, not application/rss+xml" in f for f in found)


def test_artwork_is_read_from_the_server(httpserver):
    url = publish(httpserver, cover=cover_jpeg(size=1000))
    found = [str(f) for f in check_target(url, timeout=5).findings if f.rule == "apple/artwork-size"]
    assert found == ["/rss/channel/itunes:image/@href: is 1000×1000 px (Apple takes 1400×1400 to 3000×3000 px)"]


def test_sample_checks_the_newest_episodes_only(httpserver):
    url = publish(httpserver)
    check_target(url, timeout=5, sample=1)
    assert {r.path for r, _ in httpserver.log if r.path.startswith("/show/media/")} == {"/show/media/3.mp3"}


@pytest.fixture
def silent_server():
    """A socket that accepts connections and never says a word."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.1)
    held, stop = [], threading.Event()

    def accept():
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue
    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join()
    for connection in held:
        connection.close()
    listener.close()


def test_a_server_that_never_answers_does_not_hang_the_command(silent_server, capsys):
    outcome = {}
    command = threading.Thread(target=lambda: outcome.update(
        code=run_cli("check", f"{silent_server}/feed.xml", "--timeout", "0.5")), daemon=True)
    command.start()
    command.join(120)  # a hang guard, not a timing assertion: the timeout is 0.5 s and one retry
    assert not command.is_alive()
    assert outcome["code"] == 1
    assert capsys.readouterr().out.splitlines()[1] == (
        f"  error: {silent_server}/feed.xml: GET failed: no answer within 0.5 s "
        "(check that the URL is public and the server is up) [server/unreachable]")


def test_a_show_folder_online(httpserver, tmp_path, capsys):
    show = tmp_path / "show"
    write_config(show, feed={"base_url": httpserver.url_for("/show/")})
    episode = make_episode(show)
    out = tmp_path / "public"
    assert build(show, out) == 0
    files = {"feed.xml": (out / "feed.xml", "application/rss+xml"), "cover.jpg": (show / "cover.jpg", "image/jpeg"),
             "media/0001-first.mp3": (show / "media/0001-first.mp3", "audio/mpeg")}
    for name, (path, mime) in files.items():
        handler = serve(path.read_bytes(), mime, ranges=name != "media/0001-first.mp3")
        httpserver.expect_request(f"/show/{name}").respond_with_handler(handler)
    capsys.readouterr()
    assert run_cli("check", show, "--online", "--timeout", "5") == 1
    media = httpserver.url_for("/show/media/0001-first.mp3")
    lines = capsys.readouterr().out.splitlines()
    group = lines.index(display_path(episode))  # findings are grouped under the episode file
    assert lines[group + 1:] == [
        (f"  error: audio: {media}: answers 200 to a byte-range request, not 206 (enable byte-range requests on "
        "the server; Apple requires them) [server/range]"),
        f"checked {show}: 1 episode; 1 error, 1 warning, 0 notes"]  # plain http on loopback: a preview, not news


def test_a_redirect_from_https_to_http_is_named_and_plain_http_left_to_apple_https():
    import requests

    from feedtool.check.server import Fetched, _answered
    secure = Target("https://media.feedtool-fixtures.net/a.mp3", "here", "media")
    assert _answered(secure, Fetched(secure.url, requests.Response()), "HEAD") == []
    plain = Target("http://media.feedtool-fixtures.net/a.mp3", "here", "media")
    assert _answered(plain, Fetched(plain.url, requests.Response()), "HEAD") == []
    downgraded = Fetched("http://cdn.feedtool-fixtures.net/a.mp3", requests.Response(), hops=[(301, secure.url)])
    assert [str(f) for f in _answered(secure, downgraded, "HEAD")] == [
        ("here: https://media.feedtool-fixtures.net/a.mp3: redirects to http (http://cdn.feedtool-fixtures.net/a.mp3) "
         "(keep every redirect on https; Apple and iOS apps expect it)")]
