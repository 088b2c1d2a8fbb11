from frontline.numbers import format_number
from frontline.prose import FigureLink, Prose, find_shortcodes


def prose() -> Prose:
    figures = {"funds": FigureLink("近1000万元", "筹集资金", "stats/index.html#funds")}
    return Prose(
        lambda key, root: (
            FigureLink(figures[key].text, figures[key].label, root + figures[key].href) if key in figures else None
        )
    )


def test_chinese_line_break_is_not_a_space():
    html = prose().html("第一行文字\n第二行文字，\n“引号”", "../")
    assert "第一行文字第二行文字，“引号”" in html


def test_bold_next_to_chinese_punctuation():
    assert "<strong>“加油”</strong>，" in prose().html("大家说**“加油”**，好。", "")


def test_figure_reference_is_rendered_and_linked():
    html = prose().html("筹集资金{{fig funds}}用于慰问。", "../../")
    assert '<a class="fig" href="../../stats/index.html#funds" title="筹集资金">近1000万元</a>' in html


def test_photo_caption_block():
    html = prose().html("段落。\n\n{{photo ▲董怡在亦城茗苑进行核酸检测}}\n", "")
    assert '<figure class="photo-note marked">' in html
    assert "<figcaption>▲董怡在亦城茗苑进行核酸检测</figcaption>" in html
    assert "<img" not in html


def test_shortcodes_are_found_with_positions():
    codes = find_shortcodes("一\n二{{fig a-b}}三 {{ photo 说明 }}")
    assert [(c.kind, c.arg, c.line, c.col) for c in codes] == [("fig", "a-b", 1, 2), ("photo", "说明", 1, 15)]


def test_chinese_numbers():
    assert [format_number(v) for v in (10000000, 70000, 500000, 12345, 282, 100000000)] == [
        "1000万",
        "7万",
        "50万",
        "12345",
        "282",
        "1亿",
    ]
