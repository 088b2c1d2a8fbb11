"""Editorial checks that need the whole content at once: links between files, images, people
nobody mentions, numbers typed by hand where a figure exists, and titles that contradict a profile.

They run after link() on the validated Content (drafts included, so that a draft is checked
before it is published) and return Problems; they never change anything.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from .errors import Problem
from .models import Article, Content, Figure, Profile
from .names import NameIndex
from .numbers import format_number
from .prose import SHORTCODE, find_links, resolve_link

MEDIA = "content/media/"
# Titles a report may put next to a name (大兴区总工会生产生活部部长韩志森). Longer ones first, so that
# 副主席 is not read as 主席. Each profile's own role adds to this list.
TITLES = [
    *("党组书记", "党组成员", "副主席", "主席", "副书记", "书记", "副部长", "部长", "副主任", "主任"),
    *("副处长", "处长", "副科长", "科长", "科员", "副站长", "站长", "副秘书长", "秘书长", "副会长", "会长"),
    *("副经理", "经理", "副组长", "组长", "副队长", "队长", "干事"),
]
_DIGIT = re.compile(r"\d")
BREAK = "，。、；：！？“”‘’（）《》 \t{}"


def inspect(content: Content, root: Path) -> list[Problem]:
    """Every problem the checks find, errors and warnings, in no particular order."""
    return [
        *check_links(content, root),
        *check_unmentioned(content),
        *check_typed_figures(content),
        *check_titles(content),
    ]


def _documents(content: Content) -> Iterator[Article | Profile]:
    yield from content.articles
    yield from content.profiles


def check_links(content: Content, root: Path) -> list[Problem]:
    """Links to other content files must name an existing one; images must exist under content/media/."""
    documents = {item.source.path: item for item in (*content.articles, *content.profiles)}
    documents |= {item.source.path: item for item in (*content.editions, *content.organizations)}
    documents |= {f.source.path: f for f in content.figures}
    problems = []
    for item in _documents(content):
        for ref in find_links(item.body):
            resolved = resolve_link(item.source.path, ref.target)
            if not ref.target:
                message = "链接地址是空的：请在 ( ) 中写上链接的文件，如 ../profiles/shi-jian.md"
            elif resolved is None:
                continue  # another site, or an anchor on this page
            else:
                message = _link_problem(ref.image, ref.target, resolved[0], documents, item, root)
            if message:
                severity = "warning" if message.startswith("链接指向草稿") else "error"
                line = item.source.body_line + ref.line
                problems.append(Problem(item.source.path, line, ref.col, message, "body", severity))
    return problems


def _link_problem(image: bool, written: str, path: str, documents: dict, item: object, root: Path) -> str:
    if image:
        if not path.startswith(MEDIA):
            return f"图片 {written} 不在 content/media/ 中：请把图片放进 content/media/，再写 ![说明](../media/文件名)"
        if not (root / path).is_file():
            return f"图片不存在：{written}（找的是 {path}）"
        return ""
    if path in documents:
        target = documents[path]
        draft = getattr(getattr(target, "meta", None), "draft", False)
        if draft and not getattr(item.meta, "draft", False):
            return f"链接指向草稿 {path}：正式网站不含草稿，这里将只显示文字"
        return ""
    if path.startswith(MEDIA) and (root / path).is_file():
        return ""
    if path.endswith((".md", ".yaml")):
        return f"链接的文件不存在：{written}（找的是 {path}）；链接请写成相对本文件的路径，如 ../profiles/shi-jian.md"
    return f"无法识别的内部链接 {written}：请链接到 content/ 中的 .md 或 .yaml 文件（如 ../profiles/shi-jian.md）"


def check_unmentioned(content: Content) -> list[Problem]:
    """A profile nobody reports on is probably a forgotten or misspelt one."""
    texts = [e.meta.title + (e.meta.summary or "") for e in content.editions]
    texts += [a.meta.title + (a.meta.lead or "") + a.body for a in content.articles]
    linked = {
        resolved[0]
        for item in _documents(content)
        for ref in find_links(item.body)
        if (resolved := resolve_link(item.source.path, ref.target))
    }
    named = NameIndex(p.meta.name for p in content.profiles).found_in("\0".join(texts))
    problems = []
    for profile in content.profiles:
        name = profile.meta.name
        if profile.source.path in linked or name in named:
            continue
        line, col = profile.source.at("name")
        message = f"没有任何报道或期次提到 {name}：请检查姓名是否与报道一致，或在报道中链接 {profile.source.path}"
        problems.append(Problem(profile.source.path, line, col, message, "name", "warning"))
    return problems


def check_typed_figures(content: Content) -> list[Problem]:
    """A number typed in prose that equals a figure should be that figure's {{fig KEY}}."""
    patterns: dict[str, list[Figure]] = {}
    for figure in content.figures:
        if not figure.meta.unit:
            continue  # a bare number matches too much prose (dates, ages) to be worth a warning
        for number in {format_number(figure.meta.value), f"{figure.meta.value:f}".rstrip("0").rstrip(".")}:
            patterns.setdefault(number + "\0" + figure.meta.unit, []).append(figure)
    if not patterns:
        return []
    typed = _TypedNumbers(patterns)
    problems = []
    for item in _documents(content):
        if not _DIGIT.search(item.body):
            continue
        for lineno, line in enumerate(item.body.split("\n")):
            if not _DIGIT.search(line):
                continue  # every match starts with a digit, and blanking shortcodes adds none
            # Shortcodes are blanked, keeping columns: captions quote their photo verbatim.
            line = SHORTCODE.sub(lambda m: " " * len(m.group(0)), line)
            for start, text in typed.finditer(line):
                key = next(k for k in patterns if re.fullmatch(_pattern_of(k), text))
                refs = "或".join(f"{{{{fig {f.key}}}}}" for f in patterns[key])
                labels = "、".join(f.meta.label for f in patterns[key])
                message = f"数字 {text} 与已登记的数字（{labels}）相同：请改写为 {refs}，数字只在 content/stats/ 维护"
                line_no = item.source.body_line + lineno
                problems.append(Problem(item.source.path, line_no, start + 1, message, "body", "warning"))
    return problems


