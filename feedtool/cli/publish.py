"""feedtool publish on the command line."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from pathlib import Path

from feedtool.cli.common import (
    STAGING_HELP,
    common_options,
    count,
    end_progress_line,
    load_show_config,
    moment,
    output_folder,
    print_findings,
    progress_line,
    show_argument,
)
from feedtool.errors import ExitStatus, PublishError


def add_publish(commands) -> None:
    publish = commands.add_parser(
        "publish",
        help="build, upload the show to a folder or S3, then notify the directories",
        description="Build the show, upload media first and the feed last (verifying each file), keep a "
        "manifest on the target, and ping WebSub hubs and the Podcast Index.",
    )
    show_argument(publish)
    publish.add_argument(
        "--to",
        metavar="TARGET",
        help="a folder (web server document root) or s3://bucket/prefix (default: [publish] target)",
    )
    common_options(publish, "out", "base-url", "now")
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
    publish.add_argument(
        "--purge",
        action="store_true",
        help="remove now every file kept for its grace period ([publish] keep_removed_days), e.g. for a takedown",
    )
    publish.set_defaults(handler=cmd_publish)


def cmd_publish(args) -> int:
    # +189 ms start-up (benchmarks/startup_bench.py)
    from feedtool.publish import adopt_published_dates, describe_plan, format_size, publish_show, rollback_show

    config = load_show_config(args)
    target = args.to if not args.to or "://" in args.to else str(Path(args.to).resolve())
    progress = progress_line() if sys.stderr.isatty() and not args.quiet and not os.environ.get("CI") else None
    try:
        if args.rollback:
            result = rollback_show(
                config,
                target=target,
                dry_run=args.dry_run,
                progress=progress,
                now=moment(args, config.tz),
                purge=args.purge,
            )
        else:
            if not args.dry_run:  # a dry run writes nothing into the show folder
                adopt_published_dates(config, target=target)
            with contextlib.ExitStack() as scratch:
                report, out_dir = _build(args, config, scratch)
                print_findings(report.warnings, quiet=args.quiet)
                result = publish_show(
                    config,
                    report,
                    out_dir,
                    target=target,
                    force=args.force,
                    dry_run=args.dry_run,
                    progress=progress,
                    now=moment(args, config.tz),
                    purge=args.purge,
                )
    except PublishError as e:
        if progress:
            end_progress_line()
        if not e.findings:
            raise
        print_findings(e.findings)
        print(f"error: {count(len(e.findings), 'problem')}; the feed on the target was not changed", file=sys.stderr)
        return e.exit_status
    if progress:
        end_progress_line()
    if result.dry_run:
        return _print_dry_run(args, result, describe_plan(result.plan))
    _print_published(args, result, format_size(result.uploaded_bytes))
    return ExitStatus.OK


def _build(args, config, scratch: contextlib.ExitStack):
    """Build the show to publish: (the build's report, its output folder)."""
    from feedtool.build.pipeline import BuildOptions, run  # +205 ms start-up (benchmarks/startup_bench.py)

    if args.dry_run:  # built where nothing of the show's is: a dry run changes nothing anywhere
        out_dir = Path(scratch.enter_context(tempfile.TemporaryDirectory(prefix="feedtool-dry-run-")))
        options = BuildOptions(out_dir=out_dir, use_cache=False, record=False, now=moment(args, config.tz))
    else:
        out_dir = output_folder(args, config)
        options = BuildOptions(out_dir=out_dir, now=moment(args, config.tz))
    report, _ = run(config, options)
    return report, out_dir


def _print_dry_run(args, result, plan_lines: list[str]) -> int:
    plan = result.plan
    if not args.quiet:
        print("\n".join(plan_lines))
    print_findings(result.warnings, quiet=args.quiet)
    refused = [f for f in plan.refusals if f.is_error]
    print_findings(refused)
    if refused:
        print(f"error: publish would be refused: {count(len(refused), 'problem')}", file=sys.stderr)
        return ExitStatus.PUBLISH_FAILED
    if not args.quiet:
        print("dry run: nothing was uploaded")
    return ExitStatus.OK


def _print_published(args, result, uploaded_size: str) -> None:
    print_findings(result.warnings, quiet=args.quiet)
    for ping in result.pings:
        if not ping.ok:
            print(f"warning: {ping} (the feed is published; the directories will still poll it)", file=sys.stderr)
        elif not args.quiet:
            print(f"{'not notified' if ping.skipped else 'notified'} {ping}")
    if args.quiet:
        return
    plan = result.plan
    feed = plan.manifest.feed
    print(
        f"{'rolled back' if args.rollback else 'published'} {plan.target}: "
        f"{count(len(result.uploaded), 'file')} uploaded ({uploaded_size}), "
        f"{len(plan.files) - len(plan.uploads)} already there, {len(plan.removals)} removed"
        + (f", {_kept(plan)}" if plan.retirement.retired else "")
        + "; "
        + (f"{feed} is live" if result.feed_live else f"{feed} unchanged")
        + ("; checked over HTTP" if result.http_checked and result.uploaded else "")
    )


def _kept(plan) -> str:
    return f"{count(len(plan.retirement.retired), 'dropped file')} kept for apps that hold an older feed"
