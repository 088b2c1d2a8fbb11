"""Stage 3: resolve cross-references (organizations, editions, figures, people) into a Site.

Every reference an editor writes is checked here, so that rendering can assume a whole,
consistent site; each dangling one is reported at the line where it was written.
"""

from __future__ import annotations

import heapq
import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from .bodies import Naming, body_findings, unknown_figure
from .errors import BuildError, Problem
from .memo import CheckMemo
from .models import Article, Content, Edition, Figure, Organization, Profile, SiteConfig, Source, figure_texts
from .prose import SHORTCODE

if TYPE_CHECKING:
    from .navigation import PlaceGroup, RoleGroup


@dataclass(frozen=True)
class Mention:
    """A sentence of an article in which a profiled person is named."""

    article: Article
    sentence: str


@dataclass(frozen=True)
class ProfileMention:
    """A sentence of another profile in which a profiled person is named."""

    profile: Profile
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
    profile_mentions: dict[str, tuple[ProfileMention, ...]] = field(repr=False)  # profile slug -> in others
    linked_names: dict[str, Profile] = field(repr=False)  # name -> the one profile it links to
    known_names: frozenset[str] = field(repr=False)  # every person's name the site knows

    def edition(self, number: int) -> Edition:
        return self._edition_by_number[number]

    def article(self, slug: str | None) -> Article | None:
        return self._article_by_slug.get(slug)  # type: ignore[arg-type]

    # Lookups that templates make once per page: a linear scan there makes a build quadratic.
    @cached_property
    def _edition_by_number(self) -> dict[int, Edition]:
        return {e.number: e for e in self.editions}

    @cached_property
    def _article_by_slug(self) -> dict[str, Article]:
        return {a.slug: a for a in self.articles}

    @cached_property
    def _profiles_by_org(self) -> dict[str, tuple[Profile, ...]]:
        grouped: dict[str, list[Profile]] = defaultdict(list)
        for p in self.profiles:
            grouped[p.meta.organization].append(p)
        return {org: tuple(people) for org, people in grouped.items()}

    @cached_property
    def _near_index(self) -> dict[tuple, list[str]]:
        """The slugs of the profiles, in site order, under every combination of their ("town"|
        "place"|"dept", value) keys, alone and with ("org", organization) added. (Slugs, not
        profiles: plain data, which the preview carries over to the next site as it is.)"""
        index: dict[tuple, list[str]] = defaultdict(list)
        for p in self.profiles:
            keys = _near_keys(p)
            for k in range(1, len(keys) + 1):
                for group in itertools.combinations(keys, k):
                    index[group].append(p.slug)
                    index[(*group, ("org", p.meta.organization))].append(p.slug)
        return dict(index)

    @cached_property
    def _profile_by_slug(self) -> dict[str, Profile]:
        return {p.slug: p for p in self.profiles}

    def figures_of_edition(self, number: int) -> tuple[Figure, ...]:
        cited = (f for a in self.edition_articles.get(number, ()) for f in self.figures_in[a.slug])
        return tuple(dict.fromkeys(cited))

    def people_of_edition(self, number: int) -> tuple[Profile, ...]:
        named = (p for a in self.edition_articles.get(number, ()) for p in self.people_in[a.slug])
        return tuple(dict.fromkeys(named))

    def members(self, org_id: str) -> tuple[Profile, ...]:
        """The people of an organization, in site order (a page listing them depends on no one else)."""
        return self._profiles_by_org.get(org_id, ())

    def colleagues(self, profile: Profile) -> tuple[Profile, ...]:
        return tuple(p for p in self._profiles_by_org.get(profile.meta.organization, ()) if p is not profile)

    def nearest(self, profile: Profile, limit: int) -> tuple[tuple[Profile, ...], int]:
        """The first `limit` people sent to the same town or place as profile, or working in the
        same department, most related first; and how many such people there are in all.

        A town or a department can hold thousands of people, so neither the whole list nor a sort
        of it is made for each profile (that made a large site's build grow with the square of its
        size). Most related first means: more of town, place and department in common, then the
        same organization, then site order; the people sharing exactly k of them with this one
        are those in an index of k of its keys not already taken with more in common, so each
        level is a merge, in site order, of a few index lists, stopped once `limit` are found."""
        keys = _near_keys(profile)
        index = self._near_index
        total = _union_size(keys, index) - (1 if keys else 0)  # everyone sharing a key, but this one
        org = profile.meta.organization
        found: list[str] = []
        taken = {profile.slug}
        by_slug = self._profile_by_slug
        for k in range(len(keys), 0, -1):
            groups = list(itertools.combinations(keys, k))
            for same_org in (True, False):
                lists = [index.get((*group, ("org", org)) if same_org else group, ()) for group in groups]
                for slug in heapq.merge(*lists):  # site order: the profiles are sorted by slug
                    if len(found) == limit:
                        return tuple(by_slug[s] for s in found), total
                    if slug not in taken:
                        taken.add(slug)
                        found.append(slug)
        return tuple(by_slug[s] for s in found), total

    def town_anchor(self, town: str) -> str | None:
        """The fragment of a town's section on the places index (places/index.html#...)."""
        return self._town_anchors.get(town)

    @cached_property
    def _town_anchors(self) -> dict[str, str]:
        return {group.name: group.anchor for group in self._place_groups}

    def place_groups(self) -> tuple[PlaceGroup, ...]:
        """Everyone sent somewhere, by town and place (the places index)."""
        return self._place_groups

    def role_groups(self) -> tuple[RoleGroup, ...]:
        """Everyone, by role (the roles index)."""
        return self._role_groups

    # Made once, before a build forks its workers (make_lookups: the pinyin they sort by is then
    # known), and read by their pages as calls: a page's key holds no copy of them to compare
    # with the last build's on every save (that comparison was a tenth of a preview's rebuild).
    @cached_property
    def _place_groups(self) -> tuple[PlaceGroup, ...]:
        from .navigation import places  # navigation builds on Site: imported when first needed

        return places(self)

    @cached_property
    def _role_groups(self) -> tuple[RoleGroup, ...]:
        from .navigation import roles

        return roles(self)

    def mentions_by_edition(self, slug: str) -> tuple[tuple[Edition, tuple[Mention, ...]], ...]:
        """A person's report mentions grouped under the editions that carry the reports, newest first."""
        grouped: dict[int, list[Mention]] = {}
        for mention in self.mentions.get(slug, ()):
            grouped.setdefault(mention.article.meta.edition, []).append(mention)
        # Not a scan of every edition per person: editions grow with the archive, and so did each
        # profile page's cost (sampled, 2 % of a cold build at 10,000 pages and 6 % at 50,000).
        editions = self._edition_by_number
        return tuple((editions[n], tuple(grouped[n])) for n in sorted(grouped, reverse=True) if n in editions)

    def make_lookups(self) -> None:
        """Build every lookup that is otherwise made on first use, now: before a build forks its
        worker processes, so that they share one copy instead of each making its own (the index
        behind nearest() alone holds ~24 MiB at 10,000 people)."""
        for name, attr in vars(type(self)).items():
            if isinstance(attr, cached_property):
                getattr(self, name)

    @property
    def latest(self) -> Edition | None:
        return self.editions[0] if self.editions else None


