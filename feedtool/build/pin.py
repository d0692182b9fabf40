"""Write identifiers back into the producer's files once, so they never change again.

An episode without a GUID gets one on its first successful build; the show's podcast:guid is derived from
the feed URL once and kept in show.toml, so it survives a later change of URL (Podcast Index namespace).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable

from feedtool.build.write import atomic_write, clear_abandoned
from feedtool.errors import Finding, info, warning
from feedtool.read.episodes import display_path


def insert_front_matter_field(text: str, key: str, value: str) -> str:
    """Add `key: value` as the last front matter line, leaving every other byte of the file alone.

    >>> insert_front_matter_field("---\\ntitle: A\\n---\\nNotes\\n", "guid", "x")
    '---\\ntitle: A\\nguid: x\\n---\\nNotes\\n'
    """
    lines = text.split("\n")
    carriage_return = "\r" if lines[0].endswith("\r") else ""  # keep a CRLF file CRLF
    for i, line in enumerate(lines[1:], start=1):
        if line.rstrip() in ("---", "..."):
            lines.insert(i, f"{key}: {value}{carriage_return}")
            return "\n".join(lines)
    raise ValueError("no closing front matter line")


def pin_guids(refs: Iterable) -> tuple[list[str], list[Finding]]:
    """Write each new GUID into its episode file. Returns the files changed, and a warning for each file that
    could not be: its GUID stays the derived one (build/show.py new_episode_guid) until a build can record it."""
    pinned, problems, cleared = [], [], set()
    for ref in refs:
        path = Path(ref.source)
        if path.parent not in cleared:  # a pin killed before its rename left a temp file, and is redone now
            clear_abandoned(path.parent)
            cleared.add(path.parent)
        try:
            text = path.read_bytes().decode("utf-8")
            mode = os.stat(path).st_mode & 0o777
            atomic_write(path, [insert_front_matter_field(text, "guid", ref.guid).encode("utf-8")], mode=mode)
        except (OSError, ValueError) as e:
            problems.append(
                warning(
                    "build/guid-not-recorded",
                    f"{display_path(path)}: guid",
                    f"cannot record its new GUID {ref.guid} in the file: {getattr(e, 'strerror', None) or e}",
                    f"add guid: {ref.guid} to its front matter; until then every build derives the same GUID "
                    "from the file name, so do not rename it",
                )
            )
            continue
        pinned.append(str(path))
    return pinned, problems


def pin_podcast_guid(config, guid: str | None) -> tuple[list[str], list[Finding]]:
    """Record the derived podcast:guid in show.toml, keeping the file's comments and layout; never one derived
    from an address given for this run only (`--base-url`)."""
    if not guid or config.show.guid:
        return [], []
    where = f"{display_path(config.path)}:show.guid"
    if config.one_off_address:
        return [], [
            info(
                "build/guid-not-recorded",
                where,
                f"not recorded: this build is for an address given on the command line ({guid} belongs to it)",
                "build with base_url set in show.toml to record the show's podcast:guid",
            )
        ]
    import tomlkit  # only a show's first build needs it: its import is 3 % of a warm rebuild (build_bench.py)

    clear_abandoned(config.path.parent)  # a killed pin's temp file, as in pin_guids
    try:
        document = tomlkit.parse(config.path.read_text("utf-8"))
        show = document.setdefault("show", tomlkit.table())
        show["guid"] = guid
        show["guid"].comment("podcast:guid, derived from the feed URL once; keep it when the URL changes")
        atomic_write(config.path, [tomlkit.dumps(document).encode("utf-8")], mode=os.stat(config.path).st_mode & 0o777)
    except (OSError, ValueError) as e:
        return [], [
            warning(
                "build/guid-not-recorded",
                where,
                f"cannot record the show's podcast:guid {guid}: {getattr(e, 'strerror', None) or e}",
                f'add guid = "{guid}" under [show]',
            )
        ]
    return [str(config.path)], []
