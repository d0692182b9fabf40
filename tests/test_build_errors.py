"""Bad input never produces a feed: every problem is reported with file, line or field and a fix,
the exit code is 1, there is no traceback, and the last good output stays exactly as it was."""

from __future__ import annotations

import shutil

import feedparser
import pytest
from conftest import DATA, build, make_episode, make_mp3, run_cli, write_config
from lxml import etree
from servers import publish_table, run_publish

from feedtool.render.ext import PODCAST_NS


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
    fails_with(capsys, show, out, before, "0002-bad.md:4: front matter is not valid YAML: the '[' list that starts "
               "here is not closed with ']': 'audio: [unclosed' (check the indentation and the quotes")


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
    ("number", "twelve", "number: 'twelve' is not a positive whole number (write it with the digits 0-9, e.g. 177)"),
    ("season", "²", "season: '²' is not a positive whole number (write it with the digits 0-9, e.g. 177)"),
    ("date", "9999-12-31T23:30:00-05:00",
     "date: '9999-12-31T23:30:00-05:00' is outside the years 1 to 9999 in UTC (give the real date)"),
    ("season", "0", "season: '0' is not a positive whole number"),
    pytest.param("number", "9" * 400, "number: '99999999999999999999…' is larger than 2147483647, the largest "
                 "number apps store", id="number-400-digits"),
    pytest.param("season", "9" * 5000, "season: '99999999999999999999…' is larger than 2147483647", id="season-5000"),
    ("explicit", "maybe", "explicit: 'maybe' is not true or false (write true or false)"),
    ("type", "special", "type: 'special' is not an episode type (use full, trailer or bonus)"),
    ("date", "2024-13-01", "date: '2024-13-01' is not a date (use YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS+02:00)"),
    ("date", "2024-01-01T10:00:00+25:00", "date: '2024-01-01T10:00:00+25:00' is not a date"),
    ("image", "x" * 300 + ".jpg", "is a name of 304 bytes, longer than file systems allow (255) (rename the file"),
    ("title", ["a", "list"], "title: expected text, got a list"),
    ("link", "www.no-scheme.net", "link: 'www.no-scheme.net' is not an http(s) URL"),
])
def test_mistyped_fields(built, capsys, field, value, message):
    show, out, before = built
    make_episode(show, "0002-two.md", audio="media/0002-two.mp3", **{field: value})
    fails_with(capsys, show, out, before, "0002-two.md:", message)


def test_a_file_name_number_larger_than_apps_store_is_named(built, capsys):
    show, out, before = built
    make_episode(show, "9" * 200 + "-two.md", audio="media/0002-two.mp3")
    fails_with(capsys, show, out, before, "9999-two.md: file name: its number is larger than 2147483647, the largest "
               "number apps store (rename the file with a smaller number)")


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
    assert capsys.readouterr().err == (
        f"error: {show / 'show.toml'}:1: invalid TOML: Expected ']' at the end of a table declaration at column 6: "
        "'[show' (close every quote and [table], write key = value; see https://toml.io)\n"
        "error: 1 error; nothing was written\n")  # the summary line, as for every other error
    assert snapshot(out) == before


def test_missing_config(tmp_path, capsys, monkeypatch):
    """A folder that is not there, and one without show.toml: each says so, and how to start a show."""
    monkeypatch.chdir(tmp_path)
    assert run_cli("build", "nowhere", "--out", "out") == 1
    assert capsys.readouterr().err == (
        'error: nowhere: no such folder (name your show folder, or start a show there with: '
        'feedtool new nowhere "Show title" --show)\n')
    (tmp_path / "empty").mkdir()
    assert run_cli("build", "empty", "--out", "out") == 1
    assert capsys.readouterr().err == (
        'error: empty/show.toml: no show config here (name your show folder, or start a show there with: '
        'feedtool new empty "Show title" --show)\n')
    assert run_cli("build", "--config", "empty/my.toml", "--out", "out") == 1
    assert capsys.readouterr().err == "error: empty/my.toml: no such config file (check the --config path)\n"
    assert not (tmp_path / "out").exists()


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


def test_an_image_name_longer_than_file_systems_allow(built, capsys):
    show, out, before = built
    make_episode(show, "0002-two.md", audio="media/0002-two.mp3", image=f"art/{'a' * 300}.jpg")
    fails_with(capsys, show, out, before, "0002-two.md: image: '" + "a" * 39 + "…' is a name of 304 bytes, longer "
               "than file systems allow (255) (rename the file or folder)")


