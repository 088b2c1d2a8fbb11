"""What one check made from each input, kept by a long-running caller (the preview) for the next.

After a save the preview checks the whole site again, but only one or a few files changed: the
checks of every other file would give what they gave last time. Each stage (validate, link,
checks) keeps its per-file results in a `Store` of the `CheckMemo` the caller owns and passes
in; a stage without one computes everything, as a cold `check` does. Nothing here is
module-level: two previews (or tests) never see each other's results.

A result is stored under everything it is computed from (or, for a parsed document, under the
document object itself: load's preview cache hands back the very same object for a file whose
stamp is unchanged), and is always recomputed when any of that differs, so a warm check gives
exactly the problems and site of a cold one. Cross-file work (duplicate slugs, which names
exist) is not stored: it is redone over all files each time, from the stored parts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class Store:
    """Results by key, kept for one more check only when that check used them: entries of files
    that were deleted, renamed or edited since fall out after the next successful stage."""

    def __init__(self) -> None:
        self.before: dict[Any, Any] = {}
        self.now: dict[Any, Any] = {}

    def begin(self) -> None:
        """Start a stage: what an earlier stage that failed half-way put is dropped."""
        self.now = {}

    def get(self, key: Any) -> Any:
        found = self.before.get(key)
        if found is None:
            found = self.now.get(key)
        else:
            self.now[key] = found
        return found

    def put(self, key: Any, value: Any) -> None:
        self.now[key] = value

    def keep(self) -> None:
        """End a stage that ran to completion: only what it used is kept for the next check."""
        self.before, self.now = self.now, {}


@dataclass
class CheckMemo:
    """Everything a check keeps for the next; owned by the caller (serve.Preview)."""

    documents: Store = field(default_factory=Store)  # validate: id(document) -> typed entities and problems
    bodies: Store = field(default_factory=Store)  # link: body -> URL and shortcode problems, figures cited
    naming: Store = field(default_factory=Store)  # link: text -> sentences naming people, and whom
    figure_texts: Store = field(default_factory=Store)  # link: id(figure meta) -> formatted value
    checks: Store = field(default_factory=Store)  # checks: body -> links, typed numbers, lines naming
    names: dict[str, Any] = field(default_factory=dict)  # name indexes, rebuilt only when names change
