"""`feedtool import`: a feed in, a show folder out, without a subscriber noticing.

Every page of the feed is read (pages.py), each item mapped to an episode file (items.py) and the channel to
show.toml (channel.py); GUIDs, isPermaLink, enclosure URLs and lengths, and dates are kept exactly. What
cannot be carried over is reported item by item. A second import into the same folder adds only items it
has not imported before, and never writes over an existing file.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from feedtool.build.write import atomic_write
from feedtool.check.server import TIMEOUT, Client
from feedtool.errors import UsageError
from feedtool.facts import is_url
from feedtool.importer.channel import ShowDraft, read_channel, render_show_toml
from feedtool.importer.files import (
    episode_text,
    existing_guids,
    file_name,
    load_record,
    notes_markdown,
    save_record,
)
from feedtool.importer.items import Draft, clock_text, read_item
from feedtool.importer.media import download_all
from feedtool.importer.pages import Page, named_url_refusal, read_pages
from feedtool.read.config import CONFIG_NAME

CHAPTERS_LIMIT = 1024 * 1024  # bytes of a chapters file read
MAX_SECONDS = 10**9  # a chapter start past 30 years of audio is a broken file


@dataclass
class ImportReport:
    show_dir: Path
    pages: int
    items: int  # items in the feed
    written: list[str] = field(default_factory=list)  # episode files (would be) written
    skipped: int = 0  # items imported before
    older: int = 0  # items before --since
    show_written: bool = False
    lost: list[str] = field(default_factory=list)  # "item 3 'Title': …", one line per thing not carried over
    dry_run: bool = False


def import_feed(
    source: str,
    show_dir: Path,
    *,
    media: str = "keep",
    since: datetime | None = None,
    dry_run: bool = False,
    timeout: float = TIMEOUT,
    jobs: int = 4,
    progress=None,
) -> ImportReport:
    pages = read_pages(source, timeout=timeout)
    source_url = pages[0].url if is_url(source) else None
    show = read_channel(pages[0].channel, source_url)
    report = ImportReport(show_dir, len(pages), 0, dry_run=dry_run)
    config_path = show_dir / CONFIG_NAME
    if config_path.exists():
        _same_show(config_path, show.feed_url)
    report.lost += [f"channel: {line}" for line in show.lost]
    drafts = _read_drafts(pages, source_url, show.show.get("author"))
    report.items = len(drafts)
    record = load_record(show_dir)
    chosen = _choose(drafts, set(record["guids"]) | set(existing_guids(show_dir)), since, report)
    _leave_episode_trailers(show, chosen)
    _fetch_all_chapters(chosen, source_url, timeout)
    taken = {p.name for p in show_dir.glob("*.md")} if show_dir.is_dir() else set()
    names = {id(d): file_name(d, taken) for d in chosen}
    if media == "download" and chosen and not dry_run:
        download_all(chosen, show_dir, names, record, timeout=timeout, jobs=jobs, progress=progress,
                     origin=source_url)
    for draft in chosen:
        _write_episode(draft, show_dir, names[id(draft)], record, report)
    if not config_path.exists():
        report.show_written = True
        if not dry_run:
            atomic_write(config_path, [render_show_toml(show, source).encode("utf-8")])
    if not dry_run and (chosen or report.show_written):
        record["source"] = source
        save_record(show_dir, record)
    return report


def _read_drafts(pages: list[Page], source_url: str | None, channel_author: str | None) -> list[Draft]:
    """Every item of every page, numbered from the feed's first."""
    drafts = []
    for page in pages:
        base = page.url if is_url(page.url) else (source_url or "")
        for item in page.channel.iterchildren("item"):
            drafts.append(read_item(item, len(drafts) + 1, base, channel_author))
    return drafts


def _choose(drafts: list[Draft], known: set[str], since: datetime | None, report: ImportReport) -> list[Draft]:
    """The drafts to write: episodes (an enclosure), each GUID once, not imported before, not before --since.
    What is passed over is counted or said in the report."""
    seen: dict[str, Draft] = {}
    chosen = []
    for draft in drafts:
        if "audio" not in draft.fields:
            report.lost += [f"{draft.label}: {line}" for line in draft.lost]
            continue
        if draft.guid in seen:
            report.lost.append(f"{draft.label}: GUID '{draft.guid}' repeats {seen[draft.guid].label}: not imported "
                               "(apps show one episode per GUID)")
            continue
        seen[draft.guid] = draft
        if draft.guid in known:
            report.skipped += 1
        elif since and draft.date and draft.date < since:
            report.older += 1
        else:
            chosen.append(draft)
    return chosen


