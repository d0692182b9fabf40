"""`feedtool import --media download`: each episode's audio (and its alternate renditions) fetched into media/,
at most `jobs` at once, resumable (a partial download continues with a byte range, If-Range on its ETag),
checked against the server's length and recorded with its SHA-256, so a second run skips what it has.
The old URL stays the enclosure URL (front matter enclosure_url) until the producer moves the audio."""

from __future__ import annotations

import hashlib
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import requests
import urllib3

from feedtool.check.fetch import format_limit
from feedtool.check.server import Client
from feedtool.errors import FeedtoolError
from feedtool.facts import MIME_TYPES
from feedtool.importer.items import Draft
from feedtool.importer.pages import named_url_refusal, open_get
from feedtool.urls import path_suffix

CHUNK = 1 << 20
# A server that streams without a Content-Length could fill the disk: such a download stops at twice the length
# the feed states (when it states one of 1 MB or more), else at 2 GiB, some nine hours of 512 kbit/s audio.
UNSIZED_LIMIT = 2 << 30


def download_limit(stated_length: str | None) -> int:
    stated = int(stated_length) if stated_length and stated_length.isdigit() else 0
    return 2 * stated if stated >= 1 << 20 else UNSIZED_LIMIT


def download_all(drafts: list[Draft], show_dir: Path, names: dict, record: dict, *, timeout: float, jobs: int,
                 progress=None, origin: str | None = None) -> None:
    """Download every draft's audio; on success its front matter points at the file. A failed download
    leaves the draft on its URL and says why in draft.lost. origin: the feed's URL (None: a file), which
    vets the URLs it names (pages.named_url_refusal)."""
    client = Client(timeout)
    lock = threading.Lock()  # the record is shared by the download threads

    def download(draft: Draft) -> None:
        name = names[id(draft)]
        downloaded = _download_audio(client, draft, show_dir, name[:-3], record, progress, origin)
        if downloaded is not None:
            with lock:
                record["guids"][draft.guid] = {"file": name, **downloaded}

    try:
        with ThreadPoolExecutor(max(1, jobs)) as pool:
            list(pool.map(download, drafts))
    finally:
        client.close()


def _download_audio(client: Client, draft: Draft, show_dir: Path, stem: str, record: dict, progress,
                    origin: str | None) -> dict | None:
    """Fetch one episode's audio (and its alternates) into media/ and point its front matter at them; the
    record entry of the file, or None when it stays at its URL."""
    url = draft.fields["audio"]
    suffix = path_suffix(urlsplit(url).path).lower()
    target = show_dir / "media" / f"{stem}{suffix if suffix in MIME_TYPES else '.mp3'}"
    refused = named_url_refusal(origin, url)
    if refused:
        draft.lost.append(f"download failed, the audio stays at its URL: {refused}")
        return None
    try:
        size, digest = fetch_file(client, url, target, record["guids"].get(draft.guid, {}).get("sha256"),
                                  progress, limit=download_limit(draft.fields.get("length")))
    except FeedtoolError as e:
        draft.lost.append(f"download failed, the audio stays at its URL: {e}")
        return None
    alternates = _download_alternates(client, draft, show_dir, stem, progress, origin)
    fields = draft.fields
    fields["enclosure_url"] = url  # subscribers keep downloading from where they did
    fields["audio"] = f"media/{target.name}"
    for measured in ("length", "duration"):  # measured from the file now
        fields.pop(measured, None)
    if alternates:
        fields["alternates"] = alternates
    return {"audio": fields["audio"], "size": size, "sha256": digest}


