"""`feedtool check` on hostile feeds, by file and over HTTP from servers on 127.0.0.1: each is refused (or, for
a huge but valid feed, checked) with a clear message, in bounded time and memory, both measured.

Each case runs `python -m feedtool check` as its own process, so the figures are the command's own: wall time
with time.monotonic(), peak memory as the program's peak resident set (VmHWM in /proc, read as it exits: the
parser allocates outside Python, where tracemalloc cannot see, and getrusage's ru_maxrss would include the
test process's own size, inherited across fork and exec). No request may leave loopback: every run has a
sitecustomize that refuses, without sending a packet, any connection to another address, so even a client that
followed a redirect to a link-local or private address would send nothing there.

The long run and the figures: `python3 -m pytest tests/test_check_hostile.py -v -s` prints each case's seconds
and megabytes (README: Hostile feeds).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import zlib
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from servers import serve_app, trickling_server
from werkzeug.wrappers import Request, Response

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 2  # check --timeout, seconds
LIMIT = 64 * 1024 * 1024  # what check reads of a feed
HUGE = 200 * 1024 * 1024  # the 200 MB body
BOMB = 1024 * 1024 * 1024  # a gzip bomb's decompressed size (its compressed size: about 1 MB)
HANG = 180  # seconds after which a check counts as hung (and is killed): far above every bound below

GUARD = '''\
import ipaddress, socket
_connect, _connect_ex = socket.socket.connect, socket.socket.connect_ex
def _allowed(address):
    host = address[0] if isinstance(address, tuple) else None
    if host is not None and not ipaddress.ip_address(host.split("%")[0]).is_loopback:
        raise ConnectionRefusedError(f"test guard: no connection to {host}")
def _guarded(self, address):
    _allowed(address)
    return _connect(self, address)
def _guarded_ex(self, address):
    _allowed(address)
    return _connect_ex(self, address)
socket.socket.connect, socket.socket.connect_ex = _guarded, _guarded_ex

import atexit, os
def _peak():  # this program's own peak resident memory (VmHWM, of the memory map exec made), in kB
    if os.environ.get("HOSTILE_PEAK_FILE"):
        with open("/proc/self/status") as status:
            peak = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
        with open(os.environ["HOSTILE_PEAK_FILE"], "w") as out:
            out.write(peak)
atexit.register(_peak)
'''

XXE = (b'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
       b'<rss version="2.0"><channel><title>&x;</title></channel></rss>\n')
LAUGHS = (b'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY a "lol">'
          + b"".join(b'<!ENTITY %s "%s">' % (bytes([98 + i]), (b"&%s;" % bytes([97 + i])) * 10) for i in range(9))
          + b']>\n<rss version="2.0"><channel><title>&j;</title></channel></rss>\n')
HIDDEN = b'<?xml version="1.0"?>\n<!-- <rss version="2.0"> -->\n' + XXE.split(b"\n", 1)[1]
DOCTYPE = "has a DOCTYPE declaration (remove it: feeds need no DTD, and parsers refuse them as unsafe) [feed/xml]"


def many_items(count: int = 100_000, host: str = "https://media.feedtool-fixtures.net/") -> bytes:
    """A valid feed of `count` lean items (27 MB for 100,000), its media under `host`."""
    start = datetime(2000, 1, 1, tzinfo=UTC)
    head = ('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
            'xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" xmlns:atom="http://www.w3.org/2005/Atom">\n'
            "<channel><title>Many</title><link>https://www.feedtool-fixtures.net/</link>"
            "<description>Many items</description><language>en</language>\n")
    items = [f'<item><title>Episode {n}</title><guid isPermaLink="false">g-{n}</guid><enclosure '
             f'url="{host}m/{n}.mp3" length="12345" type="audio/mpeg"/><pubDate>'
             f"{format_datetime(start + timedelta(hours=n))}</pubDate><itunes:duration>1801</itunes:duration>"
             "</item>\n" for n in range(count, 0, -1)]
    return (head + "".join(items) + "</channel></rss>\n").encode()


def gzip_bomb(size: int = BOMB) -> bytes:
    """`size` zero bytes, gzip-compressed (about a thousandth of that)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(1 << 20)
    return b"".join([*(compressor.compress(zeros) for _ in range(size >> 20)), compressor.flush()])


