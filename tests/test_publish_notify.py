"""After a publish: WebSub pings and the Podcast Index pubnotify, sent to HTTP endpoints on 127.0.0.1
(pytest-httpserver) that record what they receive."""

from __future__ import annotations

from conftest import BASE_URL, make_episode, run_cli, write_config
from servers import publish_table

FEED_URL = BASE_URL + "feed.xml"


def make_show(tmp_path, httpserver, *, hubs=("/hub",), podcastindex=True):
    show = tmp_path / "show"
    write_config(show, feed={"hubs": [httpserver.url_for(h) for h in hubs]},
                 extra=publish_table(podcastindex=podcastindex, podcastindex_url=httpserver.url_for("/pubnotify")))
    make_episode(show)
    return show


def publish(show, *extra):
    return run_cli("publish", show, "--out", show.parent / "public", "--to", show.parent / "www", *extra)


def test_publish_pings_the_hubs_and_the_podcast_index(tmp_path, httpserver, capsys):
    httpserver.expect_request("/hub", method="POST").respond_with_data("", status=204)
    httpserver.expect_request("/hub2", method="POST").respond_with_data("", status=202)
    httpserver.expect_request("/pubnotify", method="GET").respond_with_json(
        {"status": "true", "description": "Feed marked for immediate update."})
    show = make_show(tmp_path, httpserver, hubs=("/hub", "/hub2"))
    assert publish(show) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    assert f"notified WebSub hub {httpserver.url_for('/hub')}: HTTP 204\n" in captured.out
    assert f"notified WebSub hub {httpserver.url_for('/hub2')}: HTTP 202\n" in captured.out
    assert (f"notified Podcast Index {httpserver.url_for('/pubnotify')}: HTTP 200 (Feed marked for immediate "
            "update.)\n") in captured.out
    requests = [request for request, _ in httpserver.log]
    assert [r.path for r in requests] == ["/hub", "/hub2", "/pubnotify"]
    for hub in requests[:2]:
        assert hub.form.to_dict() == {"hub.mode": "publish", "hub.url": FEED_URL}
        assert hub.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert requests[2].args.to_dict() == {"url": FEED_URL}
    assert requests[2].headers["User-Agent"].startswith("feedtool/")
    feed = (tmp_path / "www/feed.xml").read_text()
    assert f'<atom:link rel="hub" href="{httpserver.url_for("/hub")}"/>' in feed

    assert publish(show) == 0  # the feed did not change: nobody is told
    assert "notified" not in capsys.readouterr().out
    assert len(httpserver.log) == 3


def test_a_failed_ping_is_a_warning_after_retries(tmp_path, httpserver, capsys):
    httpserver.expect_request("/hub", method="POST").respond_with_data("overloaded", status=503)
    show = make_show(tmp_path, httpserver, podcastindex=False)
    assert publish(show) == 0
    captured = capsys.readouterr()
    assert captured.err == (f"warning: WebSub hub {httpserver.url_for('/hub')}: HTTP 503 (overloaded) (the feed is "
                            "published; the directories will still poll it)\n")
    assert "feed.xml is live" in captured.out
    assert len(httpserver.log) == 4  # the first try and three retries with backoff


def test_an_unreachable_hub_is_a_warning(tmp_path, httpserver, capsys):
    show = tmp_path / "show"
    write_config(show, feed={"hubs": ["http://127.0.0.1:9/hub"]}, extra=publish_table())
    make_episode(show)
    assert publish(show) == 0
    err = capsys.readouterr().err
    assert err.startswith("warning: WebSub hub http://127.0.0.1:9/hub: not reached (")
    assert err.endswith("(the feed is published; the directories will still poll it)\n")


def test_a_refused_or_dry_run_publish_pings_nobody(tmp_path, httpserver, capsys):
    show = make_show(tmp_path, httpserver)
    assert publish(show, "--dry-run") == 0
    assert len(httpserver.log) == 0


def test_a_feed_on_this_machine_is_not_announced_to_a_public_directory(tmp_path, httpserver, capsys):
    """A rehearsal at http://127.0.0.1:8765/ (python3 -m http.server): the Podcast Index cannot fetch it, so it
    is not told (publish tried, and warned 'not reached' after retries); a hub on the same machine still is."""
    httpserver.expect_request("/hub", method="POST").respond_with_data("", status=204)
    show = tmp_path / "show"
    write_config(show, feed={"base_url": "http://127.0.0.1:8765/", "hubs": [httpserver.url_for("/hub")]},
                 extra=publish_table(podcastindex=True))  # the default pubnotify URL
    make_episode(show)
    assert publish(show) == 0
    captured = capsys.readouterr()
    assert "Podcast Index" not in captured.err  # only the warning that the feed is served over http
    assert ("not notified Podcast Index https://api.podcastindex.org/api/1.0/hub/pubnotify: the feed's address "
            "(127.0.0.1) cannot be reached from the internet\n") in captured.out
    assert f"notified WebSub hub {httpserver.url_for('/hub')}: HTTP 204\n" in captured.out
