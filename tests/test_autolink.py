"""Names link themselves: first mention only, exact, longest first, never inside a longer name,
a link, a heading, code or a figure reference; an editor can turn it off per page."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from frontline.names import NameMatcher
from frontline.prose import FigureLink, Prose
from tests.conftest import make_site, run
from tests.test_build import PROFILE_NAMES

PEOPLE = {
    "施剑": "profiles/shi-jian/index.html",
    "王娟": "profiles/wang-juan/index.html",
    "王娟丽": "profiles/wang-juan-li/index.html",
}


def prose(known: frozenset[str] = frozenset()) -> Prose:
    fig = FigureLink("5名", "下沉干部", "stats/index.html#leaders")
    return Prose(lambda key, root: FigureLink(fig.text, fig.label, root + fig.href), people=PEOPLE, known=known)


def person_links(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<a class="person" href="([^"]+)">([^<]+)</a>', html)


class Checker(HTMLParser):
    """Fails on any end tag that does not close the innermost open element."""

    VOID = {"br", "hr", "img", "meta", "link", "input"}

    def __init__(self):
        super().__init__()
        self.stack: list[str] = []
        self.nested_links = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        if tag == "a" and "a" in self.stack:
            self.nested_links += 1
        self.stack.append(tag)

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack}"
        self.stack.pop()


def well_formed(html: str) -> Checker:
    checker = Checker()
    checker.feed(html)
    checker.close()
    assert checker.stack == []
    assert checker.nested_links == 0
    return checker


def test_first_mention_links_once_and_relative_to_the_page():
    html = prose().html("施剑到社区。施剑又到社区。\n\n第二段：施剑。", "../../")
    assert person_links(html) == [("../../profiles/shi-jian/index.html", "施剑")]
    assert html.count("施剑") == 3
    well_formed(html)


def test_longest_name_first_and_never_inside_a_longer_name():
    html = prose().html("王娟丽来了。王娟娟不是我们的人。后来王娟也来了。", "")
    assert person_links(html) == [
        ("profiles/wang-juan-li/index.html", "王娟丽"),
        ("profiles/wang-juan/index.html", "王娟"),
    ]
    assert "王娟娟不是" in html  # 王娟娟 is someone else: left as plain text


def test_a_known_unlinked_longer_name_is_not_taken_for_a_shorter_one():
    matcher = NameMatcher({"王娟"}, known={"王娟红"})
    # 王娟红 (a byline, say) covers 0-3; only the 王娟 at 5 is our 王娟.
    assert [(m.start, m.end, m.name) for m in matcher.find("王娟红说，王娟在场。")] == [(5, 7, "王娟")]


def test_not_inside_headings_links_code_or_figure_references():
    body = (
        "## 施剑的日记\n\n"
        "[施剑](https://example.org/) 写道：`施剑` 不变。\n\n"
        "机关选派{{fig leaders}}干部，其中有施剑。\n"
    )
    html = prose().html(body, "")
    assert "<h2>施剑的日记</h2>" in html
    assert '<a href="https://example.org/">施剑</a>' in html
    assert "<code>施剑</code>" in html
    assert '<a class="fig" href="stats/index.html#leaders" title="下沉干部">5名</a>' in html
    assert person_links(html) == [("profiles/shi-jian/index.html", "施剑")]
    assert html.index('class="person"') > html.index('class="fig"')
    well_formed(html)


def test_photo_captions_and_emphasis_are_text_too():
    html = prose().html("{{photo 副主席施剑（前）到社区}}\n\n*王娟*和**王娟丽**。", "")
    assert (
        '<figcaption>副主席<a class="person" href="profiles/shi-jian/index.html">施剑</a>（前）到社区</figcaption>'
        in html
    )
    assert '<em><a class="person" href="profiles/wang-juan/index.html">王娟</a></em>' in html
    assert '<strong><a class="person" href="profiles/wang-juan-li/index.html">王娟丽</a></strong>' in html
    well_formed(html)


def test_name_broken_across_lines_is_still_found():
    html = prose().html("副主席施\n剑到社区。", "")
    assert person_links(html) == [("profiles/shi-jian/index.html", "施剑")]


def test_switch_off_and_no_self_link():
    assert person_links(prose().html("施剑到社区。", "", link_names=False)) == []
    html = prose().html("施剑和王娟到社区。", "", skip_name="施剑")
    assert person_links(html) == [("profiles/wang-juan/index.html", "王娟")]


def test_many_names_in_nested_markup_never_break_it():
    body = (
        "> 引用：**施剑、王娟丽和王娟** 都在，[链接里的王娟](x)。\n\n"
        "1. 王娟\n2. *施剑*\n\n| 人 | 事 |\n|---|---|\n| 施剑 | 王娟 |\n"
    )
    html = prose().html(body, "")
    well_formed(html)
    assert sorted(name for _, name in person_links(html)) == ["施剑", "王娟", "王娟丽"]


REPORT_WITH_TWO = """\
---
title: 测试报道
organization: daxing
edition: 1
date: 2020-02
{extra}---
## 于勇的一天

