"""The command line: options that mean the same everywhere, where the output goes, which files are episodes."""

import pytest
from conftest import make_episode, run_cli, write_config

from feedtool.cli import _parser


@pytest.mark.parametrize("command", ["build", "publish", "check", "tag"])
def test_quiet_and_debug_mean_the_same_before_or_after_the_command(command):
    parser = _parser()
    for before, after in ((["-q"], []), ([], ["-q"]), (["--debug"], []), ([], ["--debug"])):
        args = parser.parse_args([*before, command, "somewhere", *after])
        assert (args.quiet, args.debug) == ("-q" in before + after, "--debug" in before + after)


@pytest.mark.parametrize("command, options", [
    ("build", ["--out", "o", "--base-url", "https://a.net/", "--now", "2026-01-01"]),
    ("publish", ["--out", "o", "--base-url", "https://a.net/", "--now", "2026-01-01"]),
    ("check", ["--base-url", "https://a.net/", "--now", "2026-01-01"]),
])
def test_the_build_options_of_every_command_that_builds(command, options):
    args = _parser().parse_args([command, "show", *options])
    given = dict(zip(options[::2], options[1::2], strict=True))
    assert args.base_url == given["--base-url"] and args.now == given["--now"]
    assert getattr(args, "out", None) == given.get("--out")


def test_a_relative_out_dir_in_show_toml_is_the_show_folders_whatever_the_current_folder(tmp_path, monkeypatch,
                                                                                          capsys):
    show = tmp_path / "shows" / "mine"
    write_config(show, extra='[build]\nout_dir = "../site"\n')
    make_episode(show)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert run_cli("build", show) == 0
    assert (tmp_path / "shows" / "site" / "feed.xml").exists()
    assert f"built {tmp_path / 'shows' / 'site' / 'feed.xml'}:" in capsys.readouterr().out
    assert run_cli("build", show, "--out", "here") == 0  # a flag: relative to the current folder
    assert (elsewhere / "here" / "feed.xml").exists()


def test_a_markdown_file_is_an_episode_too(tmp_path):
    show = tmp_path / "show"
    write_config(show)
    make_episode(show)
    make_episode(show, "0002-second.markdown", audio="media/0002.mp3", date="2024-02-01T08:00:00+00:00")
    make_episode(show, "README.markdown")
    assert run_cli("-q", "build", show, "--out", tmp_path / "out") == 0
    feed = (tmp_path / "out" / "feed.xml").read_text()
    assert "guid-0002-second" in feed and feed.count("<item>") == 2


@pytest.mark.parametrize("command", ["build", "check", "tag", "new"])
def test_inside_the_show_folder_no_show_dir_is_needed(tmp_path, monkeypatch, capsys, command):
    """A producer who works in their show folder: without episodes/ there, the current folder is the show
    (it was 'episodes/show.toml: no show config here')."""
    show = tmp_path / "myshow"
    write_config(show)
    make_episode(show)
    monkeypatch.chdir(show)
    extra = {"build": ["--out", tmp_path / "out"], "new": ["Second"]}.get(command, [])
    assert run_cli(command, *extra) == 0, capsys.readouterr().err
    if command == "new":
        assert (show / "0002-second.md").exists()


def test_episodes_stays_the_default_when_it_is_there(tmp_path, monkeypatch):
    write_config(tmp_path / "episodes")
    make_episode(tmp_path / "episodes")
    write_config(tmp_path, show={"title": "Not this one"})  # a show.toml beside episodes/ does not win
    monkeypatch.chdir(tmp_path)
    assert run_cli("-q", "build", "--out", "out") == 0
    assert "Fixture Show" in (tmp_path / "out" / "feed.xml").read_text()


def test_the_default_output_folder_inside_the_show_folder_says_what_to_do(tmp_path, monkeypatch, capsys):
    show = tmp_path / "myshow"
    write_config(show)
    make_episode(show)
    monkeypatch.chdir(show)
    assert run_cli("build") == 1
    assert capsys.readouterr().err == (
        "error: public: the default output folder, in the current folder, is inside the show folder; the build's "
        'files would mix with the show\'s own (give --out ../public, or set out_dir = "../public" under [build] in '
        "show.toml, or build from the folder above)\n")
    assert not (show / "public").exists()
