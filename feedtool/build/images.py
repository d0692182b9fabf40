"""podcast:images: the show's artwork in the widths of `[show] image_sizes`, made with Pillow.

The copies are build outputs (`images/` in the output folder), named after the artwork's content and the
width, so a name always means the same bytes: a rebuild finds them there and makes nothing, a new artwork
gets new names (and fresh caches), and the encoder's output is deterministic for a given Pillow.
"""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

from feedtool.build.write import remove_stale, write_outputs
from feedtool.errors import Finding, warning
from feedtool.facts import is_url
from feedtool.model import ImageSize
from feedtool.read.config import Config

FOLDER = "images"
FORMATS = {"JPEG": ".jpg", "PNG": ".png"}


def _plan(config: Config, findings: list[Finding] | None = None):
    """(the artwork's path, its width and height, its format, {width: relative output name}) or None."""
    artwork = config.show.artwork
    if not artwork or is_url(artwork) or not config.feed.base_url or not config.show.image_sizes:
        return None  # a URL's bytes are not ours to resize; without base_url no absolute URL (the spec asks one)
    path = config.root / os.path.normpath(artwork)
    from PIL import Image, UnidentifiedImageError  # only here: Pillow's import is 15 % of a warm rebuild

    try:
        with Image.open(path) as image:
            width, height, kind = image.width, image.height, image.format
    except (OSError, UnidentifiedImageError, Image.DecompressionBombError):
        return None  # build and check already name a missing or unreadable artwork
    if kind not in FORMATS:
        if findings is not None:
            findings.append(
                warning("config/value", f"{config.path}:show.artwork", f"is {kind}, not JPEG or PNG",
                        "no podcast:images sizes are made; use a JPEG or PNG cover")
            )
        return None
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:10]
    stem = Path(artwork).stem
    widths = sorted(w for w in set(config.show.image_sizes) if w < width)
    names = {w: f"{FOLDER}/{stem}-{digest}-{w}w{FORMATS[kind]}" for w in widths}
    return path, (width, height), kind, names


def artwork_sizes(config: Config, findings: list[Finding]) -> tuple[ImageSize, ...]:
    """The srcset: the artwork itself at its width, then each smaller copy, widest first."""
    plan = _plan(config, findings)
    if plan is None:
        return ()
    path, (width, height), _, names = plan
    original = ImageSize(config.url_for(config.relative_path(path)), width, height)
    return (original,) + tuple(
        ImageSize(config.url_for(names[w]), w, _scaled_height(height, width, w)) for w in sorted(names, reverse=True)
    )


def _scaled_height(height: int, width: int, new_width: int) -> int:
    """The height of a copy resized to new_width, as resized() makes it."""
    return max(1, round(height * new_width / width))


def resized(path: Path, width: int, kind: str) -> bytes:
    from PIL import Image  # see _plan

    with Image.open(path) as image:
        height = _scaled_height(image.height, image.width, width)
        copy = image.convert("RGB" if kind == "JPEG" else "RGBA" if "A" in image.mode else "RGB")
        copy = copy.resize((width, height), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    if kind == "JPEG":
        copy.save(buffer, "JPEG", quality=85, optimize=True)
    else:
        copy.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def write_images(config: Config, out_dir: Path) -> list[str]:
    """Make the copies the feed names that are not in the output folder yet (before the feed is written)."""
    plan = _plan(config)
    if plan is None:
        return []
    path, _, kind, names = plan
    missing = {name: resized(path, w, kind) for w, name in names.items() if not (out_dir / name).is_file()}
    return write_outputs(missing, out_dir)


def remove_stale_images(config: Config, out_dir: Path) -> list[str]:
    """Copies of an older artwork or of dropped widths (after the feed that no longer names them is in place)."""
    plan = _plan(config)
    return remove_stale(out_dir, FOLDER, set(plan[3].values()) if plan else set())
