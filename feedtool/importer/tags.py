"""An imported feed's Podcasting 2.0 elements -> the front matter fields and show.toml values that make the build
write them again: item soundbite, location, txt, value, socialInteract and license; channel location, txt,
updateFrequency, podroll, value, publisher and block (the channel's trailers are read in channel.py).

Each value is converted as the build converts it (read/tag_values.py, read/episodes.py FIELDS): one the build would
refuse is left out and named, so the imported show builds. No I/O here."""

from __future__ import annotations

import math

from feedtool.check.xml import PODCAST_NS, text
from feedtool.errors import shorten
from feedtool.namespace import VALUE_SPLIT_TOTAL
from feedtool.read import tag_values
from feedtool.read.episodes import FIELDS

_RECIPIENT = {"name": "name", "type": "type", "address": "address", "split": "split", "fee": "fee",
              "customKey": "custom_key", "customValue": "custom_value"}  # fmt: skip
_REMOTE_ITEM = {"feedGuid": "feed_guid", "feedUrl": "feed_url", "itemGuid": "item_guid", "title": "title",
                "medium": "medium"}  # fmt: skip


def item_fields(item, lost: list[str]) -> dict:
    """Front matter fields, in the order written; every value text, as front matter is read."""
    fields = {
        "soundbites": _each(item, "podcast:soundbite", _soundbite, tag_values.soundbite, lost),
        "location": _each(item, "podcast:location", _location, tag_values.location, lost),
        "txt": _each(item, "podcast:txt", _txt, tag_values.txt, lost),
        "value": _value_block(item, lost, "value: in the episode's front matter"),
        "social_interact": _each(item, "podcast:socialInteract", _social, tag_values.social_interact, lost),
        **_license(item, lost),
    }
    return {key: _as_text(value) for key, value in fields.items() if value}


def channel_values(channel, lost: list[str]) -> tuple[dict, dict]:
    """(show.toml [show] keys, its tables), each in the order written."""
    blocked, allowed = _platform_blocks(channel, lost)
    keys = {"block_platforms": blocked, "allow_platforms": allowed}
    tables = {
        "location": _each(channel, "podcast:location", _location, tag_values.location, lost),
        "txt": _each(channel, "podcast:txt", _txt, tag_values.txt, lost),
        "update_frequency": _update_frequency(channel, lost),
        "podroll": _podroll(channel, lost),
        "value": _value_block(channel, lost, "[show.value]"),
        "publisher": _publisher(channel, lost),
    }
    return {k: v for k, v in keys.items() if v}, {k: v for k, v in tables.items() if v}


def _attributes(element, names: dict[str, str]) -> dict[str, str]:
    """XML attribute -> our key, for each attribute given and not blank."""
    return {ours: element.get(xml).strip() for xml, ours in names.items() if (element.get(xml) or "").strip()}


def _node(element) -> str:
    return (text(element) or "").strip()


def _converts(convert, value, what: str, lost: list[str]) -> bool:
    """Whether the build's converter takes the value; when not, its reason is said."""
    try:
        convert(value)
    except ValueError as e:
        lost.append(f"{what}: {e}")
        return False
    return True


def _each(parent, name: str, read, convert, lost: list[str]) -> list[dict]:
    """Every element of that name read into a dict (read returns it and the words that name it), the ones the
    build takes."""
    found = []
    for element in parent.children(name):
        value, label = read(element)
        if _converts(convert, value, f"{name} '{shorten(label)}'", lost):
            found.append(value)
    return found


def _soundbite(element) -> tuple[dict, str]:
    bite = _attributes(element, {"startTime": "start", "duration": "duration"})
    if _node(element):
        bite["title"] = _node(element)
    return bite, _node(element) or bite.get("start", "")


def _location(element) -> tuple[dict, str]:
    place = {"name": _node(element), **_attributes(element, {n: n for n in ("geo", "osm", "rel", "country")})}
    return {k: v for k, v in place.items() if v}, place["name"] or place.get("geo", "")


def _txt(element) -> tuple[dict, str]:
    return {"text": _node(element), **_attributes(element, {"purpose": "purpose"})}, _node(element)


def _social(element) -> tuple[dict, str]:
    names = {"protocol": "protocol", "uri": "uri", "accountId": "account_id", "accountUrl": "account_url",
             "priority": "priority"}  # fmt: skip
    social = _attributes(element, names)
    return social, social.get("uri") or social.get("protocol", "")


