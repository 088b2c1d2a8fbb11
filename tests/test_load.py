from pathlib import Path

import pytest

from frontline.load import load
from tests.conftest import make_site, write_files


def test_values_keep_their_line(minimal_site: Path):
    docs, problems = load(minimal_site)
    assert problems == []
    profile = next(d for d in docs if d.kind == "profile")
    # front matter starts on line 2 (after ---): name is line 2, role line 4
    assert profile.marks[("name",)] == (2, 1)
    assert profile.marks[("role",)] == (4, 1)
    assert profile.body_line == 6
    assert profile.body.startswith("施剑主动请缨")


def test_yaml_syntax_error_is_located(tmp_path: Path):
    root = make_site(tmp_path, {"content/editions/2.yaml": "number: 2\ntitle: [oops\ndate: 2020\n"})
    _, problems = load(root)
    assert [(p.path, p.line) for p in problems] == [("content/editions/2.yaml", 3)]
    assert "YAML 语法错误" in problems[0].message


def test_bom_and_crlf_are_read_as_plain_utf8(tmp_path: Path):
    text = "\ufeffnumber: 2\r\ntitle: 第二期\r\ndate: 2021\r\n".encode()
    root = make_site(tmp_path, {"content/editions/2.yaml": text})
    docs, problems = load(root)
    assert problems == []
    edition = next(d for d in docs if d.path == "content/editions/2.yaml")
    assert edition.data == {"number": 2, "title": "第二期", "date": 2021}


def test_not_utf8_names_the_line(tmp_path: Path):
    root = make_site(tmp_path, {"content/editions/2.yaml": b"number: 2\ntitle: " + "第二期".encode("gbk")})
    _, problems = load(root)
    assert (problems[0].line, "UTF-8" in problems[0].message) == (2, True)


def test_aliases_and_duplicate_keys_are_refused(tmp_path: Path):
    bomb = "a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n"
    root = make_site(tmp_path, {"content/editions/2.yaml": bomb, "content/editions/3.yaml": "number: 3\nnumber: 4\n"})
    _, problems = load(root)
    messages = {p.path: (p.line, p.message) for p in problems}
    assert "别名" in messages["content/editions/2.yaml"][1]
    assert messages["content/editions/3.yaml"][0] == 2
    assert "重复" in messages["content/editions/3.yaml"][1]


def test_markdown_without_front_matter(tmp_path: Path):
    root = make_site(tmp_path)
    write_files(root, {"content/profiles/x.md": "只有正文\n", "content/profiles/y.md": "---\nname: 某\n"})
    _, problems = load(root)
    assert {p.path: p.line for p in problems} == {"content/profiles/x.md": 1, "content/profiles/y.md": 1}
    assert all("---" in p.message for p in problems)


def test_a_build_reparses_only_files_whose_bytes_changed(tmp_path: Path, monkeypatch):
    from frontline import load as stage
    from frontline.pipeline import build, check

    root = make_site(tmp_path)
    parsed: list[str] = []
    real_parse = stage._parse
    monkeypatch.setattr(stage, "_parse", lambda path, *rest: parsed.append(path.name) or real_parse(path, *rest))
    first = build(root, root / "output", search=False)
    assert "shi-jian.md" in parsed and len(parsed) == len(load(root)[0])
    parsed.clear()
    profile = root / "content/profiles/shi-jian.md"
    profile.write_text(profile.read_text("utf-8").replace("主动请缨", "到一线"), "utf-8")
    (root / "content/articles/report.md").touch()  # a newer time alone is no change
    second = check(root)  # reads what the build kept
    assert parsed == ["shi-jian.md"]
    assert second.warnings == first.warnings
    assert next(p for p in second.site.profiles if p.slug == "shi-jian").body.startswith("施剑到一线")
    # what came from the cache is what parsing the files again gives
    assert load(root, parsed=stage.Parsed(root / ".frontline-cache/documents.pickle"))[0] == load(root)[0]


def test_a_build_reads_only_the_files_whose_stat_changed_and_never_trusts_a_racy_one(tmp_path: Path, monkeypatch):
    """A file is read again when anything about it changed (even with its modification time set
    back: its change time moves), or when it was written in the clock tick it was read in."""
    import os
    import time

    from frontline import load as stage
    from frontline.pipeline import build
    from tests.conftest import run

    root = make_site(tmp_path)
    assert run(root, "build", "--no-search").code == 0  # before any cache: the clock less a margin
    report = root / "content/articles/report.md"
    report.write_text(report.read_text("utf-8") + "\n补充一段。\n", "utf-8")
    time.sleep(0.1)  # a clock tick (coarse on Linux): else the report is racy, written in the probe's tick
    assert run(root, "build", "--no-search").code == 0  # reads every file, each older than its probe
    read: list[str] = []
    real_read = stage._read_bytes
    monkeypatch.setattr(stage, "_read_bytes", lambda path: read.append(path.name) or real_read(path))
    profile = root / "content/profiles/shi-jian.md"
    before = profile.stat()
    # the same size and the old modification time: only the change time tells
    profile.write_text(profile.read_text("utf-8").replace("主动请缨", "挺身而出"), "utf-8")
    assert profile.stat().st_size == before.st_size
    os.utime(profile, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert run(root, "build", "--no-search").code == 0
    assert read == ["shi-jian.md"]
    assert "挺身而出" in (root / "output/profiles/shi-jian/index.html").read_text("utf-8")
    # written "in the future", as if in the tick the build read it: read every time until it is older
    read.clear()
    future = profile.stat().st_mtime_ns + 3600 * 10**9
    profile.write_text(profile.read_text("utf-8").replace("挺身而出", "主动请缨"), "utf-8")
    os.utime(profile, ns=(future, future))
    for i in range(2):
        report.write_text(report.read_text("utf-8") + f"\n第{i}次补充。\n", "utf-8")  # so that the build runs
        time.sleep(0.1)
        assert run(root, "build", "--no-search").code == 0
    assert read == ["report.md", "shi-jian.md"] * 2
    clean = tmp_path / "clean"
    build(root, clean, search=False)
    assert (clean / "profiles/shi-jian/index.html").read_bytes() == (
        root / "output/profiles/shi-jian/index.html"
    ).read_bytes()


def test_the_quoting_hint_is_given_only_where_a_value_starts_with_a_shortcode():
    from frontline.load import UnreadableError, parse_yaml

    with pytest.raises(UnreadableError) as shortcode:
        parse_yaml("name: 施剑\nquote: {{fig years}}党龄\n", line_offset=3)
    assert (shortcode.value.line, "英文双引号" in shortcode.value.message) == (5, True)
    with pytest.raises(UnreadableError) as mapping:  # YAML's own flow mapping, left unclosed
        parse_yaml("name: 施剑\nsent_to: {town: 西红门镇\n", line_offset=3)
    assert "YAML 语法错误" in mapping.value.message and "引号" not in mapping.value.message
