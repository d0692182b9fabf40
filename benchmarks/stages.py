#!/usr/bin/env python3
"""Where one episode's build time goes: each stage of build/episode.py build_episode timed, in one process.

    python3 benchmarks/build_bench.py -n 1000 --workdir /tmp/bench   # generates /tmp/bench/show-1000
    python3 benchmarks/stages.py /tmp/bench/show-1000

Prints milliseconds per episode, the best of three passes over the show. Indented rows are part of the row
above them. The wrappers cost a little, so the stages add up to a bit more than a plain build_episode.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from feedtool.build import episode  # noqa: E402
from feedtool.build import show as build  # noqa: E402
from feedtool.read import probe  # noqa: E402
from feedtool.read.config import load_config  # noqa: E402
from feedtool.render.notes import render_footer  # noqa: E402

STAGES = [  # (module, function, label)
    (episode, "read_episode", "front matter (file, YAML, typed fields)"),
    (probe, "_load_mp3", "audio: ID3 tag + MPEG stream info"),
    (probe, "read_id3_frames", "  ID3 tag (id3frames.py)"),
    (probe, "read_stream_info", "  MPEG stream info (mp3stream.py)"),
    (episode, "make_episode", "episode model"),
    (build, "render_markdown", "  Markdown + sanitiser (cmark-gfm, nh3)"),
    (episode, "render_item_tree", "render the item (feedgen + extensions)"),
    (episode, "item_findings", "check rules over the item"),
    (episode, "render_chapters", "chapters JSON"),
    (episode, "_transcripts_beside", "transcripts beside the audio"),
    (episode, "signature", "stat the inputs for the cache"),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("show", type=Path)
    args = parser.parse_args()
    spent: dict[str, float] = defaultdict(float)
    for module, name, label in STAGES:
        setattr(module, name, _timed(getattr(module, name), label, spent))
    config = load_config(args.show)
    footer = render_footer(config.show.credits, config.show.funding)
    paths = sorted(args.show.glob("*.md"))
    for path in paths[:50]:  # warm up imports and caches
        episode.build_episode(config, footer, path, {})
    best: tuple[float, dict[str, float]] | None = None
    for _ in range(3):
        spent.clear()
        start = time.perf_counter()
        for path in paths:
            episode.build_episode(config, footer, path, {})
        total = time.perf_counter() - start
        if best is None or total < best[0]:
            best = (total, dict(spent))
    total, stages = best
    per = 1000 / len(paths)
    for _, _, label in STAGES:
        print(f"{label:45s} {stages.get(label, 0) * per:6.3f} ms")
    top = sum(v for k, v in stages.items() if not k.startswith(" "))
    print(f"{'the rest (paths, refs, glue)':45s} {(total - top) * per:6.3f} ms")
    print(f"{'per episode':45s} {total * per:6.3f} ms  ({len(paths)} episodes)")
    return 0


def _timed(function, label, spent):
    def timed(*args, **kwargs):
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent[label] += time.perf_counter() - start

    return timed


if __name__ == "__main__":
    sys.exit(main())
