"""Stage 4: Site -> HTML strings, one per page, through Jinja2 templates.

Templates receive read-only models plus a few helpers; every URL is made relative to the
page it appears on, so the site works from file:// and below any path on a server.
"""

from __future__ import annotations

import functools
import hashlib
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
from markupsafe import Markup

from . import deps, discovery, navigation
from .charts import Datum
from .charts import charts as draw_charts
from .email import body_text, inline_email, wrap
from .errors import BuildError, Problem, display_path
from .history import History, page_source
from .images import Portrait, portrait_html
from .link import Site
from .models import Article, Edition, Figure, Organization, Profile
from .numbers import format_figure, format_number
from .prose import FigureLink, Prose, with_figures
from .quotes import PullQuote, pull_quotes
from .sanitize import CSP


@dataclass(frozen=True)
class Page:
    path: str  # output path, e.g. profiles/shi-jian/index.html
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    absolute: bool = False  # links as full URLs from base_url: for pages read away from the site (email)
    item: object | None = None  # the model the page is about, if any


@dataclass(frozen=True)
class Asset:
    path: str  # fingerprinted output path, e.g. static/style.1a2b3c4d.css
    data: bytes


# URL scheme: one place that knows where each kind of page lives.
def path_of(item: object) -> str:
    if isinstance(item, Article):
        return f"articles/{item.slug}/index.html"
    if isinstance(item, Profile):
        return f"profiles/{item.slug}/index.html"
    if isinstance(item, Organization):
        return f"organizations/{item.slug}/index.html"
    if isinstance(item, Edition):
        return f"editions/{item.number}/index.html"
    if isinstance(item, Figure):
        return f"stats/index.html#{item.key}"
    raise TypeError(f"no page for {type(item).__name__}")


EMAIL = ("html", "txt")


def pretty_url(path: str) -> str:
    """Public form of an output path: profiles/x/index.html -> profiles/x/."""
    return path[: -len("index.html")] if path.endswith("index.html") else path


def environment(templates: Path, bytecode_cache: jinja2.BytecodeCache | None = None) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates)),
        bytecode_cache=bytecode_cache,  # the preview keeps compiled templates across rebuilds
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["cn_date"] = lambda d: d.chinese()
    env.filters["figure"] = lambda f: format_figure(f.meta)
    env.filters["number"] = format_number
    env.globals["csp"] = CSP  # one policy for the <meta> and for deploy/nginx.conf
    return env


def load_templates(root: Path, bytecode_cache: jinja2.BytecodeCache | None = None) -> jinja2.Environment:
    """Compile every template now, so that a template error fails before any page is made."""
    env = environment(root / "templates", bytecode_cache)
    problems = []
    for name in env.list_templates(extensions=["html", "xml", "txt"]):
        try:
            env.get_template(name)
        except jinja2.TemplateSyntaxError as exc:
            path = display_path(Path(exc.filename or root / "templates" / name), root)
            problems.append(Problem(path, exc.lineno or 1, 1, f"模板语法错误：{exc.message}"))
    if problems:
        raise BuildError(problems)
    return env


def assets(root: Path) -> list[Asset]:
    found = []
    static = root / "static"
    for file, data in _published_files(static, root):
        rel = file.relative_to(static).as_posix()
        stem, dot, ext = rel.rpartition(".")
        digest = hashlib.sha256(data).hexdigest()[:10]
        found.append(Asset(f"static/{stem}.{digest}.{ext}" if dot else f"static/{rel}", data))
    return found


def media(root: Path) -> list[Asset]:
    """Images and attachments under content/media/, copied to media/ under their own names
    (not fingerprinted: editors link to them by name)."""
    folder = root / "content" / "media"
    if not folder.is_dir():
        return []
    files = _published_files(folder, root, skip_hidden=True)
    return [Asset("media/" + p.relative_to(folder).as_posix(), data) for p, data in files]


