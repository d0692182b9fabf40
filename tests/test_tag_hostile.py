"""feedtool tag against hostile and odd input: files it may not write, files that change under it, a full disk,
odd text and pictures, and two runs at once. Each case ends in a clear error (file, what, how to fix; exit 1;
no traceback) with the audio unchanged, or in a tagged file that real readers (mutagen, ffprobe) read back.

Running as root (CI), permissions do not stop writes: a read-only file or folder is made with `chattr +i`
(the immutable flag, which stops root too) on file systems that have it, and with chmod otherwise."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import stat
import subprocess
import sys
import time
import warnings
from pathlib import Path

import podcastparser
import pytest
from conftest import BASE_URL, make_episode, make_m4a, make_mp3, run_cli, write_config
from mutagen.id3 import ID3
from mutagen.mp4 import MP4
from PIL import Image
from servers import ROOT, subprocess_env
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


@contextlib.contextmanager
def read_only(path: Path):
    """path made read-only for this process: chattr +i as root (chmod does not stop root), chmod otherwise."""
    if os.geteuid() == 0:
        if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode != 0:
            pytest.skip("running as root on a file system without chattr +i: nothing makes a file read-only")
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(path)], check=True)
    else:
        mode = path.stat().st_mode
        path.chmod(mode & ~0o222)
        try:
            yield
        finally:
            path.chmod(mode)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("what", ["file", "folder"])
@pytest.mark.parametrize("kind", ["mp3", "m4a"])
def test_a_read_only_file_or_folder_is_a_clear_error(tmp_path, capsys, kind, what):
    """Both ended in a traceback: PermissionError from the temp file (folder) or from the rename (file)."""
    show, audio = tagged_show(tmp_path, kind)
    before = snapshot(audio.parent)
    with read_only(audio if what == "file" else audio.parent):
        assert run_cli("tag", show) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: {audio}: ") and "Traceback" not in err, err
    reason = "the file is read-only" if what == "file" else "its folder is read-only"
    assert err == (f"error: {audio}: cannot write its tags: {reason} (the file was not changed; make it writable, "
                   "then run feedtool tag again)\n")
    assert snapshot(audio.parent) == before
    assert run_cli("-q", "tag", show) == 0  # once writable, tag goes through


@contextlib.contextmanager
def small_disk(tmp_path: Path, size: str = "2m"):
    """A real file system of a few MB (tmpfs), mounted for the test; skipped where mounting is not allowed."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount)],
                      capture_output=True).returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root): no real full disk to try")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=True)


def fill(disk: Path, leave: int) -> None:
    """Fill the disk, then free `leave` bytes."""
    fd = os.open(disk / "filler", os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(fd, b"\0" * 65536)
    except OSError:
        pass
    try:
        while True:
            os.write(fd, b"\0" * 512)
    except OSError:
        pass
    os.ftruncate(fd, max(0, os.fstat(fd).st_size - leave))
    os.close(fd)


@pytest.mark.parametrize("kind", ["mp3", "m4a", "flac"])
@pytest.mark.parametrize("room", ["none", "for the copy"])
def test_a_full_disk_is_a_clear_error_and_changes_nothing(tmp_path, capsys, kind, room):
    """ENOSPC from a real full file system (a tmpfs of 2 MB): copying the file into its temp copy ended in a
    traceback; with room for the copy but not for the tags (a 1400 px cover), mutagen's or ffmpeg's error."""
    with small_disk(tmp_path) as disk:
        show, audio = tagged_show(disk, kind)
        before = snapshot(audio.parent)
        fill(disk, 0 if room == "none" else audio.stat().st_size + 4096)
        assert run_cli("tag", show) == 1
        err = capsys.readouterr().err
        assert "Traceback" not in err, err
        assert err == (f"error: {audio}: cannot write its tags: the disk is full (the file was not changed; "
                       "free some space, then run feedtool tag again)\n")
        assert snapshot(audio.parent) == before
        (disk / "filler").unlink()
        assert run_cli("-q", "tag", show) == 0


def test_a_file_that_turns_to_garbage_after_the_build_is_a_clear_error(tmp_path, capsys, monkeypatch):
    """The build (run by tag first) probes the audio; the file is then overwritten with garbage before tag opens
    it. Not a mock: the real build runs, and the wrapper only does what another program would do meanwhile."""
    import feedtool.tag.run as tag_run

    show, audio = tagged_show(tmp_path, "mp3")
    real_run = tag_run.run

    def build_then_overwrite(*args, **kwargs):
        result = real_run(*args, **kwargs)
        audio.write_bytes(b"\x00garbage" * 500)
        return result

    monkeypatch.setattr(tag_run, "run", build_then_overwrite)
    assert run_cli("tag", show) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: {audio}: cannot read its tags: ") and err.endswith(
        "(is it a complete audio file?)\n"), err
    assert audio.read_bytes() == b"\x00garbage" * 500


