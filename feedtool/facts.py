"""Facts every layer shares, with no logic of their own: file types, URL kinds, the podcast:guid rule."""

import mimetypes
import posixpath
import re
import uuid

from feedtool.namespace import CHAPTERS_TYPE

# Enclosure types as podcast apps and Apple expect them (mutagen's own mime lists say audio/mp3 first).
MIME_TYPES = {
    ".mp3": "audio/mpeg",
    ".m4a": "audio/x-m4a",
    ".m4b": "audio/x-m4a",
    ".mp4": "video/mp4",
    ".m4v": "video/x-m4v",
    ".mov": "video/quicktime",
    ".aac": "audio/aac",
    ".ogg": "audio/ogg",
    ".oga": "audio/ogg",
    ".opus": "audio/ogg",
    ".flac": "audio/flac",
}

TRANSCRIPT_TYPES = {  # extension -> (MIME type, rel); the Podcast Index transcript types
    ".vtt": ("text/vtt", "captions"),
    ".srt": ("application/x-subrip", "captions"),
    ".json": ("application/json", "captions"),
    ".html": ("text/html", None),
    ".txt": ("text/plain", None),
}

def chapters_file(episode_stem: str) -> str:
    """Where an episode's JSON chapters file goes in the output folder (and its URL under base_url)."""
    return f"chapters/{episode_stem}.json"


# The show notes `feedtool new` writes, which build names until the producer replaces them.
NEW_EPISODE_NOTES = "Show notes in Markdown: what the episode is about, links, timestamps."

# Characters XML 1.0 cannot carry: C0 controls other than tab/newline/CR, surrogates, U+FFFE/U+FFFF.
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

PODCAST_GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")


def podcast_guid(feed_url: str) -> str:
    """podcast:guid as the Podcast Index namespace derives it: UUIDv5 of the URL without scheme and trailing slashes.

    >>> podcast_guid("https://podnews.net/rss")
    '9b024349-ccf0-5f69-a609-6b82873eab3c'
    """
    return str(uuid.uuid5(PODCAST_GUID_NAMESPACE, re.sub(r"^[A-Za-z][A-Za-z0-9+.-]*://", "", feed_url).rstrip("/")))


def too_many_pixels(e: Exception) -> str:
    """What to say of an image Pillow refuses to open (its DecompressionBombError names the pixel count).

    >>> too_many_pixels(ValueError("Image size (400000000 pixels) exceeds limit of 178956970 pixels"))
    'is too large to open (400,000,000 pixels)'
    """
    match = re.search(r"\((\d+) pixels\)", str(e))
    return f"is too large to open ({int(match[1]):,} pixels)" if match else "is too large to open"


def is_url(value: str) -> bool:
    return value.startswith(("https://", "http://"))


# Episode and season numbers: directories store them as 32-bit integers, and a number past that is a slip (and
# made an imported episode's file name longer than a file system allows).
MAX_NUMBER = 2**31 - 1


def positive_number(text: str) -> int | None:
    """text as an episode or season number (digits 0-9, 1 to MAX_NUMBER), else None."""
    text = text.strip()
    if not is_digits(text) or len(text) > len(str(MAX_NUMBER)) + 10:  # int() of 5,000 digits raises
        return None
    number = int(text)
    return number if 0 < number <= MAX_NUMBER else None


def is_digits(text: str) -> bool:
    """Whether text is a whole number written with the digits 0-9 (str.isdigit also takes '²', which int()
    refuses, so `text.isdigit() and int(text)` turns a fuzzed value into a traceback)."""
    return text.isascii() and text.isdigit()


def content_type(rel: str) -> str:
    """The MIME type a published file (a path in the output or show folder) is served with, by preview and by
    publish alike: the type the feed declares for it where it declares one. The feed itself is the callers'."""
    suffix = posixpath.splitext(rel)[1].lower()
    if rel.startswith("chapters/") and suffix == ".json":
        return CHAPTERS_TYPE  # as podcast:chapters declares it
    if suffix in MIME_TYPES:
        return MIME_TYPES[suffix]  # as the enclosure declares it
    if suffix in TRANSCRIPT_TYPES:
        return TRANSCRIPT_TYPES[suffix][0]  # as podcast:transcript declares it
    return mimetypes.guess_type(rel)[0] or "application/octet-stream"
