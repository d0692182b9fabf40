#!/usr/bin/env python3
"""Import and remote-audio benchmarks, against a werkzeug server on loopback started here.

    python3 benchmarks/import_bench.py                       # import of 10,000 items; build of 1,000 remote episodes
    python3 benchmarks/import_bench.py -n 2000 --remote 200  # smaller
    python3 benchmarks/import_bench.py --rounds 3            # the README's figures: best of three

1. `feedtool import` of a generated N-item feed (PowerPress-like: CDATA notes of ~1.5 KB HTML with links and
   lists, itunes tags, podcast:person on every tenth item, psc:chapters on every fifth), served over HTTP.
2. A show of M episodes whose audio is a URL on the loopback server (the tests' 6-second MP3 at M paths):
   a cold build (HEAD + byte range per file), then warm builds, which must make conditional requests only
   (one HEAD with If-None-Match per file, answered 304), and an --offline build (no request).

Every command runs as its own process (start-up included); figures: wall time and peak RSS of the process
and its build workers (VmHWM), and the requests the server saw. The machine is shared and noisy.
"""

from __future__ import annotations

import argparse
import collections
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

from werkzeug.utils import send_file
from werkzeug.wrappers import Request, Response

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from servers import serve_app  # noqa: E402 - the tests' loopback server (it also quiets werkzeug's request log)

TINY_MP3 = ROOT / "tests" / "data" / "tiny.mp3"
WORDS = ("legion volunteers front battalion ukraine freedom support civilians ministry reported countries "
         "defense territorial history tradition brigade regiment exile recommendations").split()
# Runs the CLI in this process, then prints the peak resident memory of it and of its workers (VmHWM).
PEAK = """import resource, sys
from feedtool.cli import main
code = main(sys.argv[1:])
own = next(int(l.split()[1]) * 1024 for l in open("/proc/self/status") if l.startswith("VmHWM:"))
workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
print("PEAK", max(own, workers), file=sys.stderr)
sys.exit(code)
"""


class Counter:
    def __init__(self):
        self.requests = collections.Counter()  # (method, status) -> count
        self.lock = threading.Lock()


def make_app(feed_path: Path, counter: Counter):
    def app(environ, start_response):
        request = Request(environ)
        if request.path == "/feed.xml":
            response = send_file(feed_path, environ, mimetype="application/rss+xml")
        elif request.path.startswith("/audio/"):
            response = send_file(TINY_MP3, environ, conditional=True, max_age=None)
        else:
            response = Response("not found", 404)
        with counter.lock:
            counter.requests[(request.method, response.status_code,
                              "conditional" if request.headers.get("If-None-Match") else "plain")] += 1
        return response(environ, start_response)

    return app


def notes_html(rng: random.Random) -> str:
    parts = []
    while sum(map(len, parts)) < 1500:
        sentence = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 20))).capitalize() + "."
        if rng.random() < 0.2:
            parts.append("<ul>" + "".join(f"<li>{rng.choice(WORDS)} <em>{rng.choice(WORDS)}</em></li>"
                                          for _ in range(4)) + "</ul>")
        else:
            link = f"https://www.uacrisis.org/en/{rng.randint(1, 99999)}"
            parts.append(f'<p>{sentence} Read <a href="{link}">the {rng.choice(WORDS)} report</a>.</p>')
    return "\n".join(parts)


def write_feed(path: Path, n: int, base: str) -> None:
    rng = random.Random(1)
    first = datetime(1998, 1, 1, 6, 0, tzinfo=timezone(timedelta(hours=2)))
    with open(path, "w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
                  'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
                  'xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" '
                  'xmlns:atom="http://www.w3.org/2005/Atom" xmlns:podcast="https://podcastindex.org/namespace/1.0" '
                  'xmlns:psc="http://podlove.org/simple-chapters">\n<channel>\n'
                  '<title>Ukraine In Flames</title>\n<link>https://uacrisis.org/en</link>\n'
                  f'<atom:link href="{base}feed.xml" rel="self" type="application/rss+xml"/>\n'
                  '<description>Ukraine Crisis Media Center</description>\n<language>en</language>\n'
                  '<itunes:author>Ukraine Crisis Media Center</itunes:author>\n'
                  '<itunes:category text="News"><itunes:category text="Politics"/></itunes:category>\n')
        for i in range(n, 0, -1):
            date = format_datetime(first + timedelta(days=i))
            title = " ".join(rng.choice(WORDS) for _ in range(6)).title()
            extra = ""
            if i % 10 == 0:
                extra += '<podcast:person role="guest">Olena Kovalenko</podcast:person>\n'
            if i % 5 == 0:
                extra += ('<psc:chapters version="1.2"><psc:chapter start="00:00:00" title="Intro"/>'
                          '<psc:chapter start="00:00:03" title="Talk"/></psc:chapters>\n')
            out.write(f"<item>\n<title>{title}</title>\n<link>https://uacrisis.org/en/{i}</link>\n"
                      f"<pubDate>{date}</pubDate>\n<guid isPermaLink=\"false\">https://uacrisis.org/?p={i}</guid>\n"
                      f"<description><![CDATA[{title}.]]></description>\n"
                      f"<content:encoded><![CDATA[{notes_html(rng)}]]></content:encoded>\n"
                      f'<enclosure url="{base}audio/{i:05d}.mp3" length="{TINY_MP3.stat().st_size}" '
                      'type="audio/mpeg"/>\n'
                      f"<itunes:duration>00:00:06</itunes:duration>\n<itunes:episode>{i}</itunes:episode>\n"
                      f"<itunes:explicit>false</itunes:explicit>\n{extra}</item>\n")
        out.write("</channel>\n</rss>\n")


