"""The real site as readers get it: a fresh build served by nginx with deploy/nginx.conf.

Every page is crawled through the server: each internal link and asset must answer 200, pretty
(canonical) and .../index.html URLs both work, unknown paths get the site's 404 page with status
404, and the caching, compression and security headers are those the pages are built for.
"""

from __future__ import annotations

import gzip
import http.client
import subprocess
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest

from tests.webserver import Nginx

pytestmark = pytest.mark.browser


@dataclass
class Response:
    status: int
    headers: dict[str, str]  # lower-cased names
    body: bytes  # decoded from gzip when the server compressed it
    wire_bytes: int  # body bytes as transferred


def get(server: Nginx, path: str, gzip_ok: bool = True) -> Response:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request("GET", path, headers={"Accept-Encoding": "gzip"} if gzip_ok else {})
        resp = conn.getresponse()
        raw = resp.read()
        headers = {k.lower(): v for k, v in resp.getheaders()}
    finally:
        conn.close()
    body = gzip.decompress(raw) if headers.get("content-encoding") == "gzip" else raw
    return Response(resp.status, headers, body, len(raw))


class Refs(HTMLParser):
    """Every URL a page refers to, plus its canonical URL."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.canonical: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "link" and a.get("rel") == "canonical":
            self.canonical = a.get("href")
            return
        for name in ("href", "src"):
            if a.get(name):
                self.urls.append(a[name] or "")
        if a.get("srcset"):
            self.urls += [part.split()[0] for part in (a["srcset"] or "").split(",") if part.strip()]


@dataclass
class Crawl:
    fetched: dict[str, Response] = field(default_factory=dict)
    broken: list[str] = field(default_factory=list)
    canonical: dict[str, str] = field(default_factory=dict)  # page path -> canonical URL
    external: set[str] = field(default_factory=set)


def crawl(server: Nginx) -> Crawl:
    """Follow every internal link and asset from the front page."""
    result = Crawl()
    queue, referrer = ["/"], {"/": "(start)"}
    while queue:
        path = queue.pop(0)
        resp = get(server, path)
        result.fetched[path] = resp
        if resp.status != 200:
            result.broken.append(f"{path} -> {resp.status} (linked from {referrer[path]})")
            continue
        if not resp.headers.get("content-type", "").startswith("text/html"):
            continue
        if path.endswith("/email.html"):
            continue  # the email edition links to base_url by design: tests/test_email.py checks it
        refs = Refs()
        refs.feed(resp.body.decode("utf-8"))
        if refs.canonical:
            result.canonical[path] = refs.canonical
        for ref in refs.urls:
            target = urlsplit(urljoin(server.base + path, urldefrag(ref).url))
            if target.scheme in ("mailto", "tel", "data"):
                continue
            if (target.scheme, target.netloc) != ("http", f"127.0.0.1:{server.port}"):
                result.external.add(ref)
                continue
            if target.path not in referrer:
                referrer[target.path] = path
                queue.append(target.path)
    return result


@pytest.fixture(scope="module")
def site_crawl(served_site: Nginx) -> Crawl:
    return crawl(served_site)


def built_pages(output: Path) -> list[str]:
    return sorted(p.relative_to(output).as_posix() for p in output.rglob("*.html"))


def test_every_internal_link_and_asset_answers_200(site_crawl: Crawl, served_site: Nginx) -> None:
    assert site_crawl.broken == [], "\n".join(site_crawl.broken)
    html = [p for p, r in site_crawl.fetched.items() if r.headers.get("content-type", "").startswith("text/html")]
    pages = {p + "index.html" if p.endswith("/") else p for p in html}
    assets = [p for p in site_crawl.fetched if p.startswith("/static/")]
    print(f"crawled {len(pages)} pages and {len(assets)} assets through nginx on {served_site.base}")
    assert assets, "no stylesheet was linked"


def test_pages_link_to_no_other_host(site_crawl: Crawl) -> None:
    assert site_crawl.external == set()


def test_every_built_page_is_reachable_from_the_front_page(site_crawl: Crawl, served_site: Nginx) -> None:
    reached = {p.lstrip("/") + ("index.html" if p.endswith("/") else "") for p in site_crawl.fetched}
    unreached = [p for p in built_pages(served_site.root) if p not in reached and p != "404.html"]
    assert unreached == []


def test_pretty_and_index_html_urls_serve_the_same_page(site_crawl: Crawl, served_site: Nginx) -> None:
    site_path = urlsplit(next(iter(site_crawl.canonical.values()))).path
    checked = 0
    for page in built_pages(served_site.root):
        if page == "404.html":
            continue
        file_bytes = (served_site.root / page).read_bytes()
        pretty = "/" + page.removesuffix("index.html")
        for path in {"/" + page, pretty}:
            resp = get(served_site, path)
            assert (resp.status, resp.body == file_bytes) == (200, True), path
        # The canonical URL the page declares is the pretty form, and it is served.
        canonical = site_crawl.canonical.get("/" + page) or site_crawl.canonical.get(pretty)
        if canonical:
            assert urlsplit(canonical).path == site_path + pretty.lstrip("/")
        checked += 1
    assert checked >= 20


def test_directory_without_slash_redirects_to_the_pretty_url(served_site: Nginx) -> None:
    resp = get(served_site, "/profiles/shi-jian")
    assert resp.status == 301
    # Relative, so the redirect keeps whatever host, port and scheme the reader used.
    assert resp.headers["location"] == "/profiles/shi-jian/"


@pytest.mark.parametrize("path", ["/no-such-page/", "/profiles/nobody/", "/static/style.css", "/.frontline-output"])
def test_unknown_paths_get_the_site_404_page_with_status_404(served_site: Nginx, path: str) -> None:
    resp = get(served_site, path)
    assert resp.status == 404
    assert resp.body == (served_site.root / "404.html").read_bytes()
    assert "页面不存在" in resp.body.decode("utf-8")
    assert resp.headers["content-type"] == "text/html; charset=utf-8"
    assert "content-security-policy" in resp.headers


def csp(headers: dict[str, str]) -> dict[str, list[str]]:
    directives = [d.split() for d in headers["content-security-policy"].split(";") if d.strip()]
    return {d[0]: d[1:] for d in directives}


def test_html_is_compressed_briefly_cached_and_protected(served_site: Nginx) -> None:
    resp = get(served_site, "/")
    h = resp.headers
    assert h["content-type"] == "text/html; charset=utf-8"
    assert h["content-encoding"] == "gzip" and h["vary"] == "Accept-Encoding"
    assert resp.wire_bytes < len(resp.body) / 2
    assert h["cache-control"] == "public, max-age=300"
    assert h["x-content-type-options"] == "nosniff"
    assert h["referrer-policy"] == "strict-origin-when-cross-origin"
    assert h["x-frame-options"] == "DENY"
    assert h["server"] == "nginx"  # no version
    policy = csp(h)
    assert policy["default-src"] == ["'none'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    # Scripts only from the site itself (Pagefind needs WebAssembly); never inline or eval.
    assert set(policy["script-src"]) <= {"'self'", "'wasm-unsafe-eval'"}
    assert not any("unsafe-inline" in v or "*" in v or "http" in v for vs in policy.values() for v in vs)
    # Without Accept-Encoding the page still comes, uncompressed.
    plain = get(served_site, "/", gzip_ok=False)
    assert "content-encoding" not in plain.headers and plain.body == resp.body


def test_fingerprinted_assets_are_cached_for_a_year(site_crawl: Crawl, served_site: Nginx) -> None:
    css = [p for p in site_crawl.fetched if p.startswith("/static/") and p.endswith(".css")]
    assert css
    for path in css:
        resp = get(served_site, path)
        assert resp.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert resp.headers["content-type"] == "text/css; charset=utf-8"
        assert resp.headers["content-encoding"] == "gzip"
        assert "content-security-policy" in resp.headers


def test_nginx_logged_no_errors(site_crawl: Crawl, served_site: Nginx) -> None:
    # 404s for the unknown-path tests are logged as "open() ... failed"; anything else is a defect.
    lines = [line for line in served_site.error_log().splitlines() if "No such file or directory" not in line]
    assert lines == []


def test_only_the_email_edition_may_use_inline_styles(site_crawl: Crawl, served_site: Nginx) -> None:
    emails = [p for p in site_crawl.fetched if p.endswith("/email.html")]
    for path in emails:
        policy = csp(get(served_site, path).headers)
        assert policy["style-src"] == ["'self'", "'unsafe-inline'"]  # mail clients need inline CSS
        assert policy["script-src"] == csp(get(served_site, "/").headers)["script-src"]
    print(f"{len(emails)} email editions")


def test_favicon_requests_get_no_content_rather_than_an_error(served_site: Nginx) -> None:
    resp = get(served_site, "/favicon.ico")
    assert (resp.status, resp.body) == (204, b"")


TEXT_TYPES = ("text/", "application/xml", "application/json", "application/atom+xml", "application/rss+xml")


def test_every_text_file_declares_utf8_and_large_ones_come_compressed(site_crawl: Crawl) -> None:
    # Without charset=utf-8 a browser may show the Chinese of a plain-text email or a feed as mojibake.
    texts = {p: r for p, r in site_crawl.fetched.items() if r.headers["content-type"].startswith(TEXT_TYPES)}
    assert texts
    no_charset = [
        f"{p}: {r.headers['content-type']}"
        for p, r in texts.items()
        if "charset=utf-8" not in r.headers["content-type"]
    ]
    uncompressed = [p for p, r in texts.items() if len(r.body) > 1024 and r.headers.get("content-encoding") != "gzip"]
    assert (no_charset, uncompressed) == ([], [])
    print(f"{len(texts)} text responses: {sorted({r.headers['content-type'] for r in texts.values()})}")


def test_deploy_conf_as_shipped_passes_nginx_t_inside_a_stock_http_block(tmp_path: Path) -> None:
    # Production includes the file unchanged (listen 80, root /srv/...) in Debian's http block,
    # which already turns gzip on; `nginx -t` parses it without binding the port.
    from tests.webserver import DEPLOY_CONF, nginx_binary

    conf = tmp_path / "nginx.conf"
    conf.write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n include /etc/nginx/mime.types;\n gzip on;\n access_log off;\n include {DEPLOY_CONF};\n}}\n",
        encoding="utf-8",
    )
    args = [nginx_binary(), "-t", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", str(conf)]
    proc = subprocess.run(args, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "syntax is ok" in proc.stderr
