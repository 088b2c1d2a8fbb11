"""What each page read of the site while it was rendered, so an edit re-renders only the pages
that show it (frontline/incremental.py keeps the pages and these reads between builds).

A page is made from its own Page (path, template, context), the templates, Frontline's code,
the static files, the site config, and whatever it reads of the linked Site. Pages see the Site
through `Tracked`, which notes each read as a small, hashable description of it:

    ("attr", name)              site.profiles, site.latest ... (the whole value)
    ("key", table, key)         site.mentions[slug], site.organization_of[id], figures_by_org[id] ...
    ("all", table)              a table iterated, counted or tested for emptiness
    ("call", name, args)        site.colleagues(profile), site.edition(3) ... (the result)
    ("body", entity)            the Markdown body of an article or profile, read anywhere

Each description is evaluated again on the next build's site and hashed (`Digests`); a page is
reused only when every read of it hashes as before. An entity (profile, report, organization,
edition, figure) in a read's value hashes as its identity and its whole front matter, so a
changed role re-renders every page that shows that person, however it got there (a colleague's
card, an index, a report naming them). Bodies are most of the bytes and are shown by few pages,
so they are separate reads, recorded by a hook on `.body` itself: Python helpers (pull quotes,
plain text) read bodies too, not only templates.

Reads made while no page is being rendered (a renderer precomputing something from the Site)
are kept apart and count for every page, so nothing read can escape the keys.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import inspect
from collections.abc import Iterator, Mapping
from typing import Any

from .models import Article, Edition, Figure, Organization, Profile

Read = tuple  # one of the descriptions above: plain, hashable, picklable
ENTITIES = (Organization, Edition, Article, Profile, Figure)
WITH_BODY = (Article, Profile)
MISSING = "\x00missing"

# The reads of the page being rendered in this process; reads made outside a page go to _outside.
_page: set[Read] | None = None
_outside: set[Read] = set()
_tokens: dict[int, str] = {}  # id(entity) -> its identity, for the site being rendered


def _note(read: Read) -> None:
    (_outside if _page is None else _page).add(read)


def token(entity: Any) -> str:
    """An entity's identity: its kind, file and the names other pages reach it by."""
    found = _tokens.get(id(entity))
    if found is not None:
        return found
    meta = vars(entity)["meta"]  # not entity.meta: never a read
    kind = type(entity).__name__
    if isinstance(entity, Organization):
        ident = f"{entity.id}/{meta.slug or entity.id}"
    elif isinstance(entity, Edition):
        ident = str(meta.number)
    elif isinstance(entity, Figure):
        ident = meta.key
    else:
        ident = vars(entity)["slug"]
    return f"{kind}:{vars(entity)['source'].path}:{ident}"


# --- recording ----------------------------------------------------------------------------------


class Tracked:
    """The Site as pages see it: every attribute, table look-up and method call is noted."""

    __slots__ = ("_site", "_wrapped")

    def __init__(self, site: Any):
        object.__setattr__(self, "_site", site)
        object.__setattr__(self, "_wrapped", {})

    def __getattr__(self, name: str) -> Any:
        wrapped = self._wrapped.get(name)
        if wrapped is not None:
            return wrapped
        value = getattr(self._site, name)
        if name == "config":  # every page shows it: it is in the key all pages share
            return value
        if isinstance(value, dict):
            wrapped = self._wrapped[name] = Table(f"site.{name}", value)
            return wrapped
        if inspect.ismethod(value):
            wrapped = self._wrapped[name] = _Call(name, value)
            return wrapped
        _note(("attr", name))
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("the site is read-only")


class _Call:
    __slots__ = ("name", "method")

    def __init__(self, name: str, method: Any):
        self.name, self.method = name, method

    def __call__(self, *args: Any) -> Any:
        _note(("call", self.name, tuple(_arg(a) for a in args)))
        global _page
        saved, _page = _page, set()  # what the method reads inside is summed up by its result
        try:
            return self.method(*args)
        finally:
            _page = saved


def _arg(value: Any) -> Any:
    if isinstance(value, ENTITIES):
        return ("entity", token(value))
    if value is None or isinstance(value, str | int | bool):
        return value
    return ("unknown", repr(value))  # never evaluated again: such a page is always re-rendered


class Table(Mapping):
    """A read-only dict whose look-ups are noted one key at a time, while a page is rendered.

    Tables are what a renderer derives from the whole site once and is handed ready-made
    (render.lookups): what it does with them before any page (build a name matcher) is declared
    by the reads its pages make (a page that links names asks whether there are any)."""

    __slots__ = ("name", "data")

    def __init__(self, name: str, data: Mapping):
        self.name, self.data = name, data

    def __getitem__(self, key: Any) -> Any:
        if _page is not None:
            _page.add(("key", self.name, key))
        return self.data[key]

    def get(self, key: Any, default: Any = None) -> Any:
        if _page is not None:
            _page.add(("key", self.name, key))
        return self.data.get(key, default)

    def __contains__(self, key: Any) -> bool:
        if _page is not None:
            _page.add(("key", self.name, key))
        return key in self.data

    def __iter__(self) -> Iterator[Any]:
        if _page is not None:
            _page.add(("all", self.name))
        return iter(self.data)

    def __len__(self) -> int:
        if _page is not None:
            _page.add(("all", self.name))
        return len(self.data)

    def keys(self):  # type: ignore[override]
        if _page is not None:
            _page.add(("all", self.name))
        return self.data.keys()

    def values(self):  # type: ignore[override]
        if _page is not None:
            _page.add(("all", self.name))
        return self.data.values()

    def items(self):  # type: ignore[override]
        if _page is not None:
            _page.add(("all", self.name))
        return self.data.items()


