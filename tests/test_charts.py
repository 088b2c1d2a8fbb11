"""Charts: the numbers drawn in the SVG are the numbers in content/stats, like compared with like."""

from __future__ import annotations

import re
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from coloraide import Color

from frontline.charts import Datum, bar_percent, charts, dot_scale, group_by_unit, wrap
from frontline.images import PALETTE
from frontline.models import FigureMeta
from frontline.numbers import format_figure
from tests.conftest import REPO


def datum(key: str, value: int, unit: str, label: str = "标签") -> Datum:
    return Datum(key, label, Decimal(value), f"{value}{unit}", unit)


class Charts(HTMLParser):
    """Collects, per chart, its title, each bar's key and value, and the data table's cells."""

    def __init__(self):
        super().__init__()
        self.bars: list[dict] = []  # {key, value, width}
        self.tiles: list[dict] = []  # {key, value, dots, scale}
        self.svgs: list[dict] = []
        self.table_values: list[tuple[str, Decimal]] = []
        self._key = None
        self._titles: list[str] = []
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        cls = a.get("class", "")
        if tag == "g" and cls == "chart-row":
            self._key = a["data-key"]
        if tag == "rect" and cls == "chart-bar":
            self.bars.append({"key": self._key, "value": Decimal(a["data-value"]), "width": a["width"]})
        if tag == "li" and cls == "chart-tile":
            self.tiles.append({"key": a["data-key"]})
        if tag == "p" and cls == "chart-tile-value":
            self.tiles[-1]["value"] = Decimal(a["data-value"])
        if tag == "svg" and cls.startswith("chart-"):
            self.svgs.append(a)
            if cls == "chart-dots":
                self.tiles[-1].update(dots=int(a["data-dots"]), scale=int(a["data-scale"]))
        if tag == "tr" and "data-key" in a:
            self._key = a["data-key"]
        if tag == "td" and "data-value" in a:
            self.table_values.append((self._key, Decimal(a["data-value"])))


def parse(html: str) -> Charts:
    parser = Charts()
    parser.feed(html)
    return parser


def yaml_figures(org: str) -> list[dict]:
    return yaml.safe_load((REPO / f"content/stats/{org}.yaml").read_text(encoding="utf-8"))["figures"]


@pytest.mark.parametrize("org", ["daxing", "jingkaiqu"])
def test_stats_and_organization_charts_draw_every_figure_from_the_yaml(real_site: Path, org: str):
    figures = {f["key"]: f for f in yaml_figures(org)}
    for page in ("stats/index.html", f"organizations/{org}/index.html"):
        html = (real_site / "output" / page).read_text(encoding="utf-8")
        found = parse(html)
        drawn = {b["key"]: b for b in found.bars if b["key"] in figures}
        tiles = {t["key"]: t for t in found.tiles if t["key"] in figures}
        # Every figure is drawn exactly once: as a bar when its unit is shared, as a tile when alone.
        assert sorted([*drawn, *tiles]) == sorted(figures), page
        units = [f["unit"] for f in figures.values()]
        for key, bar in drawn.items():
            fig = figures[key]
            assert bar["value"] == Decimal(str(fig["value"]))
            assert units.count(fig["unit"]) > 1
            # Linear from zero: each bar's length is its share of the largest of the same unit.
            largest = max(Decimal(str(f["value"])) for f in figures.values() if f["unit"] == fig["unit"])
            assert bar["width"] == f"{bar_percent(bar['value'], largest)}%"
        for key, tile in tiles.items():
            fig = figures[key]
            assert tile["value"] == Decimal(str(fig["value"]))
            assert units.count(fig["unit"]) == 1
            if "dots" in tile:  # a count drawn as dots: dots × items per dot is the value
                assert tile["dots"] * tile["scale"] == fig["value"]
        # The data table repeats every bar's number for screen readers and print.
        table = {key: value for key, value in found.table_values if key in figures}
        assert table == {key: bar["value"] for key, bar in drawn.items()}


def test_bar_labels_print_the_figures_as_the_reports_do(real_site: Path):
    html = (real_site / "output/organizations/jingkaiqu/index.html").read_text(encoding="utf-8")
    for fig in yaml_figures("jingkaiqu"):
        text = format_figure(FigureMeta.model_validate(fig))
        assert f">{text}<" in html, text
    assert "近1000万元" in html and "每个圆点代表1000份" in html


