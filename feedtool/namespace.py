"""The Podcast Index namespace's names, value sets and limits (podcast-namespace docs/1.0.md, docs/tags/*.md and
its lists: serviceslugs.txt, socialprotocols.txt, taxonomy.json), shared by what reads them from show.toml and
front matter and by check's rules."""

import functools
import re

# Podcast Taxonomy Project (podcast-namespace taxonomy.json), group -> roles, lower case as compared
# (role and group are case-insensitive). The file's own spelling is kept, "translater" included.
PERSON_ROLES: dict[str, tuple[str, ...]] = {
    "creative direction": (
        "director",
        "assistant director",
        "executive producer",
        "senior producer",
        "producer",
        "associate producer",
        "development producer",
        "creative director",
    ),
    "cast": ("host", "co-host", "guest host", "guest", "voice actor", "narrator", "announcer", "reporter"),
    "writing": (
        "author",
        "editorial director",
        "co-writer",
        "writer",
        "songwriter",
        "guest writer",
        "story editor",
        "managing editor",
        "script editor",
        "script coordinator",
        "researcher",
        "editor",
        "fact checker",
        "translater",
        "transcriber",
        "logger",
    ),
    "audio production": (
        "studio coordinator",
        "technical director",
        "technical manager",
        "audio engineer",
        "remote recording engineer",
        "post production engineer",
    ),
    "audio post-production": (
        "audio editor",
        "sound designer",
        "foley artist",
        "composer",
        "theme music",
        "music production",
        "music contributor",
    ),
    "administration": (
        "production coordinator",
        "booking coordinator",
        "production assistant",
        "content manager",
        "marketing manager",
        "sales representative",
        "sales manager",
    ),
    "visuals": ("graphic designer", "cover art designer"),
    "community": ("social media manager",),
    "misc.": ("consultant", "intern"),
    "video production": ("camera operator", "lighting designer", "camera grip", "assistant camera"),
    "video post-production": ("editor", "assistant editor"),
}

# podcast:medium values (podcast-namespace docs/tags/medium.md); each also has a list variant ending in "L".
MEDIUMS = ("podcast", "music", "video", "film", "audiobook", "newsletter", "blog", "publisher", "course")
LIST_MEDIUMS = tuple(m + "L" for m in MEDIUMS) + ("mixed",)

# podcast:transcript types (docs/tags/transcript.md, with the older spec's SRT spellings).
TRANSCRIPT_TYPES = (
    "text/plain",
    "text/html",
    "text/vtt",
    "application/json",
    "application/x-subrip",
    "application/srt",
    "text/srt",
)
CHAPTERS_TYPE = "application/json+chapters"

# podcast:block id values (serviceslugs.txt); "all" is feedtool's word for a block without an id.
SERVICE_SLUGS = (
    "acast", "amazon", "anchor", "apple", "audioboom", "backtracks", "bitcoin", "blubrry", "buzzsprout",
    "captivate", "castos", "fireside", "google", "hypercatcher", "libsyn", "mastodon", "megafono", "megaphone",
    "omnystudio", "overcast", "paypal", "pinecast", "podbean", "podcastaddict", "podcastindex", "podcasts.com",
    "podchaser", "podfriend", "podiant", "podigee", "podnews", "podomatic", "podserve", "podverse", "redcircle",
    "relayfm", "resonate", "rss.com", "shoutengine", "simplecast", "slack", "soundcloud", "spotify", "spreaker",
    "transistor", "twitter", "whooshkaa", "zencast",
)  # fmt: skip
SOCIAL_PROTOCOLS = ("disabled", "activitypub", "twitter", "lightning", "bluesky", "hive", "matrix", "nostr")
LOCATION_RELS = ("subject", "creator")
INTEGRITY_TYPES = ("sri", "pgp-signature")
VALUE_SPLIT_TOTAL = 100  # feedtool's rule (issue 14): the shares of a value block are percentages
# value/value.md, "Lightning": type "lightning" MUST use method keysend or amp
LIGHTNING_METHODS = ("keysend", "amp")


@functools.cache
def _listed_licenses() -> frozenset[str]:
    # +11 ms to import, paid only where a podcast:license is checked: -X importtime -c 'import license_expression'
    from license_expression import get_spdx_licensing

    # license-expression's SPDX list; its LicenseRef-scancode-* keys are ScanCode's own, not SPDX's
    known = get_spdx_licensing().known_symbols
    return frozenset(key.lower() for key in known if not key.startswith("LicenseRef-"))


def is_listed_license(value: str) -> bool:
    """An identifier of the namespace's license list (licenses.json: the SPDX list, compared in lower case).
    Any other license is a custom one, which docs/tags/license.md requires to give the url of its text."""
    return value.strip().lower() in _listed_licenses()


# Length limits in characters ("Please do not exceed … or it may be truncated by aggregators").
TITLE_LIMIT = 128  # node values of funding, soundbite, person, location, trailer, license, updateFrequency
TXT_LIMIT = 4000
PURPOSE_LIMIT = 128

# RFC 5870, as the spec uses it: latitude, longitude (in range: see is_geo), optional altitude and uncertainty
GEO = re.compile(r"^geo:(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?)(,-?\d+(\.\d+)?)?(;u=\d+(\.\d+)?)?$", re.ASCII)
OSM = re.compile(r"^[NWR]\d+(#\d+)?$", re.ASCII)  # a node, way or relation id, optionally with a revision
COUNTRY = re.compile(r"^[a-z]{2}$")  # ISO 3166-1 alpha-2, lower case as the spec's examples
NUMBER = re.compile(r"^\d+(\.\d+)?$", re.ASCII)
# RFC 5545 3.3.10 RECUR, as far as a feed needs it checked: FREQ first or anywhere, KEY=VALUE parts
RRULE_PART = re.compile(
    r"^(FREQ=(SECONDLY|MINUTELY|HOURLY|DAILY|WEEKLY|MONTHLY|YEARLY)|UNTIL=[0-9TZ:.-]+|COUNT=\d+|INTERVAL=\d+"
    r"|BY(SECOND|MINUTE|HOUR|MONTHDAY|YEARDAY|WEEKNO|MONTH|SETPOS)=[+-]?\d+(,[+-]?\d+)*"
    r"|BYDAY=([+-]?\d*(MO|TU|WE|TH|FR|SA|SU))(,[+-]?\d*(MO|TU|WE|TH|FR|SA|SU))*|WKST=(MO|TU|WE|TH|FR|SA|SU))$"
)


def is_geo(value: str) -> bool:
    """A geo URI whose latitude is within -90..90 and longitude within -180..180 (geo:999,0 is nowhere)."""
    match = GEO.match(value)
    return bool(match) and abs(float(match[1])) <= 90 and abs(float(match[2])) <= 180


def rrule_problem(rrule: str) -> str | None:
    """What is wrong with an iCalendar recurrence rule, or None."""
    parts = rrule.upper().split(";")
    bad = next((p for p in parts if not RRULE_PART.match(p)), None)
    if bad is not None:
        return f"'{bad}' is not a part of an RFC 5545 recurrence rule"
    if sum(p.startswith("FREQ=") for p in parts) != 1:
        return "needs exactly one FREQ= part"
    return None


def split_problem(splits: list[int]) -> str | None:
    """What is wrong with the splits of a value block's recipients, or None."""
    if not splits:
        return "has no recipient"
    total = sum(splits)
    return None if total == VALUE_SPLIT_TOTAL else f"the recipients' splits add up to {total}, not 100"
