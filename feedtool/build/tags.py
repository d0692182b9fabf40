"""Podcasting 2.0 values for the model: the channel's from show.toml (and the episodes of type trailer), an
episode's from its front matter; the artwork's sizes for podcast:images (made by build/images.py)."""

from __future__ import annotations

import dataclasses
import os
from datetime import datetime
from pathlib import Path

from feedtool.build.images import artwork_sizes
from feedtool.errors import FeedtoolError, Finding, error
from feedtool.facts import MIME_TYPES, is_url
from feedtool.model import Trailer
from feedtool.read import tag_values
from feedtool.read.config import Config
from feedtool.read.paths import show_file
from feedtool.timecode import parse_moment
from feedtool.urls import path_suffix, split_url


def episode_tags(fields: dict) -> dict:
    """Episode keyword arguments from front matter already converted by read/episodes.py."""
    return {
        "soundbites": fields.get("soundbites", ()),
        "locations": fields.get("location", ()),
        "txts": fields.get("txt", ()),
        "value": fields.get("value"),
        "social_interacts": fields.get("social_interact", ()),
        "license": fields.get("license"),
        "license_url": fields.get("license_url"),
    }


def channel_tags(config: Config, refs, findings: list[Finding]) -> dict:
    """Show keyword arguments. The config was validated when loaded; what needs files (trailers, artwork) is
    checked here, each problem added to findings."""
    show = config.show
    rows = [dataclasses.asdict(t) for t in show.trailer]
    update_frequency, value, publisher = show.update_frequency, show.value, show.publisher
    return {
        "trailers": tuple(
            t for i, row in enumerate(rows) if (t := _trailer(config, row, i, findings))
        ) + tuple(_episode_trailer(r) for r in refs if getattr(r, "trailer", None)),
        "locations": tuple(tag_values.location(dataclasses.asdict(x)) for x in show.location),
        "txts": tuple(tag_values.txt(dataclasses.asdict(x)) for x in show.txt),
        "update_frequency": update_frequency and tag_values.update_frequency(dataclasses.asdict(update_frequency)),
        "podroll": tuple(tag_values.remote_item(dataclasses.asdict(x)) for x in show.podroll),
        "value": value and tag_values.value_block(dataclasses.asdict(value)),
        "publisher": publisher and tag_values.remote_item(dataclasses.asdict(publisher), "publisher"),
        "platform_blocks": tag_values.platform_blocks(show.block_platforms, show.allow_platforms),
        "images": artwork_sizes(config, findings),
    }


def channel_files(config: Config) -> set[str]:
    """Show-folder files the channel points at besides the artwork (publish uploads them): local trailers."""
    return {os.path.normpath(t.audio) for t in config.show.trailer if t.audio and not is_url(t.audio)}


def _trailer(config: Config, row: dict, index: int, findings: list[Finding]) -> Trailer | None:
    where = f"{config.path}:show.trailer[{index}]"
    date = _date(config, row["date"], where, findings)
    audio = row["audio"]
    size, mime = row["length"] or None, row["type"] or None
    if is_url(audio):
        url = audio
        mime = mime or MIME_TYPES.get(path_suffix(split_url(audio).path).lower())
    else:
        try:  # refuses a path, or a symbolic link, that leads outside the show folder: publish would upload it
            path = show_file(config.root, audio, f"{where}.audio")
        except FeedtoolError as e:
            findings.extend(e.findings)
            return None
        relative = os.path.normpath(audio)
        if not path.is_file():
            findings.append(
                error("config/value", f"{where}.audio", f"'{audio}' not found", "check the path, relative to the show")
            )
            return None
        url, size = config.url_for(Path(relative).as_posix()), path.stat().st_size
        mime = mime or MIME_TYPES.get(path.suffix.lower())
    if date is None:
        return None
    season = row["season"] or None
    return Trailer(title=row["title"], url=url, pub_date=date, size_bytes=size, mime_type=mime, season=season)


def _episode_trailer(ref) -> Trailer:
    title, size, mime = ref.trailer
    return Trailer(
        title=title,
        url=ref.enclosure_url,
        pub_date=datetime.fromisoformat(ref.pub_date),
        size_bytes=size,
        mime_type=mime,
        season=ref.season,
    )


def _date(config: Config, text: str, where: str, findings: list[Finding]) -> datetime | None:
    """Read as an episode's date is: a time the clocks skip or repeat in the show's zone is refused."""
    try:
        return parse_moment(text.strip(), config.tz)
    except ValueError as e:
        problem, _, fix = str(e).partition(" (")
        findings.append(error("config/value", f"{where}.date", problem, fix.removesuffix(")")))
        return None

