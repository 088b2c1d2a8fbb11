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


def test_a_persons_reports_are_grouped_under_their_editions_newest_first(tmp_path: Path):
    def report(edition: int, date: str, body: str = "施剑到社区参与防控工作。") -> str:
        return f"---\ntitle: 报道\norganization: daxing\nedition: {edition}\ndate: {date}\n---\n{body}\n"

    root = make_site(
        tmp_path,
        {
            "content/editions/2.yaml": "number: 2\ntitle: 第二期\ndate: 2020-03\n",
            "content/editions/3.yaml": "number: 3\ntitle: 第三期\ndate: 2020-04\n",
            "content/articles/b-later.md": report(3, "2020-04-02"),
            "content/articles/a-earlier.md": report(3, "2020-04-01"),
            "content/articles/c-second.md": report(2, "2020-03", "正文。"),
        },
    )
    site = check(root).site
    grouped = site.mentions_by_edition("shi-jian")
    # Edition 2 names nobody: left out; within an edition, the reports in the site's order.
    assert [(e.number, [m.article.slug for m in ms]) for e, ms in grouped] == [
        (3, ["a-earlier", "b-later"]),
        (1, ["report"]),
    ]
    assert site.mentions_by_edition("nobody") == ()


def test_drafts_are_left_out(tmp_path: Path):
    draft = "---\nname: 于勇\norganization: daxing\ndraft: true\n---\n"
    root = make_site(tmp_path, {"content/profiles/yu-yong.md": draft})
    assert [p.slug for p in check(root).site.profiles] == ["shi-jian"]
    assert [p.slug for p in check(root, include_drafts=True).site.profiles] == ["shi-jian", "yu-yong"]


def most_related_first(site, profile) -> list:
    """The definition a profile page's first list follows: everyone sharing the town, the place or
    the department, by how many of those they share, then the same union first, then site order."""
    here, dept = profile.meta.sent_to, profile.meta.department
    mine = {("town", here and here.town), ("place", here and here.place), ("dept", dept)}
    mine = {key for key in mine if key[1]}

    def keys(p) -> set:
        there = p.meta.sent_to
        found = {("town", there and there.town), ("place", there and there.place), ("dept", p.meta.department)}
        return {key for key in found if key[1]} & mine

    org = profile.meta.organization
    near = [p for p in site.profiles if p is not profile and keys(p)]
    order = {id(p): i for i, p in enumerate(site.profiles)}
    return sorted(near, key=lambda p: (-len(keys(p)), p.meta.organization != org, order[id(p)]))


def test_nearest_people_are_the_most_related_first_without_sorting_everyone(tmp_path: Path):
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
    from corpus import build_corpus

    build_corpus(600, tmp_path, Path(__file__).resolve().parents[1], ("frontline",))
    site = check(tmp_path / "frontline").site
    for profile in site.profiles:
        expected = most_related_first(site, profile)
        for limit in (0, 1, 12, len(site.profiles)):
            assert site.nearest(profile, limit) == (tuple(expected[:limit]), len(expected)), (profile.slug, limit)
