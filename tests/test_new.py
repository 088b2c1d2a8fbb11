"""`build.py new`: files with valid front matter and a pinyin slug, never overwriting."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from tests.conftest import make_site, run


def test_new_profile_has_pinyin_slug_and_checks(tmp_path: Path, capsys):
    root = make_site(tmp_path)
    result = run(root, "new", "profile", "韩锋光", capsys=capsys)
    assert result.code == 0
    assert "已新建 content/profiles/han-feng-guang.md" in result.err
    text = (root / "content/profiles/han-feng-guang.md").read_text()
    assert text.startswith("---\nname: 韩锋光\norganization: daxing\n")
    assert "draft: true" in text
    result = run(root, "check", capsys=capsys)
    assert result.code == 0
    assert ": error:" not in result.err


def test_new_profile_refuses_to_overwrite(tmp_path: Path, capsys):
    root = make_site(tmp_path)
    before = (root / "content/profiles/shi-jian.md").read_bytes()
    result = run(root, "new", "profile", "施剑", capsys=capsys)
    assert result.code == 1
    assert result.err == (
        "content/profiles/shi-jian.md:1:1: error: 文件已存在，未做任何改动：content/profiles/shi-jian.md；"
        "要另建一份请用 --slug 指定别的网址\n"
    )
    assert (root / "content/profiles/shi-jian.md").read_bytes() == before


def test_new_profile_with_slug_override(tmp_path: Path, capsys):
    root = make_site(tmp_path)
    assert run(root, "new", "profile", "曾文", "--slug", "zeng-wen", capsys=capsys).code == 0
    text = (root / "content/profiles/zeng-wen.md").read_text()
    assert "\nslug: zeng-wen\n" in text


def test_new_article_and_edition_build_as_drafts(tmp_path: Path, capsys):
    root = make_site(tmp_path)
    assert run(root, "new", "edition", "第二期", capsys=capsys).code == 0
    edition = (root / "content/editions/2.yaml").read_text()
    assert edition.startswith(f"number: 2\ntitle: 第二期\ndate: {dt.date.today().isoformat()}")
    assert run(root, "new", "article", "一线见闻：工会干部", capsys=capsys).code == 0
    article = (root / "content/articles/yi-xian-jian-wen-gong-hui-gan-bu.md").read_text()
    assert article.startswith('---\ntitle: "一线见闻：工会干部"\n') or article.startswith(
        "---\ntitle: 一线见闻：工会干部\n"
    )
    assert "\nedition: 2\n" in article
    assert run(root, "check", capsys=capsys).code == 0
    assert run(root, capsys=capsys).code == 0
    assert not (root / "output/articles/yi-xian-jian-wen-gong-hui-gan-bu").exists()
    assert run(root, "build", "--drafts", capsys=capsys).code == 0
    assert (root / "output/articles/yi-xian-jian-wen-gong-hui-gan-bu/index.html").is_file()


def test_new_quotes_a_title_yaml_would_misread(tmp_path: Path, capsys):
    root = make_site(tmp_path)
    assert run(root, "new", "edition", "特刊: 抗疫", "--number", "5", capsys=capsys).code == 0
    assert '\ntitle: "特刊: 抗疫"\n' in (root / "content/editions/5.yaml").read_text()
    assert run(root, "check", capsys=capsys).code == 0


def test_new_needs_organization_when_there_are_several(tmp_path: Path, capsys):
    root = make_site(tmp_path, {"content/organizations/jingkaiqu.yaml": "name: 北京经济技术开发区总工会\n"})
    result = run(root, "new", "profile", "王娟", capsys=capsys)
    assert result.code == 1
    assert result.err == "content/organizations:1:1: error: 请用 --organization 指定所属组织，可选：daxing、jingkaiqu\n"
    assert not (root / "content/profiles/wang-juan.md").exists()
    assert run(root, "new", "profile", "王娟", "--organization", "jingkaiqu", capsys=capsys).code == 0
