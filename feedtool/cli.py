"""The command line: parses arguments, calls the pipeline, prints. The only module that prints."""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
import tempfile
import traceback
from datetime import datetime
from pathlib import Path

from feedtool import __version__
from feedtool.errors import ExitStatus, FeedtoolError, UsageError
from feedtool.facts import is_digits

log = logging.getLogger("feedtool")

DEFAULT_SHOW = "episodes"
STAGING_HELP = "a rehearsal, as [feed] staging = true: placeholder domains allowed, the feed marked not for directories"


def _show_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "show_dir",
        nargs="?",
        default=DEFAULT_SHOW,
        metavar="SHOW_DIR",
        help=f"the show folder holding show.toml and the episode files (default: {DEFAULT_SHOW})",
    )
    parser.add_argument("--config", metavar="PATH", help="the show config file (default: SHOW_DIR/show.toml)")


def _common(parser: argparse.ArgumentParser, *building: str) -> None:
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


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="feedtool", description="Build, check and publish a podcast feed from a folder of episode files."
    )
    parser.add_argument("--version", action="version", version=f"feedtool {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logging")
    parser.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    build = commands.add_parser(
        "build",
        help="build the feed and show notes from the show folder",
        description="Read the episode files and their audio, write the feed and chapters into the output folder.",
    )
    _show_argument(build)
    _common(build, "out", "base-url", "now")
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
    _show_argument(tag)
    _common(tag, "base-url")
    tag.add_argument(
        "episodes", nargs="*", metavar="EPISODE", help="episode files, names or numbers to tag (default: every episode)"
    )
    tag.add_argument("--dry-run", action="store_true", help="print what would change, field by field; write nothing")
    tag.set_defaults(handler=cmd_tag)
    _publish_parser(commands)
    _add_check(commands)
    _add_new(commands)
    _add_import(commands)
    _add_preview(commands)
    return parser


def _load_config(args):
    from feedtool.read.config import load_config

    overrides = {
        "feed.base_url": getattr(args, "base_url", None),
        "build.offline": getattr(args, "offline", None) or None,  # the flag can only turn it on
        "site.enabled": False if getattr(args, "no_pages", False) else None,  # the flag can only turn it off
        "feed.staging": getattr(args, "staging", None) or None,  # the flag sets it; its absence keeps the file's
    }
    return load_config(Path(args.config) if args.config else Path(args.show_dir), **overrides)


def _now(args, tz):
    """--now as a moment (the show's time zone when it gives no offset), or None for the clock."""
    from feedtool.timecode import parse_moment

    if not getattr(args, "now", None):
        return None
    try:
        return parse_moment(args.now, tz)
    except ValueError as e:
        raise UsageError(f"--now: {e}") from None


