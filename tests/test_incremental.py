"""An incremental build is byte-identical to a clean build, whatever the editor changed.

Each case builds the real content once (filling the cache), makes one kind of edit, rebuilds
incrementally, and compares every output file with a clean build of the edited site made from
scratch elsewhere. Each case also checks that the edit shows, so that a build which silently
kept the old output could not pass.
"""

from __future__ import annotations

import os
import shutil
import sys
from array import array
from collections.abc import Callable
from pathlib import Path

import pytest

from frontline import stale
from frontline.incremental import CACHE_DIR, Entry, Readers, _load_index
from frontline.pipeline import build
from frontline.serve import Preview
from frontline.write import MARKER
from tests.conftest import REPO, run
from tests.test_images import photo_bytes


def _site(root: Path) -> Path:
    for name in ("content", "templates", "static"):
        shutil.copytree(REPO / name, root / name)
    return root


def _tree(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def profile_body(root: Path) -> str:
    path = root / "content/profiles/shi-jian.md"
    path.write_text(path.read_text(encoding="utf-8") + "\n增量构建测试补充的一段话。\n", encoding="utf-8")
    return "增量构建测试补充的一段话。"


def front_matter(root: Path) -> str:
    _edit(root / "content/profiles/wang-shuang.md", "role: 副站长", "role: 站长助理")
    return "站长助理"


def figure_value(root: Path) -> str:
    _edit(root / "content/stats/daxing.yaml", "value: 45\n", "value: 46\n")
    return ">46名<"


def template(root: Path) -> str:
    _edit(root / "templates/base.html", "</footer>", "<p>模板改动测试</p></footer>")
    return "模板改动测试"


def config(root: Path) -> str:
    _edit(root / "content/site.yaml", "title: ", "title: 改名测试·")
    return "改名测试·"


def deleted_file(root: Path) -> str:
    (root / "content/profiles/zhu-chen-ying.md").unlink()
    return ""


def renamed_file(root: Path) -> str:
    # As an editor renames a report: the file, and the figures that cite it by its slug.
    articles = root / "content/articles"
    (articles / "jingkaiqu-gong-liliang.md").rename(articles / "jingkaiqu-renamed.md")
    stats = root / "content/stats/jingkaiqu.yaml"
    text = stats.read_text(encoding="utf-8")
    stats.write_text(text.replace("article: jingkaiqu-gong-liliang", "article: jingkaiqu-renamed"), encoding="utf-8")
    return ""


# Edits whose effects reach other pages through what the site derives from the content: the
# page cache must find every page that shows them (frontline/deps.py).


def profile_name(root: Path) -> str:
    # Reports stop linking 施剑 (no one has that name now); cards, indexes and feeds show the new one.
    _edit(root / "content/profiles/shi-jian.md", "name: 施剑\n", "name: 施剑锋\n")
    return "施剑锋"


def profile_moved(root: Path) -> str:
    # To the other organization: cards of both organizations' people, both organization pages.
    _edit(root / "content/profiles/wang-shuang.md", "organization: jingkaiqu", "organization: daxing")
    return ""


def figure_in_mentions(root: Path) -> str:
    # Cited in a report's body ({{fig}}), so in the sentence quoted on 于勇's page, and in charts.
    _edit(root / "content/stats/daxing.yaml", "value: 22\n", "value: 23\n")
    return "23年"


def figure_in_a_quote(root: Path) -> str:
    # Cited in 施剑's quote (front matter): his page, the edition's pull quotes, the figures page.
    _edit(root / "content/stats/daxing.yaml", "value: 30\n", "value: 31\n")
    return "近31年党龄"


def edition_date(root: Path) -> str:
    _edit(root / "content/editions/1.yaml", "date: 2020-02", "date: 2020-03")
    return "2020年3月"


def organization_name(root: Path) -> str:
    _edit(root / "content/organizations/daxing.yaml", "name: 大兴区总工会\n", "name: 大兴区总工会（改名测试）\n")
    return "大兴区总工会（改名测试）"


def mention_removed(root: Path) -> str:
    # A report no longer names 王妍: her page's mentions, the edition's people, the report's tags.
    article = root / "content/articles/jingkaiqu-gong-liliang.md"
    text = article.read_text(encoding="utf-8")
    assert text.count("王妍") == 2
    article.write_text(text.replace("王妍", "一位同志"), encoding="utf-8")
    return ""


def made_draft(root: Path) -> str:
    _edit(root / "content/profiles/wang-yan.md", "name: 王妍\n", "name: 王妍\ndraft: true\n")
    return ""


def site_description(root: Path) -> str:
    _edit(root / "content/site.yaml", "description: ", "description: 描述改动测试·")
    return "描述改动测试·"


def photo_added(root: Path) -> str:
    # A made-up test picture (tests/test_images.py), never a real photo.
    (root / "content/photos").mkdir(exist_ok=True)
    (root / "content/photos/wang-shuang.jpg").write_bytes(photo_bytes((600, 800)))
    _edit(root / "content/profiles/wang-shuang.md", "name: 王霜\n", "name: 王霜\nphoto: photos/wang-shuang.jpg\n")
    return "wang-shuang-"


EDITS: list[Callable[[Path], str]] = [
    profile_body,
    front_matter,
    figure_value,
    template,
    config,
    deleted_file,
    renamed_file,
    profile_name,
    profile_moved,
    figure_in_mentions,
    figure_in_a_quote,
    edition_date,
    organization_name,
    mention_removed,
    made_draft,
    site_description,
    photo_added,
]


@pytest.mark.parametrize("edit", EDITS, ids=[e.__name__ for e in EDITS])
def test_incremental_build_equals_clean_build(tmp_path: Path, edit: Callable[[Path], str]):
    site = _site(tmp_path / "site")
    assert run(site).code == 0
    before = _tree(site / "output")
    shown = edit(site)
    assert run(site).code == 0
    incremental = _tree(site / "output")

    clean = tmp_path / "clean"
    shutil.copytree(site, clean, ignore=shutil.ignore_patterns("output", CACHE_DIR))
    assert run(clean).code == 0
    expected = _tree(clean / "output")

    assert incremental.keys() == expected.keys()
    differing = [path for path in expected if incremental[path] != expected[path]]
    assert differing == []
    assert incremental != before
    if shown:
        assert any(shown in data.decode("utf-8", "replace") for data in incremental.values())
    if edit is deleted_file:
        assert "profiles/zhu-chen-ying/index.html" in before
        assert "profiles/zhu-chen-ying/index.html" not in incremental
    if edit is renamed_file:
        assert "articles/jingkaiqu-renamed/index.html" in incremental
        assert "articles/jingkaiqu-gong-liliang/index.html" not in incremental


def test_a_new_profile_is_linked_from_the_reports_that_name_them(tmp_path: Path):
    site = _site(tmp_path / "site")
    profile = site / "content/profiles/shi-jian.md"
    text = profile.read_text(encoding="utf-8")
    profile.unlink()
    assert run(site).code == 0
    report = site / "output/articles/daxing-jixianfeng/index.html"
    assert "profiles/shi-jian/" not in report.read_text(encoding="utf-8")
    profile.write_text(text, encoding="utf-8")
    assert run(site).code == 0
    assert "profiles/shi-jian/" in report.read_text(encoding="utf-8")
    clean = tmp_path / "clean"
    shutil.copytree(site, clean, ignore=shutil.ignore_patterns("output", CACHE_DIR))
    assert run(clean).code == 0
    assert _tree(site / "output") == _tree(clean / "output")


def test_a_new_name_is_linked_where_markdown_joins_it_from_two_lines(tmp_path: Path):
    # Only pages whose bodies contain a changed name are converted again: "contain" must allow
    # for what Markdown drops between two characters (a line break, a quote marker).
    site = _site(tmp_path / "site")
    profile = site / "content/profiles/shi-jian.md"
    text = profile.read_text(encoding="utf-8")
    profile.unlink()
    # 王妍's page: nothing else on it changes when 施剑's profile appears (another organization).
    other = site / "content/profiles/wang-yan.md"
    other.write_text(other.read_text(encoding="utf-8") + "\n> 测试引文施\n> 剑说的话。\n", encoding="utf-8")
    assert run(site).code == 0
    page = site / "output/profiles/wang-yan/index.html"
    assert "profiles/shi-jian/" not in page.read_text(encoding="utf-8")
    profile.write_text(text, encoding="utf-8")
    assert run(site).code == 0
    assert "profiles/shi-jian/" in page.read_text(encoding="utf-8")
    clean = tmp_path / "clean"
    shutil.copytree(site, clean, ignore=shutil.ignore_patterns("output", CACHE_DIR))
    assert run(clean).code == 0
    assert _tree(site / "output") == _tree(clean / "output")


def _rewritten(site: Path, edit: Callable[[Path], str]) -> list[str]:
    """The pages a rebuild after edit wrote anew (the others are the last build's, hard-linked)."""
    assert run(site).code == 0
    out = site / "output"
    inode = {p: os.stat(out / p).st_ino for p in _tree(out)}
    edit(site)
    assert run(site).code == 0
    return sorted(
        p
        for p in _tree(out)
        if os.stat(out / p).st_ino != inode.get(p) and p != MARKER and not p.startswith("pagefind/")
    )


def test_a_front_matter_edit_rewrites_the_pages_that_show_that_person(tmp_path: Path):
    changed = _rewritten(_site(tmp_path / "site"), front_matter)  # 王霜's role, in 经开区
    assert "profiles/wang-shuang/index.html" in changed
    assert "profiles/wang-yan/index.html" in changed  # her colleague's page shows her card
    assert "roles/index.html" in changed and "organizations/jingkaiqu/index.html" in changed
    # Pages that never show her are kept: another organization's people, its page, its report.
    assert "profiles/shi-jian/index.html" not in changed
    assert "organizations/daxing/index.html" not in changed
    assert "articles/daxing-jixianfeng/index.html" not in changed


def test_a_figure_edit_rewrites_the_pages_that_show_that_figure(tmp_path: Path):
    changed = _rewritten(_site(tmp_path / "site"), figure_in_mentions)  # 于勇's years in the party
    assert "stats/index.html" in changed
    assert "articles/daxing-jixianfeng/index.html" in changed  # {{fig}} in its body
    assert "profiles/yu-yong/index.html" in changed  # the report's sentence about him
    assert "profiles/shi-jian/index.html" not in changed
    assert "articles/jingkaiqu-gong-liliang/index.html" not in changed


def test_a_figure_cited_in_a_quote_rewrites_the_pages_that_show_the_quote(tmp_path: Path):
    changed = _rewritten(_site(tmp_path / "site"), figure_in_a_quote)  # 施剑's years in the party
    assert "profiles/shi-jian/index.html" in changed  # his quote, in his front matter
    assert "stats/index.html" in changed
    assert "profiles/yu-yong/index.html" not in changed


def test_a_new_profile_rewrites_the_pages_that_name_them_not_every_body(tmp_path: Path):
    site = _site(tmp_path / "site")
    profile = site / "content/profiles/shi-jian.md"
    text = profile.read_text(encoding="utf-8")
    profile.unlink()
    changed = _rewritten(site, lambda root: profile.write_text(text, encoding="utf-8"))
    assert "profiles/shi-jian/index.html" in changed
    assert "articles/daxing-jixianfeng/index.html" in changed  # names him: now a link
    assert "articles/jingkaiqu-gong-liliang/index.html" not in changed  # does not
    assert "profiles/wang-yan/index.html" not in changed  # another organization, no mention


def test_a_new_photo_rewrites_the_pages_that_show_that_person(tmp_path: Path):
    changed = _rewritten(_site(tmp_path / "site"), photo_added)
    assert "profiles/wang-shuang/index.html" in changed
    assert "profiles/wang-yan/index.html" in changed  # her card, now with the photo
    assert "profiles/shi-jian/index.html" not in changed
    assert "articles/daxing-jixianfeng/index.html" not in changed


def test_a_body_edit_rewrites_only_the_pages_that_show_it(tmp_path: Path):
    site = _site(tmp_path / "site")
    assert run(site).code == 0
    out = site / "output"
    inode = {p: os.stat(out / p).st_ino for p in _tree(out)}
    profile_body(site)
    assert run(site).code == 0
    # The search index (pagefind/) is made anew from all pages whenever any page changed.
    changed = sorted(
        p
        for p in _tree(out)
        if os.stat(out / p).st_ino != inode.get(p) and p != MARKER and not p.startswith("pagefind/")
    )
    # Only the edited profile's page is new; every other file is the previous one, hard-linked.
    assert changed == ["profiles/shi-jian/index.html"]


def test_a_change_of_code_starts_the_page_index_afresh(tmp_path: Path, monkeypatch):
    """What a read hashed to is what the code that evaluated it computed: after a change of
    Frontline's code (or of a package it uses) no page is reused on the last code's word."""
    from frontline import incremental

    site = _site(tmp_path / "site")
    out = tmp_path / "out"
    build(site, out, search=False)
    inode = {p: os.stat(out / p).st_ino for p in _tree(out)}
    monkeypatch.setattr(incremental, "code_version", lambda: b"the next version of Frontline")
    profile_body(site)  # so that the build is not skipped as one with nothing to do
    build(site, out, search=False)
    reused = sorted(p for p in _tree(out) if os.stat(out / p).st_ino == inode.get(p) and p != MARKER)
    assert reused == []
    clean = tmp_path / "clean"
    build(site, clean, search=False)
    assert _tree(out) == _tree(clean)


def test_a_build_from_the_command_line_looks_into_a_table_only_when_it_changed(tmp_path: Path, monkeypatch):
    """With no last site in memory to compare with, a build hashes each table whole: the reads of
    its entries are evaluated again only for a table whose hash changed, and the pages are a clean
    build's."""
    from frontline.digests import Digests

    site = _site(tmp_path / "site")
    _edit(site / "content/profiles/shi-jian.md", "name: 施剑\n", "name: 施剑\nslug: shi-jian\n")
    out = tmp_path / "out"
    build(site, out, search=False)
    looked: set[str] = set()
    evaluate = Digests._evaluate
    monkeypatch.setattr(
        Digests, "_evaluate", lambda self, read: (read[0] == "key" and looked.add(read[1])) or evaluate(self, read)
    )
    profile_body(site)
    build(site, out, search=False)
    assert looked == set()  # a body is in no table
    _edit(site / "content/profiles/shi-jian.md", "name: 施剑\n", "name: 施健\n")  # the same slug: a new name
    build(site, out, search=False)
    assert "people" in looked and "portraits" not in looked, looked  # name -> page changed; slug -> photo did not
    clean = tmp_path / "clean"
    build(site, clean, search=False)
    assert _tree(out) == _tree(clean)


def test_a_build_with_nothing_changed_leaves_the_output_untouched(tmp_path: Path):
    site = _site(tmp_path / "site")
    assert run(site).code == 0
    out = site / "output"
    folder = os.stat(out).st_ino
    assert run(site).code == 0
    assert os.stat(out).st_ino == folder  # not swapped for a copy of itself
    (out / "stray.html").write_text("不该留下", encoding="utf-8")
    assert run(site).code == 0
    assert not (out / "stray.html").exists()  # an output that is not exactly ours is rebuilt
    assert (out / MARKER).exists()


def test_an_edit_after_a_build_that_changed_nothing_is_picked_up(tmp_path: Path, monkeypatch, capsys):
    site = _site(tmp_path / "site")
    first = run(site, capsys=capsys)
    assert first.code == 0
    # Nothing changed: the pipeline is not run at all (loading the content would fail here), and
    # the editor sees the same warnings and summary as from the build that made this output.
    with monkeypatch.context() as patch:
        patch.setattr("frontline.pipeline._inputs", lambda *a, **k: pytest.fail("the pipeline ran"))
        again = run(site, capsys=capsys)
    assert again.code == 0 and again.err == first.err
    shown = profile_body(site)
    assert run(site).code == 0
    page = (site / "output/profiles/shi-jian/index.html").read_text(encoding="utf-8")
    assert shown in page
    clean = tmp_path / "clean"
    shutil.copytree(site, clean, ignore=shutil.ignore_patterns("output", CACHE_DIR))
    assert run(clean).code == 0
    assert _tree(site / "output") == _tree(clean / "output")
    # And an edit that only reverts to the skipped build's inputs is a real build again.
    _edit(site / "content/profiles/shi-jian.md", "\n增量构建测试补充的一段话。\n", "")
    assert run(site).code == 0
    assert shown not in (site / "output/profiles/shi-jian/index.html").read_text(encoding="utf-8")


def test_a_changed_output_file_is_rewritten(tmp_path: Path):
    site = _site(tmp_path / "site")
    assert run(site).code == 0
    page = site / "output/profiles/shi-jian/index.html"
    original = page.read_bytes()
    page.write_text("被手工改坏了", encoding="utf-8")
    assert run(site).code == 0
    assert page.read_bytes() == original
    # Also after a build that found nothing changed, and when the size stays the same.
    assert run(site).code == 0
    page.write_bytes(original.replace(b"<html", b"<HTML", 1))
    assert run(site).code == 0
    assert page.read_bytes() == original


def test_a_corrupt_cache_is_ignored(tmp_path: Path):
    site = _site(tmp_path / "site")
    assert run(site).code == 0
    expected = _tree(site / "output")
    for file in (site / CACHE_DIR).iterdir():
        file.write_bytes(b"not a pickle")
    assert run(site).code == 0
    assert _tree(site / "output") == expected


class _Payload:
    """Unpickling this creates a folder: proof that a cache file's code ran."""

    def __init__(self, target: Path):
        self.target = target

    def __reduce__(self):
        return (os.mkdir, (str(self.target),))


def test_a_committed_or_forged_cache_is_never_unpickled(tmp_path: Path):
    import pickle

    site = _site(tmp_path / "site")
    assert run(site).code == 0
    expected = _tree(site / "output")
    ran = tmp_path / "payload-ran"
    names = [file.name for file in (site / CACHE_DIR).iterdir()]
    assert names, "the first build wrote a cache"
    for name in names:
        # What someone could commit to the content repository: a valid pickle, but unsigned.
        (site / CACHE_DIR / name).write_bytes(pickle.dumps(_Payload(ran)))
    (site / "content/profiles/shi-jian.md").touch()
    assert run(site).code == 0
    assert not ran.exists()
    assert _tree(site / "output") == expected


# The preview (frontline/serve.py) builds through the same page cache into its own folder and
# keeps the last site in memory to tell which table entries changed (frontline/stale.py):
# after every kind of edit, one after another in one long-lived preview, it must show exactly
# what a clean build of the edited site shows.


def _clean_preview_build(site: Path, work: Path) -> dict[str, bytes]:
    copy = work / "site"
    shutil.copytree(site, copy, ignore=shutil.ignore_patterns("output", CACHE_DIR))
    build(copy, work / "out", include_drafts=True, search=False)
    return {k: v for k, v in _tree(work / "out").items() if k != MARKER}


@pytest.mark.parametrize("edit", EDITS, ids=[e.__name__ for e in EDITS])
def test_preview_after_an_edit_equals_a_clean_build(tmp_path: Path, edit: Callable[[Path], str]):
    site = _site(tmp_path / "site").resolve()
    preview = Preview(site, tmp_path / "preview")
    preview.rebuild()
    before = dict(preview.state.files)
    shown = edit(site)
    preview.rebuild()
    assert not preview.state.failed, preview.state.problems
    assert preview.state.files == _clean_preview_build(site, tmp_path / "clean")
    assert preview.state.files != before
    if shown:
        assert any(shown in data.decode("utf-8", "replace") for data in preview.state.files.values())


@pytest.mark.parametrize("compact", [False, True], ids=["reads-kept", "reads-renumbered"])
def test_one_preview_through_every_edit_and_a_failed_render_equals_clean_builds(tmp_path: Path, monkeypatch, compact):
    renumbered = []
    if compact:  # drop reads nothing refers to after every build (a big site does it now and then)
        monkeypatch.setattr(stale, "GROWTH", 0)
        monkeypatch.setattr(stale, "DROP_SHARE", 0.0)
        finish = stale.Build.finish

        def counted(self, referred):
            renumbered.append(finish(self, referred))
            return renumbered[-1]

        monkeypatch.setattr(stale.Build, "finish", counted)
    site = _site(tmp_path / "site").resolve()
    preview = Preview(site, tmp_path / "preview")
    preview.rebuild()
    last = [deleted_file, renamed_file]  # other edits change the files these remove
    for number, edit in enumerate([e for e in EDITS if e not in last] + last):
        edit(site)
        if edit is template:  # a template that fails while pages render: nothing of it is kept
            page = site / "templates/profile.html"
            good = page.read_text(encoding="utf-8")
            broken = good.replace("{% block main %}", "{% block main %}{{ profile.no_such_field.deeper }}", 1)
            assert broken != good
            page.write_text(broken, encoding="utf-8")
            preview.rebuild()
            assert preview.state.failed
            page.write_text(good, encoding="utf-8")
        preview.rebuild()
        assert not preview.state.failed, (edit.__name__, preview.state.problems)
        expected = _clean_preview_build(site, tmp_path / f"clean-{number}")
        assert preview.state.files == expected, edit.__name__
    if compact:
        assert sum(r is not None for r in renumbered) >= 3


def test_pages_rendered_by_forked_workers_and_the_parent_are_the_same(tmp_path: Path, monkeypatch):
    """The real content is too small for the worker pool: force it (three cores: two forked
    workers and the parent), then check a clean build and an incremental one against in-process."""
    from frontline import workers

    alone = _site(tmp_path / "alone")
    assert run(alone).code == 0
    monkeypatch.setattr(workers, "PARALLEL_FROM", 1)
    monkeypatch.setattr(workers, "MAX_CHUNK", 2)  # many chunks, so that all three render some
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2}, raising=False)
    pooled = _site(tmp_path / "pooled")
    assert run(pooled).code == 0
    assert _tree(pooled / "output") == _tree(alone / "output")
    # The parent numbers and evaluates the reads each worker's pages made: what the next build
    # goes by must be what one process would have found.
    assert _reads_of_pages(pooled) == _reads_of_pages(alone)
    shown = front_matter(pooled)
    front_matter(alone)
    assert run(pooled).code == 0
    monkeypatch.setattr(workers, "PARALLEL_FROM", 10**9)
    assert run(alone).code == 0
    assert _tree(pooled / "output") == _tree(alone / "output")
    assert any(shown in data.decode("utf-8", "replace") for data in _tree(pooled / "output").values())
    assert _reads_of_pages(pooled) == _reads_of_pages(alone)


