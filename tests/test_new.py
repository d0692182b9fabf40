"""feedtool new: numbering, slugs (Cyrillic titles too), dates, refusals naming the other file, and a file
that builds at once."""

from __future__ import annotations

import io
import re
import tomllib
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import podcastparser
import pytest
from conftest import DATA, build, make_episode, run_cli, write_config

from feedtool.errors import EpisodeError
from feedtool.facts import NEW_EPISODE_NOTES
from feedtool.new import new_episode
from feedtool.read.config import load_config


@pytest.fixture
def kyiv_show(tmp_path) -> Path:
    show = tmp_path / "show"
    write_config(show, show={"timezone": "Europe/Kyiv"})
    make_episode(show, "0177-legion.md", title="Ukraine Foreign Legion")
    return show


def test_next_number_slug_and_front_matter(kyiv_show, capsys, monkeypatch):
    monkeypatch.chdir(kyiv_show.parent)
    assert run_cli("new", kyiv_show, "Легіон: боротьба за свободу", "--audio", DATA / "tiny.mp3",
                   "--date", "2026-12-08T09:00") == 0
    out = capsys.readouterr().out.strip()
    assert out == "show/0178-legion-borotba-za-svobodu.md"
    text = (kyiv_show / "0178-legion-borotba-za-svobodu.md").read_text("utf-8")
    assert 'title: "Легіон: боротьба за свободу"\n' in text
    assert "number: 178\n" in text
    assert "date: 2026-12-08T09:00:00+02:00\n" in text  # the show's zone, not the machine's
    assert "audio: media/0178-legion-borotba-za-svobodu.mp3\n" in text
    assert "guid" not in text.split("# The GUID")[0]  # left to the first build
    assert "# season: 1" in text  # optional fields are there, commented out
    assert (kyiv_show / "media/0178-legion-borotba-za-svobodu.mp3").read_bytes() == (DATA / "tiny.mp3").read_bytes()
    assert (DATA / "tiny.mp3").exists()  # copied, not moved


def test_quiet_prints_only_the_path(kyiv_show, capsys, monkeypatch):
    """The path is the command's answer (for `$EDITOR "$(feedtool -q new ...)"`), even quiet; the hint is not."""
    monkeypatch.chdir(kyiv_show.parent)
    assert run_cli("-q", "new", kyiv_show, "Quiet one", "--date", "2026-12-08T09:00") == 0
    captured = capsys.readouterr()
    assert captured.out == "show/0178-quiet-one.md\n" and captured.err == ""


def test_an_episode_started_now_is_in_the_feed_built_now(kyiv_show, tmp_path, capsys):
    """The default date is never after the moment `new` ran: rounded up to the next minute, an episode built
    within those seconds was scheduled, and the producer's first build left it out of the feed."""
    moment = datetime(2024, 3, 1, 10, 15, 45, tzinfo=ZoneInfo("UTC"))
    new_episode(load_config(kyiv_show), "Straight away", audio=DATA / "tiny.mp3", now=moment)
    assert build(kyiv_show, tmp_path / "public", "--now", "2024-03-01T10:15:46+00:00") == 0
    assert "scheduled" not in capsys.readouterr().out
    assert b"<title>Straight away</title>" in (tmp_path / "public/feed.xml").read_bytes()


def test_the_new_file_builds_at_once(kyiv_show, tmp_path):
    config = load_config(kyiv_show)
    created = new_episode(config, "Second episode", audio=DATA / "tiny.mp3",
                          now=datetime(2024, 3, 1, 10, 15, 31, tzinfo=ZoneInfo("UTC")))
    assert created.number == 178
    assert build(kyiv_show, tmp_path / "public") == 0
    feed = (tmp_path / "public/feed.xml").read_bytes()
    parsed = podcastparser.parse("https://x.invalid/feed.xml", io.BytesIO(feed))
    titles = {e["title"]: e for e in parsed["episodes"]}
    assert titles["Second episode"]["number"] == 178
    # now cut to the minute (never later: 31 s is still 10:15), written in the show's zone (UTC+2 in March)
    assert "date: 2024-03-01T12:15:00+02:00\n" in created.path.read_text()
    assert titles["Second episode"]["published"] == datetime(2024, 3, 1, 10, 15, tzinfo=ZoneInfo("UTC")).timestamp()
    assert "guid:" in created.path.read_text()  # recorded by that first build


