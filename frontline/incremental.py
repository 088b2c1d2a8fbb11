"""Render and write the site using every core, re-rendering only pages whose inputs changed.

Correctness first: a page is reused only when everything it could show is unchanged, so an
incremental build is byte-identical to a clean one (tests/test_incremental.py checks each kind
of edit). What a page could show is split in two:

- its key: a part all pages share (Frontline's own source and every installed package's
  version, every file under templates/, the site config, and anything read of the site while
  no page was being rendered) and the page's own (path, template, context, and what its footer
  says of its source file: git's date, the edit link);
- what it read of the site while it was rendered last time (frontline/deps.py): each field of
  front matter, each body, each entry of the site's derived tables, each method's result. The
  cache keeps every read with its hash; the next build evaluates each again on the new site,
  and a page that made a read whose hash changed is rendered again.

So a profile's body edit re-renders its page, a role edit the pages that show that role (its
page, colleagues' and neighbours' cards, indexes), a figure edit the pages that show the
figure, including a sentence quoted from a report that cites it.

Pages to render are spread over worker processes (forked, so the site model is shared, never
pickled) in chunks; each worker writes its pages into the fresh output directory itself and
returns only what the pages read, so memory stays bounded by the site model, not the rendered
pages. Pages that are reused are hard-linked from the previous output into the fresh directory
(on these disks overwriting a file costs several times a new link), and when nothing at all
changed the output is left exactly as it is.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import gc
import hashlib
import importlib.metadata
import marshal
import multiprocessing
import os
import queue
import sys
from array import array
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from . import cachefile, deps, pinyin
from .deps import Read
from .digests import Digests
from .errors import BuildError, Problem
from .history import History, page_source
from .link import Site
from .publish import MARKER_TEXT
from .render import Asset, Page, extra_makers, lookups, pages, renderer, source_of
from .search import BUNDLE
from .stale import Build, Reads, SiteDiff
from .write import MARKER, fresh_output, put

CACHE_DIR = ".frontline-cache"
FORMAT = 7  # bump when the cache's layout or meaning changes
SEARCH_BUNDLE = f"{BUNDLE}/"
SEARCH_ENTRY = f"{BUNDLE}/pagefind-entry.json"
SEARCH_KEY = "search index"  # the key of the search index's files in the page cache
PARALLEL_FROM = 64  # fewer pages than this render faster in-process than through a pool
MAX_CHUNK = 256  # pages: what the parent holds of a chunk's reads at once stays small

Stat = tuple[int, int, int]  # inode, size, mtime_ns of a file as this build wrote it


@dataclass(frozen=True)
class Entry:
    """What the last build knows about one output file."""

    key: str  # hash of the shared key and the page itself (path, template, context, footer)
    reads: array  # indices into the saved reads of what the page read of the site (deps.py)
    stat: Stat


NO_READS = array("I")


@dataclass
class Index:
    """What the last build knows of its output: each file, the reads pages made (numbered), and
    each entity's hash and the names linked then (name -> page, or None for a name only known)."""

    pages: dict[str, Entry]
    reads: Reads
    entities: dict[str, bytes]
    names: dict[str, str | None]


@dataclass(frozen=True)
class Kept:
    """The last good build, kept in memory by a long-running caller between builds."""

    out: Path
    index: Index
    digests: Digests  # its site and tables, for SiteDiff
    keyed: dict[str, tuple[Any, ...]]  # path -> what made its key, and the key (see _key_of)


@dataclass
class Written:
    """What one build left in its output, for a caller that keeps the files in memory (the
    preview); the caller passes the same object to every build."""

    paths: set[str] = dataclasses.field(default_factory=set)  # every file of the site
    fresh: set[str] = dataclasses.field(default_factory=set)  # the files this build (re)wrote
    kept: Kept | None = None


