"""An S3-compatible target (Amazon S3, Cloudflare R2, Backblaze B2, MinIO...) through boto3, an optional extra.

Each object gets its Content-Type, Cache-Control and its SHA-256 as metadata (x-amz-meta-sha256), which lets the
next publish skip what is already there even for multipart uploads, whose ETag is not an MD5. Credentials come
only from boto3's standard chain (environment, ~/.aws files, instance roles); feedtool never reads, prints, logs
or stores them, keeps botocore's debug logging (which shows signed headers) off, and scrubs their values from
every error message as a second line of defence.
"""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path
from urllib.parse import urlsplit

from feedtool.errors import PublishError
from feedtool.publish.manifest import STATE_DIR, FileEntry
from feedtool.publish.s3lock import S3Lock

log = logging.getLogger(__name__)

PART_SIZE = 8 * 1024 * 1024  # multipart above this size, in parts of this size (S3's minimum part is 5 MiB)
CONCURRENCY = 4
SHA_KEY = "sha256"
LOCK = f"{STATE_DIR}/lock"


def parse_s3_url(spec: str) -> tuple[str, str]:
    """s3://bucket/some/prefix -> ("bucket", "some/prefix/")."""
    parts = urlsplit(spec)
    if parts.scheme != "s3" or not parts.netloc:
        raise PublishError(f"{spec}: not an S3 target (write s3://bucket or s3://bucket/prefix)")
    prefix = parts.path.strip("/")
    return parts.netloc, prefix + "/" if prefix else ""


