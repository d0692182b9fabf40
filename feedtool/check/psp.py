"""The rules of PSP-1 (the Podcast Standards Project's RSS specification) and of the Podcast Index `podcast:`
namespace, over a channel or an item: the tags PSP-1 requires, and each podcast: tag's place and values (TAGS)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from feedtool.check.apple import parse_rfc2822, plain_http
from feedtool.check.context import Scope
from feedtool.check.xml import ATOM_NS, PODCAST_NS, PODCAST_TAG, text
from feedtool.errors import Finding, error, info, warning
from feedtool.facts import is_digits, podcast_guid
from feedtool.namespace import (
    CHAPTERS_TYPE,
    INTEGRITY_TYPES,
    LIGHTNING_METHODS,
    LIST_MEDIUMS,
    LOCATION_RELS,
    MEDIUMS,
    NUMBER,
    OSM,
    PERSON_ROLES,
    SERVICE_SLUGS,
    SOCIAL_PROTOCOLS,
    TRANSCRIPT_TYPES,
    is_geo,
    is_listed_license,
    rrule_problem,
    split_problem,
)

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Value:
    """A rule on one value of a tag: its node text (attr None) or an attribute; empty values are left to
    TagSpec.required and TagSpec.node."""

    attr: str | None
    test: Callable[[str], bool]
    problem: str  # formatted with {value}
    hint: str
    rule: str = "psp/tag-value"
    severity: Callable = error


@dataclass(frozen=True)
class TagSpec:
    """What the namespace says of one podcast: tag: where it may stand, and what its values must be."""

    parents: tuple[str, ...]
    single: bool = False
    required: tuple[str, ...] = ()  # attributes
    urls: tuple[str, ...] = ()  # attributes holding URLs
    numbers: tuple[str, ...] = ()  # attributes holding non-negative numbers
    node: str | None = None  # "text" (must not be blank), "integer", "decimal"
    limits: tuple[tuple[str, int], ...] = ()  # ("" for the node value, or an attribute) -> characters
    values: tuple[Value, ...] = ()  # enumerated and patterned values
    checks: tuple[Callable, ...] = ()  # check(scope, element) -> findings, for what one value cannot tell


def _one_of(allowed) -> Callable[[str], bool]:
    return lambda value: value in allowed


def _matches(pattern) -> Callable[[str], bool]:
    return lambda value: bool(pattern.match(value))


YES_NO = Value(None, _one_of(("yes", "no")), "'{value}' is not yes or no", "write yes or no")
TRUE_FALSE = ("true", "false")


def _children(name: str, hint: str, *, exactly_one: bool = False) -> Callable:
    """A check that the element holds podcast:<name> children (at least one, or exactly one)."""

    def check(scope: Scope, element) -> list[Finding]:
        count = len(element.findall(f"{{{PODCAST_NS}}}{name}"))
        if count == 0 or (exactly_one and count > 1):
            return [error("psp/tag-value", scope.where(element, child=f"podcast:{name}"),
                          "missing" if count == 0 else f"has {count}", hint)]  # fmt: skip
        return []

    return check


def _pubdate(scope: Scope, element) -> list[Finding]:
    try:
        parse_rfc2822(element.get("pubdate") or "")
    except ValueError as e:
        hint = "write e.g. Thu, 01 Apr 2021 08:00:00 -0500"
        where = scope.where(element, attr="pubdate")
        return [error("psp/tag-value", where, str(e), hint)] if element.get("pubdate") else []
    return []


def _splits(scope: Scope, element) -> list[Finding]:
    splits = [r.get("split", "").strip() for r in element.findall(f"{{{PODCAST_NS}}}valueRecipient")]
    if not all(s.isdigit() for s in splits):
        return []  # valueRecipient's own rules name a split that is not a number
    problem = split_problem([int(s) for s in splits])
    if not problem:
        return []
    if not splits:
        return [error("psp/value-split", scope.where(element), problem, "add a podcast:valueRecipient")]
    # The namespace calls splits shares ("never assumed to add up to 100"; its own example adds up to 101), so
    # another's feed is valid with any total; feedtool's own config holds them to 100, and so does this warning.
    hint = "apps that read splits as percentages pay out otherwise: give each recipient its percentage, together 100"
    return [warning("psp/value-split", scope.where(element), problem, hint)]


def _lightning_method(scope: Scope, element) -> list[Finding]:
    method = (element.get("method") or "").strip()
    if (element.get("type") or "").strip() != "lightning" or not method or method in LIGHTNING_METHODS:
        return []
    where, hint = scope.where(element, attr="method"), "write keysend (or amp), as the namespace asks for lightning"
    return [error("psp/tag-value", where, f"'{method}' is not a lightning payment method", hint)]


def _custom_license_url(scope: Scope, element) -> list[Finding]:
    value = text(element)
    if not value or element.get("url") or is_listed_license(value):
        return []
    hint = "write an SPDX identifier such as cc-by-4.0, or give the url of the license's text"
    problem = f"'{value}' is not in the namespace's license list (SPDX), so it needs a url attribute"
    return [error("psp/tag-value", scope.where(element, attr="url"), problem, hint)]


def _rrule(scope: Scope, element) -> list[Finding]:
    rrule = (element.get("rrule") or "").strip()
    problem = rrule_problem(rrule) if rrule else None
    if problem is None and "COUNT=" in rrule.upper() and not element.get("dtstart"):
        problem = "has COUNT but no dtstart"
    hint = "write e.g. FREQ=WEEKLY;BYDAY=TU"
    return [error("psp/tag-value", scope.where(element, attr="rrule"), problem, hint)] if problem else []


def _srcset(scope: Scope, element) -> list[Finding]:
    found = []
    for entry in filter(None, (e.strip() for e in (element.get("srcset") or "").split(","))):
        parts = entry.split()
        if len(parts) != 2 or not parts[0].startswith("https://") or not re.fullmatch(r"\d+w|\d+(\.\d+)?x", parts[1]):
            where, problem = scope.where(element, attr="srcset"), f"'{entry}' is not an image URL and width"
            found.append(error("psp/tag-value", where, problem, "write each entry as https://…/cover-600.jpg 600w"))
    return found


def _publisher_medium(scope: Scope, element) -> list[Finding]:
    items = element.findall(f"{{{PODCAST_NS}}}remoteItem")
    if items and items[0].get("medium") != "publisher":
        return [error("psp/tag-value", scope.where(items[0], attr="medium"), f"is '{items[0].get('medium')}'",
                      'write medium="publisher": podcast:publisher points at a publisher feed')]  # fmt: skip
    return []


def _uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _person(scope: Scope, element) -> list[Finding]:
    """podcast:person's group and role, from the Podcast Taxonomy Project."""
    role, group = (element.get("role") or "host").strip().lower(), (element.get("group") or "cast").strip().lower()
    if group not in PERSON_ROLES:
        where, hint = scope.where(element, attr="group"), f"use one of {', '.join(PERSON_ROLES)}"
        return [warning("psp/person-role", where, f"'{group}' is not a taxonomy group", hint)]
    if role not in PERSON_ROLES[group]:
        elsewhere = [g for g, roles in PERSON_ROLES.items() if role in roles]
        hint = (f"'{role}' belongs to group '{elsewhere[0]}'" if elsewhere
                else "use a role of the Podcast Taxonomy Project, e.g. host, guest, producer")  # fmt: skip
        where = scope.where(element, attr="role")
        return [warning("psp/person-role", where, f"'{role}' is not a role of group '{group}'", hint)]
    return []


