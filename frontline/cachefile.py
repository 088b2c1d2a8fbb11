"""Signed cache files: pickles that only this machine's builds can have written.

The cache lives in the site root, which is a git checkout editors commit to. Unpickling runs
code, so a cache file someone committed (or a hostile content repository shipped) must never
be loaded: every file carries an HMAC made with a key kept outside the site, in the user's
cache directory, and a file whose HMAC does not match is treated as no cache at all.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import pickle
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

KEY_BYTES = 32


def key_path() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "frontline" / "cache-key"


def _key() -> bytes:
    path = key_path()
    try:
        key = path.read_bytes()
        if len(key) == KEY_BYTES:
            return key
    except OSError:
        pass
    key = os.urandom(KEY_BYTES)
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key)
    try:
        os.link(temp, path)  # first writer wins, so concurrent builds agree on one key
    except FileExistsError:
        pass
    finally:
        os.unlink(temp)
    return path.read_bytes()


def read(path: Path) -> Any | None:
    """The object stored at path, or None if it is missing, unsigned, forged or unreadable."""
    try:
        data = path.read_bytes()
        key = _key()
    except OSError:
        return None
    mac, body = data[: hashlib.sha256().digest_size], data[hashlib.sha256().digest_size :]
    if not hmac.compare_digest(mac, hmac.new(key, body, hashlib.sha256).digest()):
        return None
    try:
        return pickle.loads(body)
    except (pickle.UnpicklingError, EOFError, AttributeError, ValueError, TypeError, ImportError):
        return None


def write(path: Path, value: Any) -> None:
    """Store value at path atomically, signed with this machine's key."""
    body = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    mac = hmac.new(_key(), body, hashlib.sha256).digest()
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}")
    with temp.open("wb") as fh:  # not mac + body: that would copy a large cache once more
        fh.write(mac)
        fh.write(body)
    os.replace(temp, path)


# --- large dicts, saved as what changed ----------------------------------------------------

DELTA_SHARE = 8  # the delta is folded into a new base once it holds an eighth of the entries
DELTA_MIN = 256  # (or this many, for small dicts)
Sections = dict[str, dict]  # named dicts kept in one file (so that pickle writes a value they share once)


@dataclass
class Layers:
    """What read_layered found: the sections of the base file as read, and its identity."""

    base: Sections = field(default_factory=dict)
    base_id: bytes | None = None


def read_layered(path: Path, meta: Any) -> tuple[Sections, Layers]:
    """The dicts stored at path by write_layered with this meta (a version, say), or none.

    They are kept in two signed files: a base, written whole now and then, and beside it the
    entries that differ from the base (set and dropped), written on every save. So a save after
    one edit writes a few entries instead of tens of megabytes, and a build killed between the
    two writes leaves a delta whose base is gone, which is ignored (a cache miss, never a wrong
    entry)."""
    saved = read(path)
    if not isinstance(saved, dict) or saved.get("meta") != meta or not isinstance(saved.get("sections"), dict):
        return {}, Layers()
    layers = Layers(saved["sections"], saved.get("id"))
    delta = read(_delta_path(path))
    if not isinstance(delta, dict) or layers.base_id is None or delta.get("base") != layers.base_id:
        return {name: dict(entries) for name, entries in layers.base.items()}, layers
    found = {}
    for name, entries in layers.base.items():
        dropped = delta["drop"].get(name, ())
        found[name] = {k: v for k, v in entries.items() if k not in dropped} if dropped else dict(entries)
        found[name].update(delta["set"].get(name, {}))
    return found, layers


def write_layered(path: Path, sections: Sections, layers: Layers, meta: Any, same: Callable[[Any, Any], bool]) -> None:
    """Store sections (for read_layered with meta): as a delta from the base read, unless there
    is none or the delta has grown large, then as a new base. same(a, b) tells whether two
    values of one key are the same entry."""
    changed: Sections = {}
    dropped: dict[str, frozenset] = {}
    for name, entries in sections.items():
        base = layers.base.get(name, {})
        changed[name] = {k: v for k, v in entries.items() if (old := base.get(k, _NONE)) is _NONE or not same(old, v)}
        dropped[name] = frozenset(k for k in base if k not in entries)
    size = sum(map(len, sections.values()))
    differ = sum(map(len, changed.values())) + sum(map(len, dropped.values()))
    if (
        layers.base_id is not None
        and sections.keys() == layers.base.keys()
        and differ <= max(DELTA_MIN, size // DELTA_SHARE)
    ):
        write(_delta_path(path), {"base": layers.base_id, "set": changed, "drop": dropped})
        return
    write(path, {"meta": meta, "id": os.urandom(16), "sections": sections})
    with contextlib.suppress(FileNotFoundError):
        os.unlink(_delta_path(path))  # of the old base: ignored already, now gone


_NONE = object()


def _delta_path(path: Path) -> Path:
    return path.with_name(f"{path.name}.delta")
