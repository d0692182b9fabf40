"""Files a new version drops stay on the target for [publish] keep_removed_days (a grace period), because podcast
apps and CDNs hold the previous feed for minutes to hours: an app that still has it must get every file it names.

Real parts: a folder target behind a web server on 127.0.0.1, and a bucket of moto's S3 server on 127.0.0.1; the
app fetches the URLs the feed it holds names, over HTTP. Every publish gives `--now`, so the grace is measured
against a moment the test chooses.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
from datetime import datetime, timedelta, timezone

import podcastparser
import pytest
import requests
from conftest import make_episode, make_mp3, run_cli, write_config
from servers import publish_table, serve_folder

T0 = datetime(2024, 6, 1, 12, 0, tzinfo=timezone.utc)  # after every episode date the tests use


class Studio:
    """A show folder, a target that serves the apps over HTTP, and the target's state as the test reads it."""

    def __init__(self, tmp_path, base_url, target, read, **publish):
        self.show, self.out = tmp_path / "show", tmp_path / "public"
        self.base_url, self.target, self.read = base_url, target, read
        self.publish_settings = {"verify_http": True, "public_url": base_url, **publish}
        self.configure()
        for n in (1, 2):
            make_episode(self.show, f"000{n}-ep.md", audio=f"media/000{n}-ep.mp3", date=f"2024-0{n}-15T08:00:00+00:00",
                         notes=f"Notes.\n\n00:00 Intro {n}\n00:03 Talk\n")

    def configure(self, **publish):
        write_config(self.show, feed={"base_url": self.base_url},
                     extra=publish_table(**{**self.publish_settings, **publish}))

    def publish(self, when: datetime | None, *extra) -> int:
        moment = ("--now", when.isoformat()) if when else ()
        return run_cli("publish", self.show, "--out", self.out, "--to", self.target, *moment, *extra)

    def manifest(self) -> dict:
        return json.loads(self.read(".feedtool/manifest.json"))

    def get(self, rel_or_url: str) -> requests.Response:
        url = rel_or_url if "://" in rel_or_url else self.base_url + rel_or_url
        return requests.get(url, timeout=10)

    def gone(self, rel: str) -> bool:
        return self.get(rel).status_code in (403, 404)  # S3 answers the public 403 for a missing key

    def feed(self) -> bytes:
        return self.get("feed.xml").content


def enclosures(feed: bytes, base_url: str) -> dict[str, str]:
    """GUID -> enclosure URL, as an app reads the feed it holds."""
    parsed = podcastparser.parse(base_url + "feed.xml", io.BytesIO(feed))
    return {e["guid"]: e["enclosures"][0]["url"] for e in parsed["episodes"]}


@contextlib.contextmanager
def served_folder(tmp_path):
    """A Studio whose target is a folder behind a web server on 127.0.0.1."""
    www = tmp_path / "www"
    www.mkdir()

    def read(rel):
        path = www / rel
        return path.read_bytes() if path.is_file() else None

    with serve_folder(www) as url:
        studio = Studio(tmp_path, url, str(www), read)
        studio.www = www
        yield studio


@pytest.fixture(params=["folder", "s3"])
def studio(request, tmp_path):
    if request.param == "folder":
        with served_folder(tmp_path) as studio:
            yield studio
        return
    s3 = request.getfixturevalue("s3")

    def read(rel):
        try:
            return s3.client.get_object(Bucket=s3.bucket, Key="show/" + rel)["Body"].read()
        except s3.client.exceptions.NoSuchKey:
            return None

    yield Studio(tmp_path, f"{s3.endpoint}/{s3.bucket}/show/", s3.target, read, endpoint_url=s3.endpoint,
                 acl="public-read")


@pytest.fixture
def folder_studio(tmp_path):
    with served_folder(tmp_path) as studio:
        yield studio


def test_after_a_forced_move_the_app_holding_the_old_feed_still_gets_the_old_audio(studio, capsys):
    assert studio.publish(T0) == 0
    old_feed = studio.feed()
    old_audio = (studio.show / "media/0001-ep.mp3").read_bytes()
    (studio.show / "media/0001-ep.mp3").rename(studio.show / "media/0001-moved.mp3")
    make_episode(studio.show, "0001-ep.md", audio="media/0001-moved.mp3", date="2024-01-15T08:00:00+00:00",
                 notes="Notes.\n\n00:00 Intro 1\n00:03 Talk\n")
    moved_at = T0 + timedelta(hours=2)
    assert studio.publish(moved_at, "--force") == 0
    assert "media/0001-moved.mp3" in studio.feed().decode()
    # The app still holds the old feed (its cache, a CDN's): every URL it names answers, with the right bytes.
    for url in enclosures(old_feed, studio.base_url).values():
        assert studio.get(url).status_code == 200, url
    answer = studio.get("media/0001-ep.mp3")
    assert answer.status_code == 200 and answer.content == old_audio
    manifest = studio.manifest()
    assert manifest["retired"] == {"media/0001-ep.mp3": moved_at.isoformat()}
    assert "media/0001-ep.mp3" not in manifest["files"]

    # A publish within the grace keeps it; the first one after it ends removes it.
    assert studio.publish(moved_at + timedelta(days=7) - timedelta(seconds=1)) == 0
    assert studio.get("media/0001-ep.mp3").content == old_audio
    assert studio.publish(moved_at + timedelta(days=7)) == 0
    assert studio.gone("media/0001-ep.mp3")
    assert studio.manifest()["retired"] == {}
    assert studio.get("media/0001-moved.mp3").content == old_audio  # the live feed's file is untouched