def _build_summary(report, tz) -> list[str]:
    """The lines after a build: the feed, what was left out, the GUIDs recorded."""
    cached = report.episodes + len(report.scheduled) - report.rebuilt
    lines = [
        f"built {report.feed_path}: {_count(report.episodes, 'episode')}, "
        f"{_duration(report.total_duration)} in all, {_count(len(report.warnings), 'warning')}"
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
        lines.append(f"{_count(report.drafts, 'draft')} left out (draft: true)")
    lines += [f"recorded a new permanent GUID in {path}" for path in report.pinned]
    return lines


def _out_dir(args, config) -> Path:
    """The build's output folder (--out, else [build] out_dir), refused when it overlaps the show folder."""
    from feedtool.errors import ConfigError, error
    from feedtool.read.paths import output_problem

    out_dir = Path(args.out or config.build.out_dir)
    problem = output_problem(config.root, out_dir)
    fix = "choose a folder outside the show folder, e.g. one beside it"
    if problem and args.out:
        raise UsageError(f"--out {args.out}: {problem} ({fix})")
    if problem:
        where = f"{config.path}:build.out_dir"
        raise ConfigError(findings=[error("config/value", where, f"'{out_dir}' {problem}", fix)])
    return out_dir


def _print_findings(findings, *, quiet: bool = False) -> None:
    for finding in findings:
        if finding.is_error or not quiet:
            print(f"{finding.severity}: {finding}", file=sys.stderr)


def _duration(seconds: float) -> str:
    from feedtool.timecode import format_clock

    return format_clock(seconds)


def cmd_build(args) -> int:
    from feedtool.build.pipeline import BuildOptions, run

    config = _load_config(args)
    out_dir = _out_dir(args, config)
    options = BuildOptions(out_dir=out_dir, strict=args.strict, use_cache=not args.no_cache, now=_now(args, config.tz))
    report, _ = run(config, options)
    _print_findings(report.warnings, quiet=args.quiet)
    if not args.quiet:
        print("\n".join(_build_summary(report, config.tz)))
    return ExitStatus.OK


def cmd_tag(args) -> int:
    from feedtool.tag.run import report_lines, tag_show

    if args.show_dir.endswith(".md") and Path(args.show_dir).is_file():  # `feedtool tag episodes/0001-x.md`
        args.episodes.insert(0, args.show_dir)
        args.show_dir = str(Path(args.show_dir).parent)
    report = tag_show(_load_config(args), args.episodes, dry_run=args.dry_run)
    _print_findings(report.warnings, quiet=args.quiet)
    if not args.quiet:
        lines, summary = report_lines(report)
        print("\n".join(lines + [summary]))
    return ExitStatus.OK


# --- publish -----------------------------------------------------------------------------------------------


def _publish_parser(commands) -> None:
    publish = commands.add_parser(
        "publish",
        help="build, upload the show to a folder or S3, then notify the directories",
        description="Build the show, upload media first and the feed last (verifying each file), keep a "
        "manifest on the target, and ping WebSub hubs and the Podcast Index.",
    )
    _show_argument(publish)
    publish.add_argument(
        "--to",
        metavar="TARGET",
        help="a folder (web server document root) or s3://bucket/prefix (default: [publish] target)",
    )
    _common(publish, "out", "base-url", "now")
    publish.add_argument("--dry-run", action="store_true", help="build and print the plan; upload nothing")
    publish.add_argument("--staging", action="store_true", help=STAGING_HELP)
    publish.add_argument(
        "--force",
        action="store_true",
        help="allow changing a published GUID or enclosure URL, or dropping a published episode",
    )
    publish.add_argument(
        "--rollback", action="store_true", help="put the previously published version back online (no build)"
    )
    publish.set_defaults(handler=cmd_publish)


def cmd_publish(args) -> int:
    import os

    from feedtool.errors import PublishError
    from feedtool.publish import describe_plan, format_size, publish_show, rollback_show

    config = _load_config(args)
    target = args.to if not args.to or "://" in args.to else str(Path(args.to).resolve())
    progress = _progress_line() if sys.stderr.isatty() and not args.quiet and not os.environ.get("CI") else None
    try:
        if args.rollback:
            result = rollback_show(config, target=target, dry_run=args.dry_run, progress=progress)
        else:
            from feedtool.build.pipeline import BuildOptions, run

            with contextlib.ExitStack() as scratch:
                if args.dry_run:  # built where nothing of the show's is: a dry run changes nothing anywhere
                    out_dir = Path(scratch.enter_context(tempfile.TemporaryDirectory(prefix="feedtool-dry-run-")))
                    options = BuildOptions(out_dir=out_dir, use_cache=False, record=False, now=_now(args, config.tz))
                else:
                    out_dir = _out_dir(args, config)
                    options = BuildOptions(out_dir=out_dir, now=_now(args, config.tz))
                report, _ = run(config, options)
                _print_findings(report.warnings, quiet=args.quiet)
                result = publish_show(
                    config, report, out_dir, target=target, force=args.force, dry_run=args.dry_run, progress=progress
                )
    except PublishError as e:
        if progress:
            print("\r\x1b[K", end="", file=sys.stderr)
        if not e.findings:
            raise
        _print_findings(e.findings)
        print(f"error: {_count(len(e.findings), 'problem')}; the feed on the target was not changed", file=sys.stderr)
        return e.exit_status
    if progress:
        print("\r\x1b[K", end="", file=sys.stderr)
    plan = result.plan
    if result.dry_run:
        if not args.quiet:
            print("\n".join(describe_plan(plan)))
        _print_findings(result.warnings, quiet=args.quiet)
        refused = [f for f in plan.refusals if f.is_error]
        _print_findings(refused)
        if refused:
            print(f"error: publish would be refused: {_count(len(refused), 'problem')}", file=sys.stderr)
            return ExitStatus.PUBLISH_FAILED
        if not args.quiet:
            print("dry run: nothing was uploaded")
        return ExitStatus.OK
    _print_findings(result.warnings, quiet=args.quiet)
    for ping in result.pings:
        if not ping.ok:
            print(f"warning: {ping} (the feed is published; the directories will still poll it)", file=sys.stderr)
        elif not args.quiet:
            print(f"notified {ping}")
    if not args.quiet:
        feed = plan.manifest.feed
        print(
            f"{'rolled back' if args.rollback else 'published'} {plan.target}: "
            f"{_count(len(result.uploaded), 'file')} uploaded ({format_size(result.uploaded_bytes)}), "
            f"{len(plan.files) - len(plan.uploads)} already there, {len(plan.removals)} removed; "
            + (f"{feed} is live" if result.feed_live else f"{feed} unchanged")
            + ("; checked over HTTP" if result.http_checked and result.uploaded else "")
        )
    return ExitStatus.OK


def _progress_line(verb: str = "uploading"):
    shown: dict[str, int] = {}

    def show(path: str, done: int, total: int) -> None:
        percent = done * 100 // total if total else 100
        if shown.get(path) != percent:
            shown[path] = percent
            print(f"\r\x1b[K{verb} {path} {percent:3d}%", end="", file=sys.stderr, flush=True)

    return show


# --- feedtool check -------------------------------------------------------------------------------------------


def _add_check(commands) -> None:
    check = commands.add_parser(
        "check",
        help="check a show folder, feed file or feed URL for Apple, PSP-1 and subscribers",
        description="Check a show folder (as build would render it), a feed file or a feed URL against Apple "
        "Podcasts, PSP-1 and the Podcast Index namespace, and for subscribers' safety; with --online "
        "(always for a URL) also the server that hosts the feed, artwork and media.",
    )
    check.add_argument(
        "target",
        nargs="?",
        default=DEFAULT_SHOW,
        metavar="SHOW_DIR|FEED_FILE|URL",
        help=f"what to check (default: {DEFAULT_SHOW})",
    )
    check.add_argument("--online", action="store_true", help="also check the server (always done for a URL)")
    check.add_argument("--sample", type=_positive, metavar="N", help="check the server for the first N episodes only")
    check.add_argument(
        "--timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="give up on a server request after this long (default: 10)",
    )
    check.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    check.add_argument("--strict", action="store_true", help="exit 1 on warnings too")
    _common(check, "base-url", "now")
    check.set_defaults(handler=cmd_check)


def _positive(value: str) -> int:
    if not is_digits(value) or int(value) < 1:
        raise argparse.ArgumentTypeError(f"'{value}' is not a positive whole number")
    return int(value)


def cmd_check(args) -> int:
    from feedtool.check.run import check_target, exit_status, format_json, format_text

    result = check_target(
        args.target, online=args.online, sample=args.sample, timeout=args.timeout, base_url=args.base_url, now=args.now
    )
    print(format_json(result) if args.format == "json" else format_text(result, quiet=args.quiet))
    return exit_status(result, strict=args.strict)


# --- feedtool new ---------------------------------------------------------------------------------------------


def _add_new(commands) -> None:
    new = commands.add_parser(
        "new",
        help="start the next episode file: numbered, named from the title, dated now",
        description="Write the next episode file into the show folder: the next free number (or --number), a file "
        "name from the title (transliterated to ASCII), the date (default: now in the show's time zone, "
        "rounded to the minute) and the front matter to fill in. With --audio the recording is copied "
        "(or moved) into media/ under the same name. The first build records the GUID.",
    )
    _show_argument(new)
    _common(new)
    new.add_argument("title", metavar="TITLE", help="the episode's title")
    new.add_argument("--audio", metavar="FILE", help="the recording: copied into media/ as <number>-<slug>.<ext>")
    new.add_argument("--move", action="store_true", help="move the --audio file instead of copying it")
    new.add_argument("--date", metavar="WHEN", help="publication date, ISO 8601 (default: now, in the show's zone)")
    new.add_argument("--number", type=_positive, metavar="N", help="episode number (default: the next free one)")
    new.set_defaults(handler=cmd_new)


def cmd_new(args) -> int:
    from feedtool.new import new_episode
    from feedtool.read.episodes import display_path

    config = _load_config(args)  # its warnings are build's and check's to tell
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


# --- feedtool import ------------------------------------------------------------------------------------------


def _add_import(commands) -> None:
    command = commands.add_parser(
        "import",
        help="turn an existing podcast feed into a show folder, keeping every GUID, URL and date",
        description="Read a feed (a URL or a file, every page of it) and write show.toml and one episode file "
        "per item into SHOW_DIR. GUIDs, isPermaLink, enclosure URLs and lengths and dates are kept exactly; "
        "what cannot be carried over is listed item by item. Run again to add new items only.",
    )
    _common(command)
    command.add_argument("source", metavar="FEED_URL|FEED_FILE", help="the feed to import")
    command.add_argument("show_dir", nargs="?", default=DEFAULT_SHOW, metavar="SHOW_DIR",
                         help=f"the show folder to write (default: {DEFAULT_SHOW})")
    command.add_argument("--media", choices=("keep", "download"), default="keep",
                         help="keep: audio stays at its URL (default); download: fetch it into SHOW_DIR/media/")
    command.add_argument("--since", type=_date, metavar="DATE", help="import only items published on or after DATE")
    command.add_argument("--dry-run", action="store_true", help="print what would be written; write nothing")
    command.add_argument("--jobs", type=_positive, default=4, metavar="N", help="downloads at once (default: 4)")
    command.add_argument("--timeout", type=float, default=10.0, metavar="SECONDS",
                         help="give up on a request after this long (default: 10; a whole feed: 3 times that)")
    command.set_defaults(handler=cmd_import)


def _date(value: str):
    from datetime import datetime, timezone

    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{value}' is not a date (use YYYY-MM-DD)") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def cmd_import(args) -> int:
    from feedtool.importer import import_feed

    progress = _progress_line("downloading") if sys.stderr.isatty() and not args.quiet else None
    report = import_feed(args.source, Path(args.show_dir), media=args.media, since=args.since, dry_run=args.dry_run,
                         timeout=args.timeout, jobs=args.jobs, progress=progress)
    if progress:
        print("\r\x1b[K", end="", file=sys.stderr)
    for line in report.lost:
        print(f"warning: {line}", file=sys.stderr)
    if args.quiet:
        return ExitStatus.OK
    verb = "would write" if report.dry_run else "wrote"
    if args.dry_run:
        for name in report.written:
            print(f"{verb} {Path(args.show_dir) / name}")
    parts = [f"{_count(report.items, 'item')} in {_count(report.pages, 'page')}",
             f"{verb} {_count(len(report.written), 'episode file')}"]
    if report.show_written:
        parts.append(f"{verb} {Path(args.show_dir) / 'show.toml'}")
    if report.skipped:
        parts.append(f"{report.skipped} imported before")
    if report.older:
        parts.append(f"{report.older} before --since")
    if report.lost:
        parts.append(f"{_count(len(report.lost), 'thing')} not carried over as it was (listed above)")
    print(f"imported {args.source}: " + "; ".join(parts))
    return ExitStatus.OK


# --- feedtool preview -----------------------------------------------------------------------------------------


def _add_preview(commands) -> None:
    preview = commands.add_parser(
        "preview",
        help="build the show and serve it on this machine, for a browser and any podcast app; rebuild on change",
        description="Build the show for the address it is served at (into <show>/.feedtool/preview/, never "
        "public/, and without writing show.toml), serve its pages, feed, chapters, artwork, transcripts and "
        "media with byte ranges and conditional requests, and build again whenever a file of the show "
        "changes. Ctrl-C stops it.",
    )
    _show_argument(preview)
    _common(preview)
    preview.add_argument("--port", type=int, default=8000, help="port to listen on (default: 8000; 0: any free one)")
    preview.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default: 127.0.0.1, this machine only; 0.0.0.0: phones on the network too)",
    )
    preview.set_defaults(handler=cmd_preview)


