"""The folders a show touches, and the one place a file the show names is looked up.

Every file the show publishes (audio, alternates, transcripts, images, chapter images, artwork) is found with
`show_file`, which refuses a path that leaves the show folder, by `..`, by being absolute or through a
symbolic link: a link inside the folder must not publish what it points at elsewhere (`/etc/passwd` as a
transcript). The output folder and a publish target must not overlap the show folder, or a build deletes
the producer's files and a publish copies into itself.
"""

from __future__ import annotations

import os
from pathlib import Path

from feedtool.errors import EpisodeError, error, shorten

LINK_HINT = "copy the file into the show folder instead of linking to it"


def show_file(root: Path, value: str, where: str) -> Path:
    """The file `value` (a path relative to the show folder) names, as a path under root; raises EpisodeError
    when it leaves the show folder, is too long a name for the file system, or is a link to outside."""
    relative = os.path.normpath(value)
    inside = _relative_inside(root, value) if os.path.isabs(value) else None
    if inside:  # in the show folder, but written so that it breaks when the folder moves
        fix = f"write it relative to the show folder: {inside}"
        raise EpisodeError(findings=[error("show/path", where, f"'{value}' is an absolute path", fix)])
    if os.path.isabs(value) or relative == ".." or relative.startswith(".." + os.sep):
        raise EpisodeError(
            findings=[
                error(
                    "show/path",
                    where,
                    f"'{value}' is outside the show folder",
                    "move the file into the show folder and give its path relative to it",
                )
            ]
        )
    too_long = next((part for part in relative.split(os.sep) if len(os.fsencode(part)) > 255), None)
    if too_long is not None:
        raise EpisodeError(
            findings=[
                error(
                    "show/path",
                    where,
                    f"'{shorten(too_long, 40)}' is a name of {len(os.fsencode(too_long))} bytes, "
                    "longer than file systems allow (255)",
                    "rename the file or folder",
                )
            ]
        )
    path = root / relative
    escape = link_outside(root, relative)
    if escape:
        link, target = escape
        raise EpisodeError(
            findings=[
                error(
                    "show/link-outside",
                    where,
                    f"'{link}' is a link to {target}, outside the show folder",
                    LINK_HINT,
                )
            ]
        )
    return path


def link_outside(root: Path, relative: str) -> tuple[str, str] | None:
    """(the link, where it leads) for the first symbolic link on the way from root to `relative` that ends
    outside the show folder; None when there is none. Only the steps below root are looked at (one lstat
    each): a show folder that is itself reached through a link is the producer's business."""
    real_root = _real(str(root))
    path = str(root)
    steps: list[str] = []
    for part in relative.split(os.sep):
        if part in ("", "."):
            continue
        path = os.path.join(path, part)
        steps.append(part)
        if os.path.islink(path):
            target = os.path.realpath(path)
            if not _is_within(target, real_root):
                return "/".join(steps), target
    return None


def check_inside(root: Path, path: Path | str, where: str) -> None:
    """show_file for a file found by listing a folder (a transcript beside its audio)."""
    try:
        relative = os.path.relpath(path, root)
    except ValueError:  # another drive
        relative = str(path)
    show_file(root, relative, where)


def output_problem(root: Path, out_dir: Path | str) -> str | None:
    """Why out_dir cannot be the build's output folder, or None: it must not be, hold or lie inside the show
    folder (a build replaces what it finds there), nor be a system folder."""
    out, show = _real(str(out_dir)), _real(str(root))
    if system_folder(out):
        return "is a system folder"
    if out == show:
        return "is the show folder itself; a build would overwrite and delete the show's own files"
    if _is_within(show, out):
        return "holds the show folder; a build and a publish would treat the show's own files as output"
    if _is_within(out, show):
        return "is inside the show folder; the build's files would mix with the show's own"
    return None


def system_folder(path: str) -> bool:
    """The root of a file system, a folder directly in it (/etc, /home, /tmp), or the home folder."""
    parent = os.path.dirname(path)
    return parent == path or os.path.dirname(parent) == parent or path == _real(os.path.expanduser("~"))


def target_problem(root: Path, out_dir: Path | str | None, target: Path | str) -> str | None:
    """Why a folder cannot be a publish target, or None: not inside the output folder or the show folder
    (it would publish into itself), and not a folder that holds the show folder."""
    where, show = _real(str(target)), _real(str(root))
    if system_folder(where):
        return "is a system folder"
    if where == show:
        return "is the show folder"
    if _is_within(where, show):
        return "is inside the show folder; every publish would copy the show into itself"
    if _is_within(show, where):
        return "holds the show folder; the show's own files would be served, and replaced by the publish"
    if out_dir is not None:
        out = _real(str(out_dir))
        if where == out:
            return "is the build output folder"
        if _is_within(where, out):
            return "is inside the build output folder; every publish would copy the output into itself"
    return None


def make_cache_folder(folder: Path) -> None:
    """Make a folder of feedtool's own state in the show folder (.feedtool/), ignored by git so that a producer
    who keeps the show in git never commits it."""
    folder.mkdir(parents=True, exist_ok=True)
    ignore = folder / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# feedtool's caches; safe to delete\n*\n")


def _relative_inside(root: Path, value: str) -> str | None:
    real, show = _real(value), _real(str(root))
    return os.path.relpath(real, show).replace(os.sep, "/") if _is_within(real, show) else None


def _real(path: str) -> str:
    return os.path.realpath(os.path.abspath(path))


def _is_within(path: str, folder: str) -> bool:
    """Whether path is below folder (both real, absolute paths); a folder is not within itself."""
    return path != folder and path.startswith(os.path.join(folder, ""))


