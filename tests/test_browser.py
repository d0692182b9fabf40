"""The pages in a real headless Chromium (Debian's chromium, driven by Playwright), served by feedtool preview:
they load with no console error and no failed request, the player reads the audio through the preview's byte
ranges, a chapter link moves the player, and nothing scrolls sideways on a 375 px phone. Screenshots of each
page are kept in the test's temporary folder, and their paths printed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from servers import running_preview

from feedtool.read.probe import probe_audio

playwright = pytest.importorskip("playwright.sync_api", reason="pip install playwright (the test extra)")
CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip("Debian's chromium is not installed (scripts/test installs it)", allow_module_level=True)

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOW = Path(__file__).parent.parent / "episodes"
AUDIO = "media/0177-ukraine-foreign-legion.mp3"
PAGE = "0177-ukraine-foreign-legion/"


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def site(tmp_path):
    show = tmp_path / "episodes"
    shutil.copytree(SHOW, show, ignore=shutil.ignore_patterns(".feedtool"))
    with running_preview(show) as server:
        yield server


class Watched:
    """A page with every console error, uncaught exception, failed or refused request, and request to another
    origin recorded."""

    def __init__(self, browser, origin: str, **context):
        self.context = browser.new_context(**context)
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.problems.append(f"console: {m.text}"))
        self.page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        self.page.on("requestfailed", self._failed)
        self.page.on("response", lambda r: r.status >= 400 and self.problems.append(f"{r.status}: {r.url}"))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.origin = origin

    def _failed(self, request) -> None:
        # The media player cancels its own request once it has what it asked for (preload="metadata", or a
        # seek that starts a new range request): that is Chromium's choice, not a failed request.
        if request.resource_type == "media" and request.failure == "net::ERR_ABORTED":
            return
        self.problems.append(f"failed: {request.url} {request.failure}")

    def open(self, url: str):
        self.page.goto(url, wait_until="load")
        return self.page

    def check(self):
        assert self.problems == []
        assert [u for u in self.requests if not u.startswith((self.origin, "data:"))] == []  # no third party

    def close(self):
        self.context.close()


def screenshot(page, path: Path) -> None:
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")


def test_the_home_page_loads_cleanly_and_fits_a_phone(browser, site, tmp_path):
    for name, options in (("home.png", {"viewport": {"width": 1280, "height": 900}}),
                          ("home-375.png", {"viewport": {"width": 375, "height": 800}, "is_mobile": True}),
                          ("home-dark.png", {"viewport": {"width": 1280, "height": 900}, "color_scheme": "dark"})):
        watched = Watched(browser, site.url, **options)
        page = watched.open(site.url)
        assert page.title() == "Ukraine In Flames"
        assert page.locator("h3 a").first.get_attribute("href") == PAGE
        assert page.input_value("#feed-url") == site.url + "feed.xml"
        assert page.locator("#copy").is_visible() == page.evaluate("!!navigator.clipboard")
        assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
        if "dark" in name:
            assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(22, 22, 26)"
        screenshot(page, tmp_path / name)
        watched.check()
        watched.close()


def test_the_episode_page_plays_and_its_chapters_jump_the_player(browser, site, tmp_path):
    duration = probe_audio(site.show / AUDIO, "audio").duration
    watched = Watched(browser, site.url, viewport={"width": 1280, "height": 900})
    page = watched.open(site.url + PAGE)
    page.wait_for_function("document.getElementById('player').readyState >= 1", timeout=15000)
    assert page.evaluate("document.getElementById('player').duration") == pytest.approx(duration, abs=0.5)
    chapter = page.locator("a[data-start]").nth(1)
    assert chapter.get_attribute("data-start") == "37.5"
    chapter.click()
    assert page.evaluate("document.getElementById('player').currentTime") == pytest.approx(37.5, abs=0.5)
    assert page.url == site.url + PAGE  # the script handled the click: no navigation to the audio file
    page.locator("a[data-start]").nth(3).click()
    assert page.evaluate("document.getElementById('player').currentTime") == pytest.approx(80.2, abs=0.5)
    screenshot(page, tmp_path / "episode.png")
    watched.check()
    watched.close()

    phone = Watched(browser, site.url, viewport={"width": 375, "height": 800}, is_mobile=True)
    page = phone.open(site.url + PAGE)
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    screenshot(page, tmp_path / "episode-375.png")
    phone.check()
    phone.close()


def test_without_javascript_the_page_still_offers_the_audio_at_each_chapter(browser, site):
    watched = Watched(browser, site.url, java_script_enabled=False)
    page = watched.open(site.url + PAGE)
    assert page.locator("a[data-start]").nth(1).get_attribute("href") == site.url + AUDIO + "#t=37.5"
    assert page.locator("audio[controls]").count() == 1
    assert page.locator("a[download]").get_attribute("href") == site.url + AUDIO
    watched.check()
    watched.close()
