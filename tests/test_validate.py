from pathlib import Path

import pytest

from frontline.errors import BuildError
from frontline.load import load
from frontline.models import PartialDate
from frontline.validate import slugify, validate
from tests.conftest import make_site


def problems_for(root: Path) -> list[str]:
    docs, problems = load(root)
    assert problems == []
    with pytest.raises(BuildError) as exc:
        validate(docs)
    return [p.format() for p in exc.value.problems]


def test_typo_in_key_suggests_the_right_one(tmp_path: Path):
    root = make_site(tmp_path, {"content/profiles/shi-jian.md": "---\nname: 施剑\norganisation: daxing\n---\n正文\n"})
    assert problems_for(root) == [
        "content/profiles/shi-jian.md:1:1: error: [organization] 缺少必填字段 organization",
        "content/profiles/shi-jian.md:3:1: error: [organisation] 未知字段 organisation，是否想写 organization？",
    ]


def test_wrong_type_and_bad_date(tmp_path: Path):
    root = make_site(tmp_path, {"content/editions/1.yaml": 'number: 第一\ntitle: 一\ndate: "2020-02-30"\n'})
    found = problems_for(root)
    assert found[0].startswith("content/editions/1.yaml:1:1: error: [number] 应为整数")
    assert found[1] == "content/editions/1.yaml:3:1: error: [date] 日期 2020-02-30 不存在"


def test_impossible_yaml_date_is_located(tmp_path: Path):
    root = make_site(tmp_path, {"content/editions/1.yaml": "number: 1\ntitle: 一\ndate: 2020-02-30\n"})
    _, problems = load(root)
    assert [(p.line, p.col) for p in problems] == [(3, 7)]


def test_nested_field_is_located(tmp_path: Path):
    article = (
        "---\ntitle: 标题\norganization: daxing\nedition: 1\ndate: 2020\n"
        "byline:\n  - role: 本报记者\n    nmae: 孙艳\n---\n"
    )
    root = make_site(tmp_path, {"content/articles/report.md": article})
    found = problems_for(root)
    assert "content/articles/report.md:7:5: error: [byline[0].name] 缺少必填字段 name" in found
    assert "content/articles/report.md:8:5: error: [byline[0].nmae] 未知字段 nmae，是否想写 name？" in found


def test_duplicate_slug(tmp_path: Path):
    root = make_site(tmp_path, {"content/profiles/other.md": "---\nname: 施剑\norganization: daxing\n---\n"})
    found = problems_for(root)
    assert len(found) == 1
    assert "人物网址 shi-jian 与 content/profiles/other.md" in found[0]


def test_partial_dates_keep_their_precision():
    from frontline.models import _partial_date

    assert _partial_date("2020-02").chinese() == "2020年2月"
    assert _partial_date(2022) == PartialDate(2022)
    assert _partial_date("2020-02-04").iso() == "2020-02-04"


def test_pinyin_slugs():
    assert slugify("韩锋光") == "han-feng-guang"
    assert slugify("施剑") == "shi-jian"
