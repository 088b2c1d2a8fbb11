"""What link() finds in each body: problems with its URLs and shortcodes, the figures it cites,
and the sentences that name people. Each is found from the body and a few site-wide inputs, so
the preview's memo (memo.py) keeps it until the body or one of those inputs changes."""

from __future__ import annotations

import difflib

from .errors import Problem
from .memo import CheckMemo, Store
from .models import Article, Figure, Profile
from .names import NameMatcher, content_key, matcher_for
from .numbers import format_figure
from .prose import KNOWN_SHORTCODES, find_shortcodes, plain_text, sentences, with_figures
from .sanitize import check_body


def body_findings(
    item: Article | Profile, figures: dict[str, Figure], store: Store | None
) -> tuple[list[Problem], tuple[str, ...]]:
    """The problems of one body's URLs and shortcodes, and the keys of the figures it cites (each
    once, in order). What is found depends on the body, where it is and is shown, and which
    figure keys exist; a stored result (never one with an unknown figure, whose hint depends on
    every key) holds while the figures it cites still exist."""
    folder = "articles" if isinstance(item, Article) else "profiles"
    source = item.source
    key = (source.path, source.body_line, item.body, f"{folder}/{item.slug}")
    if store is not None:
        found = store.get(key)
        if found is not None and all(cited in figures for cited in found[1]):
            return list(found[0]), found[1]
    problems = check_body(*key)
    keys: list[str] = []
    unknown = False
    for code in find_shortcodes(item.body):
        line, col = source.body_line + code.line, code.col
        if code.kind not in KNOWN_SHORTCODES:
            problems.append(
                Problem(
                    source.path,
                    line,
                    col,
                    f"无法识别的标记 {{{{{code.kind} …}}}}：可用 {{{{fig 编号}}}} 或 {{{{photo 说明}}}}",
                )
            )
        elif code.kind == "fig" and code.arg not in figures:
            unknown = True
            problems.append(Problem(source.path, line, col, unknown_figure(code.arg, figures), "body"))
        elif code.kind == "fig" and code.arg not in keys:
            keys.append(code.arg)
        elif code.kind == "photo" and not code.arg:
            problems.append(Problem(source.path, line, col, "图片说明是空的", "body"))
    if store is not None and not unknown:
        store.put(key, (tuple(problems), tuple(keys)))
    return problems, tuple(keys)


class Naming:
    """The sentences of each text that name linked people, with the names, in order.

    They depend on the text (a report's lead and body, or a profile's body, with each cited
    figure formatted into it) and on the names the site knows and links: a stored result holds
    while those names (its matcher is rebuilt only when they change) and its figures' texts are
    the same."""

    def __init__(
        self, figures: dict[str, Figure], linked: dict[str, Profile], known: frozenset[str], memo: CheckMemo | None
    ):
        self.figures = figures
        self.formatted: dict[str, str] = {}
        self.memo = memo
        names = frozenset(linked)
        self.matcher = matcher_for(names, known)
        self.names_key = b""
        if memo is not None:
            kept = memo.names.get("names key")
            if kept is not None and kept[0] == names and kept[1] == known:
                self.names_key = kept[2]
            else:
                self.names_key = _names_key(names, known)
                memo.names["names key"] = (names, known, self.names_key)
            memo.naming.begin()
            memo.figure_texts.begin()

    def figure_text(self, key: str) -> str:
        # Formatting goes through Babel and is asked for once per citation: once per figure is enough
        # (and, with a memo, once per figure whose front matter changed).
        text = self.formatted.get(key)
        if text is None:
            figure = self.figures.get(key)
            if figure is None:
                text = ""
            elif self.memo is None:
                text = format_figure(figure.meta)
            else:
                kept = self.memo.figure_texts.get(id(figure.meta))
                text = kept[1] if kept is not None and kept[0] is figure.meta else format_figure(figure.meta)
                self.memo.figure_texts.put(id(figure.meta), (figure.meta, text))
            self.formatted[key] = text
        return text

    def sentences(self, lead: str | None, body: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
        store = self.memo.naming if self.memo is not None else None
        if store is not None:
            found = store.get((lead, body))
            same = found is not None and found[0] == self.names_key
            if same and all(self.figure_text(key) == text for key, text in zip(found[1], found[2], strict=True)):
                return found[3]
        asked: list[str] = []

        def figure_text(key: str) -> str:
            asked.append(key)
            return self.figure_text(key)

        said = with_figures(lead, figure_text) if lead else None
        text = "\n".join(filter(None, [said, plain_text(body, figure_text)]))
        matcher = self.matcher
        named = tuple((s, tuple(m.name for m in matcher.find(s))) for s in _naming(matcher, text))
        if store is not None:
            store.put((lead, body), (self.names_key, tuple(asked), tuple(self.figure_text(k) for k in asked), named))
        return named

    def sentences_kept(self, lead: str | None, body: str) -> None:
        """Note that the stored sentences of this text are still used (a caller that keeps what it
        made from them asks for no more)."""
        if self.memo is not None:
            self.memo.naming.get((lead, body))

    def keep(self) -> None:
        if self.memo is not None:
            self.memo.naming.keep()
            self.memo.figure_texts.keep()


def _names_key(names: frozenset[str], known: frozenset[str]) -> bytes:
    """What the matcher is made from, as a key that holds from one run to the next (memo.load_memo)."""
    return content_key("\x1f".join(sorted(names)) + "\x1e" + "\x1f".join(sorted(known)))


def _naming(matcher: NameMatcher, text: str) -> list[str]:
    """The sentences of text that contain a known name: the names are looked for once in the whole
    text, and only the sentences holding one of them are searched name by name."""
    present = matcher.present(text)
    if not present:
        return []
    return [s for s in sentences(text) if any(name in s for name in present)]


def unknown_figure(key: str, figures: dict[str, Figure]) -> str:
    """What an editor is told of {{fig key}} when no figure has that key, with the closest one."""
    guess = difflib.get_close_matches(key, list(figures), n=1)
    close = f"（是否想写 {guess[0]}？）" if guess else ""
    return f"未知的数字编号 {key}{close}：请在 content/stats/ 中定义"
