"""The Podcast Index JSON chapters file (application/json+chapters), referenced by podcast:chapters."""

from __future__ import annotations

import json

from feedtool.model import Chapter


def render_chapters(chapters: tuple[Chapter, ...], duration: float | None = None) -> bytes:
    """JSON Chapters 1.2.0: startTime in seconds, hidden chapters marked toc=false.

    >>> render_chapters((Chapter(0, "Intro"), Chapter(61.5, "Talk", url="https://x.org")))[:40]
    b'{\\n  "version": "1.2.0",\\n  "chapters": [\\n'
    """
    items = []
    for chapter in chapters:
        item = {"startTime": _number(chapter.start), "title": chapter.title}
        if chapter.url:
            item["url"] = chapter.url
        if chapter.image:
            item["img"] = chapter.image
        if chapter.hidden:
            item["toc"] = False
        items.append(item)
    document = {"version": "1.2.0", "chapters": items}
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _number(seconds: float) -> int | float:
    return int(seconds) if float(seconds).is_integer() else round(seconds, 3)
