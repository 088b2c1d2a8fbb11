"""Full-text search in Chinese: a Pagefind index of the built site, made at build time.

Pagefind's extended build segments Chinese; its plain build finds nothing in Chinese. The
index is written into the fresh output directory before it is swapped in, so a failed index
never costs the previous site. Pages say what to index with data-pagefind-* attributes in the
templates: the body of each report with its people, each profile, edition, union, the
figures, and the place index, whose 镇/街道 headings make 榆垓镇 or 南黑垓村 lead to the place
itself as well as to the reports (Pagefind's sub-results link to the heading).

We run Pagefind's command line rather than its Python service: the service (1.5.2) can be
stopped before it has finished writing its files when the machine is busy (we saw an empty
wasm file), while the command line exits only when everything is written.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import cbor2

from .errors import BuildError, Problem
from .publish import die_with_build

BUNDLE = "pagefind"  # folder of the index and the search UI in the output
LANGUAGE = "zh-cn"
# Pagefind writes every flavour of its UI; the search page uses the default one only.
UNUSED = (
    "pagefind-component-ui.css",
    "pagefind-component-ui.js",
    "pagefind-modular-ui.css",
    "pagefind-modular-ui.js",
    "pagefind-highlight.js",
)
META_SIGNATURE = b"pagefind_dcd"


@dataclass(frozen=True)
class SearchIndex:
    pages: int
    files: int
    bytes: int


def index(folder: Path, bundle: Path | None = None) -> SearchIndex:
    """Index the HTML pages under folder and write the bundle to folder/pagefind (or to bundle:
    the benchmark times the index on its own, leaving the built site as it is)."""
    bundle = bundle or folder / BUNDLE
    command = [sys.executable, "-m", "pagefind", "--site", str(folder), "--force-language", LANGUAGE]
    if bundle != folder / BUNDLE:
        command += ["--output-path", str(bundle)]
    try:
        build = os.getpid()
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=600, preexec_fn=lambda: die_with_build(build)
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BuildError([Problem(str(folder), 1, 1, f"生成搜索索引失败：{exc}")]) from None
    if done.returncode != 0:
        last = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["pagefind 异常退出"]
        raise BuildError([Problem(str(folder), 1, 1, f"生成搜索索引失败：{last[0]}")])
    for name in UNUSED:
        (bundle / name).unlink(missing_ok=True)
    pages = _stable_meta(bundle)
    files = [p for p in bundle.rglob("*") if p.is_file()]
    return SearchIndex(pages, len(files), sum(p.stat().st_size for p in files))


def _stable_meta(bundle: Path) -> int:
    """Make the index the same bytes for the same site.

    Pagefind 1.5.2 writes the filters (单位, 期数) and the values of each filter in hash-map
    order, which changes from run to run, and names each file after its content; everything
    else it writes is stable. So we sort those lists, write the files again (gzip without a
    timestamp), name them after their new content and update the references: the metadata
    names the filter files, pagefind-entry.json names the metadata file.
    """
    entry_path = bundle / "pagefind-entry.json"
    entry_text = entry_path.read_text(encoding="utf-8")
    entry = json.loads(entry_text)
    for language, info in entry["languages"].items():
        meta_file = bundle / f"pagefind.{info['hash']}.pf_meta"
        meta = _read(meta_file)
        # meta: [version, pages, index chunks, filters as [name, file hash], sorts, meta fields]
        filters = []
        for name, chunk in meta[3]:
            values = _read(bundle / "filter" / f"{chunk}.pf_filter")  # [name, [[value, pages]]]
            values[1] = sorted(values[1], key=lambda v: v[0])
            filters.append([name, _write(bundle / "filter", language, 7, ".pf_filter", values, chunk)])
        meta[3] = sorted(filters)
        meta_hash = _write(bundle, language, 13, ".pf_meta", meta, info["hash"], prefix="pagefind.")
        entry_text = entry_text.replace(f'"{info["hash"]}"', f'"{meta_hash}"')
    entry_path.write_text(entry_text, encoding="utf-8")
    return sum(info["page_count"] for info in entry["languages"].values())


def _read(path: Path):
    raw = gzip.decompress(path.read_bytes())
    if not raw.startswith(META_SIGNATURE):
        raise BuildError([Problem(str(path), 1, 1, "无法识别的 Pagefind 索引格式：请检查 pagefind 的版本")])
    return cbor2.loads(raw[len(META_SIGNATURE) :])


def _write(folder: Path, language: str, digits: int, suffix: str, value, old: str, prefix: str = "") -> str:
    """Write value as Pagefind does, named after its content; returns the new hash."""
    data = META_SIGNATURE + cbor2.dumps(value)
    new = f"{language}_{hashlib.sha256(data).hexdigest()[:digits]}"
    (folder / f"{prefix}{old}{suffix}").unlink()
    (folder / f"{prefix}{new}{suffix}").write_bytes(gzip.compress(data, mtime=0))
    return new


if __name__ == "__main__":
    # python -m frontline.search SITE [BUNDLE]: the index step alone, as the benchmark measures it.
    made = index(Path(sys.argv[1]), Path(sys.argv[2]) if len(sys.argv) > 2 else None)
    print(f"{made.pages} pages, {made.files} files, {made.bytes} bytes", file=sys.stderr)
