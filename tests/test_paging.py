"""Paged feeds (RFC 5005, [feed] page_size): every document read back by feedparser and podcastparser,
`next` from the subscription feed visits every episode once, archive pages stay byte-identical once full, and a
paged feed holds the same items as its unpaged twin."""

import io
import re

import feedparser
import podcastparser
from conftest import BASE_URL, make_episode, make_mp3, write_config

from feedtool.build.pipeline import BuildOptions, run
from feedtool.read.config import load_config

ITEM = re.compile(rb"    <item>\n.*?</item>\n", re.S)


def paged_show(tmp_path, count, page_size=10):
    show = tmp_path / "show"
    write_config(show, feed={"page_size": page_size})
    make_mp3(show / "media/shared.mp3")
    for n in range(1, count + 1):
        add_episode(show, n)
    return show


def add_episode(show, n):
    import shutil

    shutil.copyfile(show / "media/shared.mp3", show / f"media/{n:04d}.mp3")
    make_episode(show, f"{n:04d}-ep.md", audio=f"media/{n:04d}.mp3", make_audio=False,
                 date=f"2024-{1 + n // 28:02d}-{1 + n % 28:02d}T08:00:00+00:00")


def build(show, out, **options):
    return run(load_config(show), BuildOptions(out_dir=out, **options))[0]


def documents(out):
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*.xml")) if ".feedtool" not in p.parts}


def follow_next(out):
    """The GUIDs met by following podcastparser's paged_feed_next from the subscription feed, page by page."""
    guids, url, seen = [], BASE_URL + "feed.xml", set()
    while url:
        assert url not in seen and url.startswith(BASE_URL)
        seen.add(url)
        data = (out / url.removeprefix(BASE_URL)).read_bytes()
        assert feedparser.parse(data).bozo == 0
        parsed = podcastparser.parse(url, io.BytesIO(data))
        guids += [e["guid"] for e in parsed["episodes"]]
        url = parsed.get("paged_feed_next")
    return guids


def test_the_subscription_feed_and_archive_pages(tmp_path):
    show = paged_show(tmp_path, 25)
    out = tmp_path / "out"
    build(show, out)
    docs = documents(out)
    assert sorted(docs) == ["archive/page-1.xml", "archive/page-2.xml", "feed.xml"]
    assert [len(ITEM.findall(docs[name])) for name in sorted(docs)] == [10, 5, 10]
    page1 = docs["archive/page-1.xml"].decode()
    assert "<fh:archive/>" in page1 and 'rel="current"' in page1 and "0001-ep" in page1 and "0011-ep" not in page1
    assert f'<atom:link rel="next" href="{BASE_URL}archive/page-2.xml"/>' in docs["feed.xml"].decode()
    assert "fh:archive" not in docs["feed.xml"].decode()
    guids = follow_next(out)
    assert sorted(guids) == sorted(f"guid-{n:04d}-ep" for n in range(1, 26)) and len(guids) == 25



def channel_head(data: bytes) -> list[bytes]:
    """A document's channel elements other than its own links, dates and fh:archive, serialised."""
    from lxml import etree
    channel = etree.fromstring(data).find("channel")
    own = ("item", "lastBuildDate", "pubDate", "{http://www.w3.org/2005/Atom}link",
           "{http://purl.org/syndication/history/1.0}archive")
    return [etree.tostring(e, method="c14n", exclusive=True, with_tail=False) for e in channel if e.tag not in own]


