#!/usr/bin/env python3
"""Start-up benchmark: what importing each command's module adds to `feedtool`'s start.

    python3 benchmarks/startup_bench.py              # median of 15 fresh interpreters per module
    python3 benchmarks/startup_bench.py --rounds 31

cli/ imports a command's module inside its handler so that `feedtool --help`, `feedtool new` and the like do
not pay for the others (feedgen, lxml, requests, werkzeug, Pillow...). This prints, for feedtool.cli alone and
for feedtool.cli plus each module a handler imports, the wall time of `python3 -c "import ..."`: the difference
is what an import at the top of cli/ would cost every command.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAZY = [
    "feedtool.read.config",  # cli/common.py load_show_config
    "feedtool.build.pipeline",  # build, publish
    "feedtool.tag.run",  # tag
    "feedtool.check.run",  # check
    "feedtool.publish",  # publish
    "feedtool.serve",  # preview
    "feedtool.new",  # new
    "feedtool.importer",  # import
]


def wall_ms(code: str, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    base = wall_ms("import feedtool.cli", args.rounds)
    print(f"{'feedtool.cli':28} {base:6.0f} ms")
    for module in LAZY:
        total = wall_ms(f"import feedtool.cli, {module}", args.rounds)
        print(f"{'+ ' + module:28} {total:6.0f} ms  (+{total - base:.0f} ms)")


if __name__ == "__main__":
    main()
