"""feedtool build and feedtool tag on the command line."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

from feedtool.cli.common import (
    STAGING_HELP,
    common_options,
    count,
    default_show,
    load_show_config,
    moment,
    output_folder,
    print_findings,
    show_argument,
)
from feedtool.errors import ExitStatus
from feedtool.facts import is_digits
from feedtool.timecode import format_clock


def add_build_and_tag(commands) -> None:
    build = commands.add_parser(
        "build",
        help="build the feed, chapters and web pages from the show folder",
        description="Read the episode files and their audio, write the feed, chapters and the show's web pages "
        "into the output folder.",
    )
    show_argument(build)
    common_options(build, "out", "base-url", "now")
    build.add_argument("--staging", action="store_true", help=STAGING_HELP)
    build.add_argument("--strict", action="store_true", help="treat warnings as errors")
    build.add_argument("--no-cache", action="store_true", help="rebuild every episode, ignoring the build cache")
    build.add_argument("--no-pages", action="store_true", help="write no web pages (as [site] enabled = false)")
    build.add_argument(
        "--offline",
        action="store_true",
        help="no network: audio given as a URL keeps its last measurement (an error for one never measured)",
    )
    build.set_defaults(handler=cmd_build)

    tag = commands.add_parser(
        "tag",
        help="write each episode's metadata, cover and chapters into its audio",
        description="Write title, show, number, date, description, cover art and chapters "
        "from the episode files into the audio files' own tags (ID3, MP4, "
        "Vorbis comments). Only tags change, never the audio.",
    )
    show_argument(tag)
    common_options(tag, "base-url")
    tag.add_argument(
        "episodes", nargs="*", metavar="EPISODE", help="episode files, names or numbers to tag (default: every episode)"
    )
    tag.add_argument("--dry-run", action="store_true", help="print what would change, field by field; write nothing")
    tag.set_defaults(handler=cmd_tag)


def build_summary(report, tz) -> list[str]:
    """The lines after a build: the feed, what was left out, the GUIDs recorded."""
    cached = report.episodes + len(report.scheduled) - report.rebuilt
    lines = [
        f"built {report.feed_path}: {count(report.episodes, 'episode')}, "
        f"{format_clock(report.total_duration)} in all, {count(len(report.warnings), 'warning')}"
        + (f" ({cached} unchanged, from the cache)" if cached > 0 and report.rebuilt < report.episodes else "")
    ]
    if report.scheduled:
        first = report.scheduled[0]
        name = f"#{first.number}" if first.number is not None else Path(first.source).name
        when = datetime.fromisoformat(first.pub_date).astimezone(tz)
        lines.append(
            f"{len(report.scheduled)} scheduled: {name} goes live {when:%a %Y-%m-%d %H:%M} {tz}"
            + (f" (the last {datetime.fromisoformat(report.scheduled[-1].pub_date).astimezone(tz):%Y-%m-%d})"
               if len(report.scheduled) > 1 else "")
        )
    if report.drafts:
        lines.append(f"{count(report.drafts, 'draft')} left out (draft: true)")
    lines += [f"recorded a new permanent GUID in {path}" for path in report.pinned]
    return lines


def cmd_build(args) -> int:
    from feedtool.build.pipeline import BuildOptions, run  # +205 ms start-up (benchmarks/startup_bench.py)

    config = load_show_config(args)
    out_dir = output_folder(args, config)
    now = moment(args, config.tz)
    options = BuildOptions(out_dir=out_dir, strict=args.strict, use_cache=not args.no_cache, now=now)
    report, _ = run(config, options)
    print_findings(report.warnings, quiet=args.quiet)
    if not args.quiet:
        print("\n".join(build_summary(report, config.tz)))
    return ExitStatus.OK


def cmd_tag(args) -> int:
    from feedtool.tag.run import report_lines, tag_show  # +217 ms start-up (benchmarks/startup_bench.py)

    if args.show_dir.endswith(".md") and Path(args.show_dir).is_file():  # `feedtool tag episodes/0001-x.md`
        args.episodes.insert(0, args.show_dir)
        args.show_dir = str(Path(args.show_dir).parent)
    elif is_digits(args.show_dir) and not Path(args.show_dir).is_dir():  # `feedtool tag 7`: an episode's number
        args.episodes.insert(0, args.show_dir)
        args.show_dir = default_show()
    report = tag_show(load_show_config(args), args.episodes, dry_run=args.dry_run)
    print_findings(report.warnings, quiet=args.quiet)
    errors = [result.error for result in report.files if result.error]
    for error in errors:
        print(f"error: {error}", file=sys.stderr)
    if not args.quiet:
        lines, summary = report_lines(report)
        print("\n".join(lines + [summary]))
    return ExitStatus.ERROR if errors else ExitStatus.OK
