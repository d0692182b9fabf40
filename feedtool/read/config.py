"""The show's config file (TOML): schema as frozen dataclasses, loaded and validated in one pass."""

import dataclasses
import difflib
import functools
import hashlib
import json
import logging
import os
import re
import tomllib
import typing
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from feedtool.errors import ConfigError, Finding, error, shorten, warning
from feedtool.facts import XML_ILLEGAL
from feedtool.read.tag_config import (  # noqa: F401  (the Podcasting 2.0 tables: documented there)
    LocationConfig,
    PublisherConfig,
    RemoteItemConfig,
    TrailerConfig,
    TxtConfig,
    UpdateFrequencyConfig,
    ValueConfig,
    doc,
    validate_tags,
)
from feedtool.urls import encode_path

log = logging.getLogger(__name__)

CONFIG_NAME = "show.toml"


@dataclass(frozen=True)
class FundingConfig:
    text: str = doc("the appeal line shown in every episode's notes and as podcast:funding text")
    url: str = doc("where the appeal links to; empty until the producer fills it in", "")


@dataclass(frozen=True)
class PersonConfig:
    name: str = doc("the person's name")
    role: str = doc("Podcast Taxonomy role, e.g. host, guest, producer", "host")
    group: str = doc("Podcast Taxonomy group, e.g. cast, crew", "cast")
    href: str = doc("a page about the person", "")
    img: str = doc("a picture of the person (URL)", "")


@dataclass(frozen=True)
class ShowConfig:
    title: str = doc("the show's name", "")
    description: str = doc("what the show is about (plain text or Markdown)", "")
    author: str = doc("who makes the show (itunes:author)", "")
    language: str = doc("ISO 639 language code, e.g. en or uk", "")
    link: str = doc("the show's website", "")
    artwork: str = doc("cover art file in the show folder (square JPEG/PNG, 1400-3000 px)", "")
    categories: list[str] = doc("Apple categories, 'Category' or 'Category/Subcategory'", default_factory=list)
    explicit: bool = doc("whether the show contains explicit content", False)
    type: str = doc("episodic (newest first) or serial (in order)", "episodic")
    copyright: str = doc("copyright line", "")
    owner_name: str = doc("owner name Apple and directories contact (itunes:owner)", "")
    owner_email: str = doc("owner e-mail Apple and directories contact (itunes:owner, podcast:locked)", "")
    timezone: str = doc("IANA time zone for episode dates written without an offset", "UTC")
    guid: str = doc("podcast:guid; derived from feed_url and written here by the first build", "")
    locked: bool = doc("podcast:locked: forbid other hosts from importing the feed", True)
    license: str = doc("podcast:license identifier (SPDX or a name)", "")
    license_url: str = doc("URL of the license text, for a license that is not SPDX", "")
    medium: str = doc("podcast:medium: podcast, music, video, audiobook, newsletter, blog...", "podcast")
    complete: bool = doc("no more episodes will be published (itunes:complete)", False)
    block: bool = doc("hide the show from Apple Podcasts (itunes:block)", False)
    credits: str = doc(
        "standing credit text (Markdown) appended to every episode's notes; left out when the description "
        "already says it",
        "",
    )
    funding: list[FundingConfig] = doc("[[show.funding]] appeal and donation links", default_factory=list)
    person: list[PersonConfig] = doc("[[show.person]] people of the whole show", default_factory=list)
    # Podcasting 2.0
    trailer: list[TrailerConfig] = doc("[[show.trailer]] podcast:trailer entries", default_factory=list)
    location: list[LocationConfig] = doc("[[show.location]] podcast:location of the show", default_factory=list)
    txt: list[TxtConfig] = doc("[[show.txt]] podcast:txt entries", default_factory=list)
    update_frequency: UpdateFrequencyConfig | None = doc("[show.update_frequency] podcast:updateFrequency", None)
    podroll: list[RemoteItemConfig] = doc("[[show.podroll]] shows recommended (podcast:podroll)", default_factory=list)
    value: ValueConfig | None = doc("[show.value] podcast:value with [[show.value.recipients]]", None)
    publisher: PublisherConfig | None = doc("[show.publisher] podcast:publisher: the publisher feed", None)
    image_sizes: list[int] = doc(
        "widths of artwork copies build makes for podcast:images, e.g. [600, 300, 150] (needs base_url)",
        default_factory=list,
    )
    block_platforms: list[str] = doc("podcast:block yes: service slugs, or all", default_factory=list)
    allow_platforms: list[str] = doc(
        "podcast:block no: service slugs allowed despite block_platforms", default_factory=list
    )


