"""Atomic output: the feed is assembled from ranges of other files, renamed into place, never half-written."""

from __future__ import annotations

import errno
import os

import pytest
from conftest import build

from feedtool.build.write import Piece, atomic_write, write_feed, write_outputs
from feedtool.errors import FeedtoolError


def test_write_feed_assembles_ranges_and_reports_offsets(tmp_path):
    scratch = open(tmp_path / "scratch", "w+b")
    scratch.write(b"<a/>\n<b/>\n")
    changed, offsets = write_feed(tmp_path / "feed.xml", b"<head>\n",
                                  [Piece("b", scratch, 5, 5), Piece("a", scratch, 0, 5)], b"</tail>\n")
    assert changed
    data = (tmp_path / "feed.xml").read_bytes()
    assert data == b"<head>\n<b/>\n<a/>\n</tail>\n"
    assert data[offsets["a"][0]:][:offsets["a"][1]] == b"<a/>\n"


def test_write_feed_leaves_an_identical_feed_untouched(tmp_path):
    feed = tmp_path / "feed.xml"
    atomic_write(feed, [b"<head>\n<a/>\n</tail>\n"])
    os.utime(feed, ns=(1, 1))
    with open(feed, "rb") as old:
        changed, _ = write_feed(feed, b"<head>\n", [Piece("a", old, 7, 5)], b"</tail>\n")
    assert not changed
    assert os.stat(feed).st_mtime_ns == 1


def test_write_feed_falls_back_when_the_kernel_cannot_copy(tmp_path, monkeypatch):
    # copy_file_range is refused across some file systems (EXDEV); this simulates it, since a second
    # file system cannot be mounted in a test.
    def refuse(*args):
        raise OSError(errno.EXDEV, "cross-device")
    monkeypatch.setattr(os, "copy_file_range", refuse)
    scratch = open(tmp_path / "scratch", "w+b")
    scratch.write(b"x" * 3_000_000)
    write_feed(tmp_path / "feed.xml", b"h", [Piece("a", scratch, 0, 3_000_000)], b"t")
    assert (tmp_path / "feed.xml").read_bytes() == b"h" + b"x" * 3_000_000 + b"t"


@pytest.mark.parametrize("pages", [False, True])
def test_a_failed_write_keeps_the_old_feed_and_leaves_no_temp_file(show, tmp_path, monkeypatch, capsys, pages):
    if not pages:
        with open(show / "show.toml", "a") as config:
            config.write("\n[site]\nenabled = false\n")
    out = tmp_path / "public"
    assert build(show, out) == 0
    before = (out / "feed.xml").read_bytes()
    (show / "0001-first.md").write_text((show / "0001-first.md").read_text().replace("Episode 0001", "Changed"))

    # A full disk cannot be produced safely in a test; the OS error it causes is simulated.
    def disk_full(*args):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(os, "copy_file_range", disk_full)
    monkeypatch.setattr(os, "pread", disk_full)
    monkeypatch.setattr(os, "fsync", disk_full)  # the item built afresh is written from memory: fails at the sync
    assert build(show, out) == 1
    # with pages, they are written first (the serial build keeps them in memory): the feed still fails alone
    assert "feed.xml: cannot write the feed: No space left on device (check the output folder)" in \
        capsys.readouterr().err
    assert (out / "feed.xml").read_bytes() == before
    assert not [p for p in out.rglob("*") if ".tmp" in p.name]


def test_write_outputs_refuses_to_write_one_file_twice(tmp_path):
    with pytest.raises(FeedtoolError, match="two outputs claim the same file"):
        write_outputs({"chapters/a.json": b"1", "chapters/./a.json": b"2"}, tmp_path)


def test_write_outputs_skips_files_already_there(tmp_path):
    assert write_outputs({"a.json": b"1"}, tmp_path) == ["a.json"]
    assert write_outputs({"a.json": b"1"}, tmp_path) == []
    assert write_outputs({"a.json": b"2"}, tmp_path) == ["a.json"]


