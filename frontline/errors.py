"""Problems found in content, each carrying the place an editor must look at."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Problem:
    """One located finding. Ordering sorts by file, then line, then column."""

    path: str
    line: int
    col: int
    message: str
    field: str = ""
    severity: Severity = "error"

    def format(self) -> str:
        where = f"{self.path}:{self.line}:{self.col}"
        field = f"[{self.field}] " if self.field else ""
        # One problem, one line: a key or value quoted from content may hold a line break.
        text = f"{where}: {self.severity}: {field}{self.message}"
        return text.replace("\r", "\\r").replace("\n", "\\n")

    def github_annotation(self) -> str:
        # GitHub Actions workflow command; newlines must be escaped as %0A.
        text = (f"[{self.field}] " if self.field else "") + self.message
        text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        return f"::{self.severity} file={self.path},line={self.line},col={self.col}::{text}"


class BuildError(Exception):
    """Raised by a stage that found errors; carries every problem, not just the first."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = sorted(problems)
        super().__init__("\n".join(p.format() for p in self.problems))


def errors_in(problems: Iterable[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "error"]


def display_path(path: Path, root: Path) -> str:
    """Path as the editor knows it: relative to the site root, with forward slashes."""
    try:
        rel = os.path.relpath(path, root)
    except ValueError:
        rel = str(path)
    return rel.replace(os.sep, "/")


def format_problems(problems: Iterable[Problem], github: bool = False) -> str:
    lines = []
    for p in sorted(problems):
        lines.append(p.format())
        if github:
            lines.append(p.github_annotation())
    return "\n".join(lines)
