"""A show's life as a podcast app sees it. A producer builds and publishes with `feedtool publish` (each time
`--now` moves the clock) to a folder that a real web server on 127.0.0.1 serves, or to a bucket of an S3-compatible
server on 127.0.0.1 (moto); a subscriber polls the feed over HTTP as apps do (conditional GET with ETag / If-Modified-Since), follows every page (podcastparser's `next`,
feedparser's `prev-archive`), reads each with both parsers, downloads every enclosure, and keeps a library of the
GUIDs it has seen. At every poll it asserts what an app relies on: every GUID seen before is still there and still
the same episode (unless the producer removed it), its enclosure URL stable (unless the producer forced a move),
the enclosure length the bytes it downloads, no GUID twice on any page, every page well-formed, RFC 2822 dates,
whole-second durations, a lastBuildDate never after the moment, and an episode in the feed exactly when due."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import feedparser
import podcastparser
import pytest
import requests
from conftest import DATA, make_episode, run_cli, write_config
from lxml import etree
from servers import publish_table, serve_folder

ZONE = ZoneInfo("America/New_York")  # daylight saving ends Sun 2026-11-01 02:00 EDT (-04:00) -> 01:00 EST (-05:00)
ITUNES = "{http://www.itunes.com/dtds/podcast-1.0.dtd}"
ATOM = "{http://www.w3.org/2005/Atom}"
PODCAST = "{https://podcastindex.org/namespace/1.0}"
# RFC 2822 section 3.3 as apps' strict readers take it: day name, 2-digit day, month name, 4-digit year, seconds,
# a numeric zone.
RFC2822 = re.compile(r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
                     r"\d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}")


def at(local: str) -> datetime:
    """A moment given as the show's local wall-clock time."""
    return datetime.fromisoformat(local).replace(tzinfo=ZONE)


def utc(moment: str) -> datetime:
    return datetime.fromisoformat(moment).replace(tzinfo=timezone.utc)


# --- the producer: a show folder, `feedtool publish` to the target the apps read from ----------------------------

@dataclass
class Episode:
    file: Path
    live_from: datetime
    draft: bool = False
    removed: bool = False

    @property
    def guid(self) -> str:
        """The GUID the first build recorded in the episode file."""
        return re.search(r"^guid: (\S+)$", self.file.read_text("utf-8"), re.M).group(1)


class Producer:
    def __init__(self, tmp_path: Path, base_url: str, target: str, published, **publish):
        """target: `--to`; published(): the target's files, by path, as a web server or S3 holds them."""
        self.show, self.out = tmp_path / "show", tmp_path / "public"
        self.base_url, self.target, self.published, self.publish_settings = base_url, target, published, publish
        self.episodes: dict[int, Episode] = {}
        self.configure()

    def configure(self, **feed):
        write_config(self.show, show={"timezone": "America/New_York"}, feed={"base_url": self.base_url, **feed},
                     extra=publish_table(verify_http=True, public_url=self.base_url, **self.publish_settings))

    def record(self, number: int, title: str, date: str, **front) -> Episode:
        """A new episode file dated `date` (the show's wall-clock time, no offset), its GUID left to the build."""
        name = f"{number:04d}-episode-{number}"
        shutil.copyfile(DATA / "tiny.mp3", self._media(f"{name}.mp3"))
        file = make_episode(self.show, f"{name}.md", notes=f"Notes of episode {number}.", audio=f"media/{name}.mp3",
                            title=title, date=date, guid=None, **front)
        self.episodes[number] = Episode(file, at(date), draft=bool(front.get("draft")))
        return self.episodes[number]

    def _media(self, name: str) -> Path:
        (self.show / "media").mkdir(parents=True, exist_ok=True)
        return self.show / "media" / name

    def edit(self, number: int, old: str, new: str):
        file = self.episodes[number].file
        text = file.read_text("utf-8")
        assert old in text
        file.write_text(text.replace(old, new), "utf-8")

    def publish(self, now: datetime, *extra: str) -> int:
        return run_cli("publish", self.show, "--out", self.out, "--to", self.target, "--now", now.isoformat(), *extra)

    def due(self, now: datetime) -> set[str]:
        """The GUIDs an app should see at `now`: every episode dated by then, but drafts and removed ones."""
        return {e.guid for e in self.episodes.values() if e.live_from <= now and not e.draft and not e.removed}


