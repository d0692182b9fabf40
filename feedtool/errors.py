"""The exception family the CLI knows how to print, and the Finding every stage reports problems with."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import IntEnum
from typing import Iterable


class ExitStatus(IntEnum):
    OK = 0
    ERROR = 1  # content or config problems
    USAGE = 2
    PUBLISH_FAILED = 3
    INTERRUPTED = 130


ERROR = "error"
WARNING = "warning"
INFO = "info"


def network_reason(e: Exception) -> str:
    """What a failed request says went wrong, as a person reads it: urllib3 wraps the operating system's reason
    ("[Errno 111] Connection refused"); else the exception's name."""
    match = re.search(r"\] ([^'\")]+)", str(e))
    return match.group(1).strip() if match else type(e).__name__


def shorten(text: str, limit: int = 50) -> str:
    """A value quoted in a message, cut to `limit` characters: a hostile one (400 digits) must not flood it."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class Finding:
    """One problem: where it is, what is wrong, how to fix it. `rule` is a stable id such as `episode/date`."""

    rule: str
    severity: str
    where: str
    message: str
    hint: str = ""

    def __str__(self) -> str:
        text = f"{self.where}: {self.message}" if self.where else self.message
        return f"{text} ({self.hint})" if self.hint else text

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR


def error(rule: str, where: str, message: str, hint: str = "") -> Finding:
    return Finding(rule, ERROR, where, message, hint)


def warning(rule: str, where: str, message: str, hint: str = "") -> Finding:
    return Finding(rule, WARNING, where, message, hint)


def info(rule: str, where: str, message: str, hint: str = "") -> Finding:
    return Finding(rule, INFO, where, message, hint)


class FeedtoolError(Exception):
    """A problem the user can fix. Carries every finding that made the stage give up."""

    exit_status = ExitStatus.ERROR

    def __init__(self, message: str | None = None, findings: Iterable[Finding] = (), *, strict: bool = False):
        """findings: the errors, and the warnings found with them (printed too: a warning often explains an
        error, as `unknown setting 'titel'` explains `show.title: is required`). strict: the warnings are
        among the reasons (--strict)."""
        self.findings = tuple(findings)
        self.strict = strict
        if message is None:
            errors = [f for f in self.findings if f.is_error or strict] or list(self.findings)
            message = "\n".join(str(f) for f in errors)
        super().__init__(message)


class ConfigError(FeedtoolError):
    pass


class EpisodeError(FeedtoolError):
    pass


class AudioError(FeedtoolError):
    pass


class RenderError(FeedtoolError):
    pass


class PublishError(FeedtoolError):
    exit_status = ExitStatus.PUBLISH_FAILED


class UsageError(FeedtoolError):
    exit_status = ExitStatus.USAGE
