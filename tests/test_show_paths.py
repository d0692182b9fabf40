"""The show folder's edges: every file a show publishes is found inside it (a symbolic link that leads out is
refused, naming the link and its target), an image is an image and a transcript is text of its type, and the
output folder and a publish target never overlap the show folder."""

from __future__ import annotations

import os
import shutil

import pytest
from conftest import build, cover_jpeg, make_episode, make_mp3, run_cli, write_config
from servers import publish_table

from feedtool.build.pipeline import BuildOptions, run
from feedtool.errors import PublishError
from feedtool.publish.plan import HashCache, gather_files
from feedtool.read.config import load_config

CHAPTERS = [{"start": "00:00", "title": "Intro", "image": "art/ch1.jpg"}]


def snapshot(folder):
    return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def elsewhere(tmp_path):
    """Files outside the show folder, each a good file of its kind, so only the link is wrong."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    make_mp3(folder / "audio.mp3")
    (folder / "cover.jpg").write_bytes(cover_jpeg())
    (folder / "secret.html").write_text("<p>the neighbour's notes</p>\n")
    return folder


@pytest.fixture
def show(tmp_path):
    """A show with audio, an alternate, a transcript, an episode image, a chapter image and artwork."""
    show = tmp_path / "show"
    write_config(show)
    make_mp3(show / "media/0001-first-low.mp3")
    (show / "art").mkdir()
    (show / "art/ep.jpg").write_bytes(cover_jpeg())
    (show / "art/ch1.jpg").write_bytes(cover_jpeg(color=(0, 0, 200)))
    make_episode(show, image="art/ep.jpg", chapters=CHAPTERS,
                 alternates=[{"file": "media/0001-first-low.mp3", "title": "Low"}])
    (show / "media/0001-first.html").write_text("<p>Hello</p>\n")
    return show


# (the file in the show folder, the file outside it that the link leads to, how the finding names the place)
LINKS = [
    ("media/0001-first.mp3", "audio.mp3", "0001-first.md: audio: 'media/0001-first.mp3'"),
    ("media/0001-first-low.mp3", "audio.mp3", "0001-first.md: alternates: 'media/0001-first-low.mp3'"),
    ("media/0001-first.html", "secret.html", "0001-first.md: transcript: 'media/0001-first.html'"),
    ("art/ep.jpg", "cover.jpg", "0001-first.md: image: 'art/ep.jpg'"),
    ("art/ch1.jpg", "cover.jpg", "0001-first.md: chapters[1] 'Intro': image: 'art/ch1.jpg'"),
    ("cover.jpg", "cover.jpg", "show.toml:show.artwork: 'cover.jpg'"),
]


@pytest.mark.parametrize(("name", "outside", "where"), LINKS, ids=[link[0] for link in LINKS])
def test_a_link_that_leads_out_of_the_show_folder_is_refused(show, elsewhere, tmp_path, capsys, name, outside, where):
    out = tmp_path / "public"
    assert build(show, out) == 0
    before = snapshot(out)
    (show / name).unlink()
    (show / name).symlink_to(elsewhere / outside)
    capsys.readouterr()
    assert build(show, out) == 1
    err = capsys.readouterr().err
    assert (f"{where} is a link to {elsewhere / outside}, outside the show folder (copy the file into the show "
            "folder instead of linking to it)") in err
    assert "Traceback" not in err and snapshot(out) == before
    www = tmp_path / "www"
    write_config(show, extra=publish_table())
    assert run_cli("publish", show, "--out", out, "--to", www) == 1
    assert not (www / name).exists()


def test_a_linked_folder_is_refused_by_the_link_in_the_path(show, elsewhere, tmp_path, capsys):
    shutil.move(show / "art", elsewhere / "art")
    (show / "art").symlink_to(elsewhere / "art")
    assert build(show, tmp_path / "public") == 1
    assert f"image: 'art' is a link to {elsewhere / 'art'}, outside the show folder" in capsys.readouterr().err


def test_a_link_that_stays_inside_the_show_folder_is_fine(show, tmp_path):
    (show / "art/ch1.jpg").unlink()
    (show / "art/ch1.jpg").symlink_to(show / "art/ep.jpg")
    assert build(show, tmp_path / "public") == 0


def test_publish_refuses_a_link_made_after_the_build(show, elsewhere, tmp_path):
    """publish reads the build's list of files: it looks at each again before it uploads it."""
    config = load_config(show)
    report, _ = run(config, BuildOptions(out_dir=tmp_path / "public"))
    (show / "media/0001-first.mp3").unlink()
    (show / "media/0001-first.mp3").symlink_to(elsewhere / "audio.mp3")
    with pytest.raises(PublishError) as raised:
        gather_files(config, report.refs, tmp_path / "public", HashCache(tmp_path / "hashes.json"))
    assert f"'media/0001-first.mp3' is a link to {elsewhere / 'audio.mp3'}" in str(raised.value)