@dataclass(frozen=True)
class FeedConfig:
    base_url: str = doc("https URL the show folder is published at; enclosure URLs start with it", "")
    feed_url: str = doc("the feed's public URL (default: base_url + file_name)", "")
    file_name: str = doc("the feed's file name in the output folder", "feed.xml")
    new_feed_url: str = doc("itunes:new-feed-url, when the feed moves", "")
    hubs: list[str] = doc("WebSub hubs to advertise and ping", default_factory=list)
    page_size: int = doc(
        "paged feed (RFC 5005): the subscription feed holds this many newest episodes, archive pages the rest; "
        "0: one feed with every episode",
        0,
    )
    staging: bool = doc(
        "a rehearsal: the feed tells every directory not to list it (itunes:block, podcast:block), and a "
        "placeholder or test domain in base_url is allowed",
        False,
    )


@dataclass(frozen=True)
class BuildConfig:
    out_dir: str = doc(
        "output folder; written here, relative to this file's folder (the default `public`: to the current folder)",
        "public",
    )
    offline: bool = doc("measure audio given as a URL from the last measurement only, with no request", False)


@dataclass(frozen=True)
class PublishConfig:
    target: str = doc("where publish puts the show: a folder path or s3://bucket/prefix", "")
    public_url: str = doc("URL the target serves at, for verifying uploads over HTTP (default: base_url)", "")
    endpoint_url: str = doc("S3-compatible endpoint (R2, B2, MinIO...); empty for Amazon S3", "")
    region: str = doc("S3 region", "")
    podcastindex: bool = doc("notify the Podcast Index (pubnotify) after publishing", True)
    podcastindex_url: str = doc(
        "Podcast Index pubnotify endpoint", "https://api.podcastindex.org/api/1.0/hub/pubnotify"
    )
    verify_http: bool = doc(
        "check every upload over HTTP at public_url (HEAD, length, a byte range) before the feed", True
    )
    acl: str = doc("S3 canned ACL for uploads, e.g. public-read; empty: the bucket's policy decides", "")
    feed_max_age: int = doc("Cache-Control max-age of the feed, in seconds", 300)
    media_max_age: int = doc("Cache-Control max-age of media, artwork and transcripts, in seconds", 604800)
    keep_removed_days: int = doc(
        "days a file the new version no longer uses stays on the target for apps holding an older feed", 7
    )


@dataclass(frozen=True)
class SiteConfig:
    enabled: bool = doc("write the show's web pages (home page, one page per episode) beside the feed", True)
    per_page: int = doc("episodes on each page of the home page's list", 50)
    apple_podcasts: str = doc("the show's page on Apple Podcasts (URL), for the subscribe links", "")
    spotify: str = doc("the show's page on Spotify (URL)", "")
    pocket_casts: str = doc("the show's page on Pocket Casts (URL)", "")
    overcast: str = doc("the show's page on Overcast (URL)", "")
    antennapod: str = doc("the show's page on AntennaPod's directory (URL)", "")
    podcast_index: str = doc("the show's page on the Podcast Index (URL)", "")


SUBSCRIBE_LINKS = {  # [site] key -> the name the subscribe block shows
    "apple_podcasts": "Apple Podcasts",
    "spotify": "Spotify",
    "pocket_casts": "Pocket Casts",
    "overcast": "Overcast",
    "antennapod": "AntennaPod",
    "podcast_index": "Podcast Index",
}


