"""Hostile or careless text in bodies: what an editor is told, and what a reader never gets.

Two layers, on purpose. `check_body` reads the Markdown an editor wrote and reports, at the
line and column, every link or image that is dangerous (`javascript:` and any scheme but
http, https, mailto, tel), loads from another host, or leads outside the site. `clean` then
runs the HTML of every body through an allowlist sanitizer (nh3, the Rust ammonia library),
so that whatever the line scanner misses still never reaches a page.
"""

from __future__ import annotations

import functools
import html
import posixpath
import re
from urllib.parse import unquote

import nh3

from .errors import Problem

SAFE_SCHEMES = frozenset({"http", "https", "mailto", "tel"})

# Content-Security-Policy of every page, as a <meta> so that it holds from file:// and on any
# static host too. deploy/nginx.conf sends the same policy as a header, plus frame-ancestors
# (which only works as a header). No inline script or style, nothing from another host;
# 'wasm-unsafe-eval' lets the site's own search (Pagefind) compile its WebAssembly and allows
# no JavaScript eval; img-src data: is for the empty favicon (<link rel="icon" href="data:,">).
CSP = (
    "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; worker-src 'self'; manifest-src 'self'; base-uri 'none'; "
    "form-action 'self'"
)
CSP_HEADER_ONLY = "frame-ancestors 'none'"

