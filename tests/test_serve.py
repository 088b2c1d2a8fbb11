"""`build.py serve` driven for real: a subprocess on a free port, files changed on disk, pages
fetched over HTTP; plus the in-process pieces that decide what to rebuild and reload."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from frontline.pipeline import build
from frontline.serve import Preview, output_path
from frontline.write import MARKER
from tests.conftest import REPO, make_site, run

WAIT = 30.0  # generous: a loaded CI machine may be slow; no test asserts how fast anything is


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8")


def wait_until(probe: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        try:
            if probe():
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise AssertionError(f"gave up waiting for {what}")


class Server:
    def __init__(self, root: Path):
        self.root = root
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [sys.executable, str(REPO / "build.py"), "--root", str(root), "serve", "--port", str(self.port)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        wait_until(lambda: fetch(self.url + "/")[0] in (200, 500), "the preview server to start")

    def get(self, path: str) -> tuple[int, str]:
        return fetch(self.url + path)

    def stop(self) -> str:
        self.proc.terminate()
        out, _ = self.proc.communicate(timeout=10)
        return out.decode("utf-8")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    files = {"content/profiles/draft.md": "---\nname: 居丽虹\norganization: daxing\ndraft: true\n---\n居丽虹的事迹。\n"}
    srv = Server(make_site(tmp_path / "site", files))
    yield srv
    srv.stop()


def test_a_saved_change_is_served(server: Server):
    status, page = server.get("/profiles/shi-jian/")
    assert status == 200
    assert "施剑主动请缨。" in page
    profile = server.root / "content/profiles/shi-jian.md"
    profile.write_text(profile.read_text(encoding="utf-8").replace("主动请缨", "率先垂范"), encoding="utf-8")
    wait_until(lambda: "施剑率先垂范。" in server.get("/profiles/shi-jian/")[1], "the new page")
    assert not (server.root / "output").exists()  # the preview never writes output/


def test_the_open_page_is_told_to_reload(server: Server):
    _, page = server.get("/profiles/shi-jian/")
    page_hash = page.split('<script src="/__frontline/reload.js" data-hash="', 1)[1].split('"', 1)[0]
    status, script = server.get("/__frontline/reload.js")
    assert status == 200 and "new EventSource(" in script
    url = f"{server.url}/__frontline/events?page=/profiles/shi-jian/&hash={page_hash}"
    with urllib.request.urlopen(url, timeout=WAIT) as events:
        assert events.headers["Content-Type"] == "text/event-stream"
        assert events.readline() == b"retry: 500\n"
        profile = server.root / "content/profiles/shi-jian.md"
        profile.write_text(profile.read_text(encoding="utf-8").replace("主动请缨", "率先垂范"), encoding="utf-8")
        lines = []
        while b"data: reload\n" not in lines:
            lines.append(events.readline())
    assert "施剑率先垂范。" in server.get("/profiles/shi-jian/")[1]


def test_an_error_is_shown_in_the_browser_and_fixing_it_recovers(server: Server):
    edition = server.root / "content/editions/1.yaml"
    good = edition.read_text(encoding="utf-8")
    edition.write_text(good.replace("title:", "titel:"), encoding="utf-8")
    wait_until(lambda: server.get("/")[0] == 500, "the error page")
    status, page = server.get("/editions/1/")
    assert status == 500
    assert "<h1>构建失败：2 个错误</h1>" in page
    assert "content/editions/1.yaml:2:1: error: [titel] 未知字段 titel，是否想写 title？" in page
    assert '<script src="/__frontline/reload.js" data-hash="error-' in page  # reloads itself once fixed
    edition.write_text(good, encoding="utf-8")
    wait_until(lambda: server.get("/editions/1/")[0] == 200, "the page to come back")
    assert "第一期" in server.get("/editions/1/")[1]
    assert server.proc.poll() is None


def test_drafts_show_in_preview_with_a_banner_and_not_in_the_build(server: Server, capsys):
    status, page = server.get("/profiles/ju-li-hong/")
    assert status == 200
    assert '<p class="draft-banner" role="note"><strong>草稿</strong>' in page
    assert run(server.root, capsys=capsys).code == 0
    out = server.root / "output"
    assert not (out / "profiles/ju-li-hong").exists()
    for html in out.rglob("*.html"):
        text = html.read_text(encoding="utf-8")
        # No page of the build carries the preview's inline script (JSON-LD blocks are data, and
        # the search page loads its scripts from files).
        inline = re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/ld\+json)", text)
        assert "__frontline" not in text and not inline and "draft-banner" not in text


def test_static_files_and_missing_pages(server: Server):
    _, page = server.get("/")
    css = page.split('<link rel="stylesheet" href="', 1)[1].split('"', 1)[0]
    status, text = server.get("/" + css)
    assert status == 200 and "draft-banner" in text
    status, page = server.get("/no/such/page/")
    assert status == 404
    assert '<script src="/__frontline/reload.js" data-hash="missing">' in page


def test_port_in_use_is_reported(tmp_path: Path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        root = make_site(tmp_path)
        proc = subprocess.run(
            [sys.executable, str(REPO / "build.py"), "--root", str(root), "serve", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert proc.returncode == 1
    assert f"无法在 127.0.0.1:{port} 上启动预览" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_only_changed_bytes_rebuild_and_only_changed_pages_reload(tmp_path: Path):
    root = make_site(tmp_path / "site").resolve()
    preview = Preview(root, tmp_path / "preview")
    profile = root / "content/profiles/shi-jian.md"
    assert preview.relevant({p for p in (root / "content").rglob("*") if p.is_file()})
    preview.rebuild()
    before = dict(preview.state.hashes)
    parsed = dict(preview.cache)
    stamps = {p.relative_to(preview.out).as_posix(): stamp(p) for p in preview.out.rglob("*.html")}

    profile.write_bytes(profile.read_bytes())  # saved without a change
    assert not preview.relevant({profile})
    assert not preview.relevant({root / "notes.txt", root / "content/.profile.md.swp"})

    profile.write_text(profile.read_text(encoding="utf-8").replace("主动请缨", "到一线"), encoding="utf-8")
    assert preview.relevant({profile})
    preview.rebuild()
    after = preview.state.hashes
    changed = {path for path in after if after[path] != before.get(path)}
    assert changed == {"profiles/shi-jian/index.html"}
    # the incremental build re-rendered only that page; the other files were not touched
    rewritten = {path for path, before in stamps.items() if stamp(preview.out / path) != before}
    assert rewritten == {"profiles/shi-jian/index.html"}
    # unchanged files were not parsed again
    report = root / "content/articles/report.md"
    assert preview.cache[str(report)][1] is parsed[str(report)][1]
    assert preview.cache[str(profile)][1] is not parsed[str(profile)][1]


def test_once_watching_a_rebuild_rereads_only_what_the_watcher_reported_and_stays_exact(tmp_path: Path):
    """With the watcher in place the preview asks the disk only about files it was told changed
    (relevant()); a file that failed to read, or a folder moved in, is looked at again anyway."""
    root = make_site(tmp_path / "site").resolve()
    preview = Preview(root, tmp_path / "preview")
    preview.relevant({p for p in (root / "content").rglob("*") if p.is_file()})
    preview.rebuild()
    preview.watching()
    profile, report = root / "content/profiles/shi-jian.md", root / "content/articles/report.md"
    text, report_text = profile.read_text("utf-8"), report.read_text("utf-8")

    # Told: the edit shows. Not told (no watcher event): the file is taken as it was.
    profile.write_text(text.replace("主动请缨", "到一线"), "utf-8")
    assert preview.relevant({profile})
    preview.rebuild()
    assert "到一线" in preview.state.files["profiles/shi-jian/index.html"].decode("utf-8")
    report.write_text(report_text.replace("到社区参与防控工作", "到社区马上行动"), "utf-8")
    preview.rebuild()
    assert "马上行动" not in preview.state.files["articles/report/index.html"].decode("utf-8")
    assert preview.relevant({report})
    preview.rebuild()
    assert preview.state.files == clean_build(root, tmp_path / "clean-1")

    # A file that does not read stays an error at every rebuild until it is mended.
    profile.write_text("---\nname: [\n---\n", "utf-8")
    assert preview.relevant({profile})
    preview.rebuild()
    assert preview.state.failed
    report.write_text(report_text, "utf-8")
    assert preview.relevant({report})
    preview.rebuild()
    assert preview.state.failed and any(p.path == "content/profiles/shi-jian.md" for p in preview.state.problems)
    profile.write_text(text, "utf-8")
    assert preview.relevant({profile})
    preview.rebuild()
    assert not preview.state.failed
    assert preview.state.files == clean_build(root, tmp_path / "clean-2")

    # A folder moved in comes as one event: every file is looked at.
    moved = tmp_path / "elsewhere"
    shutil.move(root / "content/profiles", moved)
    (moved / "shi-jian.md").write_text(text.replace("主动请缨", "挺身而出"), "utf-8")
    shutil.move(moved, root / "content/profiles")
    assert preview.relevant({root / "content/profiles"})
    preview.rebuild()
    assert "挺身而出" in preview.state.files["profiles/shi-jian/index.html"].decode("utf-8")
    assert preview.state.files == clean_build(root, tmp_path / "clean-3")


def stamp(path: Path) -> tuple[int, int, int]:
    info = path.stat()
    return info.st_ino, info.st_size, info.st_mtime_ns


def clean_build(root: Path, work: Path) -> dict[str, bytes]:
    """What a build from scratch with drafts makes (the preview's build, without the search index),
    in a copy of the site: the preview's own cache stays as it is."""
    copy, out = work / "site", work / "out"
    for name in ("content", "templates", "static"):
        shutil.copytree(root / name, copy / name)
    build(copy, out, include_drafts=True, search=False)
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file() and p.name != MARKER}