@dataclass(frozen=True)
class Config:
    path: Path  # the config file
    root: Path  # the show folder: episode files, media, artwork
    show: ShowConfig
    feed: FeedConfig
    build: BuildConfig
    publish: PublishConfig
    site: SiteConfig = SiteConfig()
    warnings: tuple[Finding, ...] = ()
    fingerprint: str = ""  # changes whenever anything that shapes rendered output changes
    overridden: frozenset[str] = frozenset()  # "table.key"s given on the command line for this run only

    @property
    def one_off_address(self) -> bool:
        """The feed's address comes from a command-line flag, not show.toml: nothing derived from it is recorded."""
        return bool(self.overridden & {"feed.base_url", "feed.feed_url"})

    @property
    def feed_url(self) -> str | None:
        if self.feed.feed_url:
            return self.feed.feed_url
        if self.feed.base_url:
            return self.url_for(self.feed.file_name)
        return None

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.show.timezone)

    def relative_path(self, path: Path | str) -> str:
        """A file's path in the show folder, relative to it with forward slashes (as published). Raises
        ValueError for a path outside it. On strings: pathlib's relative_to is slow, and this runs twice an
        episode (benchmarks/stages.py)."""
        text = str(path)
        if text.startswith(self._root_prefix):
            return text[len(self._root_prefix) :].replace(os.sep, "/")
        return PurePosixPath(Path(path).relative_to(self.root)).as_posix()

    @functools.cached_property
    def _root_prefix(self) -> str:
        return os.path.join(str(self.root), "")

    def url_for(self, relative_path: str) -> str:
        """The public URL of a file published at relative_path (relative when base_url is not set yet), each
        segment percent-encoded (urls.encode_path): `media/0177 Легіон.mp3` -> `media/0177%20%D0%9B….mp3`."""
        base, path = self.feed.base_url, encode_path(relative_path)
        return base.rstrip("/") + "/" + path if base else path


TABLES = {"show": ShowConfig, "feed": FeedConfig, "build": BuildConfig, "publish": PublishConfig, "site": SiteConfig}
REQUIRED = {
    ("show", "title"), ("show", "description"), ("show", "language"), ("show", "author"), ("show", "categories")
}
# Apple requires a category: named here in show.toml's words, not later as a missing <itunes:category>
REQUIRED_HINTS = {"categories": 'set categories = ["…"] under [show], from Apple\'s list, e.g. ["Technology"]'}


def load_config(path: Path, **overrides) -> Config:
    """Read and validate the config file; raise ConfigError listing every problem at once.

    overrides: "table.key" -> value from the command line; None values are ignored.
    """
    path = Path(path)
    if path.is_dir() or path.suffix != ".toml":
        path = path / CONFIG_NAME
    where = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(_no_config(path)) from None
    except OSError as e:
        raise ConfigError(f"{where}: cannot read the config: {e.strerror}") from e
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{where}: not UTF-8 text (save it as UTF-8)") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(findings=[_toml_problem(str(e), raw.decode("utf-8"), where)]) from e
    overridden = frozenset(key for key, value in overrides.items() if value is not None)
    for key in overridden:
        table, name = key.split(".")
        data.setdefault(table, {})[name] = overrides[key]

    findings: list[Finding] = []
    for key in data:
        if key not in TABLES:
            findings.append(_unknown(where, key, TABLES))
    tables = {name: _read_table(cls, data.get(name, {}), where, name, findings) for name, cls in TABLES.items()}
    if tables["build"] is not None and "out_dir" in data.get("build", {}) and "build.out_dir" not in overridden:
        # a path written in the file means the same from any current folder (pelican's read_settings)
        out_dir = os.path.normpath(path.parent / tables["build"].out_dir)
        tables["build"] = dataclasses.replace(tables["build"], out_dir=out_dir)
    named = {f.where for f in findings}  # a value of the wrong type is not also "required"
    for table, name in sorted(REQUIRED):
        if tables[table] is not None and not getattr(tables[table], name) and f"{where}:{table}.{name}" not in named:
            hint = REQUIRED_HINTS.get(name, f'set {name} = "…" under [{table}]')
            findings.append(error("config/required", f"{where}:{table}.{name}", "is required", hint))
    if tables["show"] is not None and not tables["show"].timezone:  # empty means not set, as everywhere
        tables["show"] = dataclasses.replace(tables["show"], timezone=ShowConfig.timezone)
    if tables["show"] is not None:
        findings += _validate_show(tables["show"], where)
    if tables["feed"] is not None:
        findings += _validate_feed(tables["feed"], where)
    if tables["publish"] is not None:
        findings += _validate_publish(tables["publish"], where)
    if tables["site"] is not None:
        findings += _validate_site(tables["site"], where)
    if any(f.is_error for f in findings):
        raise ConfigError(findings=findings)  # the warnings too: `unknown setting 'titel'` explains an error
    if _repeats(tables["show"].credits, tables["show"].description):
        findings.append(
            warning(
                "config/redundant",
                f"{where}:show.credits",
                "repeats show.description word for word; left out of the episode notes",
                "delete credits, or write there only what the notes should add to the description",
            )
        )
        tables["show"] = dataclasses.replace(tables["show"], credits="")
    # What shapes rendered items; show.guid is left out because build itself writes it into the file, and
    # build.offline because it changes only where a remote file's measurement comes from.
    left_out = {"show": "guid", "build": "offline"}
    shaping = {k: {n: v for n, v in t.items() if n != left_out.get(k)} if isinstance(t, dict) else t
               for k, t in data.items()}
    shaping = {k: t for k, t in shaping.items() if t != {}}  # `--offline` alone makes a [build] table of nothing
    fingerprint = hashlib.sha256(json.dumps(shaping, sort_keys=True, default=str).encode()).hexdigest()
    return Config(
        path=path, root=path.parent, warnings=tuple(findings), fingerprint=fingerprint, overridden=overridden, **tables
    )