# --- the subscriber: a podcast app polling the feed ------------------------------------------------------------

@dataclass
class Seen:
    url: str
    length: int
    title: str


@dataclass
class Poll:
    statuses: dict[str, int]  # each document's URL -> the HTTP status of its conditional GET (200 or 304)
    episodes: dict[str, Seen]
    bodies: dict[str, bytes]
    items: dict[str, etree._Element] = field(default_factory=dict)  # GUID -> its <item>, read by lxml


class Subscriber:
    def __init__(self, feed_url: str, validators: tuple[str, ...] = ("ETag", "Last-Modified")):
        self.feed_url = feed_url
        self.validators = validators  # some apps send only If-Modified-Since
        self.http = requests.Session()
        self.cache: dict[str, tuple[dict[str, str], bytes]] = {}  # URL -> (validators, body)
        self.library: dict[str, Seen] = {}
        self.show_guid: str | None = None  # podcast:guid, the show's own
        self.removed: set[str] = set()  # GUIDs the producer removed on purpose
        self.moved: set[str] = set()  # GUIDs whose enclosure URL the producer moved with --force

    def fetch(self, url: str) -> tuple[int, bytes]:
        """A conditional GET, as apps refresh a feed: the validators the server gave last time, its body on 304."""
        validators, body = self.cache.get(url, ({}, b""))
        headers = {"If-None-Match": validators["ETag"]} if "ETag" in validators else {}
        if "Last-Modified" in validators:
            headers["If-Modified-Since"] = validators["Last-Modified"]
        answer = self.http.get(url, headers=headers, timeout=10)
        if answer.status_code == 304:
            assert url in self.cache, f"{url}: 304 to a request without validators"
            return 304, body
        assert answer.status_code == 200, f"{url}: HTTP {answer.status_code}"
        if "Last-Modified" in validators and answer.content != body:  # HTTP caches and apps rely on it
            assert parsedate_to_datetime(answer.headers["Last-Modified"]) >= parsedate_to_datetime(
                validators["Last-Modified"]), f"{url}: changed, yet its Last-Modified went back in time"
        self.cache[url] = ({k: answer.headers[k] for k in self.validators if k in answer.headers}, answer.content)
        return 200, answer.content

    def download(self, url: str) -> bytes:
        answer = self.http.get(url, timeout=10)
        assert answer.status_code == 200, f"{url}: HTTP {answer.status_code}"
        return answer.content

    def poll(self, now: datetime) -> Poll:
        """Read every page of the feed as of `now`, check each, and bring the library up to date."""
        poll = Poll({}, {}, {})
        url = self.feed_url
        while url:  # gPodder's walk: podcastparser's paged_feed_next
            assert url not in poll.statuses, f"{url}: the pages' next links loop"
            poll.statuses[url], body = self.fetch(url)
            poll.bodies[url] = body
            parsed = self.read_page(url, body, now, poll)
            url = parsed.get("paged_feed_next")
        assert self.archive_walk(poll) == list(poll.statuses), "prev-archive and next lead to other pages"
        self.check_library(poll)
        self.library.update(poll.episodes)
        return poll

    def read_page(self, url: str, body: bytes, now: datetime, poll: Poll) -> dict:
        """One document read by feedparser, podcastparser and lxml; its episodes added to the poll."""
        fp = feedparser.parse(body)
        assert fp.bozo == 0, f"{url}: {fp.get('bozo_exception')}"
        pp = podcastparser.parse(url, io.BytesIO(body))
        root = etree.fromstring(body)
        channel = root.find("channel")
        for name in ("lastBuildDate", "pubDate"):  # the channel's: when its content last changed
            text = channel.findtext(name)
            assert RFC2822.fullmatch(text), f"{url}: {name} {text!r}"
            assert parsedate_to_datetime(text) <= now, f"{url}: {name} {text} is after {now}"
        assert channel.find(f"{ATOM}link[@rel='self']").get("href") == url, f"{url}: names another URL as itself"
        show_guid = channel.findtext(f"{PODCAST}guid")
        assert show_guid == (self.show_guid or show_guid), f"{url}: podcast:guid changed: another show for apps"
        self.show_guid = show_guid
        self.download(channel.find(f"{ITUNES}image").get("href"))  # the cover the app shows
        items = channel.findall("item")
        assert len(items) == len(fp.entries) == len(pp["episodes"]), url
        for item, entry, episode in zip(items, fp.entries, pp["episodes"], strict=True):
            guid = item.findtext("guid")
            assert guid == entry.id == episode["guid"], url
            assert guid not in poll.episodes, f"{guid} twice in the feed (again on {url})"
            self.check_item(guid, item, entry, episode, now)
            (enclosure,) = episode["enclosures"]
            poll.episodes[guid] = Seen(enclosure["url"], enclosure["file_size"], episode["title"])
            poll.items[guid] = item
        return pp

    def check_item(self, guid: str, item, entry, episode: dict, now: datetime):
        pub_date = item.findtext("pubDate")
        assert RFC2822.fullmatch(pub_date), f"{guid}: pubDate {pub_date!r}"
        published = parsedate_to_datetime(pub_date)
        assert published.strftime("%a") == pub_date[:3], f"{guid}: pubDate {pub_date!r} has the wrong weekday"
        assert published <= now, f"{guid}: pubDate {pub_date} is after {now}: shown before it is due"
        assert episode["published"] == int(published.timestamp()), guid
        duration = item.findtext(f"{ITUNES}duration")
        assert re.fullmatch(r"[1-9]\d*", duration), f"{guid}: itunes:duration {duration!r}"
        assert episode["total_time"] == int(duration), guid
        (enclosure,) = episode["enclosures"]
        (link,) = [link for link in entry.links if link.rel == "enclosure"]
        assert link.href == enclosure["url"] and int(link.length) == enclosure["file_size"], guid
        chapters = item.find(f"{PODCAST}chapters")
        if chapters is not None:  # apps fetch the chapters when the episode is played
            assert "chapters" in requests.get(chapters.get("url"), timeout=10).json(), guid
        audio = self.download(enclosure["url"])
        assert len(audio) == enclosure["file_size"], (
            f"{guid}: the feed says {enclosure['file_size']} bytes, {enclosure['url']} gives {len(audio)}")

    def archive_walk(self, poll: Poll) -> list[str]:
        """The documents an RFC 5005 archive reader visits: feedparser's prev-archive links from the feed."""
        walk, url = [], self.feed_url
        while url and url in poll.bodies:
            walk.append(url)
            links = feedparser.parse(poll.bodies[url]).feed.get("links", [])
            url = next((link.href for link in links if link.rel == "prev-archive"), None)
        return walk

    def check_library(self, poll: Poll):
        """Nothing an app has is lost or silently becomes another episode."""
        for guid, before in self.library.items():
            if guid in self.removed:
                assert guid not in poll.episodes, f"{guid}: removed, yet still in the feed"
                continue
            assert guid in poll.episodes, f"{guid} ({before.title!r}) is gone from the feed"
            if guid not in self.moved:
                assert poll.episodes[guid].url == before.url, f"{guid}: enclosure URL changed"