def test_outputs_are_readable_by_all_and_leave_no_temp_files(tmp_path):
    (tmp_path / "chapters").mkdir()
    leftover = tmp_path / "chapters" / f".a.json.{os.getpid()}.tmp"  # as a crashed run with our pid left it
    leftover.write_bytes(b"old")
    old_umask = os.umask(0o077)
    try:
        assert write_outputs({"chapters/a.json": b"1", "chapters/b.json": b"2"}, tmp_path) == \
            ["chapters/a.json", "chapters/b.json"]
    finally:
        os.umask(old_umask)
    assert sorted(p.name for p in (tmp_path / "chapters").iterdir()) == ["a.json", "b.json"]  # leftover replaced
    assert (tmp_path / "chapters" / "a.json").read_bytes() == b"1"
    assert oct((tmp_path / "chapters" / "a.json").stat().st_mode & 0o777) == "0o644"


def test_a_new_folder_appears_whole_and_readable_by_all(tmp_path):
    old_umask = os.umask(0o077)
    try:
        written = write_outputs({f"chapters/{i}.json": str(i).encode() for i in range(50)}, tmp_path)
    finally:
        os.umask(old_umask)
    assert written == [f"chapters/{i}.json" for i in range(50)]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chapters"]  # no staging folder left
    assert (tmp_path / "chapters" / "7.json").read_bytes() == b"7"
    assert oct((tmp_path / "chapters").stat().st_mode & 0o777) == "0o755"
    assert {oct(p.stat().st_mode & 0o777) for p in (tmp_path / "chapters").iterdir()} == {"0o644"}