def _download_alternates(client: Client, draft: Draft, show_dir: Path, stem: str, progress,
                         origin: str | None) -> list[dict]:
    """The alternates fetched as media/<stem>.alt<N><suffix>, as front matter entries; a failure is reported."""
    alternates = []
    for i, alternate in enumerate(draft.alternates, start=1):
        suffix = path_suffix(urlsplit(alternate["url"]).path).lower() or ".bin"
        target = show_dir / "media" / f"{stem}.alt{i}{suffix}"
        refused = named_url_refusal(origin, alternate["url"])
        if refused:
            draft.lost.append(f"alternate {refused}")
            continue
        try:
            fetch_file(client, alternate["url"], target, None, progress,
                       limit=download_limit(str(alternate.get("length") or "")))
        except FeedtoolError as e:
            draft.lost.append(f"alternate {alternate['url']}: download failed: {e}")
            continue
        entry = {"file": f"media/{target.name}"}
        if alternate.get("title"):
            entry["title"] = alternate["title"]
        if alternate.get("default"):
            entry["default"] = "true"
        alternates.append(entry)
    return alternates


def fetch_file(client: Client, url: str, target: Path, sha256: str | None, progress=None,
               limit: int = UNSIZED_LIMIT) -> tuple[int, str]:
    """Download url to target, resuming a partial download; (size, SHA-256). A file already there whose
    SHA-256 is the recorded one is kept as it is. limit: the most bytes taken from a server that does not
    say the file's size (one that does is held to what it says)."""
    if sha256 and target.is_file() and _sha256(target) == sha256:
        return target.stat().st_size, sha256
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.part")
    validator = partial.with_name(partial.name + ".etag")  # the ETag If-Range resumes on
    total_size = _receive(client, url, partial, validator, target.name, progress, limit)
    size = partial.stat().st_size
    if total_size is None and size > limit:
        _discard(partial, validator)
        raise FeedtoolError(
            f"{url}: the server sent more than {format_limit(limit)} without saying the file's size, more than "
            "this audio can be; stopped and not kept (download it yourself into media/ and set audio: to it)"
        )
    if total_size is not None and size != total_size:
        raise FeedtoolError(f"{url}: got {size} bytes of {total_size}; run the import again to resume")
    if (target.exists() or target.is_symlink()) and not _same_file(target, partial):
        # the producer's own file (or one of an import stopped before its record was written, which is the same)
        _discard(partial, validator)
        raise FeedtoolError(f"media/{target.name}: already there with other content: not written over (move that "
                            "file away and import again to download it)")
    os.replace(partial, target)
    validator.unlink(missing_ok=True)
    return size, _sha256(target)


def _receive(client: Client, url: str, partial: Path, validator: Path, name: str, progress, limit: int) -> int | None:
    """Append the rest of the file to `partial` (or write it afresh when the server cannot resume); the file's
    whole size as the server states it, or None. A download of unstated size stops past `limit`."""
    have = partial.stat().st_size if partial.exists() else 0
    headers = {"Accept-Encoding": "identity"}
    if have and validator.exists():
        headers.update({"Range": f"bytes={have}-", "If-Range": validator.read_text().strip()})
    _, response = open_get(client, url, headers, "audio")
    try:
        resumed = response.status_code == 206 and response.headers.get("Content-Range", "").startswith(f"bytes {have}-")
        if not resumed:
            have = 0
        total = response.headers.get("Content-Range", "").rpartition("/")[2] if resumed else \
            response.headers.get("Content-Length", "")
        total_size = int(total) if total.isdigit() else None
        if response.headers.get("ETag"):
            validator.write_text(response.headers["ETag"])
        with open(partial, "ab" if resumed else "wb") as out:
            done = have
            for chunk in response.raw.stream(CHUNK, decode_content=False):
                out.write(chunk)
                done += len(chunk)
                if total_size is None and done > limit:
                    break
                if progress:
                    progress(name, done, total_size or 0)
    except (OSError, requests.RequestException, urllib3.exceptions.HTTPError) as e:
        raise FeedtoolError(f"{url}: the download broke off ({e}); run the import again to resume it") from e
    finally:
        response.close()
    return total_size


def _discard(partial: Path, validator: Path) -> None:
    partial.unlink()
    validator.unlink(missing_ok=True)


def _same_file(existing: Path, downloaded: Path) -> bool:
    return existing.is_file() and not existing.is_symlink() and _sha256(existing) == _sha256(downloaded)


def _sha256(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()
