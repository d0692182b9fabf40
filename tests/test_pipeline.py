"""build/pipeline.py: what each BuildOptions value does, on a real show folder."""

import pytest
from conftest import make_episode, write_config

from feedtool.build.pipeline import BuildOptions, run
from feedtool.errors import FeedtoolError
from feedtool.read.config import load_config


def snapshot(folder):
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def new_show(tmp_path):
    """A show with an episode that has no GUID yet and no podcast:guid recorded: a writing build would pin both."""
    show = tmp_path / "show"
    write_config(show)
    make_episode(show, "0001-first.md", guid=None, notes="00:00 A\n00:03 B\n")
    return show


def test_without_write_nothing_is_written_anywhere(new_show, tmp_path):
    before = snapshot(tmp_path)
    report, show = run(load_config(new_show), BuildOptions(out_dir=tmp_path / "out", write=False))
    assert report.episodes == 1 and report.written == () and report.pinned == ()
    assert snapshot(tmp_path) == before and not (tmp_path / "out").exists()


def test_a_writing_build_pins_what_it_decided(new_show, tmp_path):
    report, _ = run(load_config(new_show), BuildOptions(out_dir=tmp_path / "out"))
    assert sorted(report.written) == ["0001-first/index.html", "chapters/0001-first.json", "feed.xml", "index.html",
                                      "style.css"]
    assert sorted(report.pinned) == [str(new_show / "0001-first.md"), str(new_show / "show.toml")]


def test_whole_episodes_come_back_in_feed_order(new_show, tmp_path):
    make_episode(new_show, "0002-second.md", audio="media/0002-second.mp3", date="2024-02-01T08:00:00+00:00")
    _, show = run(load_config(new_show), BuildOptions(write=False, whole_episodes=True))
    assert [e.slug for e in show.episodes] == ["0002-second", "0001-first"]


def test_errors_raise_or_come_back_as_findings(new_show, tmp_path):
    make_episode(new_show, "0002-broken.md", audio="media/0002-broken.mp3", date="2024-13-01")
    config = load_config(new_show)
    with pytest.raises(FeedtoolError) as caught:
        run(config, BuildOptions(out_dir=tmp_path / "out"))
    assert [f.rule for f in caught.value.findings] == ["episode/field"]
    assert not (tmp_path / "out" / "feed.xml").exists()
    report, _ = run(config, BuildOptions(write=False, raise_errors=False))
    assert [f.rule for f in report.warnings if f.is_error] == ["episode/field"]


def test_strict_makes_warnings_stop_the_build(new_show, tmp_path):
    make_episode(new_show, "0002-second.md", audio="media/0002-second.mp3", date="2024-02-01T08:00:00+00:00", date_approximate="true")
    config = load_config(new_show)
    run(config, BuildOptions(out_dir=tmp_path / "out", write=False))
    with pytest.raises(FeedtoolError) as caught:
        run(config, BuildOptions(out_dir=tmp_path / "out", strict=True))
    assert [f.rule for f in caught.value.findings] == ["episode/date-approximate"]
