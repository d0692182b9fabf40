"""`feedtool tag` killed at random moments (SIGKILL to a `python -m feedtool tag` subprocess), many times over a
show of MP3 (ID3), M4A (chapters through ffmpeg), Opus and FLAC episodes. After every kill
- every audio file is byte for byte either its untagged original or its fully tagged version (a reference copy
  of the show tagged once, uninterrupted, in another folder);
- the next `tag` run completes, every file then equals the reference, and no temp file of the killed run is
  left in the media folder.
The reference is read back by real readers (mutagen, ffprobe) once, so "tagged" means tags that are there.

Half of the kills land at a random moment of a whole run; the other half just after a temp file appears in
the media folder (the moments when files come and go).

CI runs 16 episodes and 6 kills (about 15 s). A long run (README, Reliability):
    FEEDTOOL_TAG_KILL_EPISODES=48 FEEDTOOL_TAG_KILL_COUNT=60 python3 -m pytest tests/test_tag_kill.py -s
FEEDTOOL_KILL_SEED=<n> repeats a sequence of choices.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from conftest import make_episode, write_config
from mutagen import File as MutagenFile
from servers import ROOT, subprocess_env
from test_tag import make_audio, png

EPISODES = int(os.environ.get("FEEDTOOL_TAG_KILL_EPISODES", 16))
KILLS = int(os.environ.get("FEEDTOOL_TAG_KILL_COUNT", 6))
SEED = int(os.environ.get("FEEDTOOL_KILL_SEED", time.time_ns() % 1_000_000))
KINDS = ("mp3", "m4a", "opus", "flac")
NOTES = "Notes for the episode, with a [link](https://x.example.org/n).\n\n00:00 Intro\n00:02 Talk\n00:04 Outro\n"


def make_show(root: Path, count: int) -> Path:
    """count episodes, the containers taking turns; each one's audio a copy of one tiny file per container."""
    show = root / "show"
    write_config(show, show={"artwork": "art.png"})
    (show / "art.png").write_bytes(png(1500))  # over 1400 px: tag embeds a downscaled JPEG
    sources = {kind: make_audio(root / f"source.{kind}", kind) for kind in KINDS}
    for n in range(1, count + 1):
        kind = KINDS[n % len(KINDS)]
        audio = f"media/{n:04d}-ep.{kind}"
        (show / "media").mkdir(parents=True, exist_ok=True)
        shutil.copyfile(sources[kind], show / audio)
        make_episode(show, f"{n:04d}-ep.md", notes=NOTES, audio=audio, make_audio=False,
                     title=f"Episode {n} – Київ 🎧", date=f"2024-01-{1 + n % 28:02d}T08:00:00+00:00")
    return show


def audio_files(show: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((show / "media").iterdir()) if not p.name.startswith(".")}


def hidden_files(show: Path) -> list[str]:
    return sorted(p.name for p in (show / "media").iterdir() if p.name.startswith("."))


def tag_command(show: Path) -> list[str]:
    return [sys.executable, "-m", "feedtool", "-q", "tag", str(show)]


def complete_tag(show: Path, context: str) -> float:
    started = time.monotonic()
    result = subprocess.run(tag_command(show), cwd=ROOT, env=subprocess_env(), capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, f"{context}: the next tag run failed:\n{result.stderr}"
    return time.monotonic() - started


def assert_really_tagged(show: Path) -> None:
    """The reference holds what tag promises, as mutagen and ffprobe read it."""
    for path in sorted((show / "media").iterdir()):
        audio = MutagenFile(path)
        n = int(path.name[:4])
        key = {".mp3": "TIT2", ".m4a": "\xa9nam"}.get(path.suffix, "TITLE")
        title = str(audio.tags[key]) if path.suffix == ".mp3" else audio.tags[key][0]
        assert title == f"Episode {n} – Київ 🎧", path
        probe = subprocess.run(["ffprobe", "-v", "error", "-print_format", "json", "-show_chapters", str(path)],
                               capture_output=True, text=True, check=True)
        # sorted: mutagen writes CHAP frames smallest first, and ffprobe lists them in file order
        chapters = sorted((float(c["start_time"]), c["tags"]["title"]) for c in json.loads(probe.stdout)["chapters"])
        if path.suffix in (".mp3", ".m4a"):  # ffprobe reads Vorbis CHAPTERnnn comments as plain tags
            assert chapters == [(0.0, "Intro"), (2.0, "Talk"), (4.0, "Outro")], path


def kill_at_random(process: subprocess.Popen, rng: random.Random, duration: float, media: Path) -> str:
    trigger = rng.choice(["time", "temp file"])
    if trigger == "time":
        delay = rng.uniform(0, duration)
        time.sleep(delay)
        how = f"after {delay:.3f} s"
    else:
        deadline = time.monotonic() + 4 * duration + 5
        skip = rng.randrange(EPISODES)  # the temp file of a random file of the run, not always the first
        seen: set[str] = set()
        while process.poll() is None and time.monotonic() < deadline:
            seen.update(n for n in os.listdir(media) if n.startswith("."))
            if len(seen) > skip:
                break
            time.sleep(0.0005)
        delay = rng.uniform(0, 0.02)
        time.sleep(delay)
        how = f"{delay * 1000:.1f} ms after temp file #{len(seen)} appeared"
    process.kill()
    process.wait()
    return how + (" (it had finished)" if process.returncode == 0 else "")


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="M4A chapters and the fixtures need ffmpeg")
def test_tag_killed_at_random_moments(tmp_path):
    rng = random.Random(SEED)
    started = time.monotonic()
    show = make_show(tmp_path, EPISODES)
    originals = audio_files(show)
    reference = tmp_path / "reference"
    shutil.copytree(show, reference)
    duration = complete_tag(reference, "reference")
    tagged = audio_files(reference)
    assert all(tagged[name] != originals[name] for name in originals)
    assert_really_tagged(reference)
    outcomes = Counter()
    for cycle in range(1, KILLS + 1):
        for name, data in originals.items():  # every cycle starts from the untagged files
            (show / "media" / name).write_bytes(data)
        process = subprocess.Popen(tag_command(show), cwd=ROOT, env=subprocess_env(), stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        how = kill_at_random(process, rng, duration, show / "media")
        context = f"seed {SEED}, cycle {cycle}, tag killed {how}"
        now = audio_files(show)
        assert now.keys() == originals.keys(), f"{context}: files came or went: {sorted(now)}"
        for name, data in now.items():
            assert data in (originals[name], tagged[name]), f"{context}: {name} is neither untagged nor tagged"
        done = sum(now[name] == tagged[name] for name in now)
        outcomes[f"{'no' if done == 0 else 'all' if done == len(now) else 'some'} files tagged"] += 1
        outcomes["temp files left"] += bool(hidden_files(show))
        complete_tag(show, context)
        assert audio_files(show) == tagged, f"{context}: the next run's files differ from the reference"
        assert hidden_files(show) == [], f"{context}: left after the next run"
    print(f"\n{KILLS} tag runs of {EPISODES} episodes killed (seed {SEED}, {time.monotonic() - started:.1f} s): "
          + ", ".join(f"{n} {what}" for what, n in sorted(outcomes.items())))
