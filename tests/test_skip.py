"""A build with nothing to do is skipped, cheaply, and never when something changed.

skip.py decides from a record of stats (with git's rule for racy entries) whether the inputs and
the output are exactly as the last successful build left them. These tests make the changes a
stat alone could miss or mistake: a touch that changes nothing, an edit within the same clock
tick that keeps the size, an upgraded package, an edit of Frontline itself, a new commit (page
dates), a hand-edited output file, and the search index built or left out on request.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import frontline
from frontline import skip
from tests.conftest import REPO, run


@pytest.fixture
def builds(monkeypatch) -> list[int]:
    """Counts the builds that really ran the pipeline (a skipped one does not load content)."""
    import frontline.pipeline

    ran: list[int] = []
    real = frontline.pipeline._inputs

    def counted(*args, **kwargs):
        ran.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(frontline.pipeline, "_inputs", counted)
    return ran


def _tree(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


@pytest.fixture
def frozen_clock(monkeypatch):
    """A file system whose clock never moves (the worst case of coarse timestamps): every edit
    keeps the times, so an edit that keeps the size and inode keeps the whole stat."""
    real = skip.stat_fields
    tick = 4_000_000_000_000_000_000  # in 2096: never older than the record's moment

    def frozen(st):
        values = real(st)
        return values[:4] + (tick, tick) if st is not None else values

    monkeypatch.setattr(skip, "stat_fields", frozen)


def test_touching_files_without_changing_them_skips_the_build(minimal_site: Path, builds: list[int]):
    assert run(minimal_site).code == 0
    out = minimal_site / "output"
    before = _tree(out)
    for path in (minimal_site / "content").rglob("*"):
        path.touch()
    (minimal_site / "templates/base.html").touch()
    assert run(minimal_site).code == 0
    assert run(minimal_site).code == 0
    assert builds == [1]
    assert _tree(out) == before


def test_an_edit_in_the_same_clock_tick_with_the_same_size_is_built(
    minimal_site: Path, builds: list[int], frozen_clock, capsys
):
    profile = minimal_site / "content/profiles/shi-jian.md"
    assert run(minimal_site).code == 0
    assert run(minimal_site).code == 0  # every entry is racy: hashed, found unchanged, skipped
    assert builds == [1]
    inode, size = os.stat(profile).st_ino, os.stat(profile).st_size
    profile.write_text(profile.read_text(encoding="utf-8").replace("主动请缨", "主动请战"), encoding="utf-8")
    assert (os.stat(profile).st_ino, os.stat(profile).st_size) == (inode, size)
    assert run(minimal_site).code == 0
    assert builds == [1, 1]
    page = (minimal_site / "output/profiles/shi-jian/index.html").read_text(encoding="utf-8")
    assert "主动请战" in page and "主动请缨" not in page


def test_an_output_file_edited_in_the_same_clock_tick_is_rewritten(minimal_site: Path, frozen_clock):
    assert run(minimal_site).code == 0
    page = minimal_site / "output/profiles/shi-jian/index.html"
    original = page.read_bytes()
    page.write_bytes(original.replace(b"<html", b"<HTML", 1))
    assert run(minimal_site).code == 0
    assert page.read_bytes() == original


def test_an_upgraded_package_means_a_real_build(minimal_site: Path, builds: list[int], tmp_path: Path, monkeypatch):
    packages = tmp_path / "site-packages"
    (packages / "demo-1.0.dist-info").mkdir(parents=True)
    monkeypatch.syspath_prepend(str(packages))
    assert run(minimal_site).code == 0
    assert run(minimal_site).code == 0
    assert builds == [1]
    (packages / "demo-1.0.dist-info").rename(packages / "demo-1.1.dist-info")
    assert run(minimal_site).code == 0
    assert builds == [1, 1]


def test_an_edit_of_frontline_itself_means_a_real_build(
    minimal_site: Path, builds: list[int], tmp_path: Path, monkeypatch
):
    code = tmp_path / "frontline"
    shutil.copytree(Path(frontline.__file__).parent, code, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(skip, "CODE", code)
    assert run(minimal_site).code == 0
    assert run(minimal_site).code == 0
    assert builds == [1]
    with open(code / "render.py", "a", encoding="utf-8") as fh:
        fh.write("# edited\n")
    assert run(minimal_site).code == 0
    assert builds == [1, 1]


def test_a_new_commit_means_a_real_build(minimal_site: Path, builds: list[int]):
    if shutil.which("git") is None:
        pytest.skip("needs git")

    def git(*args: str) -> None:
        env = dict(os.environ, GIT_AUTHOR_NAME="编辑", GIT_AUTHOR_EMAIL="e@example.org")
        env |= {"GIT_COMMITTER_NAME": "编辑", "GIT_COMMITTER_EMAIL": "e@example.org"}
        subprocess.run(["git", "-C", str(minimal_site), *args], check=True, capture_output=True, env=env)

    git("init", "-q")
    git("add", "content")
    git("commit", "-qm", "first")
    assert run(minimal_site).code == 0
    assert run(minimal_site).code == 0
    assert builds == [1]
    git("commit", "-q", "--allow-empty", "-m", "second")  # the pages' dates come from the log
    assert run(minimal_site).code == 0
    assert builds == [1, 1]


def test_no_search_builds_the_same_pages_without_the_index(minimal_site: Path, builds: list[int]):
    out = minimal_site / "output"
    assert run(minimal_site, "build", "--no-search").code == 0
    quick = _tree(out)
    assert quick and not (out / "pagefind").exists()
    assert run(minimal_site, "build").code == 0
    full = _tree(out)
    assert (out / "pagefind/pagefind-entry.json").is_file()
    assert {p: d for p, d in full.items() if not p.startswith("pagefind/")} == quick
    assert run(minimal_site, "build").code == 0
    assert run(minimal_site, "build", "--no-search").code == 0
    assert _tree(out) == quick
    assert builds == [1, 1, 1]


def test_a_damaged_search_index_is_made_again(minimal_site: Path):
    assert run(minimal_site).code == 0
    out = minimal_site / "output"
    before = _tree(out)
    fragment = next((out / "pagefind/fragment").iterdir())
    fragment.unlink()
    assert run(minimal_site).code == 0
    assert _tree(out) == before
    (out / "pagefind/pagefind-entry.json").write_text("{}", encoding="utf-8")
    assert run(minimal_site).code == 0
    assert _tree(out) == before


def test_a_build_with_nothing_to_do_imports_none_of_the_pipeline(minimal_site: Path):
    assert run(minimal_site).code == 0
    script = (
        "import sys; from frontline.cli import main; "
        f"code = main(['--root', {str(minimal_site)!r}, 'build']); "
        "print(code, *sorted(m.split('.')[0] for m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, check=True)
    code, *modules = done.stdout.split()
    assert code == "0"
    assert not {"jinja2", "markdown", "pydantic", "babel", "pypinyin", "yaml"} & set(modules)
    assert "已生成" in done.stderr


def test_the_record_of_a_swapped_in_site_is_what_a_walk_of_it_finds(minimal_site: Path, builds: list[int]):
    """A build that swaps a new site in records it from the account it keeps of that tree, not by
    walking it: the record must be the walk's, entry for entry, so a stray file is still seen."""
    from frontline import cachefile

    assert run(minimal_site, "build", "--no-search").code == 0
    profile = minimal_site / "content/profiles/shi-jian.md"
    for text in ("第一次补充。", "第二次补充。"):  # the second build reuses the spare the first left
        profile.write_text(profile.read_text("utf-8") + f"\n{text}\n", "utf-8")
        assert run(minimal_site, "build", "--no-search").code == 0
        out = minimal_site / "output"
        saved = cachefile.read(minimal_site / skip.CACHE_DIR / skip.RECORD)
        walked = skip._walk(out.resolve(), None, None, skip._probe(minimal_site / skip.CACHE_DIR), hash_files=False)
        assert _by_path(saved["out"]) == _by_path(walked)
    assert len(builds) == 3
    assert run(minimal_site, "build", "--no-search").code == 0
    assert len(builds) == 3  # nothing changed: skipped
    (out / "profiles" / "stray.html").write_text("不该留下", encoding="utf-8")
    assert run(minimal_site, "build", "--no-search").code == 0
    assert len(builds) == 4 and not (out / "profiles" / "stray.html").exists()


def _by_path(tree: skip.Tree) -> dict[str, tuple[int, ...]]:
    n = skip.FIELDS
    return {path: tuple(tree.stats[i * n : (i + 1) * n]) for i, path in enumerate(tree.paths)}
