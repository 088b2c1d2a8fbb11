"""Render and write the site using every core, re-rendering only pages whose inputs changed.

Correctness first: a page is reused only when everything it could show is unchanged, so an
incremental build is byte-identical to a clean one (tests/test_incremental.py checks each kind
of edit). What a page could show is split in two:

- its key (frontline/keys.py): a part all pages share (Frontline's own source and every
  installed package's version, templates/, the site config) and the page's own (path,
  template, context, and what its footer says of its source file);
- what it read of the site while it was rendered last time (frontline/deps.py): each field of
  front matter, each body, each entry of the site's derived tables, each method's result. The
  cache keeps every read with its hash; the next build finds those whose hash changed
  (frontline/stale.py), and a page that made one of them is rendered again.

So a profile's body edit re-renders its page, a role edit the pages that show that role (its
page, colleagues' and neighbours' cards, indexes), a figure edit the pages that show the
figure, including a sentence quoted from a report that cites it.

Pages to render are spread over the cores (frontline/workers.py). Pages that are reused are
hard-linked from the previous output into the fresh directory (on these disks overwriting a file
costs several times a new link), and when nothing at all changed the output is left exactly as
it is.
"""

from __future__ import annotations

import contextlib
import dataclasses
import marshal
import os
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from . import cachefile, deps
from .digests import Digests
from .history import History
from .keys import FORMAT, code_version, hash_of, key_of, shared_key
from .link import Site
from .publish import MARKER_TEXT
from .render import Asset, extra_makers, lookups, pages, renderer
from .search import BUNDLE
from .stale import Build, Reads, SiteDiff
from .workers import render_all
from .write import MARKER, Stat, fresh_output, put, stat_of

CACHE_DIR = ".frontline-cache"
SEARCH_BUNDLE = f"{BUNDLE}/"
SEARCH_ENTRY = f"{BUNDLE}/pagefind-entry.json"
SEARCH_KEY = "search index"  # the key of the search index's files in the page cache


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
    tables: dict[str, bytes] = dataclasses.field(default_factory=dict)  # table -> Digests.table_digest


@dataclass(frozen=True)
class Kept:
    """The last good build, kept in memory by a long-running caller between builds."""

    out: Path
    index: Index
    digests: Digests  # its site and tables, for SiteDiff
    keyed: dict[str, tuple[Any, ...]]  # path -> what made its key, and the key (see _key_of)
    readers: Readers  # which of its pages made each read


