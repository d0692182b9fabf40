"""publish puts the web pages online after the media and before the feed, as text/html; charset=utf-8 with the
feed's short Cache-Control; and a page of an episode removed from the show goes away after the feed."""

from __future__ import annotations

from conftest import make_episode, run_cli, write_config
from servers import publish_table

from feedtool.build.pipeline import BuildOptions, run
from feedtool.publish import publish_show
from feedtool.read.config import load_config


def pages_show(tmp_path, **publish):
    show = tmp_path / "show"
    write_config(show, extra=publish_table(pages=True, **publish))
    for n in (1, 2):
        make_episode(show, f"000{n}-ep.md", audio=f"media/000{n}-ep.mp3", date=f"2024-0{n}-15T08:00:00+00:00")
    return show


def test_pages_go_up_after_the_media_and_before_the_feed(tmp_path):
    show = pages_show(tmp_path)
    config = load_config(show)
    out = tmp_path / "public"
    report, _ = run(config, BuildOptions(out_dir=out))
    result = publish_show(config, report, out, target=str(tmp_path / "www"))
    uploaded = list(result.uploaded)
    assert uploaded[-1] == "feed.xml"
    pages = [i for i, rel in enumerate(uploaded) if rel.endswith(".html")]
    media = [i for i, rel in enumerate(uploaded) if rel.startswith(("media/", "chapters/")) or rel == "cover.jpg"]
    assert sorted(rel for rel in uploaded if rel.endswith(".html")) == ["0001-ep/index.html", "0002-ep/index.html",
                                                                       "index.html"]
    assert max(media) < min(pages) and max(pages) < uploaded.index("feed.xml")
    for rel in uploaded:
        assert (tmp_path / "www" / rel).read_bytes() == (out / rel if (out / rel).exists() else show / rel).read_bytes()


def test_pages_on_s3_carry_their_type_and_the_feeds_cache_control(tmp_path, s3, capsys):
    show = tmp_path / "show"
    write_config(show, extra=publish_table(pages=True, endpoint_url=s3.endpoint, feed_max_age=120))
    make_episode(show)
    assert run_cli("publish", show, "--out", tmp_path / "public", "--to", s3.target) == 0
    for rel, kind, cache in (("index.html", "text/html; charset=utf-8", "public, max-age=120"),
                             ("0001-first/index.html", "text/html; charset=utf-8", "public, max-age=120"),
                             ("style.css", "text/css; charset=utf-8", "public, max-age=3600"),
                             ("feed.xml", "application/rss+xml; charset=utf-8", "public, max-age=120")):
        meta = s3.client.head_object(Bucket=s3.bucket, Key="show/" + rel)
        assert (meta["ContentType"], meta["CacheControl"]) == (kind, cache), rel

    (show / "0001-first.md").rename(show / "0002-renamed.md")  # the episode's page moves with its file name
    capsys.readouterr()
    assert run_cli("publish", show, "--out", tmp_path / "public", "--to", s3.target) == 0
    assert "0 removed, 1 dropped file kept" in capsys.readouterr().out  # a link to the old page still works
    keys = {o["Key"] for o in s3.client.list_objects_v2(Bucket=s3.bucket, Prefix="show/")["Contents"]}
    assert "show/0002-renamed/index.html" in keys and "show/0001-first/index.html" in keys
    assert run_cli("publish", show, "--out", tmp_path / "public", "--to", s3.target, "--purge") == 0
    keys = {o["Key"] for o in s3.client.list_objects_v2(Bucket=s3.bucket, Prefix="show/")["Contents"]}
    assert "show/0002-renamed/index.html" in keys and "show/0001-first/index.html" not in keys