# podcast-namespace docs/1.0.md and docs/tags/*.md
TAGS = {
    "guid": TagSpec(("channel",), single=True),
    "locked": TagSpec(("channel",), single=True),
    "funding": TagSpec(("channel", "item"), required=("url",), urls=("url",), node="text", limits=(("", 128),)),
    "transcript": TagSpec(
        ("item",),
        required=("url", "type"),
        urls=("url",),
        values=(
            Value("type", _one_of(TRANSCRIPT_TYPES), "'{value}' is not a transcript type",
                  "use text/vtt, application/x-subrip, application/json, text/html or text/plain",
                  "psp/transcript-type", warning),
            Value("rel", _one_of(("captions",)), "'{value}' is not a rel",
                  'write rel="captions" for timed captions, or leave rel out', "psp/transcript-type", warning),
        ),
    ),  # fmt: skip
    "chapters": TagSpec(
        ("item",), single=True, required=("url", "type"), urls=("url",),
        values=(Value("type", _one_of((CHAPTERS_TYPE,)), "is '{value}'",
                      f'write type="{CHAPTERS_TYPE}" for JSON chapters', "psp/chapters-type", warning),),
    ),  # fmt: skip
    "soundbite": TagSpec(
        ("item",), required=("startTime", "duration"), numbers=("startTime", "duration"), limits=(("", 128),)
    ),
    "person": TagSpec(("channel", "item"), urls=("href", "img"), node="text", limits=(("", 128),), checks=(_person,)),
    "location": TagSpec(
        ("channel", "item", "liveItem"), node="text", limits=(("", 128),),
        values=(
            Value("geo", is_geo, "'{value}' is not a geo URI", "write geo:30.2672,97.7431"),
            Value("osm", _matches(OSM), "'{value}' is not an OpenStreetMap id", "write e.g. R113314"),
            Value("rel", _one_of(LOCATION_RELS), "'{value}' is not a location rel", "write subject or creator"),
        ),
    ),  # fmt: skip
    "season": TagSpec(("item",), single=True, node="integer", limits=(("name", 128),)),
    "episode": TagSpec(("item",), single=True, node="decimal", limits=(("display", 32),)),
    "trailer": TagSpec(
        ("channel",),
        required=("url", "pubdate"),
        urls=("url",),
        numbers=("length", "season"),
        node="text",
        limits=(("", 128),),
        checks=(_pubdate,),
    ),
    "license": TagSpec(
        ("channel", "item"), single=True, urls=("url",), node="text", limits=(("", 128),), checks=(_custom_license_url,)
    ),
    "alternateEnclosure": TagSpec(
        ("item",), required=("type",), numbers=("length", "bitrate", "height"), limits=(("title", 32), ("rel", 32)),
        checks=(_children("source", 'give at least one <podcast:source uri="…"/>'),),
    ),  # fmt: skip
    "source": TagSpec(("alternateEnclosure",), required=("uri",)),
    "integrity": TagSpec(
        ("alternateEnclosure",), single=True, required=("type", "value"),
        values=(Value("type", _one_of(INTEGRITY_TYPES), "'{value}' is not an integrity type",
                      "write sri or pgp-signature"),),
    ),  # fmt: skip
    "value": TagSpec(  # several may stand side by side, one a payment layer (docs/tags/value.md: count multiple)
        ("channel", "item", "liveItem"), required=("type", "method"), numbers=("suggested",),
        checks=(_children("valueRecipient", 'give at least one <podcast:valueRecipient …/>'), _splits,
                _lightning_method),
    ),  # fmt: skip
    "valueRecipient": TagSpec(
        ("value", "valueTimeSplit"), required=("type", "address", "split"), numbers=("split",),
        values=(Value("fee", _one_of(TRUE_FALSE), "'{value}' is not true or false", "write true or false"),),
    ),  # fmt: skip
    "valueTimeSplit": TagSpec(("value",), required=("startTime", "duration"), numbers=("startTime", "duration")),
    "medium": TagSpec(
        ("channel",), single=True, node="text",
        values=(Value(None, _one_of(MEDIUMS + LIST_MEDIUMS), "'{value}' is not a medium",
                      f"use one of {', '.join(MEDIUMS)}", "psp/medium"),),
    ),  # fmt: skip
    "txt": TagSpec(("channel", "item"), node="text", limits=(("", 4000), ("purpose", 128))),
    "images": TagSpec(("channel", "item"), single=True, required=("srcset",), checks=(_srcset,)),
    "image": TagSpec(("channel", "item"), required=("href",), urls=("href",)),
    "block": TagSpec(
        ("channel",), node="text",
        values=(YES_NO, Value("id", _one_of(SERVICE_SLUGS), "'{value}' is not a service slug",
                              "use a slug of the podcast namespace's serviceslugs.txt, e.g. google", severity=warning)),
    ),  # fmt: skip
    "updateFrequency": TagSpec(
        ("channel",), single=True, node="text", limits=(("", 128),), checks=(_rrule,),
        values=(Value("complete", _one_of(TRUE_FALSE), "'{value}' is not true or false", "write true or false"),),
    ),  # fmt: skip
    "podroll": TagSpec(
        ("channel",), single=True, checks=(_children("remoteItem", 'list shows as <podcast:remoteItem feedGuid="…"/>'),)
    ),
    "remoteItem": TagSpec(
        ("podroll", "channel", "value", "valueTimeSplit", "publisher"), required=("feedGuid",), urls=("feedUrl",),
        values=(
            Value("feedGuid", _uuid, "'{value}' is not a UUID", "copy the other feed's podcast:guid"),
            Value("medium", _one_of(MEDIUMS + LIST_MEDIUMS), "'{value}' is not a medium",
                  f"use one of {', '.join(MEDIUMS)}"),
        ),
    ),  # fmt: skip
    "publisher": TagSpec(
        ("channel",), single=True,
        checks=(_children("remoteItem", 'give one <podcast:remoteItem medium="publisher" feedGuid="…"/>',
                          exactly_one=True), _publisher_medium),
    ),  # fmt: skip
    "liveItem": TagSpec(("channel",)),
    "contentLink": TagSpec(("liveItem", "item"), required=("href",), urls=("href",)),
    "socialInteract": TagSpec(
        ("item", "channel"), required=("protocol",), urls=("accountUrl",), numbers=("priority",),
        values=(Value("protocol", _one_of(SOCIAL_PROTOCOLS), "'{value}' is not a social protocol",
                      f"use one of {', '.join(SOCIAL_PROTOCOLS)}"),),
        checks=(lambda scope, e: [] if e.get("protocol") == "disabled" or e.get("uri") else
                [error("psp/tag-value", scope.where(e, attr="uri"), "missing", "give the root post's uri")],),
    ),  # fmt: skip
    "chat": TagSpec(("item", "liveItem"), required=("server", "protocol")),
}


