"""Command line: argument parsing, messages and exit codes only."""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from .errors import BuildError, display_path, format_problems
from .skip import look

# The pipeline (pydantic, Markdown, Jinja2, Babel, pypinyin) is imported only when a command needs
# it: a build with nothing to do is decided by skip.look() in a fraction of that import's time.


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="build.py", description="Frontline：由 content/ 生成静态网站")
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="站点根目录（含 content/ 与 templates/）")
    sub = parser.add_subparsers(dest="command")
    b = sub.add_parser("build", help="生成网站到 output/（默认命令）")
    b.add_argument("--out", type=Path, default=None, help="输出目录，默认 ROOT/output")
    b.add_argument("--drafts", action="store_true", help="包含草稿")
    b.add_argument("--no-search", action="store_true", help="不生成站内搜索索引（本地快速预览用，发布时不要加）")
    c = sub.add_parser("check", help="只检查内容，不生成网站")
    c.add_argument("--strict", action="store_true", help="有警告也算失败")
    s = sub.add_parser("serve", help="本地预览：保存后自动重新生成并刷新页面（含草稿）")
    s.add_argument("--port", type=int, default=8000, help="端口，默认 8000；0 表示任选一个空闲端口")
    j = sub.add_parser("schemas", help="由数据模型生成 JSON Schema 文件（供编辑器补全与提示）")
    j.add_argument("--out", type=Path, default=None, help="输出目录，默认 ROOT/schemas")
    n = sub.add_parser("new", help="新建人物、报道或期次文件")
    n.add_argument("kind", choices=["profile", "article", "edition"], help="profile 人物 | article 报道 | edition 期次")
    n.add_argument("name", help="人物姓名，或报道、期次的标题")
    n.add_argument("--slug", help="网址（默认取拼音）")
    n.add_argument("--organization", help="所属组织（content/organizations/ 下的文件名）")
    n.add_argument("--edition", type=int, help="报道所属期号（默认最新一期）")
    n.add_argument("--number", type=int, help="新期次的期号（默认接着最新一期）")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    github = bool(os.environ.get("GITHUB_ACTIONS"))
    if args.command == "serve":
        from .serve import serve  # only the preview needs the file watcher

        return serve(root, args.port)
    if args.command == "schemas":
        from .schemas import export

        folder = (args.out or root / "schemas").resolve()
        written = export(folder)
        print(f"已更新 {len(written)} 个 JSON Schema 文件（{display_path(folder, root)}）", file=sys.stderr)
        return 0
    if args.command == "new":
        from .scaffold import new

        options = {k: getattr(args, k) for k in ("slug", "organization", "edition", "number")}
        try:
            path = new(root, args.kind, args.name, **options)
        except BuildError as exc:
            print(format_problems(exc.problems, github), file=sys.stderr)
            return 1
        print(f"已新建 {display_path(path, root)}：请补全内容，写完后删去 draft: true 一行", file=sys.stderr)
        return 0
    out = (getattr(args, "out", None) or root / "output").resolve()
    drafts, search = getattr(args, "drafts", False), not getattr(args, "no_search", False)
    seen = look(root, out, drafts, search) if args.command != "check" else None
    if seen is not None and seen.skipped is not None:
        if seen.skipped.warnings:
            print(format_problems(seen.skipped.warnings, github), file=sys.stderr)
        print(f"已生成 {seen.skipped.files} 个文件到 {out}", file=sys.stderr)
        return 0
    from .pipeline import build, check

    try:
        with _one_shot_collector():
            result = (
                check(root)
                if args.command == "check"
                else build(root, out, include_drafts=drafts, search=search, seen=seen)
            )
    except BuildError as exc:
        print(format_problems(exc.problems, github), file=sys.stderr)
        errors = sum(p.severity == "error" for p in exc.problems)
        if args.command == "check":
            print(f"检查失败：{errors} 个错误", file=sys.stderr)
        else:
            print(f"构建失败：{errors} 个错误。output/ 保持上一次成功构建的内容未变。", file=sys.stderr)
        return 1
    if result.warnings:
        print(format_problems(result.warnings, github), file=sys.stderr)
    if args.command == "check":
        failed = args.strict and result.warnings
        print(
            f"检查完成：{len(result.warnings)} 个警告" + ("（--strict：按失败处理）" if failed else ""),
            file=sys.stderr,
        )
        return 1 if failed else 0
    print(f"已生成 {result.files} 个文件到 {out}", file=sys.stderr)
    return 0


@contextlib.contextmanager
def _one_shot_collector() -> Iterator[None]:
    """The garbage collector tuned for one check or build, as it was afterwards (tests call main()
    again and again in one process).

    Loading, validating and linking make millions of objects that all live until the build ends,
    and CPython's collector walks every one of them each time their number grows by a quarter:
    at 10,000 pages those full passes were about 1.3 s of a 6 s rebuild, finding nothing (the
    content makes no reference cycles worth a pass). Young objects are still collected as
    usual; only the passes over the old ones wait until the process ends."""
    before = gc.get_threshold()
    gc.set_threshold(100_000, 50, 1_000)
    try:
        yield
    finally:
        gc.set_threshold(*before)