def build_output(
    root: Path,
    out: Path,
    site: Site,
    env: jinja2.Environment,
    static: list[Asset],
    portraits: dict | None = None,
    history: History | None = None,
    finish: Callable[[Path], object] | None = None,
    in_place: Written | None = None,
) -> int:
    """Render every page and write the site to out (swapped in whole); returns the number of files.

    With in_place, out is a private folder that only its caller reads (the preview's): changed
    files are written over the old ones and files no longer made are removed, instead of a
    fresh folder of links to every unchanged file being swapped in; in_place is filled in."""
    out = out.resolve()
    # The preview keeps its own index: sharing one would make each re-render the other's pages.
    cache = root / CACHE_DIR / ("preview.pickle" if in_place is not None else "pages.pickle")
    kept = in_place.kept if in_place is not None and in_place.kept is not None and in_place.kept.out == out else None
    index_before = kept.index if kept is not None else _load_index(cache, out)
    previous = index_before.pages
    all_pages = pages(site)
    # Files made in Python from the whole site (feed, sitemap), kept like pages by what they read;
    # the sitemap lists every page, so the list is in its key.
    page_paths = [p.path for p in all_pages]
    makers = extra_makers(page_paths)
    listing = _hash("\n".join(page_paths).encode("utf-8", "surrogatepass")).encode()
    tables = lookups(site, static)
    digests = Digests(site, tables | {"portraits": portraits or {}})
    with deps.recording(site, digests.tokens):
        # Pages see the site through deps.Tracked, which notes what each one reads.
        wrapped = {name: deps.Table(name, table) for name, table in tables.items()}
        seen = deps.Table("portraits", portraits or {})
        render_page = renderer(deps.Tracked(site), env, static, seen, history, wrapped, site.known_names)
        everywhere = sorted(deps.outside(), key=repr)  # read while making the renderer: every page's
        shared = _shared_key(root, site, [(r, digests(r)) for r in everywhere])
        keyed = kept.keyed if kept is not None else {}
        diff = SiteDiff(kept.digests, digests) if kept is not None else None
        keys = {page.path: _key_of(page, shared, site, history, digests, keyed, diff) for page in all_pages}
        keys |= {a.path: _hash(b"asset", a.data) for a in static}
        keys |= {path: _hash(shared, b"made in Python", path.encode(), listing) for path in makers}
        # A read of an entity's fields or body can only change with the entity: only those of
        # entities edited since (few) are evaluated again; the rest, see stale.py.
        entities = digests.entity_digests(kept.digests if kept is not None else None)
        before = index_before.entities
        edited = {t for t in before.keys() | entities.keys() if before.get(t) != entities.get(t)}
        names = {name: tables["people"].get(name) for name in (*tables["people"], *site.known_names)}
        renamed = deps.names_changed(index_before.names, names)
        check = Build(index_before.reads, digests, edited, renamed, diff)

        folder = str(out) + os.sep

        def reusable(path: str) -> bool:
            entry = previous.get(path)
            return (
                entry is not None
                and entry.key == keys[path]
                and changed.isdisjoint(entry.reads)
                # out as the last build left it; a private folder (the preview's) always is: its
                # caller keeps the files in memory and reads back only those a build writes.
                and (kept is not None or _stat(folder + path) == entry.stat)
            )

        try:
            changed = check.changed()
            if diff is not None:
                diff.carry(index_before.reads, changed)
            fresh_files = [p for p in all_pages if not reusable(p.path)]
            fresh_assets = [a for a in static if not reusable(a.path)]
            fresh_made = [path for path in makers if not reusable(path)]
            if in_place is not None:
                in_place.paths = set(keys)
                in_place.fresh = {p.path for p in fresh_files} | {a.path for a in fresh_assets} | set(fresh_made)
            if (
                not fresh_files
                and not fresh_assets
                and not fresh_made
                and _exactly(out, keys, previous, search=finish is not None)
            ):
                # Nothing changed and output/ is intact: leave it as it is. What was looked at
                # again (an edit that shows nowhere) is kept, so it is not looked at next time.
                renumber = check.finish(entry.reads for entry in previous.values())
                if renumber is not None:
                    previous = {path: _renumbered(entry, renumber) for path, entry in previous.items()}
                _keep(cache, out, in_place, Index(previous, index_before.reads, entities, names), digests, keyed)
                return len(keys)

            index: dict[str, Entry] = {}
            remade = {p.path for p in fresh_files} | {a.path for a in fresh_assets} | set(fresh_made)
            kept_paths = sorted(keys.keys() - remade)
            if in_place is not None:
                staging = _updated(out, set(keys), set(previous) if previous else None)
            else:  # the staging folder comes with the kept files of out in it (root: never clear the site)
                keep = {p: previous[p].stat for p in kept_paths}
                staging = fresh_output(out, root, finish, keep=keep, make=remade)
            with staging as fresh:
                for path in kept_paths:
                    index[path] = previous[path]
                for asset in fresh_assets:
                    index[asset.path] = Entry(keys[asset.path], NO_READS, _stat(put(fresh, asset.path, asset.data)))
                tracked = deps.Tracked(site)
                for path in fresh_made:
                    with deps.page() as found:
                        data = makers[path](tracked).encode("utf-8")
                    index[path] = Entry(
                        keys[path], array("I", sorted(check.number(r) for r in found)), _stat(put(fresh, path, data))
                    )
                for path, found, stat in _render_all(fresh_files, render_page, fresh, site):
                    index[path] = Entry(keys[path], array("I", sorted(check.number(r) for r in found)), stat)
        except BaseException:
            check.rollback()
            raise
        renumber = check.finish(entry.reads for entry in index.values())
        if renumber is not None:
            index = {path: _renumbered(entry, renumber) for path, entry in index.items()}
        # The search index (made by finish from the pages, after they are written): each file as left.
        bundle = _files(out / BUNDLE, SEARCH_BUNDLE)
        index |= {path: Entry(SEARCH_KEY, NO_READS, _stat(out / path)) for path in bundle}
        _keep(cache, out, in_place, Index(index, index_before.reads, entities, names), digests, keyed)
    return len(keys)


