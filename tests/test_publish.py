"""feedtool publish to a folder: the plan, the refusals and --force, --dry-run, --rollback, HTTP checks through a
real web server on 127.0.0.1, and skipping what is already published."""

from __future__ import annotations

import contextlib
import io
import json
import re
import shutil
import socket
import stat
import subprocess
import time
from pathlib import Path

import feedparser
import podcastparser
import pytest
import requests
from conftest import BASE_URL, make_episode, make_mp3, run_cli, write_config
from servers import publish_table, serve_folder
from werkzeug.utils import get_content_type

from feedtool.publish.plan import FEED_TYPE
from feedtool.publish.plan import content_type as uploaded
from feedtool.serve import content_type as served


def make_show(tmp_path, episodes=2, **publish):
    show = tmp_path / "show"
    write_config(show, extra=publish_table(**publish))
    for n in range(1, episodes + 1):
        make_episode(show, f"000{n}-ep.md", audio=f"media/000{n}-ep.mp3", date=f"2024-0{n}-15T08:00:00+00:00")
    return show


def publish(show, www, *extra):
    return run_cli("publish", show, "--out", show.parent / "public", "--to", www, *extra)


def published_files(www):
    return sorted(p.relative_to(www).as_posix() for p in www.rglob("*")
                  if p.is_file() and ".feedtool" not in p.parts)


def parse_feed(data: bytes):
    fp = feedparser.parse(data)
    assert fp.bozo == 0, fp.get("bozo_exception")
    return podcastparser.parse(BASE_URL + "feed.xml", io.BytesIO(data))


def test_publish_to_folder_puts_feed_media_and_artwork(tmp_path, capsys):
    show = make_show(tmp_path)
    make_mp3(show / "media/0001-ep.mp3", chapters=[(0, 3, "One"), (3, 6, "Two")])
    www = tmp_path / "www"
    assert publish(show, www) == 0
    out = capsys.readouterr().out
    assert f"published {www}: 5 files uploaded" in out and "feed.xml is live" in out
    assert published_files(www) == ["chapters/0001-ep.json", "cover.jpg", "feed.xml", "media/0001-ep.mp3",
                                    "media/0002-ep.mp3"]
    assert (www / "feed.xml").read_bytes() == (tmp_path / "public/feed.xml").read_bytes()
    assert (www / "media/0001-ep.mp3").read_bytes() == (show / "media/0001-ep.mp3").read_bytes()
    parsed = parse_feed((www / "feed.xml").read_bytes())
    for episode in parsed["episodes"]:
        (enclosure,) = episode["enclosures"]
        assert (www / enclosure["url"].removeprefix(BASE_URL)).stat().st_size == enclosure["file_size"]
    manifest = json.loads((www / ".feedtool/manifest.json").read_text())
    assert [e["guid"] for e in manifest["episodes"]] == ["guid-0002-ep", "guid-0001-ep"]
    first = manifest["episodes"][1]
    assert first["enclosure_url"] == BASE_URL + "media/0001-ep.mp3"
    assert first["length"] == (show / "media/0001-ep.mp3").stat().st_size
    assert first["pub_date"] == "2024-01-15T08:00:00+00:00"
    assert len(manifest["files"]["media/0001-ep.mp3"]["sha256"]) == 64
    assert not list((www / ".feedtool/tmp").iterdir())

    assert publish(show, www) == 0  # nothing changed: nothing uploaded
    assert "0 files uploaded (0 B), 5 already there, 0 removed; feed.xml unchanged" in capsys.readouterr().out


