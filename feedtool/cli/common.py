"""What every command of the command line shares: the show folder argument, the options that mean the same
everywhere, the show's config with the flags applied, and how findings and counts are printed."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from feedtool.errors import ConfigError, UsageError, error
from feedtool.facts import MAX_NUMBER, is_digits
from feedtool.read.paths import output_problem
from feedtool.timecode import parse_moment

DEFAULT_SHOW = "episodes"
DEFAULT_OUT = "public"  # [build] out_dir's default, relative to the current folder
SHOW_DIR_DEFAULT = f"default: {DEFAULT_SHOW}, or the current folder if it holds show.toml and {DEFAULT_SHOW}/ does not"
STAGING_HELP = "a rehearsal, as [feed] staging = true: placeholder domains allowed, the feed marked not for directories"


def show_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "show_dir",
        nargs="?",
        metavar="SHOW_DIR",
        help=f"the show folder holding show.toml and the episode files ({SHOW_DIR_DEFAULT})",
    )
    config_option(parser)


def config_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", metavar="PATH", help="the show config file (default: SHOW_DIR/show.toml)")


def default_show() -> str:
    """The show folder when none is named: episodes/, or the current folder when the producer works inside
    their show folder (it holds show.toml and there is no episodes/ to mean instead)."""
    if not Path(DEFAULT_SHOW).exists() and Path("show.toml").is_file():
        return "."
    return DEFAULT_SHOW


def common_options(parser: argparse.ArgumentParser, *building: str) -> None:
    """Options that mean the same on every command, before or after its name (`feedtool -q build` and
    `feedtool build -q`); `building` names the build options this command takes: out, base-url, now."""
    parser.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks")
    parser.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS, help="print errors only")
    if "out" in building:
        parser.add_argument("--out", metavar="DIR", help="output folder (default: [build] out_dir, or public)")
    if "base-url" in building:
        parser.add_argument(
            "--base-url", metavar="URL", help="build for this address, this once (nothing derived from it is recorded)"
        )
    if "now" in building:
        parser.add_argument(
            "--now",
            metavar="WHEN",
            help="build as of this moment, ISO 8601 (default: the clock); episodes dated later are scheduled",
        )


def load_show_config(args):
    from feedtool.read.config import load_config  # +60 ms: not for --help or import (benchmarks/startup_bench.py)

    overrides = {
        "feed.base_url": getattr(args, "base_url", None),
        "build.offline": getattr(args, "offline", None) or None,  # the flag can only turn it on
        "site.enabled": False if getattr(args, "no_pages", False) else None,  # the flag can only turn it off
        "feed.staging": getattr(args, "staging", None) or None,  # the flag sets it; its absence keeps the file's
    }
    return load_config(Path(args.config) if args.config else Path(args.show_dir), **overrides)


def moment(args, tz):
    """--now as a moment (the show's time zone when it gives no offset), or None for the clock."""
    if not getattr(args, "now", None):
        return None
    try:
        return parse_moment(args.now, tz)
    except ValueError as e:
        raise UsageError(f"--now: {e}") from None


def output_folder(args, config) -> Path:
    """The build's output folder (--out, else [build] out_dir), refused when it overlaps the show folder."""
    chosen = Path(args.out or config.build.out_dir)
    problem = output_problem(config.root, chosen)
    fix = "choose a folder outside the show folder, e.g. one beside it"
    if problem and args.out:
        raise UsageError(f"--out {args.out}: {problem} ({fix})")
    if problem and chosen == Path(DEFAULT_OUT):  # not written in show.toml: the default, in the current folder
        raise ConfigError(
            f"{DEFAULT_OUT}: the default output folder, in the current folder, {problem} (give --out ../{DEFAULT_OUT}, "
            f'or set out_dir = "../{DEFAULT_OUT}" under [build] in {config.path.name}, or build from the folder above)'
        )
    if problem:
        where = f"{config.path}:build.out_dir"
        raise ConfigError(findings=[error("config/value", where, f"'{chosen}' {problem}", fix)])
    return chosen


def print_findings(findings, *, quiet: bool = False) -> None:
    for finding in findings:
        if finding.is_error or not quiet:
            print(f"{finding.severity}: {finding}", file=sys.stderr)


def progress_line(verb: str = "uploading"):
    shown: dict[str, int] = {}

    def show(path: str, done: int, total: int) -> None:
        percent = done * 100 // total if total else 100
        if shown.get(path) != percent:
            shown[path] = percent
            print(f"\r\x1b[K{verb} {path} {percent:3d}%", end="", file=sys.stderr, flush=True)

    return show


def end_progress_line() -> None:
    """Clear the line progress_line() wrote, for what is printed next."""
    print("\r\x1b[K", end="", file=sys.stderr)


def positive(value: str) -> int:
    if not is_digits(value) or int(value) < 1:
        raise argparse.ArgumentTypeError(f"'{value}' is not a positive whole number")
    return int(value)


def episode_number(value: str) -> int:
    number = positive(value)
    if number > MAX_NUMBER:
        raise argparse.ArgumentTypeError(f"'{value}' is larger than {MAX_NUMBER}, the largest number apps store")
    return number


def count(n: int, word: str) -> str:
    return f"{n} {word}{'s' * (n != 1)}"