def _no_config(path: Path) -> str:
    """Why there is no config at path, and the way on: name the right folder, or start a show there."""
    folder = path.parent
    start = f'start a show there with: feedtool new {folder} "Show title" --show'
    if path.name != CONFIG_NAME:  # --config named a file
        return f"{path}: no such config file (check the --config path)"
    if not folder.exists():
        return f"{folder}: no such folder (name your show folder, or {start})"
    if not folder.is_dir():
        return f"{folder}: not a folder (name your show folder, which holds {CONFIG_NAME})"
    return f"{path}: no show config here (name your show folder, or {start})"


def _toml_problem(message: str, text: str, where: str) -> Finding:
    """tomllib's "Illegal character '\\n' (at line 2, column 11)" as a finding at that line, quoting it."""
    match = re.search(r"^(.*) \(at line (\d+), column (\d+)\)$", message)
    if not match:
        return error("config/toml", where, f"invalid TOML: {message}", "see https://toml.io for the syntax")
    problem, line, column = match[1], int(match[2]), int(match[3])
    lines = text.split("\n")
    quoted = lines[line - 1].strip()[:60] if line <= len(lines) else ""
    return error(
        "config/toml",
        f"{where}:{line}",
        f"invalid TOML: {problem} at column {column}" + (f": {quoted!r}" if quoted else ""),
        "close every quote and [table], write key = value; see https://toml.io",
    )


def _unknown(where: str, key: str, known) -> Finding:
    close = difflib.get_close_matches(key, list(known), n=1)
    hint = f"did you mean '{close[0]}'?" if close else "remove it; see README for the settings"
    return warning("config/unknown", f"{where}:{key}", f"unknown setting '{key}'", hint)


def _table_class(tp):
    """The dataclass of a field that is one table (`Cls | None`), else None."""
    options = [a for a in typing.get_args(tp) if a is not type(None)] if typing.get_origin(tp) is not list else []
    return options[0] if len(options) == 1 and dataclasses.is_dataclass(options[0]) else None


def _type_name(tp) -> str:
    if _table_class(tp):
        return "a table"
    origin = typing.get_origin(tp)
    if origin is list:
        (item,) = typing.get_args(tp)
        return "a list of tables" if dataclasses.is_dataclass(item) else f"a list of {_type_name(item)}"
    return {str: "text", bool: "true or false", int: "a whole number"}.get(tp, tp.__name__)