def link(content: Content, include_drafts: bool = False, memo: CheckMemo | None = None) -> tuple[Site, list[Problem]]:
    """The linked Site and its warnings; raises BuildError listing every error found.

    With memo (the preview's), each body's findings are taken from the last check when the body,
    and everything else they were found from, is the same (see bodies.py)."""
    bodies = memo.bodies if memo is not None else None
    if bodies is not None:
        bodies.begin()
    problems: list[Problem] = []
    orgs = {o.id: o for o in content.organizations}
    editions = {e.number: e for e in content.editions}
    figures = {f.key: f for f in content.figures}
    articles = [a for a in content.articles if include_drafts or not a.meta.draft]
    profiles = [p for p in content.profiles if include_drafts or not p.meta.draft]

    for edition in content.editions:
        problems += figure_codes(edition, figures)
    for article in content.articles:
        problems += _article_references(article, orgs, editions) + figure_codes(article, figures)
    for profile in content.profiles:
        problems += profile_references(profile, orgs, figures)
    slugs = {a.slug for a in content.articles}
    for figure in content.figures:
        problems += _figure_references(figure, orgs, slugs)

    cited: dict[str, list[Figure]] = {}
    findings: dict[int, tuple[Problem, ...]] = {}  # by the body's place among the reports, then the profiles
    for i, item in enumerate((*content.articles, *content.profiles)):
        found, keys = body_findings(item, figures, bodies)
        if found:
            findings[i] = tuple(found)
            problems += found
        cited[item.slug] = [figures[key] for key in keys]

    if any(p.severity == "error" for p in problems):
        raise BuildError(problems)
    if bodies is not None:
        bodies.keep()

    # A name two profiles share cannot say whom it means: it is never linked or counted.
    by_name: dict[str, list[Profile]] = defaultdict(list)
    for profile in profiles:
        by_name[profile.meta.name].append(profile)
    unshared = len(problems)
    for name, same in sorted(by_name.items()):
        if len(same) > 1:
            for profile in same:
                others = "、".join(p.source.path for p in same if p is not profile)
                line, col = profile.source.at("name")
                problems.append(
                    Problem(
                        profile.source.path,
                        line,
                        col,
                        f"人物 {name} 与 {others} 同名：正文中的这个名字不会自动链接到人物页",
                        "name",
                        "warning",
                    )
                )
    linked_names = {name: same[0] for name, same in by_name.items() if len(same) == 1}
    known = frozenset(
        [p.meta.name for p in content.profiles] + [b.name for a in content.articles for b in a.meta.byline]
    )
    naming = Naming(figures, linked_names, known, memo)

    named, names_in = _report_mentions(articles, content.figures, naming, memo)
    mentions: dict[str, list[Mention]] = defaultdict(list)
    for name, found in named.items():
        mentions[linked_names[name].slug] += found
    people_in = {slug: [linked_names[name] for name in names] for slug, names in names_in.items()}
    profile_mentions: dict[str, list[ProfileMention]] = defaultdict(list)
    for source in sorted(profiles, key=lambda p: p.slug):
        for sentence, names in naming.sentences(None, source.body):
            for name in names:
                profile = linked_names[name]
                if profile is not source and not any(m.profile is source for m in profile_mentions[profile.slug]):
                    profile_mentions[profile.slug].append(ProfileMention(source, sentence))

    naming.keep()
    edition_order = sorted(editions.values(), key=lambda e: -e.number)
    article_order = sorted(articles, key=lambda a: (-a.meta.edition, a.meta.date, a.slug))
    by_edition: dict[int, list[Article]] = defaultdict(list)  # one pass: a scan per edition made this quadratic
    for article in article_order:
        by_edition[article.meta.edition].append(article)
    site = Site(
        config=content.config,
        organizations=tuple(sorted(orgs.values(), key=lambda o: o.slug)),
        editions=tuple(edition_order),
        articles=tuple(article_order),
        profiles=tuple(sorted(profiles, key=lambda p: p.slug)),
        figures=figures,
        organization_of=orgs,
        edition_articles={e.number: tuple(by_edition[e.number]) for e in edition_order},
        mentions={p.slug: tuple(mentions[p.slug]) for p in profiles},
        people_in={a.slug: tuple(sorted(people_in.get(a.slug, ()), key=lambda p: p.slug)) for a in articles},
        figures_in={slug: tuple(figs) for slug, figs in cited.items()},
        profile_mentions={p.slug: tuple(profile_mentions[p.slug]) for p in profiles},
        linked_names=linked_names,
        known_names=known,
    )
    if memo is not None:  # for the next check, if it only changes a few profiles (relink.py)
        memo.names[linked_key(include_drafts)] = Linked(
            content,
            site,
            findings,
            tuple(problems[unshared:]),
            frozenset(name for name, same in by_name.items() if len(same) > 1),
        )
    return site, problems


