"""Search in Chinese: the build makes a Pagefind index, and in a real browser (Debian's Chromium
against the nginx-served build, under the deploy Content-Security-Policy) the words readers type
find the right pages. Without JavaScript, or from file://, the search page says so and links
to the indexes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from tests.browsing import DESKTOP, open_page
from tests.conftest import make_site, run
from tests.webserver import Nginx

PEOPLE = {
    "施剑": "shi-jian",
    "于勇": "yu-yong",
    "韩锋光": "han-feng-guang",
    "高云峰": "gao-yun-feng",
    "韩志森": "han-zhi-sen",
    "史淑梅": "shi-shu-mei",
    "居丽虹": "ju-li-hong",
    "董怡": "dong-yi",
    "王娟": "wang-juan",
    "王妍": "wang-yan",
    "焦雪": "jiao-xue",
    "生赫": "sheng-he",
    "朱晨莹": "zhu-chen-ying",
    "王霜": "wang-shuang",
}
DAXING = "/articles/daxing-jixianfeng/"
JINGKAIQU = "/articles/jingkaiqu-gong-liliang/"
# Each word, and pages it must find (the source reports say these words on these pages).
WORDS = {
    "核酸": [JINGKAIQU, "/profiles/dong-yi/", "/profiles/jiao-xue/", "/profiles/sheng-he/", "/profiles/zhu-chen-ying/"],
    "榆垓镇": [
        DAXING,
        "/places/#yu-gai-zhen",
        "/profiles/gao-yun-feng/",
        "/profiles/han-feng-guang/",
        "/profiles/han-zhi-sen/",
        "/profiles/yu-yong/",
    ],
    "志愿者": [JINGKAIQU, "/stats/"],
    "经审办": [DAXING, "/profiles/han-feng-guang/"],
}

SEARCH = """async ([bundle, word, filters]) => {
  const pagefind = await import(bundle + "pagefind.js");
  const found = await pagefind.search(word, filters ? {filters} : {});
  const data = await Promise.all(found.results.map((r) => r.data()));
  // Each page, then the headings inside it that matched (Pagefind's sub-results).
  return data.flatMap((d) => [d.url, ...d.sub_results.map((s) => s.url).filter((u) => u !== d.url)]);
}"""


def test_build_writes_the_index_into_the_site(real_site: Path):
    out = real_site / "output"
    entry = json.loads((out / "pagefind/pagefind-entry.json").read_text())
    (language,) = entry["languages"]
    assert language == "zh-cn"
    assert (out / "pagefind/pagefind-ui.js").is_file()
    # Every report, profile, edition and union, the figures page and the place index.
    expected = 2 + 14 + 2 + 2 + 1 + 1
    assert entry["languages"]["zh-cn"]["page_count"] == expected
    search = (out / "search/index.html").read_text()
    assert '<link rel="stylesheet" href="../pagefind/pagefind-ui.css">' in search
    assert '<script src="../pagefind/pagefind-ui.js" defer></script>' in search


def test_a_failed_index_keeps_the_previous_site(tmp_path: Path, capsys, monkeypatch):
    root = make_site(tmp_path)
    assert run(root, capsys=capsys).code == 0
    before = {p: p.read_bytes() for p in (root / "output").rglob("*") if p.is_file()}
    (root / "content/profiles/shi-jian.md").write_text("---\nname: 施剑\norganization: daxing\n---\n新的正文。\n")
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(tmp_path / "no-such-pagefind"))
    result = run(root, capsys=capsys)
    assert result.code == 1
    assert "error: 生成搜索索引失败" in result.err
    assert "Traceback" not in result.err
    assert {p: p.read_bytes() for p in (root / "output").rglob("*") if p.is_file()} == before


@pytest.mark.browser
def test_words_and_every_name_find_the_right_pages(browser: Browser, served_site: Nginx):
    page = browser.new_page()
    watch = open_page(page, served_site.base, "/search/")
    results = {}
    for word, expected in {**WORDS, **{name: [f"/profiles/{slug}/"] for name, slug in PEOPLE.items()}}.items():
        urls = page.evaluate(SEARCH, ["/pagefind/", word, None])
        results[word] = urls
        missing = [u for u in expected if u not in urls]
        assert not missing, f"{word}: {missing} not among {urls}"
    for name, slug in PEOPLE.items():
        # The profile comes first, and every report naming the person is found too.
        assert results[name][0] == f"/profiles/{slug}/", (name, results[name])
        report = DAXING if slug in {"shi-jian", "yu-yong", "han-feng-guang", "gao-yun-feng", "han-zhi-sen"} else None
        report = report or (JINGKAIQU if slug != "shi-shu-mei" else DAXING)
        assert report in results[name], (name, results[name])
    print("\n".join(f"{w}: {len(u)} results: {' '.join(u)}" for w, u in results.items()))
    assert watch.problems == []
    page.close()


@pytest.mark.browser
def test_filters_by_organization_and_edition(browser: Browser, served_site: Nginx):
    page = browser.new_page()
    open_page(page, served_site.base, "/search/")
    filters = page.evaluate('async () => (await import("/pagefind/pagefind.js")).filters()')
    assert set(filters["单位"]) == {"大兴区总工会", "北京经济技术开发区总工会"}
    assert set(filters["期数"]) == {"第1期", "第2期"}
    daxing_only = page.evaluate(SEARCH, ["/pagefind/", "工会", {"单位": "大兴区总工会"}])
    assert DAXING in daxing_only and JINGKAIQU not in daxing_only
    second = page.evaluate(SEARCH, ["/pagefind/", "核酸", {"期数": "第2期"}])
    assert JINGKAIQU in second and DAXING not in second
    page.close()


@pytest.mark.browser
def test_search_page_works_under_the_servers_content_security_policy(browser: Browser, served_site: Nginx):
    context = browser.new_context(**DESKTOP)
    page = context.new_page()
    watch = open_page(page, served_site.base, "/search/?q=榆垓镇")
    page.wait_for_selector(".pagefind-ui__result-link", timeout=15000)
    links = page.eval_on_selector_all(".pagefind-ui__result-link", "els => els.map(e => e.getAttribute('href'))")
    assert "/profiles/gao-yun-feng/" in links
    assert page.locator(".pagefind-ui__filter-panel").count() == 1
    page.fill(".pagefind-ui__search-input", "韩锋光")
    page.wait_for_function(
        "() => [...document.querySelectorAll('.pagefind-ui__result-link')]"
        ".some(a => a.getAttribute('href') === '/profiles/han-feng-guang/')",
        timeout=15000,
    )
    assert page.locator("#search-unavailable").is_hidden()
    assert watch.problems == [], watch.problems  # a CSP violation is a console error
    context.close()


@pytest.mark.browser
def test_without_javascript_the_page_says_so_and_links_to_indexes(browser: Browser, served_site: Nginx):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(served_site.base + "/search/")
    assert "站内搜索需要浏览器启用 JavaScript" in page.inner_text("main")
    for label in ("往期", "人物", "按下沉地点", "按职务", "单位", "数字"):
        assert page.get_by_role("link", name=label, exact=True).count() >= 1, label
    context.close()


@pytest.mark.browser
def test_from_a_file_the_page_explains_instead_of_failing(browser: Browser, real_site: Path):
    page = browser.new_page()
    page.goto((real_site / "output/search/index.html").as_uri())
    note = page.locator("#search-unavailable")
    note.wait_for(state="visible")
    assert "从本地文件打开本站时无法搜索" in note.inner_text()
    page.close()