def required_channel(scope: Scope) -> list[Finding]:
    found = []
    selves = [link for link in scope.element.findall(f"{{{ATOM_NS}}}link") if link.get("rel") == "self"]
    if not selves or not selves[0].get("href"):
        hint = 'add <atom:link href="<the feed\'s URL>" rel="self" type="application/rss+xml"/>; PSP-1 requires it'
        found.append(error("psp/required", scope.where(scope.element, child="atom:link"), 'no <atom:link rel="self">',
                           hint))  # fmt: skip
    if scope.child("link") is None:
        where = scope.where(scope.element, child="link")
        found.append(error("psp/required", where, "missing", "add <link>, the show's website; PSP-1 requires it"))
    # an archive page (RFC 5005) names its subscription feed as rel="current": the show's podcast:guid is
    # derived from that URL, not from the page's own
    links = scope.element.findall(f"{{{ATOM_NS}}}link")
    current = next((link.get("href") for link in links if link.get("rel") == "current"), None)
    feed_url = current or (selves[0].get("href") if selves else None)
    return found + _podcast_guid(scope, feed_url) + _locked(scope)


def required_item(scope: Scope) -> list[Finding]:
    guid = scope.child("guid")
    if guid is None or not (text(guid) or "").strip():
        where, problem = scope.where(scope.element, child="guid"), "missing" if guid is None else "is empty"
        hint = "give the episode a <guid> that never changes; PSP-1 requires it"
        return [error("psp/required", where, problem, hint)]
    return []


