"""Write identifiers back into the producer's files once, so they never change again.

An episode without a GUID gets one on its first successful build; the show's podcast:guid is derived from
the feed URL once and kept in show.toml, so it survives a later change of URL (Podcast Index namespace).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Iterable

from feedtool.build.write import atomic_write, clear_abandoned

log = logging.getLogger(__name__)


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


def pin_guids(refs: Iterable) -> list[str]:
    """Write each new GUID into its episode file. Returns the files changed."""
    pinned, cleared = [], set()
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
            log.warning(
                "%s: could not write its new GUID %s into the file: %s (add guid: %s yourself)",
                path,
                ref.guid,
                e,
                ref.guid,
            )
            continue
        pinned.append(str(path))
    return pinned


def pin_podcast_guid(config, guid: str | None) -> list[str]:
    """Record the derived podcast:guid in show.toml, keeping the file's comments and layout."""
    if not guid or config.show.guid:
        return []
    import tomlkit  # only the first build of a show needs it

    clear_abandoned(config.path.parent)  # a killed pin's temp file, as in pin_guids
    try:
        document = tomlkit.parse(config.path.read_text("utf-8"))
        show = document.setdefault("show", tomlkit.table())
        show["guid"] = guid
        show["guid"].comment("podcast:guid, derived from the feed URL once; keep it when the URL changes")
        atomic_write(config.path, [tomlkit.dumps(document).encode("utf-8")], mode=os.stat(config.path).st_mode & 0o777)
    except (OSError, ValueError) as e:
        log.warning("%s: could not record guid = %r under [show]: %s (add it yourself)", config.path, guid, e)
        return []
    return [str(config.path)]