def test_preview_after_each_kind_of_edit_equals_a_clean_build(tmp_path: Path):
    root = make_site(tmp_path / "site").resolve()
    preview = Preview(root, tmp_path / "preview")
    preview.rebuild()
    assert not (preview.out / "pagefind").exists()  # the preview leaves out the search index
    profile = root / "content/profiles/shi-jian.md"
    added = root / "content/profiles/han-feng-guang.md"
    edits = [
        lambda: profile.write_text(profile.read_text("utf-8").replace("主动请缨", "到一线"), "utf-8"),
        lambda: profile.write_text(profile.read_text("utf-8").replace("role: 副主席", "role: 主席"), "utf-8"),
        lambda: added.write_text("---\nname: 韩锋光\norganization: daxing\n---\n韩锋光的事迹。\n", "utf-8"),
        lambda: added.unlink(),
    ]
    for number, edit in enumerate(edits):
        edit()
        preview.rebuild()
        assert not preview.state.failed, preview.state.problems
        expected = clean_build(root, tmp_path / f"clean-{number}")
        assert preview.state.files == expected
        # the preview's own folder holds exactly those files too, so the next rebuild starts right
        on_disk = {p.relative_to(preview.out).as_posix() for p in preview.out.rglob("*") if p.is_file()}
        assert on_disk == set(expected) | {MARKER}