def test_dry_run_prints_the_plan_and_uploads_nothing(tmp_path, capsys):
    show = make_show(tmp_path)
    www = tmp_path / "www"
    assert publish(show, www, "--dry-run") == 0
    out = capsys.readouterr().out
    assert "episodes 2 new, 0 changed, 0 removed, 0 unchanged" in out
    assert "files: 4 to upload" in out and "  upload   media/0001-ep.mp3 (12.8 kB)" in out
    assert "dry run: nothing was uploaded" in out
    assert published_files(www) == [] and not (www / ".feedtool/manifest.json").exists()

    assert publish(show, www) == 0
    before = {p: (www / p).stat().st_mtime_ns for p in published_files(www)}
    make_mp3(show / "media/0002-ep.mp3", title="Re-tagged")  # new content and size
    make_episode(show, "0003-ep.md", audio="media/0003-ep.mp3", date="2024-03-15T08:00:00+00:00")
    (show / "0001-ep.md").unlink()
    capsys.readouterr()
    assert publish(show, www, "--dry-run", "--force") == 0
    out = capsys.readouterr().out
    assert "episodes 1 new, 1 changed, 1 removed, 0 unchanged" in out
    assert "  new      0003-ep.md (GUID 'guid-0003-ep')" in out
    assert "  changed  0002-ep.md (GUID 'guid-0002-ep'): length 12781 -> " in out
    assert "media/0002-ep.mp3 content changed" in out
    assert "  removed  0001-ep.md (GUID 'guid-0001-ep')" in out
    # dropped, it stays for [publish] keep_removed_days (tests/test_publish_grace.py) and the plan says so
    assert "  keep     media/0001-ep.mp3 (dropped " in out and "  remove   " not in out
    assert {p: (www / p).stat().st_mtime_ns for p in published_files(www)} == before


@pytest.mark.parametrize("change, rule_text", [
    ("guid", "0001-ep.md: published GUID 'guid-0001-ep' would change to 'new-guid' (apps would download it "
             "again; put guid: guid-0001-ep back into the episode file, or pass --force if this is intended)"),
    ("url", f"0001-ep.md: published enclosure URL {BASE_URL}media/0001-ep.mp3 would change to "
            f"{BASE_URL}media/moved.mp3 (apps would download the episode again; keep the audio at its published "
            "path, or pass --force if this is intended)"),
    ("remove", "0001-ep.md: published episode (GUID 'guid-0001-ep') would be dropped from the feed (restore the "
               "episode file, or pass --force if this is intended)"),
])
def test_refuses_to_change_a_published_episode_unless_forced(tmp_path, capsys, change, rule_text):
    show = make_show(tmp_path)
    www = tmp_path / "www"
    assert publish(show, www) == 0
    published = (www / "feed.xml").read_bytes()
    if change == "guid":
        make_episode(show, "0001-ep.md", audio="media/0001-ep.mp3", guid="new-guid")
    elif change == "url":
        (show / "media/0001-ep.mp3").rename(show / "media/moved.mp3")
        make_episode(show, "0001-ep.md", audio="media/moved.mp3")
    else:
        (show / "0001-ep.md").unlink()
    capsys.readouterr()
    assert publish(show, www) == 3
    err = capsys.readouterr().err
    assert err == f"error: {rule_text}\nerror: 1 problem; the feed on the target was not changed\n"
    assert (www / "feed.xml").read_bytes() == published
    assert publish(show, www, "--dry-run") == 3
    assert f"error: {rule_text}\nerror: publish would be refused: 1 problem\n" in capsys.readouterr().err

    assert publish(show, www, "--force") == 0
    captured = capsys.readouterr()
    assert f"warning: {rule_text.rsplit(' (', 1)[0]} (published with --force)" in captured.err
    assert (www / "feed.xml").read_bytes() == (tmp_path / "public/feed.xml").read_bytes() != published
    guids = [e["guid"] for e in parse_feed((www / "feed.xml").read_bytes())["episodes"]]
    assert guids == {"guid": ["guid-0002-ep", "new-guid"], "url": ["guid-0002-ep", "guid-0001-ep"],
                     "remove": ["guid-0002-ep"]}[change]
    if change == "url":  # the old audio stays for apps holding the old feed (keep_removed_days)
        assert (www / "media/0001-ep.mp3").exists() and (www / "media/moved.mp3").exists()
        assert list(json.loads((www / ".feedtool/manifest.json").read_text())["retired"]) == ["media/0001-ep.mp3"]


