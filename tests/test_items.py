"""build/items.py: the fast path (forked workers, spooled items, cached items copied from the previous feed)
held byte-equal to the plain one (one episode after the other in this process, items in memory, no cache), and
both to the model: the feed is render_feed(show, [render_item(e) for e in show.episodes])."""

import os
import signal

import pytest
from conftest import make_episode, many_episodes, write_config

from feedtool.build import items
from feedtool.build.pipeline import BuildOptions, run
from feedtool.errors import FeedtoolError
from feedtool.read.config import load_config
from feedtool.render.feed import render_feed, render_item

FAST = {"jobs": 2}  # parallel builder (60 episodes >= PARALLEL_FROM), cache on
PLAIN = {"jobs": 1, "use_cache": False}  # serial builder, items in memory, nothing from a previous build


def build_into(show, out, **options):
    report, _ = run(load_config(show), BuildOptions(out_dir=out, **options))
    return report


def output(out):
    """Every file of an output folder, by relative path."""
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def plain_reference(show, out):
    report = build_into(show, out, **PLAIN)
    assert report.rebuilt == report.episodes
    return output(out)


@pytest.fixture
def big_show(tmp_path):
    show = tmp_path / "show"
    write_config(show)
    many_episodes(show, 60)
    return show


def test_the_parallel_builder_is_the_one_measured():
    assert isinstance(items.item_builder(None, "", 60, jobs=2), items.ParallelBuilder)
    assert isinstance(items.item_builder(None, "", 60, jobs=1), items.SerialBuilder)
    assert isinstance(items.item_builder(None, "", items.PARALLEL_FROM - 1, jobs=2), items.SerialBuilder)


def test_fast_and_plain_paths_write_the_same_bytes_cold_and_warm(big_show, tmp_path):
    fast = tmp_path / "fast"
    assert build_into(big_show, fast, **FAST).rebuilt == 60
    assert output(fast) == plain_reference(big_show, tmp_path / "plain-1")

    # Warm, with cache hits and a parallel build of the rest: 50 episodes changed, one added, one removed.
    for n in range(1, 51):
        path = big_show / f"{n:04d}-ep.md"
        path.write_text(path.read_text().replace("Notes", f"Changed notes {n}"))
    (big_show / "0060-ep.md").unlink()
    make_episode(big_show, "0061-new.md", notes="00:00 A\n00:02 B\n", audio="media/0060.mp3", make_audio=False)
    report = build_into(big_show, fast, **FAST)
    assert (report.episodes, report.rebuilt) == (60, 51)
    assert output(fast) == plain_reference(big_show, tmp_path / "plain-2")

    # Warm, nothing changed: every item copied from the previous feed.
    assert build_into(big_show, fast, **FAST).rebuilt == 0
    assert output(fast) == plain_reference(big_show, tmp_path / "plain-3")


def test_the_feed_is_what_the_model_renders(big_show, tmp_path):
    """The contract between the stages: the bytes written are render_feed over the Show's Episodes."""
    out = tmp_path / "fast"
    build_into(big_show, out, **FAST)
    _, show = run(load_config(big_show), BuildOptions(write=False, whole_episodes=True))
    assert len(show.episodes) == 60
    assert b"".join(render_feed(show, [render_item(e) for e in show.episodes])) == (out / "feed.xml").read_bytes()


def test_errors_in_workers_are_the_errors_of_the_plain_path(big_show, tmp_path):
    make_episode(big_show, "0007-ep.md", audio="media/missing.mp3", make_audio=False)
    make_episode(big_show, "0031-ep.md", date="2024-13-01", audio="media/0031.mp3", make_audio=False)
    (big_show / "media/0044.mp3").write_bytes(b"not audio at all")
    found = {}
    for name, options in (("fast", FAST), ("plain", PLAIN)):
        with pytest.raises(FeedtoolError) as caught:
            build_into(big_show, tmp_path / name, **options)
        found[name] = caught.value.findings
        assert not (tmp_path / name / "feed.xml").exists()
    assert found["fast"] == found["plain"]
    assert [f.where.split(":")[0].rsplit("/", 1)[-1] for f in found["fast"] if f.is_error] == [
        "0007-ep.md", "0031-ep.md", "0044-ep.md"]


def test_a_killed_worker_leaves_the_last_feed_and_the_next_build_equals_the_plain_one(
    big_show, tmp_path, monkeypatch
):
    out = tmp_path / "fast"
    build_into(big_show, out, **FAST)
    before = output(out)
    for n in range(1, 61):  # every episode changed: all are built again, in the workers
        path = big_show / f"{n:04d}-ep.md"
        path.write_text(path.read_text().replace("Notes", "New notes"))
    real = items.build_episode

    def dies_on_the_seventh(config, footer, path, *args):
        if path.name == "0007-ep.md":
            os.kill(os.getpid(), signal.SIGKILL)  # in a worker process: the pool is forked after this patch
        return real(config, footer, path, *args)

    monkeypatch.setattr(items, "build_episode", dies_on_the_seventh)
    with pytest.raises(FeedtoolError, match="a build process ended abruptly"):
        build_into(big_show, out, **FAST)
    assert output(out) == before
    monkeypatch.setattr(items, "build_episode", real)
    build_into(big_show, out, **FAST)
    assert output(out) == plain_reference(big_show, tmp_path / "plain")