def test_without_audio_the_new_file_is_a_draft_and_the_show_still_builds(kyiv_show, tmp_path, capsys):
    created = new_episode(load_config(kyiv_show), "Not recorded yet")
    assert "draft: true" in created.path.read_text()
    assert build(kyiv_show, tmp_path / "public") == 0
    assert "1 draft left out (draft: true)" in capsys.readouterr().out
    assert b"Not recorded yet" not in (tmp_path / "public/feed.xml").read_bytes()


def test_now_rounds_down_and_follows_daylight_saving(kyiv_show):
    config = load_config(kyiv_show)
    summer = new_episode(config, "Summer", now=datetime(2024, 7, 1, 5, 0, 29, tzinfo=ZoneInfo("UTC")))
    assert summer.date.isoformat() == "2024-07-01T08:00:00+03:00"


def test_given_number_and_wide_names(tmp_path):
    show = tmp_path / "show"
    write_config(show)
    make_episode(show, "00012-old.md", title="Old")
    config = load_config(show)
    created = new_episode(config, "Jumped ahead", number=40, when="2024-05-01")
    assert created.path.name == "00040-jumped-ahead.md"  # the show's own number width is kept
    assert new_episode(config, "After that", when="2024-05-02").number == 41
    assert "date: 2024-05-01T00:00:00+00:00" in created.path.read_text()


def test_refusals_name_the_other_file(kyiv_show, capsys, monkeypatch):
    monkeypatch.chdir(kyiv_show.parent)
    assert run_cli("new", kyiv_show, "Anything", "--number", "177") == 1
    assert capsys.readouterr().err == (
        "error: show/0177-legion.md: already has number 177 (leave --number out for the next free one)\n")
    assert run_cli("new", kyiv_show, "ukraine foreign  legion") == 1
    assert capsys.readouterr().err == (
        "error: show/0177-legion.md: already has the title 'ukraine foreign legion' "
        "(give the new episode its own title)\n")
    (kyiv_show / "0178-taken.md").write_text("not an episode yet")  # unreadable, but its name is taken
    assert run_cli("new", kyiv_show, "Taken!", "--number", "300") == 1
    assert capsys.readouterr().err == (
        "error: show/0178-taken.md: already uses the name 'taken' (give the new episode a title of its own)\n")
    (kyiv_show / "media").mkdir(exist_ok=True)
    (kyiv_show / "media/0301-taken-too.mp3").write_bytes(b"x")
    assert run_cli("new", kyiv_show, "Taken too", "--number", "301", "--audio", DATA / "tiny.mp3") == 1
    assert capsys.readouterr().err == (
        "error: show/media/0301-taken-too.mp3: already exists (choose another title or number)\n")
    assert not (kyiv_show / "0301-taken-too.md").exists()  # nothing written


def test_file_name_in_use(kyiv_show, capsys, monkeypatch):
    monkeypatch.chdir(kyiv_show.parent)
    (kyiv_show / "0178-twice.md").write_text("---\ntitle: Other\n---\n")
    assert run_cli("new", kyiv_show, "Twice", "--number", "178") == 1  # the number is the file's
    assert "show/0178-twice.md: already has number 178" in capsys.readouterr().err


def test_bad_input(kyiv_show, capsys):
    config = load_config(kyiv_show)
    with pytest.raises(EpisodeError, match="gives no file name"):
        new_episode(config, "!!!")
    with pytest.raises(EpisodeError, match="is not an audio type"):
        new_episode(config, "Wrong audio", audio=DATA / "golden/full/feed.xml")
    assert run_cli("new", kyiv_show, "Bad date", "--date", "tomorrow") == 2  # a usage mistake, as --now's
    assert "--date tomorrow: not a date" in capsys.readouterr().err
    assert run_cli("new", kyiv_show, "Bad number", "--number", "0") == 2


@pytest.mark.parametrize("date", ["9999-12-31T23:59-12:00", "0001-01-01T00:00+14:00"])
def test_a_date_the_build_would_refuse_is_refused_at_once(kyiv_show, capsys, date):
    # was written into the new file, which the build then called outside the years 1 to 9999
    assert run_cli("new", kyiv_show, "Far away", "--date", date) == 1
    assert capsys.readouterr().err == f"error: --date {date}: is outside the years 1 to 9999 in UTC (give the real date)\n"
    assert sorted(p.name for p in kyiv_show.glob("*.md")) == ["0177-legion.md"]


def test_a_number_larger_than_apps_store_is_a_usage_error(kyiv_show, capsys):
    assert run_cli("new", kyiv_show, "Huge", "--number", "9" * 23) == 2
    assert "argument --number: '99999999999999999999999' is larger than 2147483647, the largest number apps store" \
        in capsys.readouterr().err
    assert sorted(p.name for p in kyiv_show.glob("*.md")) == ["0177-legion.md"]


