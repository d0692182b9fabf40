"""Atomic output: temp file + rename, so a reader never sees half a file and a failed build changes nothing."""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path
from typing import Iterable

from feedtool.errors import FeedtoolError

log = logging.getLogger(__name__)


def atomic_write(path: Path, chunks: Iterable[bytes], *, sync: bool = False, mode: int | None = None) -> int:
    """Write chunks to path atomically; return the number of bytes written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    size = 0
    try:
        with os.fdopen(fd, "wb") as f:
            for chunk in chunks:
                f.write(chunk)
                size += len(chunk)
            if sync:
                f.flush()
                os.fsync(f.fileno())
        os.chmod(temp, mode if mode is not None else 0o644)
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except FileNotFoundError:
            pass
        raise
    return size


def same_content(path: Path, data: bytes) -> bool:
    try:
        if path.stat().st_size != len(data):
            return False
        return path.read_bytes() == data
    except OSError:
        return False


def write_outputs(outputs: dict[str, bytes], out_dir: Path) -> list[str]:
    """Write {relative path: bytes} below out_dir, skipping files whose content is already there.

    Returns the relative paths actually written. Refuses to write one output twice (pelican Writer._open_w).
    """
    written = []
    seen: set[str] = set()
    for relative, data in outputs.items():
        key = os.path.normpath(relative)
        if key in seen or key.startswith(".."):
            raise FeedtoolError(f"{relative}: two outputs claim the same file or it leaves the output folder")
        seen.add(key)
        target = out_dir / key
        if same_content(target, data):
            continue
        try:
            atomic_write(target, [data])
        except OSError as e:
            raise FeedtoolError(f"{target}: cannot write: {e.strerror} (check the output folder's permissions)") from e
        written.append(relative)
    return written


def remove_stale(out_dir: Path, folder: str, keep: set[str]) -> list[str]:
    """Delete files in out_dir/folder that this build no longer produces (an episode's chapters, say)."""
    removed = []
    directory = out_dir / folder
    if not directory.is_dir():
        return removed
    for entry in os.scandir(directory):
        relative = f"{folder}/{entry.name}"
        if entry.is_file() and relative not in keep and not entry.name.startswith("."):
            os.unlink(entry.path)
            removed.append(relative)
    return removed


def write_feed(path: Path, head: bytes, items: list[tuple[str, bytes | tuple[int, int]]], tail: bytes):
    """Write the feed atomically from its channel head, items and tail.

    An item is its bytes, or an (offset, length) range of the feed file now at `path` (the previous build's
    output, which the cache vouched for). Returns (changed, {key: (offset, length)} in the file as written).
    The file is only replaced when its content changes, so its mtime means something to publish and HTTP caches.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    offsets: dict[str, tuple[int, int]] = {}

    def chunks(old):
        position = len(head)
        yield head
        for key, item in items:
            data = item if isinstance(item, bytes) else old[item[0]: item[0] + item[1]]
            offsets[key] = (position, len(data))
            position += len(data)
            yield data
        yield tail

    old = None
    try:
        if any(not isinstance(item, bytes) for _, item in items):
            with open(path, "rb") as f:
                old = f.read()  # one read; slices of it are copied straight to the new file
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as f:
            f.writelines(chunks(old))
            f.flush()
            os.fsync(f.fileno())
        if same_file_content(temp, path):
            os.unlink(temp)
            return False, offsets
        os.chmod(temp, 0o644)
        os.replace(temp, path)
        return True, offsets
    except OSError as e:
        raise FeedtoolError(f"{path}: cannot write the feed: {e.strerror} (check the output folder)") from e


def same_file_content(a: str | Path, b: str | Path) -> bool:
    import filecmp
    try:
        return os.path.getsize(a) == os.path.getsize(b) and filecmp.cmp(a, b, shallow=False)
    except OSError:
        return False