@pytest.mark.parametrize(("key", "value"), [("description", "A show\\u0007 the tests build."),
                                            ("owner_name", "Fixture\\u001bOwner")])
def test_a_control_character_in_show_toml_is_named_by_file_and_key(built, capsys, key, value):
    show, out, before = built
    text = (show / "show.toml").read_text()
    start = text.index(f"{key} = ")
    end = text.index("\n", start)
    (show / "show.toml").write_text(text[:start] + f'{key} = "{value}"' + text[end:])
    char = "U+0007" if "0007" in value else "U+001B"
    fails_with(capsys, show, out, before, f"show.toml:show.{key}: contains the control character {char}, which XML "
               "cannot carry (delete that invisible character; in TOML it may be written as an escape such as "
               "\\u0007)")


def test_a_date_whose_zone_offset_had_seconds_is_written_in_utc(tmp_path):
    """Kyiv kept local mean time, +02:02:04, until 1924: RFC 2822 has no seconds in an offset, so such a date is
    written as the same instant in UTC (not rounded, which would move it), and check finds nothing wrong."""
    show = tmp_path / "show"
    write_config(show, show={"timezone": "Europe/Kyiv"})
    make_episode(show, date="1920-01-15T08:00:00")
    out = tmp_path / "public"
    assert build(show, out) == 0
    feed = (out / "feed.xml").read_bytes()
    assert feed.count(b"<pubDate>Thu, 15 Jan 1920 05:57:56 +0000</pubDate>") == 2  # the item and the channel
    parsed = feedparser.parse(feed)
    assert parsed.bozo == 0 and parsed.entries[0].published_parsed[:6] == (1920, 1, 15, 5, 57, 56)
    assert run_cli("check", out / "feed.xml") == 0


def test_a_trailer_date_whose_zone_offset_had_seconds_is_written_in_utc(tmp_path, capsys):
    """podcast:trailer's pubdate is an RFC 2822 date too (podcast-namespace docs/tags/trailer.md): it was written
    with +020204, which check refused, so the build stopped on its own output."""
    show = tmp_path / "show"
    write_config(show, show={"timezone": "Europe/Kyiv"},
                 extra='\n[[show.trailer]]\ntitle = "Coming"\naudio = "media/trailer.mp3"\ndate = "1920-01-15T08:00:00"\n')
    make_mp3(show / "media/trailer.mp3")
    make_episode(show)
    out = tmp_path / "public"
    assert build(show, out) == 0, capsys.readouterr().err
    trailer = etree.fromstring((out / "feed.xml").read_bytes()).find(f"channel/{{{PODCAST_NS}}}trailer")
    assert trailer.get("pubdate") == "Thu, 15 Jan 1920 05:57:56 +0000"
    assert run_cli("check", out / "feed.xml") == 0


def test_debug_adds_a_traceback_but_keeps_the_exit_status(tmp_path):
    show = tmp_path / "show"
    write_config(show, extra=publish_table())
    make_episode(show)
    target = tmp_path / "no-such-parent" / "www"  # cannot be created: publish fails with exit status 3
    plain = run_publish(show, "--out", tmp_path / "public", "--to", target)
    debug = run_publish(show, "--out", tmp_path / "public", "--to", target, debug=True)
    assert (plain.returncode, debug.returncode) == (3, 3), debug.stderr
    message = f"error: {target}: not a folder (create the web server's document root first)"
    assert plain.stderr.endswith(message + "\n") and "Traceback" not in plain.stderr
    assert "Traceback (most recent call last)" in debug.stderr and debug.stderr.endswith(message + "\n")


# --- messages that mislead no more (issue 11, items 11-15) ---

def test_warnings_are_printed_with_the_errors(built, capsys):
    """`titel =` makes show.title missing: the warning that explains it comes along, in build and check."""
    show, out, before = built
    (show / "show.toml").write_text((show / "show.toml").read_text().replace("title = ", "titel = ", 1))
    err = fails_with(capsys, show, out, before)
    assert err.splitlines() == [
        f"warning: {show / 'show.toml'}:show.titel: unknown setting 'show.titel' (did you mean 'show.title'?)",
        f"error: {show / 'show.toml'}:show.title: is required (set title = \"…\" under [show])",
        "error: 1 error; nothing was written"]
    assert run_cli("check", show) == 1
    assert "warning: show.titel: unknown setting 'show.titel' (did you mean 'show.title'?)" in capsys.readouterr().out