# --- the show's life -------------------------------------------------------------------------------------------

@pytest.fixture(params=["folder", "s3"])
def studio(request, tmp_path):
    """A producer and a subscriber, and between them a target the producer publishes to that serves the app over
    HTTP: a folder behind a web server, or a bucket of an S3-compatible server (moto)."""
    if request.param == "folder":
        www = tmp_path / "www"
        www.mkdir()
        with serve_folder(www) as base_url:
            def published():
                return {p.relative_to(www).as_posix(): p.read_bytes() for p in www.rglob("*")
                        if p.is_file() and ".feedtool" not in p.parts}

            yield Producer(tmp_path, base_url, str(www), published), Subscriber(base_url + "feed.xml")
        return
    s3 = request.getfixturevalue("s3")
    base_url = f"{s3.endpoint}/{s3.bucket}/show/"

    def published():
        listing = s3.client.get_paginator("list_objects_v2").paginate(Bucket=s3.bucket, Prefix="show/")
        keys = [o["Key"] for page in listing for o in page.get("Contents", ()) if "/.feedtool/" not in o["Key"]]
        return {k[5:]: s3.client.get_object(Bucket=s3.bucket, Key=k)["Body"].read() for k in keys}

    producer = Producer(tmp_path, base_url, s3.target, published, endpoint_url=s3.endpoint, acl="public-read")
    # The app sends only If-None-Match here: moto 5.2 answers 304 when If-Modified-Since holds even if the ETag
    # differs (S3 and RFC 9110 let If-None-Match decide), and these publishes follow each other within a second.
    yield producer, Subscriber(base_url + "feed.xml", validators=("ETag",))


