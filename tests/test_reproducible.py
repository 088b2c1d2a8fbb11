"""Same input, same bytes (anywhere, under any environment); and a build talks to no host and
makes pages that load nothing from one."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.scan import unsafe_in_site

BUILD = "import sys; from frontline.cli import main; sys.exit(main(sys.argv[1:]))"
# Every way a Python program reaches the network goes through these; each attempt is reported.
NO_NETWORK = """
import socket, sys
def refuse(*args, **kwargs):
    sys.stderr.write("NETWORK ATTEMPT %r\\n" % (args,))
    raise OSError("network disabled by the test")
socket.socket.connect = socket.socket.connect_ex = refuse
socket.socket.sendto = refuse
socket.create_connection = socket.getaddrinfo = socket.gethostbyname = refuse
"""
# XML namespaces and the JSON-LD vocabulary are names, never fetched.
IDENTIFIERS = ("http://www.w3.org/", "https://www.w3.org/", "http://www.sitemaps.org/", "https://schema.org")


def snapshot(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def build(root: Path, env: dict[str, str], prelude: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", prelude + BUILD, "--root", str(root), "build"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def clone(target: Path) -> Path:
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("needs git and a git checkout")
    subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(REPO), str(target)], check=True)
    # The working tree's content, templates and static (what is being tested), over the clone's.
    for name in ("content", "templates", "static"):
        shutil.rmtree(target / name)
        shutil.copytree(REPO / name, target / name)
    return target


def test_two_clones_in_different_environments_build_identical_bytes(tmp_path: Path):
    first = clone(tmp_path / "a")
    second = clone(tmp_path / "somewhere/else/entirely")
    base = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG", "TZ", "PYTHONHASHSEED"))}
    env_one = base | {"LANG": "C", "TZ": "UTC", "PYTHONHASHSEED": "1"}
    env_two = base | {"LANG": "zh_CN.UTF-8", "LC_ALL": "zh_CN.UTF-8", "TZ": "Asia/Shanghai", "PYTHONHASHSEED": "4242"}
    env_two |= {"SOURCE_DATE_EPOCH": "1600000000"}
    for root, env in ((first, env_one), (second, env_two)):
        result = build(root, env)
        assert result.returncode == 0, result.stderr
    one, two = snapshot(first / "output"), snapshot(second / "output")
    assert sorted(one) == sorted(two)
    assert [path for path in one if one[path] != two[path]] == []
    assert any(path.endswith(".xml") for path in one)  # feeds and sitemap are part of it
    # Building again over the first output changes nothing either.
    assert build(first, env_two).returncode == 0
    assert snapshot(first / "output") == one


def test_building_makes_no_network_connection(real_site: Path, tmp_path: Path):
    shutil.copytree(real_site, tmp_path / "site", ignore=shutil.ignore_patterns("output", ".output.*"))
    result = build(tmp_path / "site", dict(os.environ), NO_NETWORK)
    assert "NETWORK ATTEMPT" not in result.stderr
    assert result.returncode == 0, result.stderr
    assert snapshot(tmp_path / "site/output") == snapshot(real_site / "output")


def test_built_site_references_no_other_host(real_site: Path):
    out = real_site / "output"
    base_url = re.search(r"^base_url:\s*(\S+)", (real_site / "content/site.yaml").read_text(), re.M).group(1)
    assert unsafe_in_site(out, base_url) == {}  # nothing loads from elsewhere, nothing runs
    found = {}
    for path in sorted(out.rglob("*")):
        if path.suffix not in (".html", ".css", ".xml", ".txt", ".json", ".webmanifest") or "pagefind" in path.parts:
            continue
        # Atom's <generator uri> names the feed library; no reader fetches it.
        text = re.sub(r"<generator[^>]*>", "", path.read_text(encoding="utf-8"))
        urls = re.findall(r"""(?:https?:)?//[^\s"'<>)\\]+""", text)
        other = [u for u in urls if u.startswith(("http", "//")) and not u.startswith((base_url, *IDENTIFIERS))]
        other = [u for u in other if not (u.startswith("//") and path.suffix == ".css")]
        if other:
            found[path.relative_to(out).as_posix()] = sorted(set(other))
    assert found == {}
