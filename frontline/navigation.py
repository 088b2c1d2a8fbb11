"""Ways through the site that do not depend on one page's content: breadcrumbs, previous and
next between reports of an edition and between editions, and the indexes of people by place
and by role. Everything here is plain data; templates only lay it out."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from . import pinyin
from .link import Site
from .models import Article, Edition, Organization, Profile

HOME = ("首页", "index.html")
UNKNOWN_TOWN = "其他地点"
UNKNOWN_ROLE = "未注明职务"


@dataclass(frozen=True)
class Crumb:
    label: str
    target: object | None  # a model or an output path; None for the page itself


@dataclass(frozen=True)
class Step:
    rel: str  # "prev" or "next"
    label: str  # 上一篇 / 下一期 …
    target: Article | Edition
    title: str


@dataclass(frozen=True)
class PlaceGroup:
    name: str  # 镇 or 街道, or UNKNOWN_TOWN
    anchor: str
    places: tuple[tuple[str, tuple[Profile, ...]], ...]  # 村/社区 -> people sent there


@dataclass(frozen=True)
class RoleGroup:
    name: str
    anchor: str
    people: tuple[Profile, ...]


@functools.lru_cache(maxsize=65536)
def anchor(text: str) -> str:
    """A stable ASCII fragment for a Chinese heading: 榆垓镇 -> yu-gai-zhen.
    Remembered per text: sorting thousands of places asks pypinyin for each one every build."""
    return "-".join(w for w in pinyin.words(text, errors="ignore") if w.isalnum()) or "x"


# Index pages and where they sit: path -> (label, parent path or None for the front page).
SECTIONS: dict[str, tuple[str, str | None]] = {
    "editions/index.html": ("往期", None),
    "profiles/index.html": ("人物", None),
    "organizations/index.html": ("单位", None),
    "stats/index.html": ("数字", None),
    "places/index.html": ("按下沉地点", "profiles/index.html"),
    "roles/index.html": ("按职务", "profiles/index.html"),
    "search/index.html": ("搜索", None),
}


def breadcrumbs(site: Site, about: object) -> tuple[Crumb, ...]:
    """From the front page down to the page about `about` (a model or an index page's path).
    The front page and the 404 page have none."""
    home = Crumb(*HOME)
    if isinstance(about, Article):
        edition = site.edition(about.meta.edition)
        return (
            home,
            Crumb("往期", "editions/index.html"),
            Crumb(f"第{edition.number}期", edition),
            Crumb(about.meta.title, None),
        )
    if isinstance(about, Edition):
        return (home, Crumb("往期", "editions/index.html"), Crumb(f"第{about.number}期", None))
    if isinstance(about, Profile):
        org = site.organization_of[about.meta.organization]
        return (
            home,
            Crumb("人物", "profiles/index.html"),
            Crumb(org.meta.short_name or org.meta.name, org),
            Crumb(about.meta.name, None),
        )
    if isinstance(about, Organization):
        return (home, Crumb("单位", "organizations/index.html"), Crumb(about.meta.name, None))
    if isinstance(about, str) and about in SECTIONS:
        label, parent = SECTIONS[about]
        middle = (Crumb(SECTIONS[parent][0], parent),) if parent else ()
        return (home, *middle, Crumb(label, None))
    return ()


@dataclass(frozen=True)
class Pager:
    label: str  # the nav's accessible name
    steps: tuple[Step, ...]


def pager(site: Site, about: object) -> Pager | None:
    """Previous and next report within the report's edition, or previous and next edition.
    Editions are numbered in order of publication, so the previous edition is the older one."""
    if isinstance(about, Article):
        order = site.edition_articles[about.meta.edition]
        i = order.index(about)
        found = []
        if i > 0:
            found.append(Step("prev", "上一篇", order[i - 1], order[i - 1].meta.title))
        if i + 1 < len(order):
            found.append(Step("next", "下一篇", order[i + 1], order[i + 1].meta.title))
        return Pager(f"第{about.meta.edition}期的其他报道", tuple(found)) if found else None
    if isinstance(about, Edition):
        by_number = sorted(site.editions, key=lambda e: e.number)
        i = by_number.index(about)
        found = []
        if i > 0:
            e = by_number[i - 1]
            found.append(Step("prev", "上一期", e, f"第{e.number}期 · {e.meta.title}"))
        if i + 1 < len(by_number):
            e = by_number[i + 1]
            found.append(Step("next", "下一期", e, f"第{e.number}期 · {e.meta.title}"))
        return Pager("前后各期", tuple(found)) if found else None
    return None


RELATED_CARDS = 12  # cards in each list of people a profile page suggests; the rest are a link away


@dataclass(frozen=True)
class Related:
    """Whom a profile page suggests, in two lists of a dozen cards at most, and where the rest are."""

    near: tuple[Profile, ...]  # sent to the same town or place, or in the same department
    near_hidden: int  # how many more of those there are
    town: str | None  # the places index section listing everyone sent where this person was
    town_anchor: str | None
    colleagues: tuple[Profile, ...]  # the rest of the organization, not already shown above
    colleagues_hidden: int
    members: int  # everyone in the organization: what its page lists


def related(site: Site, profile: Profile, shown: int = RELATED_CARDS) -> Related:
    """A profile page's suggestions: the people most related to this one first (Site.nearest),
    then colleagues in the same organization; each list cut at `shown` cards."""
    near, near_total = site.nearest(profile, shown)
    on_page = {id(p) for p in near}
    everyone = site.colleagues(profile)
    others = tuple(p for p in everyone if id(p) not in on_page)
    sent = profile.meta.sent_to
    town = (sent.town or UNKNOWN_TOWN) if sent else None
    return Related(
        near=near,
        near_hidden=near_total - len(near),
        town=town,
        town_anchor=site.town_anchor(town) if town else None,
        colleagues=others[:shown],
        colleagues_hidden=max(0, len(others) - shown),
        members=len(everyone) + 1,
    )


def places(site: Site) -> tuple[PlaceGroup, ...]:
    """People by the 镇/街道 they were sent to, then by 村/社区; a place given without its town
    goes under 其他地点 rather than guessing the town."""
    towns: dict[str, dict[str, list[Profile]]] = {}
    for profile in site.profiles:
        sent = profile.meta.sent_to
        if sent is None:
            continue
        town = sent.town or UNKNOWN_TOWN
        towns.setdefault(town, {}).setdefault(sent.place or "", []).append(profile)
    pinyin.warm([*towns, *(place for by_place in towns.values() for place in by_place)], errors="ignore")
    names = sorted(towns, key=lambda t: (t == UNKNOWN_TOWN, anchor(t), t))
    anchors = _unique_anchors(names)
    return tuple(
        PlaceGroup(
            town,
            anchors[town],
            tuple((place, tuple(people)) for place, people in sorted(towns[town].items(), key=lambda i: anchor(i[0]))),
        )
        for town in names
    )


def roles(site: Site) -> tuple[RoleGroup, ...]:
    groups: dict[str, list[Profile]] = {}
    for profile in site.profiles:
        groups.setdefault(profile.meta.role or UNKNOWN_ROLE, []).append(profile)
    pinyin.warm(groups, errors="ignore")
    names = sorted(groups, key=lambda r: (r == UNKNOWN_ROLE, anchor(r), r))
    anchors = _unique_anchors(names)
    return tuple(RoleGroup(r, anchors[r], tuple(groups[r])) for r in names)


def _unique_anchors(names: list[str]) -> dict[str, str]:
    """Homophones share a pinyin anchor (部长, 不长): number the later ones."""
    seen: dict[str, int] = {}
    result = {}
    for name in names:
        base = anchor(name)
        seen[base] = seen.get(base, 0) + 1
        result[name] = base if seen[base] == 1 else f"{base}-{seen[base]}"
    return result
