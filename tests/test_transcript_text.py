"""Transcripts as plain text for the episode page: every format, speakers, and files that cannot be read."""

from __future__ import annotations

import json

from feedtool.read.transcript_text import transcript_text


def test_timed_formats_lose_their_timings_and_start_a_paragraph_per_speaker(tmp_path):
    vtt = tmp_path / "a.vtt"
    vtt.write_text("WEBVTT\n\nNOTE a note\n\n1\n00:00.000 --> 00:01.000\n<v Host>Hello <b>and</b>\nwelcome\n\n"
                   "00:01.000 --> 00:02.000\n<v Host>to the show.\n\n00:02.000 --> 00:03.000\n<v Guest>Thanks &amp; hi.\n")
    assert transcript_text([vtt]) == "Host: Hello and welcome to the show.\n\nGuest: Thanks & hi."
    srt = tmp_path / "a.srt"
    srt.write_text("1\n00:00:00,000 --> 00:00:01,000\nOne\n\n2\n00:00:01,000 --> 00:00:02,000\nTwo\n")
    assert transcript_text([srt]) == "One Two"
    segments = tmp_path / "a.json"
    segments.write_text(json.dumps({"version": "1.0.0", "segments": [
        {"speaker": "A", "startTime": 0, "endTime": 1, "body": "Hi"},
        {"speaker": "B", "startTime": 1, "endTime": 2, "body": "Hello"}]}))
    assert transcript_text([segments]) == "A: Hi\n\nB: Hello"


def test_text_and_html_are_preferred_and_html_loses_its_tags(tmp_path):
    page = tmp_path / "a.html"
    page.write_text("<html><head><title>T</title><style>p{}</style></head><body><h1>Title</h1><p>One &amp; "
                    "<em>two</em></p><script>alert(1)</script><p>Three</p></body></html>")
    assert transcript_text([page]) == "Title\n\nOne & two\n\nThree"
    text = tmp_path / "a.txt"
    text.write_text("Plain words.\n\nSecond paragraph.\n")
    assert transcript_text([page, text]) == "Plain words.\n\nSecond paragraph."


def test_a_transcript_that_cannot_be_read_is_not_shown(tmp_path):
    broken = tmp_path / "a.json"
    broken.write_text("{not json")
    latin = tmp_path / "a.txt"
    latin.write_bytes("caf\xe9".encode("latin-1"))
    assert transcript_text([broken, latin, tmp_path / "missing.vtt"]) is None
