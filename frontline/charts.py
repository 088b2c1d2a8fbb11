"""Figures as pictures: accessible inline SVG charts drawn at build time, no JavaScript.

The figures of one organization are heterogeneous (people, money, teams, classes), so they
are grouped by unit and only like is compared with like: a unit with several figures becomes
a horizontal bar chart on a linear scale from zero; a unit with a single figure becomes a tile
whose count is shown as a dot array (one dot per item, or per 10, 100… when there are many).

Every chart is an <svg role="img"> with a <title> and <desc>, followed by the same numbers as
a real <table> for screen readers and print. Text is sized in CSS pixels and bars in per cent,
so labels stay legible on a 360 px phone while bars stretch to the column. Colours come from
CSS classes (style.css), with currentColor as the fallback, so light and dark schemes work.

Functions here are pure: data in, markup (a str) out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from markupsafe import escape

# What a unit counts, for chart titles; a unit not listed is named as it is.
UNIT_NOUNS = {
    "元": "金额",
    "万元": "金额",
    "名": "人数",
    "人": "人数",
    "位": "人数",
    "年": "年数",
    "家": "单位数",
    "支": "队伍数",
    "场": "场次",
    "次": "次数",
    "份": "份数",
    "户": "户数",
    "套": "套数",
    "个": "个数",
}
# Units of discrete things that can be drawn one dot each; money and durations cannot.
COUNTABLE_UNITS = {"名", "人", "位", "家", "支", "场", "次", "份", "户", "套", "个", "件", "辆", "箱", "袋"}
MAX_DOTS = 60
DOTS_PER_ROW = 10
LABEL_CHARS = 18  # CJK characters per label line: 18 × 14 px fits a 360 px phone with margins
MIN_BAR_PERCENT = Decimal("0.6")  # a value far below the largest still shows as a sliver

# Vertical layout of a bar chart row, in CSS pixels.
LINE = 20
BAR = 14
GAP = 6
ROW_GAP = 14


@dataclass(frozen=True)
class Datum:
    key: str
    label: str  # 用于走访慰问、普惠发放的筹集资金
    value: Decimal
    text: str  # as the page prints it: 近1000万元
    unit: str


@dataclass(frozen=True)
class Group:
    unit: str
    data: tuple[Datum, ...]

    @property
    def noun(self) -> str:
        return UNIT_NOUNS.get(self.unit, f"以“{self.unit}”计的数字" if self.unit else "数字")


def group_by_unit(data: Iterable[Datum]) -> list[Group]:
    """Groups in order of first appearance; within a group, largest first (then by key)."""
    groups: dict[str, list[Datum]] = {}
    for d in data:
        groups.setdefault(d.unit, []).append(d)
    return [Group(unit, tuple(sorted(items, key=lambda d: (-d.value, d.key)))) for unit, items in groups.items()]


def bar_percent(value: Decimal, largest: Decimal) -> Decimal:
    """Bar length as a per cent of the track: linear from zero, never invisible."""
    if largest <= 0 or value <= 0:
        return Decimal(0)
    return max((value / largest * 100).quantize(Decimal("0.01")), MIN_BAR_PERCENT)


def dot_scale(value: Decimal) -> int:
    """Items per dot: 1, 10, 100… so that at most MAX_DOTS dots are drawn."""
    scale = 1
    while value / scale > MAX_DOTS:
        scale *= 10
    return scale


def wrap(label: str, width: int = LABEL_CHARS) -> list[str]:
    """Break a Chinese label into lines of at most width characters, after punctuation if possible."""
    lines = []
    rest = label
    while len(rest) > width:
        cut = max(rest.rfind(p, width // 2, width) for p in "、，；：）”")
        cut = cut + 1 if cut > 0 else width
        lines.append(rest[:cut])
        rest = rest[cut:]
    lines.append(rest)
    return lines


def charts(data: Sequence[Datum], scope: str, name: str) -> str:
    """All charts for a set of figures: bar charts for shared units, then one tile per lone figure.

    scope makes element ids unique on the page (e.g. the organization's slug); name is what the
    figures belong to, for titles (e.g. 经开区总工会).
    """
    groups = group_by_unit(data)
    bars = [bar_chart(g, f"chart-{scope}-{i}", name) for i, g in enumerate(groups) if len(g.data) > 1]
    singles = [single_tile(g.data[0], f"chart-{scope}-{i}") for i, g in enumerate(groups) if len(g.data) == 1]
    parts = []
    if bars:
        parts.append('<div class="chart-bars">\n' + "\n".join(bars) + "\n</div>")
    if singles:
        parts.append('<ul class="chart-tiles">\n' + "\n".join(singles) + "\n</ul>")
    return "\n".join(parts)


def bar_chart(group: Group, chart_id: str, name: str) -> str:
    title = f"{name}：{group.noun}（单位：{group.unit}）" if group.unit else f"{name}：{group.noun}"
    largest = group.data[0].value
    listing = "；".join(f"{d.label}{d.text}" for d in group.data)
    desc = f"横向条形图，共{len(group.data)}项，条形长度与数值成正比，从零开始。{listing}。"
    rows = []
    y = 0
    for d in group.data:
        lines = wrap(d.label)
        text_y = y + LINE - 5
        label = [
            f'<text class="chart-label" x="0" y="{text_y}">'
            f'<tspan class="chart-value">{escape(d.text)}</tspan><tspan dx="8">{escape(lines[0])}</tspan></text>'
        ]
        for extra in lines[1:]:
            text_y += LINE
            label.append(f'<text class="chart-label" x="0" y="{text_y}">{escape(extra)}</text>')
        bar_y = y + LINE * len(lines) + 2
        pct = bar_percent(d.value, largest)
        rows.append(
            f'<g class="chart-row" data-key="{escape(d.key)}">'
            + "".join(label)
            + f'<rect class="chart-track" x="0" y="{bar_y}" width="100%" height="{BAR}"/>'
            + f'<rect class="chart-bar" x="0" y="{bar_y}" width="{pct}%" height="{BAR}"'
            f' data-value="{d.value}" fill="currentColor"/>' + "</g>"
        )
        y = bar_y + BAR + ROW_GAP
    height = y - ROW_GAP + GAP
    svg = (
        f'<svg class="chart-svg" width="100%" height="{height}" role="img"'
        f' aria-labelledby="{chart_id}-title {chart_id}-desc" fill="currentColor">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>' + "".join(rows) + "</svg>"
    )
    return (
        f'<figure class="chart chart-bar-chart" id="{chart_id}">\n'
        f'<figcaption class="chart-title">{escape(title)}</figcaption>\n'
        f"{svg}\n"
        f"{data_table(title, group.data)}\n"
        "</figure>"
    )


def data_table(title: str, data: Sequence[Datum]) -> str:
    rows = "".join(
        f'<tr data-key="{escape(d.key)}"><th scope="row">{escape(d.label)}</th>'
        f'<td data-value="{d.value}">{escape(d.text)}</td></tr>'
        for d in data
    )
    return (
        f'<div class="chart-data"><table class="chart-table"><caption>{escape(title)}（数据表）</caption>'
        f'<thead><tr><th scope="col">项目</th><th scope="col">数字</th></tr></thead>'
        f"<tbody>{rows}</tbody></table></div>"
    )


def single_tile(d: Datum, chart_id: str) -> str:
    """A lone figure: the number in words, and for a count, a dot array of its size."""
    picture = dot_array(d, chart_id) if d.unit in COUNTABLE_UNITS and d.value >= 1 else ""
    return (
        f'<li class="chart-tile" id="{chart_id}" data-key="{escape(d.key)}">'
        f'<p class="chart-tile-value" data-value="{d.value}">{escape(d.text)}</p>'
        f'<p class="chart-tile-label">{escape(d.label)}</p>{picture}</li>'
    )


def dot_array(d: Datum, chart_id: str, radius: int = 5, step: int = 14) -> str:
    scale = dot_scale(d.value)
    exact = d.value / scale
    whole = int(exact)
    part = exact - whole  # a last, partly filled dot for a remainder
    count = whole + (1 if part else 0)
    per = f"每个圆点代表{scale}{d.unit}" if scale > 1 else f"每个圆点代表1{d.unit}"
    title = f"{d.label}：{d.text}"
    desc = f"圆点图，共{count}个圆点，{per}。"
    rows = (count + DOTS_PER_ROW - 1) // DOTS_PER_ROW
    width = step * min(count, DOTS_PER_ROW)
    height = step * rows
    dots = []
    for i in range(count):
        cx = radius + 2 + step * (i % DOTS_PER_ROW)
        cy = radius + 2 + step * (i // DOTS_PER_ROW)
        if i == whole:  # the remainder: an outlined dot filled in proportion, clipped to the circle
            fill = (part * 2 * radius).quantize(Decimal("0.01"))
            dots.append(
                f'<clipPath id="{chart_id}-clip"><circle cx="{cx}" cy="{cy}" r="{radius}"/></clipPath>'
                f'<circle class="chart-dot-empty" cx="{cx}" cy="{cy}" r="{radius - 0.5}" fill="none"'
                f' stroke="currentColor"/><rect class="chart-dot" x="{cx - radius}" y="{cy - radius}"'
                f' width="{fill}" height="{2 * radius}" clip-path="url(#{chart_id}-clip)" fill="currentColor"/>'
            )
        else:
            dots.append(f'<circle class="chart-dot" cx="{cx}" cy="{cy}" r="{radius}" fill="currentColor"/>')
    return (
        f'<svg class="chart-dots" width="{width + 4}" height="{height + 4}" viewBox="0 0 {width + 4} {height + 4}"'
        f' role="img" aria-labelledby="{chart_id}-title {chart_id}-desc"'
        f' data-dots="{count}" data-scale="{scale}">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>' + "".join(dots) + "</svg>"
        f'<p class="chart-dots-key">{escape(per)}</p>'
    )
