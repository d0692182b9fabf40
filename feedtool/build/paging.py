"""Paged feeds (RFC 5005), with `[feed] page_size`: the subscription feed holds the newest `page_size` episodes;
the older ones go into archive documents of `page_size` episodes counted from the oldest, so every archive
page but the newest is full and does not change (apps and CDNs may cache it for long), and a new episode
rewrites only the subscription feed and the newest archive page. Editing an archived episode rewrites its
page; removing one, or adding one dated before others, moves episodes between the pages after it, and the
build says so (renumbered_pages).

Links: every document has first (the subscription feed) and last (the oldest archive page); `next` and
`prev-archive` lead from the subscription feed to the newest archive page and from each archive page to the
one before it (gPodder follows `next`, RFC 5005 section 3; archive-aware apps `prev-archive`, section 4);
archive pages say `current` (the subscription feed) and carry fh:archive.
"""

from __future__ import annotations

from typing import NamedTuple

from feedtool.errors import Finding, info
from feedtool.model import Page
from feedtool.read.config import Config

ARCHIVE_FOLDER = "archive"


class Document(NamedTuple):
    name: str  # its path in the output folder
    start: int  # the slice of the feed's episodes (newest first) it holds
    stop: int
    page: Page | None  # None: an unpaged feed


def archive_name(number: int) -> str:
    return f"{ARCHIVE_FOLDER}/page-{number}.xml"


def paginate(config: Config, count: int) -> list[Document]:
    """The documents for `count` episodes, archive pages first (oldest first), the subscription feed last: the
    order they are written in, so every document a written one links to is already there."""
    size = config.feed.page_size
    if not size or count <= size:
        return [Document(config.feed.file_name, 0, count, None)]
    older = count - size
    pages = -(-older // size)  # archive pages, the newest one possibly not yet full
    feed_url = config.feed_url or config.feed.file_name
    url = [feed_url] + [config.url_for(archive_name(k)) for k in range(1, pages + 1)]  # url[k]: page k
    documents = []
    for k in range(1, pages + 1):
        links = [("first", feed_url), ("last", url[1])]
        if k > 1:
            links += [("next", url[k - 1]), ("prev-archive", url[k - 1])]
        links.append(("current", feed_url))
        first, last = (k - 1) * size, min(k * size, older)  # a fixed range of episodes, counted from the oldest
        documents.append(Document(archive_name(k), count - last, count - first, Page(url[k], True, tuple(links))))
    subscription = (("first", feed_url), ("last", url[1]), ("next", url[pages]), ("prev-archive", url[pages]))
    documents.append(Document(config.feed.file_name, 0, size, Page(config.feed_url, False, subscription)))
    return documents


def renumbered_pages(documents: list[Document], order, before: dict) -> list[Finding]:
    """Archive pages whose episodes were on other archive pages last build (before: the loaded build cache's
    entries, each with the document its item was in): an episode was removed, or one dated before them added,
    and every page from there on shifted. Said, because apps and CDNs may keep archive pages for good."""
    moved = {
        document.name
        for document in documents[:-1]
        for ref in order[document.start : document.stop]
        if (then := before.get(ref.source)) is not None
        and then.document != document.name
        and then.document.startswith(ARCHIVE_FOLDER + "/")
    }
    if not moved:
        return []
    names = [document.name for document in documents if document.name in moved]  # oldest page first
    return [
        info(
            "feed/archive-renumbered",
            names[0] if len(names) == 1 else f"{names[0]} to {names[-1]}",
            f"{len(names)} archive page{'s' if len(names) > 1 else ''} now hold{'' if len(names) > 1 else 's'} "
            "episodes that were on another page, because an episode was removed or one dated before them was added; "
            "apps that kept the old pages may miss or repeat an episode at a page's edge until they read them again",
            "nothing to do if that was meant; to keep archive pages as they are, add new episodes with new dates "
            "and leave published ones in place",
        )
    ]