def test_a_failed_rebuild_keeps_the_last_pages_and_the_next_good_one_catches_up(tmp_path: Path):
    root = make_site(tmp_path / "site").resolve()
    preview = Preview(root, tmp_path / "preview")
    preview.rebuild()
    shown = dict(preview.state.files)
    profile = root / "content/profiles/shi-jian.md"
    original = profile.read_text("utf-8")
    profile.write_text(original.replace("organization: daxing", "organization: nowhere"), "utf-8")
    preview.rebuild()
    assert preview.state.failed and preview.state.files == shown
    profile.write_text(original.replace("主动请缨", "到一线"), "utf-8")
    preview.rebuild()
    assert not preview.state.failed
    assert preview.state.files == clean_build(root, tmp_path / "clean")


def test_url_paths_map_like_a_static_host():
    assert output_path("/") == "index.html"
    assert output_path("/profiles/shi-jian/") == "profiles/shi-jian/index.html"
    assert output_path("/profiles/shi-jian") == "profiles/shi-jian/index.html"
    assert output_path("/static/style.abc.css?x=1") == "static/style.abc.css"
    assert output_path("/%E4%BA%BA/") == "人/index.html"


def test_edited_template_is_recompiled(tmp_path: Path):
    root = make_site(tmp_path / "site").resolve()
    preview = Preview(root, tmp_path / "preview")
    preview.rebuild()
    assert preview.compiled.store  # compiled templates are kept between rebuilds
    base = root / "templates/base.html"
    base.write_text(base.read_text(encoding="utf-8").replace("</footer>", "<p>模板已修改</p>\n</footer>"), "utf-8")
    preview.rebuild()
    assert not preview.state.failed
    assert "<p>模板已修改</p>" in preview.state.files["index.html"].decode("utf-8")
