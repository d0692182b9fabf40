"""The same show gives the same bytes whoever builds it: two copies of a show, at other paths, built by separate
processes from other working folders with other hash seeds, time zones and locales (and one without the build
cache, one with the parallel builder), write byte-identical output folders and record the same GUIDs."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import many_episodes, shipped_copy, write_config
from servers import subprocess_env

ROOT = Path(__file__).parent.parent
NOW = "2026-06-01T12:00:00+00:00"
ENVIRONMENTS = (  # (environment, extra arguments)
    ({"PYTHONHASHSEED": "0", "TZ": "UTC", "LC_ALL": "C.UTF-8"}, ()),
    ({"PYTHONHASHSEED": "4242", "TZ": "Pacific/Chatham", "LC_ALL": "C"}, ("--no-cache",)),
)


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and ".feedtool" not in p.parts}


def build_twice(show: Path, tmp_path: Path) -> list[tuple[dict[str, bytes], dict[str, bytes]]]:
    """Build a copy of `show` in each environment; (output files, show files) of each."""
    results = []
    for n, (env, extra) in enumerate(ENVIRONMENTS):
        place = tmp_path / f"elsewhere-{n}" / ("deeper/" * n)
        copy = place / show.name
        shutil.copytree(show, copy)
        out = place / f"site-{n}"
        cwd = ROOT if n == 0 else place
        command = [sys.executable, "-m", "feedtool", "-q", "build", str(copy), "--out", str(out), "--now", NOW, *extra]
        result = subprocess.run(command, cwd=cwd, env=subprocess_env(env), capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr
        results.append((tree(out), tree(copy)))
    return results


@pytest.mark.parametrize("kind", ["shipped", "many"])
def test_two_machines_build_the_same_bytes(kind, tmp_path):
    if kind == "shipped":
        show = shipped_copy(tmp_path / "source")
    else:  # the parallel builder, chapters files, web pages of 60 episodes
        show = tmp_path / "source" / "show"
        write_config(show)
        many_episodes(show)
        for episode in sorted(show.glob("*.md"))[::2]:  # new episodes: each build decides and records their GUIDs
            episode.write_text("".join(line for line in episode.read_text().splitlines(True)
                                       if not line.startswith("guid:")))
    (first_out, first_show), (second_out, second_show) = build_twice(show, tmp_path)
    assert sorted(first_out) == sorted(second_out)
    for name in first_out:
        assert first_out[name] == second_out[name], name
    assert first_show == second_show  # the GUIDs recorded in the episode files and show.toml, too
    if kind == "many":
        assert b"\nguid: " in first_show["0001-ep.md"] and b"guid = " in first_show["show.toml"]
    assert "feed.xml" in first_out and len(first_out) > 3