@dataclass(frozen=True)
class Linked:
    """What a link() with the preview's memo made from its content, for relink.py."""

    content: Content
    site: Site
    findings: dict[int, tuple[Problem, ...]]  # each body's warnings, by its place (reports, then profiles)
    shared: tuple[Problem, ...]  # the warnings about names that two profiles share
    shared_names: frozenset[str]


def linked_key(include_drafts: bool) -> str:
    """Where the memo keeps Linked: a check with drafts and one without make different sites."""
    return "link with drafts" if include_drafts else "link"


def _problem(source: Source, loc: tuple, message: str) -> Problem:
    line, col = source.at(*loc)
    return Problem(source.path, line, col, message, ".".join(map(str, loc)))


# Each message is made only for a problem: one that lists every organization, made for each of
# tens of thousands of items, was most of a preview's link().
def _unknown_organization(item: Article | Profile | Figure, orgs: dict[str, Organization]) -> list[Problem]:
    if item.meta.organization in orgs:
        return []
    message = f"未知的组织 {item.meta.organization}：content/organizations/ 下没有这个文件；可用的有 {_listed(orgs)}"
    return [_problem(item.source, ("organization",), message)]


def _article_references(article: Article, orgs: dict[str, Organization], editions: dict[int, Edition]) -> list[Problem]:
    found = _unknown_organization(article, orgs)
    if article.meta.edition not in editions:
        message = f"未知的期号 {article.meta.edition}：content/editions/ 下没有这一期"
        found.append(_problem(article.source, ("edition",), message))
    return found


