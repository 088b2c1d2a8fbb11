"""Which of the reads pages made last time changed: the part of an incremental build that has
to consider every page, so it works from what changed towards the reads, never read by read.

The reads (frontline/deps.py) are numbered once and keep their numbers from build to build, so a
page that is reused keeps its list of read numbers as it is. Each read carries its hash on the
last build's site and, for a method's result or a cached property of the Site, the numbers of
the reads it made itself ("own reads"). Every read is kept current: after a build, each hash is
the one it has on that build's site. A build finds the changed reads (`Build.changed`) from:

- the entities edited since (their whole hash differs): the reads of their fields and body;
- names whose link target changed: the name links of the bodies they occur in;
- the Site's tables and attributes: with `SiteDiff` (the preview keeps the last site in memory)
  only the entries that differ; otherwise (a build from the command line) every entry of each
  table whose whole hash differs from the last build's (`Digests.table_digest`), evaluated and
  compared, and every attribute;
- reads that cannot be traced (a call with an argument that cannot be named): always;

then from each changed read to the calls and cached properties that read it, each call
evaluated again and counted as changed only if its result's hash differs. So a profile page's
calls (its colleagues, its nearest people: most of its reads) are evaluated only when something
they read changed, instead of on every build.
"""

from __future__ import annotations

import dataclasses
import functools
import marshal
from collections.abc import Iterable, Mapping
from typing import Any

from .deps import ENTITIES, ENTITY_READS, MISSING, PLAIN, Read, names_in
from .digests import Digests

Item = tuple  # (read, hash, numbers of its own reads or None)
COMPACT_FROM = 4096  # fewer reads than this are never worth renumbering
GROWTH = 2  # look for reads nothing refers to once there are this many times more than at the last look
DROP_SHARE = 0.25  # and renumber only if at least this share of them can go


class Reads:
    """Every read the pages depend on, numbered, each with its hash and own reads; and, once a
    build asks (`indexed`), the indexes that lead from a change to the reads it can affect. (A
    clean build never asks: the next build, in its own process, makes them from the saved
    reads; the preview keeps them up to date from build to build.)"""

    def __init__(self, items: list[Item]):
        self.items: list[Item] = list(items)
        self.number_of: dict[Read, int] = {item[0]: i for i, item in enumerate(self.items)}
        self.indexed = False
        # Looking for reads nothing refers to costs a walk over all of them: only once they
        # have doubled since the last look, so the walks cost no more than making the reads.
        self.looked_at = max(len(items), COMPACT_FROM)

    def index(self) -> Reads:
        if not self.indexed:
            self.by_entity: dict[str, list[int]] = {}  # token -> its field, body and name-link reads
            self.by_key: dict[str, dict[Any, int]] = {}  # table -> key -> the read of that entry
            self.derived: dict[Read, int] = {}  # ("all", table) and ("attr", name) reads
            self.names: set[int] = set()
            self.untraced: set[int] = set()
            self.readers: dict[int, list[int]] = {}  # read -> the calls and properties that made it
            self.indexed = True
            for i in range(len(self.items)):
                self._indexed(i, add=True)
        return self

    def append(self, item: Item) -> int:
        i = len(self.items)
        self.items.append(item)
        self.number_of[item[0]] = i
        if self.indexed:
            self._indexed(i, add=True)
        return i

    def replace(self, i: int, item: Item) -> None:
        if self.indexed:
            self._own(i, self.items[i], add=False)
        self.items[i] = item
        if self.indexed:
            self._own(i, item, add=True)

    def pop(self) -> None:
        """Remove the last read (undoing a failed build)."""
        i = len(self.items) - 1
        if self.indexed:
            self._indexed(i, add=False)
        del self.number_of[self.items.pop()[0]]

    def _indexed(self, i: int, add: bool) -> None:
        read = self.items[i][0]
        kind = read[0]
        if kind in ENTITY_READS or kind == "names":
            found = self.by_entity.setdefault(read[1], [])
            found.append(i) if add else found.remove(i)
            if kind == "names":
                self.names.add(i) if add else self.names.discard(i)
        elif kind == "key":
            if add:
                self.by_key.setdefault(read[1], {})[read[2]] = i
            else:
                self.by_key[read[1]].pop(read[2], None)
        elif kind in ("all", "attr"):
            if add:
                self.derived[read] = i
            else:
                self.derived.pop(read, None)
        self._own(i, self.items[i], add)

    def _own(self, i: int, item: Item, add: bool) -> None:
        kind, own = item[0][0], item[2]
        if own is None and kind not in ENTITY_READS and kind not in ("names", "key", "all", "attr"):
            self.untraced.add(i) if add else self.untraced.discard(i)
        for d in own or ():
            if add:
                self.readers.setdefault(d, []).append(i)
            else:
                self.readers[d].remove(i)


