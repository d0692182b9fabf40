"""A lock on an S3 target, so that two publishes to one bucket prefix cannot interleave.

S3 has no locks, but it has conditional writes (2024): `PUT` with `If-None-Match: *` creates an object only if
none is there, and `If-Match: <ETag>` replaces one only if it is still the one read. The lock is the object
`<prefix>/.feedtool/lock`, holding who took it and until when:

- take it: PUT If-None-Match: * . Another publish holds it (412): refused, naming since when and until when;
- a lock past its expiry, or whose publish ran on this machine and is gone (killed), is taken over with PUT
  If-Match: <its ETag>, so of two publishes that find it so only one gets it;
- a long publish keeps its lock: each write, once half the time is gone, renews it with If-Match (a renewal
  that fails means another publish took the lock over: this one stops);
- release: DELETE, after checking that the object is still ours.

A storage that ignores the conditions (some S3-compatible servers do) gives no protection; Amazon S3, R2,
MinIO and moto honour them.
"""

from __future__ import annotations

import json
import os
import socket
import time
import uuid
from datetime import UTC, datetime, timedelta

from feedtool.errors import PublishError

EXPIRY_SECONDS = 3600  # a lock left by a publish that died is taken over after this long
CONFLICT_CODES = ("PreconditionFailed", "412", "ConditionalRequestConflict", "409")


class S3Lock:
    def __init__(self, client, bucket: str, key: str, name: str, expiry: float = EXPIRY_SECONDS):
        self.client, self.bucket, self.key, self.name = client, bucket, key, name
        self.expiry = expiry
        self.etag: str | None = None  # of our lock object, while we hold it
        self.renew_at = 0.0  # time.monotonic() after which a write renews the lock

    def take(self) -> None:
        try:
            self._put(IfNoneMatch="*")
            return
        except self.client.exceptions.ClientError as e:
            if _code(e) not in CONFLICT_CODES:
                raise
        held, etag = self._read()
        if held is None:  # released between our attempt and our look: try once more
            self._put(IfNoneMatch="*")
            return
        if _expired(held) or _dead(held):
            try:
                self._put(IfMatch=etag)  # only if nobody took it over since we read it
                return
            except self.client.exceptions.ClientError as e:
                if _code(e) not in CONFLICT_CODES:
                    raise
                held, _ = self._read()
        raise PublishError(
            f"{self.name}: another publish is running here (since {_field(held, 'taken')}, from "
            f"{_field(held, 'host')}, process {_field(held, 'pid')}) (wait for it to finish; a lock left by "
            f"a publish that died expires at {_field(held, 'expires')})"
        )

    def renew(self) -> None:
        """Called before each write: past half its time, the lock is renewed (If-Match: still ours)."""
        if self.etag is None or time.monotonic() < self.renew_at:
            return
        try:
            self._put(IfMatch=self.etag)
        except self.client.exceptions.ClientError as e:
            if _code(e) not in CONFLICT_CODES:
                raise
            self.etag = None
            raise PublishError(
                f"{self.name}: the publish lock was taken over by another publish while this one ran "
                "(publish again once it is done)"
            ) from None

    def release(self) -> None:
        if self.etag is None:
            return
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=self.key)
            if head.get("ETag") == self.etag:  # still ours (not taken over after an expiry)
                self.client.delete_object(Bucket=self.bucket, Key=self.key)
        except self.client.exceptions.ClientError:
            pass  # gone already, or unreadable: it expires by itself
        self.etag = None

    def _put(self, **condition) -> None:
        now = datetime.now(UTC)
        body = {
            "owner": uuid.uuid4().hex,
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "taken": now.isoformat(timespec="seconds"),
            "expires": (now + timedelta(seconds=self.expiry)).isoformat(timespec="seconds"),
        }
        response = self.client.put_object(
            Bucket=self.bucket,
            Key=self.key,
            Body=json.dumps(body).encode(),
            ContentType="application/json",
            CacheControl="no-store",
            **condition,
        )
        self.etag = response["ETag"]
        self.renew_at = time.monotonic() + self.expiry / 2

    def _read(self) -> tuple[dict | None, str | None]:
        try:
            found = self.client.get_object(Bucket=self.bucket, Key=self.key)
        except self.client.exceptions.NoSuchKey:
            return None, None
        try:
            held = json.loads(found["Body"].read())
        except ValueError:
            held = {}  # not ours to read: treated as expired, taken over with If-Match
        return (held if isinstance(held, dict) else {}), found["ETag"]


def _code(error) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _expired(held: dict) -> bool:
    try:
        return datetime.fromisoformat(held["expires"]) <= datetime.now(UTC)
    except (KeyError, TypeError, ValueError):
        return True  # no expiry we can read: a lock nobody can vouch for


def _dead(held: dict) -> bool:
    """Whether the lock's publish ran on this machine and its process is gone (killed): no need to wait."""
    if held.get("host") != socket.gethostname() or not isinstance(held.get("pid"), int):
        return False
    try:
        os.kill(held["pid"], 0)
    except ProcessLookupError:
        return True
    except OSError:  # alive, another user's
        pass
    return False


def _field(held: dict | None, name: str) -> str:
    return str((held or {}).get(name, "?"))
