"""The quick URL pieces against urllib and pathlib: the same answers on random URLs and paths."""

from __future__ import annotations

import random
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from feedtool.urls import path_suffix, split_url

PIECES = ["https://", "http://", "HTTP://", "ftp://", "//", "x.org", "cdn.example.org", "a-b.c", "[::1]", ":8080",
          "user@", "/", "/media/", "ep.mp3", ".mp3", "..", ".", "?", "#", "&", "=", "q", " ", "\t", "\n", "é", "%20",
          "\\", "javascript:", "mailto:", "\x00", "~", ";"]


def test_split_url_is_urlsplit():
    rng = random.Random(177)
    urls = ["https://cdn.example.org/media/0001-a.mp3?x=1#t", "http://x.org", "https://x.org#f?q", "https://x.org?q#f",
            "https://X.Org/A", "https://x.org:443/a", "https://u@x.org/", "https://x.org\t/a", " https://x.org/"]
    urls += ["".join(rng.choice(PIECES) for _ in range(rng.randrange(1, 9))) for _ in range(20000)]
    urls += ["https://" + "".join(rng.choice(PIECES[5:]) for _ in range(rng.randrange(1, 7))) for _ in range(20000)]
    for url in urls:
        try:
            expected = urlsplit(url)
        except ValueError:
            expected = ValueError
        try:
            got = split_url(url)
        except ValueError:
            got = ValueError
        assert got == expected, url
        if got is not ValueError:
            assert got.hostname == expected.hostname, url


def test_path_suffix_is_pathlibs():
    rng = random.Random(177)
    names = ["a", "b.mp3", ".hidden", "x.", "..", ".", "", "c.tar.gz", "d.M4A", "e..f"]
    for _ in range(20000):
        path = "/".join(rng.choice(names) for _ in range(rng.randrange(1, 5)))
        assert path_suffix(path) == PurePosixPath(path).suffix, path