def test_a_chapter_image_must_be_an_image(show, tmp_path, capsys):
    (show / "art/ch1.jpg").write_text("root:x:0:0:root:/root:/bin/bash\n")
    assert build(show, tmp_path / "public") == 1
    assert ("0001-first.md: chapters[1] 'Intro': image: 'art/ch1.jpg' is not an image (export it again as JPEG or "
            "PNG)") in capsys.readouterr().err


@pytest.mark.parametrize(("suffix", "text", "message"), [
    (".html", "root:x:0:0:root:/root:/bin/bash\n", "media/0001-first.html:1: has no HTML markup"),
    (".txt", "Hello\x00\x01binary", "media/0001-first.txt:1: holds the control character U+0000, so it is not text"),
])
def test_a_transcript_must_be_text_of_its_type(show, tmp_path, capsys, suffix, text, message):
    (show / "media/0001-first.html").unlink()
    (show / f"media/0001-first{suffix}").write_text(text)
    assert build(show, tmp_path / "public") == 1
    assert message in capsys.readouterr().err


def test_an_absolute_path_inside_the_show_folder_is_not_called_outside(show, tmp_path, capsys):
    make_episode(show, "0002-two.md", audio=str(show / "media/0001-first.mp3"), make_audio=False)
    assert build(show, tmp_path / "public") == 1
    err = capsys.readouterr().err
    assert (f"0002-two.md: audio: '{show / 'media/0001-first.mp3'}' is an absolute path (write it relative to the "
            "show folder: media/0001-first.mp3)") in err
    assert "outside" not in err


@pytest.mark.parametrize(("out", "problem"), [
    (".", "is the show folder itself; a build would overwrite and delete the show's own files"),
    ("public", "is inside the show folder; the build's files would mix with the show's own"),
    ("..", "holds the show folder; a build and a publish would treat the show's own files as output"),
])
def test_an_output_folder_that_overlaps_the_show_folder_is_refused(show, capsys, out, problem):
    before = snapshot(show)
    target = show / out
    assert run_cli("build", show, "--out", target) == 2
    assert capsys.readouterr().err == (f"error: --out {target}: {problem} (choose a folder outside the show folder, "
                                       "e.g. one beside it)\n")
    assert snapshot(show) == before


def test_a_system_folder_is_no_output_folder(show):
    """Tried on the function, not by a build: before the fix a build would have written /feed.xml."""
    from feedtool.read.paths import output_problem, target_problem
    for folder in ("/", "/etc", "/tmp", "/home", "~"):
        assert output_problem(show, os.path.expanduser(folder)) == "is a system folder", folder
        assert target_problem(show, None, os.path.expanduser(folder)) == "is a system folder", folder
    assert output_problem(show, show.parent / "public") is None


def test_a_configured_output_folder_that_is_the_show_folder_is_refused(show, capsys, monkeypatch):
    write_config(show, extra=f'\n[build]\nout_dir = "{show}"\n')
    (show / "chapters").mkdir()
    (show / "chapters/keep.jpg").write_bytes(cover_jpeg())
    before = snapshot(show)
    assert run_cli("build", show) == 1
    assert capsys.readouterr().err == (
        f"error: {show / 'show.toml'}:build.out_dir: '{show}' is the show folder itself; a build would overwrite and "
        "delete the show's own files (choose a folder outside the show folder, e.g. one beside it)\n"
        "error: 1 error; nothing was written\n")
    assert snapshot(show) == before


@pytest.mark.parametrize(("target", "problem"), [
    ("public/www", "is inside the build output folder; every publish would copy the output into itself"),
    ("show/www", "is inside the show folder; every publish would copy the show into itself"),
    (".", "holds the show folder; the show's own files would be served, and replaced by the publish"),
])
def test_a_publish_target_that_overlaps_the_show_or_the_output_is_refused(show, tmp_path, capsys, target, problem):
    write_config(show, extra=publish_table())
    out = tmp_path / "public"
    assert run_cli("publish", show, "--out", out, "--to", tmp_path / target) == 2
    where = (tmp_path / target).resolve()
    assert capsys.readouterr().err.endswith(
        f"error: {where}: the target {problem} (publish to the web server's document root)\n")
    assert not (tmp_path / target / "feed.xml").exists()


def test_a_trailer_linked_out_of_the_show_folder_is_refused(show, elsewhere, tmp_path, capsys):
    trailer = '[[show.trailer]]\ntitle = "Trailer"\naudio = "media/trailer.mp3"\ndate = "2024-01-01"\n'
    write_config(show, extra=trailer)
    make_mp3(show / "media/trailer.mp3")
    out = tmp_path / "public"
    assert build(show, out) == 0
    before = snapshot(out)
    (show / "media/trailer.mp3").unlink()
    (show / "media/trailer.mp3").symlink_to(elsewhere / "audio.mp3")
    capsys.readouterr()
    assert build(show, out) == 1
    err = capsys.readouterr().err
    assert (f"show.toml:show.trailer[0].audio: 'media/trailer.mp3' is a link to {elsewhere / 'audio.mp3'}, outside "
            "the show folder (copy the file into the show folder instead of linking to it)") in err
    assert snapshot(out) == before
