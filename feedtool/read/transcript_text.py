"""A transcript file as plain text for the episode's web page: paragraphs split by blank lines.

Timed formats (WebVTT, SubRip, Podcast Index JSON) lose their timings; a new paragraph starts where the
speaker changes, or after a long stretch. HTML loses its tags. The files were checked by read/transcripts.py;
what cannot be read here is simply not shown (None).
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

PREFERRED = (".txt", ".html", ".vtt", ".srt", ".json")  # the formats written for reading come first
PARAGRAPH = 600  # characters: a paragraph that long ends at the next sentence end
_VOICE = re.compile(r"<v(?:\.[^ >]*)?\s+([^>]*)>")
_TAG = re.compile(r"<[^>]*>")


def transcript_text(paths) -> str | None:
    """The plain text of the first readable transcript among paths, by PREFERRED order."""
    for path in sorted(paths, key=lambda p: PREFERRED.index(p.suffix.lower()) if p.suffix.lower() in PREFERRED else 9):
        try:
            text = Path(path).read_bytes().decode("utf-8-sig")
        except (OSError, UnicodeDecodeError):
            continue
        reader = READERS.get(Path(path).suffix.lower())
        if reader is None:
            continue
        try:
            plain = reader(text)
        except (ValueError, TypeError, AttributeError):
            continue
        if plain.strip():
            return plain.strip()
    return None


def _blocks(text: str) -> list[list[str]]:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    blocks, block = [], []
    for line in lines + [""]:
        if line.strip():
            block.append(line)
        elif block:
            blocks.append(block)
            block = []
    return blocks


def _cues(text: str) -> list[tuple[str | None, str]]:
    """(speaker, text) of each cue of a WebVTT or SubRip file."""
    cues = []
    for block in _blocks(text):
        timing = next((i for i, line in enumerate(block) if "-->" in line), None)
        if timing is None:  # the WEBVTT header, NOTE, STYLE and REGION blocks
            continue
        body = " ".join(line.strip() for line in block[timing + 1 :])
        voice = _VOICE.search(body)
        words = html.unescape(_TAG.sub("", body)).strip()
        if words:
            cues.append((voice.group(1).strip() if voice else None, words))
    return cues


def _json_cues(text: str) -> list[tuple[str | None, str]]:
    segments = json.loads(text)["segments"]
    return [(s.get("speaker") or None, str(s["body"]).strip()) for s in segments if str(s.get("body", "")).strip()]


def _paragraphs(cues: list[tuple[str | None, str]]) -> str:
    paragraphs: list[str] = []
    speaker, current = None, ""
    for who, words in cues:
        long_enough = len(current) >= PARAGRAPH and current.endswith((".", "?", "!"))
        if current and ((who and who != speaker) or long_enough):
            paragraphs.append(current)
            current = ""
        if who and who != speaker:
            speaker = who
            current = f"{who}: "
        current += (" " if current and not current.endswith(": ") else "") + words
    if current:
        paragraphs.append(current)
    return "\n\n".join(paragraphs)


def _html_text(text: str) -> str:
    text = re.sub(r"(?is)<(script|style|head)\b.*?</\1\s*>", "", text)  # not words of the transcript
    blocks = re.split(r"(?i)</p>|<br\s*/?>|</h[1-6]>|</li>|</div>", text)
    return "\n\n".join(" ".join(html.unescape(_TAG.sub(" ", b)).split()) for b in blocks if _TAG.sub("", b).strip())


READERS = {
    ".txt": lambda text: text,
    ".html": _html_text,
    ".vtt": lambda text: _paragraphs(_cues(text)),
    ".srt": lambda text: _paragraphs(_cues(text)),
    ".json": lambda text: _paragraphs(_json_cues(text)),
}