def test_rollback_restores_the_previous_version_and_back(tmp_path, capsys):
    """With dropped files removed at once, the rollback copies bring them back (with the grace period they are
    still there: tests/test_publish_grace.py)."""
    show = make_show(tmp_path, keep_removed_days=0)
    www = tmp_path / "www"
    assert publish(show, www, "--rollback") == 3
    assert "nothing to roll back to" in capsys.readouterr().err
    assert publish(show, www) == 0
    v1 = {p: (www / p).read_bytes() for p in published_files(www)}
    make_mp3(show / "media/0002-ep.mp3", title="Re-tagged")
    make_episode(show, "0003-ep.md", audio="media/0003-ep.mp3", date="2024-03-15T08:00:00+00:00")
    (show / "0001-ep.md").unlink()
    assert publish(show, www, "--force") == 0
    v2 = {p: (www / p).read_bytes() for p in published_files(www)}
    assert set(v2) == {"cover.jpg", "feed.xml", "media/0002-ep.mp3", "media/0003-ep.mp3"}
    capsys.readouterr()

    assert publish(show, www, "--rollback", "--dry-run") == 0
    out = capsys.readouterr().out
    assert "episodes 1 new, 1 changed, 1 removed" in out and "  remove   media/0003-ep.mp3" in out
    assert {p: (www / p).read_bytes() for p in published_files(www)} == v2
    assert publish(show, www, "--rollback") == 0
    assert f"rolled back {www}: 3 files uploaded" in capsys.readouterr().out
    assert {p: (www / p).read_bytes() for p in published_files(www)} == v1
    assert publish(show, www, "--rollback") == 0  # the version rolled back from is kept in turn
    assert {p: (www / p).read_bytes() for p in published_files(www)} == v2
    assert publish(show, www, "--force") == 0  # nothing changed: the version to go back to stays
    assert publish(show, www, "--rollback") == 0
    assert {p: (www / p).read_bytes() for p in published_files(www)} == v1
    kept = sorted(p.name for p in (www / ".feedtool/rollback").iterdir())
    assert len(kept) == 2  # one version: its record and its folder


def test_uploads_are_checked_over_http_before_the_feed(tmp_path, capsys):
    www = tmp_path / "www"
    www.mkdir()
    with serve_folder(www) as url:
        show = make_show(tmp_path, verify_http=True, public_url=url)
        make_mp3(show / "media/0001-ep.mp3", chapters=[(0, 3, "One"), (3, 6, "Two")])
        assert publish(show, www) == 0
        captured = capsys.readouterr()
        assert "; checked over HTTP" in captured.out
        # a plain web server says application/json for the chapters file uploaded as application/json+chapters
        assert captured.err == ""
    with serve_folder(www, ranges=False) as url:
        make_episode(show, "0003-ep.md", audio="media/0003-ep.mp3", date="2024-03-15T08:00:00+00:00")
        write_config(show, extra=publish_table(verify_http=True, public_url=url))
        assert publish(show, www) == 0
        err = capsys.readouterr().err
        assert f"warning: {url}media/0003-ep.mp3: the server ignores byte ranges (answered 200, not 206)" in err


