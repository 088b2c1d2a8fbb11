"""`build.py new`: start a profile, a report or an edition with the right front matter.

New profiles and reports start as drafts (draft: true): they show in the preview with a
草稿 banner and stay off the published site until the editor removes that line.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

from .errors import BuildError, Problem, display_path
from .validate import slugify

MAX_SLUG = 48  # a title's pinyin makes long URLs; cut at a syllable boundary
PLAIN = re.compile(r"[\w\u3000-\u303f\u4e00-\u9fff\uff01-\uff5e“”‘’、…·—-]+")


def new(root: Path, kind: str, name: str, **options: str | int | None) -> Path:
    """Create the file for a new profile, article or edition; returns its path. Never overwrites."""
    maker = {"profile": _profile, "article": _article, "edition": _edition}[kind]
    name = name.strip()
    if not name:
        raise BuildError([Problem("content", 1, 1, "请写上名字或标题，如：python build.py new profile 韩志森")])
    rel, text = maker(root, name, **options)
    path = root / rel
    if path.exists():
        message = f"文件已存在，未做任何改动：{rel}；要另建一份请用 --slug 指定别的网址"
        raise BuildError([Problem(display_path(path, root), 1, 1, message)])
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8") as f:  # "x": refuse to overwrite, even in a race
        f.write(text)
    return path


def _value(text: str) -> str:
    """A YAML scalar: plain when that is safe, quoted (JSON is valid YAML) otherwise."""
    return (
        text
        if PLAIN.fullmatch(text) and text[0] not in "-?:,[]{}#&*!|>'\"%@`"
        else json.dumps(text, ensure_ascii=False)
    )


def _slug(text: str, slug: str | None) -> str:
    if slug:
        if not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", slug):
            raise BuildError([Problem("content", 1, 1, f"网址 {slug} 只能用小写字母、数字和连字符（如 shi-jian）")])
        return slug
    made = slugify(text)
    if len(made) > MAX_SLUG:
        made = made[:MAX_SLUG].rsplit("-", 1)[0]
    return made


def _organization(root: Path, wanted: str | None) -> str:
    known = sorted(p.stem for p in (root / "content" / "organizations").glob("*.yaml"))
    if wanted in known or (wanted is None and len(known) == 1):
        return wanted or known[0]
    listed = "、".join(known) or "（还没有，请先在 content/organizations/ 中建立）"
    if wanted is None:
        message = f"请用 --organization 指定所属组织，可选：{listed}"
    else:
        message = f"未知的组织 {wanted}：可选 {listed}"
    raise BuildError([Problem("content/organizations", 1, 1, message)])


def _editions(root: Path) -> list[int]:
    return sorted(int(p.stem) for p in (root / "content" / "editions").glob("*.yaml") if p.stem.isdigit())


def _profile(root: Path, name: str, slug: str | None = None, organization: str | None = None, **_: object):
    made = _slug(name, slug)
    lines = [
        "---",
        f"name: {_value(name)}",
        f"organization: {_organization(root, organization)}",
        *([f"slug: {made}"] if slug else []),
        "# 以下字段可选：去掉行首的 # 再填写，内容须来自已刊发的报道",
        "# role: 职务",
        "# department: 部门",
        "# sent_to:",
        "#   town: 镇或街道",
        "#   place: 村、社区或园区",
        "# party_years: 党龄的数字编号（先在 content/stats/ 中登记）",
        "# quote: 本人说过的一句话",
        "# summary: 一句话简介",
        '# 以上两项中的数字写成 {{fig 数字编号}}；值以它开头时整个值加英文双引号："{{fig 编号}}……"',
        "draft: true  # 写完后删去这一行，人物才会发布",
        "---",
        "在这里写人物事迹。",
        "",
    ]
    return f"content/profiles/{made}.md", "\n".join(lines)


def _article(
    root: Path,
    title: str,
    slug: str | None = None,
    organization: str | None = None,
    edition: int | None = None,
    **_: object,
):
    editions = _editions(root)
    number = edition or (editions[-1] if editions else 1)
    lines = [
        "---",
        f"title: {_value(title)}",
        "# subtitle: 副标题",
        "# lead: 导语",
        "# byline:",
        "#   - role: 本报记者",
        "#     name: 姓名",
        f"organization: {_organization(root, organization)}",
        f"edition: {number}",
        f"date: {dt.date.today().isoformat()}  # 也可只写 2020 或 2020-02",
        "draft: true  # 写完后删去这一行，报道才会发布",
        "# 正文和 subtitle、lead 里的数字写成 {{fig 数字编号}}（值以它开头时整个值加英文双引号）",
        "# 没有照片的照片说明在正文中单独一行写成 {{photo 说明文字}}",
        "---",
        "## 小标题",
        "",
        "正文。",
        "",
    ]
    return f"content/articles/{_slug(title, slug)}.md", "\n".join(lines)


def _edition(root: Path, title: str, number: int | None = None, **_: object):
    editions = _editions(root)
    number = number or (editions[-1] + 1 if editions else 1)
    lines = [
        f"number: {number}",
        f"title: {_value(title)}",
        f"date: {dt.date.today().isoformat()}  # 也可只写 2020 或 2020-02",
        "# summary: 本期摘要",
        "",
    ]
    return f"content/editions/{number}.yaml", "\n".join(lines)
