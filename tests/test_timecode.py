"""timecode.py: the time formats producers and feeds write, and what is refused."""

import math

import pytest

from feedtool.timecode import parse_timecode


@pytest.mark.parametrize("text, seconds", [("1:02:03.5", 3723.5), ("12:16", 736.0), ("90", 90.0), ("0", 0.0)])
def test_times_as_producers_write_them(text, seconds):
    assert parse_timecode(text) == seconds


@pytest.mark.parametrize("text", ["9" * 400, "9" * 400 + ".5", "9" * 400 + ":00:00"], ids=["s", "s.f", "h:m:s"])
def test_a_time_too_large_for_a_float_is_refused_not_infinite(text):
    # float("9" * 400) is inf, and 400 digits of hours overflow a float: the importer's clock_text failed with
    # a traceback on such an itunes:duration (int(inf)), the build's messages said 'inf'.
    with pytest.raises(ValueError, match="is not a time"):
        value = parse_timecode(text)
        assert math.isfinite(value)
