"""A build killed at random moments (SIGKILL to a `python -m feedtool build` subprocess), many times over a
generated show (benchmarks/build_bench.py): cold builds over the last output, first builds into an empty
folder, and warm builds after episodes were retitled, added (some without a GUID), deleted, or given or
stripped of chapters. After every kill
- the output folder's feed is the previous complete feed or the new one, byte for byte (or, for a first build,
  none yet); every file the live feed points at (chapters, episode pages, media) is there, chapters whole;
- the next build succeeds with the feed a build from scratch (--no-cache) makes, leaves no `.*.tmp` file or
  folder behind (output folder, cache folder, show folder), and its chapters files and episode pages are
  exactly those of its episodes.

Half of the kills land at a random moment of a whole build; the other half just after the feed's temp file
appears or just after the new feed is renamed into place (the moments when files come and go).

CI runs 300 episodes and 10 kills. The full run (README, Reliability):
    FEEDTOOL_KILL_EPISODES=2000 FEEDTOOL_KILL_COUNT=50 python3 -m pytest tests/test_build_kill.py -s
FEEDTOOL_KILL_SEED=<n> repeats a sequence of choices.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from conftest import run_cli
from lxml import etree
from servers import ROOT, subprocess_env

from benchmarks.build_bench import generate

EPISODES = int(os.environ.get("FEEDTOOL_KILL_EPISODES", 300))
KILLS = int(os.environ.get("FEEDTOOL_KILL_COUNT", 10))
SEED = int(os.environ.get("FEEDTOOL_KILL_SEED", time.time_ns() % 1_000_000))
BASE = "https://media.uacrisis.org/bench/"  # build_bench's base_url


@pytest.fixture(scope="session")
def generated_show(tmp_path_factory) -> Path:
    show = tmp_path_factory.mktemp("generated") / "show"
    generate(show, EPISODES)
    return show


def read(path: Path) -> bytes | None:
    return path.read_bytes() if path.is_file() else None


def referenced_files(feed: bytes) -> set[str]:
    """The paths, below base_url, of every file the feed points at (a page's folder as its index.html)."""
    root = etree.fromstring(feed, etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True))
    urls = [value for element in root.iter() for name, value in element.items() if name in URL_ATTRIBUTES]
    urls += [element.text for element in root.iter("link") if element.text]
    return {u.removeprefix(BASE) + ("index.html" if u.endswith("/") else "") for u in urls if u.startswith(BASE)}


URL_ATTRIBUTES = {"url", "href", "uri"}


def assert_files_there(show: Path, out: Path, feed: bytes, context: str) -> set[str]:
    """Every file the feed points at is there, in the output folder or the show folder (media, artwork);
    chapters files whole (JSON that parses). Returns their paths."""
    names = referenced_files(feed)
    for name in names:
        path = out / name if (out / name).is_file() else show / name
        assert path.is_file(), f"{context}: the feed points at {name}, which is not there"
        if name.startswith("chapters/"):
            json.loads(path.read_bytes())
    return names


def leftovers(*folders: Path) -> list[str]:
    """Temp files and staging folders of ours (`.<name>.<pid>.tmp`) anywhere below the folders."""
    return [str(p) for folder in folders if folder.exists() for p in folder.rglob(".*.tmp")]


def change_show(show: Path, rng: random.Random, cycle: int) -> list[str]:
    """Edit the show as a producer would between two builds; returns what was done, for the failure message."""
    episodes = sorted(show.glob("*.md"))
    done = []
    for path in rng.sample(episodes, k=min(len(episodes), rng.randint(1, 3))):
        text = path.read_text("utf-8")
        path.write_text(re.sub(r'^title: "(.*?)( \(take \d+\))?"$', rf'title: "\1 (take {cycle})"', text, count=1,
                               flags=re.M), "utf-8")
        done.append(f"retitled {path.name}")
    if rng.random() < 0.7:  # a new episode, the newest; without a GUID half the time (build records one)
        number = int(episodes[-1].name[:5]) + 1
        stem = f"{number:05d}-episode-{number}"
        shutil.copyfile(show / "media" / f"{episodes[-1].stem}.mp3", show / "media" / f"{stem}.mp3")
        text = episodes[-1].read_text("utf-8")
        text = re.sub(r"^number: .*$", f"number: {number}", text, count=1, flags=re.M)
        text = re.sub(r"^audio: .*$", f"audio: media/{stem}.mp3", text, count=1, flags=re.M)
        # a day after the last one (years ahead would make it a scheduled episode, which the feed leaves out)
        text = re.sub(r"^date: (.*)$", lambda m: f"date: {datetime.fromisoformat(m[1]) + timedelta(days=1)}",
                      text, count=1, flags=re.M)
        guid = rng.random() < 0.5
        text = re.sub(r"^guid: .*\n", f"guid: kill-{number}\n" if guid else "", text, count=1, flags=re.M)
        (show / f"{stem}.md").write_text(text, "utf-8")
        done.append(f"added {stem}.md" + ("" if guid else " without a GUID"))
    if rng.random() < 0.5 and len(episodes) > 2:  # an episode deleted: its chapters file goes
        victim = rng.choice(episodes[:-1])
        victim.unlink()
        done.append(f"deleted {victim.name}")
    if rng.random() < 0.5:  # chapters written into the notes of an episode, or taken out again
        path = rng.choice([p for p in show.glob("*.md")])
        text = path.read_text("utf-8")
        marker = "\n\n00:00 Intro\n00:02 Talk\n00:04 Outro\n"
        path.write_text(text.replace(marker, "") if marker in text else text + marker, "utf-8")
        done.append(f"{'un' * (marker in text)}chaptered {path.name}")
    return done


