"""feedtool check on the command line."""

from __future__ import annotations

from pathlib import Path

from feedtool.cli.common import SHOW_DIR_DEFAULT, common_options, config_option, positive
from feedtool.errors import UsageError


def add_check(commands) -> None:
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
        metavar="SHOW_DIR|FEED_FILE|URL",
        help=f"what to check ({SHOW_DIR_DEFAULT})",
    )
    config_option(check)
    check.add_argument("--online", action="store_true", help="also check the server (always done for a URL)")
    check.add_argument("--sample", type=positive, metavar="N", help="check the server for the first N episodes only")
    check.add_argument(
        "--timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="give up on a server request after this long (default: 10)",
    )
    check.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    check.add_argument("--strict", action="store_true", help="exit 1 on warnings too")
    common_options(check, "base-url", "now")
    check.set_defaults(handler=cmd_check)


def cmd_check(args) -> int:
    from feedtool.check.run import check_target, exit_status, format_json, format_text  # +343 ms start-up

    target = args.target
    if args.config:  # a show folder's config given by its path: the show is the folder it is in, as for build
        if target.startswith(("https://", "http://")) or Path(target).is_file():
            raise UsageError(f"--config {args.config}: goes with a show folder, not with the feed {target}")
        target = args.config
    result = check_target(
        target, online=args.online, sample=args.sample, timeout=args.timeout, base_url=args.base_url, now=args.now
    )
    print(format_json(result) if args.format == "json" else format_text(result, quiet=args.quiet))
    return exit_status(result, strict=args.strict)
