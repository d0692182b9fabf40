"""Chapters written as timestamps in the show notes ("00:00 – Intro", "12:16 Outro"), as partner sites list them."""

from __future__ import annotations

import re

from feedtool.model import Chapter
from feedtool.timecode import parse_timecode

TIMESTAMP_LINE = re.compile(
    r"^\s*(?:[-*+]\s+)?[\[(]?(?P<time>(?:\d{1,2}:)?\d{1,2}:\d{2}(?:\.\d+)?)[\])]?\s*(?:[-–—:|]\s*)?(?P<title>\S.*?)\s*$"
)
ANY_TIME = re.compile(r"\d:\d{2}")  # in every timestamp line: notes without one have no chapters to look for
LINKED_TITLE = re.compile(r"^\[(?P<title>[^\]]+)\]\((?P<url>https?://[^)\s]+)\)$")


def chapters_from_notes(notes: str) -> tuple[Chapter, ...]:
    """Chapters from timestamp lines; needs at least two, so a lone time in the text is not a chapter list.

    >>> [(c.start, c.title) for c in chapters_from_notes("Intro text\\n\\n00:00 – Intro\\n12:16 Outro\\n")]
    [(0.0, 'Intro'), (736.0, 'Outro')]
    >>> chapters_from_notes("Recorded at 10:30 in Kyiv.")
    ()
    """
    if not ANY_TIME.search(notes):
        return ()
    chapters = []
    for line in notes.splitlines():
        match = TIMESTAMP_LINE.match(line)
        if not match:
            continue
        try:
            start = parse_timecode(match["time"])
        except ValueError:
            continue
        title, url = match["title"], None
        linked = LINKED_TITLE.match(title)
        if linked:
            title, url = linked["title"], linked["url"]
        chapters.append(Chapter(start=start, title=title, url=url))
    return tuple(chapters) if len(chapters) >= 2 else ()
