"""Deterministic synthetic corpus for the build benchmark.

One corpus of N pages (profiles + reports) is written three times from the same generated
bodies: as a Frontline site (content/ + the real templates/ and static/), as a Hugo site and as
a Pelican site. The text is machine-made filler from fixed phrase pools (clearly fictitious,
never published); the same N and seed always give the same bytes.

Shape, chosen to look like a federation's archive: one organization per 25 pages, one edition
per 500 pages, one report per 10 pages, each report naming nine profiled people and
citing figures with {{fig KEY}}; a profile is about 800 Chinese characters with front matter,
`##` headings, a list, bold, a link and a blockquote.
"""

from __future__ import annotations

import random
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉力鹏飞宁波斌宇浩凯健俊帆帅旭晨阳振海"
TOWNS = ("西红门镇", "黄村镇", "瀛海镇", "亦庄镇", "旧宫镇", "青云店镇", "长子营镇", "安定镇", "礼贤镇", "榆垓镇")
PLACES = ("同兴园社区", "阎家铺村", "大练庄村", "新建村", "东高地社区", "荣华社区", "星光社区", "文化园社区")
ROLES = (
    "主席",
    "副主席",
    "经审办主任",
    "组织部部长",
    "宣传部干事",
    "女职工委员会主任",
    "办公室主任",
    "职工服务中心主任",
)
DEPTS = ("办公室", "组织部", "宣传部", "权益保障部", "经费审查委员会办公室", "职工服务中心")
PHRASES = (
    "在疫情防控的关键时刻主动请缨，深入社区一线开展排查登记工作",
    "每天早出晚归，与社区干部一起值守卡口，认真核验返京人员信息",
    "协调企业落实防控措施，帮助职工解决上下班途中遇到的实际困难",
    "把单位准备的慰问物资转赠给社区，为一线工作人员送去口罩和手套",
    "耐心细致地向居民宣传防疫知识，引导大家科学理性看待疫情",
    "连续多日坚守岗位，顾不上照顾家中老人和孩子，却从无怨言",
    "同镇村干部一道摸排走访，逐户登记，做到不漏一户、不落一人",
    "为隔离观察人员家属代买蔬菜、送菜上门，解决他们的后顾之忧",
    "组织党员志愿者轮流值守，在寒风中筑起一道坚实的防线",
    "认真记录每天的工作日志，及时汇总情况并向上级报告",
)
QUOTES = ("越是艰险越向前，这是共产党员应有的担当。", "大家平安，就是我们最大的心愿。", "只要群众需要，我们就一直在。")
LABELS = ("慰问一线职工", "发放防护物资", "走访企业", "结对帮扶家庭", "志愿服务时长")
UNITS = ("人次", "件", "家", "户", "小时")


@dataclass(frozen=True)
class Person:
    slug: str
    name: str
    org: int
    figure: str | None  # key of this person's party-years figure, if any


@dataclass(frozen=True)
class Sizes:
    pages: int
    orgs: int
    editions: int
    reports: int
    profiles: int