def test_a_large_build_on_one_core_renders_without_the_pinyin_helper(tmp_path: Path, monkeypatch):
    """On one core the pages are rendered in this process: the pinyin helper (its dictionaries
    ~60 MiB) is stopped first, as before forking workers, and the pages are the same."""
    from frontline import pinyin, workers

    alone = _site(tmp_path / "alone")
    assert run(alone).code == 0
    helper_running: list[bool] = []
    render = workers._render_chunk_with

    def spied(*args):
        helper_running.append(pinyin._helper is not None)
        return render(*args)

    monkeypatch.setattr(workers, "PARALLEL_FROM", 1)
    monkeypatch.setattr(workers, "_render_chunk_with", spied)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0}, raising=False)
    monkeypatch.delitem(sys.modules, "pypinyin", raising=False)  # as at the start of a build (restored after)
    started = pinyin.start
    monkeypatch.setattr(pinyin, "start", lambda: started() or helper_running.append(pinyin._helper is not None))
    one_core = _site(tmp_path / "one-core")
    assert run(one_core).code == 0
    assert helper_running == [True, False]  # started with the build, gone before the pages
    assert _tree(one_core / "output") == _tree(alone / "output")


def _reads_of_pages(root: Path) -> dict[str, tuple[str, frozenset]]:
    """Each page's key and reads as the saved page index has them: each read with its hash and
    own reads, by what they are rather than by number (numbers depend on who numbered first)."""
    index = _load_index(root / CACHE_DIR / "pages.pickle", (root / "output").resolve())
    items = index.reads.items
    assert index.pages and items

    def read(n: int) -> tuple:
        what, digest, own = items[n]
        return what, digest, None if own is None else frozenset(items[m][0] for m in own)

    return {path: (entry.key, frozenset(map(read, entry.reads))) for path, entry in index.pages.items()}


