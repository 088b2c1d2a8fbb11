"""Stage 5: pages and assets -> output/, built in a staging directory and swapped in whole.

A failed or killed build therefore never leaves a half-written site behind: the previous
output/ stays exactly as it was until the new one is complete (see publish.py).
"""

from __future__ import annotations

import os
from pathlib import Path

from .publish import MARKER, fresh_output, put
from .render import Asset
from .spare import FileStat, file_stamp

__all__ = ["MARKER", "Stat", "fresh_output", "put", "stat_of", "write"]


def write(out: Path, html: dict[str, str], static: list[Asset], root: Path | None = None) -> int:
    """Write the whole site to out; returns the number of files written.

    With root given, out may not be the site root, content/, templates/ or static/, nor
    hold or sit inside them: a mistyped --out must never wipe what editors wrote.
    """
    files = {path: text.encode("utf-8") for path, text in html.items()}
    files.update({a.path: a.data for a in static})
    with fresh_output(out, root) as fresh:
        for rel in sorted(files):
            put(fresh, rel, files[rel])
    return len(files)


Stat = FileStat  # inode, size, mtime_ns of a file as a build wrote it: what the spare compares too


def stat_of(path: Path | str) -> Stat | None:
    try:
        return file_stamp(os.stat(path))
    except OSError:
        return None
