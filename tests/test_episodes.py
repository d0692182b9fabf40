"""read/episodes.py: the front matter readers held to PyYAML's BaseLoader, and the split into front matter
and notes held to the plain line-by-line reading."""

from pathlib import Path

import pytest


def test_the_front_matter_loader_reads_yaml_as_pyyamls_base_loader():
    import yaml

    from feedtool.read.frontmatter import _front_matter_loader

    documents = [
        (Path(__file__).parent / "data" / "shipped-show" / "0177-ukraine-foreign-legion.md").read_text().split("---")[1],
        "number: 0177\ntitle: No\nexplicit: true\ndate: 2022-03-06T10:00:00+02:00\nseason: 1.0\n",
        "a: &x [1, 2]\nb: *x\nc: {d: e, f: [g, ~]}\nk: |\n  block\n  text\nl: >\n  folded\n  text\n",
        "x: [a, {b: c}]\n? complex\n: value\n'quoted': \"esc\\taped \\u00e9\"\nempty:\nnull: null\n",
        "people:\n  - name: A\n    role: host\n  - {name: B, role: guest}\nkeywords: [a, 'b, c']\n",
        "s: &s text\nt: *s\nu: !!int 5\nv: !custom x\n",
        "m: &m {a: b}\nn: *m\no: [*m, *m]\nlist:\n- &i item\n- *i\n- [x, *i, {y: *i}]\na: 1\na: 2\n",
    ]
    for document in documents:
        ours, theirs = yaml.load(document, Loader=_front_matter_loader()), yaml.load(document, Loader=yaml.BaseLoader)
        assert ours == theirs
        if "n" in theirs:  # an alias is the same object, as with PyYAML
            assert (ours["m"] is ours["n"]) == (theirs["m"] is theirs["n"]) == (ours["o"][0] is ours["m"])
    for broken in ("title: [unclosed\n", "a: &a [*a]\n", "{[a]: b}\n"):  # bad syntax, recursion, unhashable key
        with pytest.raises(yaml.YAMLError):
            yaml.load(broken, Loader=yaml.BaseLoader)
        with pytest.raises(yaml.YAMLError):
            yaml.load(broken, Loader=_front_matter_loader())


def test_front_matter_split_as_line_by_line():
    """split_front_matter finds the closing line with one regular expression: held to the plain reading (split
    at newlines, the first line whose rstrip() is --- or ... closes) on random texts, odd whitespace included."""
    import random

    from feedtool.errors import EpisodeError
    from feedtool.read.frontmatter import split_front_matter

    def line_by_line(text):
        lines = text.split("\n")
        for i, line in enumerate(lines[1:], start=1):
            if line.rstrip() in ("---", "..."):
                return "\n".join(lines[1:i]), "\n".join(lines[i + 1 :]), i + 2
        return None

    pieces = ["---", "...", "--- ", "---\t", "---\r", " ---", "----", "a: b", "", "\u00a0", "---\u00a0", "..\n.",
              "\x0b", "---\x0c", "\u2028", "---\u2028x", "\x85", "title: x --- y"]
    rng = random.Random(177)
    for _ in range(20_000):
        text = "---" + rng.choice(["", " ", "\r"]) + "\n" + "\n".join(rng.choices(pieces, k=rng.randint(0, 6)))
        try:
            split = split_front_matter(text, "e.md")
        except EpisodeError:
            split = None
        assert split == line_by_line(text), repr(text)


def test_flat_front_matter_reads_as_pyyamls_base_loader():
    """The flat front matter reader (frontmatter._flat_front_matter) against PyYAML's BaseLoader on random
    front matter: where it reads a file, it reads what PyYAML reads; anything else it leaves to PyYAML,
    including every file PyYAML refuses."""
    import random

    import yaml

    from feedtool.read.frontmatter import _flat_front_matter

    values = [
        "12", "0177", "2024-01-15T08:00:00+02:00", "2024-01-15 08:00", "media/0001-a.mp3", "https://x.org/a?b",
        "bench-00000012", "No", "true", "~", "null", "1.0", "1e3", "a b c", "10:00 am", "v1.", "x-y_z",
        '"Episode 12: Front"', '"Київ, 2022"', '"a # b"', '" spaced "', '"it\'s"', '""', "[a, b, c]", "[]",
        "[ukraine, legion history]", "[1.5, x/y]",
        # near misses: PyYAML's to read (or to refuse)
        "a: b", "a #b", "a # b", "a  b", "a ", " a", "-a", "- a", "a -b", "'single'", "'it''s'", '"esc\\"aped"',
        '"back\\\\slash"', '"tab\\there"', "[a,b]", "[a , b]", "[ a]", "[a: b]", "[a, [b]]", "{a: b}", "&x a",
        "*x", "!tag a", "|", ">", "%a", "@a", "`a`", "a:", "a::b", "Київ", "a\tb", "a\x07b", "\ufeffa", "a\u00a0b",
        "https://x.org/#frag", "[a, 'b']", '"unclosed', "[unclosed", "a]", "a,b", "?a", ":a", "a'b",
        '"bell\x07"', '"tab\there"', '"no\u00a0break"', '"\ufeffmark"', '"\\x41"', '"a\\"',
    ]
    keys = ["title", "number", "date", "audio", "guid", "keywords", "x", "_a", "a1", "title", "2key", "k-y", "k y"]
    rng = random.Random(2024)
    read = 0
    for _ in range(6000):
        lines = []
        for _ in range(rng.randint(0, 7)):
            if rng.random() < 0.05:
                lines.append(rng.choice(["", "  indented: x", "# comment", "- item", "key:", "key:value", "k: v # c"]))
            else:
                lines.append(f"{rng.choice(keys)}: {rng.choice(values)}")
        front = "\n".join(lines) + rng.choice(["", "\n", "\n\n"])
        try:
            expected = yaml.load(front, Loader=yaml.BaseLoader) or {}
        except yaml.YAMLError:
            expected = None
        got = _flat_front_matter(front)
        if got is not None:
            read += 1
            assert got == expected, repr(front)
    assert read > 1000  # the reader is used, not only deferred


def test_a_date_whose_zone_then_had_seconds_in_its_offset_is_written_in_utc(tmp_path, capsys):
    """Kyiv's local mean time until 1924 was +02:02:04; RFC 2822 offsets are whole minutes (it was written as
    +020204, and the build blamed the producer for an invalid date)."""
    import feedparser
    from conftest import build, make_episode, write_config

    show = tmp_path / "show"
    write_config(show, show={"timezone": "Europe/Kyiv"})
    make_episode(show, date="1920-06-01T12:00:00")
    make_episode(show, "0002-two.md", audio="media/0002-two.mp3", date="1921-06-01T12:00:00+02:02:04")
    assert build(show, tmp_path / "out") == 0, capsys.readouterr().err
    feed = (tmp_path / "out" / "feed.xml").read_bytes()
    assert b"<pubDate>Tue, 01 Jun 1920 09:57:56 +0000</pubDate>" in feed
    assert b"<pubDate>Wed, 01 Jun 1921 09:57:56 +0000</pubDate>" in feed
    assert feedparser.parse(feed).bozo == 0
