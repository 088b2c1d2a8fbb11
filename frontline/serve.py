"""`build.py serve`: a local preview that rebuilds on every save and reloads the open page.

The preview builds with drafts through the same pipeline.build() as the real site, into a
private temporary folder (output/ is never touched), so the incremental build re-renders only
the pages a change affects; the server then holds the files in memory. Only the preview adds a small script to each page
(/__frontline/reload.js, carrying the page's hash in data-hash): it opens
an EventSource to /__frontline/events, passing the hash of the page it shows; the server answers
"reload" as soon as that page's bytes (or the error state) differ. So a save reloads the pages it
changed and leaves the others alone. A failed build serves the located messages instead of
pages, and the next good build brings the pages back.
"""

from __future__ import annotations

import gc
import hashlib
import html
import mimetypes
import shutil
import signal
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import jinja2
import jinja2.bccache

from .errors import BuildError, Problem, format_problems
from .incremental import Written
from .load import DocumentCache
from .memo import CheckMemo
from .pipeline import build

EVENTS = "/__frontline/events"
WATCHED = ("content", "templates", "static")
FULL_COLLECTION_EVERY = 20  # rebuilds between full garbage collections (see Preview._settle)
KEEPALIVE = 15.0  # seconds between SSE comments, so that proxies and browsers keep the stream
SCRIPT = "/__frontline/reload.js"
# A file, not an inline script: the pages' Content-Security-Policy allows only the site's own scripts.
RELOAD_TAG = '<script src="{script}" data-hash="{hash}"></script>\n'
RELOAD_JS = """(function () {
  var hash = document.currentScript && document.currentScript.getAttribute("data-hash");
  if (!window.EventSource || !hash) return;
  var url = "/__frontline/events?page=" + encodeURIComponent(location.pathname) + "&hash=" + encodeURIComponent(hash);
  var source = new EventSource(url);
  source.onmessage = function (e) { if (e.data === "reload") { source.close(); location.reload(); } };
})();
"""


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


@dataclass
class State:
    """What the server shows: the last good build's files, or the problems of a failed one."""

    files: dict[str, bytes] = field(default_factory=dict)  # output path -> bytes (HTML uninstrumented)
    hashes: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    failed: bool = False
    builds: int = 0


class CompiledTemplates(jinja2.BytecodeCache):
    """Compiled templates kept in memory between rebuilds. Jinja stores each under a checksum of
    the template's source, so an edited template is compiled afresh."""

    def __init__(self) -> None:
        self.store: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if bucket.key in self.store:
            bucket.bytecode_from_string(self.store[bucket.key])

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.store[bucket.key] = bucket.bytecode_to_string()


