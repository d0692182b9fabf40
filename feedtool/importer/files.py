"""Episode files written from drafts: names, front matter, notes kept as sanitised HTML (or Markdown where that
round-trips exactly), and the record of what was imported, so a second import adds new items only."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml
from markdownify import markdownify
from slugify import slugify

from feedtool.build.show import RESERVED_NAMES
from feedtool.build.write import atomic_write
from feedtool.importer.items import Draft
from feedtool.read.episodes import NAME_PATTERN
from feedtool.read.paths import make_cache_folder
from feedtool.render.notes import ALLOWED_TAGS, render_markdown, sanitize

RECORD = Path(".feedtool") / "import.json"
SLUG_LENGTH = 60  # characters
_TAG = re.compile(r"<\s*([A-Za-z][A-Za-z0-9]*)")
_BLANK_LINE = re.compile(r"^([ \t]*)\n", re.MULTILINE)
# HTML laid out as the build's Markdown renderer writes it: paragraphs and lists, one block a line. Only such
# HTML is tried as Markdown (markdownify costs milliseconds); the render decides.
_CMARK_LAYOUT = re.compile(r"(?:(?:<p>[^\n]*</p>|<[uo]l>|</[uo]l>|<li>[^\n]*</li>)(?:\n|$))+")
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml's: ten times faster, the same YAML


def notes_markdown(html: str) -> tuple[str, list[str]]:
    """The notes for the episode file, and what sanitising removed (tag names).

    The HTML is sanitised with the build's own allow-list (render/notes.py). Markdown is written only when
    the build renders it back to exactly that HTML; otherwise the HTML itself, as one raw HTML block that
    Markdown passes through: wrapped in <div> lines (which the sanitiser removes again), with each blank line
    written as &#10; so the block does not end early and the text keeps every character."""
    removed = sorted({t.lower() for t in _TAG.findall(html)} - ALLOWED_TAGS)
    clean = sanitize(html)
    if not clean:
        return "", removed
    if _CMARK_LAYOUT.fullmatch(clean):  # else Markdown cannot give back these bytes: not worth converting
        markdown = markdownify(clean, bullets="-", escape_underscores=True, escape_asterisks=True).strip()
        if markdown and render_markdown(markdown) == clean:
            return markdown, removed
    return "<div>\n" + _BLANK_LINE.sub(lambda m: m.group(1) + "&#10;", clean) + "\n</div>", removed


# Names Windows reserves whatever the extension: a show folder with con.md cannot be checked out there.
WINDOWS_NAMES = ("con", "prn", "aux", "nul", *(f"{port}{n}" for port in ("com", "lpt") for n in range(1, 10)))


def file_name(draft: Draft, taken: set[str]) -> str:
    """NNNN-slug.md when the item has a number (and no season), else the slug; never a name already taken,
    and never a name whose leading digits the build would read as an episode number the feed did not have."""
    slug = slugify(draft.title, max_length=SLUG_LENGTH) or "episode"  # transliterated, as feedtool new does
    number, season = draft.fields.get("number"), draft.fields.get("season")
    if number and season:
        stem = f"s{int(season):02d}e{int(number):04d}-{slug}"
    elif number:
        stem = f"{int(number):04d}-{slug}"
    else:
        # not a name whose digits the build reads as a number, nor one it refuses (its own folders) or skips
        stem = f"episode-{slug}" if NAME_PATTERN.match(slug) or slug in (*RESERVED_NAMES, "readme", *WINDOWS_NAMES) \
            else slug
    name, n = f"{stem}.md", 1
    while name in taken:
        n += 1
        name = f"{stem}-{n}.md"
    taken.add(name)
    return name


def episode_text(draft: Draft, notes: str) -> str:
    front = yaml.dump(draft.fields, Dumper=_DUMPER, allow_unicode=True, sort_keys=False, width=10**6,
                      default_flow_style=False)
    return f"---\n{front}---\n{notes}\n" if notes else f"---\n{front}---\n"


def load_record(show_dir: Path) -> dict:
    try:
        data = json.loads((show_dir / RECORD).read_text("utf-8"))
    except (OSError, ValueError):
        return {"guids": {}}
    return data if isinstance(data.get("guids"), dict) else {"guids": {}}


def save_record(show_dir: Path, record: dict) -> None:
    path = show_dir / RECORD
    make_cache_folder(path.parent)
    atomic_write(path, [json.dumps(record, indent=1, ensure_ascii=False, sort_keys=True).encode()])


def existing_guids(show_dir: Path) -> dict[str, str]:
    """GUID -> episode file, for the episode files already in the folder (read loosely: a file the producer
    broke is still not overwritten, since its name is taken anyway)."""
    found = {}
    for path in sorted(show_dir.glob("*.md")):
        try:
            head = path.read_text("utf-8").split("\n---", 1)[0]
        except (OSError, UnicodeDecodeError):
            continue
        match = re.search(r"^guid:\s*(.+?)\s*$", head, re.MULTILINE)
        if match:
            try:
                value = yaml.load(match.group(1), Loader=yaml.BaseLoader)  # as the build reads it: text
            except yaml.YAMLError:
                value = match.group(1)
            found[str(value)] = path.name
    return found
