"""End-to-end: the real content builds into a whole, linked site; bad input never costs it."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag

import pytest
import yaml

from frontline.cli import main
from tests.conftest import REPO, make_site, run

PROFILE_NAMES = [
    "施剑",
    "于勇",
    "韩锋光",
    "高云峰",
    "韩志森",
    "史淑梅",
    "居丽虹",
    "董怡",
    "王娟",
    "王妍",
    "焦雪",
    "生赫",
    "朱晨莹",
    "王霜",
]


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        for name in ("href", "src"):
            if (
                attrs.get(name)
                and tag != "link"
                or (tag == "link" and attrs.get("rel") == "stylesheet" and name == "href")
            ):
                self.hrefs.append(attrs[name])


def parse(path: Path) -> Links:
    links = Links()
    links.feed(path.read_text(encoding="utf-8"))
    return links


def crawl(out: Path) -> set[Path]:
    """Every file reachable by links from the front page."""
    seen: set[Path] = set()
    todo = [out / "index.html"]
    while todo:
        page = todo.pop()
        if page in seen:
            continue
        seen.add(page)
        if page.suffix != ".html":
            continue
        for href in parse(page).hrefs:
            target, _ = urldefrag(href)
            if not target or re.match(r"^[a-z]+:", target):
                continue
            resolved = (page.parent / target).resolve()
            assert resolved.is_file(), f"{page.relative_to(out)} links to missing {href}"
            todo.append(resolved)
    return seen


def test_every_page_is_reachable_from_the_front_page(real_site: Path):
    out = real_site / "output"
    # The search index is fetched by Pagefind's script, piece by piece, not linked.
    built = {
        p.resolve()
        for p in out.rglob("*")
        if p.is_file() and p.name != ".frontline-output" and p.relative_to(out).parts[0] != "pagefind"
    }
    reachable = crawl(out)
    # Crawlers find robots.txt and the sitemap at the root; people never link to them.
    assert built - reachable == {(out / name).resolve() for name in ("404.html", "robots.txt", "sitemap.xml")}


def test_every_profile_report_organization_and_figure_appears(real_site: Path):
    out = real_site / "output"
    for name in PROFILE_NAMES:
        pages = list((out / "profiles").glob("*/index.html"))
        assert any(f'<h1 class="profile-name">{name}</h1>' in p.read_text() for p in pages), name
    assert (out / "profiles/shi-jian/index.html").is_file()
    assert (out / "profiles/han-feng-guang/index.html").is_file()
    stats = (out / "stats/index.html").read_text()
    for file in (REPO / "content/stats").glob("*.yaml"):
        for fig in yaml.safe_load(file.read_text())["figures"]:
            assert f'id="{fig["key"]}"' in stats
            assert fig["source"] in stats
    for org in ("大兴区总工会", "北京经济技术开发区总工会"):
        assert org in (out / "organizations/index.html").read_text()
    for article in (REPO / "content/articles").glob("*.md"):
        assert (out / "articles" / article.stem / "index.html").is_file()


def test_figures_print_with_qualifier_and_chinese_units(real_site: Path):
    html = (real_site / "output/articles/jingkaiqu-gong-liliang/index.html").read_text()
    text = re.sub(r"<[^>]+>", "", html)
    for phrase in ("筹集资金近1000万元", "近7万人", "1万份", "50万元"):
        assert phrase in text
    gao = re.sub(r"<[^>]+>", "", (real_site / "output/articles/daxing-jixianfeng/index.html").read_text())
    assert "1000多套回迁房分布在10多个小区" in gao
    assert "40余户" in gao


def test_a_quote_and_a_summary_print_the_figures_they_cite(real_site: Path):
    # shi-jian.md's quote cites {{fig shi-jian-party-years}}: the page, its description and the feed
    # say the registered figure, as text (a link inside a pull quote would break the quotation).
    page = (real_site / "output/profiles/shi-jian/index.html").read_text()
    said = "作为一名有近30年党龄的老党员，在关键时候就要挺身而出！"
    assert f'<blockquote class="pull-quote"><p>“{said}”</p>' in page
    # 韩锋光's quote cites {{fig han-feng-guang-party-years}}, and leads the edition's pull quotes.
    edition = (real_site / "output/editions/1/index.html").read_text()
    first = re.search(r'<figure class="edition-quote">\s*<blockquote><p>(.*?)</p>', edition)
    assert first and first.group(1).startswith("疫情防控是一场全民行动，自己作为一名20多年党龄的老党员，")


def test_pages_are_chinese_and_self_contained(real_site: Path):
    for page in (real_site / "output").rglob("*.html"):
        if page.name == "email.html":
            continue  # read in a mail program, away from the site: tests/test_email.py has its rules
        html = page.read_text()
        assert html.startswith('<!DOCTYPE html>\n<html lang="zh-CN">')
        assert "{{" not in html, page
        # No request to any other host: no absolute src or stylesheet URL.
        assert not re.search(r'(src|href)="(https?:)?//', html.replace('rel="canonical" href="https://', "")), page


def test_same_input_gives_identical_bytes(real_site: Path, tmp_path: Path):
    other = tmp_path / "again"
    assert main(["--root", str(real_site), "build", "--out", str(other)]) == 0
    first = {
        p.relative_to(real_site / "output"): p.read_bytes() for p in (real_site / "output").rglob("*") if p.is_file()
    }
    second = {p.relative_to(other): p.read_bytes() for p in other.rglob("*") if p.is_file()}
    assert first == second


BROKEN = {
    "malformed YAML": (
        {"content/stats/daxing.yaml": "figures:\n  - key: a\n   label: 错位\n"},
        "content/stats/daxing.yaml:3:",
        "YAML 语法错误",
    ),
    "missing field": (
        {"content/editions/1.yaml": "number: 1\ndate: 2020\n"},
        "content/editions/1.yaml:1:1: error: [title] 缺少必填字段 title",
        "",
    ),
    "wrong type": (
        {"content/editions/1.yaml": "number: 1\ntitle: [一]\ndate: 2020\n"},
        "content/editions/1.yaml:2:1: error: [title] 应为文本",
        "",
    ),
    "unknown organization": (
        {"content/profiles/shi-jian.md": "---\nname: 施剑\norganization: nowhere\n---\n"},
        "content/profiles/shi-jian.md:3:1: error: [organization] 未知的组织 nowhere",
        "",
    ),
    "unknown figure": (
        {"content/profiles/shi-jian.md": "---\nname: 施剑\norganization: daxing\n---\n{{fig nope}}\n"},
        "content/profiles/shi-jian.md:5:1: error: [body] 未知的数字编号 nope",
        "",
    ),
    "duplicate slug": (
        {"content/profiles/copy.md": "---\nname: 施剑\norganization: daxing\n---\n"},
        "content/profiles/shi-jian.md:1:1: error: [slug] 人物网址 shi-jian 与 content/profiles/copy.md",
        "",
    ),
}


@pytest.mark.parametrize("case", list(BROKEN), ids=list(BROKEN))
def test_bad_input_is_located_and_keeps_previous_output(tmp_path: Path, capsys, case: str):
    root = make_site(tmp_path)
    assert run(root, capsys=capsys).code == 0
    before = {p: p.read_bytes() for p in (root / "output").rglob("*") if p.is_file()}
    files, expected, extra = BROKEN[case]
    from tests.conftest import write_files

    write_files(root, files)
    result = run(root, capsys=capsys)
    assert result.code == 1
    assert expected in result.err
    assert extra in result.err
    assert "Traceback" not in result.err
    after = {p: p.read_bytes() for p in (root / "output").rglob("*") if p.is_file()}
    assert after == before
