"""relink.py: after a save that changes a few profiles, the last site with them put in gives
exactly the site and the problems of link() from scratch, holds the new models only, and
gives way to link() for every edit it cannot answer."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from frontline import checks, deps, pipeline
from frontline.errors import BuildError
from frontline.load import DocumentCache
from frontline.memo import CheckMemo
from frontline.models import Content
from tests.conftest import make_site
from tests.test_memo import FILES, PROFILE, REPORT, Editor, outcome, shape

WANG = "content/profiles/wang-juan.md"
DRAFT = "content/profiles/draft.md"
SHOWN = ("organizations", "editions", "articles", "profiles", "figures")

# (what, the edit, whether relink answers the link, and whether the checks answer from what
# they found last time): applied in order to one site.
EDITS = [
    ("nothing", lambda e: None, True, True),
    (
        "names two others",
        lambda e: e.replace(PROFILE, "施剑主动请缨。", "施剑主动请缨，和王娟、李明一道值守。"),
        True,
        True,
    ),
    ("names one fewer", lambda e: e.replace(PROFILE, "和王娟、李明", "和李明"), True, True),
    ("named, by a new sentence first", lambda e: e.replace(WANG, "王娟和施剑", "李明也在。王娟和施剑"), True, True),
    ("role", lambda e: e.replace(WANG, "role: 主任", "role: 书记"), True, True),
    (
        "summary, a line above the name's",
        lambda e: e.replace(PROFILE, "---\nname:", "---\nsummary: 冲在一线\nname:"),
        True,
        True,
    ),
    (
        "quote cites a figure",
        lambda e: e.replace(PROFILE, "---\nsummary:", "---\nquote: 我们{{fig leaders}}都来了\nsummary:"),
        True,
        True,
    ),
    (
        "quote cites an unknown figure",
        lambda e: e.replace(PROFILE, "{{fig leaders}}都来了", "{{fig leader}}都来了"),
        True,
        True,
    ),
    ("quote types a figure's number", lambda e: e.replace(PROFILE, "{{fig leader}}都来了", "5名都来了"), True, True),
    ("figure cited", lambda e: e.replace(PROFILE, "施剑主动请缨", "施剑带领{{fig leaders}}主动请缨"), True, True),
    ("unknown figure", lambda e: e.replace(PROFILE, "{{fig leaders}}", "{{fig leader}}"), True, True),
    ("figure fixed", lambda e: e.replace(PROFILE, "{{fig leader}}", ""), True, True),
    ("number typed", lambda e: e.replace(PROFILE, "主动请缨", "主动请缨，带着5名干部"), True, True),
    ("unknown organization", lambda e: e.replace(WANG, "organization: daxing", "organization: daxin"), True, True),
    ("organization fixed", lambda e: e.replace(WANG, "organization: daxin", "organization: daxing"), True, True),
    ("unsafe link", lambda e: e.replace(PROFILE, "主动请缨", "主动请缨[看](javascript:alert(1))"), True, True),
    ("link fixed", lambda e: e.replace(PROFILE, "[看](javascript:alert(1))", ""), True, True),
    ("links another", lambda e: e.replace(PROFILE, "主动请缨", "主动请缨，见[李明](li-ming.md)"), True, True),
    ("broken link", lambda e: e.replace(PROFILE, "[李明](li-ming.md)", "[李明](li-ning.md)"), True, True),
    ("link to a draft", lambda e: e.replace(PROFILE, "[李明](li-ning.md)", "[孙丽](draft.md)"), True, True),
    ("image missing", lambda e: e.replace(PROFILE, "[孙丽](draft.md)", "![照片](../media/b.jpg)"), True, True),
    ("image added", lambda e: e.write("content/media/b.jpg", "not really a jpeg"), True, True),
    (
        "two profiles at once",
        lambda e: (
            e.replace(PROFILE, "主动请缨", "主动请缨，王娟也来了"),
            e.replace("content/profiles/li-ming.md", "李明负责登记。", "李明负责登记，施剑负责值守。"),
        ),
        True,
        True,
    ),
    ("a draft's body", lambda e: e.replace(DRAFT, "还没写完", "快写完了"), True, True),
    ("name", lambda e: e.replace(WANG, "name: 王娟", "name: 王涓"), False, False),
    ("name back", lambda e: e.replace(WANG, "name: 王涓", "name: 王娟"), False, False),
    ("role removed", lambda e: e.replace(WANG, "role: 书记\n", ""), True, False),
    ("report", lambda e: e.replace(REPORT, "共有5名干部报名", "共有6名干部报名"), False, False),
    ("draft published", lambda e: e.replace(DRAFT, "draft: true", "draft: false"), False, False),
    ("slug", lambda e: e.replace(PROFILE, "name: 施剑", "name: 施剑\nslug: shi-jian-2"), False, True),
    (
        "new profile",
        lambda e: e.write("content/profiles/zhao-lei.md", "---\nname: 赵磊\norganization: daxing\n---\n"),
        False,
        False,
    ),
    ("after it, a body again", lambda e: e.replace(PROFILE, "主动请缨", "主动请缨，赵磊也来了"), True, True),
]


def entities_in(value: Any, found: list) -> None:
    """Every entity a value of the site holds (not looking inside entities)."""
    if isinstance(value, deps.ENTITIES):
        found.append(value)
    elif isinstance(value, dict):
        for k, v in value.items():
            entities_in(k, found)
            entities_in(v, found)
    elif isinstance(value, list | tuple | set | frozenset):
        for v in value:
            entities_in(v, found)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            entities_in(getattr(value, f.name), found)


@pytest.mark.parametrize("include_drafts", [True, False])
def test_relink_gives_the_site_and_problems_of_link_after_each_edit(
    tmp_path: Path, include_drafts: bool, monkeypatch: pytest.MonkeyPatch
):
    answered: list[bool] = []
    rechecked: list[bool] = []
    contents: list[Content] = []
    relink, again = pipeline.relink, checks._again

    def spied_again(last, content: Content):
        found = again(last, content)
        rechecked.append(found is not None)
        return found

    def spied(content: Content, drafts: bool, memo: CheckMemo | None):
        contents.append(content)
        try:
            made = relink(content, drafts, memo)
        except Exception:
            answered.append(True)
            raise
        answered.append(made is not None)
        return made

    monkeypatch.setattr(pipeline, "relink", spied)
    monkeypatch.setattr(checks, "_again", spied_again)
    root = make_site(tmp_path / "site", FILES)
    editor = Editor(root)
    cache, memo = DocumentCache(), CheckMemo()
    outcome(root, include_drafts, cache, memo)
    outcomes = set()
    for what, edit, relinks, rechecks in EDITS:
        edit(editor)
        answered.clear()
        rechecked.clear()
        contents.clear()
        try:
            result = pipeline.check(root, include_drafts, cache=cache, memo=memo)
        except BuildError as exc:
            warm: tuple = ("failed", [p.format() for p in exc.problems], None)
        else:
            site = result.site
            warm = ("ok", [p.format() for p in result.warnings])
            assert site is not None
            warm += (shape(site),)
            # The site holds this check's models only, never one of an earlier check (whose
            # identity, file and slug are the same: only what they say is old).
            content = contents[0]
            now = {id(e) for name in SHOWN for e in getattr(content, name)}
            held: list = []
            for f in dataclasses.fields(site):
                entities_in(getattr(site, f.name), held)
            assert held and all(id(e) in now for e in held), what
        assert rechecked[:1] == [rechecks], what
        assert answered == [relinks], what
        cold = outcome(root, include_drafts, DocumentCache(), None)
        assert warm == cold, what
        outcomes.add(warm[0])
    assert outcomes == {"ok", "failed"}


def test_a_profile_named_by_another_is_listed_in_the_order_link_gives(tmp_path: Path):
    """Mentions of a person in other profiles come in the order of those profiles' slugs (sun-li,
    the draft's, after shi-jian, though shi-jian's is the one edited), each with its first
    sentence naming the person."""
    root = make_site(tmp_path / "site", FILES)
    editor = Editor(root)
    cache, memo = DocumentCache(), CheckMemo()
    pipeline.check(root, True, cache=cache, memo=memo)
    editor.replace(PROFILE, "施剑主动请缨。", "施剑主动请缨。王娟第一句。王娟第二句。")
    site = pipeline.check(root, True, cache=cache, memo=memo).site
    assert [(m.profile.slug, m.sentence) for m in site.profile_mentions["wang-juan"]] == [
        ("shi-jian", "王娟第一句。"),
        ("sun-li", "孙丽的稿子还没写完，提到王娟。"),
    ]
