"""Pull quotes for the front page and edition pages, taken only from what people said.

Two sources, both the reports' own words: a profile's `quote` (said by that person), then the
quoted speech in a report body (“……！” followed by 说 or preceded by 说：). A quotation mark
around a term (“经开区”, “微”课堂) is not speech: speech ends with 。！？ inside the quotes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .models import Article, Profile
from .prose import plain_text, with_figures

PRONOUNS = ("他", "她", "我", "这", "那")
SPEECH = re.compile(r"“([^“”]{10,140}?[。！？…])”")
SAID_AFTER = re.compile(r"^([^“”。，！？；：\s]{2,12}?)(?:说|表示|介绍|感慨)")
SAID_BEFORE = re.compile(r"([^“”。，！？；\s]{2,12}?)(?:说|表示|介绍|写到|写道|感慨)[：:]$")


@dataclass(frozen=True)
class PullQuote:
    text: str
    speaker: str  # 施剑, 一位基层工会主席; "" if the report does not say
    source: Profile | Article  # where the reader finds it in context

    @property
    def from_profile(self) -> bool:
        return isinstance(self.source, Profile)


def speech_in(article: Article, figure_text: Callable[[str], str]) -> list[PullQuote]:
    """Quoted speech in a report whose speaker the report names, in order of appearance."""
    text = plain_text(article.body, figure_text)
    found = []
    for match in SPEECH.finditer(text):
        after = SAID_AFTER.match(text[match.end() : match.end() + 16])
        before = SAID_BEFORE.search(text[max(0, match.start() - 16) : match.start()])
        speaker = (after or before).group(1).removeprefix("据") if (after or before) else ""
        if len(speaker) >= 2 and not speaker.startswith(PRONOUNS):  # 他说 names nobody
            found.append(PullQuote(match.group(1), speaker, article))
    return found


def pull_quotes(
    people: Iterable[Profile], articles: Iterable[Article], figure_text: Callable[[str], str], limit: int = 2
) -> list[PullQuote]:
    """Up to limit quotes: profiles' own first, then attributed speech from the reports, no repeats."""
    chosen = [PullQuote(with_figures(p.meta.quote, figure_text), p.meta.name, p) for p in people if p.meta.quote]
    for article in articles:
        chosen += speech_in(article, figure_text)
    unique: dict[str, PullQuote] = {}
    for quote in chosen:
        key = re.sub(r"\W", "", quote.text)
        if not any(key in other or other in key for other in unique):
            unique[key] = quote
    return list(unique.values())[:limit]