def run(*args: str) -> tuple[float, int, str]:
    """(seconds, peak bytes, stderr) of `python -m feedtool ARGS` run to completion."""
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", PEAK, *args], env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"feedtool {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    peak = next(int(line.split()[1]) for line in done.stderr.splitlines() if line.startswith("PEAK "))
    return seconds, peak, done.stderr


def remote_show(folder: Path, m: int, base: str) -> Path:
    show = folder / "remote-show"
    show.mkdir()
    (show / "show.toml").write_text(
        '[show]\ntitle = "Remote"\ndescription = "Audio elsewhere."\nauthor = "UCMC"\nlanguage = "en"\n'
        'link = "https://uacrisis.org/en"\nowner_name = "UCMC"\nowner_email = "press@uacrisis.org"\n'
        'copyright = "UCMC"\ncategories = ["News/Politics"]\n'
        '[feed]\nbase_url = "https://media.uacrisis.org/show/"\n')
    first = datetime(2000, 1, 1, 6, 0, tzinfo=timezone.utc)
    for i in range(1, m + 1):
        (show / f"{i:04d}-episode.md").write_text(
            f"---\ntitle: Episode {i}\ndate: {(first + timedelta(days=i)).isoformat()}\n"
            f"audio: {base}audio/{i:05d}.mp3\nguid: remote-{i}\n---\nNotes of episode {i}.\n")
    return show


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=10_000, help="items in the imported feed (default 10,000)")
    parser.add_argument("--remote", type=int, default=1_000, help="remote episodes in the built show (default 1,000)")
    parser.add_argument("--rounds", type=int, default=1, help="take each figure this many times; the best counts")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="feedtool-import-bench-"))
    counter = Counter()
    feed = folder / "feed.xml"
    print(f"{platform.machine()}, Python {platform.python_version()}, {os.cpu_count()} cores; {folder}")
    try:
        with serve_app(make_app(feed, counter)) as base:
            write_feed(feed, args.n, base)
            size = feed.stat().st_size
            best = None
            for _ in range(args.rounds):
                shutil.rmtree(folder / "imported", ignore_errors=True)
                seconds, peak, _ = run("-q", "import", f"{base}feed.xml", str(folder / "imported"))
                best = min(best or (seconds, peak), (seconds, peak))
            files = len(list((folder / "imported").glob("*.md")))
            print(f"import of {args.n:,} items ({size / 2**20:.1f} MB feed over HTTP): {best[0]:.2f} s, "
                  f"peak {best[1] / 2**20:.0f} MiB, {files:,} episode files")
            seconds, peak, _ = run("-q", "import", f"{base}feed.xml", str(folder / "imported"))
            print(f"  again into the same folder (nothing new): {seconds:.2f} s")

            show = remote_show(folder, args.remote, base)
            out = folder / "remote-public"
            counter.requests.clear()
            seconds, peak, _ = run("-q", "build", str(show), "--out", str(out))
            print(f"cold build of {args.remote:,} remote episodes: {seconds:.2f} s, peak {peak / 2**20:.0f} MiB; "
                  f"requests {format_requests(counter)}")
            warm = []
            for _ in range(max(args.rounds, 1)):
                counter.requests.clear()
                seconds, peak, _ = run("-q", "build", str(show), "--out", str(out))
                warm.append((seconds, peak, dict(counter.requests)))
            seconds, peak, requests = min(warm, key=lambda w: w[0])
            print(f"warm build of {args.remote:,} remote episodes: {seconds:.2f} s (best of {len(warm)}), peak "
                  f"{peak / 2**20:.0f} MiB; requests {format_requests(requests)}")
            assert all(kind == "conditional" and status == 304 for (_, status, kind) in requests), requests
            counter.requests.clear()
            seconds, peak, _ = run("-q", "build", str(show), "--out", str(out), "--offline")
            print(f"offline build of {args.remote:,} remote episodes: {seconds:.2f} s; requests "
                  f"{sum(counter.requests.values())}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def format_requests(requests) -> str:
    counts = requests.requests if isinstance(requests, Counter) else requests
    return ", ".join(f"{n:,} {method} {status}{' (conditional)' if kind == 'conditional' else ''}"
                     for (method, status, kind), n in sorted(counts.items()))


if __name__ == "__main__":
    main()
