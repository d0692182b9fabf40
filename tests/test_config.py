"""read/config.py: show.toml into frozen dataclasses, every problem collected, flags over the file."""

import pytest
from conftest import BASE_URL, write_config

from feedtool.errors import ConfigError
from feedtool.read.config import load_config


def test_every_problem_is_reported_at_once(tmp_path):
    write_config(tmp_path, show={"title": None, "explicit": "yes", "type": "weekly"}, feed={"base_url": "ftp://x"},
                 extra="[publish]\nfeed_max_age = -1\n")
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    places = sorted(f.where.split(":")[-1] for f in caught.value.findings)
    assert places == ["feed.base_url", "publish.feed_max_age", "show.explicit", "show.title", "show.type"]
    assert all(f.where.startswith(str(tmp_path / "show.toml")) for f in caught.value.findings)


def test_flags_win_over_the_file_and_none_means_not_given(tmp_path):
    write_config(tmp_path)
    assert load_config(tmp_path, **{"feed.base_url": None}).feed.base_url == BASE_URL
    config = load_config(tmp_path, **{"feed.base_url": "https://other.example.org/p/"})
    assert config.feed.base_url == "https://other.example.org/p/"
    assert config.feed_url == "https://other.example.org/p/feed.xml"


def test_paths_and_urls_are_relative_to_the_show_folder(tmp_path):
    write_config(tmp_path)
    config = load_config(tmp_path / "show.toml")
    assert config.root == tmp_path
    assert config.relative_path(tmp_path / "media" / "a.mp3") == "media/a.mp3"
    assert config.url_for("media/a.mp3") == BASE_URL + "media/a.mp3"
    with pytest.raises(ValueError):
        config.relative_path("/elsewhere/a.mp3")


def test_the_fingerprint_follows_what_shapes_the_output_but_not_the_recorded_guid(tmp_path):
    write_config(tmp_path)
    first = load_config(tmp_path).fingerprint
    write_config(tmp_path, show={"guid": "9b024349-ccf0-5f69-a609-6b82873eab3c"})
    assert load_config(tmp_path).fingerprint == first  # build writes show.guid itself: no cache invalidation
    # --offline changes where remote measurements come from, not the output (there was no [build] table here)
    assert load_config(tmp_path, **{"build.offline": True}).fingerprint == first
    write_config(tmp_path, show={"title": "Another title"})
    assert load_config(tmp_path).fingerprint != first


def test_unknown_keys_are_warnings_with_a_suggestion(tmp_path):
    write_config(tmp_path, extra="[feeed]\nbase_url = 'x'\n")
    config = load_config(tmp_path)
    (finding,) = [f for f in config.warnings if f.rule == "config/unknown"]
    assert finding.hint == "did you mean 'feed'?"


HINT = "delete that invisible character; in TOML it may be written as an escape such as \\u0007"


def test_a_character_xml_cannot_carry_is_an_error_naming_the_key(tmp_path):
    """TOML's \\u escapes can write a control character; the feed could not carry it (it was a render error
    that named no file)."""
    write_config(tmp_path, show={"title": "Bell\u0007", "categories": ["News", "Arts\u001b"]},
                 extra='[[show.funding]]\ntext = "Give\\u0000"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    assert [str(f).removeprefix(str(tmp_path / "show.toml")) for f in caught.value.findings if f.is_error] == [
        f":show.title: contains the control character U+0007, which XML cannot carry ({HINT})",
        f":show.categories: contains the control character U+001B, which XML cannot carry ({HINT})",
        f":show.funding[0].text: contains the control character U+0000, which XML cannot carry ({HINT})",
    ]


def test_categories_are_required_in_show_tomls_words(tmp_path):
    """Apple requires a category: named as the key to set, not as a missing <itunes:category> in the feed."""
    write_config(tmp_path, show={"categories": []})
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    assert [str(f) for f in caught.value.findings if f.is_error] == [
        f"{tmp_path / 'show.toml'}:show.categories: is required "
        "(set categories = [\"…\"] under [show], from Apple's list, e.g. [\"Technology\"])"]


def test_an_empty_timezone_means_not_set(tmp_path):
    """README: empty strings mean "not set"; timezone = "" was an error ('' is not a time zone)."""
    write_config(tmp_path, show={"timezone": ""})
    assert load_config(tmp_path).show.timezone == "UTC"


def test_a_wrong_type_says_how_to_write_it(tmp_path):
    write_config(tmp_path, show={"categories": "Technology", "explicit": "no"}, feed={"page_size": "300"})
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    messages = sorted(str(f).split(":", 1)[1] for f in caught.value.findings if f.is_error)
    assert messages == [
        "feed.page_size: expected a whole number, got '300' (write it without quotes: page_size = 300)",
        'show.categories: expected a list of text, got \'Technology\' (write it as a list: categories = ["Technology"])',
        "show.explicit: expected true or false, got 'no' (write explicit = true or explicit = false, without quotes)",
    ]
