from pathlib import Path

import pytest

from frontline.errors import BuildError
from frontline.pipeline import check
from tests.conftest import make_site


def link_problems(root: Path) -> list[str]:
    with pytest.raises(BuildError) as exc:
        check(root)
    return [p.format() for p in exc.value.problems if p.severity == "error"]


def test_unknown_figure_in_body_is_located(tmp_path: Path):
    body = (
        "---\ntitle: 报道\norganization: daxing\nedition: 1\ndate: 2020\n---\n\n第一段。\n\n选派{{fig leaderz}}干部。\n"
    )
    root = make_site(tmp_path, {"content/articles/report.md": body})
    expected = "未知的数字编号 leaderz（是否想写 leaders？）：请在 content/stats/ 中定义"
    assert link_problems(root) == [f"content/articles/report.md:10:3: error: [body] {expected}"]


def test_unknown_organization_and_edition(tmp_path: Path):
    body = "---\ntitle: 报道\norganization: tongzhou\nedition: 9\ndate: 2020\n---\n正文\n"
    root = make_site(tmp_path, {"content/articles/report.md": body})
    found = link_problems(root)
    assert found[0].startswith("content/articles/report.md:3:1: error: [organization] 未知的组织 tongzhou")
    assert found[1].startswith("content/articles/report.md:4:1: error: [edition] 未知的期号 9")


def test_mentions_and_people(minimal_site: Path):
    site = check(minimal_site).site
    (mention,) = site.mentions["shi-jian"]
    assert mention.article.slug == "report"
    assert mention.sentence == "施剑到社区参与防控工作。"
    assert [p.slug for p in site.people_in["report"]] == ["shi-jian"]
    assert [f.key for f in site.figures_in["report"]] == ["leaders"]


def test_drafts_are_left_out(tmp_path: Path):
    draft = "---\nname: 于勇\norganization: daxing\ndraft: true\n---\n"
    root = make_site(tmp_path, {"content/profiles/yu-yong.md": draft})
    assert [p.slug for p in check(root).site.profiles] == ["shi-jian"]
    assert [p.slug for p in check(root, include_drafts=True).site.profiles] == ["shi-jian", "yu-yong"]