def _published_files(folder: Path, root: Path, skip_hidden: bool = False) -> list[tuple[Path, bytes]]:
    """Every file below folder with its bytes, sorted. A symlink leading out of folder is
    refused (it would publish /etc/passwd or a private file), as is an unreadable file."""
    inside = folder.resolve()
    found, problems = [], []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if skip_hidden and path.name.startswith("."):
            continue
        shown = display_path(path, root)
        if not path.resolve().is_relative_to(inside):
            problems.append(
                Problem(shown, 1, 1, f"这是指向 {display_path(folder, root)}/ 之外的符号链接：出于安全考虑不发布")
            )
            continue
        try:
            found.append((path, path.read_bytes()))
        except OSError as exc:
            problems.append(Problem(shown, 1, 1, f"无法读取文件：{exc.strerror}"))
    if problems:
        raise BuildError(problems)
    return found


def pages(site: Site) -> list[Page]:
    """Every page of the site, in a stable order."""
    result = [
        Page("index.html", "index.html", {"edition": site.latest}),
        Page("editions/index.html", "editions.html"),
        Page("profiles/index.html", "profiles.html"),
        Page("organizations/index.html", "organizations.html"),
        Page("stats/index.html", "stats.html"),
        Page("places/index.html", "places.html"),
        Page("roles/index.html", "roles.html"),
        Page("search/index.html", "search.html", {"unavailable": "搜索索引尚未生成：请使用下面的索引。"}),
        Page("404.html", "404.html"),
    ]
    result += [Page(path_of(e), "edition.html", {"edition": e}, item=e) for e in site.editions]
    result += [Page(path_of(a), "article.html", {"article": a}, item=a) for a in site.articles]
    result += [Page(path_of(p), "profile.html", {"profile": p}, item=p) for p in site.profiles]
    result += [Page(path_of(o), "organization.html", {"org": o}, item=o) for o in site.organizations]
    for e in site.editions:  # the email edition, to send to members: HTML and plain text
        folder = path_of(e).rsplit("/", 1)[0]
        result += [Page(f"{folder}/email.{kind}", f"email.{kind}", {"edition": e}, absolute=True) for kind in EMAIL]
    return result


def _target_path(target: object) -> str:
    return target if isinstance(target, str) else path_of(target)


SOURCE_IN = {
    "article.html": "article",
    "profile.html": "profile",
    "organization.html": "org",
    "edition.html": "edition",
}


def source_of(page: Page) -> str:
    """The content file a page is made from, or "" for pages made from many."""
    key = SOURCE_IN.get(page.template)
    return page.context[key].source.path if key else ""


def link_targets(site: Site, static: list[Asset]) -> dict[str, str]:
    """Source file -> output path, for links editors write to files: [施剑](../profiles/shi-jian.md)."""
    targets = {item.source.path: path_of(item) for item in (*site.articles, *site.profiles, *site.editions)}
    targets |= {o.source.path: path_of(o) for o in site.organizations}
    targets |= {f.source.path: "stats/index.html" for f in site.figures.values()}
    targets |= {"content/" + a.path: a.path for a in static if a.path.startswith("media/")}
    return targets


def render(
    site: Site,
    env: jinja2.Environment,
    static: list[Asset],
    portraits: dict[str, Portrait] | None = None,
    history: History | None = None,
) -> dict[str, str]:
    """Render all pages; returns output path -> HTML."""
    render_page = renderer(site, env, static, portraits, history)
    output = {page.path: render_page(page) for page in pages(site)}
    return output | extras(site, list(output))


def extras(site: Site, page_paths: list[str]) -> dict[str, str]:
    """Files made in Python rather than from a template: the feed, the sitemap, robots.txt."""
    return {path: make(site) for path, make in extra_makers(page_paths).items()}