def _license(item, lost: list[str]) -> dict:
    element = item.child("podcast:license")
    if element is None:
        return {}
    fields = {"license": _node(element), **_attributes(element, {"url": "license_url"})}
    for key, value in fields.items():
        try:
            FIELDS[key](value)
        except ValueError as e:
            where = "url: " if key == "license_url" else ""
            lost.append(f"podcast:license '{shorten(fields['license'])}': {where}{e}")
            return {}
    return fields


def _update_frequency(channel, lost: list[str]) -> dict | None:
    kept = None
    for element in channel.children("podcast:updateFrequency"):
        if kept is not None:
            lost.append(f"a second podcast:updateFrequency '{shorten(_node(element))}': feedtool writes one")
            continue
        names = {"rrule": "rrule", "dtstart": "dtstart", "complete": "complete"}
        frequency = {"text": _node(element), **_attributes(element, names)}
        what = f"podcast:updateFrequency '{shorten(frequency['text'])}'"
        if _converts(tag_values.update_frequency, frequency, what, lost):
            if tag_values.update_frequency(frequency).complete:
                frequency["complete"] = True
            else:
                frequency.pop("complete", None)
            kept = frequency
    return kept


def _remote_item(element) -> dict:
    return _attributes(element, _REMOTE_ITEM)


def _podroll(channel, lost: list[str]) -> list[dict]:
    found = []
    for podroll in channel.children("podcast:podroll"):
        for element in podroll.iterchildren(f"{{{PODCAST_NS}}}remoteItem"):
            item = _remote_item(element)
            what = f"podcast:podroll remoteItem '{shorten(item.get('feed_guid', ''))}'"
            if _converts(tag_values.remote_item, item, what, lost):
                found.append(item)
    return found


def _publisher(channel, lost: list[str]) -> dict | None:
    """podcast:publisher's remoteItem: the publisher feed's guid and URL (what [show.publisher] holds)."""
    element = channel.child("podcast:publisher")
    remote = next(element.iterchildren(f"{{{PODCAST_NS}}}remoteItem"), None) if element is not None else None
    if remote is None:
        return None
    item = _remote_item(remote)
    publisher = {key: item[key] for key in ("feed_guid", "feed_url") if key in item}
    what = f"podcast:publisher remoteItem '{shorten(item.get('feed_guid', ''))}'"
    if not _converts(lambda p: tag_values.remote_item(p, "publisher"), publisher, what, lost):
        return None
    lost += [f"podcast:publisher remoteItem: {key} '{shorten(item[key])}' (feedtool writes the publisher's feed_guid "
             "and feed_url)" for key in ("item_guid", "title") if key in item]
    return publisher


def _platform_blocks(channel, lost: list[str]) -> tuple[list[str], list[str]]:
    """podcast:block elements as block_platforms (yes) and allow_platforms (no). A "no" without id blocks
    nothing, as no element does."""
    blocked, allowed = [], []
    for element in channel.children("podcast:block"):
        answer, slug = _node(element).lower(), (element.get("id") or "").strip()
        what = f"podcast:block id '{shorten(slug)}'" if slug else "podcast:block"
        if answer not in ("yes", "no"):
            lost.append(f"{what} '{shorten(_node(element))}' is not yes or no")
        elif slug == "all":  # feedtool's word for a block without id, not a service
            lost.append(f"{what}: 'all' is not a service slug of the podcast namespace")
        elif slug and not _converts(lambda s: tag_values.platform_blocks([s], []), slug, what, lost):
            continue
        elif answer == "yes":
            blocked.append(slug or "all")
        elif slug:
            allowed.append(slug)
    return list(dict.fromkeys(blocked)), list(dict.fromkeys(allowed))


def _value_block(parent, lost: list[str], place: str) -> dict | None:
    """The first podcast:value the build takes ([show.value] / front matter value:); later ones are named."""
    kept = None
    for element in parent.children("podcast:value"):
        if kept is not None:
            lost.append(f"a second podcast:value (type {shorten(element.get('type') or '')}): feedtool writes one "
                        "value block")
            continue
        try:
            kept = _value(element, lost, place)
        except ValueError as e:
            lost.append(f"podcast:value: {e}")
    return kept