class Preview:
    """Rebuilds the site into memory and tells waiting pages when their content changed."""

    def __init__(self, root: Path, out: Path):
        self.root = root
        self.out = out  # the preview's own build folder, replaced whole by each good build
        self.state = State()
        self.changed = threading.Condition()
        self.cache = DocumentCache()
        self.memo = CheckMemo()  # what the checks found in each file, for the next save's check
        self.compiled = CompiledTemplates()
        self.sources: dict[Path, str] = {}  # watched file -> hash of its bytes at the last build
        # Once the watcher sees every save (watching()), a rebuild asks the disk only about the
        # files relevant() found changed since the last one (as the editor sees their paths).
        self.watched = False
        self.unsure: set[str] = set()
        self.rescan = True  # the next rebuild asks about every file
        # The last good build's page index and site, kept between builds (incremental.Kept).
        self.written = Written()
        self.settled = 0

    def relevant(self, paths: set[Path]) -> bool:
        """Whether any path is a watched file whose bytes differ from the last build's."""
        relevant = False
        for path in paths:
            try:
                rel = path.resolve().relative_to(self.root)
            except ValueError:
                continue
            if rel.parts[:1] not in [(w,) for w in WATCHED] or any(p.startswith(".") for p in rel.parts):
                continue
            try:
                now = digest(path.read_bytes()) if path.is_file() else ""
            except OSError:
                now = ""
            if self.sources.get(path.resolve()) != now:
                self.sources[path.resolve()] = now
                relevant = True
                self.unsure.add(rel.as_posix())
                if path.is_dir():  # a folder moved in: its files come with no news of their own
                    self.rescan = True
        return relevant

    def watching(self) -> None:
        """From now on relevant() is told of every change: the watcher is in place, and every
        file has been looked at once since."""
        self.watched = True

    def rebuild(self) -> float:
        """Build once; returns the seconds it took. Never raises for bad content."""
        started = time.perf_counter()
        if self.written.kept is not None:  # a rebuild after a save: see _settle
            gc.disable()
        self.cache.unsure = None if self.rescan or not self.watched else self.unsure
        self.unsure, self.rescan = set(), False
        try:
            written = self.written
            result = build(
                self.root,
                self.out,
                include_drafts=True,
                cache=self.cache,
                memo=self.memo,
                compiled=self.compiled,
                search=False,
                in_place=written,
            )
            files = self._read_output(written)
        except BuildError as exc:
            self._publish(None, exc.problems)
        except Exception as exc:  # noqa: BLE001 - a preview must survive any build failure
            self._publish(None, [Problem("(构建)", 1, 1, f"构建程序出错：{type(exc).__name__}: {exc}")])
        else:
            self._publish(files, result.warnings)
        finally:
            gc.enable()
        seconds = time.perf_counter() - started
        self._settle()
        return seconds

    def _settle(self) -> None:
        """Keep the collector off what this preview holds between saves (the site, the page
        index, the files: millions of objects at ten thousand pages), which it would otherwise
        walk again and again during each rebuild; and off the rebuilds after a save, which make
        few pages. Now and then it looks at everything once, for the garbage with cycles they
        leave."""
        self.settled += 1
        if self.settled % FULL_COLLECTION_EVERY == 0:
            gc.unfreeze()
            gc.collect()
        gc.freeze()

    def _read_output(self, written: Written) -> dict[str, bytes]:
        """Every file of the preview build: those it wrote are read, the others are as last time."""
        old = self.state.files
        if not old or len(written.fresh) * 2 > len(written.paths):
            return {rel: (self.out / rel).read_bytes() for rel in sorted(written.paths)}
        files = {rel: data for rel, data in old.items() if rel in written.paths}
        for rel in sorted(written.fresh | (written.paths - files.keys())):
            files[rel] = (self.out / rel).read_bytes()
        return files

    def _publish(self, files: dict[str, bytes] | None, problems: list[Problem]) -> None:
        with self.changed:
            old = self.state
            if files is None:
                self.state = State(old.files, old.hashes, list(problems), True, old.builds + 1)
            else:
                # A file whose bytes are the very object shown before has the same hash.
                hashes = {
                    path: old.hashes[path] if old.files.get(path) is data else digest(data)
                    for path, data in files.items()
                }
                self.state = State(files, hashes, list(problems), False, old.builds + 1)
            self.changed.notify_all()

    def page_hash(self, path: str, state: State) -> str:
        """What a browser showing path must hold to be up to date."""
        if state.failed:
            return "error-" + digest(format_problems(state.problems).encode("utf-8"))
        return state.hashes.get(path, "missing")

    def respond(self, url_path: str) -> tuple[int, str, bytes]:
        """(status, content type, body) for a GET of url_path."""
        if urlsplit(url_path).path == SCRIPT:
            return 200, "text/javascript; charset=utf-8", RELOAD_JS.encode("utf-8")
        state = self.state
        path = output_path(url_path)
        is_page = path.endswith(".html")
        if state.failed and is_page:
            body = error_page(state.problems)
            return 500, "text/html; charset=utf-8", self._instrument(body, self.page_hash(path, state))
        if path not in state.files:
            if not state.files or "404.html" not in state.files:
                return 404, "text/plain; charset=utf-8", "找不到此页".encode()
            return 404, "text/html; charset=utf-8", self._instrument(state.files["404.html"], "missing")
        data = state.files[path]
        if is_page:
            return 200, "text/html; charset=utf-8", self._instrument(data, state.hashes[path])
        kind = mimetypes.guess_type(path)[0] or "application/octet-stream"
        return 200, kind + ("; charset=utf-8" if kind.startswith("text/") else ""), data

    def _instrument(self, page: bytes, page_hash: str) -> bytes:
        script = RELOAD_TAG.format(script=SCRIPT, hash=page_hash).encode("utf-8")
        at = page.rfind(b"</body>")
        return page[:at] + script + page[at:] if at >= 0 else page + script

    def wait_for_change(self, path: str, seen: str, timeout: float) -> bool:
        """Block until the page at path no longer has hash seen (True) or timeout passes (False)."""
        with self.changed:
            return self.changed.wait_for(lambda: self.page_hash(path, self.state) != seen, timeout)


def output_path(url_path: str) -> str:
    """/profiles/shi-jian/ -> profiles/shi-jian/index.html, as a static host maps it."""
    path = unquote(urlsplit(url_path).path).lstrip("/")
    if path == "" or path.endswith("/"):
        path += "index.html"
    elif "." not in path.rsplit("/", 1)[-1]:
        path += "/index.html"
    return path


