"""PSP-1 (the Podcast Standards Project's RSS specification) and the Podcast Index `podcast:` namespace."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from feedtool.check.apple import parse_rfc2822, plain_http
from feedtool.check.context import Scope
from feedtool.check.xml import ATOM_NS, PODCAST_NS, PODCAST_TAG, text
from feedtool.errors import Finding, error, info, warning
from feedtool.facts import podcast_guid
from feedtool.namespace import (
    CHAPTERS_TYPE,
    GEO,
    LIST_MEDIUMS,
    MEDIUMS,
    NUMBER,
    PERSON_ROLES,
    TRANSCRIPT_TYPES,
)

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class TagSpec:
    parents: tuple[str, ...]
    single: bool = False
    required: tuple[str, ...] = ()  # attributes
    urls: tuple[str, ...] = ()  # attributes holding URLs
    numbers: tuple[str, ...] = ()  # attributes holding non-negative numbers
    node: str | None = None  # "text" (must not be blank), "integer", "decimal"
    limits: tuple[tuple[str, int], ...] = ()  # ("" for the node value, or an attribute) -> characters


# podcast-namespace docs/1.0.md and docs/tags/*.md
TAGS = {
    "guid": TagSpec(("channel",), single=True),
    "locked": TagSpec(("channel",), single=True),
    "funding": TagSpec(("channel", "item"), required=("url",), urls=("url",), node="text", limits=(("", 128),)),
    "transcript": TagSpec(("item",), required=("url", "type"), urls=("url",)),
    "chapters": TagSpec(("item",), single=True, required=("url", "type"), urls=("url",)),
    "soundbite": TagSpec(
        ("item",), required=("startTime", "duration"), numbers=("startTime", "duration"), limits=(("", 128),)
    ),
    "person": TagSpec(("channel", "item"), urls=("href", "img"), node="text", limits=(("", 128),)),
    "location": TagSpec(("channel", "item"), single=True, node="text", limits=(("", 128),)),
    "season": TagSpec(("item",), single=True, node="integer", limits=(("name", 128),)),
    "episode": TagSpec(("item",), single=True, node="decimal", limits=(("display", 32),)),
    "trailer": TagSpec(
        ("channel",),
        required=("url", "pubdate"),
        urls=("url",),
        numbers=("length", "season"),
        node="text",
        limits=(("", 128),),
    ),
    "license": TagSpec(("channel", "item"), single=True, urls=("url",), node="text", limits=(("", 128),)),
    "alternateEnclosure": TagSpec(
        ("item",), required=("type",), numbers=("length", "bitrate", "height"), limits=(("title", 32), ("rel", 32))
    ),
    "source": TagSpec(("alternateEnclosure",), required=("uri",)),
    "integrity": TagSpec(("alternateEnclosure",), single=True, required=("type", "value")),
    "value": TagSpec(("channel", "item", "liveItem"), single=True, required=("type", "method")),
    "valueRecipient": TagSpec(("value",), required=("type", "address", "split"), numbers=("split",)),
    "valueTimeSplit": TagSpec(("value",), required=("startTime", "duration"), numbers=("startTime", "duration")),
    "medium": TagSpec(("channel",), single=True),
    "txt": TagSpec(("channel", "item"), limits=(("", 4000), ("purpose", 128))),
    "images": TagSpec(("channel", "item")),
    "image": TagSpec(("channel", "item"), required=("href",), urls=("href",)),
    "block": TagSpec(("channel",)),
    "updateFrequency": TagSpec(("channel",), single=True),
    "podroll": TagSpec(("channel",), single=True),
    "remoteItem": TagSpec(("podroll", "channel", "value", "valueTimeSplit", "publisher"), required=("feedGuid",)),
    "publisher": TagSpec(("channel",), single=True),
    "liveItem": TagSpec(("channel",)),
    "contentLink": TagSpec(("liveItem", "item"), required=("href",), urls=("href",)),
    "socialInteract": TagSpec(("item",), required=("protocol",), urls=("uri",)),
    "chat": TagSpec(("item", "liveItem"), required=("server", "protocol")),
}


def required_channel(scope: Scope) -> list[Finding]:
    found = []
    selves = [link for link in scope.element.findall(f"{{{ATOM_NS}}}link") if link.get("rel") == "self"]
    if not selves or not selves[0].get("href"):
        found.append(
            error(
                "psp/required",
                scope.where(scope.element, child="atom:link"),
                'no <atom:link rel="self">',
                'add <atom:link href="<the feed\'s URL>" rel="self" type="application/rss+xml"/>; PSP-1 requires it',
            )
        )
    if scope.child("link") is None:
        found.append(
            error(
                "psp/required",
                scope.where(scope.element, child="link"),
                "missing",
                "add <link>, the show's website; PSP-1 requires it",
            )
        )
    return found + _podcast_guid(scope, selves[0].get("href") if selves else None) + _locked(scope)


def required_item(scope: Scope) -> list[Finding]:
    guid = scope.child("guid")
    if guid is None or not (text(guid) or "").strip():
        return [
            error(
                "psp/required",
                scope.where(scope.element, child="guid"),
                "missing" if guid is None else "is empty",
                "give the episode a <guid> that never changes; PSP-1 requires it",
            )
        ]
    return []


def _podcast_guid(scope: Scope, feed_url: str | None) -> list[Finding]:

    element = scope.child("podcast:guid")
    if element is None:
        return [
            warning(
                "psp/podcast-guid",
                scope.where(scope.element, child="podcast:guid"),
                "missing",
                f"add <podcast:guid>{podcast_guid(feed_url) if feed_url else '…'}</podcast:guid>, "
                "derived from the feed URL",
            )
        ]
    value = (text(element) or "").strip()
    try:
        uuid.UUID(value)
    except ValueError:
        return [
            error(
                "psp/podcast-guid",
                scope.where(element),
                f"'{value}' is not a UUID",
                "use the UUIDv5 of the feed URL (see the Podcast Index namespace, guid)",
            )
        ]
    if feed_url and value.lower() != podcast_guid(feed_url):
        message = f"is not the one derived from the feed URL ({podcast_guid(feed_url)})"
        if scope.guid_recorded():
            return [
                info(
                    "psp/podcast-guid", scope.where(element), message, "kept as recorded, as the spec asks after a move"
                )
            ]
        return [
            warning(
                "psp/podcast-guid",
                scope.where(element),
                message,
                "keep it if the feed moved after the GUID was assigned; otherwise use the derived one",
            )
        ]
    return []


def _locked(scope: Scope) -> list[Finding]:
    element = scope.child("podcast:locked")
    if element is None:
        return [
            warning(
                "psp/locked",
                scope.where(scope.element, child="podcast:locked"),
                "missing",
                "add <podcast:locked>yes</podcast:locked> so no other host imports the feed",
            )
        ]
    found = []
    if (text(element) or "").strip() not in ("yes", "no"):
        found.append(error("psp/locked", scope.where(element), f"is '{text(element)}'", "write yes or no"))
    owner = element.get("owner")
    if owner is not None and not _EMAIL.match(owner):
        found.append(
            warning(
                "psp/locked",
                scope.where(element, attr="owner"),
                f"'{owner}' is not an e-mail address",
                "give the address that proves ownership when the feed moves",
            )
        )
    return found


def podcast_tags(scope: Scope) -> list[Finding]:
    """Placement, required attributes and values of every podcast: tag in the scope."""
    found = []
    counts: dict[tuple, int] = {}
    for element, _, tag in scope.own_elements:
        if not tag.startswith(PODCAST_TAG):
            continue
        name = tag[len(PODCAST_TAG) :]
        spec = TAGS.get(name)
        if spec is None:
            found.append(
                warning(
                    "psp/unknown-tag",
                    scope.where(element),
                    "is not a tag of the podcast namespace",
                    "check the spelling against podcastindex.org/namespace/1.0; apps ignore it",
                )
            )
            continue
        parent = element.getparent().tag.split("}")[-1]
        key = (id(element.getparent()), name)
        counts[key] = counts.get(key, 0) + 1
        if parent not in spec.parents:
            found.append(
                warning(
                    "psp/placement",
                    scope.where(element),
                    f"does not belong in <{parent}>",
                    f"put it in {' or '.join('<' + p + '>' for p in spec.parents)}",
                )
            )
        elif spec.single and counts[key] == 2:
            found.append(
                warning(
                    "psp/placement",
                    scope.where(element),
                    f"appears more than once in <{parent}>",
                    "keep one; apps read only the first",
                )
            )
        found += _attributes(scope, element, spec) + _tag_values(scope, element, name)
    return found


def _attributes(scope: Scope, element, spec: TagSpec) -> list[Finding]:
    found = [
        error(
            "psp/tag-value",
            scope.where(element, attr=name),
            "missing",
            f"<{element.prefix or 'podcast'}:{element.tag.split('}')[1]}> requires {name}",
        )
        for name in spec.required
        if not element.get(name)
    ]
    for name in spec.numbers:
        value = element.get(name)
        if value is not None and not NUMBER.match(value.strip()):
            found.append(
                error(
                    "psp/tag-value",
                    scope.where(element, attr=name),
                    f"'{value}' is not a number",
                    "write a plain number such as 42 or 73.5",
                )
            )
    value = (text(element) or "").strip()
    if spec.node == "text" and not value:
        found.append(error("psp/tag-value", scope.where(element), "is empty", "give it a value"))
    elif spec.node == "integer" and not value.isdigit():
        found.append(error("psp/tag-value", scope.where(element), f"'{value}' is not a whole number", "write e.g. 2"))
    elif spec.node == "decimal" and not NUMBER.match(value):
        found.append(
            error("psp/tag-value", scope.where(element), f"'{value}' is not a number", "write e.g. 12 or 12.5")
        )
    for name, limit in spec.limits:
        content = value if name == "" else element.get(name) or ""
        if len(content) > limit:
            found.append(
                warning(
                    "psp/text-length",
                    scope.where(element, attr=name or None),
                    f"is {len(content)} characters, more than the {limit} the spec allows",
                    "shorten it; aggregators cut longer values",
                )
            )
    for name in spec.urls:
        found += plain_http(
            scope, element, name, "psp/https", "is an http URL", "the podcast namespace asks for https URLs"
        )
    return found


def _tag_values(scope: Scope, element, name: str) -> list[Finding]:
    """The enumerated values of particular tags."""
    kind = element.get("type")
    if name == "transcript" and kind and kind not in TRANSCRIPT_TYPES:
        return [
            warning(
                "psp/transcript-type",
                scope.where(element, attr="type"),
                f"'{kind}' is not a transcript type",
                "use text/vtt, application/x-subrip, application/json, text/html or text/plain",
            )
        ]
    if name == "transcript" and element.get("rel") not in (None, "captions"):
        return [
            warning(
                "psp/transcript-type",
                scope.where(element, attr="rel"),
                f"'{element.get('rel')}' is not a rel",
                'write rel="captions" for timed captions, or leave rel out',
            )
        ]
    if name == "chapters" and kind and kind != CHAPTERS_TYPE:
        return [
            warning(
                "psp/chapters-type",
                scope.where(element, attr="type"),
                f"is '{kind}'",
                f'write type="{CHAPTERS_TYPE}" for JSON chapters',
            )
        ]
    if name == "person":
        return _person(scope, element)
    if name == "medium" and (text(element) or "").strip() not in MEDIUMS + LIST_MEDIUMS:
        return [
            error(
                "psp/medium",
                scope.where(element),
                f"'{text(element)}' is not a medium",
                f"use one of {', '.join(MEDIUMS)}",
            )
        ]
    if name == "location" and element.get("geo") and not GEO.match(element.get("geo")):
        return [
            error(
                "psp/tag-value",
                scope.where(element, attr="geo"),
                f"'{element.get('geo')}' is not a geo URI",
                "write geo:30.2672,97.7431",
            )
        ]
    if name == "trailer" and element.get("pubdate"):
        try:
            parse_rfc2822(element.get("pubdate"))
        except ValueError as e:
            return [
                error(
                    "psp/tag-value",
                    scope.where(element, attr="pubdate"),
                    str(e),
                    "write e.g. Thu, 01 Apr 2021 08:00:00 -0500",
                )
            ]
    if name == "integrity" and kind not in (None, "sri", "pgp-signature"):
        return [
            error(
                "psp/tag-value",
                scope.where(element, attr="type"),
                f"'{kind}' is not an integrity type",
                "write sri or pgp-signature",
            )
        ]
    if name == "alternateEnclosure" and element.find(f"{{{PODCAST_NS}}}source") is None:
        return [
            error(
                "psp/tag-value",
                scope.where(element, child="podcast:source"),
                "missing",
                'give at least one <podcast:source uri="…"/>',
            )
        ]
    return []


def _person(scope: Scope, element) -> list[Finding]:
    role, group = (element.get("role") or "host").strip().lower(), (element.get("group") or "cast").strip().lower()
    if group not in PERSON_ROLES:
        return [
            warning(
                "psp/person-role",
                scope.where(element, attr="group"),
                f"'{group}' is not a taxonomy group",
                f"use one of {', '.join(PERSON_ROLES)}",
            )
        ]
    if role not in PERSON_ROLES[group]:
        elsewhere = [g for g, roles in PERSON_ROLES.items() if role in roles]
        hint = (
            f"'{role}' belongs to group '{elsewhere[0]}'"
            if elsewhere
            else "use a role of the Podcast Taxonomy Project, e.g. host, guest, producer"
        )
        return [
            warning(
                "psp/person-role", scope.where(element, attr="role"), f"'{role}' is not a role of group '{group}'", hint
            )
        ]
    return []


CHANNEL_RULES = (required_channel, podcast_tags)
ITEM_RULES = (required_item, podcast_tags)