def cmd_preview(args) -> int:
    from feedtool.serve import preview

    config_path = Path(args.config) if args.config else Path(args.show_dir)

    def show(event) -> None:
        _print_findings(event.findings, quiet=event.kind == "built")  # a build's warnings: build and check's
        for line in event.lines():
            print(line, file=sys.stderr if event.kind == "failed" else sys.stdout, flush=True)

    if not args.debug:  # werkzeug logs every request at INFO; --debug shows them
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
    preview(config_path, host=args.host, port=args.port, on_event=show)
    return ExitStatus.OK


class _StderrHandler(logging.Handler):
    def emit(self, record):
        print(f"{record.levelname.lower()}: {record.getMessage()}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # argparse exits 2 on usage errors, 0 on --help/--version
        return int(e.code or 0)
    logging.getLogger().handlers[:] = [_StderrHandler()]
    logging.getLogger().setLevel(logging.DEBUG if args.debug else logging.ERROR if args.quiet else logging.WARNING)
    if not getattr(args, "handler", None):
        parser.print_help(sys.stderr)
        return ExitStatus.USAGE
    try:
        return int(args.handler(args))
    except FeedtoolError as e:
        if args.debug:  # the traceback as well as the message; the exit status stays the error's own
            traceback.print_exc()
        if e.findings:
            _print_findings(e.findings, quiet=args.quiet and not e.strict)
            errors = sum(1 for f in e.findings if f.is_error)
            warnings = len(e.findings) - errors
            strict = f", {_count(warnings, 'warning')} (--strict)" if warnings and e.strict else ""
            print(f"error: {_count(errors, 'error')}{strict}; nothing was written", file=sys.stderr)
        else:
            print(f"error: {e}", file=sys.stderr)
        return e.exit_status
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return ExitStatus.INTERRUPTED


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'s' * (n != 1)}"