def profile_references(profile: Profile, orgs: dict[str, Organization], figures: dict[str, Figure]) -> list[Problem]:
    """The organization and figure a profile's front matter names, where they do not exist."""
    found = _unknown_organization(profile, orgs)
    if profile.meta.party_years is not None and profile.meta.party_years not in figures:
        message = f"未知的数字编号 {profile.meta.party_years}：请先在 content/stats/ 中定义"
        found.append(_problem(profile.source, ("party_years",), message))
    return found + figure_codes(profile, figures)


def figure_codes(item: Article | Profile | Edition, figures: dict[str, Figure]) -> list[Problem]:
    """The shortcodes in the front-matter texts that may cite figures (models.FIGURE_TEXT_FIELDS)
    that name no figure or are not {{fig KEY}}: a page would print them as they are written."""
    found = []
    for name, text in figure_texts(item.meta):
        for code in SHORTCODE.finditer(text):
            kind, key = code.group(1), code.group(2)
            if kind != "fig":
                message = f"{name} 中只能用 {{{{fig 编号}}}} 引用数字，{code.group(0)} 在这里不起作用"
            elif key not in figures:
                message = unknown_figure(key, figures)
            else:
                continue
            found.append(_problem(item.source, (name,), message))
    return found


def _figure_references(figure: Figure, orgs: dict[str, Organization], articles: set[str]) -> list[Problem]:
    found = _unknown_organization(figure, orgs)
    if figure.meta.article is not None and figure.meta.article not in articles:
        message = f"未知的文章 {figure.meta.article}：content/articles/ 下没有这篇"
        found.append(_problem(figure.source, ("article",), message))
    return found


def _report_mentions(
    articles: list[Article], figures: tuple[Figure, ...], naming: Naming, memo: CheckMemo | None
) -> tuple[dict[str, list[Mention]], dict[str, list[str]]]:
    """Which linked names each report names, in order, and the first sentence naming each: by
    name (the people they link to are looked up after). With memo (the preview's), the last
    link()'s, if it was made from the very same reports and figures with the same names: so after
    the save of a profile (at 10,000 pages the loop was about a sixth of a preview's link())."""
    made_from = (naming.names_key, tuple(map(id, articles)), tuple(map(id, figures)))
    kept = memo.names.get("reports") if memo is not None else None
    if kept is not None and kept[0] == made_from:
        for article in articles:  # what the naming store keeps is what was asked for
            naming.sentences_kept(article.meta.lead, article.body)
        return kept[2], kept[3]
    named: dict[str, list[Mention]] = {}
    names_in: dict[str, list[str]] = {}
    for article in articles:
        seen: list[str] = []
        for sentence, names in naming.sentences(article.meta.lead, article.body):
            for name in names:
                if name not in seen:
                    seen.append(name)
                    named.setdefault(name, []).append(Mention(article, sentence))
        if seen:
            names_in[article.slug] = seen
    if memo is not None:  # the objects are kept with their ids, which stay theirs while they live
        memo.names["reports"] = (made_from, (articles, figures), named, names_in)
    return named, names_in


def _listed(orgs: dict[str, Organization]) -> str:
    return "、".join(sorted(orgs)) or "（还没有）"


def _near_keys(profile: Profile) -> tuple[tuple[str, str], ...]:
    """What makes two people neighbours: the town and the place they were sent to, their department."""
    there = profile.meta.sent_to
    candidates = (
        ("town", there.town if there else None),
        ("place", there.place if there else None),
        ("dept", profile.meta.department),
    )
    return tuple((kind, value) for kind, value in candidates if value)


def _union_size(keys: tuple[tuple[str, str], ...], index: dict[tuple, list[Profile]]) -> int:
    """How many people share at least one of keys, by inclusion and exclusion over the index."""
    return sum(
        (-1) ** (k + 1) * len(index.get(group, ()))
        for k in range(1, len(keys) + 1)
        for group in itertools.combinations(keys, k)
    )