def test_every_document_links_first_last_next_prev_archive_and_current_and_carries_the_channel(tmp_path):
    """RFC 5005 as issue 14 asks, read back by feedparser: first (the subscription feed) and last (the oldest
    archive page) everywhere; next and prev-archive from each document to the next older one, none from the
    oldest; current and fh:archive on archive pages only; and each page a complete feed with the channel's
    elements (title, artwork, owner, categories, podcast:guid...) as the subscription feed has them."""
    show = paged_show(tmp_path, 35)
    out = tmp_path / "out"
    build(show, out)
    docs = documents(out)
    feed, page = BASE_URL + "feed.xml", BASE_URL + "archive/page-{}.xml"
    expected = {
        "feed.xml": [("self", feed), ("first", feed), ("last", page.format(1)), ("next", page.format(3)),
                     ("prev-archive", page.format(3))],
        "archive/page-3.xml": [("self", page.format(3)), ("first", feed), ("last", page.format(1)),
                               ("next", page.format(2)), ("prev-archive", page.format(2)), ("current", feed)],
        "archive/page-2.xml": [("self", page.format(2)), ("first", feed), ("last", page.format(1)),
                               ("next", page.format(1)), ("prev-archive", page.format(1)), ("current", feed)],
        "archive/page-1.xml": [("self", page.format(1)), ("first", feed), ("last", page.format(1)),
                               ("current", feed)],
    }
    assert sorted(docs) == sorted(expected)
    head = channel_head(docs["feed.xml"])
    assert len(head) > 15
    for name, links in expected.items():
        parsed = feedparser.parse(docs[name])
        assert parsed.bozo == 0
        assert [(link.rel, link.href) for link in parsed.feed.links if link.rel != "alternate"] == links, name
        assert ("fh_archive" in parsed.feed) == (name != "feed.xml"), name
        assert channel_head(docs[name]) == head, name
        assert parsed.feed.title == "Fixture Show" and parsed.feed.image.href == BASE_URL + "cover.jpg"
    # a fixed range counted from the oldest: page k has episodes 10k-9 .. 10k; the newest page is not yet full
    # (25 of the 35 are archived), and the subscription feed holds the newest 10
    for name, first, last in (("archive/page-1.xml", 1, 10), ("archive/page-2.xml", 11, 20),
                              ("archive/page-3.xml", 21, 25), ("feed.xml", 26, 35)):
        numbers = [int(e["title"].split()[-1]) for e in feedparser.parse(docs[name]).entries]
        assert sorted(numbers) == list(range(first, last + 1)), name

def test_a_new_episode_rewrites_only_the_subscription_feed_and_the_newest_archive_page(tmp_path):
    show = paged_show(tmp_path, 25)
    out = tmp_path / "out"
    build(show, out)
    before = documents(out)
    mtime = (out / "archive/page-1.xml").stat().st_mtime_ns
    add_episode(show, 26)
    build(show, out)
    after = documents(out)
    assert [n for n in after if after[n] != before.get(n)] == ["archive/page-2.xml", "feed.xml"]
    assert (out / "archive/page-1.xml").stat().st_mtime_ns == mtime  # not even rewritten
    for n in range(27, 31):  # page 2 fills up; then page 3 starts and page 2 never changes again
        add_episode(show, n)
    build(show, out)
    full = documents(out)["archive/page-2.xml"]
    add_episode(show, 31)
    build(show, out)
    assert sorted(documents(out)) == ["archive/page-1.xml", "archive/page-2.xml", "archive/page-3.xml", "feed.xml"]
    assert documents(out)["archive/page-2.xml"] == full
    assert sorted(follow_next(out)) == sorted(f"guid-{n:04d}-ep" for n in range(1, 32))


def test_a_paged_feed_holds_the_items_of_its_unpaged_twin(tmp_path):
    show = paged_show(tmp_path, 25)
    build(show, tmp_path / "paged")
    write_config(show, feed={"page_size": 0})
    build(show, tmp_path / "one")
    paged = [item for data in documents(tmp_path / "paged").values() for item in ITEM.findall(data)]
    assert sorted(paged) == sorted(ITEM.findall((tmp_path / "one/feed.xml").read_bytes()))
    assert sorted(documents(tmp_path / "one")) == ["feed.xml"]


def test_warm_paged_builds_write_what_a_cold_build_writes(tmp_path):
    show = paged_show(tmp_path, 25)
    out = tmp_path / "warm"
    build(show, out)
    episode = show / "0003-ep.md"  # an old episode: its archive page changes
    episode.write_text(episode.read_text().replace("Episode 0003", "Retitled"))
    add_episode(show, 26)
    report = build(show, out)
    assert report.rebuilt == 2
    build(show, tmp_path / "cold", use_cache=False, jobs=1)
    assert documents(out) == documents(tmp_path / "cold")