def _missing(scope: Scope, rule: str, child: str, hint: str) -> list[Finding]:
    """The warning for a channel tag PSP-1 recommends, when it is missing."""
    return [warning(rule, scope.where(scope.element, child=child), "missing", hint)]


def _podcast_guid(scope: Scope, feed_url: str | None) -> list[Finding]:
    element = scope.child("podcast:guid")
    if element is None:
        derived = podcast_guid(feed_url) if feed_url else "…"
        return _missing(scope, "psp/podcast-guid", "podcast:guid",
                        f"add <podcast:guid>{derived}</podcast:guid>, derived from the feed URL")  # fmt: skip
    value = (text(element) or "").strip()
    if not _uuid(value):
        hint = "use the UUIDv5 of the feed URL (see the Podcast Index namespace, guid)"
        return [error("psp/podcast-guid", scope.where(element), f"'{value}' is not a UUID", hint)]
    if feed_url and value.lower() != podcast_guid(feed_url):
        message = f"is not the one derived from the feed URL ({podcast_guid(feed_url)})"
        if scope.guid_recorded():
            hint = "kept as recorded, as the spec asks after a move"
            return [info("psp/podcast-guid", scope.where(element), message, hint)]
        hint = "keep it if the feed moved after the GUID was assigned; otherwise use the derived one"
        return [warning("psp/podcast-guid", scope.where(element), message, hint)]
    return []


def _locked(scope: Scope) -> list[Finding]:
    element = scope.child("podcast:locked")
    if element is None:
        return _missing(scope, "psp/locked", "podcast:locked",
                        "add <podcast:locked>yes</podcast:locked> so no other host imports the feed")  # fmt: skip
    found = []
    if (text(element) or "").strip() not in ("yes", "no"):
        found.append(error("psp/locked", scope.where(element), f"is '{text(element)}'", "write yes or no"))
    owner = element.get("owner")
    if owner is not None and not _EMAIL.match(owner):
        hint = "give the address that proves ownership when the feed moves"
        found.append(warning("psp/locked", scope.where(element, attr="owner"), f"'{owner}' is not an e-mail address",
                             hint))  # fmt: skip
    return found