def _write_episode(draft: Draft, show_dir: Path, name: str, record: dict, report: ImportReport) -> None:
    """Write one episode file (unless a dry run) and report what of the item it cannot say."""
    notes, removed = notes_markdown(draft.notes_html)
    if removed:
        draft.lost.append("notes: removed what podcast apps do not render: " + ", ".join(f"<{t}>" for t in removed))
    if draft.alternates and "alternates" not in draft.fields:
        draft.lost += [f"podcast:alternateEnclosure {a['url']} (alternates are measured from files in the show "
                       "folder: import with --media download)" for a in draft.alternates]
    if not draft.title:
        draft.lost.append("no title (add title: by hand)")
    report.lost += [f"{draft.label}: {line}" for line in draft.lost]
    report.written.append(name)
    if not report.dry_run:
        atomic_write(show_dir / name, [episode_text(draft, notes).encode("utf-8")])
        record["guids"][draft.guid] = {"file": name, **record["guids"].get(draft.guid, {})}


def _leave_episode_trailers(show: ShowDraft, chosen: list[Draft]) -> None:
    """A podcast:trailer that is an imported episode of type trailer: the build lists that episode as a trailer
    itself, so show.toml does not repeat it."""
    episodes = {d.fields["audio"] for d in chosen if d.fields.get("type") == "trailer"}
    trailers = [t for t in show.tables.get("trailer", []) if t["audio"] not in episodes]
    if trailers:
        show.tables["trailer"] = trailers
    else:
        show.tables.pop("trailer", None)


def _same_show(config_path: Path, feed_url: str | None) -> None:
    """Importing into a folder that holds a show: only the same show (by its old feed URL)."""
    try:
        data = tomllib.loads(config_path.read_text("utf-8"))
    except (OSError, ValueError) as e:
        raise UsageError(f"{config_path}: cannot read it to see which show the folder holds: {e}") from e
    theirs = (data.get("feed") or {}).get("feed_url")
    if theirs != feed_url:
        raise UsageError(
            f"{config_path}: the folder holds another show (feed_url {theirs or 'not set'}, the feed is "
            f"{feed_url or 'of unknown URL'}) (import into a new folder: feedtool import FEED SHOW_DIR)"
        )


def _fetch_all_chapters(drafts: list[Draft], source_url: str | None, timeout: float) -> None:
    client = Client(timeout)
    try:
        for draft in drafts:
            if draft.chapters_url:
                _fetch_chapters(client, draft, source_url)
    finally:
        client.close()


def _fetch_chapters(client: Client, draft: Draft, origin: str | None) -> None:
    """podcast:chapters JSON -> the episode's chapters list; what cannot be read is reported."""
    refused = named_url_refusal(origin, draft.chapters_url)
    if refused:
        draft.lost.append(f"podcast:chapters {refused} (add chapters: by hand)")
        return
    fetched = client.fetch("GET", draft.chapters_url, limit=CHAPTERS_LIMIT)
    problem = fetched.problem or fetched.cut
    if not problem and fetched.response.status_code >= 400:
        problem = f"the server answers {fetched.response.status_code}"
    chapters = []
    if not problem:
        try:
            chapters = chapters_from_json(fetched.data)
        except (ValueError, KeyError, TypeError) as e:
            problem = f"not a JSON chapters file ({type(e).__name__}: {e})"
    if problem:
        draft.lost.append(f"podcast:chapters {draft.chapters_url}: {problem} (add chapters: by hand)")
    elif chapters:
        draft.fields["chapters"] = chapters


def chapters_from_json(data: bytes) -> list[dict]:
    """A JSON Chapters file -> front matter chapters. Raises ValueError, KeyError or TypeError for a file that
    is not one."""
    chapters = []
    for number, entry in enumerate(json.loads(data)["chapters"], start=1):
        start = float(entry["startTime"])
        if not 0 <= start < MAX_SECONDS:  # json reads Infinity and NaN; clock_text cannot write them
            raise ValueError(f"chapter {number}: startTime {entry['startTime']} is not a time in seconds")
        chapter = {"start": clock_text(start), "title": str(entry.get("title") or "").strip() or "Chapter"}
        for key, ours in (("url", "url"), ("img", "image")):
            if entry.get(key):
                chapter[ours] = str(entry[key])
        if entry.get("toc") is False:
            chapter["hidden"] = "true"
        chapters.append(chapter)
    return chapters
