"""How `feedtool tag` writes a producer's audio file: into a copy beside it (`.<name>.<pid>.tmp`), read back,
flushed to disk, renamed over the file only if nobody saved it meanwhile; and one run at a time per show.

These are the only files feedtool changes that a producer cannot rebuild: a killed run leaves each file as it
was or fully tagged, and every failure leaves it as it was, with an error that says how to fix it.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
from pathlib import Path

import mutagen

from feedtool.build.write import clear_abandoned, create_temp
from feedtool.errors import AudioError
from feedtool.read.config import Config
from feedtool.read.episodes import display_path


@contextlib.contextmanager
def show_lock(config: Config):
    """An exclusive flock on <show>/.feedtool/tag.lock, released when the run ends (or its process dies)."""
    import fcntl

    path = config.root / ".feedtool" / "tag.lock"
    try:
        path.parent.mkdir(exist_ok=True)
        lock = open(path, "a+")  # noqa: SIM115 - held for the whole run
    except OSError as e:
        raise AudioError(
            f"{display_path(path)}: cannot take the lock: {e.strerror or e} (make the show folder writable)"
        ) from e
    try:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise AudioError(
                f"{display_path(config.root)}: another feedtool tag is running on this show (wait for it to finish)"
            ) from None
        yield
    finally:
        lock.close()


def write_atomically(path: Path, fmt, fields: dict, language: str, where: str) -> None:
    """Tags written into a copy (`.<name>.<pid>.tmp` beside the file), read back, then renamed over the file. The
    temp files of a run that was killed are known by their dead pid and removed first. A symbolic link (build
    follows those that stay in the show folder) stays a link: the file it points at is written."""
    path = path.resolve()
    for target, problem in ((path, "the file is read-only"), (path.parent, "its folder is read-only")):
        if not os.access(target, os.W_OK):  # a rename would replace a read-only file all the same
            raise AudioError(f"{where}: cannot write its tags: {problem} ({NOT_CHANGED}; {WRITABLE})")
    temp = None
    try:
        clear_abandoned(path.parent, prefix=f".{path.name}.")
        fd, temp = create_temp(str(path))
        os.close(fd)
        before = _identity(path)
        shutil.copyfile(path, temp)
        try:
            fmt.write(fmt.open_audio(Path(temp), path.suffix), fields, language, path)
            written = fmt.read(fmt.open_audio(Path(temp), path.suffix))
        except mutagen.MutagenError as e:
            if isinstance(e.__context__, OSError):
                raise e.__context__ from e  # mutagen wraps the OSError of a full disk
            raise AudioError(f"{where}: cannot write its tags: {e} ({NOT_CHANGED})") from e
        except AudioError as e:
            raise AudioError(f"{where}: {e}") from e
        wrong = [name for name, value in fields.items() if value is not None and written.get(name) != value]
        if wrong:
            raise AudioError(
                f"{where}: {', '.join(wrong)}: reading the written tags back gave other values "
                f"({NOT_CHANGED}; please report this with the file)"
            )
        shutil.copymode(path, temp)  # after the writes: ffmpeg's output (the temp now) is a new file of mode 0600
        if _identity(path) != before:  # saved again meanwhile (a new export): the rename would lose it
            raise AudioError(
                f"{where}: changed while it was being tagged (it was kept as it is now; run feedtool tag again)"
            )
        _sync(temp)  # the producer's only copy: its new bytes on disk before the rename points the name at them
        os.replace(temp, path)
        _sync(str(path.parent), directory=True)
    except OSError as e:
        raise AudioError(f"{where}: cannot write its tags: {_os_problem(e)}") from e
    finally:
        if temp is not None and os.path.exists(temp):
            os.unlink(temp)


def _sync(path: str, *, directory: bool = False) -> None:
    fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if directory else 0))  # fsync needs no write access
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _identity(path: Path) -> tuple[int, ...]:
    st = os.stat(path)
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns


NOT_CHANGED = "the file was not changed"
WRITABLE = "make it writable, then run feedtool tag again"


def _os_problem(e: OSError) -> str:
    if e.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"the disk is full ({NOT_CHANGED}; free some space, then run feedtool tag again)"
    if e.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"permission denied ({NOT_CHANGED}; {WRITABLE})"
    return f"{e.strerror or e} ({NOT_CHANGED})"
