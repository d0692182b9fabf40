#!/usr/bin/env python3
"""Builds of another revision and of this working tree, run alternately: a fair before/after.

    python3 benchmarks/compare_builds.py 9890cae /tmp/bench/show-10000 --rounds 3          # cold builds
    python3 benchmarks/compare_builds.py 9890cae /tmp/bench/show-10000 --one-changed     # warm, one edit

The machine is shared and noisy; timings of one build vary by ±10 % from run to run and by more from hour
to hour. Alternating the two versions on the same show compares them under the same conditions. Cold:
the build cache is removed, the previous output set aside (deleted at the end: see build_bench.set_aside)
and the file system synced before each build.
--one-changed: each version keeps its own output folder (and so its own cache); before each timed build
one episode's title is edited, as build_bench.py does.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from build_bench import compile_feedtool  # noqa: E402


def cold_build(source: Path, show: Path, out: Path) -> float:
    if out.exists():  # deleted at the end: see build_bench.set_aside
        out.rename(out.with_name(f"{out.name}.old-{time.monotonic_ns()}"))
    for cache in (show / ".feedtool").glob("build-*.cache"):
        cache.unlink()
    os.sync()
    return timed_build(source, show, out)


def one_changed_build(source: Path, show: Path, out: Path, round_: int) -> float:
    if not (out / "feed.xml").exists():
        timed_build(source, show, out)  # the cold build that fills the cache, untimed
    episode = next(show.glob("*.md"))
    text = episode.read_text("utf-8")
    episode.write_text(re.sub(r"^title: .*$", f'title: "Edited {round_} {out.name}"', text, count=1, flags=re.M))
    return timed_build(source, show, out)


def timed_build(source: Path, show: Path, out: Path) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "feedtool", "-q", "build", str(show), "--out", str(out)],
        cwd=source,
        env={**os.environ, "PYTHONPATH": str(source)},
        check=True,
    )
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("revision", help="the git revision to compare with (e.g. main, HEAD~3)")
    parser.add_argument("show", type=Path, help="a show folder, e.g. one made by build_bench.py --workdir")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--one-changed", action="store_true", help="time warm rebuilds with one episode edited")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        other = Path(scratch) / "other"
        subprocess.run(["git", "worktree", "add", "-q", "--detach", str(other), args.revision], cwd=ROOT, check=True)
        for source in (other, ROOT):
            compile_feedtool(source)
        try:
            times: dict[str, list[float]] = {args.revision: [], "working tree": []}
            show = args.show.resolve()
            for round_ in range(args.rounds):
                for label, source in ((args.revision, other), ("working tree", ROOT)):
                    if args.one_changed:
                        out = Path(scratch) / ("out-other" if source == other else "out-this")
                        times[label].append(one_changed_build(source, show, out, round_))
                    else:
                        times[label].append(cold_build(source, show, Path(scratch) / "out"))
                    print(f"{label:20s} {times[label][-1]:6.2f} s", flush=True)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(other)], cwd=ROOT, check=True)
    for label, values in times.items():
        print(f"{label:20s} " + ", ".join(f"{v:.2f}" for v in values) + f"  (best {min(values):.2f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
