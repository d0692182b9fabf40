"""Scheduled episodes and drafts: an episode dated after the build's moment (`--now`, else the clock) is built,
checked and given its GUID, but stays out of the feed until its date; `draft: true` keeps one out whatever its
date. Every build is read back by feedparser."""

import re

import feedparser
from conftest import build, make_episode, run_cli, write_config


def kyiv_show(tmp_path):
    show = tmp_path / "show"
    write_config(show, show={"timezone": "Europe/Kyiv"}, extra="[publish]\nverify_http = false\n")
    make_episode(show, "0001-first.md", date="2026-03-01T09:00:00")
    # no offset: Europe/Kyiv applies, which is +03:00 (summer time) from 2026-03-29 04:00
    make_episode(show, "0002-second.md", audio="media/0002.mp3", date="2026-03-29T09:00:00", guid=None)
    return show


def titles(out):
    parsed = feedparser.parse((out / "feed.xml").read_bytes())
    assert parsed.bozo == 0
    return [e.title for e in parsed.entries], parsed.feed.get("updated")


def test_an_episode_goes_live_exactly_at_its_time_in_the_shows_zone_across_dst(tmp_path, capsys):
    show = kyiv_show(tmp_path)
    out = tmp_path / "out"
    assert build(show, out, "--now", "2026-03-29T08:59:59") == 0  # Kyiv time: a second early
    assert titles(out)[0] == ["Episode 0001"]
    assert "1 scheduled: #2 goes live Sun 2026-03-29 09:00 Europe/Kyiv" in capsys.readouterr().out
    assert build(show, out, "--now", "2026-03-29T06:00:00Z") == 0  # 09:00 +03:00 is 06:00 UTC
    assert titles(out)[0] == ["Episode 0002", "Episode 0001"]
    assert "scheduled" not in capsys.readouterr().out
    assert build(show, out, "--now", "2026-03-29T05:59:59+00:00") == 0  # +02:00 would have made it live
    assert titles(out)[0] == ["Episode 0001"]


def test_last_build_date_never_passes_now(tmp_path):
    show = kyiv_show(tmp_path)
    out = tmp_path / "out"
    assert build(show, out, "--now", "2026-03-15") == 0
    feed = (out / "feed.xml").read_text()
    assert "<lastBuildDate>Sun, 01 Mar 2026 09:00:00 +0200</lastBuildDate>" in feed
    assert "2026-03-29" not in feed and "29 Mar 2026" not in feed


def test_a_scheduled_episodes_guid_is_recorded_by_the_first_build_and_going_live_changes_nothing_else(tmp_path):
    show = kyiv_show(tmp_path)
    episode = show / "0002-second.md"
    assert build(show, tmp_path / "early", "--now", "2026-03-01T12:00") == 0
    guid = re.search(r"^guid: (\S+)$", episode.read_text(), re.M).group(1)
    text = episode.read_text()
    assert build(show, tmp_path / "live", "--now", "2026-04-01") == 0
    assert episode.read_text() == text
    assert f'<guid isPermaLink="false">{guid}</guid>' in (tmp_path / "live" / "feed.xml").read_text()
    assert build(show, tmp_path / "fresh", "--now", "2026-04-01", "--no-cache") == 0  # the cache changes nothing
    assert (tmp_path / "live" / "feed.xml").read_bytes() == (tmp_path / "fresh" / "feed.xml").read_bytes()


def test_a_draft_stays_out_whatever_its_date_and_its_problems_do_not_stop_the_build(tmp_path, capsys):
    show = kyiv_show(tmp_path)
    draft = make_episode(show, "0003-draft.md", audio="media/not-recorded-yet.mp3", make_audio=False,
                         date="2020-01-01", draft="true")
    out = tmp_path / "out"
    assert build(show, out, "--now", "2026-12-01") == 0
    assert titles(out)[0] == ["Episode 0002", "Episode 0001"]
    captured = capsys.readouterr()
    assert f"info: {draft}: draft: left out of the feed (remove draft: true to publish)" in captured.err
    assert "not-recorded-yet.mp3" not in captured.err  # a draft is not probed: its audio may not exist yet
    assert "1 draft left out (draft: true)" in captured.out
    draft.write_text(draft.read_text().replace("draft: 'true'\n", ""))
    assert build(show, out, "--now", "2026-12-01") == 1  # published, its missing audio is an error again