def _type_hint(key: str, tp, value) -> str:
    """How to write the value the producer meant, for the usual slips: quotes around a number or a boolean,
    one text where a list is wanted."""
    if tp is bool and isinstance(value, str):
        return f"write {key} = true or {key} = false, without quotes"
    if tp is int and isinstance(value, str) and value.strip().isdigit():
        return f"write it without quotes: {key} = {value.strip()}"
    if typing.get_origin(tp) is list and typing.get_args(tp) == (str,) and isinstance(value, str):
        return f"write it as a list: {key} = {json.dumps([value], ensure_ascii=False)}"
    return ""


def _check_type(value, tp) -> bool:
    if _table_class(tp):
        return isinstance(value, dict)
    origin = typing.get_origin(tp)
    if origin is list:
        (item,) = typing.get_args(tp)
        if dataclasses.is_dataclass(item):
            return isinstance(value, list) and all(isinstance(v, dict) for v in value)
        return isinstance(value, list) and all(_check_type(v, item) for v in value)
    if tp is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, tp)


def _xml_characters(value, where: str) -> list[Finding]:
    """A text value (or list of them) holding a character XML cannot carry: the feed could not be written."""
    for text in value if isinstance(value, list) else [value]:
        bad = XML_ILLEGAL.search(text) if isinstance(text, str) else None
        if bad:
            return [
                error(
                    "config/value",
                    where,
                    f"contains the control character U+{ord(bad.group()):04X}, which XML cannot carry",
                    "delete that invisible character; in TOML it may be written as an escape such as \\u0007",
                )
            ]
    return []


def _read_table(cls, data, where: str, prefix: str, findings: list[Finding]):
    """Build a cls from a TOML table, recording every wrong type and unknown key in findings."""
    if not isinstance(data, dict):
        findings.append(error("config/type", f"{where}:{prefix}", "must be a table", f"write it as [{prefix}]"))
        return None
    hints = typing.get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls)}
    values = {}
    for key, value in data.items():
        name = f"{prefix}.{key}"
        if key not in known:
            findings.append(_unknown(where, name, [f"{prefix}.{k}" for k in known]))
            continue
        tp = hints[key]
        if not _check_type(value, tp):
            findings.append(
                error("config/type", f"{where}:{name}", f"expected {_type_name(tp)}, got {value!r}",
                      _type_hint(key, tp, value))
            )
            continue
        findings += _xml_characters(value, f"{where}:{name}")
        if _table_class(tp):
            value = _read_table(_table_class(tp), value, where, name, findings)
            if value is None:
                continue
        elif typing.get_origin(tp) is list and dataclasses.is_dataclass(typing.get_args(tp)[0]):
            item_cls = typing.get_args(tp)[0]
            items = [_read_table(item_cls, v, where, f"{name}[{i}]", findings) for i, v in enumerate(value)]
            value = [v for v in items if v is not None]
        elif isinstance(value, str):
            value = value.strip()
        values[key] = value
    missing = [
        f.name
        for f in dataclasses.fields(cls)
        if f.name not in values and f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    ]
    for key in missing:
        findings.append(error("config/required", f"{where}:{prefix}.{key}", "is required", f"add {key} = …"))
    return None if missing else cls(**values)


SHOW_TYPES = ("episodic", "serial")


