"""An episode file's front matter: found (split_front_matter) and read (load_front_matter) as PyYAML's
BaseLoader reads it, every value a string, so YAML 1.1's surprises stay out (`number: 0177` is 177, `title: No`
is the word). Most front matter is flat and read by one regular expression; the rest by PyYAML's C loader.
tests/test_episodes.py holds both fast readers to PyYAML's BaseLoader."""

from __future__ import annotations

import functools
import re

from feedtool.errors import EpisodeError


@functools.cache
def _front_matter_loader():
    """PyYAML's C loader (~7x faster) with BaseLoader's meaning: every scalar a string, which keeps YAML 1.1
    surprises out (`number: 0177` stays 177 rather than octal 127, `title: No` stays the text "No").

    BaseResolver has no implicit or path resolvers, so every node gets its kind's default tag; BaseConstructor
    has no constructors, so a scalar is its text. Both said here directly, instead of by five Python calls
    per node (benchmarks/stages.py, front matter)."""
    import yaml
    from yaml.nodes import MappingNode, ScalarNode, SequenceNode
    from yaml.resolver import BaseResolver

    if not hasattr(yaml, "CBaseLoader"):
        return yaml.BaseLoader
    plain = yaml.CBaseLoader
    added = BaseResolver.yaml_implicit_resolvers, BaseResolver.yaml_path_resolvers, plain.yaml_constructors
    if any(added) or plain.yaml_multi_constructors:  # someone registered some: PyYAML's own way, then
        return plain
    tags = {
        ScalarNode: BaseResolver.DEFAULT_SCALAR_TAG,
        SequenceNode: BaseResolver.DEFAULT_SEQUENCE_TAG,
        MappingNode: BaseResolver.DEFAULT_MAPPING_TAG,
    }

    class FrontMatterLoader(plain):
        def resolve(self, kind, value, implicit):
            return tags[kind]

        def descend_resolver(self, current_node, current_index):
            pass

        def ascend_resolver(self):
            pass

        def construct_object(self, node, deep=False):
            return node.value if node.__class__ is ScalarNode else super().construct_object(node, deep)

        # BaseConstructor's loops, with a scalar's text taken directly (and a string key known to be hashable)
        def construct_mapping(self, node, deep=False):
            if node.__class__ is not MappingNode or any(key.__class__ is not ScalarNode for key, _ in node.value):
                return super().construct_mapping(node, deep)
            return {
                key.value: value.value if value.__class__ is ScalarNode else self.construct_object(value, deep)
                for key, value in node.value
            }

        def construct_sequence(self, node, deep=False):
            if node.__class__ is not SequenceNode:
                return super().construct_sequence(node, deep)
            return [i.value if i.__class__ is ScalarNode else self.construct_object(i, deep) for i in node.value]

    return FrontMatterLoader


_CLOSING_LINE = re.compile(r"^(?:---|\.\.\.)[^\S\n]*$", re.MULTILINE)  # `line.rstrip() in ("---", "...")`


# Flat front matter, as most episode files have it: `key: value` lines whose values are plain words (letters,
# digits and . _ / + - and inner single spaces; a colon only before another such character, as in a time),
# double-quoted text without a backslash, or a flow list of plain words. _flat_front_matter reads exactly
# these and leaves every other file to PyYAML; tests/test_build.py holds it to PyYAML's BaseLoader.
_WORD = r"[A-Za-z0-9][A-Za-z0-9._/+-]*(?::[A-Za-z0-9._/+-]+)*"
_ITEM = r"[A-Za-z0-9][A-Za-z0-9._/+-]*(?: [A-Za-z0-9._/+-]+)*"  # in a flow list: no colon
_FLAT_LINE = re.compile(
    rf'(?P<key>[A-Za-z_][A-Za-z0-9_]*):(?: (?:(?P<plain>{_WORD}(?: {_WORD})*)|"(?P<quoted>[^"\\]*)"'
    rf"|\[(?P<list>{_ITEM}(?:, {_ITEM})*)?\]))?"
)


