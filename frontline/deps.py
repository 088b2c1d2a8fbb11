"""What each page read of the site while it was rendered, so an edit re-renders only the pages
that show it (frontline/incremental.py keeps the pages and these reads between builds).

A page is made from its own Page (path, template, context), the templates, Frontline's code,
the static files, the site config, and whatever it reads of the linked Site. Pages see the Site
through `Tracked`, which notes each read as a small, hashable description of it:

    ("attr", name)              site.profiles, site.latest ... (the whole value)
    ("key", table, key)         site.mentions[slug], site.organization_of[id], figures_by_org[id] ...
    ("all", table)              a table iterated, counted or tested for emptiness
    ("call", name, args)        site.colleagues(profile), site.edition(3) ... (the result)
    ("prop", name)              a cached property of the Site that a method used (_near_index ...)
    ("fields", entity, mask)    the front-matter fields of one entity the page read (a bit each)
    ("body", entity)            the Markdown body of an article or profile
    ("names", entity)           which people's names that body links (see names_changed)

Each description is evaluated again on the next build's site and hashed (frontline/digests.py);
a page is reused only when every read of it hashes as before. An entity in a read's value (a colleague,
a report naming someone) hashes as its identity only: what the page shows of it is noted field
by field, by hooks on the front-matter classes and on `.body` while pages are rendered, in
templates and Python helpers (URLs, JSON-LD, pull quotes, charts) alike. So a changed role
re-renders the pages that show that person's role, and a changed organization name the pages
that show the name, not every page that mentions the organization.

A method's result is evaluated through `digests.Through`, a view of the Site that notes what
the method reads in the same vocabulary, and so are the cached properties it uses: the next
build evaluates a call again only when one of those reads changed (frontline/stale.py), instead
of every call of every page (a profile page asks for its colleagues and its nearest people: at ten thousand
pages, evaluating them all was most of a rebuild).

Reads made while no page is being rendered (a renderer precomputing something from the Site)
are kept apart and count for every page, so nothing read can escape the keys.
"""

from __future__ import annotations

import contextlib
import inspect
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from pydantic import BaseModel

from .models import (
    Article,
    ArticleMeta,
    Edition,
    EditionMeta,
    Figure,
    FigureMeta,
    Organization,
    OrganizationMeta,
    Profile,
    ProfileMeta,
)
from .prose import Prose

Read = tuple  # one of the descriptions above: plain, hashable, picklable
ENTITIES = (Organization, Edition, Article, Profile, Figure)
PLAIN = frozenset({str, int, float, bool, type(None)})  # values that are data as they are
WITH_BODY = (Article, Profile)
META_CLASSES: tuple[type[BaseModel], ...] = (OrganizationMeta, EditionMeta, ArticleMeta, ProfileMeta, FigureMeta)
MISSING = "\x00missing"  # a key a table lacks (as a value); its hash is MISSING_HASH
MISSING_HASH = b"\x00missing"
UNKNOWN = ("unknown",)  # a read that can never be checked: its page is always re-rendered
# Ways to read a front matter whole rather than field by field.
WHOLE = ("__iter__", "__repr__", "__str__", "__eq__", "model_dump", "model_dump_json")

# What the page being rendered in this process read; reads made outside a page go to _outside.
_page: set[Read] | None = None
# Fields read: id(meta) << 6 | the field's number (the cheapest note); outside a page, these
# are _outside_fields itself.
_outside_fields: set[int] = set()
_fields: set[int] = _outside_fields
_outside: set[Read] = set()
_recording = False  # between recording()'s start and end
_tokens: dict[int, str] = {}  # id(entity) -> its identity, for the site being rendered
_owners: dict[int, str] = {}  # id(meta) -> the identity of the entity it belongs to
_bodies: dict[int, str] = {}  # id(body) -> the identity of the entity it belongs to
ALL_PEOPLE = ("all", "people")
ENTITY_READS = ("fields", "body")  # reads of one entity, named by their second item
# Characters Markdown may drop from inside a run of text (whitespace, markup, list numbers):
# a name found in a converted body is found in the body with these removed, and so is its own
# name with them removed.
LOOSE = re.compile(r"[\s\x21-\x40\x5b-\x60\x7b-\x7e]")


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
        ident = f"{entity.id}/{vars(meta)['slug'] or entity.id}"
    elif isinstance(entity, Edition):
        ident = str(vars(meta)["number"])
    elif isinstance(entity, Figure):
        ident = vars(meta)["key"]
    else:
        ident = vars(entity)["slug"]
    return f"{kind}:{vars(entity)['source'].path}:{ident}"


@contextlib.contextmanager
def _unrecorded() -> Iterator[None]:
    """Reads in here are summed up elsewhere (a method's result) or are the build's own."""
    global _page, _fields
    saved = _page, _fields
    _page, _fields = set(), set()
    try:
        yield
    finally:
        _page, _fields = saved


# --- recording ----------------------------------------------------------------------------------


class Tracked:
    """The Site as pages see it: every attribute, table look-up and method call is noted."""

    def __init__(self, site: Any):
        object.__setattr__(self, "_site", site)

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._site, name)
        if name == "config":  # every page shows it: it is in the key all pages share
            return value
        if isinstance(value, dict):
            wrapped: Any = Table(f"site.{name}", value)
        elif inspect.ismethod(value):
            wrapped = _Call(name, value)
        else:
            _note(("attr", name))
            return value
        # Kept on the instance: the next look-up finds it without coming here (Jinja makes many).
        object.__setattr__(self, name, wrapped)
        return wrapped

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("the site is read-only")


