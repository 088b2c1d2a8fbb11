"""Files as they come: wrong encodings, BOMs, control characters, folders, pipes, symlinks,
alias bombs and absurd nesting each get a located message; none a traceback, crash or hang."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from frontline.load import MAX_DEPTH, MAX_FILE_BYTES
from tests.conftest import REPO, make_site, run, write_files

BILLION_LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(9)
)
CASES = {
    "not utf-8": (
        b"number: 1\ntitle: " + "第一期".encode("gbk") + b"\ndate: 2020\n",
        "2:8: error: 文件不是 UTF-8 编码",
    ),
    "NUL byte": (b"number: 1\ntitle: \x00\ndate: 2020\n", "2:8: error: 文件含有看不见的控制字符 U+0000"),
    "escape char": ("number: 1\ntitle: 第\x1b一期\ndate: 2020\n", "2:9: error: 文件含有看不见的控制字符 U+001B"),
    "empty": ("", "1:1: error: 文件是空的"),
    "only a BOM": ("\ufeff", "1:1: error: 文件是空的"),
    "too big": ("title: " + "字" * (MAX_FILE_BYTES // 3 + 1), f"1:1: error: 文件超过 {MAX_FILE_BYTES // 1000} KB 上限"),
    "billion laughs": (BILLION_LAUGHS, "1:4: error: 不支持 YAML 锚点与别名"),
    "deep flow nesting": ("a: " + "[" * 100_000 + "]" * 100_000, f"1:{MAX_DEPTH + 3}: error: 嵌套超过 {MAX_DEPTH} 层"),
    "deep block nesting": ("".join(" " * (2 * i) + f"k{i}:\n" for i in range(60)), "21:41: error: 嵌套超过"),
    "merge key": ("a: {x: 1}\nb:\n  <<: {y: 2}\n", "3:3: error: 不支持 YAML 合并键"),
    # Safe loading: a Python tag is never constructed, let alone run (the touch never happens).
    "python tag": ("number: !!python/object/apply:os.system ['touch pwned']\n", "1:1: error: [number] 应为整数"),
    "not a mapping": ("- 1\n- 2\n", "1:1: error: 文件顶层应为"),
    "lone surrogate escape": ('title: "\\ud800"\nnumber: 1\ndate: 2020\n', "content/editions/1.yaml:1:"),
}


def run_isolated(root: Path) -> subprocess.CompletedProcess:
    """In a child process, so that a crash (segfault) or hang fails this test, not the suite."""
    code = "import sys; from frontline.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run(
        [sys.executable, "-c", code, "--root", str(root), "check"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,  # a guard against a hang, not a speed test
    )


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_bad_file_gets_a_located_message(tmp_path: Path, case: str):
    data, expected = CASES[case]
    root = make_site(tmp_path / "site", {"content/editions/1.yaml": data})
    result = run_isolated(root)
    assert result.returncode == 1, result.stderr  # not -11 (segfault), not a traceback
    assert "Traceback" not in result.stderr
    assert (
        expected in result.stderr
        if expected.startswith("content/")
        else (f"content/editions/1.yaml:{expected}" in result.stderr)
    ), result.stderr


def test_bom_and_crlf_build_like_plain_files(tmp_path: Path, capsys):
    plain = make_site(tmp_path / "plain")
    assert run(plain).code == 0
    windows = make_site(tmp_path / "windows")
    for path in (windows / "content").rglob("*.*"):
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    result = run(windows, capsys=capsys)
    assert result.code == 0, result.err

    def pages(root: Path) -> dict[str, bytes]:
        out = root / "output"
        return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*.html")}

    assert pages(windows) == pages(plain)


def test_folder_pipe_and_unreadable_file(tmp_path: Path, capsys):
    root = make_site(tmp_path / "site")
    (root / "content/profiles/folder.md").mkdir()
    os.mkfifo(root / "content/profiles/pipe.md")  # reading it would block the build forever
    locked = root / "content/profiles/locked.md"
    locked.write_text("---\nname: 某\norganization: daxing\n---\n", encoding="utf-8")
    locked.chmod(0)
    result = run(root, capsys=capsys)
    assert result.code == 1
    assert "content/profiles/folder.md:1:1: error: 这是一个文件夹，不是文件" in result.err
    assert "content/profiles/pipe.md:1:1: error: 这不是普通文件（可能是管道或设备），不读取" in result.err
    if os.geteuid() != 0:  # root reads anything
        assert "content/profiles/locked.md:1:1: error: 无法读取文件：没有读取权限" in result.err


def test_symlinks_out_of_content_are_refused(tmp_path: Path, capsys):
    secret = tmp_path / "secret.md"
    secret.write_text("---\nname: 机密\norganization: daxing\n---\n不该发布的内容\n", encoding="utf-8")
    root = make_site(tmp_path / "site")
    (root / "content/profiles/leak.md").symlink_to(secret)
    (root / "content/profiles/dangling.md").symlink_to(tmp_path / "missing.md")
    inside = root / "content/profiles/alias.md"
    inside.symlink_to(root / "content/profiles/shi-jian.md")
    result = run(root, capsys=capsys)
    assert "content/profiles/leak.md:1:1: error: 这是指向 content/ 之外的符号链接" in result.err
    assert "content/profiles/dangling.md:1:1: error: 无法读取文件：文件不存在（可能是失效的符号链接）" in result.err
    assert "不该发布的内容" not in "".join(p.read_text() for p in tmp_path.rglob("*.html"))
    write_files(root, {})
    (root / "content/profiles/leak.md").unlink()
    (root / "content/profiles/dangling.md").unlink()
    inside.unlink()  # a link inside content/ is fine, but would duplicate the slug here
    assert run(root).code == 0


BODIES = {
    "very long line": ("字" * 6000, "6:1: error: 这一行有 6000 个字符，超过 5000 的上限"),
    "bracket flood": ("[" * 3000, "6:1: error: 这一段有超过 50 个“[”"),
    "shortcode flood": ("{{" * 1000, "6:1: error: 这一段有超过 50 个“{”"),
    "deep list": ("".join(" " * (2 * i) + "- 项\n" for i in range(100)), "27:1: error: 缩进 42 格，超过 40 格的上限"),
    "deep quote": ("> " * 500 + "引文", "6:1: error: 引用嵌套 500 层，超过 10 层的上限"),
    "huge paragraph": (("字" * 4000 + "\n") * 6, "6:1: error: 这一段超过 20000 个字符的上限"),
}


@pytest.mark.parametrize("case", list(BODIES), ids=list(BODIES))
def test_pathological_body_is_refused_not_hung(tmp_path: Path, case: str):
    body, expected = BODIES[case]
    text = f"---\nname: 施剑\norganization: daxing\nrole: 副主席\n---\n{body}\n"
    root = make_site(tmp_path / "site", {"content/profiles/shi-jian.md": text})
    result = run_isolated(root)
    assert result.returncode == 1, result.stderr  # a RecursionError or a hang would not get here
    assert f"content/profiles/shi-jian.md:{expected}" in result.stderr


@pytest.mark.parametrize("folder", ["content/media", "static"])
def test_symlinks_out_of_published_folders_are_refused(tmp_path: Path, capsys, folder: str):
    secret = tmp_path / "id_rsa"
    secret.write_text("PRIVATE KEY", encoding="utf-8")
    root = make_site(tmp_path / "site")
    (root / folder).mkdir(parents=True, exist_ok=True)
    (root / folder / "photo.jpg").symlink_to(secret)
    result = run(root, capsys=capsys)
    assert result.code == 1
    assert f"{folder}/photo.jpg:1:1: error: 这是指向 {folder}/ 之外的符号链接：出于安全考虑不发布" in result.err
    assert not (root / "output").exists()
