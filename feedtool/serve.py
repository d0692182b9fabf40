"""feedtool preview: build the show for the address it is served at, serve it as a podcast host must, and build
again when a file of the show changes.

The preview's build goes to its own folder (<show>/.feedtool/preview/) with the preview's address as a one-off
base_url: show.toml is never written (no podcast:guid is recorded for an address that is not the show's).
New episodes do get their permanent GUID written into their files, as any build does, so an app subscribed to
the preview sees the same episode across rebuilds.

HTTP is werkzeug's: send_file with conditional requests gives byte ranges (206, 416), ETag, Last-Modified and
304; the feed and pages are gzipped for a client that asks. Nothing here prints: events go to a callback.
"""

from __future__ import annotations

import gzip
import os
import posixpath
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable
from urllib.parse import quote

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound, RequestedRangeNotSatisfiable
from werkzeug.routing import RequestRedirect
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.utils import send_file
from werkzeug.wrappers import Request, Response

from feedtool.build.paging import ARCHIVE_FOLDER
from feedtool.build.pipeline import BuildOptions, Report, run
from feedtool.errors import FeedtoolError, Finding, UsageError
from feedtool.facts import content_type as published_type
from feedtool.facts import is_url
from feedtool.read.config import Config, load_config

PREVIEW_FOLDER = Path(".feedtool") / "preview"
COMPRESSIBLE = ("text/html", "text/css", "application/rss+xml", "application/json", "text/vtt", "text/plain")
POLL_SECONDS = 0.5
EMPTY_SUFFIX = re.compile(r"\s*bytes\s*=\s*-0+\s*")


@dataclass(frozen=True)
class Event:
    """What the preview tells its caller: serving (the URLs), changed (the files), built, failed (findings)."""

    kind: str
    feed_url: str = ""
    home_url: str = ""
    paths: tuple[str, ...] = ()
    report: Report | None = None
    findings: tuple[Finding, ...] = ()
    message: str = ""

    def lines(self) -> list[str]:
        """What the command line says about it (findings aside: the CLI prints those its own way)."""
        if self.kind == "built":
            report = self.report
            written = list(report.written)
            shown = written[:6] + ([f"{len(written) - 6} more"] if len(written) > 6 else [])
            count = f"{report.episodes} episode{'s' * (report.episodes != 1)}"
            if report.scheduled:  # built and checked, but not in the feed yet: not among the episodes
                count += f", {len(report.scheduled)} scheduled"
            return [
                f"built {count} ({report.rebuilt} episode file{'s' * (report.rebuilt != 1)} read afresh): "
                + (f"wrote {', '.join(shown)}" if shown else "nothing changed")
            ]
        if self.kind == "serving":
            return [f"serving {self.home_url}  (Ctrl-C stops it)", f"feed for your podcast app: {self.feed_url}"]
        if self.kind == "changed":
            return [f"changed: {', '.join(self.paths)}"]
        return ([f"error: {self.message}"] if self.message else []) + [
            "error: the build failed; still serving the last good version"
        ]


@dataclass
class _Served:
    """The last good build: its output folder, and the show-folder files it publishes (media, artwork...)."""

    out_dir: Path
    root: Path
    feed_name: str
    published: frozenset[str] = field(default_factory=frozenset)


def preview_url(host: str, port: int) -> str:
    """The address apps reach the preview at: the machine's LAN address when it listens on all of them."""
    if host in ("0.0.0.0", "::", ""):
        host = _lan_address()
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def _lan_address() -> str:
    """This machine's own non-loopback IPv4 address, as its name resolves (no packet is sent)."""
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)}
    except OSError:
        addresses = set()
    public = sorted(a for a in addresses if not a.startswith("127."))
    return public[0] if public else "127.0.0.1"