@dataclasses.dataclass
class Build:
    """One build's look at the reads, with an undo log so that a failed build leaves them
    exactly as the last good build left them."""

    reads: Reads
    digests: Digests
    edited: set[str]  # entities whose front matter or body changed since the last build
    renamed: set[str]  # names whose link target changed (deps.names_changed)
    diff: SiteDiff | None
    tables_before: Mapping[str, bytes] = dataclasses.field(default_factory=dict)  # the last build's table digests
    undo: list[tuple[int, Item]] = dataclasses.field(default_factory=list)
    length: int = -1
    tables_now: dict[str, bytes] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        self.length = len(self.reads.items)

    def changed(self) -> set[int]:
        """The numbers of the reads whose hash on this build's site differs from the last."""
        if not self.reads.items:
            return set()  # a clean build
        reads = self.reads.index()
        found: set[int] = set()
        suspects = self._suspects()
        for i in suspects:
            if self._renewed(i):
                found.add(i)
        todo = list(found)
        looked = set(suspects)
        while todo:
            for j in sorted(reads.readers.get(todo.pop(), ())):
                if j not in looked:
                    looked.add(j)
                    if self._renewed(j):
                        found.add(j)
                        todo.append(j)
        return found

    def _suspects(self) -> list[int]:
        """Reads that may have changed, to evaluate (not the calls that read them)."""
        reads = self.reads
        suspects = set(reads.untraced)
        for token in self.edited:
            suspects.update(reads.by_entity.get(token, ()))
        if self.renamed:
            for i in reads.names:
                entity = self.digests.by_token.get(reads.items[i][0][1])
                if entity is None or names_in(vars(entity)["body"], self.renamed):
                    suspects.add(i)
        for table, keys in reads.by_key.items():
            diff = self.diff.changed_keys(table) if self.diff is not None else None
            if diff is not None:
                suspects.update(keys[k] for k in diff if k in keys)
            elif self.diff is not None or self.tables_before.get(table) != self.table_digest(table):
                suspects.update(keys.values())
            # else the whole table hashes as it did: no entry of it differs
        for read, i in reads.derived.items():
            if self.diff is None or self.diff.changed(read):
                suspects.add(i)
        return sorted(suspects)

    def table_digest(self, name: str) -> bytes:
        if name not in self.tables_now:
            self.tables_now[name] = self.digests.table_digest(name)
        return self.tables_now[name]

    def table_digests(self) -> dict[str, bytes]:
        """The digest of each table whose entries pages read, on this build's site (for the next
        build's look at them, saved with the reads)."""
        if self.reads.indexed:
            names: Iterable[str] = self.reads.by_key
        else:  # a clean build: the reads were never indexed
            names = {item[0][1] for item in self.reads.items if item[0][0] == "key"}
        return {name: self.table_digest(name) for name in sorted(names)}

    def _renewed(self, i: int) -> bool:
        """Evaluate read i on this build's site, keep its new hash and own reads; whether the
        hash differs (a cached property, which has none, counts as changed: it was made again)."""
        item = self.reads.items[i]
        read, digest, own_before = item
        new = self._evaluate(read)
        if read[0] == "names":
            return True  # a suspect body's links: the page is made again to know them
        own = self._own(read)
        if new == digest and own == own_before and read[0] != "prop":
            return False  # as it was (most suspects): nothing to replace, nothing to undo
        self.undo.append((i, item))
        self.reads.replace(i, (read, new, own))
        return new != digest or read[0] == "prop"

    def _evaluate(self, read: Read) -> bytes:
        if read[0] == "names":
            return b""
        if read[0] == "prop":
            self.digests.make_prop(read[1])
            return b""
        return self.digests.once(read)

    def _own(self, read: Read) -> tuple[int, ...] | None:
        own = self.digests.deps.pop(read, None)  # numbered once: not kept twice
        return None if own is None else tuple(sorted(self.number(r) for r in own))

    def number(self, read: Read) -> int:
        """read's number, adding it (evaluated on this build's site) if it is new."""
        found = self.reads.number_of.get(read)
        if found is None:
            found = self.reads.append((read, b"", None))  # its own reads may come back to it
            self.reads.replace(found, (read, self._evaluate(read), self._own(read)))
        return found

    def rollback(self) -> None:
        """Put the reads back as they were before this build (it failed)."""
        while len(self.reads.items) > self.length:
            self.reads.pop()
        for i, item in reversed(self.undo):
            self.reads.replace(i, item)
        self.undo.clear()

    def finish(self, referred: Iterable[Iterable[int]]) -> dict[int, int] | None:
        """After a good build: when reads no page refers to any more are many, keep only the
        others, renumbered. Returns the renumbering (or None)."""
        self.undo.clear()
        items = self.reads.items
        if len(items) < GROWTH * self.reads.looked_at:
            return None
        self.reads.looked_at = len(items)
        keep: set[int] = set()
        todo = [i for numbers in referred for i in numbers]
        while todo:
            i = todo.pop()
            if i not in keep:
                keep.add(i)
                todo.extend(items[i][2] or ())
        if len(items) - len(keep) < DROP_SHARE * len(items) or len(keep) == len(items):
            return None
        renumber = {old: new for new, old in enumerate(sorted(keep))}
        kept = [(items[i][0], items[i][1], _mapped(items[i][2], renumber)) for i in sorted(keep)]
        vars(self.reads).update(vars(Reads(kept)))
        return renumber