def test_a_file_missing_over_http_stops_the_publish_before_the_feed(tmp_path, capsys):
    other = tmp_path / "elsewhere"  # the web server serves another folder than the target
    other.mkdir()
    www = tmp_path / "www"
    with serve_folder(other) as url:
        show = make_show(tmp_path, verify_http=True, public_url=url)
        assert publish(show, www) == 3
    err = capsys.readouterr().err
    assert f"error: {url}cover.jpg: HEAD answered 404, not 200 (check [publish] public_url, the web server, " \
           "or set verify_http = false)\n" in err
    assert err.endswith("error: 3 problems; the feed on the target was not changed\n")
    assert not (www / "feed.xml").exists() and (www / "media/0001-ep.mp3").exists()
    # A rerun finds the files on the target, yet still checks them over HTTP before the feed goes live.
    with serve_folder(other) as url:
        write_config(show, extra=publish_table(verify_http=True, public_url=url))
        assert publish(show, www) == 3
        assert not (www / "feed.xml").exists()
    with serve_folder(www) as url:
        write_config(show, extra=publish_table(verify_http=True, public_url=url))
        assert publish(show, www) == 0
    assert (www / "feed.xml").exists()


def test_publish_without_a_target_is_a_usage_error(tmp_path, capsys):
    show = make_show(tmp_path)
    assert run_cli("publish", show, "--out", tmp_path / "public") == 2
    assert capsys.readouterr().err == (f"error: {show / 'show.toml'}:publish.target: no publish target (pass --to "
                                       "DIR or --to s3://bucket/prefix, or set target under [publish])\n")
    assert run_cli("publish", show, "--out", tmp_path / "public", "--to", "ftp://example.org/x") == 2
    assert "ftp://example.org/x: not a publish target" in capsys.readouterr().err
    assert run_cli("publish", show, "--out", tmp_path / "public", "--to", tmp_path / "public") == 2
    assert "the target is the build output folder" in capsys.readouterr().err


def test_publish_needs_a_base_url(tmp_path, capsys):
    show = tmp_path / "show"
    write_config(show, feed={"base_url": None}, extra=publish_table())
    make_episode(show)
    assert publish(show, tmp_path / "www") == 1
    assert capsys.readouterr().err.endswith(
        f"error: {show / 'show.toml'}:feed.base_url: not set, so the feed's URLs are relative and no app could use "
        "them (set base_url under [feed] to the https URL the target is served at)\n")
    assert not (tmp_path / "www").exists()


def test_target_from_show_config_relative_to_the_show_folder(tmp_path, capsys):
    show = make_show(tmp_path, target="../www")
    assert run_cli("publish", show, "--out", tmp_path / "public", "-q") == 0
    assert capsys.readouterr() == ("", "")
    assert (tmp_path / "www/feed.xml").is_file()


def test_a_build_error_stops_before_anything_is_uploaded(tmp_path, capsys):
    show = make_show(tmp_path)
    make_episode(show, "0003-ep.md", audio="media/missing.mp3", make_audio=False)
    www = tmp_path / "www"
    assert publish(show, www) == 1
    assert not www.exists()


def test_a_feed_another_tool_published_is_checked_too(tmp_path, capsys):
    show = make_show(tmp_path)
    make_episode(show, "0001-ep.md", audio="media/0001-ep.mp3", guid="old-host-guid", title="From the old host")
    make_episode(show, "0003-ep.md", audio="media/0003-ep.mp3", date="2024-03-15T08:00:00+00:00")
    www = tmp_path / "www"
    assert run_cli("build", show, "--out", www) == 0  # the old host's feed, in the document root
    (show / "0003-ep.md").unlink()
    make_episode(show, "0001-ep.md", audio="media/0001-ep.mp3")
    capsys.readouterr()
    assert publish(show, www) == 3
    err = capsys.readouterr().err
    assert ("error: 0001-ep.md: published GUID 'old-host-guid' would change to 'guid-0001-ep' (apps would download "
            "it again; put guid: old-host-guid back into the episode file, or pass --force if this is intended)\n"
            ) in err
    assert "error: 'Episode 0003': published episode (GUID 'guid-0003-ep') would be dropped from the feed" in err
    assert publish(show, www, "--force") == 0
    assert f"warning: {www}/feed.xml: a feed feedtool did not publish is there; its 3 episodes are checked" \
        in capsys.readouterr().err


