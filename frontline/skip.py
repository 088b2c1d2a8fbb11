"""Skip a build whose inputs and output are exactly as the last successful build left them.

Editors rebuild on every save, so a build with nothing to do must cost almost nothing: this
module runs before any heavy import (pydantic, Markdown, Jinja2, Babel, pypinyin) and reads no
content file when nothing changed. It keeps a record of the last build, in the signed cache:

- every file and folder under content/, templates/ and static/ with its stat (device, inode,
  mode, size, modification and change time, to the nanosecond) and a hash of its bytes (of its
  list of names, for a folder). A file whose stat is unchanged is unchanged, with git's rule
  for "racily clean" entries: a file whose times are not older than the moment the record was
  taken (a probe file's own modification time, so the same clock and granularity) could have
  been edited again within the same clock tick, so it is hashed. A file whose stat changed but
  whose bytes did not (a touch, a checkout of the same text) is no change either;
- everything else a build depends on: Frontline's own source (hashed, it is small), the
  installed distributions (the names and stats of the *.dist-info entries on sys.path, so an
  upgrade or a reinstall is a change), git's view of the history (HEAD, the folder's prefix and
  what can rewrite a log: shallow, grafts, replace refs), the Python, options and environment
  variables that the build or Pagefind reads;
- every file and folder of the output, with its stat, as the build left it (hashed only when
  racy): a file added, removed or edited by hand means a real build, which puts it right.

Any difference means a real build: the record is dropped first, so a build that dies half-way
is never mistaken for a finished one, and written again only after a build succeeded.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import stat
import subprocess
import sys
import time
from array import array
from dataclasses import dataclass, field
from pathlib import Path

from . import cachefile
from .errors import Problem

CACHE_DIR = ".frontline-cache"
RECORD = "unchanged.pickle"
PROBE = "probe"
CLOCK_MARGIN_NS = 3_000_000_000
FORMAT = 2  # bump when the record's layout or meaning changes
INPUTS = ("content", "templates", "static")
CODE = Path(__file__).resolve().parent  # Frontline's own source
FIELDS = 6  # device, inode, mode, size, mtime_ns, ctime_ns
PACKAGE_SUFFIXES = (".dist-info", ".egg-info", ".egg-link", ".pth")
ENVIRONMENT = ("PAGEFIND_", "GIT_")  # read by Pagefind, and by the git calls behind the page dates


@dataclass(frozen=True)
class Skipped:
    """What a build whose inputs all match the last successful one reports, without running."""

    warnings: list[Problem]
    files: int


@dataclass
class Tree:
    """Files and folders with their stats; digests where known (None: not hashed)."""

    paths: list[str] = field(default_factory=list)
    stats: array = field(default_factory=lambda: array("q"))
    digests: list[bytes | None] = field(default_factory=list)
    racy: list[int] = field(default_factory=list)  # indices of entries racy at the record's probe


@dataclass
class Look:
    """What build() needs from the look before it: whether to skip, and the record to keep."""

    skipped: Skipped | None
    settings: str = ""
    probe: tuple[int, int] | None = None  # device and time of the moment the inputs were read
    inputs: Tree | None = None


def look(root: Path, out: Path, include_drafts: bool = False, search: bool = True) -> Look:
    """Compare the inputs and out with the last successful build's record.

    Returns Look(skipped=...) when nothing changed; otherwise drops the record and returns
    what remember() keeps after the build: the inputs as they are now, before it reads them
    (so an edit made while it runs is a change for the next build)."""
    if os.environ.get("FRONTLINE_CRASH_AT"):
        return Look(None)  # the safety tests' fault injection needs a real build
    out = out.resolve()
    record = root / CACHE_DIR / RECORD
    probe = _probe(root / CACHE_DIR, create=False)
    if probe is None:
        return Look(None)  # no writable cache: no record, every build is a real one
    saved = cachefile.read(record)
    settings = _settings(root, out, include_drafts, search)
    if not isinstance(saved, dict) or saved.get("format") != FORMAT or saved.get("settings") != settings:
        saved = None
    old: Tree | None = saved["inputs"] if saved is not None else None
    inputs = _verify(root, old, probe) if old is not None else None
    if inputs is not None and saved is not None and saved.get("out") is not None:
        output = _verify(out, saved["out"], probe, hash_files=False)
        if output is not None:
            if inputs is not old or output is not saved["out"]:
                # Some entries had to be hashed (racy, or touched without a change): keep their
                # stats as of now, so that the next look needs no hashing.
                _save(record, saved | {"inputs": inputs, "out": output})
            return Look(Skipped(saved["warnings"], saved["files"]))
    with contextlib.suppress(OSError):
        record.unlink()
    return Look(None, settings, probe, inputs if inputs is not None else _snapshot(root, old, probe))


def remember(
    root: Path, out: Path, seen: Look, warnings: list[Problem], files: int, listing: list[str] | None = None
) -> None:
    """Record a successful build: the inputs as seen before it, and out as it left it (listing:
    every folder and file out holds, when the build knows them: out is not walked then)."""
    if seen.inputs is None or seen.probe is None:
        return
    out = out.resolve()
    probe = _probe(root / CACHE_DIR)
    if probe is None or _device(out) != probe[0]:
        return  # out's times cannot be compared with the probe's: no record, no skipping
    output = _walk(out, None, None, probe, hash_files=False) if listing is None else _listed(out, listing, probe)
    saved = {
        "format": FORMAT,
        "settings": seen.settings,
        "inputs": seen.inputs,
        "out": output,
        "warnings": warnings,
        "files": files,
    }
    _save(root / CACHE_DIR / RECORD, saved)


# --- trees of files ------------------------------------------------------------------------


def _stat(path: str) -> os.stat_result | None:
    try:
        return os.stat(path)
    except (OSError, ValueError):
        return None


def stat_fields(st: os.stat_result | None) -> tuple[int, ...]:
    if st is None:
        return (0,) * FIELDS
    return (st.st_dev, st.st_ino, st.st_mode, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def is_racy(values: tuple[int, ...] | array, probe: tuple[int, int]) -> bool:
    """Could this entry have changed since without its stat changing? (git's racy-clean rule)"""
    device, _, _, _, mtime, ctime = values
    return device != probe[0] or max(mtime, ctime) >= probe[1]


def _digest(path: str, is_dir: bool) -> bytes | None:
    """A hash of a file's bytes or of a folder's names; None for anything else (a FIFO must
    never be opened: that would wait for a writer forever)."""
    h = hashlib.blake2b(digest_size=20)
    try:
        if is_dir:
            h.update("\0".join(sorted(os.listdir(path))).encode("utf-8", "surrogateescape"))
        else:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
            with os.fdopen(fd, "rb") as fh:
                if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                    return None
                h.update(fh.read())
    except (OSError, ValueError):
        return None
    return h.digest()


def _entry(stats: array, i: int) -> array:
    return stats[i * FIELDS : (i + 1) * FIELDS]


def _is_dir(values: tuple[int, ...] | array) -> bool:
    return values[2] & 0o170000 == 0o040000


def _verify(top: Path, old: Tree, probe: tuple[int, int], hash_files: bool = True) -> Tree | None:
    """old if every entry under top is as recorded; an updated copy (stats as of after probe)
    if some had to be hashed (racy ones, or files touched without a change of bytes); None if
    anything was added, removed or edited. Without hash_files (the output) a changed stat of a
    file is a change."""
    base = str(top)
    prefix = os.path.join(base, "")
    get, fields, missing = os.stat, stat_fields, (0,) * FIELDS
    fresh = array("q")
    add = fresh.extend
    for rel in old.paths:  # the hot loop: one stat per file and folder, nothing else
        try:
            add(fields(get(prefix + rel if rel else base)))
        except (OSError, ValueError):
            add(missing)
    if fresh == old.stats and not old.racy:
        return old
    check = set(old.racy)
    if fresh != old.stats:
        check.update(i for i in range(len(old.paths)) if _entry(fresh, i) != _entry(old.stats, i))
    new = Tree(list(old.paths), fresh, list(old.digests))
    for i in sorted(check):
        before, now = _entry(old.stats, i), _entry(fresh, i)
        if now[2] != before[2] or old.digests[i] is None:
            return None  # gone, a file became a folder, or nothing to compare its bytes with
        if not hash_files and before != now and not _is_dir(now):
            return None  # an output file touched or edited by hand: a real build puts it right
        rel = old.paths[i]
        digest = _digest(os.path.join(base, rel) if rel else base, _is_dir(now))
        if digest != old.digests[i]:
            return None
        if is_racy(now, probe):
            new.racy.append(i)
        elif not hash_files:
            new.digests[i] = None  # an output entry needs no hash once it is not racy
    return new


def _snapshot(root: Path, old: Tree | None, probe: tuple[int, int]) -> Tree:
    """Every file and folder the build reads, hashed unless the last record vouches for it."""
    known: dict[str, tuple[array, bytes | None]] = {}
    if old is not None:
        racy = set(old.racy)
        for i, rel in enumerate(old.paths):
            if i not in racy:
                known[rel] = (_entry(old.stats, i), old.digests[i])
    tree = Tree()
    for name in INPUTS:
        _walk(root / name, tree, known, probe, hash_files=True, prefix=name)
    return tree


def _walk(
    top: Path,
    tree: Tree | None,
    known: dict[str, tuple[array, bytes | None]] | None,
    probe: tuple[int, int],
    hash_files: bool,
    prefix: str = "",
) -> Tree:
    """Add top and everything below it (following symlinks, as the build reads) to tree: with
    hash_files every entry is hashed (or vouched for by known), else only the racy ones."""
    tree = tree if tree is not None else Tree()
    seen: set[tuple[int, int]] = set()
    base = str(top.parent) if prefix else str(top)
    todo = [prefix]
    while todo:
        rel = todo.pop()
        path = os.path.join(base, rel) if rel else base
        st = _stat(path)
        values = stat_fields(st)
        is_dir = st is not None and _is_dir(values)
        racy = is_racy(values, probe)
        hit = known.get(rel) if known else None
        if hit is not None and hit[0] == array("q", values):
            digest = hit[1]
        elif st is not None and (hash_files or racy):
            digest = _digest(path, is_dir)
        else:
            digest = None
        if racy:
            tree.racy.append(len(tree.paths))
        tree.paths.append(rel)
        tree.stats.extend(values)
        tree.digests.append(digest)
        if is_dir and st is not None and (st.st_dev, st.st_ino) not in seen:
            seen.add((st.st_dev, st.st_ino))
            try:
                names = sorted(os.listdir(path))
            except OSError:
                continue
            todo.extend(f"{rel}/{name}" if rel else name for name in reversed(names))
    return tree


def _listed(top: Path, listing: list[str], probe: tuple[int, int]) -> Tree:
    """What _walk(top, hash_files=False) finds, for a tree whose folders and files are known
    (a stat each, no listing of folders: ten thousand folders took most of a quarter second)."""
    tree = Tree()
    base = str(top)
    for rel in sorted(listing):
        path = os.path.join(base, rel) if rel else base
        st = _stat(path)
        values = stat_fields(st)
        racy = is_racy(values, probe)
        if racy:
            tree.racy.append(len(tree.paths))
        tree.paths.append(rel)
        tree.stats.extend(values)
        tree.digests.append(_digest(path, _is_dir(values)) if st is not None and racy else None)
    return tree


# --- everything else a build depends on -----------------------------------------------------


def _settings(root: Path, out: Path, include_drafts: bool, search: bool) -> str:
    h = hashlib.blake2b(digest_size=20)
    for part in (
        f"{FORMAT}\0{sys.version}\0{sys.executable}\0{include_drafts}\0{search}\0{out}",
        "\0".join(f"{k}={v}" for k, v in sorted(os.environ.items()) if k.startswith(ENVIRONMENT)),
        _packages(),
        _history(root),
    ):
        h.update(part.encode("utf-8", "surrogateescape") + b"\1")
    h.update(_code())
    return h.hexdigest()


def _code() -> bytes:
    """Frontline's own source, read whole: a few hundred kilobytes."""
    h = hashlib.blake2b(digest_size=20)
    for folder, dirs, files in os.walk(CODE):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            path = os.path.join(folder, name)
            with open(path, "rb") as fh:
                h.update(os.path.relpath(path, CODE).encode() + b"\0" + fh.read() + b"\0")
    return h.digest()


def _packages() -> str:
    """The installed distributions (and editable installs' hooks) on sys.path, with their stats:
    an upgrade renames a dist-info folder, a reinstall makes a new one."""
    found = set()
    for entry in {os.path.abspath(entry) for entry in sys.path}:
        try:
            with os.scandir(entry) as it:
                for item in it:
                    if item.name.endswith(PACKAGE_SUFFIXES) or item.name.startswith("__editable__"):
                        st = item.stat()
                        found.add(f"{entry}/{item.name}:{st.st_ino}:{st.st_mtime_ns}:{st.st_ctime_ns}")
        except OSError:
            continue
    return "\n".join(sorted(found))


def _history(root: Path) -> str:
    """What the page dates (history.read_history: one git log) depend on, without running the log."""
    git = shutil.which("git")
    if git is None:
        return "no git"
    try:
        done = subprocess.run(
            [git, "-C", str(root), "rev-parse", "--show-prefix", "--git-common-dir", "HEAD"],
            capture_output=True,
            timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        return "git failed"
    found = [git, str(done.returncode), done.stdout.decode("utf-8", "surrogateescape")]
    lines = done.stdout.decode("utf-8", "surrogateescape").splitlines()
    if done.returncode == 0 and len(lines) >= 2:
        common = root / lines[-2] if not os.path.isabs(lines[-2]) else Path(lines[-2])
        for name in ("shallow", "info/grafts", "refs/replace", "packed-refs"):
            found.append(f"{name}:{stat_fields(_stat(str(common / name)))}")
    return "\n".join(found)


# --- the record ----------------------------------------------------------------------------


def _probe(folder: Path, create: bool = True) -> tuple[int, int] | None:
    """The file system's current time, from a file touched now (as git uses its index's time).

    Before the first build there is no cache folder, and a build that is then refused (a
    mistyped --out) must leave the site as it was: the clock, less a margin wider than any file
    system's timestamp granularity (FAT's 2 s), stands in for the probe."""
    path = folder / PROBE
    if not create and not folder.is_dir():
        device = _device(folder.parent)
        return None if device is None else (device, time.time_ns() - CLOCK_MARGIN_NS)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with open(path, "ab"):
            pass
        os.utime(path)
        values = stat_fields(os.stat(path))
    except OSError:
        return None
    return (values[0], values[4])


def _device(path: Path) -> int | None:
    st = _stat(str(path))
    return st.st_dev if st else None


def _save(record: Path, saved: dict) -> None:
    with contextlib.suppress(OSError):  # the record only saves time: without it the next build runs
        cachefile.write(record, saved)
