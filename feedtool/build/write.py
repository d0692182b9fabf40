"""Atomic output: temp file + rename, so a reader never sees half a file and a failed build changes nothing."""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import re
import shutil
from pathlib import Path
from typing import BinaryIO, Iterable, NamedTuple

from feedtool.errors import FeedtoolError

log = logging.getLogger(__name__)


def atomic_write(path: Path, chunks: Iterable[bytes], *, sync: bool = False, mode: int | None = None) -> int:
    """Write chunks to path atomically; return the number of bytes written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return _write_and_rename(str(path), chunks, sync, 0o644 if mode is None else mode)


def _write_and_rename(path: str, chunks: Iterable[bytes], sync: bool, mode: int) -> int:
    """Write a temp file beside path, then rename it over path. The folder must exist."""
    fd, temp = create_temp(path)
    size = 0
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as f:
            for chunk in chunks:
                f.write(chunk)
                size += len(chunk)
            if sync:
                f.flush()
                os.fsync(f.fileno())
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except FileNotFoundError:
            pass
        raise
    return size


def create_temp(path: str) -> tuple[int, str]:
    """A new, empty file beside path, named `.<name>.<pid>.tmp`: unique among live writers, and a killed
    build's leftover is known by its dead pid (clear_abandoned). A file of that name is an earlier process's
    with the same pid, which is gone: it is replaced."""
    folder, name = os.path.split(path)
    temp = os.path.join(folder, f".{name}.{os.getpid()}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
    try:
        return os.open(temp, flags, 0o600), temp
    except FileExistsError:
        os.unlink(temp)
        return os.open(temp, flags, 0o600), temp


def same_content(path: Path | str, data: bytes) -> bool:
    try:
        if os.stat(path).st_size != len(data):
            return False
        with open(path, "rb") as f:
            return f.read() == data
    except OSError:
        return False


def write_outputs(outputs: dict[str, bytes], out_dir: Path) -> list[str]:
    """Write {relative path: bytes} below out_dir, skipping files whose content is already there.

    Returns the relative paths actually written. Refuses to write one output twice (pelican Writer._open_w).
    """
    by_folder: dict[str, dict[str, bytes]] = {}
    seen: set[str] = set()
    for relative, data in outputs.items():
        key = os.path.normpath(relative)
        if key in seen or key.startswith(".."):
            raise FeedtoolError(f"{relative}: two outputs claim the same file or it leaves the output folder")
        seen.add(key)
        folder, name = os.path.split(os.path.join(out_dir, key))
        by_folder.setdefault(folder, {})[name] = data
    written = []
    for folder, files in by_folder.items():
        if os.path.isdir(folder):
            names = [name for name, data in files.items() if not same_content(os.path.join(folder, name), data)]
            for name in names:
                target = os.path.join(folder, name)
                try:
                    _write_and_rename(target, [files[name]], False, 0o644)
                except OSError as e:
                    raise _cannot_write(target, e) from e
        else:
            names = list(files)
            try:
                _write_folder(folder, files)
            except OSError as e:
                raise _cannot_write(folder, e) from e
        prefix = os.path.relpath(folder, out_dir)
        written += [name if prefix == "." else f"{prefix}/{name}" for name in names]
    return written


def _cannot_write(where: str, e: OSError) -> FeedtoolError:
    return FeedtoolError(f"{where}: cannot write: {e.strerror} (check the output folder's permissions)")


def _write_folder(folder: str, files: dict[str, bytes]) -> None:
    """A new folder of files, staged beside it and renamed into place whole (see StagedFolder)."""
    with StagedFolder(Path(folder)) as staged:
        for name, data in files.items():
            staged.add(name, data)
        staged.commit()


class StagedFolder:
    """A new output folder (a cold build's 5,000 chapters files), filled in a hidden sibling folder by any
    process of the build and renamed into place whole once the build is valid; removed if it is not.

    Readers see all of it or none, and the file system is spared a temp file and a rename per file, which
    cost several times as much as the file itself on ext4. When the folder already exists, `path` is None
    and the caller writes file by file (write_outputs)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.path: str | None = None

    def __enter__(self) -> "StagedFolder":
        if self.folder.exists():
            return self
        self.folder.parent.mkdir(parents=True, exist_ok=True)
        _remove_abandoned(self.folder)
        self.path = str(self.folder.parent / f".{self.folder.name}.{os.getpid()}.tmp")
        shutil.rmtree(self.path, ignore_errors=True)
        os.mkdir(self.path, 0o700)
        return self

    def add(self, name: str, data: bytes) -> None:
        self.add_to(self.path, name, data)

    @staticmethod
    def add_to(path: str, name: str, data: bytes) -> None:
        """Write one file into the staging folder at path (the build's worker processes know only the path)."""
        fd = os.open(os.path.join(path, name), os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
        try:
            os.fchmod(fd, 0o644)  # whatever the umask: the folder is for publishing
            view = memoryview(data)
            while view:  # os.write, not a file object: fdopen costs more than the file (5,000 in a cold build)
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)

    def commit(self) -> None:
        try:
            os.chmod(self.path, 0o755)
            os.rename(self.path, self.folder)
        except OSError as e:  # e.g. another build into the same folder put its own in place first
            raise FeedtoolError(
                f"{self.folder}: cannot put the new folder in place: {e.strerror} "
                "(is another build writing to the same output folder? build again)"
            ) from e
        self.path = None

    def __exit__(self, *exc) -> None:
        if self.path is not None:  # not committed: the build failed
            shutil.rmtree(self.path, ignore_errors=True)


def _remove_abandoned(folder: Path) -> None:
    """Staging folders of builds that were killed (their process is gone)."""
    for entry in folder.parent.glob(f".{folder.name}.*.tmp"):
        if _abandoned(entry.name):
            shutil.rmtree(entry, ignore_errors=True)


_TEMP_NAME = re.compile(r"\..+\.(\d+)\.tmp")  # .<name>.<pid>.tmp: create_temp's files, StagedFolder's folders


def _abandoned(name: str) -> bool:
    """Whether `name` is a temp file or folder of ours whose process is gone (a killed build's leftover)."""
    match = _TEMP_NAME.fullmatch(name)
    if match is None:
        return False
    try:
        os.kill(int(match[1]), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, someone else's
        pass
    return False


def clear_abandoned(folder: Path, prefix: str = ".") -> list[str]:
    """Remove the temp files and staging folders that killed builds left in `folder` (only those whose names
    start with `prefix`: `.<name>.` for one file's); return their names."""
    try:
        names = [e for e in os.scandir(folder) if e.name.startswith(prefix) and _abandoned(e.name)]
    except OSError:  # no folder yet
        return []
    for entry in names:
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path, ignore_errors=True)
        else:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(entry.path)
    return [e.name for e in names]


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


class Piece(NamedTuple):
    """Bytes of the feed to be written: `data` itself, or `length` bytes at `offset` of the open file `source`."""

    key: str
    source: BinaryIO | None
    offset: int
    length: int
    data: bytes | None = None


def write_feed(path: Path, head: bytes, pieces: list[Piece], tail: bytes) -> tuple[bool, dict[str, tuple[int, int]]]:
    """Write the feed atomically: channel head, the items (ranges of other files), tail.

    Items are copied file to file by the kernel (copy_file_range), so a 60 MB feed costs no memory. Returns
    (changed, {key: (offset, length)} in the feed as written). When the new feed would be the very file
    already there, nothing is written, so its mtime keeps meaning something to publish and HTTP caches.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    offsets, position = {}, len(head)
    for piece in pieces:
        offsets[piece.key] = (position, piece.length)
        position += piece.length
    size = position + len(tail)
    try:
        if _already_there(path, head, pieces, tail, size):
            return False, offsets
        fd, temp = create_temp(str(path))
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(head)
                out.flush()
                for source, offset, length, data in _runs(pieces):
                    if data is None:
                        out.flush()  # what was written through the buffer goes first
                        _copy_range(source, out, offset, length)
                    else:
                        out.write(data)
                out.write(tail)
                out.flush()
                os.fsync(out.fileno())
            name = str(path)
            if not any(p.source and p.source.name == name for p in pieces) and same_file_content(temp, path):
                os.unlink(temp)  # a rebuild without cache that came out the same
                return False, offsets
            os.chmod(temp, 0o644)
            os.replace(temp, path)
        except BaseException:
            if os.path.exists(temp):
                os.unlink(temp)
            raise
    except OSError as e:
        raise FeedtoolError(f"{path}: cannot write the feed: {e.strerror} (check the output folder)") from e
    return True, offsets


def _already_there(path: Path, head: bytes, pieces: list[Piece], tail: bytes, size: int) -> bool:
    """True when every item comes from the current file at its current place and head and tail match."""
    try:
        if os.path.getsize(path) != size:
            return False
    except OSError:
        return False
    position, name = len(head), str(path)
    for piece in pieces:
        if piece.source is None or piece.source.name != name or piece.offset != position:
            return False
        position += piece.length
    with open(path, "rb") as f:
        if f.read(len(head)) != head:
            return False
        f.seek(size - len(tail))
        return f.read() == tail


def _runs(pieces: list[Piece]):
    """Merge pieces that lie back to back in the same file into one copy: (source, offset, length, data)."""
    run = None
    for piece in pieces:
        if run and piece.data is None and run[0] is piece.source and run[1] + run[2] == piece.offset:
            run[2] += piece.length
        else:
            if run:
                yield tuple(run)
            run = [piece.source, piece.offset, piece.length, piece.data]
    if run:
        yield tuple(run)


def _copy_range(source: BinaryIO, out: BinaryIO, offset: int, length: int) -> None:
    source.flush()
    src, dst = source.fileno(), out.fileno()
    try:
        while length > 0:
            copied = os.copy_file_range(src, dst, length, offset)
            if copied == 0:
                raise OSError(errno.EIO, f"{source.name} ended early")
            offset, length = offset + copied, length - copied
        return
    except (AttributeError, OSError) as e:
        if isinstance(e, OSError) and e.errno not in (errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
            raise
    while length > 0:  # no copy_file_range here (another file system, an old kernel): a small buffer
        chunk = os.pread(src, min(length, 1 << 20), offset)
        if not chunk:
            raise OSError(errno.EIO, f"{source.name} ended early")
        out.write(chunk)
        offset, length = offset + len(chunk), length - len(chunk)


def same_file_content(a: str | Path, b: str | Path) -> bool:
    import filecmp

    try:
        return os.path.getsize(a) == os.path.getsize(b) and filecmp.cmp(a, b, shallow=False)
    except OSError:
        return False