def test_an_episode_warning_comes_with_another_episodes_error(built, capsys):
    show, out, before = built
    make_episode(show, "0002-two.md", audio="media/0002-two.mp3", number="3")  # the file name says 2
    make_episode(show, "0003-three.md", audio="media/0003-three.mp3", date="nope")
    err = fails_with(capsys, show, out, before, "0002-two.md:6: number: front matter says 3, file name says 2")
    assert err.splitlines()[-1] == "error: 1 error; nothing was written"  # not "(--strict)": the warning is news


@pytest.mark.parametrize(("text", "line", "message"), [
    ('title: "Unclosed\ndate: 2024-01-01\naudio: media/0002-bad.mp3\n', 2,
     "the quote that opens this value is never closed: 'title: \"Unclosed'"),
    ("title: Fine\naudio: media/x.mp3\n  bad: indent\n", 4, "a ': ' inside a value: 'bad: indent'"),
    ("title: Fine: really\ndate: 2024-01-01\n", 2, "a ': ' inside a value: 'title: Fine: really'"),
])
def test_a_yaml_error_is_named_where_the_bad_value_starts(built, capsys, text, line, message):
    show, out, before = built
    write(show / "0002-bad.md", f"---\n{text}---\nNotes\n")
    fails_with(capsys, show, out, before, f"0002-bad.md:{line}: front matter is not valid YAML: {message} (check "
               "the indentation and the quotes; put a value that contains ': ' in quotes)")


def test_a_bad_owner_email_is_named_as_owner_email(tmp_path, capsys):
    show = tmp_path / "show"
    write_config(show, show={"owner_email": "not-an-address"})
    make_episode(show)
    assert build(show, tmp_path / "public") == 0
    assert (f"warning: {show / 'show.toml'}:show.owner_email: 'not-an-address' is not an e-mail address"
            in capsys.readouterr().err)


def test_a_placeholder_base_url_is_named_once_as_feed_base_url(tmp_path, capsys):
    show = tmp_path / "show"
    write_config(show, feed={"base_url": "https://example.com/show/"})
    make_episode(show)
    make_episode(show, "0002-two.md", audio="media/0002-two.mp3")
    assert build(show, tmp_path / "public") == 1
    assert capsys.readouterr().err.splitlines() == [
        f"error: {show / 'show.toml'}:feed.base_url: 'https://example.com/show/' points at a placeholder domain "
        "(replace it with the real URL, or set staging = true under [feed] to rehearse)",
        "error: 1 error; nothing was written"]


@pytest.mark.parametrize("how", ["config", "flag"])
def test_staging_rehearses_on_a_test_domain_and_marks_the_feed(tmp_path, capsys, how):
    show = tmp_path / "show"
    write_config(show, feed={"base_url": "http://127.0.0.1:8000/show/" if how == "flag" else "https://show.test/",
                             **({"staging": True} if how == "config" else {})})
    make_episode(show)
    out = tmp_path / "public"
    if how == "flag":  # 127.0.0.1 is no placeholder; a rehearsal all the same
        assert build(show, out, "--staging") == 0
    else:
        assert build(show, out) == 0
        assert (f"info: {show / 'show.toml'}:feed.base_url: 'https://show.test/' points at a placeholder domain "
                "(fine for a rehearsal; set the real URL before the show goes public)") in capsys.readouterr().err
    feed = feedparser.parse((out / "feed.xml").read_bytes())
    assert feed.bozo == 0 and feed.feed.itunes_block == 1  # feedparser's reading of <itunes:block>Yes
    channel = etree.parse(str(out / "feed.xml")).find("channel")
    assert channel.findtext(f"{{{PODCAST_NS}}}block") == "yes"
    capsys.readouterr()
    assert run_cli("check", out / "feed.xml") == 0
    assert ("info: podcast:block: the feed is a rehearsal: it tells every directory not to list it (itunes:block, "
            "podcast:block) (remove staging from [feed] when the show goes public) [safety/staging]"
            in capsys.readouterr().out)


def test_a_missing_artwork_file_is_named_once_in_producer_words(tmp_path, capsys):
    show = tmp_path / "show"
    write_config(show, show={"artwork": "art/cover.jpg"})
    make_episode(show)
    assert build(show, tmp_path / "public") == 1
    assert capsys.readouterr().err.splitlines() == [
        f"error: {show / 'show.toml'}:show.artwork: 'art/cover.jpg' not found (put the show's cover there, a "
        "square JPEG or PNG of 1400 to 3000 px, or fix the path)",
        "error: 1 error; nothing was written"]