def test_move_audio(kyiv_show, tmp_path):
    source = tmp_path / "recording.MP3"
    source.write_bytes((DATA / "tiny.mp3").read_bytes())
    created = new_episode(load_config(kyiv_show), "Moved", audio=source, move=True, when="2024-01-01T10:00")
    assert not source.exists()
    assert created.audio == kyiv_show / "media/0178-moved.mp3"


def test_show_folder_defaults_to_episodes(tmp_path, capsys, monkeypatch):
    write_config(tmp_path / "episodes")
    monkeypatch.chdir(tmp_path)
    assert run_cli("new", "Only a title", "--date", "2024-01-01") == 0
    assert capsys.readouterr().out == "episodes/0001-only-a-title.md\n"


def test_a_show_from_nothing(tmp_path, capsys, monkeypatch):
    """`new --show` writes show.toml with the title and nothing guessed; check names every missing fact, and
    once the producer fills in the required ones, an episode builds."""
    monkeypatch.chdir(tmp_path)
    assert run_cli("new", "myshow", 'Радіо "Тест" \\ 1', "--show") == 0
    captured = capsys.readouterr()
    assert captured.out == "myshow/show.toml\n"
    assert 'feedtool new myshow "Episode title" --audio FILE' in captured.err
    config = tomllib.loads((tmp_path / "myshow/show.toml").read_text("utf-8"))
    assert config["show"]["title"] == 'Радіо "Тест" \\ 1'
    for key in ("description", "author", "language", "artwork", "owner_name", "owner_email", "copyright", "link"):
        assert config["show"][key] == "", key  # not invented
    assert config["show"]["categories"] == [] and config["feed"] == {"base_url": ""}
    assert config["build"] == {"out_dir": "../public"}  # beside the show folder, whichever folder builds

    assert run_cli("check", "myshow") == 1
    out = capsys.readouterr().out
    for key in ("show.description", "show.author", "show.language", "show.categories"):
        assert f"error: myshow/show.toml:{key}: is required" in out or f"error: {key}: is required" in out, key

    text = (tmp_path / "myshow/show.toml").read_text("utf-8")
    for key, value in (("description", '"About it."'), ("author", '"Me"'), ("language", '"en"'),
                       ("categories", '["Technology"]')):
        text = re.sub(rf"^{key} = \S+", f"{key} = {value}", text, flags=re.M)
    (tmp_path / "myshow/show.toml").write_text(text, "utf-8")
    monkeypatch.chdir(tmp_path / "myshow")  # inside the show folder: no SHOW_DIR, and the output beside it
    assert run_cli("new", "First", "--audio", DATA / "tiny.mp3", "--date", "2024-01-01") == 0
    assert run_cli("build") == 0
    assert b"<title>First</title>" in (tmp_path / "public/feed.xml").read_bytes()


def test_a_show_is_started_once(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_config(tmp_path / "taken")
    assert run_cli("new", "taken", "Another", "--show") == 1
    assert capsys.readouterr().err == (
        'error: taken/show.toml: already exists (the show is started: feedtool new taken "Episode title" '
        "starts an episode)\n")
    assert run_cli("new", "fresh", "Show", "--show", "--audio", DATA / "tiny.mp3") == 2
    assert capsys.readouterr().err == "error: --show starts a show, not an episode: leave out --audio\n"
    assert not (tmp_path / "fresh").exists()


def test_the_placeholder_notes_are_named_until_replaced(kyiv_show, tmp_path, capsys, monkeypatch):
    """`new` writes a line of placeholder notes; a build names it (it reached the feed silently before)."""
    monkeypatch.chdir(tmp_path)
    created = new_episode(load_config(kyiv_show), "Placeholder", audio=DATA / "tiny.mp3", when="2024-05-01")
    assert build(kyiv_show, tmp_path / "public") == 0
    assert ("warning: show/0178-placeholder.md: notes: are still the placeholder feedtool new wrote (write the "
            "episode's show notes below the front matter)\n") in capsys.readouterr().err
    assert build(kyiv_show, tmp_path / "public", "--strict") == 1
    text = created.path.read_text("utf-8")
    created.path.write_text(text.replace(NEW_EPISODE_NOTES, "What this episode is about."), "utf-8")
    assert build(kyiv_show, tmp_path / "public", "--strict") == 0, capsys.readouterr().err
