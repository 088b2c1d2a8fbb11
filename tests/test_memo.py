"""The preview's memo (frontline/memo.py): after each kind of edit, a check that reuses what the
last check found gives exactly the problems and the site of a cold check, and a preview build
the same pages as a clean build."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from frontline import deps
from frontline.digests import Digests
from frontline.errors import BuildError
from frontline.load import DocumentCache
from frontline.memo import CheckMemo
from frontline.pipeline import build, check
from frontline.serve import Preview
from tests.conftest import make_site

FILES = {
    "content/articles/report.md": """\
        ---
        title: 测试报道
        lead: 王娟带领大家坚守一线。
        organization: daxing
        edition: 1
        date: 2020-02
        ---
        ## 小标题

        机关选派{{fig leaders}}领导干部下沉一线。施剑到社区参与防控工作。

        书记王娟说，共有5名干部报名。详见[施剑](../profiles/shi-jian.md)。
        """,
    "content/profiles/wang-juan.md": """\
        ---
        name: 王娟
        organization: daxing
        role: 主任
        ---
        王娟和施剑一起带领{{fig leaders}}值守。
        """,
    "content/profiles/li-ming.md": """\
        ---
        name: 李明
        organization: daxing
        role: 干事
        ---
        李明负责登记。
        """,
    "content/profiles/draft.md": """\
        ---
        name: 孙丽
        organization: daxing
        draft: true
        ---
        孙丽的稿子还没写完，提到王娟。
        """,
}


def outcome(root: Path, include_drafts: bool, cache: DocumentCache, memo: CheckMemo | None) -> tuple:
    """Everything a check tells: its problems, in order, and the site it made (as plain data)."""
    try:
        result = check(root, include_drafts, cache=cache, memo=memo)
    except BuildError as exc:
        return "failed", [p.format() for p in exc.problems], None
    assert result.site is not None
    return "ok", [p.format() for p in result.warnings], shape(result.site)


def shape(site) -> dict:
    """The site as plain data: each entity's identity, front matter, body and positions, and each
    table and list of the site with entities named by identity (as incremental builds see it)."""
    digests = Digests(site, {})
    entities = {
        deps.token(e): (repr(e.meta), getattr(e, "body", None), e.source.body_line, sorted(e.source.marks.items()))
        for e in deps.entities(site)
    }
    tables = {f.name: digests.hash(getattr(site, f.name)) for f in dataclasses.fields(site)}
    near = {p.slug: digests.hash(site.nearest(p, 12)) for p in site.profiles}
    return {"entities": entities, "tables": tables, "near": near, "digests": digests.entity_digests()}


class Editor:
    """Edits files the way an editor's saves do; each save gets a new modification time, so that
    the preview's stamp (mtime, size) always sees it."""

    def __init__(self, root: Path):
        self.root = root
        self.clock = 1_700_000_000_000_000_000

    def write(self, rel: str, text: str) -> None:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        self.clock += 1_000_000_000
        os.utime(path, ns=(self.clock, self.clock))

    def replace(self, rel: str, old: str, new: str) -> None:
        text = (self.root / rel).read_text(encoding="utf-8")
        assert old in text, (rel, old)
        self.write(rel, text.replace(old, new, 1))

    def delete(self, rel: str) -> None:
        (self.root / rel).unlink()

    def rename(self, rel: str, to: str) -> None:
        (self.root / rel).rename(self.root / to)


PROFILE = "content/profiles/shi-jian.md"
REPORT = "content/articles/report.md"
STATS = "content/stats/daxing.yaml"
EXTRA_FIGURE = """\
  - key: volunteers
    label: 志愿者
    value: 12
    unit: 人
    organization: daxing
    source: 12名志愿者。
"""

