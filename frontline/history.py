"""When each content file last changed, from git, and where to edit it.

Dates come from commits, never from the clock or file times, so the same history gives the
same pages. Outside a git repository (or without git) there are simply no dates.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from .models import PartialDate, SiteConfig


@dataclass(frozen=True)
class History:
    changed: dict[str, PartialDate] = field(default_factory=dict)  # content path -> last commit's date
    prefix: str = ""  # the site root's folder inside its repository, e.g. "site/"; "" at the top


@dataclass(frozen=True)
class PageSource:
    """What a page's footer says about the file it is made from."""

    path: str
    changed: PartialDate | None
    edit_url: str | None


def read_history(root: Path) -> History:
    """Last commit date of every file under content/, in one git call."""
    git = shutil.which("git")
    if git is None:
        return History()
    try:
        prefix = _git(git, root, "rev-parse", "--show-prefix").strip()
        log = _git(git, root, "log", "--format=%x00%cs", "--name-only", "--no-renames", "--relative", "--", "content")
    except (OSError, subprocess.SubprocessError):
        return History()  # not a repository, or git failed: pages go without dates
    changed: dict[str, PartialDate] = {}
    date = None
    for line in log.splitlines():
        if line.startswith("\0"):
            day = dt.date.fromisoformat(line[1:])
            date = PartialDate(day.year, day.month, day.day)
        elif line and date is not None:
            changed.setdefault(line, date)  # newest commit first: keep the first date seen
    return History(changed, prefix)


def _git(git: str, root: Path, *args: str) -> str:
    done = subprocess.run(
        [git, "-c", "core.quotePath=false", "-C", str(root), *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=30,
        check=True,
    )
    return done.stdout


def page_source(path: str, history: History, config: SiteConfig) -> PageSource | None:
    if not path:
        return None
    edit_url = None
    if config.repository:
        edit_url = f"{config.repository.rstrip('/')}/edit/{config.branch}/{history.prefix}{path}"
    return PageSource(path, history.changed.get(path), edit_url)