def _value(element, lost: list[str], place: str) -> dict:
    """Raises ValueError, with the build's reason, for a block it would refuse."""
    block = _attributes(element, {"type": "type", "method": "method", "suggested": "suggested"})
    missing = [name for name in ("type", "method") if name not in block]
    if missing:  # the build would fill in lightning and keysend: a guess about the producer's payments
        raise ValueError(f"no {' and no '.join(missing)} (the namespace requires type and method)")
    recipients = []
    for i, child in enumerate(element.iterchildren(f"{{{PODCAST_NS}}}valueRecipient"), start=1):
        recipient = _attributes(child, _RECIPIENT)
        try:
            recipient["split"] = tag_values.whole(recipient, "split", required=True)
            recipient["fee"] = tag_values.flag(recipient, "fee")
        except ValueError as e:
            raise ValueError(f"recipient {i}: {e}") from None
        if not recipient["fee"]:
            del recipient["fee"]
        recipients.append(recipient)
    block["recipients"] = recipients
    splits, fees = [r["split"] for r in recipients], [r.get("fee", False) for r in recipients]
    said = []
    if recipients and sum(splits) != VALUE_SPLIT_TOTAL:
        whole, paid = percentages(splits, fees)
        for recipient, percent in zip(recipients, whole, strict=True):
            recipient["split"] = percent
        said.append(_converted(splits, fees, whole, paid, place))
    tag_values.value_block(block)
    time_splits = len(list(element.iterchildren(f"{{{PODCAST_NS}}}valueTimeSplit")))
    if time_splits:
        said.append(f"podcast:value: {time_splits} podcast:valueTimeSplit left out (feedtool writes none)")
    lost += said
    return block


def percentages(splits: list[int], fees: list[bool]) -> tuple[list[int], list[float]]:
    """The namespace's splits as the whole percentages feedtool writes (they add up to 100), and the exact
    percentage of each payment each recipient is paid. value/value.md, "Payment calculation": a fee recipient's
    split is a percentage taken off the top; the others' are shares of what is left. Whole percentages are
    rounded by largest remainder, and a recipient paid anything keeps at least 1. Raises ValueError for splits
    that pay out no whole payment."""
    fee_total = sum(s for s, fee in zip(splits, fees, strict=True) if fee)
    shares = sum(s for s, fee in zip(splits, fees, strict=True) if not fee)
    if fee_total > 100:
        raise ValueError(f"the fee recipients take {fee_total}%, more than the whole payment")
    if fee_total < 100 and not shares:
        if all(fees):
            raise ValueError(f"only fee recipients ({fee_total}% of each payment): the rest has no recipient")
        raise ValueError("the recipients' shares add up to 0: the rest of each payment has no recipient")
    paid = [float(s) if fee else (100 - fee_total) * s / shares for s, fee in zip(splits, fees, strict=True)]
    whole = [max(int(p), 1) if p > 0 else 0 for p in paid]
    by_remainder = sorted((i for i, fee in enumerate(fees) if not fee), key=lambda i: (whole[i] - paid[i], i))
    for i in by_remainder[: max(0, 100 - sum(whole))]:
        whole[i] += 1
    while sum(whole) > 100:  # the minimum of 1 for small shares took more than rounding left
        largest = max((i for i, fee in enumerate(fees) if not fee), key=lambda i: (whole[i], -i))
        if whole[largest] <= 1:
            raise ValueError("too many recipients share too little to be paid in whole percent")
        whole[largest] -= 1
    return whole, paid


def _converted(splits, fees, whole, paid, place: str) -> str:
    def listed(values, fee_marks=False) -> str:
        numbers = (str(int(v)) if float(v).is_integer() else str(round(v, 2)) for v in values)
        return ", ".join(n + (" (fee)" if fee_marks and fee else "") for n, fee in zip(numbers, fees, strict=True))

    exact = all(math.isclose(w, p) for w, p in zip(whole, paid, strict=True))
    rounded = "" if exact else f" (rounded to whole percent from {listed(paid)}; check " \
                               f"them in {place})"
    return (f"podcast:value: the splits {listed(splits, True)} add up to {sum(splits)}, not 100 (the namespace reads "
            f"them as shares): written as the percentages they pay, {listed(whole)}{rounded}")


def _as_text(value):
    """A value as front matter holds it: text (numbers, and booleans as true / false), in lists and tables."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return [_as_text(v) for v in value]
    if isinstance(value, dict):
        return {k: _as_text(v) for k, v in value.items()}
    return str(value)