def build_preview(config_path: Path, base_url: str) -> tuple[Report, Config]:
    """Build the show for base_url into its preview folder; show.toml is left as it is."""
    config = load_config(config_path, **{"feed.base_url": base_url, "feed.feed_url": ""})
    report, _ = run(config, BuildOptions(out_dir=config.root / PREVIEW_FOLDER))  # a one-off address: not recorded
    return report, config


def published_files(config: Config, report: Report) -> frozenset[str]:
    """The show-folder files the feed points at, as publish would put them online (nothing else is served)."""
    files = {rel for ref in report.refs for rel in ref.files}
    if config.show.artwork and not is_url(config.show.artwork):
        files.add(posixpath.normpath(config.show.artwork.replace(os.sep, "/")))
    return frozenset(files)


def content_type(rel: str, feed_name: str) -> str:
    """The MIME type a file is served with, as publish uploads it (werkzeug adds '; charset=utf-8' to text/*)."""
    feed = rel == feed_name or rel.startswith(ARCHIVE_FOLDER + "/")  # a paged feed's archive pages are feeds too
    return "application/rss+xml" if feed else published_type(rel)


class PreviewApp:
    """The WSGI application: the build's outputs, then the published show-folder files, at their URL paths."""

    def __init__(self, served: _Served):
        self.served = served

    def __call__(self, environ, start_response):
        request = Request(environ)
        try:
            response = self.respond(request)
        except HTTPException as e:
            response = e.get_response(environ)
        response.headers.pop("Date", None)  # werkzeug's server sends its own: Date is a field sent once
        return response(environ, start_response)

    def respond(self, request: Request) -> Response:
        if request.method not in ("GET", "HEAD"):
            raise MethodNotAllowed(valid_methods=["GET", "HEAD"])
        served = self.served  # one build's view for the whole request, whatever a rebuild does meanwhile
        rel, path = self.locate(served, request.path)
        kind = content_type(rel, served.feed_name)
        wants_gzip = request.accept_encodings["gzip"] > 0 and not request.range  # "gzip;q=0" refuses it
        environ = request.environ
        if EMPTY_SUFFIX.fullmatch(request.headers.get("Range", "")):  # werkzeug reads it as the whole file, with 206
            raise RequestedRangeNotSatisfiable(length=path.stat().st_size)  # RFC 9110 14.1.3: the last 0 bytes: none
        if request.range and len(request.range.ranges) > 1:  # werkzeug answers several ranges with 416: send all
            environ = {key: value for key, value in environ.items() if key != "HTTP_RANGE"}
        if wants_gzip and kind.startswith(COMPRESSIBLE):
            response = self.gzipped(request, path, kind)
        else:
            response = send_file(path, environ, mimetype=kind, conditional=True, etag=True, max_age=0)
            response.headers["Accept-Ranges"] = "bytes"
        response.headers["Cache-Control"] = "no-cache"  # apps ask again each time; a 304 costs nothing
        if kind.startswith(COMPRESSIBLE):
            response.vary.add("Accept-Encoding")
        return response

    @staticmethod
    def locate(served: _Served, url_path: str) -> tuple[str, Path]:
        """(path relative to the site, file) for a URL path; a folder's index.html; 404 for anything else."""
        parts = [p for p in url_path.split("/") if p]
        if any(p in (".", "..") or p.startswith(".") or "\\" in p or "\0" in p for p in parts):
            raise NotFound()
        rel = "/".join(parts)
        candidates = [rel + "/index.html" if rel else "index.html"] if url_path.endswith("/") else [rel]
        for candidate in candidates:
            built = served.out_dir / candidate
            if built.is_file():
                return candidate, built
            if candidate in served.published and (served.root / candidate).is_file():
                return candidate, served.root / candidate
        if rel and not url_path.endswith("/") and (served.out_dir / rel / "index.html").is_file():
            # a page asked for without its slash: its relative links need it
            raise RequestRedirect(quote(url_path) + "/")
        raise NotFound()

    @staticmethod
    def gzipped(request: Request, path: Path, kind: str) -> Response:
        data = path.read_bytes()
        stat = os.stat(path)
        response = Response(gzip.compress(data, compresslevel=6, mtime=0), mimetype=kind)
        response.headers["Content-Encoding"] = "gzip"
        response.set_etag(f"{stat.st_mtime_ns:x}-{stat.st_size:x}-gzip")
        response.last_modified = int(stat.st_mtime)
        return response.make_conditional(request)


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """Size and modification time of every file in the show folder (hidden files and folders left out)."""
    found = {}
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in names:
            if not name.startswith("."):
                found.update(snapshot_of(root, os.path.join(folder, name)))
    return found


