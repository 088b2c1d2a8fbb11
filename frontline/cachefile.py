"""Signed cache files: pickles that only this machine's builds can have written.

The cache lives in the site root, which is a git checkout editors commit to. Unpickling runs
code, so a cache file someone committed (or a hostile content repository shipped) must never
be loaded: every file carries an HMAC made with a key kept outside the site, in the user's
cache directory, and a file whose HMAC does not match is treated as no cache at all.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import pickle
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
