"""A publish killed midway, many times at random points (SIGKILL to a `python -m feedtool publish` subprocess):
the feed on the target is always the old one or the new one, complete, and every file it points at is there
with the length the feed states; the next run completes and does not upload again what is already there.
Every publish runs `--now` three days after the one before, so the audio of the episodes dropped along the way
goes through its grace period ([publish] keep_removed_days, 7 days): it is never removed before its time (an
app may hold any feed of the last 7 days), and the first completed publish after its time has removed it.

Half of the kills land at a random moment of the whole run (build included), half right after a random step
of the upload phase (the --debug log line of that step). FEEDTOOL_KILL_SEED=<n> repeats a sequence of choices.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import random
import re
import signal
import subprocess
import time
from datetime import date, datetime, timedelta, timezone

import feedparser
import podcastparser
from conftest import BASE_URL, make_episode, make_mp3, run_cli, write_config
from servers import ROOT, publish_command, publish_table, serve_folder, subprocess_env

KILLS_FOLDER = 12
KILLS_S3 = 8
GRACE = timedelta(days=7)  # the default [publish] keep_removed_days
START = datetime(2025, 1, 1, 8, tzinfo=timezone.utc)  # after every episode's date
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


def named(feed: bytes) -> set[str]:
    """The audio files a feed names."""
    parsed = podcastparser.parse(BASE_URL + "feed.xml", io.BytesIO(feed))
    return {episode["enclosures"][0]["url"].removeprefix(BASE_URL) for episode in parsed["episodes"]}


def assert_grace(view, dropped: dict[str, datetime], now: datetime, context: str, *, completed: bool):
    """dropped: audio no live feed names any more -> the moment of the publish that dropped it. Within its grace
    it is on the target; once a publish as of a later moment has completed, it is not."""
    for rel, since in dropped.items():
        if now < since + GRACE:
            assert view.read(rel) is not None, f"{context}: {rel} (dropped {since}) removed before its time"
        elif completed:
            assert view.read(rel) is None, f"{context}: {rel} (dropped {since}) still there after its grace"


def run_cycles(tmp_path, capsys, view, target, kills, *, env=None, **publish):
    rng = random.Random(SEED)
    show, out = tmp_path / "show", tmp_path / "public"
    write_config(show, extra=publish_table(**publish))
    for n in (1, 2, 3):
        make_episode(show, f"{n:04d}-ep.md", audio=f"media/{n:04d}-ep.mp3", date=f"2024-01-0{n}T08:00:00+00:00")
    now = START
    command = publish_command(show, "--out", out, "--to", target, "--force", "--now", now.isoformat(), debug=True)
    env = subprocess_env(env)
    started = time.monotonic()
    reference = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    duration = time.monotonic() - started  # how long a whole run takes here: the range of kill moments
    assert reference.returncode == 0, reference.stderr
    steps = reference.stderr.count("debug: ")
    dropped: dict[str, datetime] = {}
    for cycle in range(kills):
        now += timedelta(days=3)
        moment = ("--now", now.isoformat())
        command = [*command[:-2], *moment]
        old = view.read("feed.xml")
        replaced = {rel: (show / rel).read_bytes() for rel in new_version(show, cycle)}
        assert run_cli("-q", "build", show, "--out", out, *moment) == 0
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
        for rel in named(old):  # whichever feed is live, an app may still hold the old one
            assert view.read(rel) is not None, f"{context}: {rel}, which the feed before names, is missing"
        assert_grace(view, dropped, now, context, completed=False)

        capsys.readouterr()
        assert run_cli("publish", show, "--out", out, "--to", target, "--force", "--dry-run", *moment) == 0, context
        planned = re.findall(r"^  upload   (\S+) \(", capsys.readouterr().out, re.M)
        for rel in planned:  # only what is not on the target yet
            there = view.read(rel)
            assert there is None or hashlib.sha256(there).digest() != hashlib.sha256(
                local_bytes(show, out, rel)).digest(), f"{context}: {rel} planned again"
        assert run_cli("publish", show, "--out", out, "--to", target, "--force", "-q", *moment) == 0, context
        dropped.update({rel: now for rel in named(old) - named(new)})
        assert_completed(view, new, dropped, now, context)
        if cycle % 3 == 1 and cycle > 1:
            kill_end_of_grace(rng, command, env, show, out, target, view, new, dropped, now + timedelta(days=1.5),
                              duration, f"seed {SEED}, cycle {cycle}")
    assert any(now >= since + GRACE for since in dropped.values())  # some audio went through its whole grace


def assert_completed(view, feed: bytes, dropped: dict[str, datetime], now: datetime, context: str):
    assert view.read("feed.xml") == feed, context
    assert_consistent(view, feed, context)
    assert view.read(".feedtool/pending.json") is None, context
    assert_grace(view, dropped, now, context, completed=True)
    retired = json.loads(view.read(".feedtool/manifest.json"))["retired"]
    kept = {rel for rel, since in dropped.items() if now < since + GRACE}
    assert {rel for rel in retired if rel.startswith("media/")} == kept, context


def kill_end_of_grace(rng, command, env, show, out, target, view, feed, dropped, quiet, duration, context):
    """A publish with nothing new, as of a moment past a dropped file's grace: it only removes files (the live
    version stays), killed at a random moment or right after its first removal; the next run completes it."""
    version = json.loads(view.read(".feedtool/manifest.json"))["version"]
    moment = ("--now", quiet.isoformat())
    process = subprocess.Popen([*command[:-2], *moment], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    if rng.random() < 0.5:
        how = f"after {rng.uniform(0, duration):.3f} s"
        time.sleep(float(how.split()[1]))
    else:
        how = "after its first removal"
        while (line := process.stderr.readline()) and "grace period is over" not in line:
            pass
        time.sleep(rng.uniform(0, 0.01))
    process.send_signal(signal.SIGKILL)
    process.communicate()
    context = f"{context}, the publish that only removes killed {how}"
    assert view.read("feed.xml") == feed, context
    assert_consistent(view, feed, context)
    assert_grace(view, dropped, quiet, context, completed=False)
    assert run_cli("publish", show, "--out", out, "--to", target, "--force", "-q", *moment) == 0, context
    assert_completed(view, feed, dropped, quiet, context)
    assert json.loads(view.read(".feedtool/manifest.json"))["version"] == version, context


def test_folder_publish_killed_at_random_points(tmp_path, capsys):
    www = tmp_path / "www"
    with serve_folder(www) as url:
        run_cycles(tmp_path, capsys, FolderView(www), www, KILLS_FOLDER, verify_http=True, public_url=url)


def test_s3_publish_killed_at_random_points(tmp_path, capsys, s3):
    run_cycles(tmp_path, capsys, S3View(s3), s3.target, KILLS_S3, env=s3.env, endpoint_url=s3.endpoint,
               acl="public-read", verify_http=True, public_url=f"{s3.endpoint}/{s3.bucket}/show/")