@pytest.mark.parametrize("kind", ["mp3", "m4a"])
def test_a_file_replaced_while_it_is_tagged_is_kept(tmp_path, capsys, monkeypatch, kind):
    """The producer saves a new export while tag writes its temp copy: the rename put the tagged old audio over
    the new export, which was lost. The real writer runs; the wrapper replaces the file as an editor would."""
    from feedtool.tag import formats

    show, audio = tagged_show(tmp_path, kind)
    new_export = (make_mp3 if kind == "mp3" else make_m4a)(tmp_path / f"new.{kind}", title="New export").read_bytes()
    module = formats.FORMATS[f".{kind}"]
    real_write = module.write

    def write_while_the_producer_saves(*args, **kwargs):
        real_write(*args, **kwargs)
        (audio.parent / "export.tmp").write_bytes(new_export)
        os.replace(audio.parent / "export.tmp", audio)

    monkeypatch.setattr(module, "write", write_while_the_producer_saves)
    assert run_cli("tag", show) == 1
    assert capsys.readouterr().err == (f"error: {audio}: changed while it was being tagged (it was kept as it is "
                                       "now; run feedtool tag again)\n")
    assert audio.read_bytes() == new_export
    assert sorted(p.name for p in audio.parent.iterdir()) == [audio.name]
    monkeypatch.undo()
    assert run_cli("-q", "tag", show) == 0


@pytest.fixture(scope="module")
def pixel_bomb(tmp_path_factory) -> bytes:
    """A 20000×20000 PNG of 50 KB: more pixels than Pillow agrees to open (its decompression bomb limit)."""
    path = tmp_path_factory.mktemp("bomb") / "bomb.png"
    Image.new("1", (20000, 20000)).save(path, "PNG")
    return path.read_bytes()


@pytest.mark.parametrize("where", ["artwork", "episode image", "chapter image"])
def test_an_image_too_large_to_open_is_a_clear_error(tmp_path, capsys, pixel_bomb, where):
    """Pillow's DecompressionBombError (not an OSError) went through every image check as a traceback."""
    show = tmp_path / "show"
    write_config(show, show={"artwork": "bomb.png" if where == "artwork" else "cover.jpg"})
    (show / "bomb.png").write_bytes(pixel_bomb)
    front = {"image": "bomb.png"} if where == "episode image" else {}
    notes = "Notes.\n\n00:00 Intro\n" if where != "chapter image" else "Notes."
    if where == "chapter image":
        front["chapters"] = [{"start": "00:00", "title": "Intro", "image": "bomb.png"}]
    make_episode(show, "0001-ep.md", notes=notes, **front)
    audio = (show / "media/0001-first.mp3").read_bytes()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        assert run_cli("tag", show) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "is too large to open (400,000,000 pixels)" in err, err
    assert (show / "media/0001-first.mp3").read_bytes() == audio