def test_a_failed_upload_leaves_the_old_feed_and_a_rerun_completes(tmp_path, capsys):
    show = make_show(tmp_path)
    www = tmp_path / "www"
    assert publish(show, www) == 0
    published = (www / "feed.xml").read_bytes()
    for n in (3, 4):
        make_episode(show, f"000{n}-ep.md", audio=f"media/000{n}-ep.mp3", date=f"2024-0{n}-15T08:00:00+00:00")
    make_mp3(show / "media/0001-ep.mp3", comment="Re-encoded")
    (www / "media/0004-ep.mp3/blocker").mkdir(parents=True)  # a folder where the new file must go
    capsys.readouterr()
    assert publish(show, www) == 3
    assert capsys.readouterr().err == (f"error: {www}/media/0004-ep.mp3: cannot write: Is a directory (check the "
                                       "folder and its permissions)\n")
    assert (www / "feed.xml").read_bytes() == published
    assert (www / ".feedtool/pending.json").exists()
    uploaded_before = (www / "media/0003-ep.mp3").stat().st_ino
    (www / "media/0004-ep.mp3/blocker").rmdir()
    (www / "media/0004-ep.mp3").rmdir()
    assert publish(show, www) == 0
    assert "3 files uploaded" in capsys.readouterr().out  # 0004, the re-encoded 0001 and the feed; not 0003
    assert (www / "media/0003-ep.mp3").stat().st_ino == uploaded_before
    assert (www / "feed.xml").read_bytes() == (tmp_path / "public/feed.xml").read_bytes()
    assert (www / "media/0001-ep.mp3").read_bytes() == (show / "media/0001-ep.mp3").read_bytes()
    assert not (www / ".feedtool/pending.json").exists()


def hashes(*folders):
    import hashlib
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest()
            for folder in folders if folder.exists() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_dry_run_changes_nothing_anywhere(tmp_path):
    """Not the show (no GUID or podcast:guid recorded, no cache), not the output folder, not the target."""
    show = make_show(tmp_path)
    out, www = tmp_path / "public", tmp_path / "www"
    before = hashes(tmp_path)
    assert publish(show, www, "--dry-run") == 0  # a target that does not exist yet
    assert hashes(tmp_path) == before and not www.exists() and not out.exists()

    assert publish(show, www) == 0
    make_episode(show, "0003-ep.md", audio="media/0003-ep.mp3", date="2024-03-15T08:00:00+00:00")
    assert publish(show, www) == 0  # a second version: there is one to roll back to
    # a new episode without a GUID, and no podcast:guid recorded: a real publish would record both
    make_episode(show, "0004-ep.md", audio="media/0004-ep.mp3", date="2024-04-15T08:00:00+00:00", guid=None)
    config = show / "show.toml"
    config.write_text("\n".join(line for line in config.read_text().splitlines() if not line.startswith("guid")))
    before = hashes(tmp_path)
    assert publish(show, www, "--dry-run") == 0
    assert hashes(tmp_path) == before
    assert publish(show, www, "--rollback", "--dry-run") == 0
    assert hashes(tmp_path) == before


# --- the target's .feedtool/ (manifest, lock, rollback copies) is not for the web -----------------------------

def test_the_state_folder_is_private_and_a_server_that_serves_it_is_named(tmp_path, capsys):
    www = tmp_path / "www"
    www.mkdir()
    with serve_folder(www, serve_state=True) as url:  # a web server that serves every file, dot-folders too
        show = make_show(tmp_path, verify_http=True, public_url=url)
        assert publish(show, www) == 0
        assert capsys.readouterr().err == (
            f"warning: {url}.feedtool/manifest.json: is served to anyone: the publish state (manifest, and copies "
            "of replaced files kept for --rollback) is public (block /.feedtool/ on the web server or storage "
            "(README: What a web server must not serve))\n")
    state = www / ".feedtool"
    assert stat.S_IMODE(state.stat().st_mode) == 0o700  # a web server running as another user cannot read it
    assert (state / ".htaccess").read_text().endswith("Require all denied\n")  # nor can Apache
    with serve_folder(www) as url:  # set up as README says: /.feedtool/ answers 404
        write_config(show, extra=publish_table(verify_http=True, public_url=url))
        make_episode(show, "0003-ep.md", audio="media/0003-ep.mp3", date="2024-03-15T08:00:00+00:00")
        assert publish(show, www) == 0
        assert capsys.readouterr().err == ""


