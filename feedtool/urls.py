"""URLs: the one place a file's path becomes part of a URL (percent-encoded), what check finds unencoded, and
the URL pieces the check rules ask for, quickly for the plain URLs feeds are full of.

urllib's urlsplit caches its last 128 URLs, but every episode brings new ones (its enclosure, chapters,
links in its notes), and a build of 10,000 episodes splits 60,000 new ones (benchmarks/stages.py). A plain
http(s) URL (printable ASCII, a host name of letters, digits, dots and hyphens, no port or user) is split
here with urlsplit's own rules; any other goes to urlsplit. tests/test_urls.py holds both to the same result.
"""

from __future__ import annotations

import functools
import re
from urllib.parse import SplitResult, quote, unquote, urlsplit

_PLAIN = re.compile(r"(https?)://([A-Za-z0-9.-]+)", re.ASCII)


@functools.lru_cache(maxsize=256)  # the rules ask for the same URL of an episode up to five times
def split_url(url: str) -> SplitResult:
    """urlsplit(url), without its parsing for a plain http(s) URL."""
    match = _PLAIN.match(url)
    if match is None or not (url.isascii() and url.isprintable()):
        return urlsplit(url)
    rest = url[match.end() :]
    if rest and rest[0] not in "/?#":  # a port, user info or another character: urlsplit's business
        return urlsplit(url)
    rest, _, fragment = rest.partition("#")
    path, _, query = rest.partition("?")
    return SplitResult(match[1], match[2], path, query, fragment)


def path_suffix(path: str) -> str:
    """PurePosixPath(path).suffix, without building a path (benchmarks/stages.py): the last name's extension, if any."""
    name = next((part for part in reversed(path.split("/")) if part and part != "."), "")
    dot = name.rfind(".")
    return name[dot:] if 0 < dot < len(name) - 1 else ""


def encode_path(path: str) -> str:
    """A file's path (relative, with "/") as it goes into a URL: every segment percent-encoded as RFC 3986
    says, the slashes kept. Letters, digits and `-._~` stay as they are; everything else becomes %XX of its
    UTF-8 bytes, `+` too (S3 reads a bare `+` in a path as a space).

    >>> encode_path("media/0177 Легіон #1?.mp3")
    'media/0177%20%D0%9B%D0%B5%D0%B3%D1%96%D0%BE%D0%BD%20%231%3F.mp3'
    >>> encode_path("media/100%+a.mp3")
    'media/100%25%2Ba.mp3'
    """
    return quote(path, safe="/")


def decode_path(path: str) -> str:
    """The file path behind an encoded URL path (encode_path undone)."""
    return unquote(path)


_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_NEEDS_ENCODING = re.compile(r"[^\x21-\x7e]")  # a space, a control character or a non-ASCII one
FILE_SUFFIX = re.compile(r"\.[A-Za-z0-9]{2,5}$")


def unencoded(url: str, *, file: bool = False) -> str | None:
    """What in url should have been percent-encoded, or None. For the URL of a file (file=True), a '#' (the
    server never sees what follows it) and a '?' that cuts a file name in two (`media/a?b.mp3`) count too.

    >>> unencoded("https://cdn.example.org/media/0177 Легіон.mp3")
    'a space'
    >>> unencoded("https://cdn.example.org/media/a?b.mp3", file=True)
    "a '?' inside the file name"
    >>> unencoded("https://cdn.example.org/media/a.mp3?token=1", file=True) is None
    True
    """
    bad = _NEEDS_ENCODING.search(url)
    if bad:
        char = bad.group()
        if char == " ":
            return "a space"
        return f"the character {char!r}" if char.isascii() else "characters that are not ASCII"
    if _BAD_PERCENT.search(url):
        return "a '%' not followed by two hex digits"
    if file:
        parts = split_url(url)
        if "#" in url:
            return "a '#' (the server never sees what follows it)"
        if parts.query and "=" not in parts.query and FILE_SUFFIX.search(parts.query) and not path_suffix(parts.path):
            return "a '?' inside the file name"
    return None