_TAGS = {
    *("p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "ul", "ol", "li", "dl", "dt", "dd"),
    *("a", "em", "strong", "b", "i", "u", "s", "del", "ins", "mark", "small", "sub", "sup", "code", "pre"),
    *("kbd", "samp", "var", "abbr", "cite", "q", "dfn", "time", "span", "div", "ruby", "rt", "rp", "bdi", "wbr"),
    *("table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td", "figure", "figcaption", "img"),
}
_ATTRIBUTES = {
    "*": {"class", "title", "lang"},  # class only selects the site's own CSS; it cannot run code
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "th": {"colspan", "rowspan", "scope"},
    "td": {"colspan", "rowspan"},
    "ol": {"start", "reversed"},
    "time": {"datetime"},
}
# Dropped with everything inside them, not just unwrapped: their text is code, not prose.
_DROP_WITH_CONTENT = {
    "script",
    "style",
    "template",
    "iframe",
    "object",
    "noscript",
    "textarea",
    "select",
    "svg",
    "math",
}


def _no_other_host(tag: str, attribute: str, value: str) -> str | None:
    # An image from another host is a request to it; a scheme-relative link breaks under file://.
    if attribute in ("src", "href") and _scheme(value) is None and value.lstrip().startswith(("//", "\\\\", "/\\")):
        return None
    if tag == "img" and attribute == "src" and _scheme(value) is not None:
        return None
    return value


_CLEANER = nh3.Cleaner(
    tags=_TAGS,
    clean_content_tags=_DROP_WITH_CONTENT,
    attributes=_ATTRIBUTES,
    attribute_filter=_no_other_host,
    url_schemes=set(SAFE_SCHEMES),
    link_rel=None,
    strip_comments=True,
)


def clean(fragment: str) -> str:
    """HTML of a body with everything outside the allowlist removed."""
    return _CLEANER.clean(fragment)


# Where an editor can write a URL in a Markdown body, and which group holds it.
_URL_PATTERNS = (
    ("image", re.compile(r"!\[[^\]]*\]\(\s*<?((?:[^\s()<>]|\([^\s()]*\))*)")),
    ("link", re.compile(r"(?<!!)\[[^\]]*\]\(\s*<?((?:[^\s()<>]|\([^\s()]*\))*)")),
    ("link", re.compile(r"^ {0,3}\[[^\]]+\]:\s*<?([^\s>]+)")),  # reference definition
    ("link", re.compile(r"<([A-Za-z][A-Za-z0-9+.\-]{1,31}:[^\s<>]*)>")),  # autolink
)
_TAG = re.compile(r"<[A-Za-z][^<>]*")
_ATTR_URL = re.compile(
    r"""\s(src|srcset|poster|background|data|href|action|formaction|xlink:href|cite)\s*=\s*"""
    r"""(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""",
    re.I,
)
_IMAGE_ATTRIBUTES = {"src", "srcset", "poster", "background", "data"}
_RAW_DANGER = re.compile(
    r"<\s*(script|iframe|object|embed|style|form|input|button|meta|link|base|svg|math|frame|frameset|applet)\b", re.I
)
_EVENT = re.compile(r"[\s/\"'](on[a-z]+)\s*=", re.I)
_CODE_SPAN = re.compile(r"(`+).+?\1")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")
_CONTROL = re.compile(r"[\x00-\x20\x7f]+")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")


# Every pattern below needs one of these in the line (blanking code spans turns characters into
# spaces in place, so it cannot make one appear): lines without any have nothing to check.
_TRIGGERS = ("](", "]:", "<")


def _scheme(url: str) -> str | None:
    # As a browser reads it: entities decoded, tabs, newlines and control characters ignored.
    match = _SCHEME.match(_CONTROL.sub("", html.unescape(url)))
    return match.group(1).lower() if match else None


def check_body(path: str, first_line: int, body: str, page_dir: str) -> list[Problem]:
    """Located problems with the URLs and raw HTML of one Markdown body.

    page_dir is the folder of the page the body is shown on, relative to the site root
    (e.g. articles/report), against which relative URLs in raw HTML are resolved (Markdown
    links are relative to the source file and are checked by checks.check_links).
    """
    return list(_body_problems(path, first_line, body, page_dir))


@functools.lru_cache(maxsize=1 << 16)  # the preview checks every body again after each save
def _body_problems(path: str, first_line: int, body: str, page_dir: str) -> tuple[Problem, ...]:
    problems: list[Problem] = []
    if not any(trigger in body for trigger in _TRIGGERS):
        return ()
    fences = "```" in body or "~~~" in body
    fenced = False
    for offset, raw in enumerate(body.split("\n")):
        if fences:
            if _FENCE.match(raw):
                fenced = not fenced
            if fenced or _FENCE.match(raw):
                continue  # code is shown as text, never run or followed
        if not any(trigger in raw for trigger in _TRIGGERS):
            continue
        # Blank out code spans, keeping columns: `<script>` in backticks is shown, not run.
        text = _CODE_SPAN.sub(lambda m: " " * len(m.group()), raw)
        problems += _line_problems(path, first_line + offset, text, page_dir)
    return tuple(problems)


def _line_problems(path: str, line: int, text: str, page_dir: str) -> list[Problem]:
    found: list[tuple[int, str, str]] = []  # (column, severity, message)
    for kind, pattern in _URL_PATTERNS:
        for match in pattern.finditer(text):
            # Paths in Markdown links are relative to the source file: checks.py resolves them.
            problem = _url_problem(kind, match.group(1), None)
            if problem:
                found.append((match.start(1) + 1, *problem))
    for tag in _TAG.finditer(text):
        for match in _ATTR_URL.finditer(tag.group()):
            group = next(i for i in (2, 3, 4) if match.group(i) is not None)
            kind = "image" if match.group(1).lower() in _IMAGE_ATTRIBUTES else "link"
            problem = _url_problem(kind, match.group(group), page_dir)
            if problem:
                found.append((tag.start() + match.start(group) + 1, *problem))
        for match in _EVENT.finditer(tag.group()):
            name = match.group(1).lower()
            found.append(
                (tag.start() + match.start(1) + 1, "warning", f"正文 HTML 里的事件属性 {name}= 不安全，已被移除")
            )
    for match in _RAW_DANGER.finditer(text):
        name = match.group(1).lower()
        found.append((match.start() + 1, "warning", f"正文里的 HTML 标签 <{name}> 不安全，已被移除"))
    return [Problem(path, line, col, message, "body", severity) for col, severity, message in sorted(set(found))]


def _url_problem(kind: str, url: str, page_dir: str | None) -> tuple[str, str] | None:
    if not url.strip():
        return None
    scheme = _scheme(url)
    shown = url if len(url) <= 60 else url[:57] + "…"
    if scheme is not None and scheme not in SAFE_SCHEMES:
        return "warning", f"不安全的地址 {shown}（{scheme}:）已被移除：链接只能用 http、https、mailto 或 tel"
    if scheme is not None and kind == "image":
        return "error", f"图片不能引用其他网站的地址 {shown}：网页不得向其他主机发出请求，请把图片放进网站"
    if scheme is not None:
        return None
    target = unquote(html.unescape(url)).replace("\\", "/").split("#", 1)[0].split("?", 1)[0]
    if target.startswith("//"):
        return "error", f"地址 {shown} 缺少 https:，会指向其他主机：请写完整的网址"
    if page_dir is None:
        return None
    if target.startswith("/"):
        return "error", f"不能使用绝对路径 {shown}：请写相对于本页的路径（网站可能放在子目录或从 file:// 打开）"
    if target and posixpath.normpath(posixpath.join(page_dir, target)).split("/")[0] == "..":
        return "error", f"路径 {shown} 跳出了网站目录"
    return None