class _NotPlainError(Exception):
    """A value holding something other than containers, plain values and entities."""


ENTITY_TYPES = frozenset(ENTITIES)


def _carried(value: Any, sub: dict[int, Any]) -> Any:
    """value with each entity in sub's keys (by id) replaced; only dicts, lists and tuples of
    plain values and entities can be carried over."""
    kind = type(value)
    if kind in PLAIN:
        return value
    if kind in ENTITY_TYPES:
        return sub.get(id(value), value)
    if kind is list or kind is tuple:
        out = [
            sub.get(id(x), x) if type(x) in ENTITY_TYPES else x if type(x) in PLAIN else _carried(x, sub) for x in value
        ]
        return out if kind is list else tuple(out)
    if kind is dict:
        if _plain(list(value)):  # keys of plain data, the usual case, told in one go
            return {k: _carried(v, sub) for k, v in value.items()}
        return {_carried(k, sub): _carried(v, sub) for k, v in value.items()}
    raise _NotPlainError


def _plain(value: Any) -> bool:
    """Whether value holds only built-in plain data (no entity): marshal takes nothing else,
    and tells in C what a walk in Python would take ten times longer to."""
    try:
        marshal.dumps(value)
    except ValueError:
        return False
    return True


def _mapped(numbers: tuple[int, ...] | None, renumber: dict[int, int]) -> tuple[int, ...] | None:
    return None if numbers is None else tuple(sorted(renumber[n] for n in numbers))


class SiteDiff:
    """The last build's site and tables against this build's, kept in memory by the preview:
    which table entries and attributes differ, comparing entities by identity (their token;
    what a page shows of an entity are reads of their own)."""

    def __init__(self, old: Digests, new: Digests):
        self.old, self.new = old, new
        self.keys: dict[str, set[Any] | None] = {}

    def changed(self, read: Read) -> bool:
        """Whether an ("all", table) or ("attr", name) read may differ."""
        if read[0] == "attr":
            try:
                return not self.same(getattr(self.old.site, read[1]), getattr(self.new.site, read[1]))
            except AttributeError:
                return True
        keys = self.changed_keys(read[1])
        return keys is None or bool(keys)

    def changed_keys(self, name: str) -> set[Any] | None:
        """The keys of a table whose entries differ (None: compare it whole, it is not a table)."""
        if name not in self.keys:
            old, new = self.old.tables.get(name), self.new.tables.get(name)
            if not isinstance(old, Mapping) or not isinstance(new, Mapping):
                self.keys[name] = None
            elif old is new or old == new:  # entities compare by identity: the same objects
                self.keys[name] = set()
            else:
                self.keys[name] = {
                    k for k in old.keys() | new.keys() if not self.same(old.get(k, MISSING), new.get(k, MISSING))
                }
        return self.keys[name]

    def carry(self, reads: Reads, changed: set[int]) -> None:
        """Give this build's site the cached properties the last site had made, where none of
        what they read changed: each is the same but for the entities whose files changed,
        which are put in (making _near_index again took a fifth of a second at 10,000 pages)."""
        site, old = self.new.site, vars(self.old.site)
        sub: dict[int, Any] | None = None
        for name, attr in vars(type(site)).items():
            number = reads.number_of.get(("prop", name))
            if not isinstance(attr, functools.cached_property) or number is None or number in changed:
                continue
            if name not in old or name in vars(site):
                continue
            value = old[name]
            # Plain data as it is: told by marshal once (marshalling _near_index on every save was
            # most of carry()'s time), then known by identity, as it is handed on from site to site.
            if self.old.plain.get(name) is value or _plain(value):
                vars(site)[name] = self.new.plain[name] = value
                continue
            if sub is None:
                new = self.new.by_token
                sub = {id(e): new[t] for t, e in self.old.by_token.items() if t in new and new[t] is not e}
            try:
                vars(site)[name] = _carried(value, sub)
            except _NotPlainError:
                continue

    def same(self, a: Any, b: Any) -> bool:
        if a is b:
            return True
        token = self.old.tokens.get(id(a))
        if token is not None:
            return token == self.new.tokens.get(id(b))
        if id(b) in self.new.tokens or type(a) is not type(b):
            return False
        if isinstance(a, tuple | list):
            if len(a) != len(b):
                return False
            # Lists of entities (the people under a place, a role) compared in one go: a call per
            # item was more than half of the time a preview spent on page keys.
            old = [self.old.tokens.get(id(x)) for x in a]
            if None not in old:
                return old == [self.new.tokens.get(id(x)) for x in b]
            return all(map(self.same, a, b))
        if isinstance(a, dict):
            return a.keys() == b.keys() and all(self.same(v, b[k]) for k, v in a.items())
        if dataclasses.is_dataclass(a) and not isinstance(a, type):
            return all(self.same(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a))
        return a == b
