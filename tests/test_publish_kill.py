"""A publish killed midway, many times at random points (SIGKILL to a `python -m feedtool publish` subprocess):
the feed on the target is always the old one or the new one, complete, and every file it points at is there
with the length the feed states; the next run completes and does not upload again what is already there.

Half of the kills land at a random moment of the whole run (build included), half right after a random step
of the upload phase (the --debug log line of that step). FEEDTOOL_KILL_SEED=<n> repeats a sequence of choices.
"""

from __future__ import annotations

import hashlib
import io
import os
import random
import re
import signal
import subprocess
import time
from datetime import date, timedelta

import feedparser
import podcastparser
from conftest import BASE_URL, make_episode, make_mp3, run_cli, write_config
from servers import ROOT, publish_command, publish_table, serve_folder, subprocess_env

KILLS_FOLDER = 12
KILLS_S3 = 8
SEED = int(os.environ.get("FEEDTOOL_KILL_SEED", time.time_ns() % 1_000_000))


class FolderView:
    def __init__(self, root):
        self.root = root

    def read(self, rel):
        path = self.root / rel
        return path.read_bytes() if path.is_file() else None

    def junk(self):
        """Temporary files where the web server would serve them."""
        return [p for p in self.root.rglob("*.tmp") if ".feedtool" not in p.relative_to(self.root).parts]


class S3View:
    def __init__(self, s3):
        self.s3 = s3

    def read(self, rel):
        try:
            return self.s3.client.get_object(Bucket=self.s3.bucket, Key="show/" + rel)["Body"].read()
        except self.s3.client.exceptions.NoSuchKey:
            return None

    def junk(self):
        return []


def new_version(show, cycle) -> set[str]:
    """Each cycle adds an episode; every second one re-encodes (re-tags) one, every third drops the oldest.
    Returns the files replaced at the same path."""
    numbers = sorted(int(p.name[:4]) for p in show.glob("*.md"))
    n = numbers[-1] + 1
    day = date(2024, 1, 1) + timedelta(days=n)
    make_episode(show, f"{n:04d}-ep.md", audio=f"media/{n:04d}-ep.mp3", date=f"{day}T08:00:00+00:00")
    replaced = set()
    if cycle % 2 == 1:
        make_mp3(show / f"media/{numbers[-1]:04d}-ep.mp3", title=f"Version {cycle}")
        replaced.add(f"media/{numbers[-1]:04d}-ep.mp3")
    if cycle % 3 == 2 and len(numbers) > 2:
        (show / f"{numbers[0]:04d}-ep.md").unlink()
    return replaced


def local_bytes(show, out, rel):
    path = out / rel if (out / rel).is_file() else show / rel
    return path.read_bytes()


def assert_consistent(view, feed: bytes, context: str, replaced: dict[str, bytes] | None = None):
    """The feed parses, and each enclosure is on the target, complete, with the length the feed gives.

    replaced: files re-encoded at the same URL in this version, with their new bytes. No order of uploads keeps
    the old feed's length for those right (the new audio goes up before the feed, by design, and last among
    the media); what must hold is that the file is whole: the old version or the new one.
    """
    assert feedparser.parse(feed).bozo == 0, context
    parsed = podcastparser.parse(BASE_URL + "feed.xml", io.BytesIO(feed))
    assert parsed["episodes"], context
    for episode in parsed["episodes"]:
        (enclosure,) = episode["enclosures"]
        rel = enclosure["url"].removeprefix(BASE_URL)
        data = view.read(rel)
        assert data is not None, f"{context}: {rel} is missing"
        if len(data) != enclosure["file_size"]:
            assert data == (replaced or {}).get(rel), f"{context}: {rel} has {len(data)} bytes"
    assert view.junk() == [], context


def run_cycles(tmp_path, capsys, view, target, kills, *, env=None, **publish):
    rng = random.Random(SEED)
    show, out = tmp_path / "show", tmp_path / "public"
    write_config(show, extra=publish_table(**publish))
    for n in (1, 2, 3):
        make_episode(show, f"{n:04d}-ep.md", audio=f"media/{n:04d}-ep.mp3", date=f"2024-01-0{n}T08:00:00+00:00")
    command = publish_command(show, "--out", out, "--to", target, "--force", debug=True)
    env = subprocess_env(env)
    started = time.monotonic()
    reference = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    duration = time.monotonic() - started  # how long a whole run takes here: the range of kill moments
    assert reference.returncode == 0, reference.stderr
    steps = reference.stderr.count("debug: ")
    for cycle in range(kills):
        old = view.read("feed.xml")
        replaced = {rel: (show / rel).read_bytes() for rel in new_version(show, cycle)}
        assert run_cli("-q", "build", show, "--out", out) == 0
        new = (out / "feed.xml").read_bytes()
        assert new != old
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                   text=True)
        if cycle % 2 == 0:
            how = f"after {rng.uniform(0, duration):.3f} s"
            time.sleep(float(how.split()[1]))
        else:
            step = rng.randint(1, steps)
            how = f"at step {step}"
            for _ in range(step):
                if not process.stderr.readline():
                    break
            time.sleep(rng.uniform(0, 0.01))
        process.send_signal(signal.SIGKILL)
        process.communicate()
        context = f"seed {SEED}, cycle {cycle}, killed {how}"
        live = view.read("feed.xml")
        assert live in (old, new), context
        assert_consistent(view, live, context, replaced if live == old else None)

        capsys.readouterr()
        assert run_cli("publish", show, "--out", out, "--to", target, "--force", "--dry-run") == 0, context
        planned = re.findall(r"^  upload   (\S+) \(", capsys.readouterr().out, re.M)
        for rel in planned:  # only what is not on the target yet
            there = view.read(rel)
            assert there is None or hashlib.sha256(there).digest() != hashlib.sha256(
                local_bytes(show, out, rel)).digest(), f"{context}: {rel} planned again"
        assert run_cli("publish", show, "--out", out, "--to", target, "--force", "-q") == 0, context
        assert view.read("feed.xml") == new, context
        assert_consistent(view, new, context)
        assert view.read(".feedtool/pending.json") is None, context


def test_folder_publish_killed_at_random_points(tmp_path, capsys):
    www = tmp_path / "www"
    with serve_folder(www) as url:
        run_cycles(tmp_path, capsys, FolderView(www), www, KILLS_FOLDER, verify_http=True, public_url=url)


def test_s3_publish_killed_at_random_points(tmp_path, capsys, s3):
    run_cycles(tmp_path, capsys, S3View(s3), s3.target, KILLS_S3, env=s3.env, endpoint_url=s3.endpoint,
               acl="public-read", verify_http=True, public_url=f"{s3.endpoint}/{s3.bucket}/show/")
