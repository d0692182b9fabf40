"""The show's config file (TOML): schema as frozen dataclasses, loaded and validated in one pass."""

import dataclasses
import difflib
import functools
import hashlib
import json
import logging
import os
import tomllib
import typing
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from feedtool.errors import ConfigError, Finding, error, warning
from feedtool.facts import XML_ILLEGAL

log = logging.getLogger(__name__)

CONFIG_NAME = "show.toml"


def doc(text: str, default=dataclasses.MISSING, **kw):
    """A field with its one-line documentation (shown in README's config reference)."""
    if default is dataclasses.MISSING and "default_factory" not in kw:
        return field(metadata={"doc": text}, **kw)
    return field(default=default, metadata={"doc": text}, **kw)


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
    credits: str = doc("standing credit text (Markdown) appended to every episode's notes", "")
    funding: list[FundingConfig] = doc("[[show.funding]] appeal and donation links", default_factory=list)
    person: list[PersonConfig] = doc("[[show.person]] people of the whole show", default_factory=list)


@dataclass(frozen=True)
class FeedConfig:
    base_url: str = doc("https URL the show folder is published at; enclosure URLs start with it", "")
    feed_url: str = doc("the feed's public URL (default: base_url + file_name)", "")
    file_name: str = doc("the feed's file name in the output folder", "feed.xml")
    new_feed_url: str = doc("itunes:new-feed-url, when the feed moves", "")
    hubs: list[str] = doc("WebSub hubs to advertise and ping", default_factory=list)


@dataclass(frozen=True)
class BuildConfig:
    out_dir: str = doc("output folder, relative to the current directory", "public")


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


@dataclass(frozen=True)
class Config:
    path: Path  # the config file
    root: Path  # the show folder: episode files, media, artwork
    show: ShowConfig
    feed: FeedConfig
    build: BuildConfig
    publish: PublishConfig
    warnings: tuple[Finding, ...] = ()
    fingerprint: str = ""  # changes whenever anything that shapes rendered output changes

    @property
    def feed_url(self) -> str | None:
        if self.feed.feed_url:
            return self.feed.feed_url
        if self.feed.base_url:
            return self.feed.base_url.rstrip("/") + "/" + self.feed.file_name
        return None

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.show.timezone)

    def relative_path(self, path: Path | str) -> str:
        """A file's path in the show folder, relative to it with forward slashes (as published). Raises
        ValueError for a path outside it. On strings: pathlib's relative_to costs 10 µs a call, twice an episode."""
        text = str(path)
        if text.startswith(self._root_prefix):
            return text[len(self._root_prefix) :].replace(os.sep, "/")
        return PurePosixPath(Path(path).relative_to(self.root)).as_posix()

    @functools.cached_property
    def _root_prefix(self) -> str:
        return os.path.join(str(self.root), "")

    def url_for(self, relative_path: str) -> str:
        """The public URL of a file published at relative_path (relative when base_url is not set yet)."""
        base = self.feed.base_url
        return base.rstrip("/") + "/" + relative_path if base else relative_path


TABLES = {"show": ShowConfig, "feed": FeedConfig, "build": BuildConfig, "publish": PublishConfig}
REQUIRED = {("show", "title"), ("show", "description"), ("show", "language"), ("show", "author")}


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
        raise ConfigError(f"{where}: no show config here (create it, or pass the show folder or --config)") from None
    except OSError as e:
        raise ConfigError(f"{where}: cannot read the config: {e.strerror}") from e
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{where}: not UTF-8 text (save it as UTF-8)") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{where}: invalid TOML: {e} (see https://toml.io for the syntax)") from e
    for key, value in overrides.items():
        if value is not None:
            table, name = key.split(".")
            data.setdefault(table, {})[name] = value

    findings: list[Finding] = []
    for key in data:
        if key not in TABLES:
            findings.append(_unknown(where, key, TABLES))
    tables = {name: _read_table(cls, data.get(name, {}), where, name, findings) for name, cls in TABLES.items()}
    for table, name in sorted(REQUIRED):
        if tables[table] is not None and not getattr(tables[table], name):
            findings.append(
                error("config/required", f"{where}:{table}.{name}", "is required", f'set {name} = "…" under [{table}]')
            )
    if tables["show"] is not None:
        findings += _validate_show(tables["show"], where)
    if tables["feed"] is not None:
        findings += _validate_feed(tables["feed"], where)
    if tables["publish"] is not None:
        findings += _validate_publish(tables["publish"], where)
    errors = [f for f in findings if f.is_error]
    if errors:
        raise ConfigError(findings=errors)
    # What shapes rendered items; show.guid is left out because build itself writes it into the file.
    shaping = {k: ({n: v for n, v in t.items() if n != "guid"} if k == "show" else t) for k, t in data.items()}
    fingerprint = hashlib.sha256(json.dumps(shaping, sort_keys=True, default=str).encode()).hexdigest()
    return Config(path=path, root=path.parent, warnings=tuple(findings), fingerprint=fingerprint, **tables)


def _unknown(where: str, key: str, known) -> Finding:
    close = difflib.get_close_matches(key, list(known), n=1)
    hint = f"did you mean '{close[0]}'?" if close else "remove it; see README for the settings"
    return warning("config/unknown", f"{where}:{key}", f"unknown setting '{key}'", hint)


def _type_name(tp) -> str:
    origin = typing.get_origin(tp)
    if origin is list:
        (item,) = typing.get_args(tp)
        return "a list of tables" if dataclasses.is_dataclass(item) else f"a list of {_type_name(item)}"
    return {str: "text", bool: "true or false", int: "a whole number"}.get(tp, tp.__name__)


def _check_type(value, tp) -> bool:
    origin = typing.get_origin(tp)
    if origin is list:
        (item,) = typing.get_args(tp)
        if dataclasses.is_dataclass(item):
            return isinstance(value, list) and all(isinstance(v, dict) for v in value)
        return isinstance(value, list) and all(_check_type(v, item) for v in value)
    if tp is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, tp)


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
            findings.append(error("config/type", f"{where}:{name}", f"expected {_type_name(tp)}, got {value!r}"))
            continue
        if typing.get_origin(tp) is list and dataclasses.is_dataclass(typing.get_args(tp)[0]):
            item_cls = typing.get_args(tp)[0]
            items = [_read_table(item_cls, v, where, f"{name}[{i}]", findings) for i, v in enumerate(value)]
            value = [v for v in items if v is not None]
        elif isinstance(value, str):
            value = value.strip()
        texts = value if isinstance(value, list) else [value]
        bad = next((m for v in texts if isinstance(v, str) and (m := XML_ILLEGAL.search(v))), None)
        if bad:  # TOML's \u escapes can write them; no feed can carry them
            findings.append(
                error(
                    "config/xml-character",
                    f"{where}:{name}",
                    f"contains the control character U+{ord(bad.group()):04X}, which XML cannot carry",
                    "delete that invisible character or its \\u escape",
                )
            )
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
    for i, fund in enumerate(show.funding):
        if not fund.url:
            found.append(
                warning(
                    "config/missing",
                    f"{where}:show.funding[{i}].url",
                    "not set",
                    f'fill in the link for "{_shorten(fund.text)}"',
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
    return found


def _shorten(text: str, limit: int = 50) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
