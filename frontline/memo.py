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

A build from the command line keeps the stores whose keys are all content (each body's
findings, the sentences naming people, what the editorial checks found) between runs, in a
signed cache file valid for the code that made them (`load_memo`, `save_memo`), written as
what changed since it was last written whole (cachefile.write_layered).
"""

from __future__ import annotations

import contextlib
import operator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import cachefile
from .models import Content, Profile


class Store:
    """Results by key, kept for one more check only when that check used them: entries of files
    that were deleted, renamed or edited since fall out after the next successful stage."""

    def __init__(self) -> None:
        self.before: dict[Any, Any] = {}
        self.now: dict[Any, Any] = {}
        self.made = 0  # results put since the stage began

    def begin(self) -> None:
        """Start a stage: what an earlier stage that failed half-way put is dropped."""
        self.now = {}
        self.made = 0

    def get(self, key: Any) -> Any:
        found = self.before.get(key)
        if found is None:
            found = self.now.get(key)
        else:
            self.now[key] = found
        return found

    def put(self, key: Any, value: Any) -> None:
        self.now[key] = value
        self.made += 1

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
    checks: Store = field(default_factory=Store)  # checks: body (and index key) -> links, typed numbers, lines naming
    # name indexes and number finder, rebuilt only when what they are made from changes; who each report names
    names: dict[str, Any] = field(default_factory=dict)
    loaded: dict[str, int] = field(default_factory=dict)  # store -> how many results load_memo() found
    layers: cachefile.Layers = field(default_factory=cachefile.Layers)  # what load_memo() read, for save_memo()


# The stores whose keys hold everything their results are made from, and nothing that lives only
# in one process (an object's id, an index object): they hold from one run to the next.
KEPT_BETWEEN_RUNS = ("bodies", "naming", "checks")


def load_memo(file: Path, version: bytes) -> CheckMemo:
    """A memo with what the last build from the command line kept in file (made by this version
    of the code), or an empty one."""
    memo = CheckMemo()
    found, memo.layers = cachefile.read_layered(file, version)
    for name in KEPT_BETWEEN_RUNS:
        getattr(memo, name).before = found.get(name, {})
        memo.loaded[name] = len(getattr(memo, name).before)
    return memo


def save_memo(memo: CheckMemo, file: Path, version: bytes) -> None:
    """Keep what the last check used, unless it is what file holds: nothing new was made, and
    every result found there was used."""
    stores = {name: getattr(memo, name) for name in KEPT_BETWEEN_RUNS}
    if all(store.made == 0 and len(store.before) == memo.loaded.get(name, 0) for name, store in stores.items()):
        return
    sections = {name: store.before for name, store in stores.items()}
    with contextlib.suppress(OSError):  # a read-only checkout still builds, just without the cache
        # A result kept from the last run is the very object read (Store.get): only new ones are written.
        cachefile.write_layered(file, sections, memo.layers, version, same=operator.is_)


MAX_CHANGED = 64  # more changed profiles than this (a pull, a rename of many): every file is looked at


def changed_profiles(before: Content, now: Content) -> list[tuple[int, Profile, Profile]] | None:
    """(place, last model, new model) of each profile that is not the very model it was, when
    all else in now is before's very models (the preview's caches hand back the models of
    unchanged files) and only a few profiles changed; None when more differs."""
    if now.config is not before.config or len(now.profiles) != len(before.profiles):
        return None
    for name in ("organizations", "editions", "articles", "figures"):
        a, b = getattr(before, name), getattr(now, name)
        if len(a) != len(b) or not all(x is y for x, y in zip(a, b, strict=True)):
            return None
    pairs = [(i, a, b) for i, (a, b) in enumerate(zip(before.profiles, now.profiles, strict=True)) if a is not b]
    return pairs if len(pairs) <= MAX_CHANGED else None
