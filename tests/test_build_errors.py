"""Bad input never produces a feed: every problem is reported with file, line or field and a fix,
the exit code is 1, there is no traceback, and the last good output stays exactly as it was."""

from __future__ import annotations

import shutil

import pytest
from conftest import DATA, build, make_episode, make_mp3, write_config


@pytest.fixture
def built(tmp_path):
    """A show with a good build in public/; returns (show_dir, out_dir, snapshot of every output file)."""
    show = tmp_path / "show"
    write_config(show)
    make_mp3(show / "media/0001-first.mp3", chapters=[(0, 3, "A"), (3, 6, "B")])
    make_episode(show, "0001-first.md")
    out = tmp_path / "public"
    assert build(show, out) == 0
    return show, out, snapshot(out)


def snapshot(out):
    return {p.relative_to(out): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def fails_with(capsys, show, out, before, *expected):
    capsys.readouterr()
    assert build(show, out) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert all(line.strip() != "error:" for line in err.splitlines()), "an empty finding was printed"
    for text in expected:
        assert text in err, err
    assert err.rstrip().endswith("nothing was written")
    assert snapshot(out) == before
    return err


def write(path, text):
    path.write_text(text, "utf-8")
    return path


def test_bad_yaml_names_the_line(built, capsys):
    show, out, before = built
    write(show / "0002-bad.md", "---\ntitle: Fine\ndate: 2024-01-01\naudio: [unclosed\n---\nNotes\n")
    fails_with(capsys, show, out, before, "0002-bad.md:5: front matter is not valid YAML")


def test_no_front_matter(built, capsys):
    show, out, before = built
    write(show / "0002-bad.md", "Just notes, no front matter.\n")
    fails_with(capsys, show, out, before, "0002-bad.md:1: no front matter (start the file with a '---' line")


def test_unclosed_front_matter(built, capsys):
    show, out, before = built
    write(show / "0002-bad.md", "---\ntitle: x\n")
    fails_with(capsys, show, out, before, "0002-bad.md: front matter is not closed")


def test_unknown_field_suggests_the_right_one(built, capsys):
    show, out, before = built
    make_episode(show, "0002-two.md", audio="media/0002-two.mp3", titel="Typo")
    fails_with(capsys, show, out, before, "0002-two.md:6: titel: unknown field 'titel' (did you mean 'title'?)")


@pytest.mark.parametrize("field, value, message", [
    ("number", "twelve", "number: 'twelve' is not a positive whole number (write e.g. 177)"),
    ("season", "0", "season: '0' is not a positive whole number"),
    ("explicit", "maybe", "explicit: 'maybe' is not true or false (write true or false)"),
    ("type", "special", "type: 'special' is not an episode type (use full, trailer or bonus)"),
    ("date", "2024-13-01", "date: '2024-13-01' is not a date (use YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS+02:00)"),
    ("date", "2024-01-01T10:00:00+25:00", "date: '2024-01-01T10:00:00+25:00' is not a date"),
    ("date", "9999-12-31T23:30:00-05:00", "date: '9999-12-31T23:30:00-05:00' is out of range (use a date between"),
    ("image", "x" * 300 + ".jpg", f"image: '{'x' * 300}.jpg' cannot be read: File name too long (check the path"),
    ("title", ["a", "list"], "title: expected text, got a list"),
    ("link", "www.no-scheme.net", "link: 'www.no-scheme.net' is not an http(s) URL"),
])
def test_mistyped_fields(built, capsys, field, value, message):
    show, out, before = built
    make_episode(show, "0002-two.md", audio="media/0002-two.mp3", **{field: value})
    fails_with(capsys, show, out, before, "0002-two.md:", message)


def test_missing_title_date_audio_all_reported_together(built, capsys):
    show, out, before = built
    write(show / "0002-two.md", "---\nguid: g2\n---\nNotes\n")
    err = fails_with(capsys, show, out, before, "0002-two.md: title: missing (add title: … to the front matter)",
                     "0002-two.md: date: missing", "0002-two.md: audio: missing")
    assert "error: 3 errors" in err


def test_problems_in_several_files_are_collected(built, capsys):
    show, out, before = built
    make_episode(show, "0002-two.md", audio="media/0002-two.mp3", number="x")
    make_episode(show, "0003-three.md", audio="media/0003-three.mp3", date="yesterday")
    fails_with(capsys, show, out, before, "0002-two.md:", "0003-three.md:", "error: 2 errors")


def test_missing_audio_file(built, capsys):
    show, out, before = built
    make_episode(show, "0002-two.md", audio="media/nope.mp3", make_audio=False)
    fails_with(capsys, show, out, before,
               "0002-two.md: audio 'media/nope.mp3': audio file not found (check the audio: path")


def test_audio_path_that_is_a_folder(built, capsys):
    show, out, before = built
    (show / "media/0002-two.mp3").mkdir()
    make_episode(show, "0002-two.md", audio="media/0002-two.mp3", make_audio=False)
    fails_with(capsys, show, out, before, "0002-two.md: audio 'media/0002-two.mp3': is not a file")


def test_a_file_that_is_not_audio(built, capsys):
    show, out, before = built
    write(show / "media/0002-two.mp3", "this is a text file, not audio\n" * 50)
    make_episode(show, "0002-two.md", audio="media/0002-two.mp3")
    fails_with(capsys, show, out, before, "0002-two.md: audio 'media/0002-two.mp3': not a readable MP3 file")


def test_an_m4a_named_mp3_says_what_it_is(built, capsys):
    show, out, before = built
    shutil.copyfile(DATA / "tiny.m4a", show / "media/0002-two.mp3")
    make_episode(show, "0002-two.md", audio="media/0002-two.mp3")
    fails_with(capsys, show, out, before, "it looks like MP4: give it the matching extension")


def test_truncated_mp3(built, capsys):
    show, out, before = built
    data = (DATA / "tiny.mp3").read_bytes()
    (show / "media/0002-two.mp3").write_bytes(data[: len(data) // 2])
    make_episode(show, "0002-two.md", audio="media/0002-two.mp3")
    fails_with(capsys, show, out, before, "the MP3 is truncated: its header announces")


def test_mp3_cut_short_inside_its_tag(built, capsys):
    from mutagen.id3 import APIC, ID3

    show, out, before = built
    path = show / "media/0002-two.mp3"
    path.write_bytes((DATA / "tiny.mp3").read_bytes())
    tags = ID3()
    tags.add(APIC(encoding=3, mime="image/jpeg", type=3, desc="", data=b"\xff" * 20_000))
    tags.save(path, padding=lambda info: 0)
    tag = ID3(path).size
    path.write_bytes(path.read_bytes()[:3000])  # an upload that stopped inside the cover picture
    make_episode(show, "0002-two.md", audio="media/0002-two.mp3", make_audio=False)
    fails_with(capsys, show, out, before, "0002-two.md: audio 'media/0002-two.mp3': not a readable MP3 file: "
               f"it ends inside its ID3 tag (3,000 bytes; the tag alone should take {tag:,})")


def test_truncated_m4a(built, capsys):
    show, out, before = built
    data = (DATA / "tiny.m4a").read_bytes()
    (show / "media/0002-two.m4a").write_bytes(data[: len(data) - 2000])
    make_episode(show, "0002-two.md", audio="media/0002-two.m4a")
    fails_with(capsys, show, out, before, "0002-two.md: audio 'media/0002-two.m4a':", "truncated")


def test_zero_byte_audio(built, capsys):
    show, out, before = built
    write(show / "media/0002-two.mp3", "")
    make_episode(show, "0002-two.md", audio="media/0002-two.mp3")
    fails_with(capsys, show, out, before, "the audio file is empty (0 bytes; export it again)")


def test_duplicate_episode_numbers(built, capsys):
    show, out, before = built
    make_episode(show, "0002-two.md", audio="media/0002-two.mp3", number="1")
    fails_with(capsys, show, out, before, "0002-two.md: number: episode number 1 is also used by",
               "0001-first.md (give each episode its own episode number")


def test_duplicate_guids(built, capsys):
    show, out, before = built
    make_episode(show, "0002-two.md", audio="media/0002-two.mp3", guid="guid-0001-first")
    fails_with(capsys, show, out, before, "GUID guid-0001-first is also used by")


def test_duplicate_audio_is_a_duplicate_enclosure(built, capsys):
    show, out, before = built
    make_episode(show, "0002-two.md", audio="media/0001-first.mp3")
    fails_with(capsys, show, out, before, "enclosure URL https://", "is also used by")


@pytest.mark.parametrize("path", ["../outside.mp3", "/etc/passwd.mp3", "media/../../outside.mp3"])
def test_audio_outside_the_show_folder(built, capsys, path):
    show, out, before = built
    make_mp3(show.parent / "outside.mp3")
    make_episode(show, "0002-two.md", audio=path, make_audio=False)
    fails_with(capsys, show, out, before, f"'{path}' is outside the show folder (move the file into the show folder")


def test_characters_xml_cannot_carry(built, capsys):
    show, out, before = built
    make_episode(show, "0002-two.md", audio="media/0002-two.mp3", title="Bell \x07 title",
                 notes="fine line\nbad \x0b line\n")
    fails_with(capsys, show, out, before, "0002-two.md:2: title: contains the control character U+0007",
               "0002-two.md:8: notes: contains the control character U+000B")


@pytest.mark.parametrize(
    "front, found",
    [
        ('keywords: ["ok", "bad\\x01"]', "keywords: contains the control character U+0001"),  # a YAML escape
        ('title: "Bell\\a"', "title: contains the control character U+0007"),
        ('title: "form \\f feed"', "title: contains the control character U+000C"),
        ('people: [{name: "Esc\\e"}]', "people: contains the control character U+001B"),
    ],
)
def test_characters_xml_cannot_carry_written_as_yaml_escapes(built, capsys, front, found):
    show, out, before = built
    make_mp3(show / "media/0002-two.mp3")
    title = "" if front.startswith("title") else "title: Two\n"
    (show / "0002-two.md").write_text(
        f"---\n{front}\n{title}date: 2024-01-16T08:00:00+00:00\naudio: media/0002-two.mp3\n---\nNotes.\n"
    )
    fails_with(capsys, show, out, before, f"0002-two.md:2: {found}")


def test_not_utf8(built, capsys):
    show, out, before = built
    (show / "0002-two.md").write_bytes("---\ntitle: caf\xe9\n---\n".encode("latin-1"))
    fails_with(capsys, show, out, before, "0002-two.md:2: not UTF-8 text (save the file as UTF-8)")


def test_chapter_errors_name_episode_and_chapter(built, capsys):
    show, out, before = built
    make_episode(show, "0002-two.md", audio="media/0002-two.mp3", chapters=[
        {"start": "00:00", "title": "A"}, {"start": "00:00", "title": "Dup"},
        {"start": "00:04", "title": "C"}, {"start": "00:02", "title": "Back"}, {"start": "01:00", "title": "Late"}])
    fails_with(capsys, show, out, before, "chapters[2] 'Dup': starts at 0 s like the chapter before",
               "chapters[4] 'Back': starts at 2 s, before the chapter before it",
               "chapters[5] 'Late': starts at 60 s, after the audio ends (6 s)")


def test_bad_config_lists_every_problem(built, capsys):
    show, out, before = built
    write(show / "show.toml", '[show]\ntitle = ""\nlanguage = 5\nexplicit = "no"\ntype = "daily"\n'
                              'titel = "x"\n[feed]\nbase_url = "ftp://x"\n')
    capsys.readouterr()
    assert build(show, out) == 1
    err = capsys.readouterr().err
    for text in ("show.toml:show.language: expected text, got 5", "show.toml:show.explicit: expected true or false",
                 "show.toml:show.title: is required", "show.toml:show.type: 'daily' is not a show type",
                 "show.toml:feed.base_url: 'ftp://x' is not an http(s) URL"):
        assert text in err
    assert snapshot(out) == before


def test_invalid_toml(built, capsys):
    show, out, before = built
    write(show / "show.toml", "[show\ntitle = 1\n")
    capsys.readouterr()
    assert build(show, out) == 1
    assert "show.toml: invalid TOML: " in capsys.readouterr().err
    assert snapshot(out) == before


def test_missing_config(tmp_path, capsys):
    assert build(tmp_path / "nowhere", tmp_path / "out") == 1
    assert "show.toml: no show config here (create it, or pass the show folder or --config)" in capsys.readouterr().err


def test_unknown_config_key_is_a_warning_and_strict_makes_it_an_error(built, capsys):
    show, out, before = built
    (show / "show.toml").write_text((show / "show.toml").read_text().replace("[feed]", "titel = 'x'\n[feed]"))
    capsys.readouterr()
    assert build(show, out) == 0
    assert "warning: " in capsys.readouterr().err
    assert build(show, out, "--strict") == 1
    assert "unknown setting 'show.titel' (did you mean 'show.title'?)" in capsys.readouterr().err


def test_fixing_the_problem_builds_again(built, capsys):
    show, out, before = built
    bad = make_episode(show, "0002-two.md", audio="media/0002-two.mp3", date="nope")
    assert build(show, out) == 1
    make_episode(show, "0002-two.md", audio="media/0002-two.mp3")
    assert build(show, out) == 0
    assert "Episode 0002" in (out / "feed.xml").read_text()
    assert bad.exists()


def test_audio_and_front_matter_problems_of_one_file_come_together(built, capsys):
    show, out, before = built
    make_episode(show, "0002-two.md", audio="media/nope.mp3", make_audio=False, title=None, type="special",
                 date="2024-13-01")
    err = fails_with(capsys, show, out, before, "type: 'special' is not an episode type", "audio file not found",
                     "0002-two.md: title: missing", "date: '2024-13-01' is not a date", "error: 4 errors")
    assert "date: missing" not in err
