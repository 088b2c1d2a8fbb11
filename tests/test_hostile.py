"""Hostile text pasted into content: every field is escaped, every body sanitized, every bad
URL reported at its line. The corpus holds the classic cross-site-scripting payloads."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
import yaml
from markupsafe import escape

from frontline.prose import SHORTCODE
from frontline.sanitize import CSP, CSP_HEADER_ONLY
from tests.conftest import REPO, make_site, run
from tests.scan import unsafe, unsafe_in_site

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '"><script>alert(1)</script>',
    "'><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "</textarea><script>alert(1)</script>",
    '<iframe src="javascript:alert(1)"></iframe>',
    '<a href="javascript:alert(1)">点我</a>',
    '<a href="JaVaScRiPt:alert(1)">点我</a>',
    '<a href="jav&#x09;ascript:alert(1)">点我</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">点我</a>',
    '<a href=" javascript:alert(1)">点我</a>',
    '<a href="vbscript:msgbox(1)">点我</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">点我</a>',
    '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    "<body onload=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    '<base href="https://evil.example/">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<form action="javascript:alert(1)"><button>提交</button></form>',
    "<input autofocus onfocus=alert(1)>",
    "<style>@import 'https://evil.example/x.css';</style>",
    '<div style="background:url(javascript:alert(1))">字</div>',
    '<link rel=stylesheet href="https://evil.example/x.css">',
    "<!--<script>alert(1)//-->",
    "<scr<script>ipt>alert(1)</script>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    '<a href="#" onclick="alert(1)">点我</a>',
    "<IMG SRC=`javascript:alert(1)`>",
    "<img src=x:alert(alt) onerror=eval(src) alt=0>",
    "<x onmouseover=alert(1)>悬停</x>",
    "<a href='java\nscript:alert(1)'>点我</a>",
    "{{ 7*7 }}{% raw %}",
    "${7*7}<%= 7*7 %>",
    "javascript:alert(1)",
    "\u2028\u2029<script>alert(1)</script>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
]
# Markdown's own ways of writing a link or an image, with a hostile target.
MARKDOWN_PAYLOADS = [
    "[点我](javascript:alert(1))",
    "[点我](JAVASCRIPT:alert(1))",
    "[点我](javas&#99;ript:alert(1))",
    "[点我](<javascript:alert(1)>)",
    "![图](javascript:alert(1))",
    "[点我](data:text/html,<script>alert(1)</script>)",
    "[点我](vbscript:msgbox(1))",
    "[点我][ref]\n\n[ref]: javascript:alert(1)",
    "<javascript:alert(1)>",
    '[点我](https://example.org/ "title\\" onmouseover=\\"alert(1)")',
]
ID = [f"p{i:02d}" for i in range(len(PAYLOADS))]


def dump(data: dict) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def hostile_site(tmp_path: Path, value: str, cited: str | None = None) -> Path:
    """A site whose every free-text field, in every kind of file, holds value; the fields that
    may cite figures ({{fig KEY}}: a summary, a quote) hold cited instead when it is given."""
    v = value
    c = value if cited is None else cited
    article = {"title": v, "subtitle": c, "kicker": v, "lead": c, "byline": [{"role": v, "name": v}]}
    article |= {"organization": "daxing", "edition": 1, "date": "2020-02", "summary": c}
    profile = {"name": v[:20], "organization": "daxing", "role": v, "department": v}
    profile |= {"sent_to": {"town": v, "place": v}, "quote": c, "summary": c, "slug": "shi-jian"}
    figure = {"key": "leaders", "label": v, "value": 5, "unit": v, "organization": "daxing"}
    figure |= {"article": "report", "source": v}
    files = {
        "content/site.yaml": dump({"title": v, "description": v, "base_url": "https://example.org/"}),
        "content/organizations/daxing.yaml": dump({"name": v, "short_name": v, "description": v}),
        "content/editions/1.yaml": dump({"number": 1, "title": v, "date": "2020-02", "summary": c}),
        "content/articles/report.md": f"---\n{dump(article)}---\n施剑下沉一线，共{{{{fig leaders}}}}。\n",
        "content/profiles/shi-jian.md": f"---\n{dump(profile)}---\n正文。\n",
        "content/stats/daxing.yaml": dump({"figures": [figure]}),
    }
    return make_site(tmp_path / "site", files)


@pytest.mark.parametrize("payload", PAYLOADS, ids=ID)
def test_payload_in_every_field_is_shown_as_text(tmp_path: Path, capsys, payload: str):
    # A payload that reads as a shortcode is refused where fields cite figures (the next test).
    cited = "摘要文字" if SHORTCODE.search(payload) else None
    root = hostile_site(tmp_path, payload, cited)
    result = run(root, capsys=capsys)
    assert result.code == 0, result.err
    out = root / "output"
    assert unsafe_in_site(out) == {}
    shown = str(escape(payload.strip()))
    article = (out / "articles/report/index.html").read_text()
    assert f'<h1 class="report-title">{shown}</h1>' in article
    assert f"<title>{shown} · {shown}</title>" in article
    profile = (out / "profiles/shi-jian/index.html").read_text()
    assert str(escape(payload[:20].strip())) in profile
    assert (out / "stats/index.html").read_text().count(shown) >= 2  # label and source
    # The unit, printed inside a body through {{fig leaders}}, is text there too.
    fig = re.search(r'<a class="fig"[^>]*>(.*?)</a>', article, re.S)
    assert "<" not in fig.group(1)
    assert html.unescape(fig.group(1)).replace("5 ", "5", 1) == "5" + payload.strip()


def test_a_template_payload_where_fields_cite_figures_is_refused_at_each_field(tmp_path: Path, capsys):
    root = hostile_site(tmp_path, "摘要文字", cited="{{ 7*7 }}{% raw %}")
    result = run(root, capsys=capsys)
    assert result.code == 1
    assert "Traceback" not in result.err
    refused = " 中只能用 {{fig 编号}} 引用数字，{{ 7*7 }} 在这里不起作用"
    at = re.findall(r"^(content/\S+:\d+):\d+: error: \[(\w+)\] (\w+)" + re.escape(refused), result.err, re.M)
    assert sorted((where.split(":")[0], field) for where, field, named in at if field == named) == [
        ("content/articles/report.md", "lead"),
        ("content/articles/report.md", "subtitle"),
        ("content/articles/report.md", "summary"),
        ("content/editions/1.yaml", "summary"),
        ("content/profiles/shi-jian.md", "quote"),
        ("content/profiles/shi-jian.md", "summary"),
    ]
    assert not (root / "output").exists()


@pytest.mark.parametrize("payload", PAYLOADS + MARKDOWN_PAYLOADS, ids=ID + [f"md{i}" for i in range(10)])
def test_payload_in_a_body_is_sanitized_or_refused(tmp_path: Path, capsys, payload: str):
    body = f"第一段。\n\n{payload}\n\n最后一段。\n"
    root = make_site(
        tmp_path / "site", {"content/profiles/shi-jian.md": f"---\nname: 施剑\norganization: daxing\n---\n{body}"}
    )
    result = run(root, capsys=capsys)
    assert "Traceback" not in result.err
    # Every message points into the body: the payload starts on line 7 of the file.
    for line in result.err.splitlines()[:-1]:
        assert re.match(r"content/profiles/shi-jian\.md:(7|8|9):\d+: (error|warning): (\[body\] )?", line), line
    if result.code == 1:  # refused: an error at the payload's line, and nothing published
        assert ": error: " in result.err
        assert not (root / "output").exists()
        return
    assert result.code == 0
    page = (root / "output/profiles/shi-jian/index.html").read_text()
    assert unsafe(page) == []
    # Text before the payload is intact (after an unclosed <style> or <math>, a browser too
    # would show nothing: the sanitizer drops what such an element swallows).
    assert "第一段。" in page


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("[点我](javascript:alert(1))", "6:6: warning: [body] 不安全的地址 javascript:alert(1)（javascript:）已被移除"),
        ("看这里 <a href='vbscript:x'>x</a>", "6:14: warning: [body] 不安全的地址 vbscript:x（vbscript:）已被移除"),
        (
            "![照片](data:image/png;base64,AAAA)",
            "6:7: warning: [body] 不安全的地址 data:image/png;base64,AAAA（data:）",
        ),
        ("<img src=x onerror=alert(1)>", "6:12: warning: [body] 正文 HTML 里的事件属性 onerror= 不安全，已被移除"),
        ("<script>alert(1)</script>", "6:1: warning: [body] 正文里的 HTML 标签 <script> 不安全，已被移除"),
        (
            "![照片](https://evil.example/a.png)",
            "6:7: error: [body] 图片不能引用其他网站的地址 https://evil.example/a.png",
        ),
        ("<img src='//evil.example/a.png'>", "6:11: error: [body] 地址 //evil.example/a.png 缺少 https:"),
        ("<a href='../../../etc/passwd'>上级</a>", "6:10: error: [body] 路径 ../../../etc/passwd 跳出了网站目录"),
        ("<a href=..%2F..%2F..%2Fx>编码</a>", "6:9: error: [body] 路径 ..%2F..%2F..%2Fx 跳出了网站目录"),
        ("<a href=/etc/passwd>根</a>", "6:9: error: [body] 不能使用绝对路径 /etc/passwd"),
        # Markdown links are relative to the source file; checks.py refuses those leaving content/.
        ("[上级](../../../etc/passwd)", "6:1: error: [body] 无法识别的内部链接 ../../../etc/passwd"),
        ("![图](../../../etc/passwd)", "6:1: error: [body] 图片 ../../../etc/passwd 不在 content/media/ 中"),
        ("[根](/etc/passwd)", "6:1: error: [body] 无法识别的内部链接 /etc/passwd"),
        ("[盘](C:\\Windows\\win.ini)", "6:5: warning: [body] 不安全的地址 C:\\Windows\\win.ini（c:）已被移除"),
    ],
)
def test_bad_urls_are_reported_at_their_line_and_column(tmp_path: Path, capsys, line: str, expected: str):
    text = f"---\nname: 施剑\norganization: daxing\n---\n第一段。\n{line}\n"
    root = make_site(tmp_path / "site", {"content/profiles/shi-jian.md": text})
    result = run(root, capsys=capsys)
    assert f"content/profiles/shi-jian.md:{expected}" in result.err
    assert result.code == (1 if ": error: " in expected else 0)


def test_good_links_pass_without_a_word(tmp_path: Path, capsys):
    body = (
        "[人物](../articles/report.md) [官网](https://example.org/a?b=1#c)\n"
        "[信](mailto:a@example.org) [电话](tel:12345)\n"
        "`<script>` 在代码里只是文字。\n\n```\n<script>alert(1)</script>\n```\n"
    )
    root = make_site(
        tmp_path / "site", {"content/profiles/shi-jian.md": f"---\nname: 施剑\norganization: daxing\n---\n{body}"}
    )
    result = run(root, capsys=capsys)
    assert result.code == 0
    assert "warning" not in result.err
    page = (root / "output/profiles/shi-jian/index.html").read_text()
    for href in (
        "../../articles/report/index.html",
        "https://example.org/a?b=1#c",
        "mailto:a@example.org",
        "tel:12345",
    ):
        assert f'href="{escape(href)}"' in page
    assert "<code>&lt;script&gt;</code>" in page
    assert unsafe(page) == []


def test_hostile_base_url_is_escaped(tmp_path: Path, capsys):
    site = dump({"title": "站", "description": "述", "base_url": 'https://example.org/"><script>alert(1)</script>/'})
    root = make_site(tmp_path / "site", {"content/site.yaml": site})
    result = run(root, capsys=capsys)
    if result.code == 0:
        assert unsafe_in_site(root / "output") == {}
    else:
        assert "content/site.yaml:3:1: error: [base_url]" in result.err


def test_every_page_carries_the_content_security_policy(real_site: Path):
    meta = f'<meta http-equiv="Content-Security-Policy" content="{escape(CSP)}">'
    # The email edition is mail, not a page: mail programs need its inline styles and ignore CSP.
    for page in (p for p in (real_site / "output").rglob("*.html") if p.name != "email.html"):
        head = page.read_text().split("</head>")[0]
        assert meta in head, page
        assert head.index(meta) < head.index("<link"), page  # before anything it governs
    assert "script-src 'self' 'wasm-unsafe-eval';" in CSP and "'unsafe-inline'" not in CSP
    assert "default-src 'none'" in CSP


def test_the_server_sends_the_same_policy():
    nginx = REPO / "deploy/nginx.conf"
    if not nginx.exists():
        pytest.skip("deploy/nginx.conf not written yet")
    conf = nginx.read_text()
    header = re.search(r'add_header Content-Security-Policy "([^"]*)" always;', conf).group(1)
    # The style source is a map (the email edition alone may use inline styles): for pages,
    # its default is what the <meta> says.
    default = re.search(r"map \$uri \$frontline_style_src \{\s*default\s+\"([^\"]*)\";", conf)
    if default:
        header = header.replace("$frontline_style_src", default.group(1))
    assert header == f"{CSP}; {CSP_HEADER_ONLY}"
