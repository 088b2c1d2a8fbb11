#!/usr/bin/env python3
"""Editors' loop: `check` wall time, and save-to-reloaded-page latency of `serve` (file written
-> the open page's EventSource gets "reload" -> the page, fetched again, shows the change), for
an edit of a body and an edit of front matter. Prints figures; asserts nothing about speed.

    .venv/bin/python bench/serve_latency.py [--runs 20]             # the sample content
    .venv/bin/python bench/serve_latency.py --pages 10000 --runs 5  # bench/corpus.py's site of N pages
    .venv/bin/python bench/serve_latency.py --root SITE --source content/profiles/x.md --page /profiles/x/

The preview does not run Pagefind (see frontline/serve.py), so these figures leave it out.
"""

from __future__ import annotations

import argparse
import json
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# The edited file, the page that shows it, a phrase of its body, and the front-matter line whose
# value is edited: for the sample content and for bench/corpus.py's sites.
SAMPLE = ("content/articles/daxing-jixianfeng.md", "/articles/daxing-jixianfeng/", "迅速作出反应", "subtitle:")
CORPUS = ("content/profiles/p000000.md", "/profiles/p000000/", "工会干部，", "summary:")


@dataclass(frozen=True)
class Target:
    source: str
    page: str
    phrase: str
    field: str

    def edit(self, original: str, kind: str, marker: str) -> str:
        """original with marker written into its body (kind "body") or a front-matter value."""
        if kind == "body":
            edited = original.replace(self.phrase, f"{self.phrase}（{marker}）", 1)
        else:
            head, sep, rest = original.partition("\n" + self.field)
            value = rest.lstrip(" ")
            quote = value[:1] if value[:1] in "'\"" else ""
            edited = head + sep + " " + quote + marker + value[len(quote) :]
        if edited == original:
            raise SystemExit(f"cannot edit {self.source}: {self.phrase!r} / {self.field!r} not found")
        return edited


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read().decode("utf-8")


def summary(name: str, seconds: list[float]) -> str:
    ms = sorted(s * 1000 for s in seconds)
    return f"{name}: median {statistics.median(ms):.0f} ms, min {ms[0]:.0f} ms, max {ms[-1]:.0f} ms (n={len(ms)})"


def time_check(root: Path, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, str(REPO / "build.py"), "--root", str(root), "check"], capture_output=True)
        times.append(time.perf_counter() - started)
    return times


def time_check_in_process(root: Path, runs: int) -> list[float]:
    sys.path.insert(0, str(REPO))
    from frontline.pipeline import check

    times = []
    for _ in range(runs):
        started = time.perf_counter()
        check(root)
        times.append(time.perf_counter() - started)
    return times


def time_rebuild_in_process(root: Path, runs: int, target: Target, kinds: tuple[str, ...]) -> dict[str, list]:
    """What one save costs the server itself: Preview.rebuild() after a one-file change."""
    from frontline.serve import Preview, watched_files

    preview = Preview(root.resolve(), root / ".preview-bench")
    # As `serve` does: the watcher reports each save, and a rebuild asks the disk only about
    # the files it reported (without this, each rebuild here would stat every file).
    preview.relevant(watched_files(preview.root))
    preview.rebuild()
    preview.watching()
    source = root / target.source
    original = source.read_text(encoding="utf-8")
    found: dict[str, list] = {}
    try:
        for kind in kinds:
            times = found[kind] = []
            for i in range(runs):
                source.write_text(target.edit(original, kind, f"第{i}次修改"), encoding="utf-8")
                preview.relevant({source})
                times.append(preview.rebuild())
                if preview.state.failed:
                    raise SystemExit(f"the rebuild failed: {preview.state.problems[:3]}")
    finally:
        source.write_text(original, encoding="utf-8")
        shutil.rmtree(root / ".preview-bench", ignore_errors=True)
    return found