def _keep(cache: Path, out: Path, in_place: Written | None, index: Index, digests: Digests, keyed: dict) -> None:
    """The preview keeps the index in memory, with the site for the next SiteDiff; a build saves it."""
    if in_place is not None:
        digests.forget()
        index.reads.index()  # now, after the first build, rather than on the first save
        in_place.kept = Kept(out, index, digests, keyed)
    else:
        _save_index(cache, out, index)


def _renumbered(entry: Entry, renumber: dict[int, int]) -> Entry:
    return Entry(entry.key, array("I", sorted(renumber[i] for i in entry.reads)), entry.stat)


@contextlib.contextmanager
def _updated(out: Path, paths: set[str], before: set[str] | None = None) -> Iterator[Path]:
    """out itself, to write changed files into; when the block ends normally, files that are not
    in paths are removed (of those the last build wrote, when before says which: the folder is
    the caller's alone). If it raises, the index is not saved, so each file written so far no
    longer matches its entry (inode, size, time) and is made again by the next build."""
    out.mkdir(parents=True, exist_ok=True)
    yield out
    if before is not None:
        for path in sorted(before - paths):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(out / path)
            _remove_empty_parents(out, path)
        (out / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
        return
    for folder, _, files in os.walk(out, topdown=False):
        rel = os.path.relpath(folder, out)
        for name in files:
            path = name if rel == "." else f"{rel}/{name}".replace(os.sep, "/")
            if path not in paths and path != MARKER:
                os.unlink(os.path.join(folder, name))
        if rel != "." and not os.listdir(folder):
            os.rmdir(folder)
    (out / MARKER).write_text(MARKER_TEXT, encoding="utf-8")


def _remove_empty_parents(out: Path, path: str) -> None:
    folder = (out / path).parent
    while folder != out:
        try:
            folder.rmdir()
        except OSError:  # not empty (or gone): its parents are not empty either
            return
        folder = folder.parent


# --- rendering, in worker processes when there is enough to do ------------------------------

_worker: tuple[list[Page], Callable[[Page], str], Path] | None = None


def _render_all(
    todo: list[Page], render_page: Callable[[Page], str], fresh: Path, site: Site
) -> Iterator[tuple[str, set[Read], Stat]]:
    global _worker
    workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if len(todo) < PARALLEL_FROM or workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        yield from _render_chunk_with(todo, range(len(todo)), render_page, fresh)
        return
    # Forked workers inherit the site, templates and renderer; only page indices and reads travel.
    # Memory is the sum over the processes of the pages each one writes to after the fork (a page
    # written by any of them is copied), so: what each would make for itself is made once before
    # it, and the garbage collector must not walk the inherited objects (marking each is a write
    # to every page that holds one): frozen, they are left alone (the preview collects them now and
    # then: serve._settle). (Not collected first: that finds nothing here, in a quarter of a
    # second, and would leave holes in pages that the workers' allocations would then write to.)
    site.make_lookups()
    pinyin.stop()  # every pinyin a page shows is known by now (and the workers would keep it alive)
    gc.freeze()
    _worker = (todo, render_page, fresh)
    try:
        with multiprocessing.get_context("fork").Pool(workers - 1) as pool:
            for done in _spread(pool, workers - 1, _chunks(todo, workers)):
                if isinstance(done, list) and done and isinstance(done[0], Problem):
                    raise BuildError(done)
                yield from done
    finally:
        _worker = None


def _spread(pool: Any, forked: int, chunks: list[list[int]]) -> Iterator[list]:
    """Each chunk's result, as it comes, the chunks rendered by the forked workers and by this
    process too (one fewer copy of what rendering writes to than with a worker per core). Each
    worker has one chunk queued behind the one it renders, and is handed the next as soon as it
    returns one (by the pool's result thread, while this process renders a chunk of its own), so
    that it never waits for this process. (Results are taken as they come: the reads of ten
    thousand pages at once would be most of the memory.)"""
    waiting = deque(chunks)  # taken from both ends' threads: deque's popleft is atomic
    returned: queue.SimpleQueue = queue.SimpleQueue()

    def send() -> None:
        try:
            chunk = waiting.popleft()
        except IndexError:
            return
        pool.apply_async(_render_chunk, (chunk,), callback=back, error_callback=returned.put)

    def back(result: list) -> None:
        returned.put(result)
        with contextlib.suppress(ValueError):  # the pool is closing: rendering stopped on an error
            send()

    for _ in range(2 * forked):
        send()
    for _ in range(len(chunks)):
        try:
            result = returned.get_nowait()
        except queue.Empty:
            try:
                chunk = waiting.popleft()
            except IndexError:  # all handed out: wait for the workers' last
                result = returned.get()
            else:
                result = _render_chunk(chunk)
        if isinstance(result, BaseException):
            raise result
        yield result


def _chunks(todo: list[Page], workers: int) -> list[list[int]]:
    """Page indices in chunks for the workers: pages made from many things (indexes, the email
    editions: tens to hundreds of ms each) first, then chunks that shrink as the work runs out,
    so that the workers finish together instead of one waiting for the other's last chunk."""
    order = sorted(range(len(todo)), key=lambda i: todo[i].item is not None)
    chunks = []
    start = 0
    while start < len(order):
        size = min(MAX_CHUNK, max(8, (len(order) - start) // (workers * 4)))
        chunks.append(order[start : start + size])
        start += size
    return chunks


def _render_chunk(indices: list[int]) -> list:
    assert _worker is not None
    todo, render_page, fresh = _worker
    try:
        return _render_chunk_with(todo, indices, render_page, fresh)
    except BuildError as exc:
        return exc.problems  # BuildError does not survive pickling; its problems do


def _render_chunk_with(
    todo: list[Page], indices: Iterable[int], render_page: Callable[[Page], str], fresh: Path
) -> list[tuple[str, set[Read], Stat]]:
    done = []
    for i in indices:
        page = todo[i]
        with deps.page() as found:
            html = render_page(page)
        done.append((page.path, found, _stat(put(fresh, page.path, html.encode("utf-8")))))
    return done


# --- keys ----------------------------------------------------------------------------------------


def _shared_key(root: Path, site: Site, everywhere: list[tuple[Read, bytes]]) -> bytes:
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
        h.update(_hash(part).encode())
    return h.digest()


def _key_of(
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
    key = _hash(shared, digests.hash(page) + digests.hash(footer))
    keyed[page.path] = (made, values, tuple(tokens.get(id(v)) for v in values), key)
    return key


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


def _hash(*parts: bytes) -> str:
    h = hashlib.blake2b(digest_size=20)
    for part in parts:
        h.update(part)
    return h.hexdigest()


# --- the output as last written -------------------------------------------------------------


def _stat(path: Path | str) -> Stat | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def _exactly(out: Path, keys: dict[str, str], previous: dict[str, Entry], search: bool) -> bool:
    """out holds exactly these files (and our marker), nothing more: so it needs no rebuild.

    The search index is made from the pages after they are written (finish): it is current
    whenever the pages are, if it is there (only when wanted) exactly as it was written."""
    found = _files(out)
    bundle = {f for f in found if f.startswith(SEARCH_BUNDLE)}
    written = {path for path, entry in previous.items() if entry.key == SEARCH_KEY}
    if search and (SEARCH_ENTRY not in bundle or bundle != written):
        return False
    if bundle and not search:
        return False
    if any(_stat(out / path) != previous[path].stat for path in bundle):
        return False
    return found - bundle == set(keys) | {MARKER}


def _files(top: Path, prefix: str = "") -> set[str]:
    found = set()
    for folder, _, files in os.walk(top):
        rel = os.path.relpath(folder, top).replace(os.sep, "/")
        found.update(f"{prefix}{name}" if rel == "." else f"{prefix}{rel}/{name}" for name in files)
    return found


def _load_index(cache: Path, out: Path) -> Index:
    """The index the last build into out saved (empty when there is none, it is forged, or this
    version cannot read it)."""
    empty = Index({}, Reads([]), {}, {})
    saved = cachefile.read(cache)
    if not isinstance(saved, dict) or saved.get("format") != FORMAT or saved.get("out") != str(out):
        return empty
    reads = saved["reads"]
    try:
        if isinstance(reads, bytes):
            reads = marshal.loads(reads)
        pages = {
            path: Entry(key, array("I", numbers), stat)
            for path, (key, numbers, stat) in marshal.loads(saved["pages"]).items()
        }
    except (ValueError, EOFError, TypeError):
        return empty
    return Index(pages, Reads(reads), saved["entities"], saved["names"])


def _save_index(cache: Path, out: Path, index: Index) -> None:
    # A hundred thousand small tuples: marshal writes them in a fraction of pickle's time and
    # memory (no memo); the file is signed all the same. Anything marshal cannot hold is pickled.
    try:
        packed: bytes | list = marshal.dumps(index.reads.items)
    except ValueError:
        packed = index.reads.items
    pages = marshal.dumps({path: (e.key, e.reads.tobytes(), e.stat) for path, e in index.pages.items()})
    saved = {"format": FORMAT, "out": str(out), "pages": pages, "reads": packed}
    cachefile.write(cache, saved | {"entities": index.entities, "names": index.names})
