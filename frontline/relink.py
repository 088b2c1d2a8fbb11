"""link() again after a save that changed a few profiles and nothing else, the preview's usual
case: the last site with those profiles put in, instead of every body, name and mention of the
site looked at again (at ten thousand pages that was most of a save's link()).

It applies when the config, organizations, editions, reports and figures are the very objects
the last link() had (load's preview cache and validate's memo hand back the models of unchanged
files) and each changed profile keeps its file, slug, name and draft flag, and shares its name
with no one: then which names exist and whom they link to, and all that the reports say, are
as they were. Only what a changed profile says itself is found again: the organization and
figure its front matter names, its body's problems and the figures it cites, and whom its body
names. Otherwise relink() gives None and link() does it all; either way the site and the
warnings are those link() would make (tests/test_relink.py compares the two after each edit).
"""

from __future__ import annotations

import bisect
import dataclasses

from .bodies import Naming, body_findings
from .errors import BuildError, Problem
from .link import Linked, ProfileMention, Site, linked_key, profile_references
from .memo import CheckMemo, changed_profiles
from .models import Content, Profile


def relink(content: Content, include_drafts: bool, memo: CheckMemo | None) -> tuple[Site, list[Problem]] | None:
    """The site and warnings link(content) would give, made from the last link()'s; or None when
    the content differs from that link()'s in more than a few profiles' own words. Raises
    BuildError as link() would."""
    last: Linked | None = memo.names.get(linked_key(include_drafts)) if memo is not None else None
    pairs = changed_profiles(last.content, content) if last is not None else None
    if last is None or pairs is None or not all(_same_place(a, b, last) for _, a, b in pairs):
        return None
    site = last.site
    figures = site.figures
    errors: list[Problem] = []
    findings = dict(last.findings)
    cited = dict(site.figures_in)
    for i, _, profile in pairs:
        errors += profile_references(profile, site.organization_of, figures)
        found, keys = body_findings(profile, figures, None)
        at = len(content.articles) + i  # where link() finds it: after the reports
        findings.pop(at, None)
        if found:
            findings[at] = tuple(found)
        cited[profile.slug] = tuple(figures[key] for key in keys)
    warnings = [problem for at in sorted(findings) for problem in findings[at]]
    if errors or any(p.severity == "error" for p in warnings):
        raise BuildError(errors + warnings)

    shown = [(a, b) for _, a, b in pairs if include_drafts or not b.meta.draft]
    linked = dict(site.linked_names)
    profiles = list(site.profiles)
    people_in = dict(site.people_in)
    for a, b in shown:
        if linked.get(b.meta.name) is a:
            linked[b.meta.name] = b
        profiles[bisect.bisect_left(profiles, a.slug, key=_slug)] = b  # by slug, which a and b share
        for mention in site.mentions.get(a.slug, ()):  # the reports that name this person
            slug = mention.article.slug
            people_in[slug] = tuple(b if p is a else p for p in people_in[slug])
    naming = Naming(figures, linked, site.known_names, None)
    mentioned = dict(site.profile_mentions)
    for a, b in shown:
        before, after = _names(naming, linked, a), _names(naming, linked, b)
        for slug in before.keys() | after.keys():
            entries = [m for m in mentioned[slug] if m.profile is not a]
            if slug in after:  # in the order of the profiles that name them, as link() lists them
                at = bisect.bisect_left(entries, b.slug, key=lambda m: m.profile.slug)
                entries.insert(at, ProfileMention(b, after[slug]))
            mentioned[slug] = tuple(entries)
    made = dataclasses.replace(
        site,
        profiles=tuple(profiles),
        people_in=people_in,
        figures_in=cited,
        profile_mentions=mentioned,
        linked_names=linked,
    )
    assert memo is not None
    memo.names[linked_key(include_drafts)] = dataclasses.replace(last, content=content, site=made, findings=findings)
    return made, warnings + list(last.shared)


def _same_place(before: Profile, now: Profile, last: Linked) -> bool:
    """Whether the profile stands where it stood for everyone else: same file, slug, name (one
    no one else has) and draft flag."""
    old, new = before.meta, now.meta
    return (
        before.source.path == now.source.path
        and before.slug == now.slug
        and old.name == new.name
        and old.draft == new.draft
        and old.name not in last.shared_names
    )


def _names(naming: Naming, linked: dict[str, Profile], profile: Profile) -> dict[str, str]:
    """The other people a profile's body names (their slugs), each with the first sentence that
    does, as link() finds them."""
    found: dict[str, str] = {}
    for sentence, names in naming.sentences(None, profile.body):
        for name in names:
            slug = linked[name].slug
            if slug != profile.slug and slug not in found:
                found[slug] = sentence
    return found


def _slug(profile: Profile) -> str:
    return profile.slug