# (what, the edit): applied in order to one site, each followed by a warm and a cold check.
EDITS = [
    ("nothing", lambda e: None),
    ("profile body", lambda e: e.replace(PROFILE, "施剑主动请缨。", "施剑主动请缨，和王娟、李明一道值守。")),
    ("front matter", lambda e: e.replace("content/profiles/wang-juan.md", "role: 主任", "role: 书记")),
    ("summary", lambda e: e.replace(PROFILE, "role: 副主席", "role: 副主席\nsummary: 冲在一线")),
    ("report body", lambda e: e.replace(REPORT, "共有5名干部报名", "共有5名干部和队长赵磊报名")),
    (
        "new profile",  # named in the report already, with a title the profile does not give
        lambda e: e.write(
            "content/profiles/zhao-lei.md", "---\nname: 赵磊\norganization: daxing\nrole: 干事\n---\n赵磊是志愿者。\n"
        ),
    ),
    ("deleted profile", lambda e: e.delete("content/profiles/li-ming.md")),
    ("renamed profile", lambda e: e.rename("content/profiles/wang-juan.md", "content/profiles/wang-juan-2.md")),
    (
        "duplicate slug",
        lambda e: e.write("content/profiles/copy.md", "---\nname: 施剑锋\norganization: daxing\nslug: shi-jian\n---\n"),
    ),
    ("duplicate fixed", lambda e: e.delete("content/profiles/copy.md")),
    ("figure added", lambda e: e.write(STATS, (e.root / STATS).read_text(encoding="utf-8") + EXTRA_FIGURE)),
    ("figure cited", lambda e: e.replace(PROFILE, "施剑主动请缨", "施剑带领{{fig volunteers}}主动请缨")),
    ("figure removed", lambda e: e.replace(STATS, EXTRA_FIGURE, "")),
    ("citation removed", lambda e: e.replace(PROFILE, "带领{{fig volunteers}}", "")),
    ("figure value", lambda e: e.replace(STATS, "value: 5", "value: 6")),
    ("name changed", lambda e: e.replace(PROFILE, "name: 施剑", "name: 施建")),
    ("YAML broken", lambda e: e.replace("content/profiles/zhao-lei.md", "name: 赵磊", "name: [赵磊")),
    ("YAML fixed", lambda e: e.replace("content/profiles/zhao-lei.md", "name: [赵磊", "name: 赵磊")),
    ("invalid field", lambda e: e.replace("content/profiles/zhao-lei.md", "organization:", "organisation:")),
    ("field fixed", lambda e: e.replace("content/profiles/zhao-lei.md", "organisation:", "organization:")),
    ("unsafe link", lambda e: e.replace(REPORT, "## 小标题", "## 小标题\n\n[点这里](javascript:alert(1))")),
    ("image missing", lambda e: e.replace(REPORT, "## 小标题", "## 小标题\n\n![照片](../media/a.jpg)")),
    ("image added", lambda e: e.write("content/media/a.jpg", "not really a jpeg")),
    ("draft published", lambda e: e.replace("content/profiles/draft.md", "draft: true", "draft: false")),
]


@pytest.mark.parametrize("include_drafts", [True, False])
def test_a_warm_check_after_each_edit_equals_a_cold_one(tmp_path: Path, include_drafts: bool):
    root = make_site(tmp_path / "site", FILES)
    editor = Editor(root)
    cache = DocumentCache()
    memo = CheckMemo()
    seen = set()
    for what, edit in EDITS:
        edit(editor)
        warm = outcome(root, include_drafts, cache, memo)
        cold = outcome(root, include_drafts, DocumentCache(), None)
        assert warm[:2] == cold[:2], what
        assert warm[2] == cold[2], what
        seen.add(warm[0])
    assert seen == {"ok", "failed"}  # the edits went through both outcomes


def test_a_memo_shared_by_checks_with_and_without_drafts(tmp_path: Path):
    root = make_site(tmp_path / "site", FILES)
    editor = Editor(root)
    cache = DocumentCache()
    memo = CheckMemo()
    for what, edit in EDITS:
        edit(editor)
        for include_drafts in (True, False):
            cold = outcome(root, include_drafts, DocumentCache(), None)
            assert outcome(root, include_drafts, cache, memo) == cold, what