def test_removing_an_old_episode_renumbers_the_pages_after_it_and_says_so(tmp_path):
    show = paged_show(tmp_path, 35)
    out = tmp_path / "out"
    assert not [f for f in build(show, out).warnings if f.rule == "feed/archive-renumbered"]
    add_episode(show, 36)  # a new episode: nothing moves between archive pages
    assert not [f for f in build(show, out).warnings if f.rule == "feed/archive-renumbered"]
    (show / "0005-ep.md").unlink()
    (said,) = [f for f in build(show, out).warnings if f.rule == "feed/archive-renumbered"]
    assert said.severity == "info" and said.where == "archive/page-1.xml to archive/page-2.xml"
    assert said.message.startswith("2 archive pages now hold episodes that were on another page, because an "
                                   "episode was removed")
    assert sorted(follow_next(out)) == sorted(f"guid-{n:04d}-ep" for n in range(1, 37) if n != 5)
    assert not [f for f in build(show, out).warnings if f.rule == "feed/archive-renumbered"]  # said once


def test_fewer_episodes_than_a_page_is_one_feed_and_old_pages_go(tmp_path):
    show = paged_show(tmp_path, 25)
    out = tmp_path / "out"
    build(show, out)
    write_config(show, feed={"page_size": 30})
    build(show, out)
    assert sorted(documents(out)) == ["feed.xml"]
    assert b'rel="next"' not in (out / "feed.xml").read_bytes()


def test_publish_puts_the_archive_pages_up_before_the_feed_and_moving_is_not_removing(tmp_path):
    import json

    from conftest import run_cli

    show = paged_show(tmp_path, 25)
    with open(show / "show.toml", "a") as config:
        config.write("\n[publish]\nverify_http = false\npodcastindex = false\n")
    www = tmp_path / "www"
    assert run_cli("publish", show, "--out", tmp_path / "out", "--to", www, "-q") == 0
    manifest = json.loads((www / ".feedtool/manifest.json").read_text())
    assert manifest["files"]["archive/page-1.xml"]["kind"] == "page"
    assert manifest["files"]["archive/page-1.xml"]["content_type"] == "application/rss+xml; charset=utf-8"
    assert len(manifest["episodes"]) == 25
    add_episode(show, 26)  # the oldest of the subscription feed moves into an archive page: not a removal
    assert run_cli("publish", show, "--out", tmp_path / "out", "--to", www, "-q") == 0
    assert documents(www) == documents(tmp_path / "out")
    assert len(json.loads((www / ".feedtool/manifest.json").read_text())["episodes"]) == 26


def test_publish_uploads_the_archive_pages_after_the_media_and_before_the_subscription_feed(tmp_path):
    """The feed links the pages: a subscriber who reads the new feed must find every page it names already up,
    on the first publish and when a new episode rewrites the newest archive page."""
    from feedtool.publish import publish_show

    show = paged_show(tmp_path, 25)
    # a feed name that sorts before archive/: the order cannot come from the names
    write_config(show, feed={"page_size": 10, "file_name": "all.xml"},
                 extra="[publish]\nverify_http = false\npodcastindex = false\n")
    out, www = tmp_path / "out", tmp_path / "www"
    for added in (None, 26):
        if added:
            add_episode(show, added)
        config = load_config(show)
        report, _ = run(config, BuildOptions(out_dir=out))
        uploaded = list(publish_show(config, report, out, target=str(www)).uploaded)
        pages = [i for i, rel in enumerate(uploaded) if rel.startswith("archive/")]
        media = [i for i, rel in enumerate(uploaded) if rel.startswith("media/")]
        assert pages and media and uploaded[-1] == "all.xml"
        assert max(media) < min(pages) and max(pages) < uploaded.index("all.xml")
    assert [rel for rel in uploaded if rel.endswith(".xml")] == ["archive/page-2.xml", "all.xml"]
