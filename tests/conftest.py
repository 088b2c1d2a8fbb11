"""Shared fixtures: throwaway sites built from the real content or from a dict of files."""

from __future__ import annotations

import shutil
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from frontline.cli import main

REPO = Path(__file__).resolve().parent.parent

MINIMAL = {
    "content/site.yaml": """\
        title: 测试站
        description: 用于测试的站点
        base_url: https://example.org/
        """,
    "content/organizations/daxing.yaml": """\
        name: 大兴区总工会
        short_name: 区总工会
        """,
    "content/editions/1.yaml": """\
        number: 1
        title: 第一期
        date: 2020-02
        """,
    "content/articles/report.md": """\
        ---
        title: 测试报道
        organization: daxing
        edition: 1
        date: 2020-02
        ---
        ## 小标题

        机关选派{{fig leaders}}领导干部下沉一线。施剑到社区参与防控工作。
        """,
    "content/profiles/shi-jian.md": """\
        ---
        name: 施剑
        organization: daxing
        role: 副主席
        ---
        施剑主动请缨。
        """,
    "content/stats/daxing.yaml": """\
        figures:
          - key: leaders
            label: 下沉一线的领导干部
            value: 5
            unit: 名
            organization: daxing
            article: report
            source: 机关选派5名领导干部下沉一线。
        """,
}


@dataclass
class Run:
    code: int
    err: str


def write_files(root: Path, files: dict[str, str | bytes]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(textwrap.dedent(text), encoding="utf-8")


def make_site(root: Path, files: dict[str, str | bytes] | None = None, base: dict | None = None) -> Path:
    """A site with the real templates and static files, and the given content files."""
    shutil.copytree(REPO / "templates", root / "templates")
    shutil.copytree(REPO / "static", root / "static")
    write_files(root, MINIMAL if base is None else base)
    if files:
        write_files(root, files)
    return root


def run(root: Path, *args: str, capsys: pytest.CaptureFixture | None = None) -> Run:
    code = main(["--root", str(root), *args])
    err = capsys.readouterr().err if capsys else ""
    return Run(code, err)


@pytest.fixture
def minimal_site(tmp_path: Path) -> Path:
    return make_site(tmp_path / "site")


@pytest.fixture(scope="session")
def real_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's own content, built once into a temporary output/."""
    root = tmp_path_factory.mktemp("real")
    for name in ("content", "templates", "static"):
        shutil.copytree(REPO / name, root / name)
    assert main(["--root", str(root)]) == 0
    return root


@pytest.fixture(scope="session")
def served_site(real_site: Path, tmp_path_factory: pytest.TempPathFactory):
    """The real content's fresh build, served by nginx with deploy/nginx.conf (one per session)."""
    from tests.webserver import Nginx

    with Nginx(real_site / "output", tmp_path_factory.mktemp("nginx")) as server:
        yield server


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (one per session); never a downloaded browser."""
    from tests.browsing import launch

    with launch() as chromium:
        yield chromium
