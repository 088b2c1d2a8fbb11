"""Last-changed dates from git and "编辑此页" links in each page's footer."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.conftest import make_site, run, write_files

REPOSITORY = "base_url: https://example.org/\nrepository: https://github.com/example/site\n"


def git(root: Path, *args: str, date: str = "2020-02-04T10:00:00+08:00") -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "编辑",
        "GIT_AUTHOR_EMAIL": "editor@example.org",
        "GIT_COMMITTER_NAME": "编辑",
        "GIT_COMMITTER_EMAIL": "editor@example.org",
        "GIT_AUTHOR_DATE": date,
        "GIT_COMMITTER_DATE": date,
    }
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, env=env)


def footer(root: Path, page: str) -> str:
    html = (root / "output" / page / "index.html").read_text(encoding="utf-8")
    return html.split('<footer class="site-footer">', 1)[1]


def test_pages_show_last_commit_date_and_edit_link(tmp_path: Path, capsys):
    repo = tmp_path / "repo"
    root = make_site(repo / "site")
    site_yaml = root / "content/site.yaml"
    site_yaml.write_text(site_yaml.read_text().replace("base_url: https://example.org/\n", REPOSITORY))
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "first")
    write_files(root, {"content/profiles/shi-jian.md": "---\nname: 施剑\norganization: daxing\n---\n施剑请缨。\n"})
    git(repo, "commit", "-qam", "second", date="2020-03-01T09:00:00+08:00")

    assert run(root, capsys=capsys).code == 0
    profile = footer(root, "profiles/shi-jian")
    assert '本页最后更新于<time datetime="2020-03-01">2020年3月1日</time>' in profile
    assert (
        '<a href="https://github.com/example/site/edit/main/site/content/profiles/shi-jian.md">编辑此页</a>' in profile
    )
    article = footer(root, "articles/report")
    assert '<time datetime="2020-02-04">2020年2月4日</time>' in article
    assert "site/content/articles/report.md" in article
    assert "page-source" not in footer(root, "stats")  # made from many files: no single source


def test_outside_git_pages_have_no_date(tmp_path: Path, capsys):
    root = make_site(tmp_path)
    assert run(root, capsys=capsys).code == 0
    assert "page-source" not in footer(root, "profiles/shi-jian")
    site_yaml = root / "content/site.yaml"
    site_yaml.write_text(site_yaml.read_text().replace("base_url: https://example.org/\n", REPOSITORY))
    assert run(root, capsys=capsys).code == 0
    profile = footer(root, "profiles/shi-jian")
    assert (
        '<p class="page-source"><a href="https://github.com/example/site/edit/main/content/profiles/shi-jian.md">'
        in profile
    )
    assert "本页最后更新于" not in profile