class Readers:
    """The pages that made each read (by its number), for the preview: a save finds the pages
    that a few changed reads touch from here, instead of testing each page's reads (at 10,000
    pages, ninety thousand reads, a tenth of a save's rebuild). Kept exactly as the page index
    it is made from, from build to build (moved)."""

    def __init__(self, pages: dict[str, Entry]):
        self.of: dict[int, list[str]] = {}
        for path, entry in pages.items():
            self._add(path, entry)

    def touched(self, changed: set[int]) -> set[str]:
        return {path for read in changed for path in self.of.get(read, ())}

    def moved(self, before: dict[str, Entry], now: dict[str, Entry]) -> Readers:
        """These readers, made to match the index now, which was before (returned: itself, or
        made anew when most entries differ, after the reads were renumbered)."""
        differ = [path for path in before.keys() | now.keys() if before.get(path) is not now.get(path)]
        if len(differ) > len(now) // 2:
            return Readers(now)
        for path in differ:
            if path in before:
                for read in before[path].reads:
                    self.of[read].remove(path)
            if path in now:
                self._add(path, now[path])
        return self

    def _add(self, path: str, entry: Entry) -> None:
        of = self.of
        for read in entry.reads:
            found = of.get(read)
            if found is None:
                of[read] = [path]
            else:
                found.append(path)


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
    contents: list[str] | None = None,
) -> int:
    """Render every page and write the site to out (swapped in whole); returns the number of files.
    contents, when given, is filled with every folder and file out holds if a new site was swapped
    in (publish.fresh_output), and left empty otherwise.

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
    listing = hash_of("\n".join(page_paths).encode("utf-8", "surrogatepass")).encode()
    tables = lookups(site, static)
    digests = Digests(site, tables | {"portraits": portraits or {}}, kept.digests if kept is not None else None)
    with deps.recording(site, digests.tokens):
        # Pages see the site through deps.Tracked, which notes what each one reads.
        wrapped = {name: deps.Table(name, table) for name, table in tables.items()}
        seen = deps.Table("portraits", portraits or {})
        render_page = renderer(deps.Tracked(site), env, static, seen, history, wrapped, site.known_names)
        everywhere = sorted(deps.outside(), key=repr)  # read while making the renderer: every page's
        shared = shared_key(root, site, [(r, digests(r)) for r in everywhere])
        keyed = kept.keyed if kept is not None else {}
        diff = SiteDiff(kept.digests, digests) if kept is not None else None
        keys = {page.path: key_of(page, shared, site, history, digests, keyed, diff) for page in all_pages}
        keys |= {a.path: hash_of(b"asset", a.data) for a in static}
        keys |= {path: hash_of(shared, b"made in Python", path.encode(), listing) for path in makers}
        # A read of an entity's fields or body can only change with the entity: only those of
        # entities edited since (few) are evaluated again; the rest, see stale.py.
        entities = digests.entity_digests(kept.digests if kept is not None else None)
        before = index_before.entities
        edited = {t for t in before.keys() | entities.keys() if before.get(t) != entities.get(t)}
        names = {name: tables["people"].get(name) for name in (*tables["people"], *site.known_names)}
        renamed = deps.names_changed(index_before.names, names)
        check = Build(index_before.reads, digests, edited, renamed, diff, index_before.tables)

        folder = str(out) + os.sep

        def reusable(path: str) -> bool:
            entry = previous.get(path)
            return (
                entry is not None
                and entry.key == keys[path]
                and (path not in touched if touched is not None else changed.isdisjoint(entry.reads))
                # out as the last build left it; a private folder (the preview's) always is: its
                # caller keeps the files in memory and reads back only those a build writes.
                and (kept is not None or stat_of(folder + path) == entry.stat)
            )

        try:
            changed = check.changed()
            touched = kept.readers.touched(changed) if kept is not None else None
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
                _keep(cache, out, in_place, Index(previous, index_before.reads, entities, names), digests, keyed, check)
                return len(keys)

            index: dict[str, Entry] = {}
            remade = {p.path for p in fresh_files} | {a.path for a in fresh_assets} | set(fresh_made)
            kept_paths = sorted(keys.keys() - remade)
            if in_place is not None:
                staging = _updated(out, set(keys), set(previous) if previous else None)
            else:  # the staging folder comes with the kept files of out in it (root: never clear the site)
                keep = {p: previous[p].stat for p in kept_paths}
                staging = fresh_output(out, root, finish, keep=keep, make=remade, contents=contents)
            with staging as fresh:
                for path in kept_paths:
                    index[path] = previous[path]
                for asset in fresh_assets:
                    index[asset.path] = Entry(keys[asset.path], NO_READS, stat_of(put(fresh, asset.path, asset.data)))
                tracked = deps.Tracked(site)
                for path in fresh_made:
                    with deps.page() as found:
                        data = makers[path](tracked).encode("utf-8")
                    index[path] = Entry(
                        keys[path], array("I", sorted(check.number(r) for r in found)), stat_of(put(fresh, path, data))
                    )
                for path, found, stat in render_all(fresh_files, render_page, fresh, site):
                    index[path] = Entry(keys[path], array("I", sorted(check.number(r) for r in found)), stat)
        except BaseException:
            check.rollback()
            raise
        renumber = check.finish(entry.reads for entry in index.values())
        if renumber is not None:
            index = {path: _renumbered(entry, renumber) for path, entry in index.items()}
        # The search index (made by finish from the pages, after they are written): each file as left.
        bundle = _files(out / BUNDLE, SEARCH_BUNDLE)
        index |= {path: Entry(SEARCH_KEY, NO_READS, stat_of(out / path)) for path in bundle}
        _keep(cache, out, in_place, Index(index, index_before.reads, entities, names), digests, keyed, check)
    return len(keys)


def _keep(
    cache: Path, out: Path, in_place: Written | None, index: Index, digests: Digests, keyed: dict, check: Build
) -> None:
    """The preview keeps the index in memory, with the site for the next SiteDiff; a build saves
    it, with its tables' digests (the next build has no last site to compare with)."""
    if in_place is not None:
        digests.forget()
        index.reads.index()  # now, after the first build, rather than on the first save
        last = in_place.kept
        readers = last.readers.moved(last.index.pages, index.pages) if last is not None else Readers(index.pages)
        in_place.kept = Kept(out, index, digests, keyed, readers)
    else:
        index.tables = check.table_digests()
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


# --- the output as last written -------------------------------------------------------------


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
    if any(stat_of(out / path) != previous[path].stat for path in bundle):
        return False
    return found - bundle == set(keys) | {MARKER}


def _files(top: Path, prefix: str = "") -> set[str]:
    found = set()
    for folder, _, files in os.walk(top):
        rel = os.path.relpath(folder, top).replace(os.sep, "/")
        found.update(f"{prefix}{name}" if rel == "." else f"{prefix}{rel}/{name}" for name in files)
    return found


def _load_index(cache: Path, out: Path) -> Index:
    """The index the last build into out saved (empty when there is none, it is forged, or it was
    made by other code: each read's hash is what that code computed, and a read is evaluated again
    only when something it depends on changes, so a hash from other code could stay and one day
    equal a changed value by chance; every page is made again after a change of code anyway)."""
    empty = Index({}, Reads([]), {}, {})
    saved = cachefile.read(cache)
    if (
        not isinstance(saved, dict)
        or saved.get("format") != FORMAT
        or saved.get("out") != str(out)
        or saved.get("code") != code_version()
    ):
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
    return Index(pages, Reads(reads), saved["entities"], saved["names"], saved.get("tables", {}))


def _save_index(cache: Path, out: Path, index: Index) -> None:
    # A hundred thousand small tuples: marshal writes them in a fraction of pickle's time and
    # memory (no memo); the file is signed all the same. Anything marshal cannot hold is pickled.
    try:
        packed: bytes | list = marshal.dumps(index.reads.items)
    except ValueError:
        packed = index.reads.items
    pages = marshal.dumps({path: (e.key, e.reads.tobytes(), e.stat) for path, e in index.pages.items()})
    saved = {"format": FORMAT, "out": str(out), "code": code_version(), "pages": pages, "reads": packed}
    cachefile.write(cache, saved | {"entities": index.entities, "names": index.names, "tables": index.tables})
