"""Pages rendered on every core: forked worker processes and this one, in chunks.

Forked, so the site model, templates and renderer are inherited, never pickled; each worker
writes its pages into the fresh output directory itself and returns only what the pages read
and how each file was left, so the parent's memory stays bounded by the site model, not by the
rendered pages.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import queue
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from . import deps, pinyin
from .deps import Read
from .errors import BuildError, Problem
from .link import Site
from .publish import die_with_build
from .render import Page
from .write import Stat, put, stat_of

PARALLEL_FROM = 64  # fewer pages than this render faster in-process than through a pool
MAX_CHUNK = 256  # pages: what the parent holds of a chunk's reads at once stays small

_worker: tuple[list[Page], Callable[[Page], str], Path] | None = None


def render_all(
    todo: list[Page], render_page: Callable[[Page], str], fresh: Path, site: Site
) -> Iterator[tuple[str, set[Read], Stat]]:
    global _worker
    if len(todo) < PARALLEL_FROM:
        yield from _render_chunk_with(todo, range(len(todo)), render_page, fresh)
        return
    # Every lookup made now, so that every pinyin a page shows is known and the helper can go:
    # its dictionaries (~60 MiB) would otherwise sit beside the whole rendering, on one core too.
    site.make_lookups()
    pinyin.stop()
    workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        yield from _render_chunk_with(todo, range(len(todo)), render_page, fresh)
        return
    # Forked workers inherit the site, templates and renderer; only page indices and reads travel.
    # Memory is the sum over the processes of the pages each one writes to after the fork (a page
    # written by any of them is copied), so: what each would make for itself is made once before
    # it (the lookups above), and the garbage collector must not walk the inherited objects
    # (marking each is a write to every page that holds one): frozen, they are left alone (the
    # preview collects them now and then: serve._settle). (Not collected first: that finds nothing
    # here, in a quarter of a second, and would leave holes in pages that the workers' allocations
    # would then write to.)
    gc.freeze()
    _worker = (todo, render_page, fresh)
    try:
        context = multiprocessing.get_context("fork")
        with context.Pool(workers - 1, initializer=die_with_build, initargs=(os.getpid(),)) as pool:
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
        done.append((page.path, found, stat_of(put(fresh, page.path, html.encode("utf-8")))))
    return done
