"""feedtool check on a paged feed (RFC 5005): the pages beside a feed file, or over HTTP, checked like the feed
and their items in the cross-episode rules (feed/pages)."""

from conftest import run_cli
from servers import serve_folder
from test_paging import add_episode, paged_show

from feedtool.check.run import check_target


def built_pages(tmp_path, base_url=None):
    show = paged_show(tmp_path, 25)
    out = tmp_path / "out"
    extra = ["--base-url", base_url] if base_url else []
    assert run_cli("-q", "build", show, "--out", out, "--no-pages", *extra) == 0
    return show, out


def rules(result):
    return sorted({f.rule for f in result.findings if f.severity != "info"})


def test_a_feed_file_is_checked_with_its_pages_beside_it(tmp_path):
    _, out = built_pages(tmp_path)
    result = check_target(str(out / "feed.xml"))
    assert result.episodes == 25
    assert [f for f in result.findings if f.is_error] == []


def test_a_guid_repeated_on_another_page_is_a_duplicate(tmp_path):
    _, out = built_pages(tmp_path)
    page = out / "archive/page-1.xml"
    page.write_text(page.read_text().replace("guid-0001-ep", "guid-0025-ep"))
    duplicates = [f for f in check_target(str(out / "feed.xml")).findings if f.rule == "safety/duplicate-guid"]
    assert len(duplicates) == 1 and "archive/page-1.xml: /rss/channel/item[" in duplicates[0].where


def test_pages_not_beside_the_file_are_named_and_a_loop_is_an_error(tmp_path):
    _, out = built_pages(tmp_path)
    (out / "archive/page-2.xml").unlink()
    result = check_target(str(out / "feed.xml"))
    (note,) = [f for f in result.findings if f.rule == "feed/pages"]
    assert note.severity == "info" and note.where.endswith("archive/page-2.xml") and "--online" in note.hint
    _, out = built_pages(tmp_path / "loop")
    feed = out / "feed.xml"
    feed.write_text(feed.read_text().replace("archive/page-2.xml\"/>", "feed.xml\"/>", 1))
    assert any(f.rule == "feed/pages" and f.is_error for f in check_target(str(feed)).findings)


def test_a_feed_url_is_checked_with_its_pages_over_http(tmp_path):
    site = tmp_path / "site"
    with serve_folder(site) as base:
        show, out = built_pages(tmp_path, base_url=base + "/")
        out.rename(site)
        for media in (show / "media").iterdir():
            (site / "media").mkdir(exist_ok=True)
            (site / "media" / media.name).write_bytes(media.read_bytes())
        (site / "cover.jpg").write_bytes((show / "cover.jpg").read_bytes())
        result = check_target(base + "/feed.xml", sample=2)
        assert result.episodes == 25
        assert [f for f in result.findings if f.is_error] == []
        add_episode(show, 26)
        (site / "archive/page-2.xml").unlink()  # a page the feed links to, missing on the server
        errors = [f for f in check_target(base + "/feed.xml", sample=1).findings if f.rule == "feed/pages"]
        assert errors and errors[0].is_error and "HTTP 404" in errors[0].message


def test_an_archive_pages_podcast_guid_is_the_subscription_feeds(tmp_path):
    """A page's podcast:guid is derived from the feed it belongs to (rel="current"), not from the page's own
    URL: every page of a built show was warned 'is not the one derived from the feed URL'."""
    _, out = built_pages(tmp_path)
    findings = [f for f in check_target(str(out / "feed.xml")).findings if f.rule == "psp/podcast-guid"]
    assert findings == []
    page = out / "archive/page-1.xml"
    page.write_text(page.read_text().replace("<podcast:guid>", "<podcast:guid>0", 1))  # not a UUID now
    (finding,) = [f for f in check_target(str(out / "feed.xml")).findings if f.rule == "psp/podcast-guid"]
    assert finding.where.endswith("archive/page-1.xml: /rss/channel/podcast:guid")


def test_an_enclosure_url_or_number_repeated_on_another_page_is_a_duplicate(tmp_path):
    """The cross-episode rules over all the pages (issue 14): besides GUIDs, enclosure URLs and episode
    numbers; one page alone, and the built feed, have no repeat."""
    _, out = built_pages(tmp_path)
    assert not [f for f in check_target(str(out / "feed.xml")).findings if f.rule.startswith("safety/duplicate")]
    page = out / "archive/page-1.xml"
    page.write_text(page.read_text().replace("media/0010.mp3", "media/0025.mp3")
                    .replace("<itunes:episode>9<", "<itunes:episode>24<").replace("<podcast:episode>9<",
                                                                                  "<podcast:episode>24<"))
    found = {f.rule: f for f in check_target(str(out / "feed.xml")).findings if f.rule.startswith("safety/duplicate")}
    assert sorted(found) == ["safety/duplicate-enclosure", "safety/duplicate-number"]
    assert all("archive/page-1.xml: /rss/channel/item[" in f.where for f in found.values())