def test_the_edits_change_what_a_check_finds(tmp_path: Path):
    """The edits above are not idle: warnings and mentions differ from step to step."""
    root = make_site(tmp_path / "site", FILES)
    editor = Editor(root)
    memo = CheckMemo()
    outcomes = []
    for _, edit in EDITS:
        edit(editor)
        outcomes.append(outcome(root, True, DocumentCache(), memo))
    first = outcomes[0]
    assert any("王娟" in w and "书记" in w for w in first[1])  # a title the profile does not give
    assert any("5名" in w for w in first[1])  # a number typed where a figure exists
    assert any("没有任何报道" in w for w in first[1])  # a profile nobody mentions
    new_profile = outcomes[[what for what, _ in EDITS].index("new profile")]
    assert any("赵磊" in w and "队长" in w for w in new_profile[1])
    assert len({repr(o) for o in outcomes}) > len(EDITS) // 2


def test_unchanged_files_keep_their_models_and_edited_ones_do_not(tmp_path: Path):
    root = make_site(tmp_path / "site", FILES)
    editor = Editor(root)
    cache = DocumentCache()
    memo = CheckMemo()
    before = check(root, True, cache=cache, memo=memo).site
    editor.replace(PROFILE, "施剑主动请缨。", "施剑主动请缨，到一线。")
    after = check(root, True, cache=cache, memo=memo).site
    assert before is not None and after is not None
    old = {p.slug: p for p in before.profiles}
    new = {p.slug: p for p in after.profiles}
    assert new["wang-juan"] is old["wang-juan"]  # the very model: nothing is validated again
    assert new["shi-jian"] is not old["shi-jian"]
    assert new["shi-jian"].body != old["shi-jian"].body
    assert after.articles[0] is before.articles[0]
    assert after is not before
    assert after.mentions == before.mentions  # the report is the same, and so is whom it names


def test_a_preview_after_edits_shows_the_pages_of_a_clean_build(tmp_path: Path):
    """Models reused from the last check go through incremental rendering (deps.py) as new ones."""
    root = make_site(tmp_path / "site", FILES)
    editor = Editor(root)
    preview = Preview(root, tmp_path / "preview")
    preview.rebuild()
    for what, edit in EDITS[1:8]:
        edit(editor)
        preview.rebuild()
        assert not preview.state.failed, (what, preview.state.problems)
    clean = tmp_path / "clean"
    build(root, clean, include_drafts=True, search=False)
    files = {p.relative_to(clean).as_posix(): p.read_bytes() for p in clean.rglob("*") if p.is_file()}
    files = {path: data for path, data in files.items() if not path.startswith(".")}
    shown = {path: data for path, data in preview.state.files.items() if not path.startswith(".")}
    assert shown.keys() == files.keys()
    assert [path for path in files if shown[path] != files[path]] == []


def test_a_build_from_the_command_line_keeps_what_link_found_for_the_next_run(tmp_path: Path, monkeypatch):
    """Each body's sentences naming people are found again only for the bodies that changed (or
    for every body, when the code that finds them changed), and the build is a clean build's."""
    from frontline import bodies, pipeline
    from tests.conftest import run

    root = make_site(tmp_path / "site", FILES)
    assert run(root, "build").code == 0
    searched: list[str] = []
    finder = bodies._naming
    monkeypatch.setattr(bodies, "_naming", lambda matcher, text: searched.append(text) or finder(matcher, text))
    profile = root / "content/profiles/li-ming.md"
    profile.write_text(profile.read_text("utf-8").replace("李明负责登记。", "李明负责登记，王娟负责核对。"), "utf-8")
    assert run(root, "build").code == 0
    assert [text.strip() for text in searched] == ["李明负责登记，王娟负责核对。"]
    assert "李明负责登记，王娟负责核对。" in (root / "output/profiles/wang-juan/index.html").read_text("utf-8")

    searched.clear()
    monkeypatch.setattr(pipeline, "code_version", lambda: b"another version of Frontline")
    profile.write_text(profile.read_text("utf-8").replace("王娟负责核对", "王娟负责复核"), "utf-8")
    assert run(root, "build").code == 0
    assert len(searched) == 4  # every text: the report (lead and body) and three profiles (not the draft)
    clean = tmp_path / "clean"
    build(root, clean, search=False)
    for page in clean.rglob("*.html"):
        assert (root / "output" / page.relative_to(clean)).read_bytes() == page.read_bytes(), page