@pytest.fixture(scope="module")
def payloads():
    return {"many": many_items(), "bomb": gzip_bomb()}


@pytest.fixture(scope="module")
def guard(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("guard")
    (folder / "sitecustomize.py").write_text(GUARD)
    return folder


def check(target: str, guard: Path, *extra: str) -> tuple[int, str, float, float]:
    """Run `feedtool check TARGET --timeout 2`: (exit status, stdout, seconds, peak memory in MB)."""
    peak = guard / f"peak-{time.monotonic_ns()}"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(guard), str(ROOT)]), "HOSTILE_PEAK_FILE": str(peak)}
    env.pop("CI", None)
    started = time.monotonic()
    with open(os.devnull, "wb") as null, subprocess.Popen(
        [sys.executable, "-m", "feedtool", "check", target, "--timeout", str(TIMEOUT), *extra],
        stdout=subprocess.PIPE, stderr=null, env=env, cwd=ROOT,
    ) as process:
        try:
            out, _ = process.communicate(timeout=HANG)
        except subprocess.TimeoutExpired:
            process.kill()
            raise AssertionError(f"check {target} was still running after {HANG} s") from None
    seconds = time.monotonic() - started
    megabytes = int(peak.read_text()) / 1024
    print(f"\n  {target}: exit {process.returncode}, {seconds:.1f} s, {megabytes:.0f} MB")
    return process.returncode, out.decode(), seconds, megabytes


# --- by file --------------------------------------------------------------------------------------------------

FILE_CASES = {
    # name: (bytes or a maker, the line check must print, seconds, MB)
    "xxe.xml": (XXE, DOCTYPE, 10, 100),
    "billion-laughs.xml": (LAUGHS, DOCTYPE, 10, 100),
    "doctype-after-comment.xml": (HIDDEN, DOCTYPE, 10, 100),
    "gzip-bomb.xml": ("bomb", "is not valid UTF-8 (save the feed as UTF-8) [apple/encoding]", 10, 100),
    "huge.xml": ("sparse", f"is {HUGE:,} bytes, more than the 64 MiB check reads", 10, 100),
    "many.xml": ("many", "checked {target}: 100000 episodes", 60, 800),
}


@pytest.mark.parametrize("name", list(FILE_CASES))
def test_a_hostile_feed_file_is_refused_in_bounded_time_and_memory(name, tmp_path, guard, payloads):
    data, expected, seconds_bound, megabytes_bound = FILE_CASES[name]
    path = tmp_path / name
    if data == "sparse":  # 200 MB of nothing on disk: check must not read it to know
        with open(path, "wb") as f:
            f.truncate(HUGE)
    else:
        path.write_bytes(payloads[data] if isinstance(data, str) else data)
    status, out, seconds, megabytes = check(str(path), guard)
    assert status == 1 if name != "many.xml" else status in (0, 1)
    assert expected.format(target=path) in out, out[-2000:]
    assert "Traceback" not in out and "test guard" not in out
    assert seconds < seconds_bound and megabytes < megabytes_bound, (seconds, megabytes)


# --- over HTTP --------------------------------------------------------------------------------------------------


