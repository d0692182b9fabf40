"""Real servers on 127.0.0.1 for the tests: a web server in front of a folder, one that trickles bytes, an
S3-compatible server (moto's server mode, reached by boto3 over HTTP), and helpers to run `feedtool publish` as a
subprocess; and `feedtool preview` in a thread for the preview and browser tests."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import re
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from types import SimpleNamespace

import requests
from werkzeug.serving import make_server
from werkzeug.utils import send_file
from werkzeug.wrappers import Request, Response

from feedtool.serve import preview

# The servers here and pytest-httpserver run on werkzeug, whose request log would land in the CLI's stderr.
logging.getLogger("werkzeug").setLevel(logging.ERROR)

ROOT = Path(__file__).resolve().parent.parent
# Dummy credentials, distinctive so a test can search every output for them.
S3_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "AKIAFEEDTOOLTESTKEY7Q",
    "AWS_SECRET_ACCESS_KEY": "feedtool-test-secret-Zq93xLwVv0Ma1",
    "AWS_SESSION_TOKEN": "feedtool-test-session-token-Pp01Kd",
}


@contextlib.contextmanager
def serve_folder(root: Path, *, ranges: bool = True, serve_state: bool = False):
    """A threaded werkzeug web server over root (HEAD, conditional and range requests); yields its base URL.
    Like a server set up as README says, it does not serve /.feedtool/ (unless serve_state)."""

    def app(environ, start_response):
        request = Request(environ)
        path = (root / request.path.lstrip("/")).resolve()
        if request.path.endswith("/") and path.is_dir():  # a folder's address: its index.html, as servers do
            path = path / "index.html"
        hidden = not serve_state and request.path.startswith("/.feedtool/")
        if hidden or not path.is_file() or root.resolve() not in path.parents:
            return Response("not found", 404)(environ, start_response)
        if not ranges:
            return Response(path.read_bytes(), mimetype=send_file(path, environ).mimetype)(environ, start_response)
        return send_file(path, environ, conditional=True)(environ, start_response)

    with serve_app(app) as base:
        yield base


@contextlib.contextmanager
def serve_app(app):
    """A threaded werkzeug server on a free loopback port running the WSGI app; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        thread.join()


@contextlib.contextmanager
def moto_s3():
    """moto's S3-compatible server on a free port; yields its endpoint URL."""
    from moto.server import ThreadedMotoServer
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def s3_environment(tmp_path: Path) -> dict[str, str]:
    """Dummy credentials in the environment, and no user's ~/.aws files."""
    empty = tmp_path / "aws-empty"
    empty.write_text("")
    return {**S3_CREDENTIALS, "AWS_DEFAULT_REGION": "us-east-1", "AWS_CONFIG_FILE": str(empty),
            "AWS_SHARED_CREDENTIALS_FILE": str(empty), "AWS_EC2_METADATA_DISABLED": "true"}


def publish_table(pages: bool = False, **values) -> str:
    """A [publish] table for show.toml; by default no Podcast Index ping and no HTTP checks, and no web pages
    (these tests count the media and feed files they publish; tests/test_pages_publish.py has the pages)."""
    values = {"podcastindex": False, "verify_http": False, **values}
    site = "" if pages else "\n[site]\nenabled = false\n"
    return "\n[publish]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in values.items()) + site


def publish_command(*args, debug: bool = False) -> list[str]:
    return [sys.executable, "-m", "feedtool", *(["--debug"] if debug else []), "publish", *map(str, args)]


def subprocess_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(extra or {})
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("CI", None)
    return env


def run_publish(*args, env: dict[str, str] | None = None, debug: bool = False) -> subprocess.CompletedProcess:
    return subprocess.run(publish_command(*args, debug=debug), cwd=ROOT, env=subprocess_env(env), capture_output=True,
                          text=True, timeout=120)


def s3_bucket(endpoint: str, tmp_path: Path, monkeypatch) -> SimpleNamespace:
    """A fresh bucket, and the dummy credentials in the environment (nothing from the user's ~/.aws)."""
    import boto3
    env = s3_environment(tmp_path)
    for name in [k for k in os.environ if k.startswith("AWS_")]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    client = boto3.client("s3", endpoint_url=endpoint)
    bucket = f"show-{uuid.uuid4().hex[:10]}"
    client.create_bucket(Bucket=bucket)
    return SimpleNamespace(client=client, bucket=bucket, endpoint=endpoint, env=env, target=f"s3://{bucket}/show")


# --- feedtool preview in a thread, on a free loopback port ---------------------------------------------------

class Preview:
    """A preview running in a thread: its events, its address, and a way to wait for the next build."""

    def __init__(self, show: Path):
        self.show = show
        self.events: queue.Queue = queue.Queue()
        self.stop = threading.Event()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.url = ""

    def _run(self):
        try:
            preview(self.show, host="127.0.0.1", port=0, on_event=self.events.put, stop=self.stop, poll=0.1)
        except BaseException as e:  # noqa: B036 - handed to the test
            self.error = e
            self.events.put(None)

    def next(self, *kinds: str, timeout: float = 30):
        """The next event of one of these kinds (others are skipped)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                event = self.events.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            if event is None:
                raise AssertionError(f"the preview stopped: {self.error!r}")
            if event.kind in kinds:
                return event
        raise AssertionError(f"no {kinds} event within {timeout} s")

    def get(self, path: str, **kwargs) -> requests.Response:
        return requests.get(self.url + path, timeout=10, **kwargs)


@contextlib.contextmanager
def running_preview(show: Path):
    server = Preview(show)
    server.thread.start()
    try:
        server.next("built")
        serving = server.next("serving")
        server.url = serving.home_url
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", server.url)
        assert serving.feed_url == server.url + "feed.xml"
        yield server
    finally:
        server.stop.set()
        server.thread.join(timeout=10)
        assert not server.thread.is_alive()


@contextlib.contextmanager
def trickling_server(*, headers_too: bool = False, interval: float = 0.2):
    """A server that sends one byte every `interval` seconds: of a body it announced with a Content-Length,
    or (headers_too) of an endless header line. Yields its URL."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.1)
    stop = threading.Event()

    def answer(connection):
        with connection:
            with contextlib.suppress(OSError):
                connection.recv(65536)
                if headers_too:
                    connection.sendall(b"HTTP/1.1 200 OK\r\nX-Slow: ")
                else:
                    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n"
                                       b"Content-Length: 100000\r\n\r\n<rss version=\"2.0\">")
                while not stop.wait(interval):
                    connection.sendall(b"a")

    def accept():
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                continue
            threading.Thread(target=answer, args=(connection,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/feed.xml"
    finally:
        stop.set()
        thread.join()
        listener.close()