def error_page(problems: list[Problem]) -> bytes:
    errors = [p for p in problems if p.severity == "error"]
    items = "\n".join(f"<li><code>{html.escape(p.format())}</code></li>" for p in sorted(problems))
    text = f"""<!DOCTYPE html>
<html lang="zh-CN">
<head><meta charset="utf-8"><title>构建失败 · 预览</title>
<style>body{{font:16px/1.6 sans-serif;margin:2rem;max-width:60rem}}h1{{color:#a00}}
code{{white-space:pre-wrap;word-break:break-all}}li{{margin:.5rem 0}}</style></head>
<body>
<h1>构建失败：{len(errors)} 个错误</h1>
<p>请按下面的位置（文件:行:列）修改内容并保存，本页会自动刷新。</p>
<ol>
{items}
</ol>
</body>
</html>
"""
    return text.encode("utf-8")


def make_handler(preview: Preview) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 - http.server's API name
            if self.path.startswith(EVENTS):
                self._events()
                return
            status, kind, body = preview.respond(self.path)
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def _events(self) -> None:
            query = parse_qs(urlsplit(self.path).query)
            page = output_path(query.get("page", ["/"])[0])
            seen = query.get("hash", [""])[0]
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            try:
                self.wfile.write(b"retry: 500\n\n")
                self.wfile.flush()
                while not preview.wait_for_change(page, seen, KEEPALIVE):
                    self.wfile.write(b": waiting\n\n")
                    self.wfile.flush()
                self.wfile.write(b"data: reload\n\n")
                self.wfile.flush()
            except OSError:
                pass  # the browser went away

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass  # one line per rebuild is enough for an editor

    return Handler


def watch(preview: Preview, stop: threading.Event, ready: threading.Event, log) -> None:
    """Rebuild after each batch of saves that changed a watched file's bytes."""
    from watchfiles import watch as watch_files  # imported here: only serve needs it

    folders = [preview.root / name for name in WATCHED if (preview.root / name).is_dir()]
    # yield_on_timeout makes the first (possibly empty) batch arrive once the watch is in place:
    # from then on no save is missed, and a rescan catches any made before it. A batch is taken
    # after 15 ms without a new change: the events of one save come microseconds apart, and each
    # millisecond waited here is one more between the save and the reloaded page.
    batches = watch_files(
        *folders, stop_event=stop, debounce=400, step=15, rust_timeout=200, yield_on_timeout=True, raise_interrupt=False
    )
    for changes in batches:
        paths = {Path(path) for _, path in changes}
        if not ready.is_set():
            paths |= watched_files(preview.root)
            if preview.relevant(paths):  # saved since the first build, before the watch was in place
                report(preview, preview.rebuild(), log)
            preview.watching()
            ready.set()
            continue
        if preview.relevant(paths):
            report(preview, preview.rebuild(), log)


def watched_files(root: Path) -> set[Path]:
    return {p for folder in WATCHED for p in (root / folder).rglob("*") if p.is_file()}


def report(preview: Preview, seconds: float, log) -> None:
    state = preview.state
    if state.failed:
        log(format_problems(state.problems))
        log(f"构建失败（{seconds:.2f} 秒）：浏览器中显示错误，修改后保存即可恢复")
    else:
        if state.problems:
            log(format_problems(state.problems))
        log(f"已重新生成（{seconds:.2f} 秒，{len(state.problems)} 个警告）")


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def serve(root: Path, port: int = 8000, host: str = "127.0.0.1") -> int:
    """Run the preview until interrupted."""

    def log(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    workdir = Path(tempfile.mkdtemp(prefix="frontline-preview-"))
    preview = Preview(root, workdir / "site")
    try:
        server = ThreadingHTTPServer((host, port), make_handler(preview))
    except OSError as exc:
        shutil.rmtree(workdir, ignore_errors=True)
        log(f"无法在 {host}:{port} 上启动预览：{exc.strerror}；请用 --port 换一个端口")
        return 1
    signal.signal(signal.SIGTERM, _interrupt)  # `kill` stops it like Ctrl+C: the temp folder goes too
    preview.relevant(watched_files(root))
    report(preview, preview.rebuild(), log)
    server.daemon_threads = True
    stop, ready = threading.Event(), threading.Event()
    watcher = threading.Thread(target=watch, args=(preview, stop, ready, log), daemon=True)
    watcher.start()
    ready.wait(timeout=30)
    log(f"预览地址：http://{host}:{server.server_address[1]}/  （保存文件后自动刷新，按 Ctrl+C 停止）")
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        log("预览已停止")
    finally:
        stop.set()
        server.server_close()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0