class _TypedNumbers:
    """Finds what the regex `(?<![\\d.])(?:N1(?:多|余)?U1|N2(?:多|余)?U2|…)`, alternatives ordered
    longest key first, would find, without it: with thousands of figures that alternation was tried
    at every character of every body (80 s for 10,000 pages). A match can only start where a run
    of digits starts, so only there are the numbers looked up, by the prefixes of the run."""

    DIGIT_START = re.compile(r"(?<![\d.])\d")

    def __init__(self, patterns: dict[str, list[Figure]]):
        order = sorted(patterns, key=len)[::-1]  # the alternation's order: the first that matches wins
        self.rank = {key: i for i, key in enumerate(order)}
        self.units: dict[str, list[str]] = {}
        for key in order:
            number, unit = key.split("\0")
            self.units.setdefault(number, []).append(unit)
        self.number_chars = set("".join(self.units))

    def finditer(self, line: str) -> Iterator[tuple[int, str]]:
        """(start, text) of each non-overlapping match, left to right, like re.finditer."""
        resume = 0
        for digit in self.DIGIT_START.finditer(line):
            start = digit.start()
            if start < resume:
                continue
            run = start
            while run < len(line) and line[run] in self.number_chars:
                run += 1
            best: tuple[int, str] | None = None
            for end in range(start + 1, run + 1):
                number = line[start:end]
                for unit in self.units.get(number, ()):
                    text = self._match(line, start, end, unit)
                    rank = self.rank[number + "\0" + unit]
                    if text and (best is None or rank < best[0]):
                        best = (rank, text)
            if best:
                yield start, best[1]
                resume = start + len(best[1])

    @staticmethod
    def _match(line: str, start: int, end: int, unit: str) -> str:
        # N(?:多|余)?U: the optional qualifier is tried first, as the regex's greedy ? does.
        if line[end : end + 1] in ("多", "余") and line.startswith(unit, end + 1):
            return line[start : end + 1 + len(unit)]
        return line[start : end + len(unit)] if line.startswith(unit, end) else ""


def _pattern_of(key: str) -> str:
    number, unit = key.split("\0")
    return re.escape(number) + "(?:多|余)?" + re.escape(unit)


def check_titles(content: Content) -> list[Problem]:
    """A report that calls a profiled person by a title their profile does not give them."""
    problems = []
    lines = _lines_naming(content)
    for profile in content.profiles:
        named = lines.get(profile.meta.name) if profile.meta.role else None
        if not named:
            continue
        held = set(re.split(r"[、，,\s]+", profile.meta.role))
        titles = sorted(set(TITLES) | held, key=len, reverse=True)
        role_line = profile.source.at("role")[0]
        for item, line_no, col, title in _titles_used(named, profile.meta.name, titles):
            if title in held:
                continue
            message = (
                f"这里称 {profile.meta.name} 为“{title}”，但人物资料 {profile.source.path}:{role_line} "
                f"写的职务是“{profile.meta.role}”：请核对原稿，统一其中一处"
            )
            problems.append(Problem(item.source.path, line_no, col, message, "body", "warning"))
    return problems


def _lines_naming(content: Content) -> dict[str, list[tuple[Article, int, str]]]:
    """Profile name -> the (article, line number, line) that contain it, in article and line order.

    Found once for all names (NameIndex) rather than by searching every report for every profile,
    which made this check grow as profiles x reports."""
    index = NameIndex(p.meta.name for p in content.profiles if p.meta.role)
    found: dict[str, list[tuple[Article, int, str]]] = {}
    for article in content.articles:
        for lineno, line in enumerate(article.body.split("\n")):
            for name in index.found_in(line):
                found.setdefault(name, []).append((article, lineno, line))
    return found


def _titles_used(
    lines: list[tuple[Article, int, str]], name: str, titles: list[str]
) -> Iterator[tuple[Article, int, int, str]]:
    """(article, line, col, title) for each title written right before a name or right after "name，"."""
    for article, lineno, line in lines:
        # Each occurrence, left to right, not overlapping (as re.finditer would find the name;
        # a regex per name overflowed re's cache of compiled patterns with thousands of profiles).
        start = line.find(name)
        while start >= 0:
            end = start + len(name)
            before = _segment(line[:start][::-1])[::-1]
            after = line[end:]
            after = _segment(after[1:]) if after.startswith("，") else ""
            for text in (before, after):
                title = next((t for t in titles if text.endswith(t)), None)
                if title:
                    yield article, article.source.body_line + lineno, start + 1, title
            start = line.find(name, end)


def _segment(text: str) -> str:
    """Text up to the first punctuation mark."""
    for i, ch in enumerate(text):
        if ch in BREAK:
            return text[:i]
    return text
