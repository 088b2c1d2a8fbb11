"""The build as one straight line: load -> validate -> link -> render -> write."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .errors import BuildError, Problem
from .link import Site, link
from .load import load
from .render import assets, load_templates, render
from .validate import validate
from .write import write


@dataclass(frozen=True)
class Result:
    site: Site
    warnings: list[Problem]
    files: int = 0


def check(root: Path, include_drafts: bool = False) -> Result:
    """Validate and link all content without writing anything; raises BuildError."""
    docs, problems = load(root)
    try:
        content, warnings = validate(docs)
    except BuildError as exc:
        raise BuildError(problems + exc.problems) from None
    if problems:
        raise BuildError(problems + warnings)
    site, link_warnings = link(content, include_drafts=include_drafts)
    return Result(site, warnings + link_warnings)


def build(root: Path, out: Path, include_drafts: bool = False) -> Result:
    """Build the site under root into out; out is replaced only if everything succeeded."""
    env = load_templates(root)
    checked = check(root, include_drafts)
    static = assets(root)
    html = render(checked.site, env, static)
    files = write(out, html, static)
    return Result(checked.site, checked.warnings, files)
