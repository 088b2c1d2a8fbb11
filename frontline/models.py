"""Typed content. The *Meta classes are exactly what editors may write in front matter or
YAML (unknown keys are rejected, and JSON Schema is exported from them); the dataclasses
wrap a validated meta with what the build derives: slug, body and source position."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
KEY_PATTERN = SLUG_PATTERN

# Where a qualifier stands: 近1000万元 but 1000多套 and 40余户.
PREFIX_QUALIFIERS = ("近", "约", "超过", "逾", "共计", "累计", "达")
SUFFIX_QUALIFIERS = ("多", "余")
Qualifier = Literal["近", "约", "超过", "逾", "共计", "累计", "达", "多", "余"]


@dataclass(frozen=True, order=True)
class PartialDate:
    """A date known to the year, the month or the day; the page shows only what is known."""

    year: int
    month: int | None = None
    day: int | None = None

    def iso(self) -> str:
        parts = [f"{self.year:04d}"]
        if self.month:
            parts.append(f"{self.month:02d}")
        if self.day:
            parts.append(f"{self.day:02d}")
        return "-".join(parts)

    def chinese(self) -> str:
        text = f"{self.year}年"
        if self.month:
            text += f"{self.month}月"
        if self.day:
            text += f"{self.day}日"
        return text

    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month or 1, self.day or 1)


def _partial_date(value: Any) -> PartialDate:
    if isinstance(value, PartialDate):
        return value
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return PartialDate(value.year, value.month, value.day)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str):
        match = re.fullmatch(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?", value.strip())
        if match:
            year, month, day = (int(g) if g else None for g in match.groups())
            try:
                dt.date(year, month or 1, day or 1)
            except ValueError:
                raise ValueError(f"日期 {value} 不存在") from None
            return PartialDate(year, month, day)
    raise ValueError("日期应写成 2020、2020-02 或 2020-02-04 的形式")


DateField = Annotated[
    PartialDate,
    BeforeValidator(_partial_date),
    # A bare year is an integer to YAML; a full date stays a string in YAML 1.2 (editors' tools).
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": r"^\d{4}(-\d{1,2}(-\d{1,2})?)?$"},
                {"type": "integer", "minimum": 1000, "maximum": 9999},
            ],
            "description": "YYYY, YYYY-MM or YYYY-MM-DD",
        }
    ),
]
Slug = Annotated[str, Field(pattern=SLUG_PATTERN, description="lowercase ASCII letters, digits and hyphens")]
Text = Annotated[str, Field(min_length=1)]


class Meta(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class SiteConfig(Meta):
    title: Text
    description: Text
    base_url: Annotated[str, Field(pattern=r"^https?://\S+/$", description="absolute URL ending in /")]
    language: Literal["zh-CN"] = "zh-CN"
    repository: Annotated[str, Field(pattern=r"^https?://\S+$")] | None = None
    branch: Annotated[str, Field(pattern=r"^[\w./-]+$", description="branch the edit links open")] = "main"


class OrganizationMeta(Meta):
    name: Text
    short_name: Text | None = None
    description: Text | None = None
    slug: Slug | None = None


class EditionMeta(Meta):
    number: Annotated[int, Field(ge=1)]
    title: Text
    date: DateField
    summary: Text | None = None


class Byline(Meta):
    role: Text
    name: Text


class ArticleMeta(Meta):
    title: Text
    subtitle: Text | None = None
    kicker: Text | None = None
    lead: Text | None = None
    byline: list[Byline] = []
    organization: Slug
    edition: Annotated[int, Field(ge=1)]
    date: DateField
    slug: Slug | None = None
    summary: Text | None = None
    draft: bool = False
    autolink: bool = Field(True, description="false: names in this page's body are not linked to profiles")


class Place(Meta):
    town: Text | None = Field(None, description="镇 or 街道")
    place: Text | None = Field(None, description="村, 社区 or 园区")


class ProfileMeta(Meta):
    name: Annotated[str, Field(min_length=1, max_length=20)]
    organization: Slug
    role: Text | None = None
    department: Text | None = None
    sent_to: Place | None = None
    party_years: Annotated[str, Field(pattern=KEY_PATTERN)] | None = None
    quote: Text | None = None
    summary: Text | None = None
    photo: Text | None = Field(None, description="portrait, relative to content/: photos/shi-jian.jpg")
    slug: Slug | None = None
    draft: bool = False
    autolink: bool = Field(True, description="false: names in this page's body are not linked to profiles")


class FigureMeta(Meta):
    key: Annotated[str, Field(pattern=KEY_PATTERN)]
    label: Text
    value: Annotated[Decimal, Field(ge=0, allow_inf_nan=False)]
    unit: str = ""
    qualifier: Qualifier | None = None
    organization: Slug
    article: Slug | None = None
    source: Text


class StatsFile(Meta):
    figures: list[FigureMeta]


# Plain-text front-matter fields that may cite a figure as {{fig KEY}}, as bodies do: a summary or
# a quote that gives a number gives the one in content/stats/, so it changes with the figure.
FIGURE_TEXT_FIELDS: dict[type[Meta], tuple[str, ...]] = {
    ProfileMeta: ("quote", "summary"),
    ArticleMeta: ("subtitle", "lead", "summary"),
    EditionMeta: ("summary",),
}


def figure_texts(meta: Meta) -> list[tuple[str, str]]:
    """(field, text) of each field of meta that may cite figures and is given."""
    return [(name, text) for name in FIGURE_TEXT_FIELDS.get(type(meta), ()) if (text := getattr(meta, name))]


@dataclass(frozen=True)
class Source:
    """Where a document came from: its path, the position of each field, its body's first line."""

    path: str
    marks: dict = field(default_factory=dict, compare=False, repr=False)
    body_line: int = 1

    def at(self, *loc: str | int) -> tuple[int, int]:
        for end in range(len(loc), -1, -1):
            if loc[:end] in self.marks:
                return self.marks[loc[:end]]
        return (1, 1)


@dataclass(frozen=True, eq=False)  # entities: identity, not value
class Organization:
    id: str
    meta: OrganizationMeta
    source: Source

    @property
    def slug(self) -> str:
        return self.meta.slug or self.id


@dataclass(frozen=True, eq=False)  # entities: identity, not value
class Edition:
    meta: EditionMeta
    source: Source

    @property
    def number(self) -> int:
        return self.meta.number


@dataclass(frozen=True, eq=False)  # entities: identity, not value
class Article:
    slug: str
    meta: ArticleMeta
    body: str
    source: Source


@dataclass(frozen=True, eq=False)  # entities: identity, not value
class Profile:
    slug: str
    meta: ProfileMeta
    body: str
    source: Source


@dataclass(frozen=True, eq=False)  # entities: identity, not value
class Figure:
    meta: FigureMeta
    source: Source  # marks are relative to this figure's entry in its stats file

    @property
    def key(self) -> str:
        return self.meta.key


@dataclass(frozen=True)
class Content:
    """Everything validated, before cross-references are resolved."""

    config: SiteConfig
    organizations: tuple[Organization, ...]
    editions: tuple[Edition, ...]
    articles: tuple[Article, ...]
    profiles: tuple[Profile, ...]
    figures: tuple[Figure, ...]