def publish_and_poll(producer: Producer, apps: Subscriber | list[Subscriber], now: datetime, *extra: str) -> Poll:
    """The producer publishes as of `now`; then every app polls, and sees exactly the episodes due."""
    assert producer.publish(now, *extra) == 0
    for app in apps if isinstance(apps, list) else [apps]:
        poll = app.poll(now)
        assert set(poll.episodes) == producer.due(now), f"as of {now}"
    return poll


def not_served(producer: Producer, rel: str) -> bool:
    return requests.head(producer.base_url + rel, timeout=10).status_code in (403, 404)  # S3: 403 to the public


def longer_mp3(path: Path, seconds: int) -> Path:
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"sine=frequency=330:duration={seconds}",
                    "-ac", "1", "-b:a", "32k", "-c:a", "libmp3lame", str(path)], check=True)
    return path


def test_episodes_come_one_by_one_go_live_on_time_across_daylight_saving_and_change_in_place(studio, capsys):
    producer, app = studio
    apps = [app]
    producer.record(1, "Pilot", "2026-09-01T09:00:00")
    producer.edit(1, "Notes of episode 1.", "Notes of episode 1.\n\n00:00 Hello\n00:03 The guest")  # chapters
    poll = publish_and_poll(producer, apps, at("2026-09-01T09:30:00"))
    assert [s.title for s in poll.episodes.values()] == ["Pilot"]

    producer.record(2, "Second", "2026-09-08T09:00:00")
    publish_and_poll(producer, apps, at("2026-09-08T10:00:00"))
    producer.record(3, "Third", "2026-09-15T09:00:00")
    publish_and_poll(producer, apps, at("2026-09-15T12:00:00"))

    # A draft, dated in the past: out of the feed, and its audio not on the web, until the producer says so.
    producer.record(4, "Draft", "2026-09-10T09:00:00", draft="true")
    publish_and_poll(producer, apps, at("2026-09-20T12:00:00"))
    assert not_served(producer, "media/0004-episode-4.mp3")

    # Scheduled for 09:00 on the first day of standard time (EST, -05:00: 14:00 UTC; in EDT it would be 13:00 UTC).
    # Until then the feed does not change: the apps' conditional GETs are answered 304.
    # Nothing of it is on the web before then: not its audio, nor its chapters (they may give the story away).
    scheduled = producer.record(5, "After the clocks go back", "2026-11-01T09:00:00")
    producer.edit(5, "Notes of episode 5.", "Notes of episode 5.\n\n00:00 Before\n00:04 The twist")
    for moment in (at("2026-10-31T09:00:00"), utc("2026-11-01T13:00:00"), utc("2026-11-01T13:59:59")):
        poll = publish_and_poll(producer, apps, moment)
        assert set(poll.statuses.values()) == {304}
        assert not_served(producer, "media/0005-episode-5.mp3")
        assert not_served(producer, "chapters/0005-episode-5.json")
    poll = publish_and_poll(producer, apps, utc("2026-11-01T14:00:00"))
    assert poll.items[scheduled.guid].findtext("pubDate") == "Sun, 01 Nov 2026 09:00:00 -0500"
    last_build = etree.fromstring(poll.bodies[app.feed_url]).findtext("channel/lastBuildDate")
    assert parsedate_to_datetime(last_build) == utc("2026-11-01T14:00:00")  # the feed changed at that moment

    # The draft goes out, back-dated: it appears among the older episodes.
    producer.edit(4, "draft: 'true'\n", "")
    producer.episodes[4].draft = False
    publish_and_poll(producer, apps, at("2026-11-02T08:00:00"))

    # An old episode's title and notes are corrected: the same GUID and enclosure, the new title.
    pilot = producer.episodes[1].guid
    producer.edit(1, "title: Pilot", "title: 'Pilot (corrected)'")
    producer.edit(1, "Notes of episode 1.", "Notes of episode 1, with the guest's name spelled right.")
    poll = publish_and_poll(producer, apps, at("2026-11-03T08:00:00"))
    assert poll.episodes[pilot].title == "Pilot (corrected)"
    assert "spelled right" in etree.tostring(poll.items[pilot]).decode()

    # Episode 2's file renamed by the producer: it stays the same episode for the apps.
    second = producer.episodes[2]
    second.file = second.file.rename(second.file.with_name("0002-the-second-one.md"))
    publish_and_poll(producer, apps, at("2026-11-03T09:00:00"))

    # Episode 2's audio re-cut, longer, under the same name: the same URL, the new length and duration.
    before = app.library[second.guid]
    longer_mp3(producer.show / "media/0002-episode-2.mp3", 15)
    poll = publish_and_poll(producer, apps, at("2026-11-04T08:00:00"))
    assert poll.episodes[second.guid].url == before.url and poll.episodes[second.guid].length > before.length
    assert poll.items[second.guid].findtext(f"{ITUNES}duration") == "15"

    # Episode 3's audio re-cut under a new name: publish refuses the new enclosure URL (apps would download the
    # episode again), the live feed stays as it was; with --force it goes out.
    third = producer.episodes[3].guid
    longer_mp3(producer.show / "media/0003-episode-3-recut.mp3", 9)
    producer.edit(3, "audio: media/0003-episode-3.mp3", "audio: media/0003-episode-3-recut.mp3")
    capsys.readouterr()
    assert producer.publish(at("2026-11-05T08:00:00")) == 3
    assert "published enclosure URL" in capsys.readouterr().err
    assert set(app.poll(at("2026-11-05T08:00:00")).statuses.values()) == {304}  # nothing changed
    # An app that sends only If-Modified-Since subscribes now (Last-Modified counts whole seconds: it has to read
    # the feed a second after it last changed to tell the next change from it).
    apps.append(Subscriber(app.feed_url, validators=("Last-Modified",)))
    for subscriber in apps:
        subscriber.moved.add(third)
    poll = publish_and_poll(producer, apps, at("2026-11-05T09:00:00"), "--force")
    assert poll.episodes[third].url.endswith("media/0003-episode-3-recut.mp3")
    forced = poll.bodies[app.feed_url]

    # The producer takes that back: every app must see the version before it again.
    time.sleep(1.05)
    assert run_cli("publish", producer.show, "--to", producer.target, "--rollback", "-q") == 0
    for subscriber in apps:
        poll = subscriber.poll(at("2026-11-05T10:00:00"))
        assert poll.statuses[app.feed_url] == 200, "the app was told the rolled-back feed had not changed"
        assert poll.bodies[app.feed_url] != forced and poll.episodes[third].url.endswith("media/0003-episode-3.mp3")