def test_a_removed_episode_stays_fetchable_for_the_grace_period(studio, capsys):
    assert studio.publish(T0) == 0
    old_feed = studio.feed()
    audio = (studio.show / "media/0001-ep.mp3").read_bytes()
    chapters = studio.get("chapters/0001-ep.json").content
    (studio.show / "0001-ep.md").unlink()
    assert studio.publish(T0 + timedelta(days=1), "--force") == 0
    assert "guid-0001-ep" not in enclosures(studio.feed(), studio.base_url)
    url = enclosures(old_feed, studio.base_url)["guid-0001-ep"]
    answer = studio.get(url)
    assert answer.status_code == 200 and answer.content == audio
    assert studio.get("chapters/0001-ep.json").content == chapters
    since = (T0 + timedelta(days=1)).isoformat()
    assert studio.manifest()["retired"] == {"chapters/0001-ep.json": since, "media/0001-ep.mp3": since}
    assert "removed" in capsys.readouterr().out

    assert studio.publish(T0 + timedelta(days=9)) == 0
    assert studio.gone(url) and studio.gone("chapters/0001-ep.json")
    assert studio.manifest()["retired"] == {}


def test_keep_removed_days_0_removes_at_once(folder_studio):
    studio = folder_studio
    studio.configure(keep_removed_days=0)
    assert studio.publish(T0) == 0
    (studio.show / "0001-ep.md").unlink()
    assert studio.publish(T0 + timedelta(minutes=1), "--force") == 0
    assert studio.gone("media/0001-ep.mp3") and studio.gone("chapters/0001-ep.json")
    assert studio.manifest()["retired"] == {}


def test_purge_removes_every_retired_file_now_and_nothing_comes_back(studio, capsys):
    assert studio.publish(T0) == 0
    (studio.show / "0001-ep.md").unlink()
    assert studio.publish(T0 + timedelta(hours=1), "--force") == 0
    assert studio.get("media/0001-ep.mp3").status_code == 200
    capsys.readouterr()
    assert studio.publish(T0 + timedelta(hours=2), "--purge") == 0
    assert "2 removed" in capsys.readouterr().out
    assert studio.gone("media/0001-ep.mp3") and studio.gone("chapters/0001-ep.json")
    assert studio.manifest()["retired"] == {}
    live = studio.feed()
    # --purge is not remembered: the next publish, with nothing changed, uploads and re-creates nothing.
    assert studio.publish(T0 + timedelta(hours=3)) == 0
    assert "0 files uploaded (0 B)" in capsys.readouterr().out
    assert studio.gone("media/0001-ep.mp3") and studio.feed() == live


def test_purge_also_removes_what_this_publish_drops(folder_studio):
    studio = folder_studio
    assert studio.publish(T0) == 0
    (studio.show / "0001-ep.md").unlink()
    assert studio.publish(T0 + timedelta(hours=1), "--force", "--purge") == 0
    assert studio.gone("media/0001-ep.mp3") and studio.manifest()["retired"] == {}


def tree(folder):
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_dry_run_lists_the_retired_files_kept_and_those_to_remove_and_writes_nothing(folder_studio, capsys):
    studio = folder_studio
    assert studio.publish(T0) == 0
    (studio.show / "0001-ep.md").unlink()
    assert studio.publish(T0 + timedelta(days=1), "--force") == 0
    make_episode(studio.show, "0003-ep.md", audio="media/0003-ep.mp3", date="2024-03-15T08:00:00+00:00")
    capsys.readouterr()
    before = tree(studio.www)
    assert studio.publish(T0 + timedelta(days=2), "--dry-run") == 0
    out = capsys.readouterr().out
    assert "  keep     media/0001-ep.mp3 (dropped 2024-06-02 12:00 UTC; removed from 2024-06-09 12:00 UTC)" in out
    assert "  keep     chapters/0001-ep.json (dropped" in out
    assert "2 dropped files kept" in out
    assert "  remove   media/0001-ep.mp3" not in out
    assert studio.publish(T0 + timedelta(days=8), "--dry-run") == 0
    out = capsys.readouterr().out
    assert "  remove   media/0001-ep.mp3" in out and "  remove   chapters/0001-ep.json" in out
    assert "  keep     " not in out
    assert studio.publish(T0 + timedelta(days=2), "--dry-run", "--purge") == 0
    assert "  remove   media/0001-ep.mp3" in capsys.readouterr().out
    assert tree(studio.www) == before