@contextlib.contextmanager
def hostile_server(payloads):
    """One server, a path per attack."""

    def app(environ, start_response):
        request = Request(environ)
        path = request.path
        if path == "/xxe.xml":
            response = Response(XXE, mimetype="application/rss+xml")
        elif path == "/laughs.xml":
            response = Response(LAUGHS, mimetype="application/rss+xml")
        elif path == "/many.xml":  # its media on this server (and missing): no request leaves loopback
            data = payloads["many"].replace(b"https://media.feedtool-fixtures.net/", request.host_url.encode())
            response = Response(data, mimetype="application/rss+xml")
        elif path == "/huge.xml":  # 200 MB, announced, sent as fast as it is read
            chunk = b" " * (1 << 20)
            response = Response((chunk for _ in range(HUGE >> 20)), mimetype="application/rss+xml",
                                headers={"Content-Length": str(HUGE)}, direct_passthrough=True)
        elif path == "/bomb.xml":  # 1 MB on the wire, 1 GiB once decompressed
            response = Response(payloads["bomb"], mimetype="application/rss+xml",
                                headers={"Content-Encoding": "gzip"})
        elif path == "/loop.xml":
            response = Response(status=302, headers={"Location": "/loop.xml"})
        elif path == "/to-file.xml":
            response = Response(status=302, headers={"Location": "file:///etc/passwd"})
        elif path == "/to-metadata.xml":
            response = Response(status=302, headers={"Location": "http://169.254.169.254/latest/meta-data/"})
        elif path == "/to-router.xml":
            response = Response(status=301, headers={"Location": "http://192.168.1.1/admin"})
        else:
            response = Response("not here", status=404)
        return response(environ, start_response)

    with serve_app(app) as base:
        yield base


HTTP_CASES = {
    # path: (what check must print, seconds, MB)
    "xxe.xml": (DOCTYPE, 15, 100),
    "laughs.xml": (DOCTYPE, 15, 100),
    "many.xml": ("the server checks covered the first 100 of 100000 episodes (pass --sample N to check more) "
                 "[server/sampled]", 90, 800),
    "huge.xml": ("the feed is longer than 64 MiB, the most check reads", 30, 300),  # 64 MiB read, no more
    "bomb.xml": ("the feed is longer than 64 MiB, the most check reads", 30, 300),
    "loop.xml": ("GET failed: more than 5 redirects", 15, 100),
    "to-file.xml": ("GET failed: redirected to file:///etc/passwd, not an http(s) URL; not followed", 15, 100),
    "to-metadata.xml": ("GET failed: redirected to http://169.254.169.254/latest/meta-data/, a link-local address; "
                        "not followed", 15, 100),
    "to-router.xml": ("GET failed: redirected to http://192.168.1.1/admin, a private address; not followed", 15, 100),
}


@pytest.mark.parametrize("path", list(HTTP_CASES))
def test_a_hostile_server_is_refused_in_bounded_time_and_memory(path, guard, payloads):
    expected, seconds_bound, megabytes_bound = HTTP_CASES[path]
    with hostile_server(payloads) as base:
        url = base + path
        status, out, seconds, megabytes = check(url, guard)
    assert status == 1
    assert expected.format(url=url) in out, out[-2000:]
    assert "Traceback" not in out and "test guard" not in out  # nothing tried to leave loopback
    assert seconds < seconds_bound and megabytes < megabytes_bound, (seconds, megabytes)


@pytest.mark.parametrize("headers_too", [False, True], ids=["body", "headers"])
def test_a_trickling_server_is_cut_off_at_the_timeout(headers_too, guard):
    with trickling_server(headers_too=headers_too) as url:
        status, out, seconds, megabytes = check(url, guard)
    expected = "no answer within 2 s" if headers_too else "the answer was not complete within 2 s"
    assert status == 1 and expected in out, out
    # the feed request (and, for headers, its retry) each end at the 2 s deadline; before the whole-request
    # deadline this ran for as long as the server kept trickling (100,000 bytes: 20,000 s)
    assert seconds < 4 * TIMEOUT + 5 and megabytes < 100, (seconds, megabytes)


def test_the_gzip_bomb_is_what_it_claims(payloads):
    """The fixture itself: a megabyte that decompresses to a gibibyte."""
    assert len(payloads["bomb"]) < 2 * 1024 * 1024
    decompressor, size, data = zlib.decompressobj(16 + zlib.MAX_WBITS), 0, payloads["bomb"]
    while data:  # a megabyte at a time, not a gibibyte at once
        size += len(decompressor.decompress(data, 1 << 20))
        data = decompressor.unconsumed_tail
    assert size == BOMB
