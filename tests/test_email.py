"""The email edition: one self-contained HTML file per edition, plus plain text, all links absolute."""

from __future__ import annotations

import re
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from uniseg.linebreak import line_break_breakables
from uniseg.wrap import tt_width, tt_wrap

from frontline import email
from tests.conftest import REPO, make_site, run

BASE = "https://example.org/"


class Mail(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.styles.append(data)


def mail(path: Path) -> Mail:
    parser = Mail()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def editions() -> list[int]:
    return sorted(
        yaml.safe_load(p.read_text(encoding="utf-8"))["number"] for p in (REPO / "content/editions").glob("*.yaml")
    )


@pytest.mark.parametrize("number", editions())
def test_email_html_is_self_contained_with_inlined_css_and_absolute_links(real_site: Path, number: int):
    path = real_site / f"output/editions/{number}/email.html"
    found = mail(path)
    tags = [t for t, _ in found.tags]
    assert "script" not in tags and "link" not in tags and "iframe" not in tags
    assert not any(name.startswith("on") for _, attrs in found.tags for name in attrs)
    # CSS is inlined: what is left in <style> is only the phone layout, which cannot be inlined.
    leftover = re.sub(r"@media[^{]*\{(?:[^{}]*\{[^{}]*\})*[^{}]*\}", "", "".join(found.styles))
    assert leftover.strip() == ""
    assert "@import" not in "".join(found.styles) and "url(" not in path.read_text(encoding="utf-8")
    styled = [attrs for t, attrs in found.tags if t in ("p", "h1", "h2", "td", "table", "a")]
    assert all("style" in attrs for attrs in styled)
    # Table layout, 600 px wide, marked as presentation for screen readers.
    sheets = [a for t, a in found.tags if t == "table" and "width: 600px" in a.get("style", "")]
    assert len(sheets) == 1 and sheets[0]["role"] == "presentation"
    # Every link and source is an absolute URL to the site.
    urls = [a[name] for _, a in found.tags for name in ("href", "src") if name in a]
    assert urls and all(u.startswith(BASE) for u in urls), [u for u in urls if not u.startswith(BASE)]
    assert f'href="{BASE}editions/{number}/"' in path.read_text(encoding="utf-8")


def test_email_carries_the_whole_edition(real_site: Path):
    html = (real_site / "output/editions/2/email.html").read_text(encoding="utf-8")
    text = re.sub(r"<[^>]+>", "", html)
    for phrase in (
        "闻令而动！彰显抗疫“工”力量",
        "本报记者 陈曦",
        "筹集资金近1000万元",
        "本期数字",
        "本期人物",
        "居丽虹",
    ):
        assert phrase in text, phrase
    assert "{{" not in html
    daxing = re.sub(r"<[^>]+>", "", (real_site / "output/editions/1/email.html").read_text(encoding="utf-8"))
    assert "▲" in daxing or "大兴区总工会副主席施剑（前）到社区参与防控工作" in daxing  # photo captions kept


@pytest.mark.parametrize("number", editions())
def test_email_text_is_plain_wrapped_and_linked(real_site: Path, number: int):
    text = (real_site / f"output/editions/{number}/email.txt").read_text(encoding="utf-8")
    assert "<" not in text and "{{" not in text and "&amp;" not in text and "&quot;" not in text
    assert f"在网站上阅读本期：{BASE}editions/{number}/" in text
    for line in text.splitlines():
        assert not line or tt_width(line, ambiguous_as_wide=True) <= 72 or re.search(r"https?://\S+$", line), line
        assert not re.match(r"^[，。、；：！？）》」』]", line), line  # no line starts with closing punctuation
        assert len(line.encode("utf-8")) < 998  # RFC 5322 line limit
    urls = re.findall(r"https?://\S+", text)
    assert urls and all(u.startswith(BASE) for u in urls)


def test_edition_page_links_both_email_versions(real_site: Path):
    html = (real_site / "output/editions/1/index.html").read_text(encoding="utf-8")
    for name in ("email.html", "email.txt"):
        href = re.search(rf'href="([^"]*{name})"', html).group(1)
        assert (real_site / "output/editions/1" / href).resolve() == (real_site / "output/editions/1" / name)


def test_relative_links_in_bodies_become_absolute_under_a_sub_path(tmp_path: Path, capsys):
    root = make_site(
        tmp_path / "site",
        {
            "content/site.yaml": "title: 测试站\ndescription: 用于测试的站点\nbase_url: https://example.org/news/\n",
            "content/articles/report.md": """\
                ---
                title: 测试报道
                lead: 导语
                organization: daxing
                edition: 1
                date: 2020-02
                ---
                机关选派{{fig leaders}}领导干部下沉一线。见[施剑](../profiles/shi-jian.md)与[上文](#top)。

                {{photo ▲施剑到社区参与防控工作}}
                """,
        },
    )
    assert run(root, capsys=capsys).code == 0
    html = (root / "output/editions/1/email.html").read_text(encoding="utf-8")
    urls = re.findall(r'(?:href|src)="([^"]+)"', html)
    assert all(u.startswith("https://example.org/news/") for u in urls), urls
    assert 'href="https://example.org/news/profiles/shi-jian/"' in html
    assert 'href="https://example.org/news/stats/#leaders"' in html
    assert "▲施剑到社区参与防控工作" in html
    text = (root / "output/editions/1/email.txt").read_text(encoding="utf-8")
    assert "（图片说明：▲施剑到社区参与防控工作）" in text
    assert "机关选派5名领导干部下沉一线。见施剑与上文。" in text


# --- The text edition's wrapping gives exactly uniseg's lines -------------------------------------


def uniseg_wrap(text: str, indent: str = "") -> str:
    """The plain uniseg wrapping frontline.email.wrap must reproduce byte for byte."""
    full = indent + " ".join(text.split("\n"))
    return "\n".join(line.rstrip() for line in tt_wrap(full, 72, ambiguous_as_wide=True))


def paragraphs(bodies: list[str]) -> list[str]:
    return [b.strip() for body in bodies for b in re.split(r"\n\s*\n", body) if b.strip()]


def real_bodies() -> list[str]:
    return [p.read_text(encoding="utf-8").split("---", 2)[-1] for p in sorted((REPO / "content").rglob("*.md"))]


def bench_bodies() -> list[str]:
    sys.path.insert(0, str(REPO / "bench"))
    try:
        from corpus import generate
    finally:
        sys.path.remove(str(REPO / "bench"))
    # A sample of 30 pages, a profile or report of each kind: uniseg itself takes ~0.1 s a paragraph.
    return [page.body for page in generate(200)[1][::7][:30]]


@pytest.mark.parametrize("source", [real_bodies, bench_bodies])
def test_wrapping_equals_uniseg_on_real_and_benchmark_text(source):
    found = paragraphs(source())
    assert len(found) > 20
    for text in found:
        flat = " ".join(text.split("\n"))
        assert email.breakables(flat) == list(line_break_breakables(flat)), text
        for indent in ("", "　　"):
            assert email.wrap(text, indent) == uniseg_wrap(text, indent), text


# Characters that matter to UAX #14 and #29 next to Chinese: ideographs, CJK and Western punctuation,
# quotes of both kinds, digits and signs, spaces, combining marks, joiners, emoji, Hangul jamo, flags.
INTERESTING = list(
    "工会干部抗疫一线志愿者社区，。、；：！？（）《》【】「」『』“”‘’…—·%％.,-‐/+$¥# 　\t0123456789"
    "abcXYZαβ\u0301\u200d\u200b\u2060\u00a0\ufe0f👍🏽❤👨\U0001f1e8\U0001f1f3\u1100\u1161\u11a8가〜ー々ぁァ\u3000\r"
)


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet=st.one_of(st.sampled_from(INTERESTING), st.characters(exclude_categories=["Cs"])), max_size=200),
    st.sampled_from(["", "　　"]),
)
def test_wrapping_equals_uniseg_on_generated_text(text: str, indent: str):
    assert email.breakables(text) == list(line_break_breakables(text))
    assert email.wrap(text, indent) == uniseg_wrap(text, indent)