def test_rollback_after_a_retirement_brings_back_every_file_and_the_bookkeeping_follows(studio, capsys):
    assert studio.publish(T0) == 0
    v1 = studio.feed()
    (studio.show / "0001-ep.md").unlink()
    make_episode(studio.show, "0003-ep.md", audio="media/0003-ep.mp3", date="2024-03-15T08:00:00+00:00")
    assert studio.publish(T0 + timedelta(days=1), "--force") == 0
    assert set(studio.manifest()["retired"]) == {"media/0001-ep.mp3", "chapters/0001-ep.json"}

    back_at = T0 + timedelta(days=2)
    assert run_cli("publish", studio.show, "--to", studio.target, "--rollback", "--now", back_at.isoformat()) == 0
    assert studio.feed() == v1
    for url in enclosures(v1, studio.base_url).values():
        assert studio.get(url).status_code == 200, url
    assert studio.get("chapters/0001-ep.json").status_code == 200
    manifest = studio.manifest()
    # Episode 1's files are live again, not retired; episode 3's, which the rolled-back-from feed named, are.
    assert manifest["retired"] == {"media/0003-ep.mp3": back_at.isoformat()}
    assert studio.get("media/0003-ep.mp3").status_code == 200


def test_rollback_restores_a_retired_file_removed_after_its_grace(folder_studio, capsys):
    """Version 2 drops episode 1; a week later a publish with nothing new removes its audio (past the grace, the
    live version stays version 2). Rolling back to version 1 then takes the audio from the rollback copy."""
    studio = folder_studio
    assert studio.publish(T0) == 0
    v1 = studio.feed()
    audio = (studio.show / "media/0001-ep.mp3").read_bytes()
    (studio.show / "0001-ep.md").unlink()
    assert studio.publish(T0 + timedelta(days=1), "--force") == 0
    v2 = studio.manifest()["version"]
    assert studio.publish(T0 + timedelta(days=9)) == 0
    assert studio.gone("media/0001-ep.mp3")
    assert studio.manifest()["version"] == v2 and studio.manifest()["retired"] == {}
    assert run_cli("publish", studio.show, "--to", studio.target, "--rollback",
                   "--now", (T0 + timedelta(days=10)).isoformat()) == 0
    assert studio.feed() == v1
    assert studio.get("media/0001-ep.mp3").content == audio


def test_a_retired_file_used_again_stops_being_retired(studio, capsys):
    assert studio.publish(T0) == 0
    episode = (studio.show / "0001-ep.md").read_text()
    (studio.show / "0001-ep.md").unlink()
    assert studio.publish(T0 + timedelta(days=1), "--force") == 0
    assert "media/0001-ep.mp3" in studio.manifest()["retired"]
    (studio.show / "0001-ep.md").write_text(episode)
    capsys.readouterr()
    assert studio.publish(T0 + timedelta(days=2)) == 0
    assert "published" in capsys.readouterr().out
    manifest = studio.manifest()
    assert manifest["retired"] == {} and "media/0001-ep.mp3" in manifest["files"]
    # Long after the grace it would have had, the file is still there: the live feed names it.
    assert studio.publish(T0 + timedelta(days=30)) == 0
    assert studio.get("media/0001-ep.mp3").status_code == 200


def test_a_manifest_written_before_retirement_existed_still_reads(folder_studio):
    studio = folder_studio
    assert studio.publish(T0) == 0
    path = studio.www / ".feedtool/manifest.json"
    old = json.loads(path.read_text())
    del old["retired"]
    path.write_text(json.dumps(old))
    (studio.show / "0001-ep.md").unlink()
    assert studio.publish(T0 + timedelta(days=1), "--force") == 0
    assert set(studio.manifest()["retired"]) == {"media/0001-ep.mp3", "chapters/0001-ep.json"}


def test_a_re_encoded_file_is_not_retired_and_a_renamed_feed_is_not_kept(folder_studio):
    studio = folder_studio
    assert studio.publish(T0) == 0
    make_mp3(studio.show / "media/0002-ep.mp3", title="Re-tagged")  # same path, new bytes
    assert studio.publish(T0 + timedelta(hours=1)) == 0
    assert studio.manifest()["retired"] == {}
    write_config(studio.show, feed={"base_url": studio.base_url, "file_name": "podcast.xml"},
                 extra=publish_table(**studio.publish_settings))
    (studio.out / "feed.xml").unlink()  # the build leaves the old name's feed in its output folder
    assert studio.publish(T0 + timedelta(hours=2)) == 0
    assert studio.get("podcast.xml").status_code == 200 and studio.gone("feed.xml")  # always replaced
    assert studio.manifest()["retired"] == {}


def test_a_negative_keep_removed_days_is_refused(folder_studio, capsys):
    studio = folder_studio
    studio.configure(keep_removed_days=-1)
    assert studio.publish(T0) == 1
    assert "publish.keep_removed_days: must not be negative" in capsys.readouterr().err