def extra_makers(page_paths: list[str]) -> dict[str, Callable[[Site], str]]:
    """How each file of extras() is made from a site (the incremental build notes what each reads)."""
    listed = [*page_paths, discovery.FEED]
    return {
        discovery.FEED: lambda site: discovery.atom(site, path_of),
        discovery.SITEMAP: lambda site: discovery.sitemap(site, listed, path_of),
        discovery.ROBOTS: discovery.robots,
    }


def lookups(site: Site, static: list[Asset]) -> dict[str, Any]:
    """Tables a renderer derives from the whole site before any page: the incremental build
    hands them over wrapped, to note which entries each page looks up."""
    org_ids = [o.id for o in site.organizations]
    return {
        "figures_by_org": _grouped(site.figures.values(), org_ids),
        "profiles_by_org": _grouped(site.profiles, org_ids),
        "articles_by_org": _grouped(site.articles, org_ids),
        "people": {name: path_of(p) for name, p in site.linked_names.items()},
        "link_targets": link_targets(site, static),
        # asset('style.css') -> static/style.1a2b3c4d.css: the fingerprinted path of a file
        "assets": {a.path.split("/", 1)[1].rsplit(".", 2)[0] + "." + a.path.rsplit(".", 1)[1]: a.path for a in static},
    }