def _body_property() -> property:
    def get(self: Any) -> str:
        _note(("body", token(self)))
        return vars(self)["body"]

    def put(self: Any, value: str) -> None:  # dataclass __init__ sets the field through it
        vars(self)["body"] = value

    return property(get, put)


@contextlib.contextmanager
def recording(site: Any) -> Iterator[None]:
    """While rendering: `.body` of articles and profiles is noted, entities know their tokens.
    Set up before worker processes fork, so they inherit it."""
    global _tokens
    _tokens = {id(e): token(e) for e in entities(site)}
    for cls in WITH_BODY:
        cls.body = _body_property()  # type: ignore[attr-defined]
    try:
        yield
    finally:
        for cls in WITH_BODY:
            del cls.body  # type: ignore[attr-defined]
        _tokens = {}


@contextlib.contextmanager
def page() -> Iterator[set[Read]]:
    """Collect the reads of one page."""
    global _page
    reads: set[Read] = set()
    saved, _page = _page, reads
    try:
        yield reads
    finally:
        _page = saved


def outside() -> set[Read]:
    """Reads made while no page was being rendered (since the last call)."""
    found = set(_outside)
    _outside.clear()
    return found


def entities(site: Any) -> Iterator[Any]:
    yield from site.organizations
    yield from site.editions
    yield from site.articles
    yield from site.profiles
    yield from site.figures.values()


# --- evaluating reads on a site --------------------------------------------------------------


class Digests:
    """The hash of each read as evaluated on this build's site (and its renderer's tables)."""

    def __init__(self, site: Any, tables: Mapping[str, Mapping]):
        self.site = site
        self.tables = {f"site.{f.name}": getattr(site, f.name) for f in dataclasses.fields(site)}
        self.tables |= tables
        self.by_token = {token(e): e for e in entities(site)}
        self.memo: dict[Read, str] = {}
        self._meta: dict[int, str] = {}  # id(entity) -> hash of its identity and front matter

    def __call__(self, read: Read) -> str:
        found = self.memo.get(read)
        if found is None:
            found = self.memo[read] = self._evaluate(read)
        return found

    def _evaluate(self, read: Read) -> str:
        try:
            kind = read[0]
            if kind == "attr":
                return self.hash(getattr(self.site, read[1]))
            if kind == "key":
                table = self.tables.get(read[1])
                return MISSING if table is None else self.hash(table.get(read[2], MISSING))
            if kind == "all":
                table = self.tables.get(read[1])
                return MISSING if table is None else self.hash(self.whole(read[1], table))
            if kind == "call":
                args = [self._resolve(a) for a in read[2]]
                return self.hash(getattr(self.site, read[1])(*args))
            if kind == "body":
                entity = self.by_token.get(read[1])
                return MISSING if entity is None else _hash(vars(entity)["body"].encode("utf-8"))
        except _GoneError:
            return MISSING
        return "\x00unknown"  # a read this version does not know: never equal to a stored hash

    def whole(self, name: str, table: Mapping) -> Any:
        # The name matcher is built from every linked name and every known one: a page that
        # links names depends on both, and reads `people` to do it.
        if name == "people":
            return (dict(table), sorted(self.site.known_names))
        return dict(table)

    def _resolve(self, arg: Any) -> Any:
        if isinstance(arg, tuple):
            if arg[0] == "entity" and arg[1] in self.by_token:
                return self.by_token[arg[1]]
            raise _GoneError
        return arg

    def hash(self, value: Any) -> str:
        out: list[str] = []
        self._walk(value, out, set())
        return _hash("\x1f".join(out).encode("utf-8", "surrogatepass"))

    def entity(self, entity: Any) -> str:
        found = self._meta.get(id(entity))
        if found is None:
            meta = vars(entity)["meta"]
            found = self._meta[id(entity)] = _hash(f"{token(entity)}\x1f{meta!r}".encode("utf-8", "surrogatepass"))
        return found

    def _walk(self, obj: Any, out: list[str], seen: set[int]) -> None:
        """A stable serialisation of plain data; an entity stands for its identity and front
        matter. Unknown objects fall back to repr(), which for most carries an address: such a
        hash never matches, so the page is simply re-rendered."""
        if obj is None or isinstance(obj, str | int | float | bool | bytes):
            out.append(f"{type(obj).__name__}:{obj!r}")
        elif isinstance(obj, ENTITIES):
            out.append(self.entity(obj))
        elif id(obj) in seen:
            out.append("cycle")
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
            for f in dataclasses.fields(obj):
                self._walk(getattr(obj, f.name), out, seen)
        else:
            out.append(f"{type(obj).__name__}:{obj!r}")  # pydantic models, dates, Decimals: repr is exact


class _GoneError(Exception):
    """An entity a read was about is no longer in the site."""


def _hash(*parts: bytes) -> str:
    h = hashlib.blake2b(digest_size=20)
    for part in parts:
        h.update(part)
    return h.hexdigest()
