"""Command line: argument parsing, messages and exit codes only."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .errors import BuildError, format_problems
from .pipeline import build, check


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="build.py", description="Frontline：由 content/ 生成静态网站")
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="站点根目录（含 content/ 与 templates/）")
    sub = parser.add_subparsers(dest="command")
    b = sub.add_parser("build", help="生成网站到 output/（默认命令）")
    b.add_argument("--out", type=Path, default=None, help="输出目录，默认 ROOT/output")
    b.add_argument("--drafts", action="store_true", help="包含草稿")
    c = sub.add_parser("check", help="只检查内容，不生成网站")
    c.add_argument("--strict", action="store_true", help="有警告也算失败")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    github = bool(os.environ.get("GITHUB_ACTIONS"))
    try:
        if args.command == "check":
            result = check(root)
            if result.warnings:
                print(format_problems(result.warnings, github), file=sys.stderr)
            failed = args.strict and result.warnings
            print(
                f"检查完成：{len(result.warnings)} 个警告" + ("（--strict：按失败处理）" if failed else ""),
                file=sys.stderr,
            )
            return 1 if failed else 0
        out = (getattr(args, "out", None) or root / "output").resolve()
        result = build(root, out, include_drafts=getattr(args, "drafts", False))
    except BuildError as exc:
        print(format_problems(exc.problems, github), file=sys.stderr)
        errors = sum(p.severity == "error" for p in exc.problems)
        print(f"构建失败：{errors} 个错误。output/ 保持上一次成功构建的内容未变。", file=sys.stderr)
        return 1
    if result.warnings:
        print(format_problems(result.warnings, github), file=sys.stderr)
    print(f"已生成 {result.files} 个文件到 {out}", file=sys.stderr)
    return 0
