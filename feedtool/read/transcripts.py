"""Transcripts beside the audio: check that a WebVTT, SubRip or JSON transcript is well-formed before it ships.

Podcast apps drop a transcript they cannot parse, silently. These checks follow the WebVTT file syntax (W3C),
the SubRip convention (number, timing, text, blank line) and the Podcast Index JSON transcript format, and name
the line of every problem. They are strict where players are strict (timings, separators) and do not judge
cue text. The `srt` and `webvtt-py` libraries repair or skip what they cannot read instead, so they cannot
tell a producer which line to fix.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from feedtool.errors import Finding, error, shorten
from feedtool.facts import is_digits
from feedtool.read.episodes import display_path

MAX_PROBLEMS = 10  # a file in the wrong format would otherwise report every line
VTT_TIME = r"(?:(\d{2,}):)?([0-5]\d):([0-5]\d)\.(\d{3})"
VTT_TIMING = re.compile(rf"^{VTT_TIME}[ \t]+-->[ \t]+{VTT_TIME}(?:[ \t]+\S.*)?$")
TIME_START = re.compile(r"^\s*\d+:\d\d")
SRT_TIME = r"(\d{1,3}):([0-5]\d):([0-5]\d)[,.](\d{3})"
SRT_TIMING = re.compile(rf"^{SRT_TIME}[ \t]*-->[ \t]*{SRT_TIME}(?:[ \t]+\S.*)?$")
VTT_HINT = "write it as 00:01:02.500 --> 00:01:05.000: two-digit minutes and seconds, a dot, three-digit milliseconds"
SRT_HINT = "write it as 00:01:02,500 --> 00:01:05,000"


def check_transcript(path: Path) -> list[Finding]:
    """Every problem in one transcript file, each naming the file and line (or JSON segment)."""
    where = display_path(path)
    try:
        raw = path.read_bytes()
    except OSError as e:
        return [error("transcript/read", where, f"cannot read the transcript: {e.strerror}")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        return [error("transcript/encoding", f"{where}:{line}", "not UTF-8 text", "save the transcript as UTF-8")]
    checker = CHECKERS.get(path.suffix.lower())
    problems = checker(text) if checker else []
    findings = [error("transcript/format", f"{where}:{spot}", problem, hint) for spot, problem, hint in problems]
    if len(findings) > MAX_PROBLEMS:
        findings = findings[:MAX_PROBLEMS] + [
            error(
                "transcript/format",
                where,
                f"{len(findings) - MAX_PROBLEMS} more problems",
                "fix the ones above first; is the file in this format?",
            )
        ]
    return findings


def _blocks(text: str):
    """(line number of the block's first line, [lines]) for each run of non-blank lines."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    block: list[str] = []
    start = 0
    for number, line in enumerate(lines + [""], start=1):
        if line.strip():
            if not block:
                start = number
            block.append(line)
        elif block:
            yield start, block
            block = []


def _seconds(match, offset: int) -> float:
    hours, minutes, seconds, millis = match.group(offset + 1, offset + 2, offset + 3, offset + 4)
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds) + int(millis) / 1000


def _order(number: int, start: float, end: float, previous: float | None, strict_end: bool) -> list[tuple]:
    problems = []
    if end < start or (strict_end and end == start):
        problems.append(
            (
                number,
                (f"the cue ends at {end:g} s, {'before' if end < start else 'when'} it starts ({start:g} s)"),
                "the end time must come after the start time",
            )
        )
    if previous is not None and start < previous:
        problems.append(
            (
                number,
                f"the cue starts at {start:g} s, before the cue above it ({previous:g} s)",
                "list cues in time order",
            )
        )
    return problems


def vtt_problems(text: str) -> list[tuple]:
    """WebVTT: a WEBVTT line, then blank-line separated NOTE, STYLE, REGION and cue blocks.

    >>> vtt_problems("WEBVTT\\n\\n00:01.000 --> 00:02.000\\nHi\\n")
    []
    >>> vtt_problems("WEBVTT\\n\\n00:01,000 --> 00:02.000\\nHi\\n")[0][:2]
    (3, "the cue timing '00:01,000 --> 00:02.000' is malformed")
    """
    first = text.split("\n", 1)[0].rstrip("\r")
    if not re.match(r"^WEBVTT(?:[ \t].*)?$", first):
        return [(1, "does not start with 'WEBVTT'", "make the first line WEBVTT, then a blank line, then the cues")]
    problems: list[tuple] = []
    previous = None
    seen_cue = False
    for start, block in _blocks(text):
        if start == 1:  # the header: WEBVTT and its lines up to the first blank line
            problems += [
                (start + i, "a cue timing in the header", "leave a blank line after the WEBVTT line")
                for i, line in enumerate(block)
                if "-->" in line
            ]
            continue
        head = block[0].strip()
        kind = head.split(None, 1)[0] if head else ""
        if kind == "NOTE" or (kind in ("STYLE", "REGION") and "-->" not in head):
            if kind != "NOTE" and seen_cue:
                problems.append((start, f"a {kind} block after the first cue", f"move {kind} blocks above the cues"))
            continue
        at = 0 if _timing_like(block[0]) else 1  # an optional cue identifier comes first
        if at >= len(block) or not _timing_like(block[at]):
            problems.append(
                (
                    start + min(at, len(block) - 1),
                    f"expected a cue timing line, found '{shorten(block[-1], 60)}'",
                    (
                        "give each cue a timing line like 00:01:02.500 --> 00:01:05.000, and separate "
                        "cues by a blank line"
                    ),
                )
            )
            continue
        number = start + at
        match = VTT_TIMING.match(block[at].strip())
        if not match:
            problems.append((number, f"the cue timing '{shorten(block[at].strip(), 60)}' is malformed", VTT_HINT))
        else:
            begin, end = _seconds(match, 0), _seconds(match, 4)
            problems += _order(number, begin, end, previous, strict_end=True)
            previous = begin
        seen_cue = True
        problems += [
            (number + 1 + i, "'-->' inside the cue text", "separate cues by a blank line")
            for i, line in enumerate(block[at + 1 :])
            if "-->" in line
        ]
    return problems


