"""Editorial checks that need the whole content at once: links between files, images, people
nobody mentions, numbers typed by hand where a figure exists, and titles that contradict a profile.

They run after link() on the validated Content (drafts included, so that a draft is checked
before it is published) and return Problems; they never change anything.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import Problem
from .memo import CheckMemo, changed_profiles
from .models import Article, Content, Edition, Figure, Profile, figure_texts
from .names import NameIndex, content_key
from .numbers import format_number
from .prose import SHORTCODE, LinkRef, find_links, resolve_link

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
BodyLinks = list[tuple[Article | Profile, tuple]]  # each body's item with its resolved links (_links_of)


def inspect(content: Content, root: Path, memo: CheckMemo | None = None) -> list[Problem]:
    """Every problem the checks find, errors and warnings, in no particular order.

    With memo (the preview's), what each check found in a body is kept under the body and the
    site-wide inputs it was found with, and what the last inspect() found in each file, for a
    check after a save that changed only a few profiles (_again); anything on disk (images) is
    looked at every time."""
    kept = memo.names.get("inspect") if memo is not None else None
    if kept is not None:
        again = _again(kept, content)
        if again is not None:
            assert memo is not None
            memo.names["inspect"] = again
            return _problems(again, root)
    seen = _Seen(memo)
    lines = _lines_naming(content, seen)
    typed = _typed_numbers(content.figures, seen)
    found = _Found(
        content,
        _links_of(content, seen),  # both the link check and the unmentioned one look at them
        _named(content, seen),
        typed,
        _typed(content, typed, seen),
        lines,
        {i: titles for i, p in enumerate(content.profiles) if (titles := _titles(p, lines, seen))},
    )
    seen.keep()
    if memo is not None:
        memo.names["inspect"] = found
    return _problems(found, root)


@dataclass(frozen=True)
class _Found:
    """What the checks found in the content, by where, before it is told as problems."""

    content: Content
    links: BodyLinks
    named: set[str]  # the profile names that the editions and reports name
    typed_numbers: tuple[dict[str, list[Figure]], _TypedNumbers, bytes] | None  # see _typed_numbers
    typed: dict[int, tuple[Problem, ...]]  # by the body's place: the reports', then the profiles'
    lines: dict[str, list[tuple[Article, int, str]]]  # see _lines_naming
    titles: dict[int, tuple[Problem, ...]]  # by the profile's place


def _problems(found: _Found, root: Path) -> list[Problem]:
    content = found.content
    return [
        *check_links(content, root, found.links),
        *_unmentioned(content.profiles, found.links, found.named),
        *(problem for i in sorted(found.typed) for problem in found.typed[i]),
        *_typed_in_editions(content.editions, found.typed_numbers),
        *(problem for i in sorted(found.titles) for problem in found.titles[i]),
    ]


def _typed_in_editions(
    editions: tuple[Edition, ...], made: tuple[dict[str, list[Figure]], _TypedNumbers, bytes] | None
) -> list[Problem]:
    if made is None:
        return []
    return [problem for edition in editions for problem in _typed_in_fields(edition, *made[:2])]


def _again(last: _Found, content: Content) -> _Found | None:
    """What the checks find in content, from what they found in the last, when only a few
    profiles changed and each keeps its file, name, draft flag and whether it has a role: then
    the reports and editions, the names and the figures are as they were, and only what the
    changed profiles say themselves is looked at again. None otherwise."""
    pairs = changed_profiles(last.content, content)
    if pairs is None:
        return None
    for _, a, b in pairs:
        if a.source.path != b.source.path or (a.meta.name, a.meta.draft) != (b.meta.name, b.meta.draft):
            return None
        if bool(a.meta.role) != bool(b.meta.role):  # who has a role: which names the title check looks for
            return None
    links, typed, titles = list(last.links), dict(last.typed), dict(last.titles)
    seen = _Seen(None)
    for i, _, profile in pairs:
        at = len(content.articles) + i  # the bodies' places: the reports', then the profiles'
        links[at] = (profile, _internal_links(profile))
        typed.pop(at, None)
        if last.typed_numbers is not None and (found := _typed_in(profile, *last.typed_numbers[:2])):
            typed[at] = found
        titles.pop(i, None)
        if found := _titles(profile, last.lines, seen):
            titles[i] = found
    return dataclasses.replace(last, content=content, links=links, typed=typed, titles=titles)


class _Seen:
    """The memo's store for the checks, or nothing (every result computed): one per inspect()."""

    def __init__(self, memo: CheckMemo | None):
        self.memo = memo
        if memo is not None:
            memo.checks.begin()

    def get(self, key: tuple, made_with: bytes | None, make: Callable[..., Any], *args: Any) -> Any:
        """make(*args), or the value the last check kept under key if it was made with the same
        made_with: the key of the name index or number finder it depends on (None for none).
        Keys and made_with are content, never an object's identity, so that what a build from
        the command line found holds for the next run too (memo.KEPT_BETWEEN_RUNS)."""
        if self.memo is None:
            return make(*args)
        found = self.memo.checks.get(key)
        if found is None or found[0] != made_with:
            found = (made_with, make(*args))
            self.memo.checks.put(key, found)
        return found[1]

    def index(self, kind: str, names: frozenset[str]) -> tuple[NameIndex, bytes]:
        """A NameIndex of names, the last check's if it had the same names, and its key."""
        kept = self.memo.names.get(kind) if self.memo is not None else None
        if kept is not None and kept[0].names == names:
            return kept
        made = (NameIndex(names), content_key("\x1f".join(sorted(names))))
        if self.memo is not None:
            self.memo.names[kind] = made
        return made

    def keep(self) -> None:
        if self.memo is not None:
            self.memo.checks.keep()


def _documents(content: Content) -> Iterator[Article | Profile]:
    yield from content.articles
    yield from content.profiles


def _links_of(content: Content, seen: _Seen) -> BodyLinks:
    """Each body's links that can have a problem, resolved (_internal_links), with its item."""
    return [
        (item, seen.get(("links", item.source.path, item.body), None, _internal_links, item))
        for item in _documents(content)
    ]


def check_links(content: Content, root: Path, links: BodyLinks) -> list[Problem]:
    """Links to other content files must name an existing one; images must exist under content/media/."""
    documents = {item.source.path: item for item in (*content.articles, *content.profiles)}
    documents |= {item.source.path: item for item in (*content.editions, *content.organizations)}
    documents |= {f.source.path: f for f in content.figures}
    problems = []
    for item, found in links:
        for ref, resolved in found:
            if not ref.target:
                message = "链接地址是空的：请在 ( ) 中写上链接的文件，如 ../profiles/shi-jian.md"
            else:
                message = _link_problem(ref.image, ref.target, resolved[0], documents, item, root)
            if message:
                severity = "warning" if message.startswith("链接指向草稿") else "error"
                line = item.source.body_line + ref.line
                problems.append(Problem(item.source.path, line, ref.col, message, "body", severity))
    return problems


def _internal_links(item: Article | Profile) -> tuple[tuple[LinkRef, tuple[str, str] | None], ...]:
    """The links of a body that can have a problem (empty, or within the site), each resolved."""
    found = ((ref, resolve_link(item.source.path, ref.target)) for ref in find_links(item.body))
    return tuple((ref, resolved) for ref, resolved in found if not ref.target or resolved is not None)


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


def _named(content: Content, seen: _Seen) -> set[str]:
    """The profile names that the editions' and the reports' texts name."""
    texts = [(e.meta.title, e.meta.summary or "") for e in content.editions]
    texts += [(a.meta.title, a.meta.lead or "", a.body) for a in content.articles]
    index, made_with = seen.index("profiles", frozenset(p.meta.name for p in content.profiles))
    if seen.memo is None or any("\0" in name for name in index.names):
        return index.found_in("\0".join("".join(text) for text in texts))
    # No name holds the NUL that joined the texts, so none is found across two of them: the
    # names found in each text, kept with the index that found them, add up to the same.
    return set().union(*(seen.get(("named", *text), made_with, index.found_in, "".join(text)) for text in texts))


def _unmentioned(profiles: tuple[Profile, ...], links: BodyLinks, named: set[str]) -> list[Problem]:
    """A profile nobody reports on is probably a forgotten or misspelt one."""
    linked = {resolved[0] for _, refs in links for _, resolved in refs if resolved}
    problems = []
    for profile in profiles:
        name = profile.meta.name
        if profile.source.path in linked or name in named:
            continue
        line, col = profile.source.at("name")
        message = f"没有任何报道或期次提到 {name}：请检查姓名是否与报道一致，或在报道中链接 {profile.source.path}"
        problems.append(Problem(profile.source.path, line, col, message, "name", "warning"))
    return problems


def _typed(
    content: Content, made: tuple[dict[str, list[Figure]], _TypedNumbers, bytes] | None, seen: _Seen
) -> dict[int, tuple[Problem, ...]]:
    """A number typed in prose that equals a figure should be that figure's {{fig KEY}}: the
    warnings of each body, by its place."""
    if made is None:
        return {}
    patterns, typed, made_with = made
    found = {}
    for i, item in enumerate(_documents(content)):
        key = ("typed", item.source.path, item.source.body_line, item.body, tuple(figure_texts(item.meta)))
        if problems := seen.get(key, made_with, _typed_in, item, patterns, typed):
            found[i] = problems
    return found


def _typed_numbers(
    figures: tuple[Figure, ...], seen: _Seen
) -> tuple[dict[str, list[Figure]], _TypedNumbers, bytes] | None:
    """The figures' numbers with units, their finder and its key (what the warnings say: the
    numbers, keys and labels); the last check's when the figures are the same objects, or give
    the same numbers, keys and labels."""
    kept = seen.memo.names.get("typed") if seen.memo is not None else None
    if kept is not None and len(kept[0]) == len(figures) and all(a is b for a, b in zip(kept[0], figures, strict=True)):
        return kept[1]
    patterns: dict[str, list[Figure]] = {}
    for figure in figures:
        if not figure.meta.unit:
            continue  # a bare number matches too much prose (dates, ages) to be worth a warning
        # sorted: a set's order changes from run to run, and the finder breaks ties by this order
        for number in sorted({format_number(figure.meta.value), f"{figure.meta.value:f}".rstrip("0").rstrip(".")}):
            patterns.setdefault(number + "\0" + figure.meta.unit, []).append(figure)
    said = tuple((key, tuple((f.key, f.meta.label) for f in found)) for key, found in patterns.items())
    if kept is not None and kept[2] == said:
        made = kept[1]  # the same finder: what it found in each body still holds
    else:
        made = (patterns, _TypedNumbers(patterns), content_key(repr(said))) if patterns else None
    if seen.memo is not None:
        seen.memo.names["typed"] = (figures, made, said)
    return made


def _typed_in(item: Article | Profile, patterns: dict[str, list[Figure]], typed: _TypedNumbers) -> tuple[Problem, ...]:
    problems = list(_typed_in_fields(item, patterns, typed))
    if not _DIGIT.search(item.body):
        return tuple(problems)
    for lineno, line in enumerate(item.body.split("\n")):
        if not _DIGIT.search(line):
            continue  # every match starts with a digit, and blanking shortcodes adds none
        line_no = item.source.body_line + lineno
        for start, message in _typed_in_line(line, patterns, typed):
            problems.append(Problem(item.source.path, line_no, start + 1, message, "body", "warning"))
    return tuple(problems)


def _typed_in_fields(
    item: Article | Profile | Edition, patterns: dict[str, list[Figure]], typed: _TypedNumbers
) -> Iterator[Problem]:
    """The same in the front-matter texts that may cite figures (a summary, a quote): told at
    the field's line, as these texts are one line of YAML each."""
    for name, text in figure_texts(item.meta):
        if _DIGIT.search(text):
            for _, message in _typed_in_line(text, patterns, typed):
                line, col = item.source.at(name)
                yield Problem(item.source.path, line, col, message, name, "warning")


def _typed_in_line(line: str, patterns: dict[str, list[Figure]], typed: _TypedNumbers) -> Iterator[tuple[int, str]]:
    # Shortcodes are blanked, keeping columns: captions quote their photo verbatim.
    line = SHORTCODE.sub(lambda m: " " * len(m.group(0)), line)
    for start, text in typed.finditer(line):
        key = next(k for k in patterns if re.fullmatch(_pattern_of(k), text))
        refs = "或".join(f"{{{{fig {f.key}}}}}" for f in patterns[key])
        labels = "、".join(f.meta.label for f in patterns[key])
        yield start, f"数字 {text} 与已登记的数字（{labels}）相同：请改写为 {refs}，数字只在 content/stats/ 维护"


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


def _titles(profile: Profile, lines: dict[str, list[tuple[Article, int, str]]], seen: _Seen) -> tuple[Problem, ...]:
    """Where a report calls a profiled person by a title their profile does not give them."""
    named = lines.get(profile.meta.name) if profile.meta.role else None
    if not named:
        return ()
    problems = []
    name, role = profile.meta.name, profile.meta.role
    for article, lineno, line in named:
        # What a line says of a name depends on the line, the name and the role alone.
        for col, title in seen.get(("titles", line, name, role), None, _titles_in, line, name, role):
            message = (
                f"这里称 {name} 为“{title}”，但人物资料 {profile.source.path}:{profile.source.at('role')[0]} "
                f"写的职务是“{role}”：请核对原稿，统一其中一处"
            )
            problems.append(
                Problem(article.source.path, article.source.body_line + lineno, col, message, "body", "warning")
            )
    return tuple(problems)


def _lines_naming(content: Content, seen: _Seen) -> dict[str, list[tuple[Article, int, str]]]:
    """Profile name -> the (article, line number, line) that contain it, in article and line order.

    Found once for all names (NameIndex) rather than by searching every report for every profile,
    which made this check grow as profiles x reports."""
    index, made_with = seen.index("roles", frozenset(p.meta.name for p in content.profiles if p.meta.role))
    found: dict[str, list[tuple[Article, int, str]]] = {}
    for article in content.articles:
        body = article.body
        for name, lineno, line in seen.get(("lines", body), made_with, _named_lines, index, body):
            found.setdefault(name, []).append((article, lineno, line))
    return found


def _named_lines(index: NameIndex, body: str) -> tuple[tuple[str, int, str], ...]:
    return tuple((name, lineno, line) for lineno, line in enumerate(body.split("\n")) for name in index.found_in(line))


def _titles_in(line: str, name: str, role: str) -> tuple[tuple[int, str], ...]:
    """(col, title) for each title the role does not hold, written right before the name or right
    after "name，" in line."""
    held = set(re.split(r"[、，,\s]+", role))
    titles = sorted(set(TITLES) | held, key=len, reverse=True)
    found = []
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
            if title and title not in held:
                found.append((start + 1, title))
        start = line.find(name, end)
    return tuple(found)


def _segment(text: str) -> str:
    """Text up to the first punctuation mark."""
    for i, ch in enumerate(text):
        if ch in BREAK:
            return text[:i]
    return text
