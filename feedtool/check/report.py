"""Findings as text for a terminal (grouped by file, channel or item) and as JSON for machines."""

from __future__ import annotations

import json
import re

from feedtool.check.run import Result
from feedtool.errors import ERROR, INFO, WARNING, ExitStatus, Finding

ORDER = {ERROR: 0, WARNING: 1, INFO: 2}
_ITEM = re.compile(r"^(/rss/channel/item\[\d+\])(?:/(.*))?$")
_URL = re.compile(r"^(https?://\S+?)(?:: (.*))?$")


def counts(findings) -> dict[str, int]:
    return {severity: sum(f.severity == severity for f in findings) for severity in (ERROR, WARNING, INFO)}


def exit_status(result: Result, *, strict: bool = False) -> int:
    tally = counts(result.findings)
    return ExitStatus.ERROR if tally[ERROR] or (strict and tally[WARNING]) else ExitStatus.OK


def split_where(where: str) -> tuple[str, str]:
    """(group, rest): the file, channel or item a finding is in, and the field inside it."""
    item = _ITEM.match(where)
    if item:
        return item.group(1), item.group(2) or ""
    if where.startswith("/rss/channel"):
        return "/rss/channel", where[len("/rss/channel/"):]
    url = _URL.match(where)
    if url:
        return url.group(1), url.group(2) or ""
    group, _, rest = where.partition(":")
    return group, rest.strip()


def format_text(result: Result, *, quiet: bool = False) -> str:
    groups: dict[str, list[Finding]] = {}
    for finding in result.findings:
        if quiet and finding.severity != ERROR:
            continue
        groups.setdefault(split_where(finding.where)[0], []).append(finding)
    lines = []
    for group, findings in groups.items():
        lines.append(group or result.target)
        for finding in sorted(findings, key=lambda f: ORDER.get(f.severity, 3)):
            rest = split_where(finding.where)[1]
            text = f"{rest}: {finding.message}" if rest else finding.message
            hint = f" ({finding.hint})" if finding.hint else ""
            lines.append(f"  {finding.severity}: {text}{hint} [{finding.rule}]")
    tally = counts(result.findings)
    episodes = f"{result.episodes} episode{'s' * (result.episodes != 1)}"
    lines.append(f"checked {result.target}: {episodes}; {_plural(tally[ERROR], 'error')}, "
                 f"{_plural(tally[WARNING], 'warning')}, {_plural(tally[INFO], 'note')}")
    return "\n".join(lines)


def format_json(result: Result) -> str:
    tally = counts(result.findings)
    document = {
        "target": result.target,
        "kind": result.kind,
        "episodes": result.episodes,
        "errors": tally[ERROR], "warnings": tally[WARNING], "infos": tally[INFO],
        "findings": [{"rule": f.rule, "severity": f.severity, "where": f.where, "message": f.message,
                      "hint": f.hint} for f in result.findings],
    }
    return json.dumps(document, ensure_ascii=False, indent=2)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' * (n != 1)}"
