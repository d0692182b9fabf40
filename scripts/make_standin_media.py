#!/usr/bin/env python3
"""Generate the shipped show's stand-in media: a spoken reading of #177's notes and a square cover.

The real recording of Ukraine In Flames #177 is not available, so the shipped show carries an honest
stand-in: espeak-ng reads the episode's own paragraphs (and the series' credit line), lame encodes it as a
mono MP3 with a Xing/LAME header. The script prints where each paragraph starts; those times are the
episode's chapters in its front matter. Last, it runs `feedtool tag` on the show, which writes the episode's
title, show, number, date, notes, GUID, cover and chapters into the MP3, as a producer's own run would.

Needs Debian's espeak-ng and lame, and Pillow. Run from the repository root:
    python scripts/make_standin_media.py              # cover, audio, then feedtool tag
    python scripts/make_standin_media.py --tag-only   # feedtool tag alone, after editing the episode file
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import wave
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
SHOW = ROOT / "episodes"
EPISODE = SHOW / "0177-ukraine-foreign-legion.md"
AUDIO = SHOW / "media" / "0177-ukraine-foreign-legion.mp3"
COVER = SHOW / "cover.jpg"
PAUSE_SECONDS = 0.8


def paragraphs() -> list[str]:
    text = EPISODE.read_text("utf-8").split("\n---\n", 1)[1]
    notes = [p.strip() for p in text.split("\n\n") if p.strip()]
    import tomllib

    # the reading ends with the show's description, as the series' episodes end with their standing credit
    about = tomllib.loads((SHOW / "show.toml").read_text("utf-8"))["show"]["description"]
    return notes + [about.strip()]


def speak(text: str, path: Path) -> float:
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "165", "-w", str(path), text], check=True)
    with wave.open(str(path)) as w:
        return w.getnframes() / w.getframerate()


def make_audio() -> list[float]:
    """Speak each paragraph, join them with a pause, encode; return each paragraph's start in seconds."""
    starts, frames, params = [], [], None
    position = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for i, text in enumerate(paragraphs()):
            part = Path(tmp) / f"{i}.wav"
            speak(text, part)
            with wave.open(str(part)) as w:
                params = params or w.getparams()
                data = w.readframes(w.getnframes())
                silence = b"\0" * int(PAUSE_SECONDS * w.getframerate()) * w.getsampwidth()
                starts.append(round(position, 1))
                frames.append(data + silence)
                position += (len(data) + len(silence)) / (w.getframerate() * w.getsampwidth())
        joined = Path(tmp) / "all.wav"
        with wave.open(str(joined), "wb") as w:
            w.setparams(params)
            w.writeframes(b"".join(frames))
        AUDIO.parent.mkdir(parents=True, exist_ok=True)
        # ABR mono around 32 kbit/s: small enough to ship (< 1 MB), clear enough for speech, and with a
        # Xing/LAME header (a CBR frame this small has no room for LAME's "Info" header)
        subprocess.run(
            [
                "lame",
                "--quiet",
                "-m",
                "m",
                "--abr",
                "32",
                "--resample",
                "22.05",
                "--noreplaygain",
                str(joined),
                str(AUDIO),
            ],
            check=True,
        )
    return starts


def make_cover() -> None:
    """1400 x 1400 RGB JPEG: the show's name on a dark ground with a flame-coloured band."""
    size = 1400
    image = Image.new("RGB", (size, size), (20, 24, 38))
    draw = ImageDraw.Draw(image)
    for y in range(size // 2, size):  # a band from dark blue into ember orange
        t = (y - size // 2) / (size // 2)
        draw.line([(0, y), (size, y)], fill=(int(20 + 215 * t), int(24 + 90 * t), int(38 - 20 * t)))
    draw.rectangle([0, 0, size, 36], fill=(0, 87, 183))
    draw.rectangle([0, 36, size, 72], fill=(255, 215, 0))
    font = ImageFont.load_default(size=170)
    for i, word in enumerate(("UKRAINE", "IN FLAMES")):
        box = draw.textbbox((0, 0), word, font=font)
        draw.text(((size - (box[2] - box[0])) // 2, 360 + i * 230), word, font=font, fill=(250, 246, 236))
    small = ImageFont.load_default(size=54)
    line = "Ukraine Crisis Media Center · NGO “Euroatlantic Course”"
    box = draw.textbbox((0, 0), line, font=small)
    draw.text(((size - (box[2] - box[0])) // 2, 1180), line, font=small, fill=(250, 246, 236))
    image.save(COVER, "JPEG", quality=85, optimize=True)


def tag() -> int:
    """feedtool tag, from this checkout, on the shipped show: the MP3's tags come from the episode file."""
    command = [sys.executable, "-m", "feedtool", "tag", str(SHOW.relative_to(ROOT))]
    return subprocess.run(command, cwd=ROOT, check=False).returncode


def main(argv: list[str]) -> int:
    if "--tag-only" not in argv:
        make_cover()
        starts = make_audio()
        print(f"wrote {COVER.relative_to(ROOT)} and {AUDIO.relative_to(ROOT)} ({AUDIO.stat().st_size} bytes)")
        print("paragraph starts (seconds):", ", ".join(f"{s:.1f}" for s in starts))
    status = tag()
    print(f"{AUDIO.relative_to(ROOT)}: {AUDIO.stat().st_size} bytes with its tags")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
