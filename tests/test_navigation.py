"""Readers find their way: indexes by organization, place and role, breadcrumbs, previous and
next, mentions grouped by edition, and colleagues at the same place."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from tests.conftest import make_site, run


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def links(html: str) -> dict[str, str]:
    """Link text -> href, for the links of a page."""
    return {
        re.sub(r"<[^>]+>", "", t).strip(): h for h, t in re.findall(r'<a [^>]*?href="([^"]+)"[^>]*>(.*?)</a>', html)
    }


def section(html: str, title: str) -> str:
    start = html.index(f">{title}</h")
    end = html.find("</section>", start)
    return html[start:end]


def test_place_index_groups_people_by_town_then_village(real_site: Path):
    html = (real_site / "output/places/index.html").read_text()
    yugai = section(html, "榆垓镇")
    for place, name, slug in [
        ("南黑垓村", "高云峰", "gao-yun-feng"),
        ("大练庄村", "韩锋光", "han-feng-guang"),
        ("黄各庄村", "韩志森", "han-zhi-sen"),
        ("阎家铺村", "于勇", "yu-yong"),
    ]:
        assert re.search(rf"<dt>{place}</dt>\s*<dd><a href=\"../profiles/{slug}/index.html\">{name}</a></dd>", yugai)
    assert '<h2 id="yu-gai-zhen" class="section-title">榆垓镇</h2>' in html
    assert "同兴园社区" in section(html, "西红门镇")
    assert "亦园" in section(html, "博兴街道")
    # A 社区 given without its 街道 is not guessed into one.
    others = section(html, "其他地点")
    for place in ("亦城茗苑", "金地格林社区", "赢海庄园社区"):
        assert f"<dt>{place}</dt>" in others


def test_role_index_lists_every_role(real_site: Path):
    html = (real_site / "output/roles/index.html").read_text()
    page = text(html)
    for role in ("党组成员、副主席", "主任", "科员", "部长", "站长", "副站长", "干部", "未注明职务"):
        assert re.search(rf'<dt id="[a-z0-9-]+">{role}</dt>', html), role
    assert "于勇 （区总工会）" in page and "韩锋光 （区总工会）" in page


def test_people_indexes_link_to_each_other_and_from_the_people_page(real_site: Path):
    out = real_site / "output"
    people = links((out / "profiles/index.html").read_text())
    assert people["按下沉地点"] == "../places/index.html"
    assert people["按职务"] == "../roles/index.html"
    places = (out / "places/index.html").read_text()
    assert '<span aria-current="page">按下沉地点</span>' in places


def test_breadcrumbs_are_a_labelled_ordered_list(real_site: Path):
    html = (real_site / "output/articles/daxing-jixianfeng/index.html").read_text()
    nav = html[html.index('<nav class="breadcrumbs"') : html.index("</nav>", html.index('<nav class="breadcrumbs"'))]
    assert 'aria-label="当前位置"' in nav
    assert re.findall(r'<li><a href="([^"]+)">([^<]+)</a></li>', nav) == [
        ("../../index.html", "首页"),
        ("../../editions/index.html", "往期"),
        ("../../editions/1/index.html", "第1期"),
    ]
    assert '<li><span aria-current="page">疫情防控阻击战中的工会“急先锋”</span></li>' in nav
    profile = (real_site / "output/profiles/han-feng-guang/index.html").read_text()
    assert '<li><a href="../../organizations/daxing/index.html">区总工会</a></li>' in profile
    places = (real_site / "output/places/index.html").read_text()
    assert '<li><a href="../profiles/index.html">人物</a></li>' in places
    assert 'class="breadcrumbs"' not in (real_site / "output/index.html").read_text()


def test_previous_and_next_edition(real_site: Path):
    first = (real_site / "output/editions/1/index.html").read_text()
    second = (real_site / "output/editions/2/index.html").read_text()
    assert '<a href="../../editions/2/index.html" rel="next"><span class="pager-label">下一期</span>' in first
    assert 'rel="prev"' not in first
    assert '<a href="../../editions/1/index.html" rel="prev"><span class="pager-label">上一期</span>' in second
    assert 'aria-label="前后各期"' in second


def test_previous_and_next_report_within_an_edition(tmp_path: Path, capsys):
    second = "---\ntitle: 第二篇\norganization: daxing\nedition: 1\ndate: 2020-03\n---\n正文。\n"
    root = make_site(tmp_path, {"content/articles/zz-second.md": second})
    assert run(root, capsys=capsys).code == 0
    first = (root / "output/articles/report/index.html").read_text()
    later = (root / "output/articles/zz-second/index.html").read_text()
    assert (
        '<a href="../../articles/zz-second/index.html" rel="next"><span class="pager-label">下一篇</span> 第二篇</a>'
        in first
    )
    assert (
        '<a href="../../articles/report/index.html" rel="prev"><span class="pager-label">上一篇</span> 测试报道</a>'
        in later
    )
    assert 'aria-label="第1期的其他报道"' in later


def test_profile_lists_reports_by_edition_with_the_sentence(real_site: Path):
    html = (real_site / "output/profiles/wang-juan/index.html").read_text()
    mentions = section(html, "见于报道")
    assert '<a href="../../editions/2/index.html">第2期 · ' in mentions
    assert '<a href="../../articles/jingkaiqu-gong-liliang/index.html">闻令而动！彰显抗疫“工”力量</a>' in mentions
    assert "有同心抗疫，热情服务的王娟；" in text(mentions)


def test_profile_suggests_colleagues_at_the_same_place_first(real_site: Path):
    html = (real_site / "output/profiles/gao-yun-feng/index.html").read_text()
    near = section(html, "同一地点或部门的同事")
    for name in ("韩锋光", "韩志森", "于勇"):
        assert f">{name}</a>" in near
    rest = section(html, "区总工会的同事")
    assert ">施剑</a>" in rest and ">于勇</a>" not in rest
    # Same department (青年公寓工会服务站) counts as well.
    assert ">朱晨莹</a>" in section(
        (real_site / "output/profiles/wang-yan/index.html").read_text(), "同一地点或部门的同事"
    )


def crowded_site(tmp_path: Path) -> Path:
    """31 people in one union: 施剑, 赵明 (sent to 榆垓镇南黑垓村), 15 more sent to 榆垓镇 (杨明,
    the last of them, to 南黑垓村 as well) and 14 who stayed at their desks."""
    surnames = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕曹严华金喻陶范谢"  # no two alike in pinyin
    files = {}
    for i, surname in enumerate(surnames):
        sent = ""
        if i < 16:
            place = "\n  place: 南黑垓村" if i in (0, 15) else ""
            sent = f"sent_to:\n  town: 榆垓镇{place}\n"
        files[f"content/profiles/p{i:02d}.md"] = (
            f"---\nname: {surname}明\norganization: daxing\nrole: 干事\n{sent}---\n在社区值守。\n"
        )
    return make_site(tmp_path, files)


def cards(html: str) -> list[str]:
    return re.findall(r'<h3 class="card-title"><a href="[^"]+">([^<]+)</a></h3>', html)


def test_profile_shows_a_dozen_cards_a_list_most_related_first_and_links_to_the_rest(tmp_path: Path, capsys):
    root = crowded_site(tmp_path)
    assert run(root, capsys=capsys).code == 0
    html = (root / "output/profiles/zhao-ming/index.html").read_text()
    near = section(html, "同一地点或部门的同事")
    # 杨明 shares the town and the village, the others only the town: first, then in pinyin order.
    assert [name[0] for name in cards(near)] == list("杨陈褚冯韩蒋李钱沈孙王卫")
    assert "另有 3 位未列出。" in text(near)
    assert links(near)["查看下沉到榆垓镇的全部干部"] == "../../places/index.html#yu-gai-zhen"
    assert 'id="yu-gai-zhen"' in (root / "output/places/index.html").read_text()

    rest = section(html, "区总工会的同事")
    shown = cards(rest)
    assert len(shown) == 12 and not set(shown) & set(cards(near))  # 30 others, 12 of them shown above
    assert links(rest)["查看区总工会全部 31 位工会干部"] == "../../organizations/daxing/index.html#people-title"
    org = (root / "output/organizations/daxing/index.html").read_text()
    assert 'id="people-title"' in org and len(cards(section(org, "工会干部"))) == 31


def test_short_lists_of_colleagues_have_no_link_to_the_rest(real_site: Path):
    for page in (real_site / "output/profiles").glob("*/index.html"):
        html = page.read_text()
        assert "未列出" not in html and "#people-title" not in html, page


def test_moving_a_person_left_off_the_list_updates_the_count_in_an_incremental_build(tmp_path: Path, capsys):
    root = crowded_site(tmp_path / "site")
    assert run(root, capsys=capsys).code == 0
    page = root / "output/profiles/zhao-ming/index.html"
    assert "另有 3 位未列出。" in text(page.read_text())
    # 吴明 is one of the three left off; moved to another town, they are no longer a neighbour.
    moved = root / "content/profiles/p05.md"
    moved.write_text(moved.read_text(encoding="utf-8").replace("town: 榆垓镇", "town: 西红门镇"), encoding="utf-8")
    extra = "---\nname: 邓明\norganization: daxing\n---\n在机关值守。\n"
    (root / "content/profiles/p99.md").write_text(extra, encoding="utf-8")
    assert run(root, capsys=capsys).code == 0
    html = page.read_text()
    assert "另有 2 位未列出。" in text(html)
    assert "查看区总工会全部 32 位工会干部" in html

    clean = tmp_path / "clean"
    shutil.copytree(root, clean, ignore=shutil.ignore_patterns("output", ".frontline-cache"))
    assert run(clean, capsys=capsys).code == 0
    built = {p.relative_to(root / "output"): p.read_bytes() for p in (root / "output").rglob("*.html")}
    assert built == {p.relative_to(clean / "output"): p.read_bytes() for p in (clean / "output").rglob("*.html")}
