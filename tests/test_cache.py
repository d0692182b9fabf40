"""build/cache.py: an episode's cache entry holds while none of its files changed, and not a moment longer."""

import os

from conftest import make_episode, write_config

from feedtool.build.cache import BuildCache
from feedtool.build.pages import pages_fingerprint
from feedtool.build.pipeline import BuildOptions, run
from feedtool.errors import warning
from feedtool.read.config import load_config


def built(tmp_path):
    show, out = tmp_path / "show", tmp_path / "out"
    write_config(show)
    make_episode(show, "0001-first.md", notes="00:00 A\n00:03 B\n")
    config = load_config(show)
    run(config, BuildOptions(out_dir=out))
    return config, show, out, str(show / "0001-first.md")


def loaded(config, out):
    # as the pipeline makes it: the config's fingerprint and the web pages' templates
    return BuildCache.for_build(config.root, out, config.fingerprint + pages_fingerprint(config)).load()


def test_an_unchanged_episode_is_found(tmp_path):
    config, show, out, episode = built(tmp_path)
    entry = loaded(config, out).lookup(episode)
    assert entry is not None and entry.ref.guid == "guid-0001-first" and entry.outputs == ("chapters/0001-first.json",)


def test_a_changed_file_a_new_transcript_or_a_lost_output_is_a_miss(tmp_path):
    config, show, out, episode = built(tmp_path)
    audio = show / "media/0001-first.mp3"
    st = audio.stat()
    os.utime(audio, ns=(st.st_atime_ns, st.st_mtime_ns + 1))  # the same size, another mtime
    assert loaded(config, out).lookup(episode) is None
    run(config, BuildOptions(out_dir=out))
    assert loaded(config, out).lookup(episode) is not None
    (show / "media/0001-first.vtt").write_text("WEBVTT\n")  # a transcript appears beside the audio
    assert loaded(config, out).lookup(episode) is None
    (show / "media/0001-first.vtt").unlink()
    (out / "chapters/0001-first.json").unlink()  # its chapters file is gone from the output
    assert loaded(config, out).lookup(episode) is None


def test_another_config_or_an_edited_feed_empties_the_cache(tmp_path):
    config, show, out, episode = built(tmp_path)
    assert not BuildCache.for_build(config.root, out, "other").load().entries
    with open(out / "feed.xml", "ab") as feed:
        feed.write(b"\n")
    assert not loaded(config, out).entries


def test_findings_are_reused_only_for_the_same_inputs_and_survive_a_save(tmp_path):
    (tmp_path / "feed.xml").write_text("<rss/>")
    cache = BuildCache(tmp_path / "index", "f", tmp_path)
    calls = []

    def compute():
        calls.append(1)
        return [warning("rule/x", "here", "found")]

    assert cache.reuse("name", ("a", 1), compute) == cache.reuse("name", ("a", 1), compute)
    assert len(calls) == 1
    cache.reuse("name", ("a", 2), compute)
    assert len(calls) == 2
    cache.save({}, {})
    again = BuildCache(tmp_path / "index", "f", tmp_path).load()
    assert again.reuse("name", ("a", 2), compute) == [warning("rule/x", "here", "found")] and len(calls) == 2