def test_two_runs_at_once_leave_every_file_tagged(tmp_path):
    """Two `feedtool tag` processes started together on one show: the second to start either waits for nothing
    (all done) or refuses at once, naming the other run; every file ends tagged, the same as one run makes, and
    no temp file stays. Without a lock, the loser of a race failed midway with 'changed while it was being
    tagged', leaving its files partly done."""
    from test_tag_kill import audio_files, hidden_files, make_show, tag_command

    show = make_show(tmp_path, 12)
    reference = tmp_path / "reference"
    shutil.copytree(show, reference)
    assert run_cli("-q", "tag", reference) == 0
    env = subprocess_env()
    runs = [subprocess.Popen(tag_command(show), cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             text=True) for _ in range(2)]
    results = [(p.wait(timeout=300), p.stderr.read()) for p in runs]
    for p in runs:
        p.stderr.close()
    assert sorted(code for code, _ in results)[0] == 0, results
    for code, err in results:
        assert code == 0 or err == f"error: {show}: another feedtool tag is running on this show (wait for it to finish)\n", results
    assert audio_files(show) == audio_files(reference)
    assert hidden_files(show) == []


@pytest.mark.skipif(shutil.which("strace") is None, reason="strace shows the system calls")
def test_the_tagged_copy_reaches_the_disk_before_it_replaces_the_file(tmp_path):
    """The only copy of a producer's audio: a power cut after the rename must not leave an empty file (file
    systems such as XFS may write the rename before the data). strace, on a real run, shows the temp copy
    fsync'ed before its rename and the folder fsync'ed after."""
    show, audio = tagged_show(tmp_path, "mp3")
    log = tmp_path / "strace.log"
    subprocess.run(["strace", "-f", "-y", "-qq", "-e", "trace=fsync,fdatasync,rename,renameat,renameat2", "-o",
                    str(log), sys.executable, "-m", "feedtool", "-q", "tag", str(show)], cwd=ROOT,
                   env=subprocess_env(), check=True)
    calls = [line.split(None, 1)[1] for line in log.read_text().splitlines() if str(audio.parent) in line]
    temp = f"{audio.parent}/.{audio.name}."
    renamed = next(i for i, call in enumerate(calls) if call.startswith("rename") and f'"{audio}"' in call)
    assert any(call.startswith(("fsync(", "fdatasync(")) and f"<{temp}" in call for call in calls[:renamed]), calls
    assert any(call.startswith("fsync(") and f"<{audio.parent}>" in call for call in calls[renamed:]), calls


def test_tag_then_build_states_the_new_sizes_and_a_second_tag_changes_nothing(tmp_path, capsys):
    """Every container: the feed's enclosure lengths (read by podcastparser) are the tagged files' sizes, and a
    second tag after the build writes nothing, so the next build's feed is the same."""
    from test_tag_kill import audio_files, make_show

    show = make_show(tmp_path, 8)
    out = tmp_path / "public"
    assert run_cli("-q", "build", show, "--out", out) == 0
    assert run_cli("-q", "tag", show) == 0
    tagged = audio_files(show)
    assert run_cli("-q", "build", show, "--out", out) == 0
    feed = podcastparser.parse(BASE_URL + "feed.xml", io.BytesIO((out / "feed.xml").read_bytes()))
    lengths = {e["enclosures"][0]["url"].rsplit("/", 1)[1]: e["enclosures"][0]["file_size"] for e in feed["episodes"]}
    assert lengths == {name: len(data) for name, data in tagged.items()}
    capsys.readouterr()
    assert run_cli("tag", show) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "nothing to change: 8 files already up to date"
    assert audio_files(show) == tagged
    first = (out / "feed.xml").read_bytes()
    assert run_cli("-q", "build", show, "--out", out) == 0
    assert (out / "feed.xml").read_bytes() == first


TEXTS = {
    "rtl": "\u202bשלום עולם\u202c \u200fمرحبا\u200e – RTL",
    "emoji": "🎙️ Ep 👩‍👩‍👧 ✨ \U0001F3A7",
    "invisible": "zero\u200bwidth\ufeffbom\u2028line\u00adsoft\u0085nel",
}


