"""feedtool publish to S3-compatible storage: moto's server mode on 127.0.0.1, reached by boto3 over HTTP."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import threading
import time

import requests
from conftest import make_episode, make_mp3, run_cli, write_config
from mutagen.id3 import ID3
from servers import S3_CREDENTIALS, publish_table, run_publish

from feedtool.errors import PublishError
from feedtool.publish.s3 import S3Target


def s3_show(tmp_path, s3, episodes=2, **publish):
    show = tmp_path / "show"
    values = {"endpoint_url": s3.endpoint, "acl": "public-read", "verify_http": True,
              "public_url": f"{s3.endpoint}/{s3.bucket}/show/", **publish}
    write_config(show, extra=publish_table(**values))
    for n in range(1, episodes + 1):
        make_episode(show, f"000{n}-ep.md", audio=f"media/000{n}-ep.mp3", date=f"2024-0{n}-15T08:00:00+00:00")
    return show


def publish(show, s3, *extra):
    return run_cli("publish", show, "--out", show.parent / "public", "--to", s3.target, *extra)


def objects(s3, prefix="show/"):
    pages = s3.client.get_paginator("list_objects_v2").paginate(Bucket=s3.bucket, Prefix=prefix)
    return {o["Key"][len(prefix):]: o for page in pages for o in page.get("Contents", ())}


def head(s3, rel):
    return s3.client.head_object(Bucket=s3.bucket, Key="show/" + rel)


def body(s3, rel):
    return s3.client.get_object(Bucket=s3.bucket, Key="show/" + rel)["Body"].read()


def test_publish_to_s3_with_types_cache_control_and_hashes(tmp_path, s3, capsys):
    show = s3_show(tmp_path, s3)
    make_mp3(show / "media/0001-ep.mp3", chapters=[(0, 3, "One"), (3, 6, "Two")])
    assert publish(show, s3, "--dry-run") == 0
    assert "files: 5 to upload" in capsys.readouterr().out
    assert objects(s3) == {}  # the dry run uploaded nothing, not even state
    assert publish(show, s3) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    assert f"published {s3.target}: 5 files uploaded" in captured.out and "checked over HTTP" in captured.out
    live = {rel for rel in objects(s3) if not rel.startswith(".feedtool/")}
    assert live == {"chapters/0001-ep.json", "cover.jpg", "feed.xml", "media/0001-ep.mp3", "media/0002-ep.mp3"}
    expected = {"feed.xml": ("application/rss+xml; charset=utf-8", "public, max-age=300"),
                "media/0001-ep.mp3": ("audio/mpeg", "public, max-age=604800"),
                "cover.jpg": ("image/jpeg", "public, max-age=604800"),
                "chapters/0001-ep.json": ("application/json+chapters", "public, max-age=3600")}  # JSON Chapters spec
    for rel, (content_type, cache_control) in expected.items():
        meta = head(s3, rel)
        local = (tmp_path / "public" / rel) if rel in ("feed.xml", "chapters/0001-ep.json") else show / rel
        assert (meta["ContentType"], meta["CacheControl"]) == (content_type, cache_control)
        assert meta["Metadata"]["sha256"] == hashlib.sha256(local.read_bytes()).hexdigest()
        assert body(s3, rel) == local.read_bytes()
    manifest = json.loads(body(s3, ".feedtool/manifest.json"))
    assert [e["guid"] for e in manifest["episodes"]] == ["guid-0002-ep", "guid-0001-ep"]

    stamps = {rel: o["LastModified"] for rel, o in objects(s3).items()}
    assert publish(show, s3) == 0
    assert "0 files uploaded (0 B), 5 already there" in capsys.readouterr().out
    make_mp3(show / "media/0002-ep.mp3", title="Re-tagged")
    assert publish(show, s3) == 0
    assert "2 files uploaded" in capsys.readouterr().out  # that episode's audio and the feed
    assert body(s3, "media/0002-ep.mp3") == (show / "media/0002-ep.mp3").read_bytes()
    assert objects(s3)["media/0001-ep.mp3"]["LastModified"] == stamps["media/0001-ep.mp3"]


def test_large_media_goes_up_in_parts(tmp_path, s3, capsys):
    show = s3_show(tmp_path, s3, episodes=1)
    tags = ID3(show / "media/0001-ep.mp3")
    tags.save(show / "media/0001-ep.mp3", padding=lambda info: 9 * 1024 * 1024)  # a valid 9 MiB MP3
    assert publish(show, s3) == 0
    meta = head(s3, "media/0001-ep.mp3")
    assert meta["ETag"].strip('"').endswith("-2")  # two parts of 8 MiB at most
    assert meta["ContentLength"] == (show / "media/0001-ep.mp3").stat().st_size
    assert body(s3, "media/0001-ep.mp3") == (show / "media/0001-ep.mp3").read_bytes()
    capsys.readouterr()
    assert publish(show, s3) == 0  # a multipart ETag is no MD5: the sha256 metadata says it is unchanged
    assert "0 files uploaded" in capsys.readouterr().out


def test_s3_refusal_force_and_rollback(tmp_path, s3, capsys):
    show = s3_show(tmp_path, s3, keep_removed_days=0)  # removed at once: the rollback restores from its copy
    assert publish(show, s3) == 0
    first_feed = body(s3, "feed.xml")
    (show / "0001-ep.md").unlink()
    assert publish(show, s3) == 3
    assert "error: 0001-ep.md: published episode (GUID 'guid-0001-ep') would be dropped" in capsys.readouterr().err
    assert body(s3, "feed.xml") == first_feed
    assert publish(show, s3, "--force") == 0
    assert "media/0001-ep.mp3" not in objects(s3)
    assert body(s3, "feed.xml") != first_feed
    assert publish(show, s3, "--rollback") == 0
    assert body(s3, "feed.xml") == first_feed
    restored = head(s3, "media/0001-ep.mp3")
    assert restored["ContentType"] == "audio/mpeg" and restored["CacheControl"] == "public, max-age=604800"
    assert body(s3, "media/0001-ep.mp3") == (show / "media/0001-ep.mp3").read_bytes()


def test_s3_errors_are_messages(tmp_path, s3, capsys, monkeypatch):
    show = s3_show(tmp_path, s3, verify_http=False)
    out = tmp_path / "public"
    assert run_cli("publish", show, "--out", out, "--to", "s3://no-such-bucket-here/show") == 3
    assert capsys.readouterr().err == ("error: s3://no-such-bucket-here: cannot reach the bucket: 404 Not Found "
                                       "(create the bucket first, or fix the bucket name)\n")
    for name in S3_CREDENTIALS:
        monkeypatch.delenv(name)
    assert run_cli("publish", show, "--out", out, "--to", s3.target) == 3
    assert capsys.readouterr().err == (f"error: s3://{s3.bucket}: no S3 credentials found (set AWS_ACCESS_KEY_ID "
                                       "and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or write ~/.aws/credentials)\n")


def test_no_credential_value_appears_in_any_output_log_or_published_file(tmp_path, s3, capsys):
    show = s3_show(tmp_path, s3)
    common = (show, "--out", tmp_path / "public")
    runs = [
        run_publish(*common, "--to", s3.target, "--dry-run", env=s3.env),
        run_publish(*common, "--to", s3.target, env=s3.env),
        run_publish(*common, "--to", s3.target, "--rollback", env=s3.env),  # fails: nothing to roll back to
        run_publish(*common, "--to", "s3://no-such-bucket-here/x", env=s3.env, debug=True),  # fails, traceback
        run_publish(*common, "--to", s3.target, env={**s3.env, "AWS_SECRET_ACCESS_KEY": "wrong"}, debug=True),
    ]
    make_episode(show, "0003-ep.md", audio="media/0003-ep.mp3", date="2024-03-15T08:00:00+00:00")
    runs.append(run_publish(*common, "--to", s3.target, env=s3.env, debug=True))
    assert [r.returncode for r in runs] == [0, 0, 3, 3, 0, 0]  # --debug keeps the status; moto ignores signatures
    assert "debug: s3://" in runs[-1].stderr and "Traceback" in runs[3].stderr  # debug output was there
    outputs = [text for run in runs for text in (run.stdout, run.stderr)]
    assert run_cli("--debug", "publish", *common, "--to", s3.target, "--rollback") == 0  # in-process logging
    outputs += list(capsys.readouterr())
    published = [body(s3, rel) for rel in objects(s3)]
    published += [json.dumps(head(s3, rel)["Metadata"]).encode() for rel in objects(s3)]
    local = [p.read_bytes() for p in tmp_path.rglob("*") if p.is_file() and p.name != "aws-empty"]
    assert len(published) > 10 and len(local) > 5
    for secret in S3_CREDENTIALS.values():
        assert not any(secret in text for text in outputs), secret
        assert not any(secret.encode() in data for data in published + local), secret


# --- the publish lock: S3 conditional writes (If-None-Match: *, If-Match) on <prefix>/.feedtool/lock -----------

def s3_target(s3):
    return S3Target(s3.target, endpoint_url=s3.endpoint)


def test_the_s3_server_honours_conditional_writes(s3):
    """The lock rests on this: moto (like Amazon S3) refuses If-None-Match: * over an existing object and
    If-Match with a stale ETag. Were it to ignore them, the lock tests below would prove nothing."""
    from botocore.exceptions import ClientError
    first = s3.client.put_object(Bucket=s3.bucket, Key="probe", Body=b"1", IfNoneMatch="*")
    for condition in ({"IfNoneMatch": "*"}, {"IfMatch": '"0123456789abcdef0123456789abcdef"'}):
        try:
            s3.client.put_object(Bucket=s3.bucket, Key="probe", Body=b"2", **condition)
        except ClientError as e:
            assert e.response["Error"]["Code"] == "PreconditionFailed"
        else:
            raise AssertionError(f"the server ignored {condition}")
    s3.client.put_object(Bucket=s3.bucket, Key="probe", Body=b"3", IfMatch=first["ETag"])


def test_a_second_publish_is_refused_while_the_first_holds_the_lock(tmp_path, s3, capsys):
    show = s3_show(tmp_path, s3, verify_http=False)
    first = s3_target(s3)
    first.open()  # a publish under way
    lock = json.loads(body(s3, ".feedtool/lock"))
    assert set(lock) == {"owner", "host", "pid", "taken", "expires"}
    assert publish(show, s3) == 3
    assert capsys.readouterr().err == (
        f"error: {s3.target}: another publish is running here (since {lock['taken']}, from {lock['host']}, process "
        f"{lock['pid']}) (wait for it to finish; a lock left by a publish that died expires at {lock['expires']})\n")
    assert set(objects(s3)) == {".feedtool/lock"}  # nothing was uploaded
    assert publish(show, s3, "--dry-run") == 0  # a dry run only looks: no lock needed
    first.close()
    assert ".feedtool/lock" not in objects(s3)
    assert publish(show, s3) == 0
    assert ".feedtool/lock" not in objects(s3) and "feed.xml" in objects(s3)  # released after the publish


def test_of_two_publishes_starting_at_once_exactly_one_gets_the_lock(s3):
    targets = [s3_target(s3) for _ in range(6)]
    outcomes = []
    start = threading.Barrier(len(targets))

    def take(target):
        start.wait()
        try:
            target.open()
            outcomes.append("took")
        except PublishError:
            outcomes.append("refused")

    threads = [threading.Thread(target=take, args=(t,)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["refused"] * 5 + ["took"]
    for target in targets:
        target.close()  # only the holder deletes the lock
    assert ".feedtool/lock" not in objects(s3)


def test_a_lock_left_by_a_publish_that_died_is_taken_over_after_it_expires(tmp_path, s3, capsys):
    show = s3_show(tmp_path, s3, verify_http=False)
    stale = {"owner": "x", "host": "gone", "pid": 1, "taken": "2024-01-01T00:00:00+00:00",
             "expires": "2024-01-01T01:00:00+00:00"}
    s3.client.put_object(Bucket=s3.bucket, Key="show/.feedtool/lock", Body=json.dumps(stale).encode())
    assert publish(show, s3) == 0, capsys.readouterr().err
    assert ".feedtool/lock" not in objects(s3) and "feed.xml" in objects(s3)


def test_a_lock_taken_over_during_a_publish_stops_it(s3):
    target = s3_target(s3)
    target._lock.expiry = 0.2  # so short that the next write renews it
    target.open()
    time.sleep(0.3)
    s3.client.put_object(Bucket=s3.bucket, Key="show/.feedtool/lock", Body=b'{"host": "another"}')  # taken over
    try:
        target.put_bytes("x.json", b"{}")
    except PublishError as e:
        assert "the publish lock was taken over by another publish while this one ran" in str(e)
    else:
        raise AssertionError("wrote without the lock")
    assert "x.json" not in objects(s3)
    target.close()
    assert json.loads(body(s3, ".feedtool/lock")) == {"host": "another"}  # not ours to delete


def test_the_s3_state_is_not_public_while_the_media_are(tmp_path, s3):
    """acl = public-read makes what the feed points at public; the state objects get no ACL, so an anonymous
    request is refused (moto, like S3, enforces object ACLs on anonymous requests)."""
    show = s3_show(tmp_path, s3, verify_http=False)
    assert publish(show, s3) == 0
    base = f"{s3.endpoint}/{s3.bucket}/show/"
    assert requests.get(base + "feed.xml", timeout=10).status_code == 200
    assert requests.get(base + ".feedtool/manifest.json", timeout=10).status_code == 403


def test_a_lock_left_by_a_killed_publish_on_this_machine_is_taken_over_at_once(tmp_path, s3, capsys):
    child = subprocess.Popen(["true"])  # a process that has ended: its pid is free
    child.wait()
    dead = {"owner": "x", "host": socket.gethostname(), "pid": child.pid, "taken": "2099-01-01T00:00:00+00:00",
            "expires": "2099-01-01T01:00:00+00:00"}
    s3.client.put_object(Bucket=s3.bucket, Key="show/.feedtool/lock", Body=json.dumps(dead).encode())
    show = s3_show(tmp_path, s3, verify_http=False)
    assert publish(show, s3) == 0, capsys.readouterr().err
    alive = {**dead, "pid": os.getpid()}  # this very process: alive, so the lock holds until it expires
    s3.client.put_object(Bucket=s3.bucket, Key="show/.feedtool/lock", Body=json.dumps(alive).encode())
    assert publish(show, s3) == 3
    assert "another publish is running here" in capsys.readouterr().err
