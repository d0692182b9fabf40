"""Apple's artwork rules (apple/artwork-size, -format, -color), read from the image itself: only its header
is decoded, never the pixels."""

from __future__ import annotations

import io
import logging

from feedtool.check.context import Scope
from feedtool.errors import Finding, error, warning
from feedtool.facts import too_many_pixels
from feedtool.urls import path_suffix, split_url

log = logging.getLogger(__name__)

MIN_SIDE, MAX_SIDE = 1400, 3000  # artwork pixels
EXTENSIONS = {"JPEG": (".jpg", ".jpeg"), "PNG": (".png",)}
RGB_MODES = ("RGB", "P")
ALPHA_MODES = ("RGBA", "RGBa", "PA", "LA", "La")


def artwork(scope: Scope) -> list[Finding]:
    element = scope.child("itunes:image")
    url = element.get("href") if element is not None else None
    if not url:
        return []
    path = scope.image_path(url)
    return check_artwork(path.read_bytes(), url, scope.where(element, attr="href")) if path else []


def check_artwork(data: bytes, url: str, where: str) -> list[Finding]:
    """Findings for the image bytes published at url. Only the header is decoded, never the pixels."""
    from PIL import Image, UnidentifiedImageError  # only channel artwork needs it: keep it off start-up

    try:
        with Image.open(io.BytesIO(data)) as image:
            kind, (width, height), mode = image.format, image.size, image.mode
            transparent = mode == "P" and "transparency" in image.info
    except Image.DecompressionBombError as e:
        return [
            error(
                "apple/artwork-size",
                where,
                too_many_pixels(e),
                f"Apple takes {MIN_SIDE}×{MIN_SIDE} to {MAX_SIDE}×{MAX_SIDE} px",
            )
        ]
    except (UnidentifiedImageError, OSError, ValueError) as e:
        log.debug("%s: Pillow cannot read it: %s", url, e)
        return [
            error("apple/artwork-format", where, "is not a readable image", "export the artwork again as JPEG or PNG")
        ]
    found = []
    suffix = path_suffix(split_url(url).path).lower()
    if kind not in EXTENSIONS:
        found.append(error("apple/artwork-format", where, f"is a {kind} image", "Apple takes JPEG or PNG only"))
    elif suffix not in EXTENSIONS[kind]:
        found.append(
            error(
                "apple/artwork-format",
                where,
                f"is a {kind} image named '{suffix or 'without extension'}'",
                f"name it {EXTENSIONS[kind][0]}: Apple checks that the extension matches the file",
            )
        )
    if width != height:
        found.append(
            error(
                "apple/artwork-size",
                where,
                f"is {width}×{height} px, not square",
                f"crop it square, between {MIN_SIDE} and {MAX_SIDE} px",
            )
        )
    elif not MIN_SIDE <= width <= MAX_SIDE:
        found.append(
            error(
                "apple/artwork-size",
                where,
                f"is {width}×{height} px",
                f"Apple takes {MIN_SIDE}×{MIN_SIDE} to {MAX_SIDE}×{MAX_SIDE} px",
            )
        )
    if mode in ALPHA_MODES or transparent:
        found.append(
            warning(
                "apple/artwork-color",
                where,
                "has transparency",
                "flatten it onto a background: Apple asks for RGB artwork without an alpha channel",
            )
        )
    elif mode not in RGB_MODES:
        found.append(
            error(
                "apple/artwork-color",
                where,
                f"uses the {mode} colour mode, not RGB",
                "convert it to RGB (Apple rejects CMYK and greyscale artwork)",
            )
        )
    return found