def renderer(
    site: Site,
    env: jinja2.Environment,
    static: list[Asset],
    portraits: dict[str, Portrait] | None = None,
    history: History | None = None,
    tables: dict[str, Any] | None = None,
    known: frozenset[str] | None = None,
) -> Callable[[Page], str]:
    """A function that renders one page of this site: shared by render() and the parallel,
    cached build (frontline/incremental.py), so both make the same bytes. tables and known
    are lookups(site, static) and site.known_names, given when site is a tracked view of it."""
    history = history or History()
    portraits = portraits if portraits is not None else {}  # (an empty tracked table is still tracked)
    tables = tables if tables is not None else lookups(site, static)
    asset_urls = tables["assets"]
    figures_by_org = tables["figures_by_org"]
    profiles_by_org = tables["profiles_by_org"]
    articles_by_org = tables["articles_by_org"]
    # A person's card is the same on every page at the same depth, and a big site shows each on
    # dozens of pages (colleagues, indexes): made once per (person, heading, link root) and reused.
    card_template = env.get_template("_card.html")
    cards: dict[tuple[str, str, str], Markup] = {}

    def link_figure(key: str, root: str) -> FigureLink | None:
        figure = site.figures.get(key)
        if figure is None:
            return None
        return FigureLink(format_figure(figure.meta), figure.meta.label, root + path_of(figure))

    known = known if known is not None else site.known_names
    prose = Prose(link_figure, tables["link_targets"], people=tables["people"], known=known)

    def figure_text(key: str) -> str:
        return format_figure(site.figures[key].meta) if key in site.figures else ""

    def plain(body: str) -> str:
        return body_text(body, figure_text)

    def text(value: str | None) -> str:
        # A front-matter text that may cite figures (models.FIGURE_TEXT_FIELDS), as printed.
        return with_figures(value, figure_text) if value else ""

    def quotes_of(edition: Edition, limit: int = 2) -> list[PullQuote]:
        n = edition.number
        return pull_quotes(site.people_of_edition(n), site.edition_articles.get(n, ()), figure_text, limit)

    site_path = urlsplit(site.config.base_url).path or "/"

    def render_page(page: Page) -> str:
        # The 404 page is served at any depth, so only root-relative links work there.
        root = site_path if page.path == "404.html" else "../" * page.path.count("/")
        if page.absolute:
            root = site.config.base_url

        def url(target: object, _root: str = root, _pretty: bool = page.absolute) -> str:
            target_path = target if isinstance(target, str) else path_of(target)
            if _pretty:  # a full URL is read on a server, where folders serve their index.html
                path, hash_, fragment = target_path.partition("#")
                target_path = pretty_url(path) + hash_ + fragment
            return _root + target_path

        def asset(name: str, _root: str = root) -> str:
            return _root + asset_urls[name]

        source = source_of(page)
        footer_source = page_source(source, history, site.config)

        def markdown(
            body: str, item: Article | Profile | None = None, _root: str = root, _source: str = source
        ) -> Markup:
            # item: the page whose body this is; its `autolink: false` turns name links off,
            # and a profile never links its own name.
            link_names = item.meta.autolink if item is not None else True
            own = item.meta.name if isinstance(item, Profile) else None
            return Markup(prose.html(body, _root, _source, link_names=link_names, skip_name=own))

        def portrait(profile: Profile, size: str = "large", _root: str = root) -> Markup:
            return portrait_html(profile.meta.name, portraits.get(profile.slug), size, _root)

        def card(profile: Profile, heading: str = "h3", _root: str = root, _url=url, _portrait=portrait) -> Markup:
            # Looked up on every call, not only when the card is made: a page's reads of the site
            # are what an incremental build keys it by, and every page showing the card shows this.
            # (deps.remembered notes again, on each page that reuses the card, every field of the
            # person and organization that making it read.)
            org = site.organization_of[profile.meta.organization]
            values = {"profile": profile, "org": org, "heading": heading, "url": _url, "portrait": _portrait}
            return deps.remembered(cards, (profile.slug, heading, _root), lambda: Markup(card_template.render(values)))

        about = page.item if page.item is not None else page.path
        canonical = site.config.base_url + pretty_url(page.path)
        og_type, og_extra = discovery.open_graph(site, page.item)
        context = {
            "site": site,
            "page_path": page.path,
            "canonical": canonical,
            "url": url,
            "asset": asset,
            "markdown": markdown,
            "page_source": footer_source,
            "chart": chart,
            "portrait": portrait,
            "card": card,
            "related_people": functools.partial(navigation.related, site),
            "plain": plain,
            "text": text,
            "wrap": wrap,
            "pull_quotes": quotes_of,
            "figures_by_org": figures_by_org,
            "profiles_by_org": profiles_by_org,
            "articles_by_org": articles_by_org,
            "crumbs": navigation.breadcrumbs(site, about),
            "pager": navigation.pager(site, about),
            "og_type": og_type,
            "og_extra": og_extra,
            "json_ld": discovery.json_ld(site, page.item, _target_path, canonical),
            "feed": discovery.FEED,
            **page.context,
        }
        try:
            html = env.get_template(page.template).render(context)
            if page.template == "email.html":
                html = inline_email(html, context["canonical"])
        except jinja2.TemplateError as exc:
            raise BuildError([_template_problem(exc, page)]) from None
        return html

    return render_page


def _grouped(items: Iterable[Any], org_ids: list[str]) -> dict[str, tuple[Any, ...]]:
    """Items by their meta.organization, for each organization (one pass, not one per organization)."""
    groups: dict[str, list[Any]] = {org: [] for org in org_ids}
    for item in items:
        if item.meta.organization in groups:
            groups[item.meta.organization].append(item)
    return {org: tuple(found) for org, found in groups.items()}


def chart(figures: tuple[Figure, ...] | list[Figure], scope: str, name: str) -> Markup:
    """Charts of these figures (grouped by unit); scope keeps element ids unique on the page."""
    data = [Datum(f.key, f.meta.label, f.meta.value, format_figure(f.meta), f.meta.unit) for f in figures]
    return Markup(draw_charts(data, scope, name))


def _template_problem(exc: Exception, page: Page) -> Problem:
    # Jinja rewrites tracebacks so that template frames carry the template's file and line.
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith(".html")]
    where = frames[-1] if frames else None
    path = "templates/" + Path(where.filename).name if where else f"templates/{page.template}"
    return Problem(path, (where.lineno or 1) if where else 1, 1, f"渲染 {page.path} 时模板出错：{exc}")