def test_the_preview_finds_the_pages_a_changed_read_touches_as_each_page_lists_them():
    """Readers, moved from one build's index to the next, lists for each read exactly the pages
    whose entries name it (the preview's reuse of a page depends on it)."""

    def entry(*reads: int) -> Entry:
        return Entry("key", array("I", reads), (0, 0, 0))

    def listed(readers: Readers) -> dict[int, list[str]]:
        return {read: sorted(paths) for read, paths in readers.of.items() if paths}

    first = {f"p{i}.html": entry(i, 100, 200 + i % 3) for i in range(10)}
    readers = Readers(first)
    assert readers.touched({100}) == set(first)
    assert readers.touched({3, 202}) == {"p3.html", "p2.html", "p5.html", "p8.html"}
    second = dict(first)
    second["p3.html"] = entry(3, 101)  # made again: reads differently
    del second["p4.html"]  # gone
    second["new.html"] = entry(100, 4)
    moved = readers.moved(first, second)
    assert listed(moved) == listed(Readers(second))
    assert moved.touched({4}) == {"new.html"} and moved.touched({101}) == {"p3.html"}
    renumbered = {path: entry(*(r + 1000 for r in e.reads)) for path, e in second.items()}
    assert listed(moved.moved(second, renumbered)) == listed(Readers(renumbered))
