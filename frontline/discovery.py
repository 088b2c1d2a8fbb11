"""How the site is found from outside: Atom feed, sitemap.xml, robots.txt, Open Graph
properties and schema.org JSON-LD. Every date comes from the content (never the clock),
so the same content always gives the same bytes."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as etree  # noqa: N813 - conventional name
from collections.abc import Callable
from typing import Any

from feedgen.feed import FeedGenerator
from markupsafe import Markup

from .link import Site
from .models import Article, Edition, Organization, PartialDate, Profile
from .numbers import format_figure
from .prose import with_figures

# The reports are Beijing newspapers: a date without a time means that day in Beijing.
BEIJING = dt.timezone(dt.timedelta(hours=8))
FEED = "feed.xml"
SITEMAP = "sitemap.xml"
ROBOTS = "robots.txt"
PathOf = Callable[[object], str]  # render.path_of: where a model's page is, from the site root


def _moment(date: PartialDate) -> dt.datetime:
    return dt.datetime.combine(date.first_day(), dt.time(), BEIJING)


def _url(site: Site, path: str) -> str:
    return site.config.base_url + (path[: -len("index.html")] if path.endswith("index.html") else path)


def atom(site: Site, path_of: PathOf) -> str:
    """Reports and editions, newest first, through feedgen."""
    items: list[Article | Edition] = [*site.articles, *site.editions]
    # first_day(): dates of different precision (2020, 2020-02-04) still order.
    items.sort(key=lambda i: (i.meta.date.first_day(), isinstance(i, Article), _title(i)), reverse=True)
    fg = FeedGenerator()
    fg.id(site.config.base_url)
    fg.title(site.config.title)
    fg.subtitle(site.config.description)
    fg.language(site.config.language)
    fg.link(href=site.config.base_url, rel="alternate")
    fg.link(href=site.config.base_url + FEED, rel="self")
    fg.updated(_moment(items[0].meta.date) if items else _moment(PartialDate(1970)))
    for item in items:
        entry = fg.add_entry(order="append")
        url = _url(site, path_of(item))
        entry.id(url)
        entry.title(_title(item))
        entry.link(href=url, rel="alternate")
        entry.published(_moment(item.meta.date))
        entry.updated(_moment(item.meta.date))
        summary = _summary(site, item)
        if summary:
            entry.summary(summary)
        if isinstance(item, Article):
            for person in item.meta.byline:
                entry.author(name=person.name)
            org = site.organization_of[item.meta.organization]
            entry.category(term=org.slug, label=org.meta.name)
    return fg.atom_str(pretty=True).decode("utf-8")


def sitemap(site: Site, paths: list[str], path_of: PathOf) -> str:
    """Every web page but the 404 page and the email editions, with the content date where known."""
    ns = "http://www.sitemaps.org/schemas/sitemap/0.9"
    dates = {path_of(item): item.meta.date.iso() for item in (*site.articles, *site.editions)}
    root = etree.Element("urlset", {"xmlns": ns})
    for path in sorted(p for p in paths if p.endswith("index.html")):
        url = etree.SubElement(root, "url")
        etree.SubElement(url, "loc").text = _url(site, path)
        if path in dates:
            etree.SubElement(url, "lastmod").text = dates[path]
    etree.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(root, encoding="unicode") + "\n"


def robots(site: Site) -> str:
    return f"User-agent: *\nAllow: /\nDisallow: /pagefind/\n\nSitemap: {site.config.base_url}{SITEMAP}\n"


def _title(item: Article | Edition) -> str:
    return item.meta.title if isinstance(item, Article) else f"第{item.number}期 · {item.meta.title}"


def _summary(site: Site, item: Article | Edition) -> str | None:
    if isinstance(item, Article):
        return _text(site, item.meta.summary or item.meta.lead or item.meta.subtitle)
    return _text(site, item.meta.summary)


def _text(site: Site, value: str | None) -> str | None:
    """A front-matter text that may cite figures ({{fig KEY}}), as the pages print it."""
    if not value:
        return value
    return with_figures(value, lambda key: format_figure(site.figures[key].meta) if key in site.figures else "")


def open_graph(site: Site, item: object) -> tuple[str, tuple[tuple[str, str], ...]]:
    """og:type and the properties that go with it."""
    if isinstance(item, Article):
        org = site.organization_of[item.meta.organization]
        return "article", (
            ("article:published_time", item.meta.date.iso()),
            ("article:section", org.meta.name),
            *(("article:tag", p.meta.name) for p in site.people_in[item.slug]),
        )
    if isinstance(item, Profile):
        return "profile", ()
    return "website", ()


def json_ld(site: Site, item: object, path_of: PathOf, canonical: str) -> Markup:
    """schema.org data for the page: NewsArticle, Person, Organization or WebSite.
    Links in JSON-LD are absolute, from the configured base URL."""

    def absolute(target: object) -> str:
        return _url(site, path_of(target))

    data: dict[str, Any]
    if isinstance(item, Article):
        m = item.meta
        org = site.organization_of[m.organization]
        edition = site.edition(m.edition)
        data = {
            "@type": "NewsArticle",
            "headline": m.title,
            "alternativeHeadline": _text(site, m.subtitle),
            "description": _text(site, m.summary or m.lead),
            "datePublished": m.date.iso(),
            "inLanguage": site.config.language,
            "url": canonical,
            "mainEntityOfPage": canonical,
            "author": [{"@type": "Person", "name": b.name, "jobTitle": b.role} for b in m.byline] or None,
            "publisher": {"@type": "Organization", "name": site.config.title, "url": site.config.base_url},
            "sourceOrganization": _organization(org, absolute(org)),
            "isPartOf": {
                "@type": "PublicationIssue",
                "issueNumber": str(edition.number),
                "name": edition.meta.title,
                "datePublished": edition.meta.date.iso(),
                "url": absolute(edition),
            },
            "mentions": [_person_ref(p, absolute(p)) for p in site.people_in[item.slug]] or None,
        }
    elif isinstance(item, Profile):
        m = item.meta
        org = site.organization_of[m.organization]
        works_for = _organization(org, absolute(org))
        if m.department:
            works_for["department"] = {"@type": "Organization", "name": m.department}
        place = "".join(filter(None, [m.sent_to.town, m.sent_to.place])) if m.sent_to else ""
        data = {
            "@type": "Person",
            "name": m.name,
            "jobTitle": m.role,
            "description": _text(site, m.summary),
            "url": canonical,
            "worksFor": works_for,
            "workLocation": {"@type": "Place", "name": place} if place else None,
            "subjectOf": [
                {"@type": "NewsArticle", "headline": x.article.meta.title, "url": absolute(x.article)}
                for x in site.mentions.get(item.slug, ())
            ]
            or None,
        }
    elif isinstance(item, Organization):
        data = _organization(item, canonical)
        data["description"] = item.meta.description
        members = [_person_ref(p, absolute(p)) for p in site.members(item.id)]
        data["member"] = members or None
    else:
        data = {
            "@type": "WebSite",
            "name": site.config.title,
            "description": site.config.description,
            "url": site.config.base_url,
            "inLanguage": site.config.language,
        }
    data = {"@context": "https://schema.org", **_prune(data)}
    text = json.dumps(data, ensure_ascii=False, indent=1)
    # Inside <script>, "</" would end the element: escape the characters HTML cares about.
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def _organization(org: Organization, url: str) -> dict[str, Any]:
    return {"@type": "Organization", "name": org.meta.name, "alternateName": org.meta.short_name, "url": url}


def _person_ref(profile: Profile, url: str) -> dict[str, Any]:
    return {"@type": "Person", "name": profile.meta.name, "url": url}


def _prune(value: Any) -> Any:
    """Drop empty properties, so the data never states a null."""
    if isinstance(value, dict):
        return {k: _prune(v) for k, v in value.items() if v not in (None, "", [], {})}
    if isinstance(value, list):
        return [_prune(v) for v in value]
    return value
