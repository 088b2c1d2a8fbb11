"""The build benchmark must never rot: a small run of it goes through the same code path as the
real one (corpus generation, Frontline cold and incremental builds, the table). Its figures are
printed, never asserted: timing on shared machines is too noisy for a test."""

from __future__ import annotations

import sys

from tests.conftest import REPO

sys.path.insert(0, str(REPO / "bench"))

import corpus  # noqa: E402
import floor  # noqa: E402
import run  # noqa: E402


def test_corpus_is_deterministic_and_names_are_distinct():
    size, pages, files = corpus.generate(200)
    again = corpus.generate(200)
    assert (pages, files) == (again[1], again[2])
    assert (size.profiles, size.reports, size.orgs) == (180, 20, 8)
    names = [p.title for p in pages if p.kind == "profile"]
    assert len(set(names)) == len(names)
    assert any("{{fig " in p.body for p in pages if p.kind == "report")


def test_smoke_run_builds_the_corpus_and_prints_the_table(tmp_path, capsys):
    assert run.main(["--sizes", "200", "--tools", "frontline", "--repeats", "1", "--work", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    for scenario in (
        "cold build",
        "search index (Pagefind), on its own",
        "cold build + search index (sum of the two lines)",
        "rebuild, nothing changed",
        "rebuild, one profile body edited",
        "rebuild, one profile body edited, the first after the cold build (no spare site yet)",
        "rebuild, nothing changed (default build, with search index)",
        "rebuild, one profile body edited (default build: Pagefind indexes every page again)",
        "preview (`build.py serve`): save -> reloaded page, one profile body edited",
        "preview (`build.py serve`): save -> reloaded page, one profile front matter edited",
    ):
        assert f"| 200 | frontline | {scenario} |" in printed
    site = tmp_path / "200" / "frontline"
    assert (site / "output" / "profiles" / "p000001" / "index.html").is_file()
    # the last build was the default one: the site has its search index; the measured one left nothing behind
    assert (site / "output" / "pagefind" / "pagefind-entry.json").is_file()
    assert not (tmp_path / "200" / "frontline-search").exists()
    assert (site / "output" / "articles" / "r000000" / "index.html").is_file()
    # the edited files were put back: the corpus on disk is again exactly the generated one
    _, pages, _ = corpus.generate(200)
    first = pages[0]  # p000000, the profile the scenarios edit
    assert (site / "content" / "profiles" / f"{first.slug}.md").read_text(encoding="utf-8").endswith(first.body)
    # a cold build starts from what a fresh checkout has: clean() leaves nothing a build made
    assert (site / ".output.spare").is_dir()
    run.Frontline(site).clean()
    left = sorted(p.name for p in site.iterdir())
    assert left == ["content", "static", "templates"], left


def test_the_floor_converts_every_body_and_writes_a_page_for_each(tmp_path, capsys):
    assert run.main(["--sizes", "200", "--tools", "floor", "--repeats", "1", "--work", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    for scenario in run.Floor.SCENARIOS.values():
        assert f"| 200 | floor | {scenario} |" in printed
    site = tmp_path / "200" / "floor"
    assert not (site / "floor-output").exists()  # cleaned after the round
    # The loop's pages hold the converted bodies: Markdown's headings and lists, not its source.
    assert floor.main(["loop", str(site)]) == 0
    assert "200 bodies" in capsys.readouterr().out
    page = (site / "floor-output" / "profiles" / "p000001" / "index.html").read_text(encoding="utf-8")
    assert "<h2>" in page and "<li>" in page and "## " not in page
    assert len(list((site / "floor-output").glob("*/*/index.html"))) == 200
