"""Evaluating reads on a site: the hash of each read (frontline/deps.py) on this build's Site,
so that the next build can tell which reads changed (frontline/stale.py).

An entity in a read's value hashes as its identity (deps.token); a method's result is evaluated
through `Through`, a view of the Site that notes what the method reads in the same vocabulary,
and so are the cached properties it uses: a call is evaluated again only when one of those reads
changed.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import inspect
import os
import types
from collections.abc import Mapping
from typing import Any

from . import deps
from .deps import ENTITIES, MISSING, MISSING_HASH, PLAIN, Read, Table, entities, token


class Digests:
    """The hash of each read as evaluated on this build's site (and its renderer's tables)."""

    def __init__(self, site: Any, tables: Mapping[str, Mapping], before: Digests | None = None):
        self.site = site
        self.tables = {f"site.{f.name}": getattr(site, f.name) for f in dataclasses.fields(site)}
        self.tables |= tables
        self.tokens = _tokens(site, before)
        self.by_token = {t: e for e in entities(site) if (t := self.tokens[id(e)])}
        self.memo: dict[Read, bytes] = {}
        # What each call and cached property evaluated here read (only while recording, when
        # the front-matter hooks are in place: otherwise nothing is known of what they read).
        self.deps: dict[Read, frozenset[Read]] = {}
        self.props: dict[str, Any] = {}
        self.plain: dict[str, Any] = {}  # cached property -> its value here, known to be plain data
        self.made: dict[str, tuple[Any, str, bytes]] = {}  # token -> (front matter, body, hash)
        self.through = Through(site, self)
        # What a read this build cannot evaluate again hashes to: never equal to any other build's.
        self.never = b"\x00never " + os.urandom(8)

    def __call__(self, read: Read) -> bytes:
        found = self.memo.get(read)
        if found is None:
            with deps._unrecorded():
                found = self.memo[read] = self._evaluate(read)
        return found

    def once(self, read: Read) -> bytes:
        """The read's hash, not kept for later (each read is numbered once)."""
        found = self.memo.get(read)
        if found is None:
            with deps._unrecorded():
                found = self._evaluate(read)
        return found

    def entity_digests(self, before: Digests | None = None) -> dict[str, bytes]:
        """Each entity's identity, whole front matter and body, hashed: a read of fields or of
        the body of an entity whose hash is unchanged needs no evaluating. An entity whose
        (frozen) front matter and body are the very objects of the last build's (the preview
        keeps unchanged files' models) has the hash it had."""
        found, known = {}, before.made if before is not None else {}
        for t, e in self.by_token.items():
            meta, body = vars(e)["meta"], vars(e).get("body", "")
            hit = known.get(t)
            if hit is not None and hit[0] is meta and hit[1] is body:
                found[t] = hit[2]
            else:
                text = t + "\x1f" + _fields_text(meta, -1) + "\x1f" + body
                found[t] = _hash(text.encode("utf-8", "surrogatepass"))
            self.made[t] = (meta, body, found[t])
        return found

    def _evaluate(self, read: Read) -> bytes:
        kind = read[0]
        if kind == "fields":
            entity = self.by_token.get(read[1])
            return MISSING_HASH if entity is None else _hash(_fields_text(vars(entity)["meta"], read[2]).encode())
        if kind == "body":
            entity = self.by_token.get(read[1])
            return MISSING_HASH if entity is None else _hash(vars(entity)["body"].encode("utf-8", "surrogatepass"))
        if kind == "attr":
            return self.hash(getattr(self.site, read[1]))
        if kind == "key":
            table = self.tables.get(read[1])
            return MISSING_HASH if table is None else self.hash(table.get(read[2], MISSING))
        if kind == "all":
            table = self.tables.get(read[1])
            return MISSING_HASH if table is None else self.hash(self._whole_table(read[1], table))
        if kind == "call":
            args = []
            for arg in read[2]:
                if not isinstance(arg, tuple):
                    args.append(arg)
                elif arg[0] != "entity":
                    return self.never
                elif arg[1] in self.by_token:
                    args.append(self.by_token[arg[1]])
                else:
                    return MISSING_HASH  # about an entity no longer in the site
            method = types.MethodType(getattr(type(self.site), read[1]), self.through)
            with deps.page() as found:
                result = method(*args)
            if deps._recording:
                self.deps[read] = frozenset(found)
            return self.hash(result)
        return self.never  # a read this version does not know

    def forget(self) -> None:
        """Drop what was evaluated, keeping the site, its tables and tokens (for SiteDiff)."""
        self.memo, self.deps, self.props = {}, {}, {}

    def make_prop(self, name: str) -> None:
        """Make a cached property again (outside any page), to know what it reads now."""
        with deps._unrecorded():
            self.prop(name)

    def prop(self, name: str) -> Any:
        """A cached property of the Site, made through `through` so that what it read is known:
        a method using it depends on those reads (noted as ("prop", name))."""
        deps._note(("prop", name))
        if name not in self.props:
            with deps.page() as found:
                value = getattr(type(self.site), name).func(self.through)
            if deps._recording:
                self.deps[("prop", name)] = frozenset(found)
            # One value for pages rendered later too (a copy of the nearest-people index is 24 MiB).
            self.props[name] = vars(self.site).setdefault(name, value)
        return self.props[name]

    def table_digest(self, name: str) -> bytes:
        """A hash of every entry of a table (the key and value of each, serialised as a read of
        that key hashes it): when it equals the last build's, no read of an entry can differ, so
        a build from the command line, with no last site to compare with (SiteDiff), evaluates
        the reads of a table's entries only when the table changed."""
        table = self.tables.get(name)
        if not isinstance(table, Mapping):
            return self.never
        out: list[str] = [f"dict:{len(table)}"]
        with deps._unrecorded():
            for k, v in table.items():
                self._walk(k, out, set())
                out.append("\x1d")  # control characters never occur unescaped in what _walk writes
                self._walk(v, out, set())
                out.append("\x1e")
        return _hash("\x1f".join(out).encode("utf-8", "surrogatepass"))

    def _whole_table(self, name: str, table: Mapping) -> Any:
        # The name matcher is built from every linked name and every known one: a page that
        # links names depends on both, and reads `people` to do it.
        if name == "people":
            return (dict(table), sorted(self.site.known_names))
        return dict(table)

    def hash(self, value: Any) -> bytes:
        """Hash of plain data, an entity in it counting by its identity (what a page shows of
        an entity it reads field by field, each read noted on its own)."""
        out: list[str] = []
        with deps._unrecorded():
            self._walk(value, out, set())
        return _hash("\x1f".join(out).encode("utf-8", "surrogatepass"))

    def flat_text(self, obj: Any) -> str | None:
        """A dataclass whose fields are plain values, entities, and dicts of entities (a page and
        its context, the common case) as text, in a fraction of hash()'s time; None for any other.
        Deterministic for the same fields and values, like hash(); the two never meet (a caller
        uses one or the other for the same kind of object, so "None" here means: use hash())."""
        if not dataclasses.is_dataclass(obj) or isinstance(obj, type):
            return None
        tokens, parts = self.tokens, [type(obj).__name__]
        for name in _field_names(type(obj)):
            value = getattr(obj, name)
            kind = type(value)
            if kind in PLAIN:
                parts.append(repr(value))
            elif id(value) in tokens:
                parts.append(tokens[id(value)])
            elif kind is dict and all(type(k) is str and id(v) in tokens for k, v in value.items()):
                parts.append(repr([(k, tokens[id(v)]) for k, v in value.items()]))
            elif dataclasses.is_dataclass(value) and not isinstance(value, (*ENTITIES, type)):
                inner = self.flat_text(value)  # a date, say
                if inner is None:
                    return None
                parts.append(f"\x1c{inner}\x1d")  # control characters: never in a repr or a token
            else:
                return None
        return "\x1f".join(parts)

    def _walk(self, obj: Any, out: list[str], seen: set[int]) -> None:
        """A stable serialisation of plain data. Unknown objects fall back to repr(), which for
        most carries an address: such a hash never matches, so the page is simply re-rendered."""
        tokens = self.tokens
        if obj is None or isinstance(obj, str | int | float | bool | bytes):
            out.append(f"{type(obj).__name__}:{obj!r}")
        elif id(obj) in tokens:
            out.append(tokens[id(obj)])
        elif isinstance(obj, ENTITIES):
            out.append(self.never.hex())  # not of this site: cannot be named
        elif id(obj) in seen:
            out.append("cycle")
        elif isinstance(obj, list | tuple) and all(id(item) in tokens for item in obj):
            out.append(f"{type(obj).__name__}:{len(obj)}")  # the common case: people, reports
            out.extend(tokens[id(item)] for item in obj)
        elif isinstance(obj, dict | Table):
            seen.add(id(obj))
            items = obj.data if isinstance(obj, Table) else obj
            out.append(f"dict:{len(items)}")
            for k, v in items.items():
                self._walk(k, out, seen)
                self._walk(v, out, seen)
        elif isinstance(obj, list | tuple | set | frozenset):
            seen.add(id(obj))
            items = sorted(obj, key=repr) if isinstance(obj, set | frozenset) else obj
            out.append(f"{type(obj).__name__}:{len(items)}")
            for item in items:
                self._walk(item, out, seen)
        elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
            seen.add(id(obj))
            out.append(f"dc:{type(obj).__name__}")
            for name in _field_names(type(obj)):
                self._walk(getattr(obj, name), out, seen)
        else:
            out.append(f"{type(obj).__name__}:{obj!r}")  # pydantic models, dates, Decimals: repr is exact


