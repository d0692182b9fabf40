"""Transcripts beside the audio: published, referenced with the right type, language and rel, and checked by line."""

from __future__ import annotations

import json

import pytest
from conftest import BASE_URL, build, make_episode, write_config
from lxml import etree

from feedtool.build.pipeline import BuildOptions, run
from feedtool.read.config import load_config
from feedtool.read.transcripts import srt_problems, vtt_problems
from feedtool.render.ext import PODCAST_NS

VTT = "WEBVTT\n\n00:00.000 --> 00:02.000\n<v Host>Hello\n\n00:02.000 --> 00:04.500\nWorld\n"
SRT = "1\n00:00:00,000 --> 00:00:02,000\nHello\n\n2\n00:00:02,000 --> 00:00:04,500\nWorld\n"
JSON = json.dumps({"version": "1.0.0", "segments": [{"speaker": "Host", "startTime": 0, "endTime": 2,
                                                     "body": "Hello"}]})
TRANSCRIPTS = {".vtt": VTT, ".srt": SRT, ".json": JSON, ".html": "<p>Hello world</p>\n", ".txt": "Hello world\n"}


def show_with(tmp_path, files: dict[str, str], language: str = "uk"):
    show = tmp_path / "show"
    write_config(show, show={"language": language})
    make_episode(show)
    for suffix, text in files.items():
        (show / f"media/0001-first{suffix}").write_text(text, "utf-8")
    return show


def transcripts(feed) -> list[dict]:
    item = etree.parse(str(feed)).find("channel/item")
    return [dict(t.attrib) for t in item.findall(f"{{{PODCAST_NS}}}transcript")]


def test_every_transcript_format_is_referenced_and_published(tmp_path):
    show = show_with(tmp_path, TRANSCRIPTS)
    out = tmp_path / "public"
    assert build(show, out) == 0
    url = BASE_URL + "media/0001-first"
    assert transcripts(out / "feed.xml") == [
        {"url": url + ".vtt", "type": "text/vtt", "language": "uk", "rel": "captions"},
        {"url": url + ".srt", "type": "application/x-subrip", "language": "uk", "rel": "captions"},
        {"url": url + ".json", "type": "application/json", "language": "uk", "rel": "captions"},
        {"url": url + ".html", "type": "text/html", "language": "uk"},
        {"url": url + ".txt", "type": "text/plain", "language": "uk"},
    ]
    report, _ = run(load_config(show), BuildOptions(out_dir=tmp_path / "again", use_cache=False))
    assert set(report.refs[0].files) == {"media/0001-first.mp3"} | {f"media/0001-first{s}" for s in TRANSCRIPTS}


def test_no_transcript_no_element(tmp_path):
    show = show_with(tmp_path, {})
    assert build(show, tmp_path / "public") == 0
    assert transcripts(tmp_path / "public/feed.xml") == []


@pytest.mark.parametrize(("suffix", "text", "message"), [
    (".vtt", "WEBVTT\n\n00:00.000 -> 00:02.000\nHello\n",
     ("media/0001-first.vtt:3: the cue timing '00:00.000 -> 00:02.000' is malformed (write it as 00:01:02.500 --> "
     "00:01:05.000: two-digit minutes and seconds, a dot, three-digit milliseconds)")),
    (".vtt", "Hello\n\n00:00.000 --> 00:02.000\nHello\n",
     ("media/0001-first.vtt:1: does not start with 'WEBVTT' (make the first line WEBVTT, then a blank line, then "
     "the cues)")),
    (".vtt", "WEBVTT\n\n00:00.000 --> 00:02.000\nHello\n00:02.000 --> 00:03.000\nWorld\n",
     "media/0001-first.vtt:5: '-->' inside the cue text (separate cues by a blank line)"),
    (".vtt", "WEBVTT\n\n00:03.000 --> 00:02.000\nHello\n",
     ("media/0001-first.vtt:3: the cue ends at 2 s, before it starts (3 s) (the end time must come after the start "
     "time)")),
    (".vtt", "WEBVTT\n\nNOTE fine\n\n00:05.000 --> 00:06.000\nA\n\n00:01.000 --> 00:02.000\nB\n",
     "media/0001-first.vtt:8: the cue starts at 1 s, before the cue above it (5 s) (list cues in time order)"),
    (".vtt", "WEBVTT\n\nintro\njust text\n",
     ("media/0001-first.vtt:4: expected a cue timing line, found 'just text' (give each cue a timing line like "
     "00:01:02.500 --> 00:01:05.000, and separate cues by a blank line)")),
    (".srt", "1\n00:00:00,000 --> 00:00:02,000\nHello\n\n2\n00:00:02.000 -> 00:00:03,000\nWorld\n",
     ("media/0001-first.srt:6: the timing '00:00:02.000 -> 00:00:03,000' is malformed "
     "(write it as 00:01:02,500 --> 00:01:05,000)")),
    (".srt", "1\n00:00:00,000 --> 00:00:02,000\nHello\n\nTwo\n00:00:02,000 --> 00:00:03,000\nWorld\n",
     ("media/0001-first.srt:5: expected a subtitle number, found 'Two' (start each subtitle with its number "
     "(1, 2, 3…) on a line of its own, after a blank line)")),
    (".srt", "1\n00:00:00,000 --> 00:00:02,000\nHello\n2\n00:00:02,000 --> 00:00:03,000\nWorld\n",
     "media/0001-first.srt:5: a timing line inside the subtitle text (separate subtitles by a blank line)"),
    (".srt", "\n\n",
     "media/0001-first.srt:1: holds no subtitles (export the transcript again, or remove the file)"),
    (".json", '{"version": "1.0.0",\n "segments": [\n  {"startTime": 0,}\n ]}',
     ("media/0001-first.json:3: not valid JSON: Expecting property name enclosed in double quotes "
     "(check the JSON syntax, e.g. with python3 -m json.tool)")),
    (".json", '{"segments": [{"startTime": 0, "endTime": "2", "body": "x"}]}',
     ('media/0001-first.json:segments[0]: needs numeric startTime and endTime and a text body '
     '(use {"version": "1.0.0", "segments": [{"startTime": 0, "endTime": 1.5, "body": "…"}]})')),
])
def test_malformed_transcript_is_an_error_naming_file_and_line(tmp_path, capsys, suffix, text, message):
    show = show_with(tmp_path, {suffix: text})
    out = tmp_path / "public"
    assert build(show, out) == 1
    err = capsys.readouterr().err.replace(str(show) + "/", "")
    assert err.splitlines() == [f"error: {message}", "error: 1 error; nothing was written"]
    assert not (out / "feed.xml").exists()