def test_a_build_from_the_command_line_keeps_what_the_editorial_checks_found(tmp_path: Path, monkeypatch, capsys):
    """The editorial checks look again only at the bodies and lines that changed, and warn
    exactly as a build of the same content without any cache does."""
    import shutil

    from frontline import checks
    from tests.conftest import run

    root = make_site(tmp_path / "site", FILES)
    assert run(root, "build", "--no-search").code == 0
    capsys.readouterr()
    looked: dict[str, list] = {"links": [], "typed": [], "lines": [], "titles": []}
    for name, kind in (("_internal_links", "links"), ("_typed_in", "typed")):
        real = getattr(checks, name)
        monkeypatch.setattr(
            checks, name, lambda item, *a, real=real, kind=kind: looked[kind].append(item.source.path) or real(item, *a)
        )
    named, titles = checks._named_lines, checks._titles_in
    monkeypatch.setattr(checks, "_named_lines", lambda index, body: looked["lines"].append(body) or named(index, body))
    monkeypatch.setattr(checks, "_titles_in", lambda line, *a: looked["titles"].append(line) or titles(line, *a))

    def warnings_of_a_cold_build() -> list[str]:
        cold = tmp_path / "cold"
        shutil.rmtree(cold, ignore_errors=True)
        for name in ("content", "templates", "static"):
            shutil.copytree(root / name, cold / name)
        assert run(cold, "build", "--no-search").code == 0
        return [line for line in capsys.readouterr().err.splitlines() if "warning" in line]

    profile = root / "content/profiles/li-ming.md"
    profile.write_text(profile.read_text("utf-8").replace("李明负责登记。", "李明负责登记5名干部。"), "utf-8")
    assert run(root, "build", "--no-search").code == 0
    warned = [line for line in capsys.readouterr().err.splitlines() if "warning" in line]
    assert looked == {
        "links": ["content/profiles/li-ming.md"],
        "typed": ["content/profiles/li-ming.md"],
        "lines": [],
        "titles": [],
    }
    assert any("li-ming.md" in line and "数字 5名" in line for line in warned), warned
    assert any("称 王娟 为“书记”" in line for line in warned), warned  # found by the last run, kept
    assert warned == warnings_of_a_cold_build()
    looked = {kind: [] for kind in looked}  # the cold build looked at everything

    report = root / "content/articles/report.md"
    report.write_text(report.read_text("utf-8").replace("书记王娟说", "副主任王娟说"), "utf-8")
    assert run(root, "build", "--no-search").code == 0
    warned = [line for line in capsys.readouterr().err.splitlines() if "warning" in line]
    assert looked["links"] == looked["typed"] == ["content/articles/report.md"]
    # the changed line only, once for each profiled name it holds (王娟, 施剑)
    assert len(looked["lines"]) == 1 and set(looked["titles"]) == {
        "副主任王娟说，共有5名干部报名。详见[施剑](../profiles/shi-jian.md)。"
    }
    assert any("称 王娟 为“副主任”" in line for line in warned) and not any("“书记”" in line for line in warned), warned
    assert warned == warnings_of_a_cold_build()