def _tokens(site: Any, before: Digests | None) -> dict[int, str]:
    """id -> token of each entity of site; the last build's for the very objects it had (the
    preview keeps unchanged files' models, which the last site holds alive, so no id is reused)."""
    if before is None:
        return {id(e): token(e) for e in entities(site)}
    known, by_token = before.tokens, before.by_token
    found = {}
    for e in entities(site):
        t = known.get(id(e))
        found[id(e)] = t if t is not None and by_token.get(t) is e else token(e)
    return found


class Through:
    """The Site as a method sees it while its result is evaluated: what it reads is noted as a
    page's reads are (a table look-up by key, an attribute, a front-matter field), methods it
    calls and cached properties it uses go through here too, so a result is known to depend
    on exactly these reads and on nothing else."""

    __slots__ = ("_site", "_digests")

    def __init__(self, site: Any, digests: Digests):
        object.__setattr__(self, "_site", site)
        object.__setattr__(self, "_digests", digests)

    def __getattr__(self, name: str) -> Any:
        site = self._site
        kind, attr = _site_attr(type(site), name)
        if kind == "prop":
            return self._digests.prop(name)
        if kind == "property":
            return attr.fget(self)
        if kind == "method":
            return types.MethodType(attr, self)
        value = getattr(site, name)
        if name == "config":  # in every page's key
            return value
        if isinstance(value, dict):
            return Table(f"site.{name}", value)
        deps._note(("attr", name))
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("the site is read-only")


@functools.cache
def _site_attr(cls: type, name: str) -> tuple[str, Any]:
    attr = inspect.getattr_static(cls, name, None)
    if isinstance(attr, functools.cached_property):
        return "prop", attr
    if isinstance(attr, property):
        return "property", attr
    if inspect.isfunction(attr):
        return "method", attr
    return "value", None


@functools.cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


def _fields_text(meta: Any, bits: int) -> str:
    """The named fields of a front matter, exactly (nested models, dates, Decimals by repr)."""
    values, names = vars(meta), type(meta).model_fields
    chosen = (f"{name}={values.get(name, MISSING)!r}" for i, name in enumerate(names) if bits >> i & 1)
    return type(meta).__name__ + "\x1f" + "\x1f".join(chosen)


def _hash(*parts: bytes) -> bytes:
    h = hashlib.blake2b(digest_size=16)
    for part in parts:
        h.update(part)
    return h.digest()
