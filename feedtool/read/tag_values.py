"""Podcasting 2.0 values as a producer writes them (a show.toml table, or front matter) -> model values.

One converter per tag, shared by show.toml and the episode files: each takes a mapping of raw values (text
from front matter; text, numbers and booleans from TOML) and returns the model value, or raises ValueError
"problem (how to fix it)". Names, value sets and limits are the podcast namespace's (feedtool/namespace.py).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from feedtool.facts import is_digits
from feedtool.model import Location, RemoteItem, SocialInteract, Soundbite, Txt, UpdateFrequency, Value, ValueRecipient
from feedtool.namespace import (
    COUNTRY,
    LIGHTNING_METHODS,
    LIST_MEDIUMS,
    LOCATION_RELS,
    MEDIUMS,
    NUMBER,
    OSM,
    PURPOSE_LIMIT,
    SERVICE_SLUGS,
    SOCIAL_PROTOCOLS,
    TITLE_LIMIT,
    TXT_LIMIT,
    is_geo,
    rrule_problem,
    split_problem,
)
from feedtool.timecode import parse_timecode


def text(item: dict, key: str, *, limit: int | None = None, required: bool = False) -> str | None:
    value = item.get(key)
    if value is None or value == "":
        if required:
            raise ValueError(f"{key} is missing (add {key}: …)")
        return None
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise ValueError(f"{key}: expected text, got {value!r}")
    value = str(value).strip()
    if limit and len(value) > limit:
        raise ValueError(f"{key}: is {len(value)} characters, more than the {limit} the podcast namespace allows")
    return value


def whole(item: dict, key: str, *, required: bool = False) -> int | None:
    value = item.get(key)
    if value is None or value == "":
        if required:
            raise ValueError(f"{key} is missing (add {key}: …)")
        return None
    digits = str(value).strip()
    if isinstance(value, bool) or not is_digits(digits) or len(digits) > 18:  # int() refuses '²', which isdigit takes
        raise ValueError(f"{key}: '{value}' is not a whole number (write e.g. 40)")
    return int(digits)


def flag(item: dict, key: str) -> bool:
    value = item.get(key, False)
    if isinstance(value, bool):
        return value
    if str(value).strip().lower() in ("true", "yes", "false", "no"):
        return str(value).strip().lower() in ("true", "yes")
    raise ValueError(f"{key}: '{value}' is not true or false (write true or false)")


def https_url(item: dict, key: str, *, required: bool = False) -> str | None:
    value = text(item, key, required=required)
    if value is not None and not value.startswith("https://"):
        raise ValueError(f"{key}: '{value}' is not an https URL (the podcast namespace asks for https)")
    return value


def known(item: dict, key: str, allowed, *, required: bool = False, default: str | None = None) -> str | None:
    value = text(item, key, required=required)
    if value is None:
        return default
    if value not in allowed:
        raise ValueError(f"{key}: '{value}' is not one of {', '.join(allowed)}")
    return value


def only(item: dict, keys: tuple[str, ...], what: str) -> dict:
    if not isinstance(item, dict):
        raise ValueError(f"{what}: expected key: value lines, got {item!r}")
    unknown = sorted(set(item) - set(keys))
    if unknown:
        raise ValueError(f"{what}: unknown key '{unknown[0]}' (use {', '.join(keys)})")
    return item


def seconds(item: dict, key: str) -> float:
    value = text(item, key, required=True)
    try:
        return parse_timecode(value)
    except ValueError as e:
        raise ValueError(f"{key}: {e}") from None


def soundbite(item: dict) -> Soundbite:
    only(item, ("start", "duration", "title"), "soundbite")
    duration = seconds(item, "duration")
    if duration <= 0:
        raise ValueError("duration: must be more than 0 seconds (the spec recommends 15 to 120)")
    return Soundbite(start=seconds(item, "start"), duration=duration, title=text(item, "title", limit=TITLE_LIMIT))


def location(item) -> Location:
    if isinstance(item, str):
        item = {"name": item}
    only(item, ("name", "geo", "osm", "rel", "country"), "location")
    geo, osm, country = text(item, "geo"), text(item, "osm"), text(item, "country")
    if geo and not is_geo(geo):
        raise ValueError(f"geo: '{geo}' is not a geo URI (write geo:50.45,30.52: latitude,longitude)")
    if osm and not OSM.match(osm):
        raise ValueError(f"osm: '{osm}' is not an OpenStreetMap id (write its type and number, e.g. R421866)")
    if country and not COUNTRY.match(country.lower()):
        raise ValueError(f"country: '{country}' is not a two-letter country code (write e.g. ua)")
    country = country and country.lower()  # read in any case; written as the spec's examples write it ("us")
    return Location(
        name=text(item, "name", limit=TITLE_LIMIT, required=True),
        geo=geo,
        osm=osm,
        rel=known(item, "rel", LOCATION_RELS),
        country=country,
    )


def txt(item) -> Txt:
    if isinstance(item, str):
        item = {"text": item}
    only(item, ("text", "purpose"), "txt")
    return Txt(
        text=text(item, "text", limit=TXT_LIMIT, required=True), purpose=text(item, "purpose", limit=PURPOSE_LIMIT)
    )


def update_frequency(item: dict) -> UpdateFrequency:
    only(item, ("text", "rrule", "dtstart", "complete"), "update_frequency")
    rrule, dtstart = text(item, "rrule"), text(item, "dtstart")
    if rrule:
        problem = rrule_problem(rrule)
        if problem:
            raise ValueError(f"rrule: {problem} (write e.g. FREQ=WEEKLY;BYDAY=MO)")
        if "COUNT=" in rrule.upper() and not dtstart:
            raise ValueError("dtstart is missing: a rule with COUNT needs it (add dtstart = 2024-09-02)")
    if dtstart:
        try:
            datetime.fromisoformat(dtstart.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"dtstart: '{dtstart}' is not an ISO 8601 date (write e.g. 2024-09-02T08:00Z)") from None
    return UpdateFrequency(
        text=text(item, "text", limit=TITLE_LIMIT, required=True),
        rrule=rrule.upper() if rrule else None,
        dtstart=dtstart,
        complete=flag(item, "complete"),
    )


def remote_item(item: dict, medium: str | None = None) -> RemoteItem:
    only(item, ("feed_guid", "feed_url", "item_guid", "title", "medium"), "remote item")
    guid = text(item, "feed_guid", required=True)
    try:
        uuid.UUID(guid)
    except ValueError:
        raise ValueError(f"feed_guid: '{guid}' is not a UUID (copy the other show's podcast:guid)") from None
    return RemoteItem(
        feed_guid=guid.lower(),
        feed_url=https_url(item, "feed_url"),
        item_guid=text(item, "item_guid"),
        title=text(item, "title", limit=TITLE_LIMIT),
        medium=medium or known(item, "medium", MEDIUMS + LIST_MEDIUMS),
    )


def value_block(item: dict) -> Value:
    only(item, ("type", "method", "suggested", "recipients"), "value")
    recipients = item.get("recipients") or []
    if not isinstance(recipients, list):
        raise ValueError("recipients: expected a list of recipients (name, type, address, split)")
    parsed = []
    for i, r in enumerate(recipients, start=1):
        keys = ("name", "type", "address", "split", "fee", "custom_key", "custom_value")
        only(r, keys, f"recipient {i}")
        try:
            parsed.append(
                ValueRecipient(
                    type=text(r, "type", required=True),
                    address=text(r, "address", required=True),
                    split=whole(r, "split", required=True),
                    name=text(r, "name"),
                    fee=flag(r, "fee"),
                    custom_key=text(r, "custom_key"),
                    custom_value=text(r, "custom_value"),
                )
            )
        except ValueError as e:
            raise ValueError(f"recipient {i}: {e}") from None
    problem = split_problem([r.split for r in parsed])
    if problem:
        raise ValueError(f"{problem} (give each recipient its percentage; together 100)")
    suggested = text(item, "suggested")
    if suggested is not None and not NUMBER.match(suggested):  # float() takes nan, inf and -5: no amount to pay
        raise ValueError(f"suggested: '{suggested}' is not a number (write e.g. 0.00000005000)")
    kind, method = text(item, "type") or "lightning", text(item, "method") or "keysend"
    if kind == "lightning" and method not in LIGHTNING_METHODS:
        raise ValueError(f"method: '{method}' is not a lightning payment method (write keysend, or amp)")
    return Value(
        type=kind,
        method=method,
        recipients=tuple(parsed),
        suggested=suggested,
    )


def social_interact(item: dict) -> SocialInteract:
    only(item, ("protocol", "uri", "account_id", "account_url", "priority"), "social_interact")
    protocol = known(item, "protocol", SOCIAL_PROTOCOLS, required=True)
    uri = text(item, "uri")
    if protocol != "disabled" and not uri:
        raise ValueError("uri is missing (the address of the post that starts the comment thread)")
    return SocialInteract(
        protocol=protocol,
        uri=uri,
        account_id=text(item, "account_id"),
        account_url=https_url(item, "account_url"),
        priority=whole(item, "priority"),
    )


def platform_blocks(blocked: list[str], allowed: list[str]) -> tuple[tuple[str | None, bool], ...]:
    """podcast:block entries: (None, True) for "all", then (slug, True) blocked and (slug, False) allowed."""
    for slug in [*blocked, *allowed]:
        if slug != "all" and slug not in SERVICE_SLUGS:
            raise ValueError(f"'{slug}' is not a service slug of the podcast namespace (e.g. apple, google, spotify)")
    if "all" in allowed:
        raise ValueError("allow_platforms: 'all' blocks nothing (leave block_platforms out instead)")
    return tuple([(None, True)] * ("all" in blocked) + [(s, True) for s in blocked if s != "all"]) + tuple(
        (s, False) for s in allowed
    )


def as_list(value, name: str) -> list:
    """A front matter field written as one item or as a list of them."""
    if isinstance(value, list):
        return value
    if isinstance(value, (str, dict)):
        return [value]
    raise ValueError(f"expected one {name} or a list of them")
