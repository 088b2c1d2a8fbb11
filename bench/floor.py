#!/usr/bin/env python3
"""The floor under any generator that keeps Python-Markdown, on the corpus of a Frontline site:

    python bench/floor.py markdown SITE   # each body converted by Python-Markdown, nothing else
    python bench/floor.py loop SITE       # per page: front matter (PyYAML's C loader), Python-Markdown,
                                          # a minimal Jinja2 template, one file written (SITE/floor-output)

Both use every core (forked workers, bodies dealt out in turn) and the same Markdown extensions
as Frontline's converter (frontline/prose.py), without its own: no figures, name links, checks,
indexes or other pages. bench/run.py times them as the tool "floor", beside Hugo's cold build,
so that a table says how much of Frontline's time any Python-Markdown build would spend anyway.
Run with the site's Python (it needs the site's dependencies).
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import sys
from pathlib import Path

import jinja2
import markdown
import yaml
from markupsafe import Markup

EXTENSIONS = ["sane_lists", "tables"]  # the built-in ones frontline/prose.py registers
PAGE = jinja2.Environment(autoescape=True).from_string(
    '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8"><title>{{ title }}</title></head>\n'
    "<body><main><article><h1>{{ title }}</h1>\n<p>{{ organization }} · {{ role }}</p>\n"
    "{{ body }}</article></main></body></html>\n"
)


def sources(site: Path) -> list[Path]:
    content = site / "content"
    return sorted([*content.glob("profiles/*.md"), *content.glob("articles/*.md")])


def split(text: str) -> tuple[str, str]:
    """(front matter, body) of a content file."""
    if text.startswith("---\n"):
        end = text.find("\n---\n", 4)
        if end >= 0:
            return text[4:end], text[end + 5 :]
    return "", text


def convert(paths: list[Path]) -> int:
    md = markdown.Markdown(extensions=EXTENSIONS, output_format="html")
    return sum(len(md.reset().convert(split(p.read_text(encoding="utf-8"))[1])) for p in paths)


def page_loop(job: tuple[list[Path], Path]) -> int:
    paths, out = job
    md = markdown.Markdown(extensions=EXTENSIONS, output_format="html")
    written = 0
    for path in paths:
        front, body = split(path.read_text(encoding="utf-8"))
        meta = yaml.load(front, Loader=yaml.CSafeLoader) or {}
        html = PAGE.render(
            title=meta.get("title") or meta.get("name", ""),
            organization=meta.get("organization", ""),
            role=meta.get("role", ""),
            body=Markup(md.reset().convert(body)),  # the converter's own HTML
        )
        target = out / path.parent.name / path.stem / "index.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        written += target.write_bytes(html.encode("utf-8"))
    return written


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("markdown", "loop"):
        print(__doc__, file=sys.stderr)
        return 2
    mode, site = argv[0], Path(argv[1])
    paths = sources(site)
    cores = len(os.sched_getaffinity(0))
    dealt = [paths[i::cores] for i in range(cores)]
    out = site / "floor-output"
    shutil.rmtree(out, ignore_errors=True)
    with multiprocessing.get_context("fork").Pool(cores) as pool:
        if mode == "markdown":
            made = sum(pool.map(convert, dealt))
        else:
            made = sum(pool.map(page_loop, [(part, out) for part in dealt]))
    print(f"{mode}: {len(paths)} bodies, {made:,} characters of HTML, {cores} processes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
