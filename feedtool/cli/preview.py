"""feedtool preview on the command line."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from feedtool.cli.common import common_options, print_findings, show_argument
from feedtool.errors import ExitStatus


def add_preview(commands) -> None:
    preview = commands.add_parser(
        "preview",
        help="build the show and serve it on this machine, for a browser and any podcast app; rebuild on change",
        description="Build the show for the address it is served at (into <show>/.feedtool/preview/, never "
        "public/, and without writing show.toml), serve its pages, feed, chapters, artwork, transcripts and "
        "media with byte ranges and conditional requests, and build again whenever a file of the show "
        "changes. Ctrl-C stops it.",
    )
    show_argument(preview)
    common_options(preview)
    preview.add_argument("--port", type=int, default=8000, help="port to listen on (default: 8000; 0: any free one)")
    preview.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default: 127.0.0.1, this machine only; 0.0.0.0: phones on the network too)",
    )
    preview.set_defaults(handler=cmd_preview)


def cmd_preview(args) -> int:
    from feedtool.serve import preview  # +240 ms start-up (benchmarks/startup_bench.py)

    config_path = Path(args.config) if args.config else Path(args.show_dir)

    def show(event) -> None:
        print_findings(event.findings, quiet=event.kind == "built")  # a build's warnings: build and check's
        for line in event.lines():
            print(line, file=sys.stderr if event.kind == "failed" else sys.stdout, flush=True)

    if not args.debug:  # werkzeug logs every request at INFO; --debug shows them
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
    preview(config_path, host=args.host, port=args.port, on_event=show)
    return ExitStatus.OK