def snapshot_of(root: Path, path: str) -> dict[str, tuple[int, int]]:
    """{path relative to root: (size, modification time)}, or {} for a file that is gone."""
    try:
        stat = os.stat(path)
    except OSError:
        return {}
    return {os.path.relpath(path, root): (stat.st_size, stat.st_mtime_ns)}


def changed_files(before: dict, after: dict) -> tuple[str, ...]:
    return tuple(sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name)))


def start_server(host: str, port: int, app) -> BaseWSGIServer:
    """A threaded werkzeug server on a socket bound here (werkzeug itself exits the process when it cannot bind)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        listening = socket.create_server((host, port), family=family, backlog=64)
    except OSError as e:
        reason = os.strerror(e.errno) if e.errno else str(e)
        raise UsageError(f"{host}:{port}: cannot listen there: {reason} (pass another --port, or --port 0)") from e
    with listening:  # werkzeug works on a duplicate of it
        return make_server(host, port, app, threaded=True, fd=listening.fileno())


def preview(
    config_path: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    on_event: Callable[[Event], None],
    stop: threading.Event | None = None,
    poll: float = POLL_SECONDS,
) -> None:
    """Build, serve, and build again on every change until `stop` is set (or Ctrl-C). The first build must
    succeed; a later failed build is reported and the last good one stays served."""
    stop = stop or threading.Event()
    config = load_config(config_path)  # the show's own config: the preview folder and the feed's name
    out_dir = config.root / PREVIEW_FOLDER
    app = PreviewApp(_Served(out_dir, config.root, config.feed.file_name))
    server = start_server(host, port, app)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
    try:
        base_url = preview_url(host, server.socket.getsockname()[1])
        state = snapshot(config.root)
        report, config = build_preview(config_path, base_url)
        app.served = _Served(out_dir, config.root, config.feed.file_name, published_files(config, report))
        on_event(Event("built", report=report, findings=report.warnings))
        thread.start()
        on_event(Event("serving", feed_url=config.feed_url, home_url=base_url))
        _rebuild_on_change(app, config_path, base_url, state, on_event, stop, poll)
    finally:
        if thread.is_alive():
            server.shutdown()
        server.server_close()


def _rebuild_on_change(app: PreviewApp, config_path: Path, base_url: str, state: dict, on_event, stop, poll: float):
    """Poll the show folder; after a change, build again and serve the new build if it succeeded."""
    root, out_dir = app.served.root, app.served.out_dir
    while not stop.wait(poll):
        if not changed_files(state, snapshot(root)):
            continue
        time.sleep(min(poll, 0.2))  # an editor saving several files: take them in one build
        now = snapshot(root)
        on_event(Event("changed", paths=changed_files(state, now)))
        state = now
        try:
            report, config = build_preview(config_path, base_url)
        except FeedtoolError as e:
            on_event(Event("failed", findings=e.findings, message="" if e.findings else str(e)))
            continue
        for pinned in report.pinned:  # the GUIDs this build wrote are not a change to build again
            state.update(snapshot_of(config.root, pinned))
        app.served = _Served(out_dir, config.root, config.feed.file_name, published_files(config, report))
        on_event(Event("built", report=report, findings=report.warnings))