def sizes(n: int) -> Sizes:
    reports = max(1, n // 10)
    return Sizes(n, max(2, n // 25), max(1, n // 500), reports, n - reports)


def _name(i: int) -> str:
    # A bijection from i to (surname, given, given): every generated name is distinct.
    s, rest = i % len(SURNAMES), i // len(SURNAMES)
    g1, g2 = rest % len(GIVEN), (rest // len(GIVEN) + rest) % len(GIVEN)
    if rest >= len(GIVEN) ** 2:
        raise ValueError("corpus too large for the name pool")
    return SURNAMES[s] + GIVEN[g1] + GIVEN[g2]


def people(size: Sizes) -> list[Person]:
    return [
        Person(f"p{i:06d}", _name(i), i % size.orgs, f"p{i:06d}-party-years" if i % 5 == 0 else None)
        for i in range(size.profiles)
    ]


def _paragraph(rng: random.Random, sentences: int) -> str:
    return "，".join(rng.choice(PHRASES) for _ in range(sentences)) + "。"


def profile_body(rng: random.Random, person: Person) -> str:
    fig = f"有{{{{fig {person.figure}}}}}党龄的" if person.figure else ""
    return (
        f"{person.name}是一名{fig}工会干部，{_paragraph(rng, 3)}\n\n"
        "## 冲在防控第一线\n\n"
        f"{_paragraph(rng, 4)}**{rng.choice(PHRASES)}**，{_paragraph(rng, 3)}\n\n"
        f"- {rng.choice(PHRASES)}；\n- {rng.choice(PHRASES)}；\n- {rng.choice(PHRASES)}。\n\n"
        "## 日记里的点滴\n\n"
        f"> {rng.choice(QUOTES)}{_paragraph(rng, 2)}\n\n"
        f"{_paragraph(rng, 4)}详见[工会主页](https://example.org/)。{_paragraph(rng, 3)}\n"
    )


def report_body(rng: random.Random, named: list[Person], figures: list[str]) -> str:
    parts = ["## 工会干部迅速集结\n", _paragraph(rng, 3) + "\n"]
    for k, person in enumerate(named):
        fig = f"共{{{{fig {figures[k % len(figures)]}}}}}，" if figures else ""
        parts.append(f"{person.name}{rng.choice(PHRASES)}，{fig}{_paragraph(rng, 2)}\n")
    parts.append("> " + rng.choice(QUOTES) + "\n")
    return "\n".join(parts)


def _yaml(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass(frozen=True)
class Page:
    """One generated page, independent of the tool that will build it."""

    kind: str  # "profile" or "report"
    slug: str
    title: str
    body: str  # Frontline Markdown (with {{fig}} shortcodes)
    front: dict[str, object]  # Frontline front matter


def generate(n: int, seed: int = 8) -> tuple[Sizes, list[Page], dict[str, str]]:
    """The corpus as pages plus Frontline's YAML files (path -> text)."""
    size = sizes(n)
    rng = random.Random(seed * 1_000_003 + n)
    persons = people(size)
    files: dict[str, str] = {
        "content/site.yaml": (
            "title: 基准测试站点（虚构语料）\ndescription: 由 bench/corpus.py 生成的虚构语料，仅用于测量构建速度。\n"
            "base_url: https://example.org/\nlanguage: zh-CN\n"
        )
    }
    org_figures: dict[int, list[str]] = {}
    members: dict[int, list[Person]] = {}  # by organization, in order: one pass, not one per organization
    for p in persons:
        members.setdefault(p.org, []).append(p)
    for o in range(size.orgs):
        files[f"content/organizations/org{o:05d}.yaml"] = (
            f"name: 第{o + 1}基层工会联合会\nshort_name: 第{o + 1}工会\ndescription: 虚构的基层工会，编号 {o + 1}。\n"
        )
        lines = ["figures:"]
        keys = []
        for f in range(3):
            key = f"org{o:05d}-f{f}"
            keys.append(key)
            lines += [
                f"  - key: {key}",
                f"    label: {LABELS[f]}",
                f"    value: {rng.randrange(10, 5000)}",
                f"    unit: {UNITS[f]}",
                f"    organization: org{o:05d}",
                f"    source: 虚构语料中的第{f + 1}个数字。",
            ]
        for p in members.get(o, []):
            if p.figure:
                lines += [
                    f"  - key: {p.figure}",
                    f"    label: {p.name}的党龄",
                    f"    value: {rng.randrange(3, 40)}",
                    "    unit: 年",
                    f"    organization: org{o:05d}",
                    f"    source: {p.name}的党龄（虚构）。",
                ]
        org_figures[o] = keys
        files[f"content/stats/org{o:05d}.yaml"] = "\n".join(lines) + "\n"
    for e in range(size.editions):
        files[f"content/editions/{e + 1}.yaml"] = (
            f"number: {e + 1}\ntitle: 第{e + 1}期合订本\ndate: 2020-{e % 12 + 1:02d}\nsummary: 虚构的第{e + 1}期。\n"
        )

    pages: list[Page] = []
    for p in persons:
        front: dict[str, object] = {
            "name": p.name,
            "slug": p.slug,
            "organization": f"org{p.org:05d}",
            "role": rng.choice(ROLES),
            # About twenty people per town, per place and per union department, as in a city's
            # federation: profile pages list the people sent to the same place or department.
            "department": f"第{p.org + 1}工会{rng.choice(DEPTS)}",
            "sent_to": {
                "town": f"{rng.choice(TOWNS)}第{rng.randrange(max(1, n // 200))}片",
                "place": f"{rng.choice(PLACES)}第{rng.randrange(max(1, n // 160))}组",
            },
            "quote": rng.choice(QUOTES),
            "summary": f"{p.name}{rng.choice(PHRASES)}。",
        }
        if p.figure:
            front["party_years"] = p.figure
        pages.append(Page("profile", p.slug, p.name, profile_body(rng, p), front))
    for r in range(size.reports):
        org = r % size.orgs
        # Nine people per report, in turn, so that every profile is reported on at least once.
        named = [persons[(r * 9 + j) % len(persons)] for j in range(9)] if persons else []
        named = list({p.slug: p for p in named}.values())
        front = {
            "title": f"工会干部战“疫”侧记之{r + 1}",
            "subtitle": f"第{org + 1}基层工会联合会在行动",
            "lead": _paragraph(rng, 2),
            "byline": [{"role": "本报记者", "name": "虚构"}],
            "organization": f"org{org:05d}",
            "edition": r % size.editions + 1,
            "date": f"2020-{r % 12 + 1:02d}-{r % 28 + 1:02d}",
            "slug": f"r{r:06d}",
        }
        pages.append(Page("report", f"r{r:06d}", str(front["title"]), report_body(rng, named, org_figures[org]), front))
    return size, pages, files


def _front_yaml(front: dict[str, object]) -> str:
    lines = []
    for key, value in front.items():
        if isinstance(value, dict):
            lines.append(f"{key}:")
            lines += [f"  {k}: {_yaml(str(v))}" for k, v in value.items()]
        elif isinstance(value, list):
            lines.append(f"{key}:")
            for item in value:
                pairs = list(item.items())
                lines.append(f"  - {pairs[0][0]}: {_yaml(str(pairs[0][1]))}")
                lines += [f"    {k}: {_yaml(str(v))}" for k, v in pairs[1:]]
        elif isinstance(value, int):
            lines.append(f"{key}: {value}")
        else:
            lines.append(f"{key}: {_yaml(str(value))}")
    return "\n".join(lines) + "\n"


FIG = re.compile(r"\{\{fig ([a-z0-9-]+)\}\}")


def plain_body(body: str) -> str:
    """The same body as plain Markdown for Hugo and Pelican: a figure reference becomes a number."""
    return FIG.sub("42", body)


def write_frontline(dest: Path, pages: list[Page], files: dict[str, str], site_root: Path) -> None:
    for rel, text in files.items():
        _put(dest / rel, text)
    for page in pages:
        folder = "profiles" if page.kind == "profile" else "articles"
        _put(dest / "content" / folder / f"{page.slug}.md", f"---\n{_front_yaml(page.front)}---\n{page.body}")
    for folder in ("templates", "static"):
        shutil.copytree(site_root / folder, dest / folder, dirs_exist_ok=True)


HUGO_CONFIG = """baseURL = "https://example.org/"
languageCode = "zh-CN"
title = "基准测试站点"
disableKinds = ["taxonomy", "term", "RSS", "sitemap"]
"""
HUGO_BASEOF = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{{ .Title }} · {{ site.Title }}</title></head>
<body><main>{{ block "main" . }}{{ end }}</main></body></html>
"""
HUGO_SINGLE = """{{ define "main" }}<article><h1>{{ .Title }}</h1>
<p>{{ .Params.organization }} · {{ .Params.role }}</p>
{{ .Content }}</article>{{ end }}
"""
HUGO_LIST = """{{ define "main" }}<h1>{{ .Title }}</h1>
<ul>{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>{{ end }}
"""


def write_hugo(dest: Path, pages: list[Page]) -> None:
    _put(dest / "hugo.toml", HUGO_CONFIG)
    _put(dest / "layouts/_default/baseof.html", HUGO_BASEOF)
    _put(dest / "layouts/_default/single.html", HUGO_SINGLE)
    _put(dest / "layouts/_default/list.html", HUGO_LIST)
    for page in pages:
        folder = "profiles" if page.kind == "profile" else "articles"
        front = f'title = {_yaml(page.title)}\norganization = "{page.front["organization"]}"\n'
        if "role" in page.front:
            front += f"role = {_yaml(str(page.front['role']))}\n"
        _put(dest / "content" / folder / f"{page.slug}.md", f"+++\n{front}+++\n{plain_body(page.body)}")


PELICAN_CONFIG = """AUTHOR = "虚构"
SITENAME = "基准测试站点"
SITEURL = ""
PATH = "content"
TIMEZONE = "Asia/Shanghai"
DEFAULT_LANG = "zh"
DEFAULT_DATE = (2020, 2, 1)
RELATIVE_URLS = True
FEED_ALL_ATOM = None
CATEGORY_FEED_ATOM = None
TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
LINKS = ()
SOCIAL = ()
DEFAULT_PAGINATION = False
ARTICLE_URL = "{category}/{slug}/"
ARTICLE_SAVE_AS = "{category}/{slug}/index.html"
LOAD_CONTENT_CACHE = False
"""


def write_pelican(dest: Path, pages: list[Page]) -> None:
    _put(dest / "pelicanconf.py", PELICAN_CONFIG)
    for page in pages:
        category = "profiles" if page.kind == "profile" else "articles"
        head = f"Title: {page.title}\nSlug: {page.slug}\nCategory: {category}\n"
        _put(dest / "content" / category / f"{page.slug}.md", f"{head}\n{plain_body(page.body)}")


def _put(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def build_corpus(n: int, dest: Path, site_root: Path, tools: tuple[str, ...]) -> Sizes:
    """Write the corpus of n pages for each tool under dest/<tool>/ (replacing what was there)."""
    size, pages, files = generate(n)
    writers = {
        "frontline": lambda d: write_frontline(d, pages, files, site_root),
        "floor": lambda d: write_frontline(d, pages, files, site_root),  # bench/floor.py reads it
        "hugo": lambda d: write_hugo(d, pages),
        "pelican": lambda d: write_pelican(d, pages),
    }
    for tool in tools:
        target = dest / tool
        shutil.rmtree(target, ignore_errors=True)
        writers[tool](target)
    return size