def _validate_show(show: ShowConfig, where: str) -> list[Finding]:
    found = []
    if show.type not in SHOW_TYPES:
        found.append(
            error("config/value", f"{where}:show.type", f"'{show.type}' is not a show type", "use episodic or serial")
        )
    try:
        ZoneInfo(show.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        found.append(
            error(
                "config/value",
                f"{where}:show.timezone",
                f"'{show.timezone}' is not a time zone",
                "use an IANA name such as Europe/Kyiv or UTC",
            )
        )
    if show.guid:
        import uuid

        try:
            uuid.UUID(show.guid)
        except ValueError:
            found.append(
                error(
                    "config/value",
                    f"{where}:show.guid",
                    f"'{show.guid}' is not a UUID",
                    "remove it and let build derive it from feed_url",
                )
            )
    for name in ("link", "artwork"):
        if not getattr(show, name):
            found.append(warning("config/missing", f"{where}:show.{name}", "not set", f"set {name} under [show]"))
    for name in ("owner_name", "owner_email", "copyright"):
        if not getattr(show, name):
            found.append(
                warning(
                    "config/missing",
                    f"{where}:show.{name}",
                    "not set",
                    f"fill in {name} under [show]; Apple and the directories use it",
                )
            )
    found += validate_tags(show, where)
    for i, fund in enumerate(show.funding):
        if not fund.url:
            found.append(
                warning(
                    "config/missing",
                    f"{where}:show.funding[{i}].url",
                    "not set",
                    f'fill in the link for "{shorten(fund.text)}"',
                )
            )
    return found


def _validate_feed(feed: FeedConfig, where: str) -> list[Finding]:
    found = []
    for name in ("base_url", "feed_url", "new_feed_url"):
        value = getattr(feed, name)
        if value and not value.startswith(("https://", "http://")):
            found.append(
                error(
                    "config/value",
                    f"{where}:feed.{name}",
                    f"'{value}' is not an http(s) URL",
                    "write the full URL, e.g. https://example.org/podcast/",
                )
            )
    if not feed.base_url:
        found.append(
            warning(
                "config/missing",
                f"{where}:feed.base_url",
                "not set; enclosure URLs are relative"
                + ("" if feed.feed_url else ", and the feed has no atom:link rel=self and no podcast:guid"),
                "set base_url to the https URL the show is published at",
            )
        )
    if feed.page_size < 0:
        found.append(
            error("config/value", f"{where}:feed.page_size", "must not be negative", "use 0 (no paging) or e.g. 300")
        )
    if "/" in feed.file_name or not feed.file_name:
        found.append(
            error(
                "config/value",
                f"{where}:feed.file_name",
                f"'{feed.file_name}' is not a file name",
                "use a plain name such as feed.xml",
            )
        )
    return found


def _validate_publish(publish: PublishConfig, where: str) -> list[Finding]:
    found = []
    if publish.target.startswith(("http://", "https://", "ftp://", "sftp://")):
        found.append(
            error(
                "config/value",
                f"{where}:publish.target",
                f"'{publish.target}' is not a publish target",
                "use a folder path or s3://bucket/prefix",
            )
        )
    for name in ("public_url", "endpoint_url", "podcastindex_url"):
        value = getattr(publish, name)
        if value and not value.startswith(("https://", "http://")):
            found.append(
                error(
                    "config/value",
                    f"{where}:publish.{name}",
                    f"'{value}' is not an http(s) URL",
                    "write the full URL, e.g. https://example.org/podcast/",
                )
            )
    for name in ("feed_max_age", "media_max_age"):
        if getattr(publish, name) < 0:
            found.append(
                error("config/value", f"{where}:publish.{name}", "must not be negative", "use seconds, e.g. 300")
            )
    if publish.keep_removed_days < 0:
        found.append(
            error(
                "config/value",
                f"{where}:publish.keep_removed_days",
                "must not be negative",
                "use days, e.g. 7; 0 removes dropped files at once",
            )
        )
    return found


def _validate_site(site: SiteConfig, where: str) -> list[Finding]:
    found = []
    if site.per_page < 1:
        found.append(error("config/value", f"{where}:site.per_page", "must be at least 1", "use e.g. 50"))
    for name in SUBSCRIBE_LINKS:
        value = getattr(site, name)
        if value and not value.startswith(("https://", "http://")):
            found.append(
                error(
                    "config/value",
                    f"{where}:site.{name}",
                    f"'{value}' is not an http(s) URL",
                    "copy the show's full URL from the app or directory",
                )
            )
    return found


def _repeats(text: str, other: str) -> bool:
    """Whether text says nothing other than (part of) `other` does, word for word, Markdown marks aside."""
    def words(markdown: str) -> str:
        return " ".join(re.sub(r"[*_`#>\[\]()]", "", markdown).split()).casefold()

    return bool(words(text)) and words(text) in words(other)


