"""Every built page and stylesheet passes the Nu Html Checker (vnu.jar from npm vnu-jar) with zero errors."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.webserver import REPO, SETUP_HINT

pytestmark = pytest.mark.browser

VNU = REPO / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def test_every_page_and_stylesheet_is_valid(real_site: Path) -> None:
    java = shutil.which("java")
    assert java and VNU.exists(), f"java and {VNU.relative_to(REPO)} are needed: {SETUP_HINT}"
    output = real_site / "output"
    html = sorted(output.rglob("*.html"))
    css = sorted(output.rglob("*.css"))
    svg = sorted(output.rglob("*.svg"))
    # One call for all files: the checker's start-up dominates its run time.
    proc = subprocess.run(
        [java, "-jar", str(VNU), "--format", "json", "--also-check-css", "--also-check-svg", "--errors-only"]
        + [str(p) for p in html + css + svg],
        capture_output=True,
        text=True,
        timeout=300,
    )
    messages = json.loads(proc.stderr or "{}").get("messages", []) if proc.stderr.strip().startswith("{") else None
    assert messages is not None, f"vnu.jar did not report JSON (exit {proc.returncode}):\n{proc.stderr[-2000:]}"
    prefix = f"file:{output}/"
    errors = [
        f"{m.get('url', '').removeprefix(prefix)}:{m.get('lastLine', '?')}:{m.get('firstColumn', '?')}: "
        f"{m.get('type')}: {m.get('message')}"
        for m in messages
    ]
    print(f"vnu.jar checked {len(html)} pages, {len(css)} stylesheets, {len(svg)} SVG files: {len(errors)} errors")
    assert errors == [], "\n".join(errors)
    assert proc.returncode == 0
    assert len(html) >= 20