def test_a_new_folder_that_fails_half_way_does_not_appear(tmp_path, monkeypatch):
    real_write, calls = os.write, []

    def write_failing_at_the_third(fd, data):  # a disk that fills up (none can be filled here safely)
        calls.append(fd)
        if len(calls) == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", write_failing_at_the_third)
    with pytest.raises(FeedtoolError, match="No space left on device"):
        write_outputs({f"chapters/{i}.json": b"{}" for i in range(5)}, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_staged_folder_beaten_to_its_place_is_a_named_error(tmp_path):
    from feedtool.build.write import StagedFolder

    with StagedFolder(tmp_path / "chapters") as staged:
        staged.add("a.json", b"{}")
        (tmp_path / "chapters").mkdir()  # another build got there first
        (tmp_path / "chapters" / "b.json").write_bytes(b"{}")
        with pytest.raises(FeedtoolError, match="cannot put the new folder in place"):
            staged.commit()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chapters"]  # the staging folder is gone
    assert [p.name for p in (tmp_path / "chapters").iterdir()] == ["b.json"]


def _dead_pid() -> int:
    pid = 4_000_000  # above the usual pid_max: no such process
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return pid
        except PermissionError:
            pass
        pid += 1


def test_files_the_live_feed_points_at_stay_until_the_new_feed_is_in_place(show, tmp_path, monkeypatch):
    from conftest import make_episode

    from feedtool.build import pipeline
    from feedtool.errors import FeedtoolError

    make_episode(show, "0002-two.md", audio="media/0002-two.mp3", date="2024-03-01", notes="00:00 A\n00:03 B\n")
    out = tmp_path / "public"
    assert build(show, out) == 0
    before = (out / "feed.xml").read_bytes()
    assert b"chapters/0002-two.json" in before
    (show / "0002-two.md").unlink()

    def killed(*args):  # the moment between the chapters and the feed
        raise FeedtoolError("killed here")

    monkeypatch.setattr(pipeline, "write_feed", killed)
    assert build(show, out) == 1
    assert (out / "feed.xml").read_bytes() == before
    assert (out / "chapters/0002-two.json").exists()  # the live feed still points at it
    assert (out / "0002-two/index.html").exists()  # and links to its page (the kill test found it gone)
    monkeypatch.undo()
    assert build(show, out) == 0
    assert not (out / "chapters/0002-two.json").exists() and not (out / "0002-two").exists()


def test_a_killed_builds_temp_files_are_cleared_by_the_next_build(show, tmp_path):
    out = tmp_path / "public"
    assert build(show, out) == 0
    dead, alive = _dead_pid(), os.getppid()
    leftovers = [out / f".feed.xml.{dead}.tmp", out / "chapters" / f".0001-first.json.{dead}.tmp"]
    (out / "chapters").mkdir(exist_ok=True)
    for path in leftovers:
        path.write_bytes(b"x" * 1000)
    (out / f".chapters.{dead}.tmp").mkdir()  # a staging folder
    live = out / f".feed.xml.{alive}.tmp"  # another build's, still running: not ours to remove
    live.write_bytes(b"y")
    assert build(show, out) == 0
    assert not any(p.exists() for p in leftovers) and not (out / f".chapters.{dead}.tmp").exists()
    assert live.exists()


def test_temp_files_of_a_killed_cache_save_or_guid_pin_are_cleared(show, tmp_path):
    """The cache index and the GUIDs written into episode files and show.toml are atomic writes too: a build
    killed during one leaves its temp file, which the next build that writes there removes."""
    from conftest import make_episode

    out, dead = tmp_path / "public", _dead_pid()
    assert build(show, out) == 0
    make_episode(show, "0002-two.md", audio="media/0002-two.mp3", date="2024-03-01", guid=None)
    (show / "show.toml").write_text((show / "show.toml").read_text().replace("\nguid = ", "\n# guid = "))
    leftovers = [show / ".feedtool" / f".{next((show / '.feedtool').glob('*.cache')).name}.{dead}.tmp",
                 show / f".0002-two.md.{dead}.tmp", show / f".show.toml.{dead}.tmp"]
    for path in leftovers:
        path.write_bytes(b"x" * 1000)
    assert build(show, out) == 0
    assert "guid: " in (show / "0002-two.md").read_text() and "\nguid = " in (show / "show.toml").read_text()
    assert [p.name for p in leftovers if p.exists()] == []


def test_temp_files_of_a_killed_page_write_are_cleared(show, tmp_path):
    """Pages are atomic writes in folders of their own: a build killed during one leaves its temp file there,
    which the next build that writes the page removes; an episode deleted meanwhile still loses its page (the
    temp file made the folder look like someone else's, so the page stayed online; found by the kill test)."""
    from conftest import make_episode

    out, dead = tmp_path / "public", _dead_pid()
    make_episode(show, "0002-two.md", audio="media/0002-two.mp3", date="2024-03-01")
    assert build(show, out) == 0
    leftovers = [out / "0001-first" / f".index.html.{dead}.tmp", out / "0002-two" / f".index.html.{dead}.tmp"]
    for path in leftovers:
        path.write_bytes(b"<html>half a page")
    make_episode(show, title="Retitled")  # 0001's page is written again
    (show / "0002-two.md").unlink()
    assert build(show, out) == 0
    assert [p.name for p in leftovers if p.exists()] == []
    assert not (out / "0002-two").exists() and b"Retitled" in (out / "0001-first/index.html").read_bytes()


class Killed(BaseException):
    """A SIGKILL stand-in: nothing in the build catches it."""


def test_a_new_guid_in_the_live_feed_stays_when_the_build_dies_right_after_the_feed(show, tmp_path, monkeypatch):
    """An episode without a GUID gets one on its build; if the build is killed once its feed is in place, the
    feed (served from the output folder) already shows that GUID: the next build must not make another."""
    import feedparser
    from conftest import make_episode

    from feedtool.build import pipeline

    make_episode(show, "0002-two.md", audio="media/0002-two.mp3", date="2024-03-01", guid=None)
    out = tmp_path / "public"

    def killed(*args):
        raise Killed

    monkeypatch.setattr(pipeline, "remove_stale", killed)  # the step after the feed
    with pytest.raises(Killed):
        build(show, out)
    seen = feedparser.parse((out / "feed.xml").read_bytes()).entries[0].guid
    monkeypatch.undo()
    assert build(show, out) == 0
    assert feedparser.parse((out / "feed.xml").read_bytes()).entries[0].guid == seen
    assert f"guid: {seen}" in (show / "0002-two.md").read_text()
