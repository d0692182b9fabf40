"""The shipped Ukraine In Flames show: its stand-in MP3 is tagged by feedtool tag itself, and the chapters in the
feed, the JSON chapters file and the MP3 are one and the same list."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run_cli, shipped_copy
from lxml import etree
from mutagen.id3 import ID3

from feedtool.render.ext import PSC_NS

AUDIO = "media/0177-ukraine-foreign-legion.mp3"


def copy_of_the_show(tmp_path) -> Path:
    return shipped_copy(tmp_path)


def test_shipped_chapters_are_equal_in_feed_json_and_mp3(tmp_path):
    show = copy_of_the_show(tmp_path)
    out = tmp_path / "public"
    assert run_cli("build", show, "--out", out) == 0
    psc = [(c.get("start"), c.get("title")) for c in etree.parse(str(out / "feed.xml")).iter(f"{{{PSC_NS}}}chapter")]
    document = json.loads((out / "chapters/0177-ukraine-foreign-legion.json").read_text("utf-8"))
    tags = ID3(show / AUDIO)
    (toc,) = tags.getall("CTOC")
    chapters = {c.element_id: c for c in tags.getall("CHAP")}
    in_mp3 = [(chapters[i].start_time / 1000, str(chapters[i].sub_frames["TIT2"])) for i in toc.child_element_ids]
    in_json = [(c["startTime"], c["title"]) for c in document["chapters"]]
    assert len(in_mp3) == 5
    assert in_mp3 == in_json
    assert psc == [(f"00:{int(s) // 60:02d}:{s % 60:06.3f}", t) for s, t in in_json]


def test_shipped_mp3_carries_what_feedtool_tag_writes(tmp_path, capsys):
    show = copy_of_the_show(tmp_path)
    assert run_cli("tag", show, "--dry-run") == 0
    assert capsys.readouterr().out == (f"{show / AUDIO}: up to date\n"
                                       "dry run: 0 files would change, 1 up to date; nothing was written\n")
    tags = ID3(show / AUDIO)
    assert str(tags["TIT2"]) == "Ukraine Foreign Legion: Fight for Freedom"
    assert str(tags["TALB"]) == "Ukraine In Flames" and str(tags["TRCK"]) == "177"
    assert str(tags["TGID"]) == "d277c128-c275-4985-9777-0abc2bc82cbc"
    assert tags.getall("APIC")[0].data == (show / "cover.jpg").read_bytes()  # 1400 px already: embedded as it is
    assert (show / AUDIO).stat().st_size < 1_000_000
