"""feedtool tag against hostile and odd input: files it may not write, files that change under it, a full disk,
odd text and pictures, and two runs at once. Each case ends in a clear error (file, what, how to fix; exit 1;
no traceback) with the audio unchanged, or in a tagged file that real readers (mutagen, ffprobe) read back.

Running as root (CI), permissions do not stop writes: a read-only file or folder is made with `chattr +i`
(the immutable flag, which stops root too) on file systems that have it, and with chmod otherwise."""

from __future__ import annotations

import stat

import pytest
from conftest import make_episode, run_cli, write_config
from mutagen.mp4 import MP4
from test_tag import make_audio


def tagged_show(tmp_path, kind: str, **front):
    show = tmp_path / "show"
    write_config(show)
    audio = make_audio(show / f"media/0001-ep.{kind}", kind)
    make_episode(show, "0001-ep.md", audio=f"media/0001-ep.{kind}", make_audio=False,
                 notes="Notes.\n\n00:00 Intro\n00:03 Talk\n", **front)
    return show, audio


@pytest.mark.parametrize("kind", ["mp3", "m4a", "opus", "flac"])
def test_tagging_keeps_the_files_permissions(tmp_path, kind):
    """An M4A with chapters came out 0600 (ffmpeg's output was a mkstemp file): a web server could not read it."""
    show, audio = tagged_show(tmp_path, kind)
    audio.chmod(0o664)
    assert run_cli("-q", "tag", show) == 0
    assert stat.S_IMODE(audio.stat().st_mode) == 0o664
    if kind == "m4a":
        assert [c.title for c in MP4(audio).chapters] == ["Intro", "Talk"]