def _flat_front_matter(front: str) -> dict | None:
    """The front matter as PyYAML's BaseLoader reads it, for flat front matter (above); None for any other
    (PyYAML reads that), a quarter of PyYAML's time (benchmarks/stages.py, front matter)."""
    lines = front.split("\n")
    if not all(map(str.isprintable, lines)):
        return None  # control characters (YAML refuses them), a byte-order mark, odd spaces: PyYAML's to judge
    data = {}
    for line in lines:
        if not line:
            continue
        match = _FLAT_LINE.fullmatch(line)
        if match is None:
            return None
        plain, quoted, items = match.group("plain", "quoted", "list")
        if plain is not None:
            data[match["key"]] = plain
        elif quoted is not None:
            data[match["key"]] = quoted
        elif items is not None:
            data[match["key"]] = items.split(", ")
        elif line.endswith("]"):  # `key: []`
            data[match["key"]] = []
        else:  # `key:`
            data[match["key"]] = ""
    return data


# PyYAML's words for the usual mistakes -> the producer's
_YAML_CONTEXTS = {
    "while scanning a quoted scalar": "the quote that opens this value is never closed",
    "while parsing a flow sequence": "the '[' list that starts here is not closed with ']'",
    "while parsing a flow mapping": "the '{' that starts here is not closed with '}'",
}


def _yaml_problem(e, front: str, where: str) -> str:
    """The line where the bad value starts (PyYAML's problem mark is where it gave up, often lines later),
    quoted, and what is wrong with it."""
    context = getattr(e, "context", None)
    mark = getattr(e, "context_mark" if context in _YAML_CONTEXTS else "problem_mark", None)
    problem = _YAML_CONTEXTS.get(context or "") or getattr(e, "problem", None) or str(e).splitlines()[0]
    if problem.startswith("mapping values are not allowed"):
        problem = "a ': ' inside a value"
    if mark is None:
        return f"{where}: front matter is not valid YAML: {problem} (check the indentation and quote values)"
    lines = front.split("\n")
    quoted = lines[mark.line].strip() if mark.line < len(lines) else ""
    quoted = quoted if len(quoted) <= 60 else quoted[:59] + "…"
    return (
        f"{where}:{mark.line + 2}: front matter is not valid YAML: {problem}: {quoted!r} "
        "(check the indentation and the quotes; put a value that contains ': ' in quotes)"
    )


def load_front_matter(front: str, where: str) -> dict:
    """The front matter's keys and values, every value text (PyYAML's BaseLoader's meaning): flat front matter
    by one regular expression, anything else by PyYAML. Raises EpisodeError naming the line of a mistake."""
    data = _flat_front_matter(front)
    if data is None:
        import yaml  # only here: a warm rebuild that reads no episode file skips its import (build_bench.py)

        try:
            data = yaml.load(front, Loader=_front_matter_loader()) if front.strip() else {}
        except yaml.YAMLError as e:
            raise EpisodeError(_yaml_problem(e, front, where)) from e
    if not isinstance(data, dict):
        raise EpisodeError(f"{where}:2: front matter must be 'key: value' lines (see README, Episode files)")
    return data


def split_front_matter(text: str, where: str) -> tuple[str, str, int]:
    """Return (front matter, body, line number where the body starts)."""
    if not text.startswith("---"):
        raise EpisodeError(f"{where}:1: no front matter (start the file with a '---' line, then title:, date:, audio:)")
    first = text.find("\n") + 1 or len(text)  # the line after the opening one
    end = _CLOSING_LINE.search(text, first)
    if end:
        return text[first : max(first, end.start() - 1)], text[end.end() + 1 :], text.count("\n", 0, end.start()) + 2
    raise EpisodeError(f"{where}: front matter is not closed (add a '---' line after the last field)")