@contextlib.contextmanager
def nginx(www: Path, folder: Path, rule: str = ""):
    """Debian's nginx serving www on a free loopback port (workers as root, so that only `rule` can hide
    anything); yields its base URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    folder.mkdir()
    temps = " ".join(f"{kind}_temp_path {folder}/{kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi",
                                                                          "scgi"))
    (folder / "nginx.conf").write_text(
        f"user root; worker_processes 1; daemon off; pid {folder}/nginx.pid; error_log {folder}/error.log;\n"
        "events { worker_connections 64; }\n"
        f"http {{ access_log off; {temps}\n"
        "  types { application/rss+xml xml; audio/mpeg mp3; image/jpeg jpg; application/json json; }\n"
        f"  server {{ listen 127.0.0.1:{port}; root {www}; {rule} }}\n}}\n")
    server = subprocess.Popen(["nginx", "-p", str(folder), "-c", str(folder / "nginx.conf")],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                break
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.terminate()
        server.wait(10)


@pytest.mark.skipif(shutil.which("nginx") is None, reason="scripts/test installs nginx (apt)")
def test_the_nginx_rule_in_readme_hides_the_state_folder(tmp_path, capsys):
    """The README's nginx line, as written there, in a real nginx: without it the publish warns that the
    state is served; with it /.feedtool/ answers 404 and the feed is served as before."""
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    rule = re.search(r"^nginx:\s+(location .*)$", readme, re.MULTILINE).group(1)
    www = tmp_path / "www"
    www.mkdir()
    with nginx(www, tmp_path / "open") as url:
        show = make_show(tmp_path, verify_http=True, public_url=url)
        assert publish(show, www) == 0
        assert "warning: " + url + ".feedtool/manifest.json: is served to anyone" in capsys.readouterr().err
    with nginx(www, tmp_path / "ruled", rule) as url:
        write_config(show, extra=publish_table(verify_http=True, public_url=url))
        make_episode(show, "0003-ep.md", audio="media/0003-ep.mp3", date="2024-03-15T08:00:00+00:00")
        assert publish(show, www) == 0
        assert capsys.readouterr().err == ""
        assert requests.get(url + ".feedtool/manifest.json", timeout=10).status_code == 404
        assert requests.get(url + ".feedtool/rollback/", timeout=10).status_code == 404
        assert requests.get(url + "feed.xml", timeout=10).content == (www / "feed.xml").read_bytes()


def test_publish_uploads_every_file_with_the_type_preview_serves_it_with():
    # get_content_type: what werkzeug's send_file makes of the type preview gives it
    names = ["chapters/0001-a.json", "media/a.mp3", "media/a.m4a", "media/a.vtt", "media/a.srt", "media/a.html",
             "media/a.json", "media/a.txt", "index.html", "0001-a/index.html", "style.css", "cover.jpg",
             "images/cover-600.png", "x.unknown"]
    assert {n: uploaded(n) for n in names} == {n: get_content_type(served(n, "feed.xml"), "utf-8") for n in names}
    for feed in ("feed.xml", "archive/page-1.xml"):  # publish uploads the feed documents as FEED_TYPE
        assert get_content_type(served(feed, "feed.xml"), "utf-8") == FEED_TYPE
    assert uploaded("media/a.vtt") == "text/vtt; charset=utf-8" and uploaded("chapters/0001-a.json") == \
        "application/json+chapters"
