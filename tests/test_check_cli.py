"""feedtool check on the command line, in-process: exit codes, exact output, JSON, and the README in step."""

from __future__ import annotations

import json
import re
from pathlib import Path

from check_feeds import FEED, broken
from conftest import run_cli

REPO = Path(__file__).parent.parent


def write_feed(tmp_path, text: str) -> Path:
    path = tmp_path / "feed.xml"
    path.write_text(text, "utf-8")
    return path


def test_text_output_groups_findings_and_ends_with_a_summary(tmp_path, capsys):
    path = write_feed(tmp_path, broken('text="Politics"', 'text="Politcs"', broken("<itunes:duration>1801<",
                                                                                   "<itunes:duration>0<")))
    assert run_cli("check", path) == 1
    assert capsys.readouterr().out.splitlines() == [
        "/rss/channel",
        ("  error: itunes:category[1]/itunes:category/@text: 'Politcs' is not a subcategory of 'News' "
        "(did you mean 'Politics'?) [apple/category]"),
        "/rss/channel/item[1]",
        "  error: itunes:duration: is 0 (give the episode's real length in seconds) [apple/duration]",
        f"checked {path}: 3 episodes; 2 errors, 0 warnings, 0 notes",
    ]


def test_json_output_for_machines(tmp_path, capsys):
    path = write_feed(tmp_path, broken("<itunes:duration>1801<", "<itunes:duration>0<"))
    assert run_cli("check", path, "--format", "json") == 1
    document = json.loads(capsys.readouterr().out)
    assert document == {
        "target": str(path), "kind": "file", "episodes": 3, "errors": 1, "warnings": 0, "infos": 0,
        "findings": [{"rule": "apple/duration", "severity": "error", "where": "/rss/channel/item[1]/itunes:duration",
                      "message": "is 0", "hint": "give the episode's real length in seconds"}]}


def test_warnings_pass_unless_strict_and_quiet_shows_errors_only(tmp_path, capsys):
    path = write_feed(tmp_path, broken("<itunes:author>Fixture Author</itunes:author>", ""))
    assert run_cli("check", path) == 0
    assert "[apple/recommended]" in capsys.readouterr().out
    assert run_cli("check", path, "--strict") == 1
    capsys.readouterr()
    assert run_cli("-q", "check", path) == 0
    assert capsys.readouterr().out.splitlines() == [f"checked {path}: 3 episodes; 0 errors, 1 warning, 0 notes"]
    assert run_cli("check", write_feed(tmp_path, FEED)) == 0


def test_usage_mistakes_are_told_without_a_traceback(tmp_path, capsys):
    assert run_cli("check", tmp_path / "nope") == 2
    assert capsys.readouterr().err == (f"error: {tmp_path / 'nope'}: no such show folder or feed file "
                                       "(give a show folder, a feed file or an http(s) URL)\n")
    assert run_cli("check", "--sample", "0") == 2
    assert "argument --sample: '0' is not a positive whole number" in capsys.readouterr().err
    assert run_cli("check", "--format", "yaml") == 2


def test_a_broken_show_config_is_a_finding(tmp_path, capsys):
    show = tmp_path / "show"
    show.mkdir()
    (show / "show.toml").write_text("[show\n")
    assert run_cli("check", show) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == str(show / "show.toml")
    assert out[1] == ("  error: 1: invalid TOML: Expected ']' at the end of a table declaration at column 6: '[show' "
                      "(close every quote and [table], write key = value; see https://toml.io) [config/toml]")
    (show / "show.toml").unlink()
    assert run_cli("check", show) == 1
    assert capsys.readouterr().out.splitlines()[1] == (
        f"  error: {show / 'show.toml'}: no show config here (name your show folder, or start a show there with: "
        f'feedtool new {show} "Show title" --show) [config/error]')


def test_help_and_readme_document_the_command_its_options_and_every_rule(capsys):
    assert run_cli("check", "--help") == 0
    help_text = capsys.readouterr().out
    readme = (REPO / "README.md").read_text()
    section = readme.split("## feedtool check", 1)[1].split("\n## ", 1)[0]
    for option in ("--online", "--sample", "--timeout", "--format", "--strict"):
        assert option in help_text and option in section, option
    source = "".join(p.read_text() for p in (REPO / "feedtool/check").glob("*.py"))
    rule_ids = set(re.findall(r'"((?:apple|psp|safety|feed|server|config)/[a-z0-9-]+)"', source))
    assert len(rule_ids) > 40
    assert sorted(r for r in rule_ids if f"`{r}`" not in section) == []
    tests = "".join(p.read_text() for p in (REPO / "tests").glob("test_check*.py"))
    assert sorted(r for r in rule_ids if r not in tests) == []


def test_config_names_the_show_config_as_for_build(tmp_path, capsys):
    show = tmp_path / "show"
    show.mkdir()
    (show / "other.toml").write_text("[show\n")
    assert run_cli("check", "--config", show / "other.toml") == 1  # the show is the folder it is in
    assert capsys.readouterr().out.splitlines()[0] == str(show / "other.toml")
    feed = write_feed(tmp_path, FEED)
    assert run_cli("check", feed, "--config", show / "other.toml") == 2
    assert capsys.readouterr().err == (f"error: --config {show / 'other.toml'}: goes with a show folder, not with "
                                       f"the feed {feed}\n")
