"""Stage 3: resolve cross-references (organizations, editions, figures, people) into a Site.

Every reference an editor writes is checked here, so that rendering can assume a whole,
consistent site; each dangling one is reported at the line where it was written.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from dataclasses import dataclass, field

from .errors import BuildError, Problem
from .models import Article, Content, Edition, Figure, Organization, Profile, SiteConfig
from .numbers import format_figure
from .prose import KNOWN_SHORTCODES, find_shortcodes, plain_text, sentences


@dataclass(frozen=True)
class Mention:
    """A sentence of an article in which a profiled person is named."""

    article: Article
    sentence: str


@dataclass(frozen=True)
class Site:
    config: SiteConfig
    organizations: tuple[Organization, ...]
    editions: tuple[Edition, ...]  # newest first
    articles: tuple[Article, ...]  # newest edition first
    profiles: tuple[Profile, ...]  # by slug (pinyin order)
    figures: dict[str, Figure]
    organization_of: dict[str, Organization] = field(repr=False)
    edition_articles: dict[int, tuple[Article, ...]] = field(repr=False)
    mentions: dict[str, tuple[Mention, ...]] = field(repr=False)  # profile slug -> mentions
    people_in: dict[str, tuple[Profile, ...]] = field(repr=False)  # article slug -> profiles named
    figures_in: dict[str, tuple[Figure, ...]] = field(repr=False)  # article/profile slug -> cited

    def edition(self, number: int) -> Edition:
        return next(e for e in self.editions if e.number == number)

    def article(self, slug: str | None) -> Article | None:
        return next((a for a in self.articles if a.slug == slug), None)

    def figures_of_edition(self, number: int) -> tuple[Figure, ...]:
        cited = (f for a in self.edition_articles.get(number, ()) for f in self.figures_in[a.slug])
        return tuple(dict.fromkeys(cited))

    def people_of_edition(self, number: int) -> tuple[Profile, ...]:
        named = (p for a in self.edition_articles.get(number, ()) for p in self.people_in[a.slug])
        return tuple(dict.fromkeys(named))

    def colleagues(self, profile: Profile) -> tuple[Profile, ...]:
        return tuple(p for p in self.profiles if p.meta.organization == profile.meta.organization and p != profile)

    @property
    def latest(self) -> Edition | None:
        return self.editions[0] if self.editions else None


def link(content: Content, include_drafts: bool = False) -> tuple[Site, list[Problem]]:
    problems: list[Problem] = []
    orgs = {o.id: o for o in content.organizations}
    editions = {e.number: e for e in content.editions}
    figures = {f.key: f for f in content.figures}
    articles = [a for a in content.articles if include_drafts or not a.meta.draft]
    profiles = [p for p in content.profiles if include_drafts or not p.meta.draft]

    def need(ok: bool, source, loc: tuple, message: str) -> None:
        if not ok:
            line, col = source.at(*loc)
            problems.append(Problem(source.path, line, col, message, ".".join(map(str, loc))))

    org_list = "、".join(sorted(orgs)) or "（还没有）"
    for item in (*content.articles, *content.profiles, *content.figures):
        meta = item.meta
        need(
            meta.organization in orgs,
            item.source,
            ("organization",),
            f"未知的组织 {meta.organization}：content/organizations/ 下没有这个文件；可用的有 {org_list}",
        )
    for article in content.articles:
        need(
            article.meta.edition in editions,
            article.source,
            ("edition",),
            f"未知的期号 {article.meta.edition}：content/editions/ 下没有这一期",
        )
    slugs = {a.slug for a in content.articles}
    for figure in content.figures:
        if figure.meta.article is not None:
            need(
                figure.meta.article in slugs,
                figure.source,
                ("article",),
                f"未知的文章 {figure.meta.article}：content/articles/ 下没有这篇",
            )
    for profile in content.profiles:
        if profile.meta.party_years is not None:
            need(
                profile.meta.party_years in figures,
                profile.source,
                ("party_years",),
                f"未知的数字编号 {profile.meta.party_years}：请先在 content/stats/ 中定义",
            )

    cited: dict[str, list[Figure]] = {}
    for item in (*content.articles, *content.profiles):
        cited[item.slug] = []
        for code in find_shortcodes(item.body):
            line, col = item.source.body_line + code.line, code.col
            if code.kind not in KNOWN_SHORTCODES:
                problems.append(
                    Problem(
                        item.source.path,
                        line,
                        col,
                        f"无法识别的标记 {{{{{code.kind} …}}}}：可用 {{{{fig 编号}}}} 或 {{{{photo 说明}}}}",
                    )
                )
            elif code.kind == "fig" and code.arg not in figures:
                guess = _close(code.arg, figures)
                problems.append(
                    Problem(
                        item.source.path,
                        line,
                        col,
                        f"未知的数字编号 {code.arg}{guess}：请在 content/stats/ 中定义",
                        "body",
                    )
                )
            elif code.kind == "fig" and figures[code.arg] not in cited[item.slug]:
                cited[item.slug].append(figures[code.arg])
            elif code.kind == "photo" and not code.arg:
                problems.append(Problem(item.source.path, line, col, "图片说明是空的", "body"))

    if any(p.severity == "error" for p in problems):
        raise BuildError(problems)

    def figure_text(key: str) -> str:
        return format_figure(figures[key].meta) if key in figures else ""

    mentions: dict[str, list[Mention]] = defaultdict(list)
    people_in: dict[str, list[Profile]] = defaultdict(list)
    # Longest names first, so that a name inside a longer name is not counted as a mention.
    by_length = sorted(profiles, key=lambda p: (-len(p.meta.name), p.slug))
    for article in articles:
        text = "\n".join(filter(None, [article.meta.lead, plain_text(article.body, figure_text)]))
        for sentence in sentences(text):
            taken = sentence
            for profile in by_length:
                if profile.meta.name in taken:
                    taken = taken.replace(profile.meta.name, "\0" * len(profile.meta.name))
                    if not any(m.article is article for m in mentions[profile.slug]):
                        mentions[profile.slug].append(Mention(article, sentence))
                    if profile not in people_in[article.slug]:
                        people_in[article.slug].append(profile)

    edition_order = sorted(editions.values(), key=lambda e: -e.number)
    article_order = sorted(articles, key=lambda a: (-a.meta.edition, a.meta.date, a.slug))
    site = Site(
        config=content.config,
        organizations=tuple(sorted(orgs.values(), key=lambda o: o.slug)),
        editions=tuple(edition_order),
        articles=tuple(article_order),
        profiles=tuple(sorted(profiles, key=lambda p: p.slug)),
        figures=figures,
        organization_of=orgs,
        edition_articles={
            e.number: tuple(a for a in article_order if a.meta.edition == e.number) for e in edition_order
        },
        mentions={p.slug: tuple(mentions[p.slug]) for p in profiles},
        people_in={a.slug: tuple(sorted(people_in[a.slug], key=lambda p: p.slug)) for a in articles},
        figures_in={slug: tuple(figs) for slug, figs in cited.items()},
    )
    return site, problems


def _close(key: str, figures: dict[str, Figure]) -> str:
    guess = difflib.get_close_matches(key, list(figures), n=1)
    return f"（是否想写 {guess[0]}？）" if guess else ""
