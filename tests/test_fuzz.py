"""Property tests (hypothesis): whatever an editor types, the build answers with a site or
with located messages, never a traceback, and never writes outside output/."""

from __future__ import annotations

import contextlib
import io
import os
import re
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from frontline.cli import main
from tests.conftest import make_site, write_files

# Derandomized: CI runs the same examples every time; no example database is written.
FUZZ = settings(
    max_examples=30,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: a failure prints its input as found
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
LOCATED = re.compile(r"^content/[^:]+:\d+:\d+: (error|warning): ")
SUMMARY = ("构建失败：", "已生成 ")

# Text an editor might type or paste: Chinese, Markdown and HTML punctuation, YAML syntax,
# odd Unicode (combining marks, right-to-left, zero width, astral), and the shortcodes.
ALPHABET = st.sampled_from(
    list("施剑工会社区一线，。“”！？：、 \t\n")
    + list("#*_`[]()!<>&;:\"'{}|-=+~\\/%@$^")
    + ["\u0301", "\u202e", "\u200b", "\ufeff", "\U0001f600", "\u3000", "é", "ß"]
)
FREE_TEXT = st.text(ALPHABET, max_size=80)
SHORTCODES = st.sampled_from(
    ["{{fig leaders}}", "{{fig nope}}", "{{fig}}", "{{ fig  leaders }}", "{{photo ▲说明}}", "{{photo}}", "{{x y}}"]
)
LINKS = st.sampled_from(
    ["[施剑](../profiles/shi-jian.md)", "[x](../../../etc/passwd)", "![图](../media/none.jpg)", "[x](javascript:1)"]
)
BODY = st.lists(st.one_of(FREE_TEXT, SHORTCODES, LINKS), max_size=12).map("".join)
SCALAR = st.one_of(
    FREE_TEXT, st.integers(-(10**20), 10**20), st.booleans(), st.none(), st.floats(allow_nan=True), st.dates()
)
VALUE = st.recursive(SCALAR, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(FREE_TEXT, inner, max_size=3))
PROFILE_KEYS = ["name", "organization", "role", "department", "sent_to", "party_years", "quote", "summary", "slug"]
FRONT_MATTER = st.dictionaries(st.one_of(st.sampled_from(PROFILE_KEYS + ["draft", "photo"]), FREE_TEXT), VALUE)
FIGURE_KEYS = ["key", "label", "value", "unit", "qualifier", "organization", "article", "source"]
FIGURE = st.dictionaries(st.sampled_from(FIGURE_KEYS), VALUE, min_size=0, max_size=8)


def files_outside_output(root: Path) -> set[str]:
    return {
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if not p.relative_to(root).as_posix().startswith("output")
    }


def check_build(files: dict[str, str | bytes]) -> None:
    """Build the minimal site with `files` replaced: either a site or located errors, and
    nothing written outside output/ (but the build's lock file beside it)."""
    with tempfile.TemporaryDirectory(prefix="frontline-fuzz-") as tmp:
        root = make_site(Path(tmp) / "site")
        write_files(root, files)
        before = files_outside_output(root)
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            code = main(["--root", str(root), "build"])  # any exception but BuildError fails here
        messages = err.getvalue()
        assert "Traceback" not in messages
        assert code in (0, 1), messages
        for line in messages.splitlines():
            assert LOCATED.match(line) or line.startswith(SUMMARY), line
        # Beside output/ a build may leave only its lock file, the incremental build's cache and
        # the record of what output/ holds (for when it becomes the spare: frontline/spare.py).
        added = files_outside_output(root) - before
        record = f".output.record-{os.lstat(root / 'output').st_ino}" if (root / "output").is_dir() else None
        assert {a for a in added if not a.startswith(".frontline-cache")} <= {".output.lock", record}, added
        if code == 0:
            assert (root / "output/index.html").is_file()
            assert (root / "output/profiles/index.html").is_file()
        else:
            assert not (root / "output").exists()  # a failed first build publishes nothing
            assert ": error: " in messages


REPORT_FRONT = "---\ntitle: 测试报道\norganization: daxing\nedition: 1\ndate: 2020-02\n---\n"


@FUZZ
@given(front=FRONT_MATTER, body=BODY)
def test_any_profile_front_matter_and_body(front: dict, body: str):
    text = "---\n" + yaml.safe_dump(front, allow_unicode=True) + "---\n" + body
    check_build({"content/profiles/shi-jian.md": text})


@FUZZ
@given(raw=st.text(ALPHABET, max_size=200))
def test_any_bytes_as_front_matter(raw: str):
    check_build({"content/profiles/shi-jian.md": f"---\n{raw}\n---\n正文。\n"})


@FUZZ
@given(figures=st.lists(FIGURE, max_size=3), body=BODY)
def test_any_figures_and_figure_references(figures: list, body: str):
    stats = yaml.safe_dump({"figures": figures}, allow_unicode=True)
    article = REPORT_FRONT + body
    check_build({"content/stats/daxing.yaml": stats, "content/articles/report.md": article})


@FUZZ
@given(data=st.binary(max_size=300))
def test_any_bytes_as_a_file(data: bytes):
    check_build({"content/editions/1.yaml": data, "content/profiles/shi-jian.md": b"---\n" + data})
