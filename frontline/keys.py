"""What a page's output is made from, hashed: the key under which the page cache keeps it.

A page's key is a part all pages share (Frontline's own source and every installed package's
version, every file under templates/, the site config, and anything read of the site while no
page was being rendered) and the page's own (path, template, context, and what its footer says
of its source file). What the page read of the site while it was rendered is kept beside the
key (frontline/stale.py).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import importlib.metadata
import sys
from pathlib import Path
from typing import Any

from .deps import Read
from .digests import Digests
from .history import History, page_source
from .link import Site
from .render import Page, source_of
from .stale import SiteDiff

FORMAT = 7  # bump when the cache's layout or meaning changes


def shared_key(root: Path, site: Site, everywhere: list[tuple[Read, bytes]]) -> bytes:
    """What every page depends on: Frontline's code, the templates, the site config, and
    whatever was read of the site outside any page. (Static files, media and portraits are
    looked up by name, each look-up a read of the page that makes it.)"""
    h = hashlib.blake2b(digest_size=20)
    for part in (
        f"{FORMAT} {sys.version}".encode(),
        _code_fingerprint(),
        _tree_fingerprint(root / "templates"),
        repr(site.config).encode(),
        _fingerprint(everywhere),
    ):
        h.update(hash_of(part).encode())
    return h.digest()


def key_of(
    page: Page,
    shared: bytes,
    site: Site,
    history: History | None,
    digests: Digests,
    keyed: dict,
    diff: SiteDiff | None = None,
) -> str:
    """The page itself: its path, template and context (an entity in it by its identity: the
    fields the page shows are reads of their own), and what its footer says of its source file
    (git's date, the edit link). keyed (the preview's, from the last build) spares hashing a
    page made from the same template, footer and context (entities by identity, other values
    compared with the last site's by SiteDiff) under the same shared key."""
    history = history or History()
    tokens, source = digests.tokens, source_of(page)
    # what the footer is made of: the source, git's date and the prefix (the config is in shared)
    made = (shared, page.template, page.absolute, source, history.changed.get(source), history.prefix)
    made += (tuple(page.context), tokens.get(id(page.item)))
    values = tuple(page.context.values())
    hit = keyed.get(page.path)
    if (
        hit is not None
        and hit[0] == made
        and len(hit[1]) == len(values)
        and all(
            tokens.get(id(b)) == a if a is not None else diff is not None and diff.same(o, b)
            for a, o, b in zip(hit[2], hit[1], values, strict=True)
        )
    ):
        keyed[page.path] = (made, values, hit[2], hit[3])
        return hit[3]
    footer = page_source(source, history, site.config)
    text, footer_text = digests.flat_text(page), "" if footer is None else digests.flat_text(footer)
    if text is not None and footer_text is not None:  # most pages: hashed as text, four times faster
        key = hash_of(shared, b"\0flat\0", f"{text}\x1e{footer_text}".encode("utf-8", "surrogatepass"))
    else:
        key = hash_of(shared, digests.hash(page) + digests.hash(footer))
    keyed[page.path] = (made, values, tuple(tokens.get(id(v)) for v in values), key)
    return key


def code_version() -> bytes:
    """Frontline's code, the packages installed and Python itself, hashed: what a cache of
    results made by this code is valid for."""
    return hash_of(f"{FORMAT} {sys.version}".encode(), _code_fingerprint()).encode()


@functools.cache
def _code_fingerprint() -> bytes:
    """Frontline's own source and the version of every installed distribution (once a process:
    the code it runs cannot change under it)."""
    parts = [_tree_fingerprint(Path(__file__).parent)]
    versions = sorted(f"{d.metadata['Name']}=={d.version}" for d in importlib.metadata.distributions())
    parts.append("\n".join(versions).encode())
    return b"".join(parts)


def _tree_fingerprint(folder: Path) -> bytes:
    h = hashlib.blake2b(digest_size=20)
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        h.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return h.digest()


def _fingerprint(obj: Any) -> bytes:
    """A stable serialisation of plain data (unknown objects fall back to repr(), which for most
    carries an address: such a key never matches, so the page is simply re-rendered)."""
    out: list[str] = []
    _walk(obj, out, set())
    return "\x1f".join(out).encode("utf-8", "surrogatepass")


def _walk(obj: Any, out: list[str], seen: set[int]) -> None:
    if obj is None or isinstance(obj, str | int | float | bool | bytes):
        out.append(f"{type(obj).__name__}:{obj!r}")
    elif id(obj) in seen:
        out.append("cycle")
    elif isinstance(obj, dict):
        seen.add(id(obj))
        out.append(f"dict:{len(obj)}")
        for k, v in obj.items():
            _walk(k, out, seen)
            _walk(v, out, seen)
    elif isinstance(obj, list | tuple | set | frozenset):
        seen.add(id(obj))
        items = sorted(obj, key=repr) if isinstance(obj, set | frozenset) else obj
        out.append(f"{type(obj).__name__}:{len(items)}")
        for item in items:
            _walk(item, out, seen)
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        seen.add(id(obj))
        out.append(f"dc:{type(obj).__name__}")
        for f in dataclasses.fields(obj):
            _walk(getattr(obj, f.name), out, seen)
    else:
        out.append(f"{type(obj).__name__}:{obj!r}")  # pydantic models, dates, Decimals: repr is exact


def hash_of(*parts: bytes) -> str:
    h = hashlib.blake2b(digest_size=20)
    for part in parts:
        h.update(part)
    return h.hexdigest()
