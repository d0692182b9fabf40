"""The docs keep step with the code: every command has help and a README section, every setting is documented."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from conftest import run_cli

from feedtool import facts
from feedtool.cli import _parser
from feedtool.read import config
from feedtool.read.episodes import FIELDS

README = (Path(__file__).parent.parent / "README.md").read_text()
PACKAGE = Path(__file__).parent.parent / "feedtool"
# A finding's rule is a string literal "family/name"; media types share the shape and are left out.
RULE = re.compile(
    r'"((?:apple|psp|safety|server|feed|episode|config|show|publish|audio|import|build|chapters|tag|transcript)'
    r'/[a-z][a-z0-9-]*)"'
)
MEDIA_TYPES = set(facts.MIME_TYPES.values()) | {"audio/m4a", "audio/mp3", "audio/mp4", "audio/opus"}


def commands() -> list[str]:
    subparsers = next(a for a in _parser()._actions if a.dest == "command")
    return sorted(subparsers.choices)


def test_every_command_has_help_and_is_in_the_readme(capsys):
    assert "build" in commands()
    for name in commands():
        assert run_cli(name, "--help") == 0
        assert len(capsys.readouterr().out) > 100
        assert f"feedtool {name}" in README, f"README does not mention `feedtool {name}`"


def test_every_option_is_in_the_readme():
    """Every --option of feedtool and of each command's parser is named in README (with --help left out)."""
    parser = _parser()
    subparsers = next(a for a in parser._actions if a.dest == "command")
    for name, command in [("feedtool", parser), *subparsers.choices.items()]:
        for action in command._actions:
            for option in action.option_strings:
                if option.startswith("--") and option != "--help":
                    assert re.search(rf"{re.escape(option)}(?![\w-])", README), f"{name} {option} is not in README"


def test_every_rule_is_in_the_readme():
    """Every rule name a finding can carry (check prints it in brackets) is in one of README's rule tables."""
    rules = {rule for path in PACKAGE.rglob("*.py") for rule in RULE.findall(path.read_text())} - MEDIA_TYPES
    assert "apple/required" in rules and "config/missing" in rules
    missing = sorted(rule for rule in rules if f"`{rule}`" not in README)
    assert not missing, f"rules not in README: {missing}"


def test_every_setting_is_in_the_readme():
    for table, cls in config.TABLES.items():
        for field in dataclasses.fields(cls):
            assert re.search(rf"`{field.name}`", README), f"[{table}] {field.name} is not documented in README"


def test_readme_opens_with_the_two_commands():
    block = re.search(r"```sh\n(.*?)```", README, re.S).group(1).strip().splitlines()
    assert len(block) == 2
    assert "feedtool preview" in block[0]  # a running show a browser and a podcast app can open (issue 13)
    assert "./scripts/test" in block[1]
    assert "./scripts/test" in (Path(__file__).parent.parent / ".ci" / "run").read_text()


def test_the_episode_fields_table_is_the_front_matter():
    """The episode-fields table names every field read_episode accepts, and no other."""
    table = re.search(r"^\| field \| meaning \|\n(.*?)\n\n", README, re.S | re.M).group(1)
    named = {name for cell in re.findall(r"^\| ([^|]*) \|", table, re.M) for name in re.findall(r"`(\w+)`", cell)}
    assert named == set(FIELDS)