def test_a_bad_now_is_a_usage_error(tmp_path, capsys):
    show = kyiv_show(tmp_path)
    assert run_cli("build", show, "--out", tmp_path / "out", "--now", "next tuesday") == 2
    assert "error: --now: 'next tuesday' is not a date (use YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS+02:00)" in \
        capsys.readouterr().err


def test_publish_publishes_what_is_due(tmp_path):
    show = kyiv_show(tmp_path)
    site = tmp_path / "site"
    assert run_cli("publish", show, "--out", tmp_path / "out", "--to", site, "--now", "2026-03-15", "-q") == 0
    assert titles(site)[0] == ["Episode 0001"]
    assert not (site / "media/0002.mp3").exists()  # its audio goes up with it, when it is due
    assert run_cli("publish", show, "--out", tmp_path / "out", "--to", site, "--now", "2026-04-01", "-q") == 0
    assert titles(site)[0] == ["Episode 0002", "Episode 0001"]
    assert (site / "media/0002.mp3").exists()


def test_the_summary_line_says_when_in_the_shows_zone_whatever_offset_the_date_was_written_with(tmp_path, capsys):
    """Issue 14's wording: '1 scheduled: #178 goes live Tue 2026-12-08 09:00 Europe/Kyiv', for an episode whose
    date was written in UTC (07:00Z is 09:00 in Kyiv in winter); several scheduled name the first and the last."""
    show = kyiv_show(tmp_path)
    make_episode(show, "0178-legion.md", audio="media/0178.mp3", number="178", date="2026-12-08T07:00:00Z")
    assert build(show, tmp_path / "out", "--now", "2026-12-01") == 0
    assert "\n1 scheduled: #178 goes live Tue 2026-12-08 09:00 Europe/Kyiv\n" in capsys.readouterr().out
    make_episode(show, "0179-next.md", audio="media/0179.mp3", number="179", date="2026-12-15T23:30:00-05:00")
    assert build(show, tmp_path / "out", "--now", "2026-12-01") == 0
    assert ("\n2 scheduled: #178 goes live Tue 2026-12-08 09:00 Europe/Kyiv (the last 2026-12-16)\n"
            in capsys.readouterr().out)


def readme_block(after: str, fence: str = "```") -> str:
    from pathlib import Path
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    start = readme.index(fence, readme.index(after)) + len(fence)
    start = readme.index("\n", start) + 1
    return readme[start:readme.index("```", start)]


def test_the_readmes_crontab_line_publishes_what_is_due(tmp_path, monkeypatch):
    """The crontab line README gives for scheduled episodes (issue 14), run as written from its folder, with
    only the target folder changed: five schedule fields, then a command that publishes the due episode."""
    import shlex

    line = readme_block("A crontab line that").strip()
    fields = line.split(None, 5)
    assert len(fields) == 6 and all(re.fullmatch(r"[\d*/,-]+", f) for f in fields[:5]), line
    folder, command = re.fullmatch(r"cd (\S+) && (feedtool .*)", fields[5]).groups()
    argv = shlex.split(command)[1:]
    target = argv.index("--to") + 1
    argv[target] = str(tmp_path / "www")
    (tmp_path / "srv").mkdir()
    kyiv_show(tmp_path).rename(tmp_path / "srv" / argv[argv.index("publish") + 1])
    monkeypatch.chdir(tmp_path / "srv")
    assert run_cli(*argv, "--now", "2026-03-15") == 0
    assert titles(tmp_path / "www")[0] == ["Episode 0001"]
    assert run_cli(*argv, "--now", "2026-04-01") == 0  # the next run after #2's time publishes it
    assert titles(tmp_path / "www")[0] == ["Episode 0002", "Episode 0001"]


def test_the_readmes_ci_workflow_runs_on_a_schedule_and_its_command_is_one_feedtool_takes():
    import shlex

    import yaml

    from feedtool.cli import _parser

    workflow = yaml.safe_load(readme_block("GitHub Actions workflow"))
    crons = [entry["cron"] for entry in workflow[True]["schedule"]]  # YAML 1.1 reads the key `on` as True
    assert crons and all(len(cron.split()) == 5 for cron in crons)
    runs = [step["run"] for step in workflow["jobs"]["publish"]["steps"] if "run" in step]
    (publish,) = [shlex.split(run) for run in runs if run.startswith("feedtool ")]
    args = _parser().parse_args(publish[1:])
    assert args.command == "publish" and args.to.startswith("s3://")