def srt_problems(text: str) -> list[tuple]:
    """SubRip: blocks of a number line, a timing line and text lines, separated by blank lines.

    >>> srt_problems("1\\n00:00:01,000 --> 00:00:02,000\\nHi\\n")
    []
    >>> srt_problems("1\\n00:00:01,000 -> 00:00:02,000\\nHi\\n")[0][:2]
    (2, "the timing '00:00:01,000 -> 00:00:02,000' is malformed")
    """
    problems: list[tuple] = []
    previous = None
    count = 0
    for start, block in _blocks(text):
        count += 1
        head = block[0].strip()
        if not is_digits(head):
            problems.append(
                (
                    start,
                    f"expected a subtitle number, found '{shorten(head, 60)}'",
                    ("start each subtitle with its number (1, 2, 3…) on a line of its own, after a blank line"),
                )
            )
            continue
        if len(block) < 2:
            problems.append((start, "a subtitle number without a timing line", SRT_HINT))
            continue
        match = SRT_TIMING.match(block[1].strip())
        if not match:
            problems.append((start + 1, f"the timing '{shorten(block[1].strip(), 60)}' is malformed", SRT_HINT))
        else:
            begin, end = _seconds(match, 0), _seconds(match, 4)
            problems += _order(start + 1, begin, end, previous, strict_end=False)
            previous = begin
        problems += [
            (start + 2 + i, "a timing line inside the subtitle text", "separate subtitles by a blank line")
            for i, line in enumerate(block[2:])
            if SRT_TIMING.match(line.strip())
        ]
    if not count:
        problems.append((1, "holds no subtitles", "export the transcript again, or remove the file"))
    return problems


def json_problems(text: str) -> list[tuple]:
    """The Podcast Index JSON transcript: {"version": …, "segments": [{"startTime", "endTime", "body"}…]}."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        return [(e.lineno, f"not valid JSON: {e.msg}", "check the JSON syntax, e.g. with python3 -m json.tool")]
    example = 'use {"version": "1.0.0", "segments": [{"startTime": 0, "endTime": 1.5, "body": "…"}]}'
    if not isinstance(data, dict) or not isinstance(data.get("segments"), list):
        return [(1, 'is not a JSON transcript: it has no "segments" list', example)]
    problems = []
    for i, segment in enumerate(data["segments"]):
        times = [segment.get(k) for k in ("startTime", "endTime")] if isinstance(segment, dict) else []
        if (
            len(times) != 2
            or not all(isinstance(t, (int, float)) and not isinstance(t, bool) for t in times)
            or not isinstance(segment.get("body"), str)
        ):
            problems.append((f"segments[{i}]", "needs numeric startTime and endTime and a text body", example))
        elif times[1] < times[0]:
            problems.append(
                (
                    f"segments[{i}]",
                    f"ends at {times[1]:g} s, before it starts ({times[0]:g} s)",
                    "the end time must come after the start time",
                )
            )
    return problems


_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")  # not text: tab, newline, form feed and CR are
_TAG = re.compile(r"<(?:[A-Za-z][A-Za-z0-9-]*|!--)")  # an HTML start tag or comment


def _binary(text: str) -> list[tuple]:
    bad = _CONTROL.search(text)
    if bad is None:
        return []
    line = text.count("\n", 0, bad.start()) + 1
    return [(line, f"holds the control character U+{ord(bad.group()):04X}, so it is not text", "export it again")]


def text_problems(text: str) -> list[tuple]:
    """Plain text: any UTF-8 text without control characters.

    >>> text_problems("Hello\\n")
    []
    """
    return _binary(text)


def html_problems(text: str) -> list[tuple]:
    """HTML: text with markup (an HTML transcript with no tag at all is some other file named .html).

    >>> html_problems("<p>Hello</p>")
    []
    >>> html_problems("root:x:0:0:root:/root:/bin/bash")[0][1]
    'has no HTML markup'
    """
    if not _TAG.search(text):
        return [(1, "has no HTML markup", "export the transcript as HTML, or name a plain-text transcript .txt")]
    return _binary(text)


def _timing_like(line: str) -> bool:
    """A cue timing, well-formed or not: it has the arrow or starts with a time."""
    return "-->" in line or bool(TIME_START.match(line))


CHECKERS = {
    ".vtt": vtt_problems,
    ".srt": srt_problems,
    ".json": json_problems,
    ".html": html_problems,
    ".txt": text_problems,
}