def test_paging_turned_on_for_subscribers_then_pages_fill_roll_over_change_and_lose_episodes(studio, capsys):
    producer, app = studio
    archive = producer.base_url + "archive/page-{}.xml"
    day = at("2026-01-05T09:00:00")

    def weekly(n: int, **front) -> Episode:
        return producer.record(n, f"Week {n}", (day + timedelta(weeks=n - 1)).isoformat()[:19], **front)

    for n in range(1, 5):
        weekly(n)
    now = day + timedelta(weeks=3, hours=1)
    poll = publish_and_poll(producer, app, now)
    assert list(poll.statuses) == [app.feed_url]

    producer.configure(page_size=2)  # the show already has subscribers: they keep every episode through the pages
    now += timedelta(hours=1)
    poll = publish_and_poll(producer, app, now)
    assert list(poll.statuses) == [app.feed_url, archive.format(1)]
    # What README says of paging: an app that follows neither `next` nor `prev-archive` sees the newest page_size.
    assert len(feedparser.parse(poll.bodies[app.feed_url]).entries) == 2

    for n in range(5, 9):  # the archive's newest page fills, then a new one starts
        weekly(n)
        now = day + timedelta(weeks=n - 1, minutes=5)
        poll = publish_and_poll(producer, app, now)
        assert len(poll.statuses) == 1 + -(-(n - 2) // 2)
    full_page = poll.bodies[archive.format(1)]

    # A draft and an episode scheduled for next week change no page until they are due.
    weekly(9, draft="true")
    weekly(10)
    for moment in (now + timedelta(hours=1), day + timedelta(weeks=9) - timedelta(seconds=1)):
        poll = publish_and_poll(producer, app, moment)
        assert set(poll.statuses.values()) == {304}
    now = day + timedelta(weeks=9)
    poll = publish_and_poll(producer, app, now)
    assert poll.bodies[archive.format(1)] == full_page

    # The oldest episode's title corrected: its archive page changes, and so does the subscription feed (its
    # lastBuildDate), so that an app that re-reads the pages only when the feed changes finds the new title.
    first = producer.episodes[1].guid
    producer.edit(1, "title: Week 1", "title: Week 1 (corrected)")
    now += timedelta(hours=1)
    poll = publish_and_poll(producer, app, now)
    assert poll.statuses[app.feed_url] == poll.statuses[archive.format(1)] == 200
    assert poll.episodes[first].title == "Week 1 (corrected)"

    # Episode 2, on the oldest page, is withdrawn: publish refuses to drop a published episode until forced, and
    # says the pages after it were renumbered; every app that reads the pages again has every other one once.
    withdrawn = producer.episodes[2]
    gone = withdrawn.guid
    withdrawn.file.unlink()
    withdrawn.removed = True
    now += timedelta(hours=1)
    capsys.readouterr()
    assert producer.publish(now) == 3
    err = capsys.readouterr().err
    assert f"published episode (GUID '{gone}') would be dropped" in err
    assert "info: archive/page-1.xml to archive/page-3.xml: 3 archive pages now hold episodes that were on " \
           "another page" in err
    app.removed.add(gone)
    audio = requests.get(app.library[gone].url, timeout=10).content
    poll = publish_and_poll(producer, app, now, "--force")
    # An app that still holds the feed before (a CDN's copy, a download queued for later) gets the audio it
    # names for [publish] keep_removed_days.
    assert requests.get(app.library[gone].url, timeout=10).content == audio != b""

    # Paging turned off again: one feed with every episode, the archive pages gone.
    producer.configure()
    now += timedelta(hours=1)
    poll = publish_and_poll(producer, app, now)
    assert list(poll.statuses) == [app.feed_url]
    assert requests.get(archive.format(1), timeout=10).status_code == 200  # kept for apps that have the pages

    # ...and back, by --rollback: the paged version, every page of it, as the apps had it.
    time.sleep(1.05)  # Last-Modified counts whole seconds
    assert run_cli("publish", producer.show, "--to", producer.target, "--rollback", "-q") == 0
    poll = app.poll(now + timedelta(minutes=5))
    assert len(poll.statuses) == 4 and poll.statuses[app.feed_url] == 200
    assert set(poll.episodes) == producer.due(now)


def test_an_unchanged_rebuild_is_byte_identical_and_the_app_gets_304(studio):
    producer, app = studio
    producer.configure(page_size=2)
    for n in range(1, 6):
        producer.record(n, f"Episode {n}", f"2026-03-0{n}T09:00:00")
    publish_and_poll(producer, app, at("2026-03-06T09:00:00"))
    dates = producer.show / ".feedtool/feed-dates.json"
    laptop = dates.read_bytes()  # the record of a machine that published then, and not since
    producer.edit(2, "Notes of episode 2.", "Notes of episode 2, corrected.")  # the feed changes at 10:00
    now = at("2026-03-06T10:00:00")
    first = publish_and_poll(producer, app, now)
    assert first.statuses[app.feed_url] == 200 and len(first.statuses) == 3
    files = producer.published()
    for later in (now, now + timedelta(days=3)):  # the same moment, and days later with nothing new
        again = publish_and_poll(producer, app, later)
        assert producer.published() == files
        assert set(again.statuses.values()) == {304}, again.statuses
        assert again.bodies == first.bodies

    # The show published from a fresh checkout (another machine, CI): .feedtool/, the build's cache and records,
    # is not in it (README: git-ignored, safe to delete); or from a machine that last published before the edit.
    # Nothing the apps read may change.
    shutil.rmtree(producer.show / ".feedtool")
    again = publish_and_poll(producer, app, now + timedelta(days=4))
    assert producer.published() == files
    assert set(again.statuses.values()) == {304}, again.statuses
    shutil.rmtree(producer.show / ".feedtool")
    dates.parent.mkdir()
    dates.write_bytes(laptop)
    again = publish_and_poll(producer, app, now + timedelta(days=5))
    assert producer.published() == files
    assert set(again.statuses.values()) == {304}, again.statuses


@pytest.mark.parametrize("take_back", ["a later date", "draft"])
def test_a_published_episode_is_not_taken_back_by_a_new_date_or_a_draft_without_force(studio, capsys, take_back):
    producer, app = studio
    producer.record(1, "One", "2026-05-01T09:00:00")
    producer.record(2, "Two", "2026-05-08T09:00:00")
    now = at("2026-05-08T10:00:00")
    publish_and_poll(producer, app, now)
    if take_back == "draft":
        producer.edit(2, "title: Two\n", "title: Two\ndraft: true\n")
    else:
        producer.edit(2, "date: '2026-05-08T09:00:00'", "date: '2026-06-08T09:00:00'")
    capsys.readouterr()
    assert producer.publish(now + timedelta(hours=1)) == 3
    assert "would be dropped from the feed" in capsys.readouterr().err
    assert set(app.poll(now + timedelta(hours=1)).statuses.values()) == {304}


def test_an_episode_scheduled_after_the_clocks_go_forward_goes_live_on_time(studio):
    producer, app = studio
    producer.record(1, "Winter", "2027-03-07T09:00:00")
    spring = producer.record(2, "Spring", "2027-03-14T09:00:00")  # EDT from 02:00 that night: 13:00 UTC, not 14:00
    publish_and_poll(producer, app, utc("2027-03-14T12:59:59"))
    poll = publish_and_poll(producer, app, utc("2027-03-14T13:00:00"))
    assert poll.items[spring.guid].findtext("pubDate") == "Sun, 14 Mar 2027 09:00:00 -0400"


@pytest.mark.parametrize("date, problem", [
    ("2027-03-14T02:30:00", "'2027-03-14T02:30:00' does not exist in America/New_York: the clocks went forward "
                            "then (write the time as the clocks read it, 2027-03-14T03:30:00, or give the offset)"),
    ("2026-11-01T01:30:00", "'2026-11-01T01:30:00' happens twice in America/New_York: the clocks went back then "
                            "(give the offset: 2026-11-01T01:30:00-04:00 the first time, "
                            "2026-11-01T01:30:00-05:00 the second)"),
])
def test_a_time_the_clocks_skip_or_repeat_is_not_guessed(studio, capsys, date, problem):
    """Scheduled at a wall-clock time that the change to or from daylight saving skips or repeats: apps would be
    told a moment the producer did not choose (02:30 was written as 02:30 -0500, which is 03:30 EDT)."""
    producer, app = studio
    producer.record(1, "Night owl", date)
    assert producer.publish(utc("2027-06-01T00:00:00")) == 1
    assert f"date: {problem}" in capsys.readouterr().err


def test_the_feed_a_producer_built_and_looked_at_is_the_one_publish_puts_online(studio):
    producer, app = studio
    producer.record(1, "One", "2026-05-01T09:00:00")
    publish_and_poll(producer, app, at("2026-05-01T10:00:00"))
    producer.record(2, "Two", "2026-05-08T09:00:00")
    assert run_cli("build", producer.show, "--out", producer.out, "--now", at("2026-05-08T09:30:00").isoformat()) == 0
    built = (producer.out / "feed.xml").read_bytes()
    poll = publish_and_poll(producer, app, at("2026-05-08T10:00:00"))  # half an hour later: nothing else changed
    assert poll.bodies[app.feed_url] == built
