"""feedtool new and feedtool import on the command line: starting an episode, or a show from its old feed."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timezone
from pathlib import Path

from feedtool.cli.common import (
    DEFAULT_SHOW,
    common_options,
    count,
    end_progress_line,
    episode_number,
    load_show_config,
    positive,
    progress_line,
    show_argument,
)
from feedtool.errors import ExitStatus, UsageError


def add_new(commands) -> None:
    new = commands.add_parser(
        "new",
        help="start the next episode file: numbered, named from the title, dated now",
        description="Write the next episode file into the show folder: the next free number (or --number), a file "
        "name from the title (transliterated to ASCII), the date (default: now in the show's time zone, "
        "cut to the minute) and the front matter to fill in. With --audio the recording is copied "
        "(or moved) into media/ under the same name. The first build records the GUID. "
        "With --show, start a show instead: SHOW_DIR/show.toml with TITLE as the show's title and every other "
        "fact left empty for you to fill in (feedtool check names each one).",
    )
    show_argument(new)
    common_options(new)
    new.add_argument("title", metavar="TITLE", help="the episode's title (with --show: the show's)")
    new.add_argument("--show", action="store_true",
                     help="start a new show: write SHOW_DIR/show.toml (the folder is made if need be)")
    new.add_argument("--audio", metavar="FILE", help="the recording: copied into media/ as <number>-<slug>.<ext>")
    new.add_argument("--move", action="store_true", help="move the --audio file instead of copying it")
    new.add_argument("--date", metavar="WHEN", help="publication date, ISO 8601 (default: now, in the show's zone)")
    new.add_argument("--number", type=episode_number, metavar="N", help="episode number (default: the next free one)")
    new.set_defaults(handler=cmd_new)


def cmd_new(args) -> int:
    # +77 ms start-up (benchmarks/startup_bench.py)
    from feedtool.new import new_episode, new_show
    from feedtool.read.episodes import display_path

    if args.show:
        given = [name for name in ("audio", "move", "date", "number", "config") if getattr(args, name)]
        if given:
            raise UsageError(f"--show starts a show, not an episode: leave out --{given[0]}")
        path = new_show(Path(args.show_dir), args.title)
        print(display_path(path))
        if not args.quiet:
            folder = display_path(path.parent)
            print(f"next: fill in the empty values (feedtool check {folder} names them), then start an episode: "
                  f'feedtool new {folder} "Episode title" --audio FILE', file=sys.stderr)
        return ExitStatus.OK
    config = load_show_config(args)  # its warnings are build's and check's to tell
    created = new_episode(
        config,
        args.title,
        audio=Path(args.audio) if args.audio else None,
        move=args.move,
        when=args.date,
        number=args.number,
    )
    print(display_path(created.path))
    return ExitStatus.OK


def add_import(commands) -> None:
    command = commands.add_parser(
        "import",
        help="turn an existing podcast feed into a show folder, keeping every GUID, URL and date",
        description="Read a feed (a URL or a file, every page of it) and write show.toml and one episode file "
        "per item into SHOW_DIR. GUIDs, isPermaLink, enclosure URLs and lengths and dates are kept exactly; "
        "what cannot be carried over is listed item by item. Run again to add new items only.",
    )
    common_options(command)
    command.add_argument("source", metavar="FEED_URL|FEED_FILE", help="the feed to import")
    command.add_argument("show_dir", nargs="?", default=DEFAULT_SHOW, metavar="SHOW_DIR",
                         help=f"the show folder to write (default: {DEFAULT_SHOW})")
    command.add_argument("--media", choices=("keep", "download"), default="keep",
                         help="keep: audio stays at its URL (default); download: fetch it into SHOW_DIR/media/")
    command.add_argument("--since", type=since_date, metavar="DATE",
                         help="import only items published on or after DATE")
    command.add_argument("--dry-run", action="store_true", help="print what would be written; write nothing")
    command.add_argument("--jobs", type=positive, default=4, metavar="N", help="downloads at once (default: 4)")
    command.add_argument("--timeout", type=float, default=10.0, metavar="SECONDS",
                         help="give up on a request after this long (default: 10; a whole feed: 3 times that)")
    command.set_defaults(handler=cmd_import)


def since_date(value: str) -> datetime:
    """--since DATE: a moment, UTC unless it gives an offset."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{value}' is not a date (use YYYY-MM-DD)") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def cmd_import(args) -> int:
    from feedtool.importer import import_feed  # +379 ms start-up (benchmarks/startup_bench.py)

    progress = progress_line("downloading") if sys.stderr.isatty() and not args.quiet else None
    report = import_feed(args.source, Path(args.show_dir), media=args.media, since=args.since, dry_run=args.dry_run,
                         timeout=args.timeout, jobs=args.jobs, progress=progress)
    if progress:
        end_progress_line()
    for line in report.lost:
        print(f"warning: {line}", file=sys.stderr)
    if args.quiet:
        return ExitStatus.OK
    verb = "would write" if report.dry_run else "wrote"
    if args.dry_run:
        for name in report.written:
            print(f"{verb} {Path(args.show_dir) / name}")
    parts = [f"{count(report.items, 'item')} in {count(report.pages, 'page')}",
             f"{verb} {count(len(report.written), 'episode file')}"]
    if report.show_written:
        parts.append(f"{verb} {Path(args.show_dir) / 'show.toml'}")
    if report.skipped:
        parts.append(f"{report.skipped} imported before")
    if report.older:
        parts.append(f"{report.older} before --since")
    if report.lost:
        parts.append(f"{count(len(report.lost), 'thing')} not carried over as it was (listed above)")
    print(f"imported {args.source}: " + "; ".join(parts))
    return ExitStatus.OK