class S3Target:
    def __init__(self, spec: str, *, endpoint_url: str = "", region: str = "", acl: str = ""):
        self.bucket, self.prefix = parse_s3_url(spec)
        self.name = f"s3://{self.bucket}/{self.prefix}".rstrip("/")
        self.acl = acl
        try:
            import boto3
            import botocore.config
            from boto3.s3.transfer import TransferConfig
        except ImportError as e:
            raise PublishError(f"{self.name}: S3 targets need boto3 (pip install 'feedtool[s3]')") from e
        for name in ("boto3", "botocore", "s3transfer"):
            logging.getLogger(name).setLevel(logging.WARNING)  # their debug logs carry signed request headers
        logging.getLogger("urllib3").setLevel(logging.ERROR)
        self._secrets: tuple[str, ...] = ()
        with self._errors(self.name, "connect"):
            session = boto3.session.Session(region_name=region or None)
            config = botocore.config.Config(
                retries={"max_attempts": 5, "mode": "standard"}, connect_timeout=10, read_timeout=60
            )
            self.client = session.client("s3", endpoint_url=endpoint_url or None, config=config)
            credentials = session.get_credentials()
            if credentials is not None:
                frozen = credentials.get_frozen_credentials()
                self._secrets = tuple(v for v in (frozen.access_key, frozen.secret_key, frozen.token) if v)
        self._lock = S3Lock(self.client, self.bucket, self.key(LOCK), self.name)
        self.transfer = TransferConfig(
            multipart_threshold=PART_SIZE, multipart_chunksize=PART_SIZE, max_concurrency=CONCURRENCY
        )

    def key(self, rel: str) -> str:
        return self.prefix + rel

    @contextlib.contextmanager
    def _errors(self, where: str, action: str):
        from boto3.exceptions import Boto3Error
        from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

        try:
            yield
        except NoCredentialsError:
            raise PublishError(
                f"{where}: no S3 credentials found (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
                "or AWS_PROFILE, or write ~/.aws/credentials)"
            ) from None
        except ClientError as e:
            error = e.response.get("Error", {})
            code, message = error.get("Code", "?"), error.get("Message", "")
            hint = {
                "NoSuchBucket": "create the bucket first, or fix the bucket name",
                "AccessDenied": "check that the credentials may read and write this bucket",
                "403": "check that the credentials may read and write this bucket",
                "404": "create the bucket first, or fix the bucket name",
            }.get(code, "try again; see the message")
            raise PublishError(
                self._scrub(f"{where}: cannot {action}: {code} {message}".rstrip() + f" ({hint})")
            ) from None
        except (BotoCoreError, Boto3Error) as e:
            hint = "check [publish] endpoint_url and the network; run publish again"
            raise PublishError(self._scrub(f"{where}: cannot {action}: {e} ({hint})")) from None

    def _scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def open(self, read_only: bool = False) -> None:
        """Check the bucket and take the publish lock (s3lock.py); read_only (a dry run): only look."""
        with self._errors(f"s3://{self.bucket}", "reach the bucket"):
            self.client.head_bucket(Bucket=self.bucket)
        if not read_only:
            with self._errors(f"{self.name}/{LOCK}", "take the publish lock"):
                self._lock.take()

    def _renew_lock(self) -> None:
        with self._errors(f"{self.name}/{LOCK}", "renew the publish lock"):
            self._lock.renew()

    def close(self) -> None:
        with self._errors(f"{self.name}/{LOCK}", "release the publish lock"):
            self._lock.release()

    def inventory(self) -> dict[str, int]:
        sizes = {}
        with self._errors(self.name, "list the objects"):
            for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix):
                for item in page.get("Contents", ()):
                    rel = item["Key"][len(self.prefix) :]
                    if not rel.startswith(STATE_DIR + "/"):
                        sizes[rel] = item["Size"]
        return sizes

    def read(self, rel: str) -> bytes | None:
        with self._errors(f"{self.name}/{rel}", "read"):
            try:
                return self.client.get_object(Bucket=self.bucket, Key=self.key(rel))["Body"].read()
            except self.client.exceptions.NoSuchKey:
                return None

    def _head(self, rel: str) -> dict | None:
        from botocore.exceptions import ClientError

        with self._errors(f"{self.name}/{rel}", "read"):
            try:
                return self.client.head_object(Bucket=self.bucket, Key=self.key(rel))
            except ClientError as e:
                if e.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                    return None
                raise

    def exists(self, rel: str) -> bool:
        return self._head(rel) is not None

    def remote_hash(self, rel: str) -> str | None:
        head = self._head(rel)
        return head.get("Metadata", {}).get(SHA_KEY) if head else None

    def stat(self, rel: str) -> tuple[int, str | None] | None:
        head = self._head(rel)
        return (head["ContentLength"], head.get("ContentType")) if head else None

    def _extra(self, entry: FileEntry) -> dict:
        extra = {
            "ContentType": entry.content_type,
            "CacheControl": entry.cache_control,
            "Metadata": {SHA_KEY: entry.sha256},
        }
        if self.acl:
            extra["ACL"] = self.acl
        return extra

    def put_file(self, rel: str, source: Path, entry: FileEntry, progress=None) -> None:
        self._renew_lock()
        done = 0

        def callback(amount: int) -> None:
            nonlocal done
            done += amount
            if progress:
                progress(done)

        with self._errors(f"{self.name}/{rel}", "upload"):
            self.client.upload_file(
                str(source),
                self.bucket,
                self.key(rel),
                ExtraArgs=self._extra(entry),
                Config=self.transfer,
                Callback=callback,
            )

    def put_bytes(self, rel: str, data: bytes, entry: FileEntry | None = None) -> None:
        self._renew_lock()
        extra = self._extra(entry) if entry else {"ContentType": "application/json", "CacheControl": "no-store"}
        with self._errors(f"{self.name}/{rel}", "upload"):
            self.client.put_object(Bucket=self.bucket, Key=self.key(rel), Body=data, **extra)

    def copy(self, source_rel: str, rel: str, entry: FileEntry | None = None) -> None:
        """Server-side copy within the bucket (multipart for large objects); type and metadata go along."""
        self._renew_lock()
        extra = {"ACL": self.acl} if self.acl and not rel.startswith(STATE_DIR + "/") else None
        with self._errors(f"{self.name}/{rel}", "copy"):
            self.client.copy(
                {"Bucket": self.bucket, "Key": self.key(source_rel)},
                self.bucket,
                self.key(rel),
                ExtraArgs=extra,
                Config=self.transfer,
            )

    def delete(self, rel: str) -> None:
        self._renew_lock()
        with self._errors(f"{self.name}/{rel}", "delete"):
            self.client.delete_object(Bucket=self.bucket, Key=self.key(rel))

    def list(self, prefix: str) -> list[str]:
        keys = []
        with self._errors(f"{self.name}/{prefix}", "list the objects"):
            paginator = self.client.get_paginator("list_objects_v2")
            for page in paginator.paginate(Bucket=self.bucket, Prefix=self.key(prefix.rstrip("/") + "/")):
                keys += [item["Key"][len(self.prefix) :] for item in page.get("Contents", ())]
        return sorted(keys)
