"""Stage 2: raw documents -> typed models, or every problem found, each at its line."""

from __future__ import annotations

import dataclasses
import difflib
import re
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from . import pinyin
from .errors import BuildError, Problem
from .load import Document
from .memo import CheckMemo, Store
from .models import (
    SLUG_PATTERN,
    Article,
    ArticleMeta,
    Content,
    Edition,
    EditionMeta,
    Figure,
    Organization,
    OrganizationMeta,
    Profile,
    ProfileMeta,
    SiteConfig,
    Source,
    StatsFile,
)

META_FOR_KIND: dict[str, type[BaseModel]] = {
    "site": SiteConfig,
    "organization": OrganizationMeta,
    "edition": EditionMeta,
    "article": ArticleMeta,
    "profile": ProfileMeta,
    "stats": StatsFile,
}

TYPE_NAMES = {
    "string": "文本",
    "int": "整数",
    "bool": "true 或 false",
    "list": "列表（每项以 - 开头）",
    "dict": "“字段: 值”的映射",
    "model": "“字段: 值”的映射",
    "decimal": "数字",
    "float": "数字",
}


def validate(docs: list[Document], memo: CheckMemo | None = None) -> tuple[Content, list[Problem]]:
    """Turn documents into a Content; raises BuildError listing every error found.

    With memo (the preview's), a document that is the very object validated last time gives the
    same models again: they are frozen, and made from the document alone."""
    store = memo.documents if memo is not None else None
    if store is not None:
        store.begin()
    problems: list[Problem] = []
    by_kind: dict[str, list[tuple[Document, Any]]] = {kind: [] for kind in META_FOR_KIND}
    typed_all = [_typed(doc, store) for doc in docs]
    # Slugs from pinyin for the new profiles that give none: one request for them all (pinyin.py).
    new = [t for t in typed_all if t.made is None and t.meta is not None]
    pinyin.warm(t.meta.name for t in new if t.doc.kind == "profile" and not t.meta.slug)
    for typed in typed_all:
        if typed.made is None:
            typed = dataclasses.replace(typed, made=() if typed.meta is None else _made(typed.doc, typed.meta))
            if store is not None:
                store.put(id(typed.doc), typed)
        problems += typed.problems
        if typed.meta is not None:
            by_kind[typed.doc.kind].append((typed.doc, typed))

    if not by_kind["site"]:
        if not any(p.path.endswith("site.yaml") for p in problems):
            problems.append(Problem("content/site.yaml", 1, 1, "缺少站点配置文件 content/site.yaml"))
        raise BuildError(problems)
    config = by_kind["site"][0][1].meta

    organizations = tuple(typed.made[0] for _, typed in by_kind["organization"])
    editions = tuple(typed.made[0] for _, typed in by_kind["edition"])
    articles = tuple(typed.made[0] for _, typed in by_kind["article"])
    profiles = tuple(typed.made[0] for _, typed in by_kind["profile"])
    figures = tuple(figure for _, typed in by_kind["stats"] for figure in typed.made)
    for article, (doc, _) in zip(articles, by_kind["article"], strict=False):
        if not re.match(SLUG_PATTERN, article.slug):
            problems.append(
                Problem(
                    doc.path,
                    1,
                    1,
                    f"文件名 {doc.stem} 不能直接作网址：请改用小写字母、数字和连字符，或填写 slug",
                    "slug",
                )
            )
    problems += _duplicates("slug", "文章网址", [(a.slug, a.source, ("slug",)) for a in articles])
    problems += _duplicates("slug", "人物网址", [(p.slug, p.source, ("slug",)) for p in profiles])
    problems += _duplicates("slug", "组织网址", [(o.slug, o.source, ("slug",)) for o in organizations])
    problems += _duplicates("number", "期号", [(str(e.number), e.source, ("number",)) for e in editions])
    problems += _duplicates("key", "数字编号", [(f.key, f.source, ("key",)) for f in figures])

    content = Content(config, organizations, editions, articles, profiles, figures)
    if any(p.severity == "error" for p in problems):
        raise BuildError(problems)
    if store is not None:
        store.keep()
    return content, problems


@dataclass(frozen=True)
class _Typed:
    """One document validated: its front matter (None if invalid), the problems found in it, and
    what the build makes of it (one entity, or a stats file's figures)."""

    doc: Document
    meta: Any
    problems: tuple[Problem, ...]
    made: tuple | None = ()  # None: not made yet


def _typed(doc: Document, store: Store | None) -> _Typed:
    if store is not None:
        found = store.get(id(doc))
        if found is not None and found.doc is doc:  # the object is kept in the entry: its id is not reused
            return found
    problems: list[Problem] = []
    meta = parse_meta(doc, problems)
    return _Typed(doc, meta, tuple(problems), None)