def test_every_chart_is_an_accessible_image_with_title_and_description(real_site: Path):
    for page in ("index.html", "stats/index.html", "organizations/daxing/index.html"):
        html = (real_site / "output" / page).read_text(encoding="utf-8")
        svgs = re.findall(r'<svg class="chart-[^"]*"[^>]*>.*?</svg>', html, re.S)
        assert svgs, page
        for svg in svgs:
            ids = re.search(r'aria-labelledby="([^"]+)"', svg).group(1).split()
            assert 'role="img"' in svg
            assert f'<title id="{ids[0]}">' in svg and f'<desc id="{ids[1]}">' in svg
        ids = re.findall(r'\sid="([^"]+)"', html)
        assert len(ids) == len(set(ids)), f"duplicate ids on {page}"
        # Charts need no script; JSON-LD data blocks are not scripts that run.
        assert "<script" not in html.replace('<script type="application/ld+json">', "")


def test_units_are_never_mixed_on_one_axis():
    data = [datum("a", 10000000, "元"), datum("b", 5, "名"), datum("c", 100, "元"), datum("d", 45, "名")]
    groups = group_by_unit(data)
    assert [(g.unit, [d.key for d in g.data]) for g in groups] == [("元", ["a", "c"]), ("名", ["d", "b"])]
    html = charts(data, "t", "测试")
    assert html.count('<figure class="chart chart-bar-chart"') == 2
    assert "测试：金额（单位：元）" in html and "测试：人数（单位：名）" in html


def test_bars_start_at_zero_and_tiny_values_stay_visible():
    assert bar_percent(Decimal(45), Decimal(45)) == 100
    assert bar_percent(Decimal(5), Decimal(45)) == Decimal("11.11")
    assert bar_percent(Decimal(100), Decimal(10000000)) == Decimal("0.6")
    assert bar_percent(Decimal(0), Decimal(10)) == 0


def test_dot_arrays_stay_small_and_exact():
    assert dot_scale(Decimal(54)) == 1
    assert dot_scale(Decimal(1000)) == 100
    assert dot_scale(Decimal(10000)) == 1000
    html = charts([datum("x", 25, "套")], "t", "测试")
    assert 'data-dots="25"' in html and html.count('class="chart-dot"') == 25
    html = charts([datum("y", 250, "套")], "t", "测试")  # 25 dots of 10; none partial
    assert 'data-dots="25" data-scale="10"' in html and "每个圆点代表10套" in html
    html = charts([datum("z", 75, "元")], "t", "测试")  # money is not drawn as dots
    assert "chart-dots" not in html and ">75元<" in html


def test_long_labels_wrap_after_punctuation():
    label = "参与荣华、博兴两街道疫情防控志愿服务的青年志愿者"
    assert wrap(label) == ["参与荣华、博兴两街道疫情防控志愿服务", "的青年志愿者"]
    assert "".join(wrap("用于走访慰问、普惠发放的筹集资金" * 3)) == "用于走访慰问、普惠发放的筹集资金" * 3
    assert all(len(line) <= 18 for line in wrap("一" * 50))


def test_labels_and_titles_are_escaped():
    html = charts([datum("a", 1, "名", "<b>坏</b>"), datum("b", 2, "名")], "t", "A&B")
    assert "<b>" not in html and "&lt;b&gt;" in html and "A&amp;B" in html


def _palette(css: str, block: str) -> dict[str, str]:
    return dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{3,6})", block))


def test_colours_pass_contrast_in_light_and_dark_schemes():
    css = (REPO / "static/style.css").read_text(encoding="utf-8")
    light = _palette(css, css[css.index(":root {") : css.index("}", css.index(":root {"))])
    dark_at = css.index("@media (prefers-color-scheme: dark)")
    dark = _palette(css, css[dark_at : css.index("}", dark_at)])
    for scheme in (light, dark):
        for background in ("paper", "tile"):
            bg = Color(scheme[background])
            # Text (values, labels) needs 4.5:1; bars and dots, as graphics, need 3:1 (WCAG 1.4.11).
            assert bg.contrast(scheme["ink"]) >= 4.5
            assert bg.contrast(scheme["muted"]) >= 4.5
            assert bg.contrast(scheme["accent-ink"]) >= 4.5
            assert bg.contrast(scheme["accent"]) >= 3
    for colour in PALETTE:  # generated portraits: a white character on the colour
        assert Color(colour).contrast("white") >= 4.5, colour
