"""A folder target: the document root of a web server. Every file lands by rename, so a reader sees the old
file or the new one, never a part; temporary files wait in .feedtool/tmp, outside what the feed points at."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import logging
import os
import shutil
import tempfile
from pathlib import Path

from feedtool.errors import PublishError
from feedtool.publish.manifest import STATE_DIR, FileEntry

log = logging.getLogger(__name__)

CHUNK = 1 << 20


@contextlib.contextmanager
def _os_errors(where: str, action: str):
    try:
        yield
    except OSError as e:
        raise PublishError(f"{where}: cannot {action}: {e.strerror or e} (check the folder and its permissions)") from e


DENY_ALL = "# feedtool's publish state, not for the web (README: other servers)\nRequire all denied\n"


def keep_private(state: Path) -> None:
    """The state folder (manifest, lock, copies of replaced files for --rollback) is no one's but the
    publisher's: mode 0700, so a web server running as another user (www-data) cannot read it, and an
    .htaccess that denies it to Apache in any case."""
    os.chmod(state, 0o700)
    htaccess = state / ".htaccess"
    if not htaccess.exists():
        htaccess.write_text(DENY_ALL)


class FolderTarget:
    def __init__(self, root: Path):
        self.root = Path(root)
        self.name = str(self.root)
        self.tmp = self.root / STATE_DIR / "tmp"
        self._lock_file = None

    def path(self, rel: str) -> Path:
        return self.root / rel

    def open(self, read_only: bool = False) -> None:
        """Check the folder, take the lock, clear what an interrupted publish left in .feedtool/tmp.
        read_only (a dry run): only look; a folder that does not exist yet reads as empty."""
        if read_only:
            if self.root.exists() and not self.root.is_dir():
                raise PublishError(f"{self.root}: not a folder (create the web server's document root first)")
            return
        if not self.root.is_dir():
            if self.root.exists() or not self.root.parent.is_dir():
                raise PublishError(f"{self.root}: not a folder (create the web server's document root first)")
            with _os_errors(self.name, "create the folder"):
                self.root.mkdir()
        with _os_errors(self.name, "write state"):
            self.tmp.mkdir(parents=True, exist_ok=True)
            keep_private(self.root / STATE_DIR)
            import fcntl

            self._lock_file = open(self.root / STATE_DIR / "lock", "a+")
            try:
                fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                self._lock_file.close()
                self._lock_file = None
                raise PublishError(f"{self.name}: another publish is running here (wait for it to finish)") from None
            for entry in os.scandir(self.tmp):
                if entry.is_file():
                    os.unlink(entry.path)

    def close(self) -> None:
        if self._lock_file is not None:
            self._lock_file.close()  # releases the lock
            self._lock_file = None

    def inventory(self) -> dict[str, int]:
        """Size of every published file, by path; the state folder left out."""
        sizes = {}
        for dirpath, dirnames, filenames in os.walk(self.root):
            if Path(dirpath) == self.root:
                dirnames[:] = [d for d in dirnames if d != STATE_DIR]
            for name in filenames:
                path = Path(dirpath) / name
                with contextlib.suppress(FileNotFoundError):
                    sizes[path.relative_to(self.root).as_posix()] = path.stat().st_size
        return sizes

    def read(self, rel: str) -> bytes | None:
        try:
            return self.path(rel).read_bytes()
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as e:
            raise PublishError(f"{self.path(rel)}: cannot read: {e.strerror} (check the permissions)") from e

    def exists(self, rel: str) -> bool:
        return self.path(rel).is_file()

    def remote_hash(self, rel: str) -> str | None:
        try:
            with open(self.path(rel), "rb") as f:
                return hashlib.file_digest(f, "sha256").hexdigest()
        except FileNotFoundError:
            return None

    def stat(self, rel: str) -> tuple[int, str | None] | None:
        """(size, content type) as the target keeps them; a folder leaves the type to the web server."""
        try:
            return self.path(rel).stat().st_size, None
        except FileNotFoundError:
            return None

    def put_file(self, rel: str, source: Path, entry: FileEntry, progress=None) -> None:
        digest = hashlib.sha256()
        done = 0

        def chunks():
            nonlocal done
            with open(source, "rb") as f:
                while chunk := f.read(CHUNK):
                    digest.update(chunk)
                    done += len(chunk)
                    if progress:
                        progress(done)
                    yield chunk

        with _os_errors(str(self.path(rel)), "write"):
            self._land(rel, chunks(), check=lambda: digest.hexdigest() == entry.sha256)

    def put_bytes(self, rel: str, data: bytes, entry: FileEntry | None = None) -> None:
        with _os_errors(str(self.path(rel)), "write"):
            self._land(rel, [data])

    def copy(self, source_rel: str, rel: str, entry: FileEntry | None = None) -> None:
        """Copy a file within the target: a hard link where the file system allows, else a copy."""
        with _os_errors(str(self.path(rel)), "copy"):
            temp = self._temp_name()
            try:
                os.link(self.path(source_rel), temp)
            except OSError as e:
                if e.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP, errno.EACCES):
                    raise
                shutil.copyfile(self.path(source_rel), temp)
            if not rel.startswith(STATE_DIR + "/"):
                # A file put back on the web (a rollback) is new there: the web server's Last-Modified must not go
                # back to when it was first published, or apps asking If-Modified-Since are told it did not change.
                os.utime(temp)
            self._rename(temp, rel)

    def delete(self, rel: str) -> None:
        path = self.path(rel)
        with _os_errors(str(path), "delete"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
            parent = path.parent
            while parent != self.root and parent.is_dir() and not any(parent.iterdir()):
                parent.rmdir()
                parent = parent.parent

    def list(self, prefix: str) -> list[str]:
        """Paths of the files below prefix (a folder path on the target)."""
        base = self.path(prefix)
        return sorted(str(p.relative_to(self.root).as_posix()) for p in base.rglob("*") if p.is_file())

    def _temp_name(self) -> str:
        fd, temp = tempfile.mkstemp(suffix=".tmp", dir=self.tmp)
        os.close(fd)
        os.unlink(temp)
        return temp

    def _land(self, rel: str, chunks, check=None) -> None:
        fd, temp = tempfile.mkstemp(suffix=".tmp", dir=self.tmp)
        try:
            with os.fdopen(fd, "wb") as f:
                for chunk in chunks:
                    f.write(chunk)
                f.flush()
                os.fsync(f.fileno())
            if check is not None and not check():
                raise PublishError(
                    f"{self.path(rel)}: the local file changed while it was copied (publish again once it is saved)"
                )
            os.chmod(temp, 0o644)
            self._rename(temp, rel)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)
            raise

    def _rename(self, temp: str, rel: str) -> None:
        path = self.path(rel)
        path.parent.mkdir(parents=True, exist_ok=True)
        os.replace(temp, path)
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