def _made(doc: Document, meta: Any) -> tuple:
    if doc.kind == "organization":
        return (Organization(doc.stem, meta, _source(doc)),)
    if doc.kind == "edition":
        return (Edition(meta, _source(doc)),)
    if doc.kind == "article":
        return (Article(meta.slug or doc.stem, meta, doc.body, _source(doc)),)
    if doc.kind == "profile":
        return (Profile(meta.slug or slugify(meta.name), meta, doc.body, _source(doc)),)
    if doc.kind == "stats":
        return tuple(
            Figure(fig, Source(doc.path, _sub_marks(doc, ("figures", i)), 1)) for i, fig in enumerate(meta.figures)
        )
    return ()  # the site config is the meta itself


def parse_meta(doc: Document, problems: list[Problem]) -> BaseModel | None:
    model = META_FOR_KIND[doc.kind]
    try:
        return model.model_validate(doc.data)
    except ValidationError as exc:
        for error in exc.errors():
            problems.append(problem_from_error(doc, model, error))
        return None


def problem_from_error(doc: Document, model: type[BaseModel], error: Any) -> Problem:
    loc = tuple(error["loc"])
    kind = error["type"]
    # A missing field has no line of its own: point at the enclosing mapping instead.
    line, col = doc.mark(loc if kind != "missing" else loc[:-1])
    field = _dotted(loc)
    name = str(loc[-1]) if loc else ""
    if kind == "missing":
        message = f"缺少必填字段 {name}"
    elif kind == "extra_forbidden":
        known = list(_fields_at(model, loc[:-1]))
        guess = difflib.get_close_matches(name, known, n=1)
        hint = f"，是否想写 {guess[0]}？" if guess else f"；可用的字段：{'、'.join(known)}"
        message = f"未知字段 {name}{hint}"
    elif kind.endswith("_type") or kind.endswith("_parsing"):
        expected = TYPE_NAMES.get(kind.rsplit("_", 1)[0], kind)
        message = f"应为{expected}，实际写的是 {error.get('input')!r}"
    elif kind == "string_pattern_mismatch":
        message = f"格式不对：{error.get('input')!r} 只能用小写字母、数字和连字符（如 shi-jian）"
        if name == "base_url" or name == "repository":
            message = f"格式不对：{error.get('input')!r} 应为以 http:// 或 https:// 开头、以 / 结尾的网址"
    elif kind == "literal_error":
        message = f"取值 {error.get('input')!r} 不在允许范围内：{error['ctx']['expected']}"
    elif kind in ("string_too_short", "too_short"):
        message = "不能为空"
    elif kind == "string_too_long":
        message = f"太长了（最多 {error['ctx']['max_length']} 个字）"
    elif kind in ("greater_than_equal", "greater_than"):
        message = f"应不小于 {error['ctx'].get('ge', error['ctx'].get('gt'))}"
    elif kind == "value_error":
        message = str(error["ctx"]["error"])
    else:
        message = error["msg"]
    return Problem(doc.path, line, col, message, field)


def slugify(name: str) -> str:
    """ASCII slug for a Chinese name: 韩锋光 -> han-feng-guang."""
    text = "-".join(w for w in pinyin.words(name) if w.strip())
    text = re.sub(r"[^a-z0-9]+", "-", text.lower().replace("ü", "v"))
    return text.strip("-") or "profile"


def _source(doc: Document) -> Source:
    return Source(doc.path, doc.marks, doc.body_line)


def _sub_marks(doc: Document, prefix: tuple) -> dict:
    n = len(prefix)
    return {loc[n:]: pos for loc, pos in doc.marks.items() if loc[:n] == prefix} | {(): doc.mark(prefix)}


def _duplicates(field: str, what: str, items: list[tuple[str, Source, tuple]]) -> list[Problem]:
    if len({value for value, _, _ in items}) == len(items):
        return []  # nothing repeats (the usual case): no need to sort thousands of items by position
    first: dict[str, Source] = {}
    problems = []
    for value, source, loc in sorted(items, key=lambda item: (item[1].path, item[1].at(*item[2]))):
        if value in first:
            other = first[value]
            line, col = source.at(*loc)
            problems.append(
                Problem(source.path, line, col, f"{what} {value} 与 {other.path}:{other.at(*loc)[0]} 重复", field)
            )
        else:
            first[value] = source
    return problems


def _fields_at(model: type[BaseModel], loc: tuple) -> list[str]:
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        info = current.model_fields.get(part) if hasattr(current, "model_fields") else None
        if info is None:
            return []
        current = _inner_model(info.annotation)
    return list(current.model_fields) if hasattr(current, "model_fields") else []


def _inner_model(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def _dotted(loc: tuple) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text
