"""Reading feeds safely: a hardened lxml parser, the namespaces, and small helpers over elements.

The parser never loads a DTD, never resolves an entity, never touches the network and keeps lxml's limits on
tree size, so a hostile feed (XXE, billion laughs) is a finding rather than a hang or a leak.
"""

from __future__ import annotations

import functools
import re

from lxml import etree

from feedtool.errors import Finding, error
from feedtool.render.ext import ATOM_NS, CONTENT_NS, ITUNES_NS, NSMAP, PODCAST_NS, PSC_NS

PREFIXES = {uri: prefix for prefix, uri in NSMAP.items()}
# How lxml spells the start of a tag in these namespaces ("{uri}local"): rules test tags against them
ITUNES_TAG, PODCAST_TAG = f"{{{ITUNES_NS}}}", f"{{{PODCAST_NS}}}"
# What may come before the root element: white space, the XML declaration, processing instructions, comments
_PROLOG_PART = re.compile(rb"\s+|<\?.*?\?>|<!--.*?-->", re.DOTALL)
_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")

__all__ = [
    "ATOM_NS",
    "CONTENT_NS",
    "ITUNES_NS",
    "PODCAST_NS",
    "PSC_NS",
    "child",
    "children",
    "parse_feed",
    "tag_name",
    "text",
]


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
        remove_comments=True,
        remove_pis=True,
        strip_cdata=True,
    )


def parse_feed(data: bytes, where: str) -> tuple[etree._Element | None, list[Finding]]:
    """Parse feed bytes. Returns (root, findings); root is None when the bytes are no feed at all."""
    findings = []
    head = data[:1024]
    declared = _ENCODING.match(head)
    encoding = declared.group(1).decode().lower() if declared else "utf-8"
    if encoding not in ("utf-8", "utf8"):
        findings.append(
            error(
                "apple/encoding",
                where,
                f"is encoded as {encoding}",
                'save the feed as UTF-8 and declare encoding="UTF-8"',
            )
        )
    else:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as e:
            line = data[: e.start].count(b"\n") + 1
            findings.append(error("apple/encoding", f"{where}:{line}", "is not valid UTF-8", "save the feed as UTF-8"))
    doctype = error(
        "feed/xml",
        where,
        "has a DOCTYPE declaration",
        "remove it: feeds need no DTD, and parsers refuse them as unsafe",
    )
    if has_doctype(data):
        return None, findings + [doctype]
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as e:
        line = f":{e.lineno}" if getattr(e, "lineno", None) else ""
        findings.append(
            error(
                "feed/xml",
                f"{where}{line}",
                f"is not well-formed XML: {e.msg}",
                "fix the XML; every tag must be closed and & written as &amp;",
            )
        )
        return None, findings
    if root.getroottree().docinfo.doctype:  # the scan above missed it (another encoding): nothing was expanded
        return None, findings + [doctype]
    if root.tag != "rss" or root.find("channel") is None:
        findings.append(
            error(
                "feed/rss",
                where,
                f"is not an RSS 2.0 feed (root element <{tag_name(root)}>)",
                'podcast apps read RSS 2.0: <rss version="2.0"><channel>…',
            )
        )
        return None, findings
    if root.get("version") != "2.0":
        findings.append(
            error(
                "feed/rss",
                f"{where}: /rss/@version",
                f"is {root.get('version')!r}, not '2.0'",
                'write <rss version="2.0">',
            )
        )
    return root, findings


def has_doctype(data: bytes) -> bool:
    """Whether a DOCTYPE comes before the root element, after any comments and processing instructions.

    >>> has_doctype(b'<?xml version="1.0"?><!-- <rss> --><!DOCTYPE rss [<!ENTITY a "b">]><rss/>')
    True
    >>> has_doctype(b'<rss><channel><description><![CDATA[<!DOCTYPE html>]]></description></channel></rss>')
    False
    """
    position = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    while match := _PROLOG_PART.match(data, position):
        position = match.end()
    return data[position : position + 9].upper() == b"<!DOCTYPE"


def tag_name(element) -> str:
    """The tag as a feed author writes it: `itunes:duration`, with our prefixes whatever the document used."""
    tag = element.tag
    name = _KNOWN_NAMES.get(tag) if isinstance(tag, str) else ""  # not str: a comment or processing instruction
    if name is not None:
        return name
    if tag[0] != "{":
        return tag
    namespace, _, local = tag[1:].partition("}")
    prefix = PREFIXES.get(namespace)
    if prefix:  # the same for every element: remembered (a build names 200,000 elements)
        _KNOWN_NAMES[tag] = f"{prefix}:{local}"
        return _KNOWN_NAMES[tag]
    return f"{element.prefix or 'ns'}:{local}"


_KNOWN_NAMES: dict[str, str] = {}


@functools.lru_cache(maxsize=None)
def qualified(name: str) -> str:
    """`itunes:image` -> `{http://www.itunes.com/dtds/podcast-1.0.dtd}image`."""
    prefix, sep, local = name.partition(":")
    return f"{{{NSMAP[prefix]}}}{local}" if sep else name


def children(parent, name: str) -> list:
    return parent.findall(qualified(name))


def child(parent, name: str):
    # iterchildren(tag) matches what find(tag) does for a plain tag, in half the time (no path parsing)
    return next(parent.iterchildren(qualified(name)), None)


def text(element) -> str | None:
    """The element's text content (CDATA included), or None for a missing element."""
    if element is None:
        return None
    if not len(element):  # no child nodes at all (no comment, no entity): the text is all there is
        return element.text or ""
    return "".join(element.itertext())
