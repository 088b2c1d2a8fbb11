"""JSON Schema files for what editors write, generated from the typed models in models.py.

Editors' tools (VS Code's YAML language server) use them for completion, hover text and inline
errors; `python build.py schemas` regenerates them and a test keeps them up to date.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from .models import ArticleMeta, EditionMeta, OrganizationMeta, ProfileMeta, SiteConfig, StatsFile

SCHEMAS: dict[str, tuple[type[BaseModel], str]] = {
    "site": (SiteConfig, "站点配置 content/site.yaml"),
    "organization": (OrganizationMeta, "组织 content/organizations/*.yaml"),
    "edition": (EditionMeta, "期次 content/editions/*.yaml"),
    "article": (ArticleMeta, "报道的前置信息 content/articles/*.md"),
    "profile": (ProfileMeta, "人物的前置信息 content/profiles/*.md"),
    "stats": (StatsFile, "数字 content/stats/*.yaml"),
}

# Hover text in the editor, by field name (the same name means the same thing in every file).
DESCRIPTIONS = {
    "title": "标题",
    "description": "简介",
    "base_url": "网站的完整地址，以 / 结尾，如 https://example.org/",
    "language": "网页语言，固定为 zh-CN",
    "repository": "内容所在的代码仓库地址；填写后每页显示“编辑此页”链接",
    "branch": "“编辑此页”打开的分支，默认 main",
    "name": "名称或姓名",
    "short_name": "简称",
    "slug": "网址中的名字：小写字母、数字和连字符；不填则由文件名或姓名拼音生成",
    "number": "期号，从 1 开始",
    "date": "日期：2020、2020-02 或 2020-02-04，页面只显示写出的部分",
    "summary": "一句话摘要；数字写 {{fig 编号}}",
    "subtitle": "副标题；数字写 {{fig 编号}}",
    "kicker": "眉题",
    "lead": "导语；数字写 {{fig 编号}}",
    "byline": "署名，每项含 role（如 本报记者）与 name",
    "role": "职务（与报道原文一致）",
    "organization": "所属组织：content/organizations/ 下的文件名（不含 .yaml）",
    "edition": "所属期号",
    "draft": "true 表示草稿：只在预览中显示，不发布",
    "department": "部门",
    "sent_to": "下沉地点：town 镇或街道，place 村、社区或园区",
    "town": "镇或街道",
    "place": "村、社区或园区",
    "party_years": "党龄：content/stats/ 中某个数字的编号",
    "quote": "本人说过的一句话（引自报道）；数字写 {{fig 编号}}",
    "figures": "数字列表，每项是一条登记的数字",
    "key": "数字编号：正文中写 {{fig 编号}} 引用",
    "label": "这个数字是什么",
    "value": "数值（不含单位）",
    "unit": "单位，如 名、家、万元",
    "qualifier": "修饰词：近、约、超过、逾、共计、累计、达 放在数字前；多、余 放在数字后",
    "article": "出自哪篇报道：content/articles/ 下的文件名（不含 .md）",
    "source": "报道中含这个数字的原句",
    "photo": "人物照片：相对 content/ 的路径，如 photos/shi-jian.jpg",
    "autolink": "false 表示正文中的人名不自动链接到人物页（默认 true）",
}


def schema(kind: str) -> dict[str, Any]:
    model, title = SCHEMAS[kind]
    data = model.model_json_schema()
    _describe(data)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **data, "title": title}


def _describe(node: Any) -> None:
    if isinstance(node, dict):
        for name, prop in (node.get("properties") or {}).items():
            if name in DESCRIPTIONS and isinstance(prop, dict):
                prop["description"] = DESCRIPTIONS[name]
                prop.pop("title", None)  # "Short Name" says less than the description
        for value in node.values():
            _describe(value)
    elif isinstance(node, list):
        for value in node:
            _describe(value)


def schema_files() -> dict[str, str]:
    """File name -> text, for every schema; stable bytes so that a diff shows real changes."""
    return {
        f"{kind}.schema.json": json.dumps(schema(kind), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
        for kind in SCHEMAS
    }


def export(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in schema_files().items():
        path = folder / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            written.append(path)
    return written