{{{{photo 副主席施剑（前）到社区}}}}

施剑和于勇到社区。于勇勇往直前。施剑又来了。
"""


def email_body(root: Path) -> str:
    """The report's body as the email edition of its edition shows it."""
    email = (root / "output/editions/1/email.html").read_text()
    return email[email.index("于勇的一天</h2>") : email.index("在网站上阅读这篇报道")]


YU_YONG = "---\nname: 于勇\norganization: daxing\n---\n于勇和施剑一起工作。\n"


def test_built_report_links_each_person_once(tmp_path: Path, capsys):
    root = make_site(
        tmp_path,
        {"content/articles/report.md": REPORT_WITH_TWO.format(extra=""), "content/profiles/yu-yong.md": YU_YONG},
    )
    assert run(root, capsys=capsys).code == 0
    html = (root / "output/articles/report/index.html").read_text()
    body = html[html.index('<div class="prose">') : html.index("</article>")]
    assert person_links(body) == [
        ("../../profiles/shi-jian/index.html", "施剑"),
        ("../../profiles/yu-yong/index.html", "于勇"),
    ]
    assert "<h2>于勇的一天</h2>" in body
    well_formed(html)
    # The email edition shows the same body, its names linked as on the page (in full URLs).
    body = email_body(root)
    linked = re.findall(r'<a [^>]*href="https://example.org/profiles/([^"/]+)/index.html"[^>]*>([^<]+)</a>', body)
    assert linked == [("shi-jian", "施剑"), ("yu-yong", "于勇")]
    # Each profile links its colleagues but never itself.
    yu = (root / "output/profiles/yu-yong/index.html").read_text()
    assert person_links(yu) == [("../../profiles/shi-jian/index.html", "施剑")]
    shi = (root / "output/profiles/shi-jian/index.html").read_text()
    assert "见于其他人物介绍" in shi
    assert "<p>于勇和施剑一起工作。</p>" in shi


def test_autolink_false_in_front_matter(tmp_path: Path, capsys):
    root = make_site(
        tmp_path,
        {
            "content/articles/report.md": REPORT_WITH_TWO.format(extra="autolink: false\n"),
            "content/profiles/yu-yong.md": YU_YONG,
        },
    )
    assert run(root, capsys=capsys).code == 0
    html = (root / "output/articles/report/index.html").read_text()
    assert person_links(html) == []
    # The people are still found: the cards and the profiles' mention lists stay.
    assert "本文人物" in html
    assert "测试报道" in (root / "output/profiles/yu-yong/index.html").read_text()
    # The email edition shows the same body: its names are not linked there either.
    body = email_body(root)
    assert "施剑和于勇到社区" in body
    assert 'class="person"' not in body


def test_autolink_must_be_true_or_false(tmp_path: Path, capsys):
    root = make_site(tmp_path, {"content/articles/report.md": REPORT_WITH_TWO.format(extra="autolink: 关\n")})
    result = run(root, capsys=capsys)
    assert result.code == 1
    assert "content/articles/report.md:6:1: error: [autolink]" in result.err


def test_two_profiles_with_one_name_warn_and_do_not_link(tmp_path: Path, capsys):
    twin = "---\nname: 施剑\nslug: shi-jian-2\norganization: daxing\n---\n另一位。\n"
    root = make_site(tmp_path, {"content/profiles/shi-jian-2.md": twin})
    result = run(root, capsys=capsys)
    assert result.code == 0
    assert (
        "content/profiles/shi-jian-2.md:2:1: warning: [name] 人物 施剑 与 content/profiles/shi-jian.md 同名"
        in result.err
    )
    assert person_links((root / "output/articles/report/index.html").read_text()) == []


def test_real_reports_link_every_person_they_name(real_site: Path):
    out = real_site / "output"
    linked = {}
    for page in (out / "articles").glob("*/index.html"):
        html = page.read_text()
        well_formed(html)
        links = person_links(html)
        assert len(links) == len({name for _, name in links}), page  # never twice on a page
        for href, name in links:
            assert (page.parent / href).resolve().is_file()
            linked[name] = href
    assert sorted(linked) == sorted(PROFILE_NAMES)