def test_transcript_not_utf8_names_the_line(tmp_path, capsys):
    show = show_with(tmp_path, {})
    (show / "media/0001-first.srt").write_bytes(b"1\n00:00:00,000 --> 00:00:01,000\nCaf\xe9\n")
    assert build(show, tmp_path / "public") == 1
    assert ("error: media/0001-first.srt:3: not UTF-8 text (save the transcript as UTF-8)"
            in capsys.readouterr().err.replace(str(show) + "/", ""))


def test_transcript_check_follows_the_build_cache(tmp_path, capsys):
    show = show_with(tmp_path, {})
    out = tmp_path / "public"
    assert build(show, out) == 0
    vtt = show / "media/0001-first.vtt"
    vtt.write_text("WEBVTT\n\n00:00.000 --> 00:02\nHello\n")  # appears after a cached build: still checked
    assert build(show, out) == 1
    assert "media/0001-first.vtt:3: the cue timing" in capsys.readouterr().err
    vtt.write_text(VTT)
    assert build(show, out) == 0
    assert transcripts(out / "feed.xml")[0]["type"] == "text/vtt"
    vtt.write_text(VTT.replace("00:02.000 --> 00:04.500", "00:02.000 -> 00:04.500"))
    assert build(show, out) == 1  # edited after a cached build: checked again


def test_many_problems_are_capped(tmp_path, capsys):
    show = show_with(tmp_path, {".srt": "".join(f"x{i}\n\n" for i in range(15))})
    assert build(show, tmp_path / "public") == 1
    err = capsys.readouterr().err.replace(str(show) + "/", "").splitlines()
    assert len(err) == 12
    assert err[-2] == ("error: media/0001-first.srt: 5 more problems "
                       "(fix the ones above first; is the file in this format?)")


@pytest.mark.parametrize("text", [
    "WEBVTT\n",
    "\ufeffWEBVTT - with a title\r\nKind: captions\r\n\r\n1\r\n00:00:01.000 --> 00:00:02.000 align:start\r\nHi\r\n",
    ("WEBVTT\n\nSTYLE\n::cue { color: red }\n\nREGION\nid:r1\n\nNOTE a note\nover lines\n\n"
    "intro\n01:00:00.000 --> 01:00:01.500 region:r1\n<v A>Hi</v>\n\n01:00:01.000 --> 01:00:02.000\n"),
])
def test_valid_vtt_variants(text):
    assert vtt_problems(text.lstrip("\ufeff")) == []


def test_vtt_style_after_cues_is_an_error():
    text = "WEBVTT\n\n00:00.000 --> 00:01.000\nA\n\nSTYLE\n::cue {}\n"
    assert vtt_problems(text) == [(6, "a STYLE block after the first cue", "move STYLE blocks above the cues")]


@pytest.mark.parametrize("text", [
    "1\n00:00:00,000 --> 00:00:01,000\nA\n\n\n\n2\n00:00:01,000 --> 00:00:01,000\n\n",
    "1\r\n00:00:00.000 --> 00:00:01.000 X1:10 X2:20 Y1:1 Y2:2\r\n<i>A</i>\r\nsecond line\r\n",
])
def test_valid_srt_variants(text):
    assert srt_problems(text) == []
