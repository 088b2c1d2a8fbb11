"""`build.py check`: each kind of mistake in a small broken site, with its exact message,
location and exit code; and the links editors write between files, as built."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import make_site, run

HEAD = "---\ntitle: 测试报道\norganization: daxing\nedition: 1\ndate: 2020-02\n---\n"


def report(body: str, head: str = HEAD) -> dict[str, str]:
    return {"content/articles/report.md": head + body}


OK_BODY = "机关选派{{fig leaders}}领导干部下沉一线。施剑到社区参与防控工作。\n"

# What an editor is told when a front-matter value starts with {{fig KEY}} unquoted (YAML reads a mapping).
QUOTE_HINT = '（值以 {{ 开头时，要把整个值用英文双引号括起来，例如 summary: "{{fig 编号}}名干部下沉一线"）'

# case -> (files, exit code, exact lines expected in the output)
CASES: dict[str, tuple[dict[str, str], int, list[str]]] = {
    "unknown key": (
        {"content/profiles/shi-jian.md": "---\nname: 施剑\norganization: daxing\nrloe: 副主席\n---\n"},
        1,
        ["content/profiles/shi-jian.md:4:1: error: [rloe] 未知字段 rloe，是否想写 role？"],
    ),
    "wrong type": (
        {"content/editions/1.yaml": "number: 第一期\ntitle: 第一期\ndate: 2020-02\n"},
        1,
        ["content/editions/1.yaml:1:1: error: [number] 应为整数，实际写的是 '第一期'"],
    ),
    "bad date": (
        {"content/editions/1.yaml": "number: 1\ntitle: 第一期\ndate: 2020-13\n"},
        1,
        ["content/editions/1.yaml:3:1: error: [date] 日期 2020-13 不存在"],
    ),
    "date in words": (
        {"content/editions/1.yaml": "number: 1\ntitle: 第一期\ndate: 二月\n"},
        1,
        ["content/editions/1.yaml:3:1: error: [date] 日期应写成 2020、2020-02 或 2020-02-04 的形式"],
    ),
    "missing field": (
        {"content/editions/1.yaml": "number: 1\ndate: 2020-02\n"},
        1,
        ["content/editions/1.yaml:1:1: error: [title] 缺少必填字段 title"],
    ),
    "unknown figure": (
        report("选派{{fig leader}}领导干部。施剑到社区。\n"),
        1,
        [
            "content/articles/report.md:7:3: error: [body] 未知的数字编号 leader（是否想写 leaders？）："
            "请在 content/stats/ 中定义"
        ],
    ),
    "unknown figure in a quote": (
        {
            "content/profiles/shi-jian.md": (
                "---\nname: 施剑\norganization: daxing\nquote: 我们{{fig leader}}都去了\n---\n"
            ),
        },
        1,
        [
            "content/profiles/shi-jian.md:4:1: error: [quote] 未知的数字编号 leader（是否想写 leaders？）："
            "请在 content/stats/ 中定义"
        ],
    ),
    "a quote that starts with a figure, unquoted": (
        {"content/profiles/shi-jian.md": "---\nname: 施剑\norganization: daxing\nquote: {{fig leaders}}都去了\n---\n"},
        1,
        [f"content/profiles/shi-jian.md:4:23: error: YAML 语法错误：did not find expected key{QUOTE_HINT}"],
    ),
    "a summary that is only a figure, unquoted": (
        {"content/editions/1.yaml": "number: 1\ntitle: 第一期\ndate: 2020-02\nsummary: {{fig leaders}}\n"},
        1,
        [f"content/editions/1.yaml:4:11: error: 字段名应为简单文本{QUOTE_HINT}"],
    ),
    "other shortcode in a summary": (
        {"content/editions/1.yaml": "number: 1\ntitle: 第一期\ndate: 2020-02\nsummary: 见{{photo 合影}}\n"},
        1,
        [
            "content/editions/1.yaml:4:1: error: [summary] summary 中只能用 {{fig 编号}} 引用数字，"
            "{{photo 合影}} 在这里不起作用"
        ],
    ),
    "unknown organization": (
        report(OK_BODY, HEAD.replace("daxing", "daxin")),
        1,
        [
            "content/articles/report.md:3:1: error: [organization] 未知的组织 daxin："
            "content/organizations/ 下没有这个文件；可用的有 daxing"
        ],
    ),
    "unknown edition": (
        report(OK_BODY, HEAD.replace("edition: 1", "edition: 7")),
        1,
        ["content/articles/report.md:4:1: error: [edition] 未知的期号 7：content/editions/ 下没有这一期"],
    ),
    "unknown profile": (
        report("选派{{fig leaders}}领导干部。[施剑](../profiles/shijian.md)到社区。\n"),
        1,
        [
            "content/articles/report.md:7:23: error: [body] 链接的文件不存在：../profiles/shijian.md"
            "（找的是 content/profiles/shijian.md）；链接请写成相对本文件的路径，如 ../profiles/shi-jian.md"
        ],
    ),
    "link to a page URL": (
        report(OK_BODY + "\n见[数字](../../stats/)。\n"),
        1,
        [
            "content/articles/report.md:9:2: error: [body] 无法识别的内部链接 ../../stats/："
            "请链接到 content/ 中的 .md 或 .yaml 文件（如 ../profiles/shi-jian.md）"
        ],
    ),
    "empty link": (
        report(OK_BODY + "\n见[这里]()。\n"),
        1,
        [
            "content/articles/report.md:9:2: error: [body] 链接地址是空的："
            + "请在 ( ) 中写上链接的文件，如 ../profiles/shi-jian.md"
        ],
    ),
    "missing image": (
        report(OK_BODY + "\n![施剑在社区](../media/shi-jian.jpg)\n"),
        1,
        [
            "content/articles/report.md:9:1: error: [body] 图片不存在："
            + "../media/shi-jian.jpg（找的是 content/media/shi-jian.jpg）"
        ],
    ),
    "image outside media": (
        {**report(OK_BODY + "\n![照片](photo.jpg)\n"), "content/articles/photo.jpg": "x"},
        1,
        [
            "content/articles/report.md:9:1: error: [body] 图片 photo.jpg 不在 content/media/ 中："
            "请把图片放进 content/media/，再写 ![说明](../media/文件名)"
        ],
    ),
    "duplicate slug": (
        {"content/profiles/shi-jian-2.md": "---\nname: 施剑\norganization: daxing\n---\n"},
        1,
        ["content/profiles/shi-jian.md:1:1: error: [slug] 人物网址 shi-jian 与 content/profiles/shi-jian-2.md:1 重复"],
    ),
    "profile nobody mentions": (
        {"content/profiles/yu-yong.md": "---\nname: 于勇\norganization: daxing\n---\n于勇下沉到村。\n"},
        0,
        [
            "content/profiles/yu-yong.md:2:1: warning: [name] 没有任何报道或期次提到 于勇："
            "请检查姓名是否与报道一致，或在报道中链接 content/profiles/yu-yong.md"
        ],
    ),
    "figure typed as a number": (
        report("机关选派5名领导干部下沉一线。施剑到社区参与防控工作。\n"),
        0,
        [
            "content/articles/report.md:7:5: warning: [body] 数字 5名 与已登记的数字（下沉一线的领导干部）相同："
            "请改写为 {{fig leaders}}，数字只在 content/stats/ 维护"
        ],
    ),
    "figure typed in front matter": (
        {
            **report(OK_BODY, HEAD.replace("date:", "lead: 机关选派5名领导干部\ndate:")),
            "content/editions/1.yaml": "number: 1\ntitle: 第一期\ndate: 2020-02\nsummary: 5名干部下沉\n",
        },
        0,
        [
            "content/articles/report.md:5:1: warning: [lead] 数字 5名 与已登记的数字（下沉一线的领导干部）相同："
            "请改写为 {{fig leaders}}，数字只在 content/stats/ 维护",
            "content/editions/1.yaml:4:1: warning: [summary] 数字 5名 与已登记的数字（下沉一线的领导干部）相同："
            "请改写为 {{fig leaders}}，数字只在 content/stats/ 维护",
        ],
    ),
    "conflicting title": (
        report(OK_BODY + "\n{{photo 区总工会部长施剑到社区。}}\n"),
        0,
        [
            "content/articles/report.md:9:15: warning: [body] 这里称 施剑 为“部长”，"
            "但人物资料 content/profiles/shi-jian.md:4 写的职务是“副主席”：请核对原稿，统一其中一处"
        ],
    ),
    "link to a draft": (
        {
            **report(OK_BODY + "\n另见[于勇](../profiles/yu-yong.md)。\n"),
            "content/profiles/yu-yong.md": "---\nname: 于勇\norganization: daxing\ndraft: true\n---\n",
        },
        0,
        [
            "content/articles/report.md:9:3: warning: [body] 链接指向草稿 content/profiles/yu-yong.md："
            "正式网站不含草稿，这里将只显示文字"
        ],
    ),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_check_reports_each_mistake_at_its_line(tmp_path: Path, capsys, case: str):
    files, code, expected = CASES[case]
    root = make_site(tmp_path, files)
    result = run(root, "check", capsys=capsys)
    lines = result.err.splitlines()
    for line in expected:
        assert line in lines
    assert result.code == code
    assert "Traceback" not in result.err
    assert not (root / "output").exists()  # check never writes the site


def test_a_quoted_value_may_start_with_a_figure(tmp_path: Path, capsys):
    # As the hint above says: quoted, the same quote builds and prints the figure.
    profile = '---\nname: 施剑\norganization: daxing\nquote: "{{fig leaders}}都去了"\n---\n施剑到社区。\n'
    root = make_site(tmp_path, {"content/profiles/shi-jian.md": profile})
    assert run(root, "build", "--no-search", capsys=capsys).code == 0
    page = (root / "output/profiles/shi-jian/index.html").read_text(encoding="utf-8")
    assert '<blockquote class="pull-quote"><p>“5名都去了”</p>' in page


def test_sample_site_checks_clean(tmp_path: Path, capsys):
    result = run(make_site(tmp_path), "check", "--strict", capsys=capsys)
    assert result.code == 0
    assert result.err == "检查完成：0 个警告\n"


def test_strict_fails_on_warnings(tmp_path: Path, capsys):
    root = make_site(tmp_path, report("机关选派5名领导干部下沉一线。施剑到社区参与防控工作。\n"))
    assert run(root, "check", capsys=capsys).code == 0
    result = run(root, "check", "--strict", capsys=capsys)
    assert result.code == 1
    assert result.err.endswith("检查完成：1 个警告（--strict：按失败处理）\n")


def test_github_actions_annotations(tmp_path: Path, capsys, monkeypatch):
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    root = make_site(tmp_path, {"content/editions/1.yaml": "number: 1\ndate: 2020-02\n"})
    result = run(root, "check", capsys=capsys)
    assert result.code == 1
    assert "::error file=content/editions/1.yaml,line=1,col=1::[title] 缺少必填字段 title" in result.err.splitlines()


def test_errors_from_every_stage_come_together(tmp_path: Path, capsys):
    body = "选派{{fig leader}}领导干部。[施剑](shi-jian.md)到社区。\n"
    root = make_site(tmp_path, report(body))
    lines = [line for line in run(root, "check", capsys=capsys).err.splitlines() if ": error: " in line]
    assert [line.split(": error:")[0] for line in lines] == [
        "content/articles/report.md:7:3",
        "content/articles/report.md:7:22",
    ]


def test_real_content_warns_about_han_zhi_sen_title(capsys):
    from tests.conftest import REPO

    result = run(REPO, "check", capsys=capsys)
    assert result.code == 0
    assert result.err.splitlines() == [
        "content/articles/daxing-jixianfeng.md:32:22: warning: [body] 这里称 韩志森 为“部长”，"
        "但人物资料 content/profiles/han-zhi-sen.md:5 写的职务是“科员”：请核对原稿，统一其中一处",
        "检查完成：1 个警告",
    ]


def test_links_to_source_files_become_page_links(tmp_path: Path, capsys):
    body = (
        "选派{{fig leaders}}领导干部。[施剑](../profiles/shi-jian.md)到社区，"
        "见[第一期](../editions/1.yaml#top)与[数字](../stats/daxing.yaml)。\n\n"
        "![施剑在社区](../media/shi-jian.jpg)\n"
    )
    root = make_site(tmp_path, {**report(body), "content/media/shi-jian.jpg": b"\xff\xd8jpeg"})
    assert run(root, capsys=capsys).code == 0
    html = (root / "output/articles/report/index.html").read_text()
    assert '<a href="../../profiles/shi-jian/index.html">施剑</a>' in html
    assert '<a href="../../editions/1/index.html#top">第一期</a>' in html
    assert '<a href="../../stats/index.html">数字</a>' in html
    assert '<img alt="施剑在社区" src="../../media/shi-jian.jpg">' in html
    assert (root / "output/media/shi-jian.jpg").read_bytes() == b"\xff\xd8jpeg"


def test_link_to_a_draft_is_plain_text_in_production(tmp_path: Path, capsys):
    files = CASES["link to a draft"][0]
    root = make_site(tmp_path, files)
    assert run(root, capsys=capsys).code == 0
    html = (root / "output/articles/report/index.html").read_text()
    assert "另见<span>于勇</span>。" in html
    assert not (root / "output/profiles/yu-yong").exists()
