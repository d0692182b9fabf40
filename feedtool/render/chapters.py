"""The Podcast Index JSON chapters file (application/json+chapters), referenced by podcast:chapters."""

from __future__ import annotations

from json.encoder import encode_basestring  # json's own C string encoder (ensure_ascii=False)

from feedtool.model import Chapter


def render_chapters(chapters: tuple[Chapter, ...], duration: float | None = None) -> bytes:
    """JSON Chapters 1.2.0: startTime in seconds, hidden chapters marked toc=false.

    One chapter a line: as readable as an indented file. Each line is what json.dumps(chapter,
    ensure_ascii=False) writes, put together here around json's C string encoder: json's indenting encoder
    is pure Python, and a dumps call per chapter makes a new encoder each time (benchmarks/stages.py).
    tests/test_chapters.py holds the lines to json.dumps on random chapters.

    >>> print(render_chapters((Chapter(0, "Intro"), Chapter(61.5, "Talk", url="https://x.org"))).decode())
    {
      "version": "1.2.0",
      "chapters": [
        {"startTime": 0, "title": "Intro"},
        {"startTime": 61.5, "title": "Talk", "url": "https://x.org"}
      ]
    }
    <BLANKLINE>
    """
    items = []
    for chapter in chapters:
        item = f'{{"startTime": {_number(chapter.start)!r}, "title": {encode_basestring(chapter.title)}'
        if chapter.url:
            item += f', "url": {encode_basestring(chapter.url)}'
        if chapter.image:
            item += f', "img": {encode_basestring(chapter.image)}'
        if chapter.hidden:
            item += ', "toc": false'
        items.append(item + "}")
    lines = ",".join(f"\n    {item}" for item in items)
    if lines:
        lines += "\n  "
    return f'{{\n  "version": "1.2.0",\n  "chapters": [{lines}]\n}}\n'.encode()


def _number(seconds: float) -> int | float:
    return int(seconds) if float(seconds).is_integer() else round(seconds, 3)