def podcast_tags(scope: Scope) -> list[Finding]:
    """Placement, required attributes and values of every podcast: tag in the scope."""
    found = []
    counts: dict[tuple, int] = {}  # (parent, tag name) -> how many so far, for TagSpec.single
    for element, _, tag in scope.own_elements:
        if not tag.startswith(PODCAST_TAG):
            continue
        name = tag[len(PODCAST_TAG) :]
        spec = TAGS.get(name)
        if spec is None:
            hint = "check the spelling against podcastindex.org/namespace/1.0; apps ignore it"
            where = scope.where(element)
            found.append(warning("psp/unknown-tag", where, "is not a tag of the podcast namespace", hint))
            continue
        key = (id(element.getparent()), name)
        counts[key] = counts.get(key, 0) + 1
        found += _placement(scope, element, spec, counts[key])
        found += _attributes(scope, element, spec) + _node_value(scope, element, spec) + _lengths(scope, element, spec)
        for name in spec.urls:
            found += plain_http(
                scope, element, name, "psp/https", "is an http URL", "the podcast namespace asks for https URLs"
            )
        found += _tag_values(scope, element, spec)
    return found


def _placement(scope: Scope, element, spec: TagSpec, count: int) -> list[Finding]:
    """A tag in a parent it does not belong in; a second one where only one belongs (reported once)."""
    parent = element.getparent().tag.split("}")[-1]
    if parent not in spec.parents:
        hint = f"put it in {' or '.join('<' + p + '>' for p in spec.parents)}"
        return [warning("psp/placement", scope.where(element), f"does not belong in <{parent}>", hint)]
    if spec.single and count == 2:
        hint = "keep one; apps read only the first"
        return [warning("psp/placement", scope.where(element), f"appears more than once in <{parent}>", hint)]
    return []


def _attributes(scope: Scope, element, spec: TagSpec) -> list[Finding]:
    """Required attributes that are missing, and number attributes that are not numbers."""
    tag = f"<{element.prefix or 'podcast'}:{element.tag.split('}')[1]}>"
    found = [
        error("psp/tag-value", scope.where(element, attr=name), "missing", f"{tag} requires {name}")
        for name in spec.required
        if not element.get(name)
    ]
    for name in spec.numbers:
        value = element.get(name)
        if value is not None and not NUMBER.match(value.strip()):
            where, hint = scope.where(element, attr=name), "write a plain number such as 42 or 73.5"
            found.append(error("psp/tag-value", where, f"'{value}' is not a number", hint))
    return found


def _node_value(scope: Scope, element, spec: TagSpec) -> list[Finding]:
    """The tag's text as TagSpec.node asks: not blank, a whole number, or a number."""
    value = (text(element) or "").strip()
    if spec.node == "text" and not value:
        return [error("psp/tag-value", scope.where(element), "is empty", "give it a value")]
    if spec.node == "integer" and not is_digits(value):
        return [error("psp/tag-value", scope.where(element), f"'{value}' is not a whole number", "write e.g. 2")]
    if spec.node == "decimal" and not NUMBER.match(value):
        return [error("psp/tag-value", scope.where(element), f"'{value}' is not a number", "write e.g. 12 or 12.5")]
    return []


def _lengths(scope: Scope, element, spec: TagSpec) -> list[Finding]:
    """Text and attributes longer than the spec allows (TagSpec.limits)."""
    found = []
    for name, limit in spec.limits:
        content = (text(element) or "").strip() if name == "" else element.get(name) or ""
        if len(content) > limit:
            where = scope.where(element, attr=name or None)
            problem = f"is {len(content)} characters, more than the {limit} the spec allows"
            found.append(warning("psp/text-length", where, problem, "shorten it; aggregators cut longer values"))
    return found


def _tag_values(scope: Scope, element, spec: TagSpec) -> list[Finding]:
    """The enumerated and patterned values of a tag, and its own checks (spec.values, spec.checks)."""
    found = []
    for rule in spec.values:
        value = ((element.get(rule.attr) if rule.attr else text(element)) or "").strip()
        if value and not rule.test(value):
            where = scope.where(element, attr=rule.attr)
            found.append(rule.severity(rule.rule, where, rule.problem.format(value=value), rule.hint))
    for check in spec.checks:
        found += check(scope, element)
    return found


CHANNEL_RULES = (required_channel, podcast_tags)
ITEM_RULES = (required_item, podcast_tags)
