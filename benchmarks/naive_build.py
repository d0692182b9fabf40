#!/usr/bin/env python3
"""The reference point for build_bench.py: the same libraries used the obvious way, no cache, one process.

pure-Python YAML (yaml.SafeLoader), Python-Markdown, mutagen.File, feedgen with all entries in memory.
Needs `pip install markdown`. Usage: naive_build.py SHOW_DIR OUT.xml
"""

import sys
from pathlib import Path

import markdown
import mutagen
import yaml
from feedgen.feed import FeedGenerator


def main(show: Path, out: Path) -> None:
    feed = FeedGenerator()
    feed.load_extension("podcast")
    feed.title("Naive")
    feed.link(href="https://media.uacrisis.org/bench/")
    feed.description("naive")
    for path in sorted(show.glob("*.md")):
        _, front, body = path.read_text("utf-8").split("---\n", 2)
        meta = yaml.load(front, Loader=yaml.SafeLoader)
        html = markdown.markdown(body)
        audio = mutagen.File(show / meta["audio"])
        entry = feed.add_entry(order="append")
        entry.title(str(meta["title"]))
        entry.guid(str(meta["guid"]), permalink=False)
        entry.description(html)
        entry.content(html, type="CDATA")
        entry.enclosure(
            "https://media.uacrisis.org/bench/" + meta["audio"],
            str((show / meta["audio"]).stat().st_size),
            "audio/mpeg",
        )
        entry.podcast.itunes_duration(int(audio.info.length))
    feed.rss_file(str(out), pretty=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
