#!/usr/bin/env python3
"""Editors' loop on the sample content: `check` wall time, and save-to-reloaded-page latency of
`serve` (file written -> the open page's EventSource gets "reload" -> the page, fetched again,
shows the change). Prints figures; asserts nothing about speed.

    .venv/bin/python bench/serve_latency.py [--runs 20]
"""

from __future__ import annotations

import argparse
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PAGE = "/articles/daxing-jixianfeng/"
SOURCE = "content/articles/daxing-jixianfeng.md"


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


def time_rebuild_in_process(root: Path, runs: int) -> list[float]:
    """What one save costs the server itself: Preview.rebuild() after a one-file change."""
    from frontline.serve import Preview

    preview = Preview(root.resolve(), root / ".preview-bench")
    preview.rebuild()
    source = root / SOURCE
    original = source.read_text(encoding="utf-8")
    times = []
    for i in range(runs):
        source.write_text(original.replace("迅速作出反应", f"迅速作出反应（{i}）"), encoding="utf-8")
        times.append(preview.rebuild())
    source.write_text(original, encoding="utf-8")
    return times


def time_serve(root: Path, runs: int) -> tuple[list[float], list[float]]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    cmd = [sys.executable, str(REPO / "build.py"), "--root", str(root), "serve", "--port", str(port)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                get(base + "/")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        source = root / SOURCE
        original = source.read_text(encoding="utf-8")
        to_reload, to_page = [], []
        for i in range(runs):
            page = get(base + PAGE)
            page_hash = page.split('data-hash="', 1)[1].split('"', 1)[0]
            marker = f"第{i}次修改"
            events = urllib.request.urlopen(f"{base}/__frontline/events?page={PAGE}&hash={page_hash}", timeout=60)
            events.readline()  # "retry:" line: the stream is open
            started = time.perf_counter()
            source.write_text(original.replace("迅速作出反应", f"迅速作出反应（{marker}）"), encoding="utf-8")
            while events.readline() != b"data: reload\n":
                pass
            to_reload.append(time.perf_counter() - started)
            if marker not in get(base + PAGE):
                raise SystemExit("the reloaded page does not show the change")
            to_page.append(time.perf_counter() - started)
            events.close()
        return to_reload, to_page
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for name in ("content", "templates", "static"):
            shutil.copytree(REPO / name, root / name)
        print(summary("python build.py check (whole process)", time_check(root, max(5, args.runs // 2))))
        print(summary("pipeline.check() in process (no imports)", time_check_in_process(root, args.runs)))
        print(summary("serve: one rebuild in process", time_rebuild_in_process(root, args.runs)))
        to_reload, to_page = time_serve(root, args.runs)
        print(summary("serve: save -> reload event", to_reload))
        print(summary("serve: save -> reloaded page fetched", to_page))


if __name__ == "__main__":
    main()
