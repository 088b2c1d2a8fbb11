"""The build as one straight line: load -> validate -> link -> render -> write."""

from __future__ import annotations

import gc
from dataclasses import dataclass
from pathlib import Path

import jinja2

from . import pinyin
from .checks import inspect
from .errors import BuildError, Problem, errors_in
from .history import History, read_history
from .images import Portrait, make_portraits, photo_problems
from .incremental import CACHE_DIR, Written, build_output
from .keys import code_version
from .link import Site, link
from .load import DocumentCache, Parsed, load
from .memo import CheckMemo, load_memo, save_memo
from .relink import relink
from .render import Asset, assets, load_templates, media, render
from .search import index as index_search
from .skip import Look, look, remember
from .validate import validate


@dataclass(frozen=True)
class Result:
    site: Site | None  # None when build() found nothing changed and skipped the pipeline
    warnings: list[Problem]
    files: int = 0


def check(
    root: Path,
    include_drafts: bool = False,
    cache: DocumentCache | None = None,
    parsed: Parsed | None = None,
    memo: CheckMemo | None = None,
) -> Result:
    """Validate and link all content without writing anything; raises BuildError.

    Without the preview's cache, documents the last build parsed are taken from the build cache
    when their file's bytes are the same (load.Parsed); only a successful build updates it.
    memo (the preview's, with its cache) keeps what the checks found in each unchanged file
    for the next check (memo.py); without the cache (a build from the command line, with the
    memo's stores kept between runs) validate() does without it: its results are kept under
    the document objects, which live in one process only."""
    if cache is None and parsed is None:
        parsed = Parsed(root / CACHE_DIR / "documents.pickle")
    docs, problems = load(root, cache, parsed)
    in_memory = memo if cache is not None else None
    try:
        content, warnings = validate(docs, in_memory)
    except BuildError as exc:
        raise BuildError(problems + exc.problems) from None
    if problems:
        raise BuildError(problems + warnings)
    # The editorial checks do not depend on link()'s result: run them first so that a broken
    # reference and a broken link are reported in one go.
    found = warnings + inspect(content, root, memo) + photo_problems(root, content.profiles)
    try:
        site, link_warnings = relink(content, include_drafts, in_memory) or link(content, include_drafts, memo)
    except BuildError as exc:
        raise BuildError(exc.problems + found) from None
    found += link_warnings
    if errors_in(found):
        raise BuildError(found)
    return Result(site, found)


def pages(
    root: Path, include_drafts: bool = False, cache: DocumentCache | None = None
) -> tuple[dict[str, str], list[Asset], Result]:
    """Everything a build writes, in memory: HTML by output path, assets, and the check result."""
    env, checked, static, portraits, history = _inputs(root, include_drafts, cache)
    return render(checked.site, env, static, portraits, history), static, checked


def build(
    root: Path,
    out: Path,
    include_drafts: bool = False,
    cache: DocumentCache | None = None,
    compiled: jinja2.BytecodeCache | None = None,
    search: bool = True,
    in_place: Written | None = None,
    seen: Look | None = None,
    memo: CheckMemo | None = None,
) -> Result:
    """Build the site under root into out; out is replaced only if everything succeeded.

    cache and compiled let a long-running caller (the preview) keep parsed content files and
    compiled templates between builds; both check their sources, so output is the same; memo
    (with cache) what the checks found in each unchanged file.
    search=False leaves out the Pagefind index (the preview: indexing every page again after
    each save would take longer than all the rest of the rebuild); in_place updates out where
    it is, for a private folder whose only reader is the caller (see incremental.build_output).
    seen is skip.look()'s answer when the caller has already asked it (the command line does,
    before importing the pipeline)."""
    # A build whose inputs all equal the last one's, with out exactly as that build left it, would
    # rebuild the same bytes: skip it, repeating its warnings. (The preview always builds after a
    # save.)
    if cache is None and compiled is None:
        seen = seen or look(root, out, include_drafts, search)
        if seen.skipped is not None:
            return Result(None, seen.skipped.warnings, seen.skipped.files)
    else:
        seen = None
    parsed = Parsed(root / CACHE_DIR / "documents.pickle", seen.probe if seen else None) if cache is None else None
    if seen is not None:
        pinyin.start()  # a build from the command line: pypinyin in a helper (see pinyin.py)
    # A build from the command line keeps what the checks found in each body for the next run,
    # as the preview keeps it in memory (memo.py).
    kept = root / CACHE_DIR / "check.pickle" if cache is None and memo is None else None
    if kept is not None:
        memo = load_memo(kept, code_version())
    contents: list[str] = []  # what out holds after the build, if it swapped a new site in
    try:
        env, checked, static, portraits, history = _inputs(root, include_drafts, cache, compiled, parsed, memo)
        # The site model lives until the build ends: keep the collector from walking it again and
        # again while pages are made (at ten thousand pages that was a third of a rebuild's time).
        gc.freeze()
        # render() + write(), on every core, reusing what the last build made from unchanged inputs.
        files = build_output(
            root,
            out,
            checked.site,
            env,
            static,
            portraits,
            history,
            finish=index_search if search else None,
            in_place=in_place,
            contents=contents,
        )
    finally:
        pinyin.stop()
    if parsed is not None:
        parsed.save()  # after the output: a refused or failed build leaves the site root as it was
    if kept is not None and memo is not None:
        save_memo(memo, kept, code_version())
    if seen is not None:
        remember(root, out, seen, checked.warnings, files, contents or None)
    return Result(checked.site, checked.warnings, files)


def _inputs(
    root: Path,
    include_drafts: bool,
    cache: DocumentCache | None = None,
    compiled: jinja2.BytecodeCache | None = None,
    parsed: Parsed | None = None,
    memo: CheckMemo | None = None,
) -> tuple[jinja2.Environment, Result, list[Asset], dict[str, Portrait], History]:
    env = load_templates(root, compiled)
    checked = check(root, include_drafts, cache, parsed, memo)
    portraits = make_portraits(root, checked.site.profiles)
    static = assets(root) + media(root) + [Asset(path, data) for path, data in sorted(portraits.files.items())]
    return env, checked, static, portraits.by_slug, read_history(root)