@pytest.mark.parametrize("kind", ["mp3", "m4a", "opus", "flac"])
@pytest.mark.parametrize("text", sorted(TEXTS))
def test_odd_text_and_100_kb_notes_are_written_as_they_are(tmp_path, capsys, kind, text):
    """Titles and chapter titles of RTL marks, emoji sequences, invisible characters; notes of 100 KB. mutagen
    reads the title and the notes back as written; a second run changes nothing."""
    from mutagen import File as MutagenFile

    title = TEXTS[text]
    notes = ("Long notes. " * 8500)[:100_000]
    show, audio = tagged_show(tmp_path, kind, title=title)
    episode = show / "0001-ep.md"
    episode.write_text(episode.read_text("utf-8").replace("Notes.\n", notes + "\n"), "utf-8")
    assert run_cli("-q", "tag", show) == 0
    tags = MutagenFile(audio).tags
    key, notes_key = {"mp3": ("TIT2", "TDES"), "m4a": ("\xa9nam", "desc")}.get(kind, ("TITLE", "DESCRIPTION"))
    read = (lambda k: str(tags[k])) if kind == "mp3" else (lambda k: tags[k][0])
    assert read(key) == title
    assert read(notes_key) == notes.strip() + "\n\n00:00 Intro\n\n00:03 Talk"
    capsys.readouterr()
    assert run_cli("tag", show) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "nothing to change: 1 file already up to date"


def test_a_file_that_cannot_be_tagged_does_not_stop_the_others(tmp_path, capsys):
    """One read-only file among three: tag stopped at it, leaving the files after it untagged, and printed
    nothing about the one it had already written. Now every other file is tagged and reported, the error
    named, and the exit status 1."""
    show, first = tagged_show(tmp_path, "mp3")
    for n in (2, 3):
        make_episode(show, f"000{n}-ep.md", audio=f"media/000{n}-ep.mp3", date=f"2024-01-1{n}T08:00:00+00:00")
    second, third = show / "media/0002-ep.mp3", show / "media/0003-ep.mp3"
    untouched = second.read_bytes()
    with read_only(second):
        assert run_cli("tag", show) == 1
    captured = capsys.readouterr()
    assert captured.err == (f"error: {second}: cannot write its tags: the file is read-only (the file was not "
                            "changed; make it writable, then run feedtool tag again)\n")
    assert captured.out.splitlines()[0].startswith(f"{first}: wrote title, ")
    assert captured.out.splitlines()[1] == f"{second}: not tagged (the error above)"
    assert captured.out.splitlines()[2].startswith(f"{third}: wrote title, ")
    assert captured.out.splitlines()[-1] == "tagged 2 files, 0 up to date, 1 not tagged"
    assert second.read_bytes() == untouched
    assert run_cli("-q", "tag", show) == 0


def test_a_symlinked_audio_file_stays_a_link_and_its_target_is_tagged(tmp_path):
    """media/0001-ep.mp3 -> masters/0001.mp3 (a link inside the show folder, which build follows): the rename
    put a regular file in place of the link, leaving the master untagged beside a tagged copy."""
    show, audio = tagged_show(tmp_path, "mp3")
    master = show / "masters/0001.mp3"
    master.parent.mkdir()
    os.replace(audio, master)
    audio.symlink_to(Path("../masters/0001.mp3"))
    assert run_cli("-q", "tag", show) == 0
    assert audio.is_symlink() and os.readlink(audio) == "../masters/0001.mp3"
    assert str(ID3(master)["TIT2"]) == "Episode 0001"
    assert sorted(p.name for p in audio.parent.iterdir()) == [audio.name]


def test_a_run_killed_while_its_build_workers_live_does_not_lock_out_the_next(tmp_path):
    """A show big enough for build's process pool (forked workers): tag took its lock before the build, the
    workers inherited the locked file, and after a SIGKILL of tag they held it on, so the next run refused with
    'another feedtool tag is running'. Found by the long kill test (48 episodes)."""
    from test_tag_kill import make_show, tag_command

    from feedtool.build.items import PARALLEL_FROM

    show = make_show(tmp_path, PARALLEL_FROM)
    env = subprocess_env()
    process = subprocess.Popen(tag_command(show), cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
    deadline = time.monotonic() + 60
    while process.poll() is None and time.monotonic() < deadline and not children.read_text().split():
        time.sleep(0.001)
    workers = children.read_text().split() if process.poll() is None else []
    process.kill()
    process.wait()
    assert workers, "the build's workers never started: nothing was tried"
    result = subprocess.run(tag_command(show), cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