def time_serve(root: Path, runs: int, target: Target, kinds: tuple[str, ...]) -> dict[str, tuple[list, list]]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    cmd = [sys.executable, str(REPO / "build.py"), "--root", str(root), "serve", "--port", str(port)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    source = root / target.source
    original = source.read_text(encoding="utf-8")
    found: dict[str, tuple[list, list]] = {}
    try:
        deadline = time.monotonic() + 1800  # the first build of a large site renders every page
        while True:
            try:
                get(base + "/")
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.2)
        for kind in kinds:
            to_reload, to_page = [], []
            for i in range(runs):
                page = get(base + target.page)
                page_hash = page.split('data-hash="', 1)[1].split('"', 1)[0]
                marker = f"{kind}第{i}次修改"
                events = urllib.request.urlopen(
                    f"{base}/__frontline/events?page={target.page}&hash={page_hash}", timeout=600
                )
                events.readline()  # "retry:" line: the stream is open
                started = time.perf_counter()
                source.write_text(target.edit(original, kind, marker), encoding="utf-8")
                while events.readline() != b"data: reload\n":
                    pass
                to_reload.append(time.perf_counter() - started)
                if marker not in get(base + target.page):
                    raise SystemExit("the reloaded page does not show the change")
                to_page.append(time.perf_counter() - started)
                events.close()
            found[kind] = (to_reload, to_page)
        return found
    finally:
        source.write_text(original, encoding="utf-8")
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:  # still busy with a build: do not hide the first error
            proc.kill()
            proc.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--pages", type=int, help="build bench/corpus.py's site of this many pages")
    parser.add_argument("--root", type=Path, help="an existing site (its edited file is restored afterwards)")
    parser.add_argument("--source", help="file to edit, relative to the site root")
    parser.add_argument("--page", help="URL path of the page that shows it")
    parser.add_argument("--phrase", help="a phrase of its body, after which the body edit writes")
    parser.add_argument("--field", help='front-matter field whose value the edit changes, e.g. "summary:"')
    parser.add_argument("--skip-check", action="store_true", help="leave out the `check` timings")
    parser.add_argument("--skip-in-process", action="store_true", help="leave out the in-process rebuild timings")
    parser.add_argument(
        "--corpus", action="store_true", help="--root is a bench/corpus.py site: edit its first profile"
    )
    parser.add_argument("--json", action="store_true", help="print the save -> reloaded page seconds as JSON only")
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    with tempfile.TemporaryDirectory() as tmp:
        if args.root:
            root, default = args.root.resolve(), CORPUS if args.corpus else SAMPLE
        elif args.pages:
            sys.path.insert(0, str(REPO / "bench"))
            from corpus import build_corpus

            started = time.perf_counter()
            print(build_corpus(args.pages, Path(tmp), REPO, ("frontline",)), flush=True)
            print(f"corpus written in {time.perf_counter() - started:.1f} s", flush=True)
            root, default = Path(tmp) / "frontline", CORPUS
        else:
            root, default = Path(tmp), SAMPLE
            for name in ("content", "templates", "static"):
                shutil.copytree(REPO / name, root / name)
        target = Target(
            *(
                given or fallback
                for given, fallback in zip((args.source, args.page, args.phrase, args.field), default, strict=True)
            )
        )
        kinds = ("body", "front matter")
        if args.json:  # for bench/run.py: only the editor's loop, through the real server
            print(
                json.dumps({kind: to_page for kind, (_, to_page) in time_serve(root, args.runs, target, kinds).items()})
            )
            return
        if not args.skip_check:
            print(
                summary("python build.py check (whole process)", time_check(root, max(3, args.runs // 2))), flush=True
            )
            print(
                summary("pipeline.check() in process (no imports)", time_check_in_process(root, args.runs)), flush=True
            )
        if not args.skip_in_process:
            for kind, times in time_rebuild_in_process(root, args.runs, target, kinds).items():
                print(summary(f"serve: one rebuild in process, {kind} edit", times), flush=True)
        for kind, (to_reload, to_page) in time_serve(root, args.runs, target, kinds).items():
            print(summary(f"serve: save -> reload event, {kind} edit", to_reload), flush=True)
            print(summary(f"serve: save -> reloaded page fetched, {kind} edit", to_page), flush=True)


if __name__ == "__main__":
    main()
