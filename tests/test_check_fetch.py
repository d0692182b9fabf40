"""check's HTTP client against servers on 127.0.0.1 that misbehave on purpose: one that trickles bytes, one that
redirects where a checker must not go, one whose feed is too large; and the hardened parser's DOCTYPE rule.

No request may leave loopback here: the `loopback_only` guard fails any connection elsewhere, so even a
client without the redirect rule (before the fix) sends nothing to a link-local or private address."""

from __future__ import annotations

import ipaddress
import socket
import threading
import time

import pytest
from check_feeds import FEED
from servers import trickling_server
from werkzeug.wrappers import Response

from feedtool.check import server
from feedtool.check.run import check_target
from feedtool.check.xml import parse_feed


@pytest.fixture(scope="session")
def httpserver_listen_address():
    return ("127.0.0.1", 0)


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch):
    """Fail, without sending a packet, any connection to an address that is not loopback."""
    connect = socket.socket.connect
    tried = []

    def guarded(sock, address):
        host = address[0] if isinstance(address, tuple) else None
        if host is not None and not ipaddress.ip_address(host.split("%")[0]).is_loopback:
            tried.append(host)
            raise ConnectionRefusedError(f"test guard: no connection to {host}")
        return connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    yield tried
    assert tried == [], f"the client tried to connect to {tried}"


def timed(call, budget: float):
    """call() in a thread; its result and the seconds it took, or a failure past `budget` s (a hang guard:
    before the fix, a trickling server held the check for hours)."""
    outcome = {}

    def run():
        started = time.monotonic()
        outcome["result"] = call()
        outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(budget)
    assert not thread.is_alive(), f"still running after {budget} s"
    return outcome["result"], outcome["seconds"]


@pytest.mark.parametrize("headers_too", [False, True], ids=["body", "headers"])
def test_a_trickling_server_is_cut_off_at_the_timeout(headers_too):
    with trickling_server(headers_too=headers_too) as url:
        result, seconds = timed(lambda: check_target(url, timeout=1.0), budget=30)
    # one request and its retry (the headers case), each bounded by the 1 s deadline
    assert seconds < 4
    findings = [f"{f.rule} {f}" for f in result.findings if f.rule != "server/https"]
    if headers_too:
        assert findings == [f"server/unreachable {url}: {url}: GET failed: no answer within 1 s (check that the URL "
                            "is public and the server is up)"]
    else:
        assert findings == [f"server/incomplete {url}: {url}: GET: the answer was not complete within 1 s (check "
                            "the server and its connection, or give check a longer --timeout)"]


def test_an_enclosure_that_trickles_is_cut_off_too():
    with trickling_server() as url:
        target = server.Target(url, "here", "media", 100000, "audio/mpeg")
        found, seconds = timed(lambda: server.check_server([target], timeout=1.0), budget=30)
    assert seconds < 6  # HEAD and a two-byte range, a deadline of 1 s each (and a retry)
    assert found and all(f.where == "here" for f in found)


def test_a_redirect_to_a_link_local_address_is_not_followed(httpserver):
    httpserver.expect_request("/feed.xml").respond_with_response(
        Response(status=302, headers={"Location": "http://169.254.169.254/latest/meta-data/"}))
    url = httpserver.url_for("/feed.xml")
    result = check_target(url, timeout=2)
    assert [str(f) for f in result.findings] == [
        f"{url}: {url}: GET failed: redirected to http://169.254.169.254/latest/meta-data/, a link-local address; "
        "not followed (check that the URL is public and the server is up)"]


@pytest.mark.parametrize("location", ["http://10.1.2.3/feed.xml", "http://[fe80::1]/feed.xml",
                                      "http://[::ffff:192.168.0.1]/feed.xml", "file:///etc/passwd"])
def test_redirects_to_private_addresses_and_files_are_not_followed(httpserver, location):
    httpserver.expect_request("/media.mp3").respond_with_response(Response(status=301, headers={"Location": location}))
    url = httpserver.url_for("/media.mp3")
    found = server.check_server([server.Target(url, "here", "media", 10, "audio/mpeg")], timeout=2)
    assert f"here: {url}: HEAD failed: redirected to {location}, " in str(found[0])
    assert "not followed" in str(found[0])


@pytest.mark.parametrize(("start", "following", "refusal"), [
    ("https://feeds.feedtool-fixtures.net/feed.xml", "http://169.254.169.254/", "a link-local address"),
    ("https://feeds.feedtool-fixtures.net/feed.xml", "http://192.168.1.1/admin", "a private address"),
    ("https://feeds.feedtool-fixtures.net/feed.xml", "http://100.64.0.1/", "a private address"),
    ("https://feeds.feedtool-fixtures.net/feed.xml", "http://0.0.0.0/", "a reserved address"),
    ("https://feeds.feedtool-fixtures.net/feed.xml", "ftp://files.feedtool-fixtures.net/a", "not an http(s) URL"),
    ("https://feeds.feedtool-fixtures.net/feed.xml", "http://127.0.0.1:8080/feed.xml", None),  # loopback: allowed
    ("http://10.0.0.5/feed.xml", "http://10.0.0.6/feed.xml", None),  # a private network's own redirects
    ("http://192.168.1.10/feed.xml", "http://169.254.169.254/", None),
    ("http://127.0.0.1/feed.xml", "http://169.254.169.254/", "a link-local address"),  # loopback is no licence
])
def test_which_redirects_are_followed(start, following, refusal):
    from feedtool.check.fetch import redirect_refusal
    assert redirect_refusal(start, following) == refusal


def test_names_resolve_before_they_are_judged():
    from feedtool.check.fetch import network_kind
    assert network_kind("localhost") == "loopback"
    assert network_kind("[::1]") == "loopback"
    assert network_kind("8.8.8.8") is None


def test_a_feed_over_the_size_limit_says_so(httpserver, monkeypatch):
    monkeypatch.setattr(server, "FEED_LIMIT", 4096)
    httpserver.expect_request("/feed.xml").respond_with_data(FEED.encode() + b" " * 8192,
                                                             content_type="application/rss+xml")
    url = httpserver.url_for("/feed.xml")
    result = check_target(url, timeout=5)
    assert [f"{f.rule} {f}" for f in result.findings if f.rule != "server/https"] == [
        f"server/size {url}: {url}: the feed is longer than 4,096 bytes, the most check reads (a feed this large "
        "is too large for podcast apps too; keep it well under 4,096 bytes)"]
    assert "malformed" not in str(result.findings) and "well-formed" not in str(result.findings)


def test_a_feed_file_over_the_size_limit_says_so(tmp_path, monkeypatch):
    monkeypatch.setattr(server, "FEED_LIMIT", 4096)
    feed = tmp_path / "feed.xml"
    feed.write_bytes(FEED.encode() + b" " * 8192)
    size = feed.stat().st_size
    result = check_target(str(feed))
    assert [f"{f.rule} {f}" for f in result.findings] == [
        f"feed/size {feed}: is {size:,} bytes, more than the 4,096 bytes check reads (apps give up on feeds this "
        "large; trim or split it)"]


def test_a_comment_before_the_doctype_does_not_hide_it():
    xxe = (b'<?xml version="1.0"?>\n<!-- <rss version="2.0"> -->\n'
           b'<!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
           b'<rss version="2.0"><channel><title>&x;</title></channel></rss>')
    root, findings = parse_feed(xxe, "feed.xml")
    assert root is None
    assert [str(f) for f in findings] == [
        "feed.xml: has a DOCTYPE declaration (remove it: feeds need no DTD, and parsers refuse them as unsafe)"]