class _Call:
    __slots__ = ("name", "method")

    def __init__(self, name: str, method: Any):
        self.name, self.method = name, method

    def __call__(self, *args: Any) -> Any:
        global _page, _fields
        _note(("call", self.name, tuple(_arg(a) for a in args)))
        saved = _page, _fields
        _page, _fields = set(), set()  # what the method reads inside is summed up by its result
        try:
            return self.method(*args)
        finally:
            _page, _fields = saved


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


def _field_property(name: str, number: int) -> property:
    def get(self: Any) -> Any:
        _fields.add(id(self) << 6 | number)
        return self.__dict__[name]

    return property(get)


def _whole(cls: type, name: str) -> Any:
    original = getattr(cls, name)
    numbers = range(len(cls.model_fields))

    def read_whole(self: Any, *args: Any, **kwargs: Any) -> Any:
        _fields.update(id(self) << 6 | n for n in numbers)
        return original(self, *args, **kwargs)

    return read_whole


def remembered(cache: dict, key: Any, make: Callable[[], Any]) -> Any:
    """cache[key], made by make() the first time. While pages are recorded, what make() read is
    noted again on every later use: a page showing a value made for another page (a person's
    card) depends on everything the value shows."""
    global _page, _fields
    found = cache.get(key)
    if found is None:
        saved = _page, _fields
        _page, _fields = set(), set()
        try:
            value = make()
            # Tuples, not frozensets: a few reads each, kept for every card (tens of thousands).
            found = cache[key] = (value, tuple(_page), tuple(_fields))
        finally:
            _page, _fields = saved
    value, reads, fields = found
    if _recording:
        (_outside if _page is None else _page).update(reads)
        _fields.update(fields)
    return value


def _linking(original: Any) -> Any:
    """Prose.html, noting a body's name links as a read of that body's names: which names it
    links depends only on the names that occur in it, not on all the others (names_changed)."""

    def html(self: Any, body: str, *args: Any, **kwargs: Any) -> str:
        owner = _bodies.get(id(body)) if _page is not None else None
        if owner is None:  # not an entity's body: it depends on the whole table of names
            return original(self, body, *args, **kwargs)
        reads = _page
        had = ALL_PEOPLE in reads
        try:
            return original(self, body, *args, **kwargs)
        finally:
            if not had:
                reads.discard(ALL_PEOPLE)
            reads.add(("names", owner))

    return html


def names_changed(before: Mapping[str, Any], now: Mapping[str, Any]) -> set[str]:
    """The names (loosely written, as LOOSE leaves them) whose link target, or whether they are
    known at all, differs between two tables of names."""
    return {LOOSE.sub("", n) for n in before.keys() | now.keys() if before.get(n, MISSING) != now.get(n, MISSING)}


def names_in(body: str, names: set[str]) -> bool:
    """Whether any of these loosely written names could be linked, or could stop a link, in body."""
    loose = LOOSE.sub("", body)
    return any(name in loose for name in names)


@contextlib.contextmanager
def recording(site: Any, tokens: dict[int, str] | None = None) -> Iterator[None]:
    """While rendering: reads of entities' bodies and front-matter fields are noted, and
    entities know their tokens. Set up before worker processes fork, so they inherit it."""
    global _tokens, _owners, _bodies, _recording
    _outside.clear()  # nothing from before counts
    _outside_fields.clear()
    _recording = True
    _tokens = tokens if tokens is not None else {id(e): token(e) for e in entities(site)}
    _owners = {id(vars(e)["meta"]): _tokens[id(e)] for e in entities(site)}
    _bodies = {id(vars(e)["body"]): _tokens[id(e)] for e in entities(site) if "body" in vars(e)}
    hooked: list[tuple[type, str, Any]] = [(Prose, "html", Prose.__dict__["html"])]
    Prose.html = _linking(Prose.html)  # type: ignore[method-assign]
    for cls in WITH_BODY:
        hooked.append((cls, "body", cls.__dict__.get("body", MISSING)))
        cls.body = _body_property()  # type: ignore[attr-defined]
    for cls in META_CLASSES:
        assert len(cls.model_fields) <= 64, cls  # a field's number fits in 6 bits
        for number, name in enumerate(cls.model_fields):
            hooked.append((cls, name, cls.__dict__.get(name, MISSING)))
            setattr(cls, name, _field_property(name, number))
        for name in WHOLE:
            hooked.append((cls, name, cls.__dict__.get(name, MISSING)))
            setattr(cls, name, _whole(cls, name))
    try:
        yield
    finally:
        for cls, name, before in reversed(hooked):
            if before is MISSING:
                delattr(cls, name)
            else:
                setattr(cls, name, before)
        _tokens, _owners, _bodies = {}, {}, {}
        _recording = False


@contextlib.contextmanager
def page() -> Iterator[set[Read]]:
    """Collect the reads of one page (complete when the block ends)."""
    global _page, _fields
    reads: set[Read] = set()
    fields: set[int] = set()
    saved = _page, _fields
    _page, _fields = reads, fields
    try:
        yield reads
    finally:
        _page, _fields = saved
        reads |= _field_reads(fields)


def outside() -> set[Read]:
    """Reads made while no page was being rendered (since the last call)."""
    found = set(_outside) | _field_reads(_outside_fields)
    _outside.clear()
    _outside_fields.clear()
    return found


def _field_reads(fields: set[int]) -> set[Read]:
    """("fields", entity, bits) for each front matter read, a bit for each field read."""
    bits: dict[int, int] = {}
    for noted in fields:
        bits[noted >> 6] = bits.get(noted >> 6, 0) | 1 << (noted & 63)
    owners = _owners
    return {("fields", owners[meta], mask) if meta in owners else UNKNOWN for meta, mask in bits.items()}


def entities(site: Any) -> Iterator[Any]:
    yield from site.organizations
    yield from site.editions
    yield from site.articles
    yield from site.profiles
    yield from site.figures.values()