def stat_key(path: Path):
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return st.st_ino, st.st_mtime_ns, st.st_size


def kill_at_random(process: subprocess.Popen, rng: random.Random, duration: float, out: Path) -> str:
    """SIGKILL the build at a random moment, or just after a random file event; returns which."""
    trigger = rng.choice(["time", "time", "feed temp file", "feed renamed"])
    if trigger == "time":
        delay = rng.uniform(0, duration)
        time.sleep(delay)
        how = f"after {delay:.3f} s"
    else:
        before, deadline = stat_key(out / "feed.xml"), time.monotonic() + 4 * duration + 5
        while process.poll() is None and time.monotonic() < deadline:
            if trigger == "feed temp file" and out.is_dir() and any(
                    n.startswith(".feed.xml.") for n in os.listdir(out)):
                break
            if trigger == "feed renamed" and stat_key(out / "feed.xml") != before:
                break
            time.sleep(0.0005)
        delay = rng.uniform(0, 0.01)
        time.sleep(delay)
        how = f"{delay * 1000:.1f} ms after the {trigger}"
    process.kill()
    process.wait()
    return how + (" (it had finished)" if process.returncode == 0 else "")


def test_build_killed_at_random_moments(generated_show, tmp_path):
    rng = random.Random(SEED)
    show, out = tmp_path / "show", tmp_path / "public"
    shutil.copytree(generated_show, show)
    command = [sys.executable, "-m", "feedtool", "-q", "build", str(show), "--out", str(out)]
    env = subprocess_env()

    def complete_build(context: str) -> float:
        started = time.monotonic()
        result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, f"{context}: the next build failed:\n{result.stderr}"
        return time.monotonic() - started

    durations = {"first": complete_build("first build")}  # how long each kind takes here: the range of kill moments
    change_show(show, rng, 0)
    durations["warm"] = complete_build("warm build")
    durations["cold"] = durations["first"]
    outcomes = Counter()
    for cycle in range(1, KILLS + 1):
        kind = rng.choice(["first", "cold", "warm", "warm"])
        done = change_show(show, rng, cycle)
        if kind in ("first", "cold"):  # no cache: every episode built afresh (first: into an empty folder)
            shutil.rmtree(show / ".feedtool")
        if kind == "first":
            shutil.rmtree(out)
        old = read(out / "feed.xml")
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        how = kill_at_random(process, rng, durations[kind], out)
        context = f"seed {SEED}, cycle {cycle}, {kind} build ({', '.join(done)}) killed {how}"
        live = read(out / "feed.xml")
        if live is not None:
            assert_files_there(show, out, live, context)

        complete_build(context)
        new = read(out / "feed.xml")
        assert new != old, context
        assert live in (old, new), f"{context}: the feed is neither the previous one nor the new one"
        outcomes["left the previous feed" if live == old else "left the new feed"] += 1
        outcomes["finished before the kill"] += process.returncode == 0
        assert run_cli("-q", "build", show, "--out", tmp_path / "reference", "--no-cache") == 0, context
        assert new == (tmp_path / "reference" / "feed.xml").read_bytes(), f"{context}: differs from a build from scratch"
        linked = assert_files_there(show, out, new, context)
        chapters = {f"chapters/{p.name}" for p in (out / "chapters").iterdir()}
        assert chapters == {name for name in linked if name.startswith("chapters/")}, f"{context}: stale chapters"
        pages = {f"{p.name}/index.html" for p in out.iterdir() if p.is_dir() and re.match(r"\d{5}-", p.name)}
        assert pages == {f"{p.stem}/index.html" for p in show.glob("*.md")} and pages <= linked, f"{context}: pages"
        assert leftovers(out, show) == [], context
    print(f"\n{KILLS} builds of {EPISODES}+ episodes killed (seed {SEED}): "
          + ", ".join(f"{n} {what}" for what, n in sorted(outcomes.items())))
