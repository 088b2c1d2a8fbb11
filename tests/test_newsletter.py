"""Newsletter polish: masthead, story hierarchy, pull quotes taken only from the reports' own words."""

from __future__ import annotations

import re
from pathlib import Path

from frontline.models import Article, ArticleMeta, Profile, ProfileMeta, Source
from frontline.quotes import pull_quotes, speech_in
from tests.conftest import REPO


def article(body: str) -> Article:
    meta = ArticleMeta(title="报道", organization="daxing", edition=1, date="2020-02")
    return Article("report", meta, body, Source("content/articles/report.md"))


def profile(name: str, quote: str | None) -> Profile:
    return Profile("p", ProfileMeta(name=name, organization="daxing", quote=quote), "", Source("p.md"))


def no_figures(key: str) -> str:
    return "5名"


def test_speech_needs_a_named_speaker_and_a_sentence():
    body = (
        "“经开区”总工会开展“微”课堂。“困难总是能够克服的，我们一起努力！”一位基层工会主席说。\n\n"
        "他说：“疫情防控是一场全民行动，我们要走在前面。”\n\n"
        "据有关负责人介绍：“资金将通过基层工会账户拨付至企业工会。”"
    )
    found = speech_in(article(body), no_figures)
    assert [(q.text, q.speaker) for q in found] == [
        ("困难总是能够克服的，我们一起努力！", "一位基层工会主席"),
        ("资金将通过基层工会账户拨付至企业工会。", "有关负责人"),
    ]


def test_profile_quotes_come_first_and_the_same_words_are_not_repeated():
    # The profile's quote cites the figure as the report's body does, and both print it alike.
    said = "作为一名有近30年党龄的老党员，在关键时候就要挺身而出！"
    quote = "作为一名有{{fig years}}党龄的老党员，在关键时候就要挺身而出！"
    body = f"施剑说：“{quote}”"
    quotes = pull_quotes([profile("施剑", quote), profile("于勇", None)], [article(body)], lambda key: "近30年")
    assert [(q.text, q.speaker, q.from_profile) for q in quotes] == [(said, "施剑", True)]


def page_text(path: Path) -> str:
    return re.sub(r"\s+", "", re.sub(r"<[^>]+>", "", path.read_text(encoding="utf-8")))


def test_front_and_edition_pages_have_masthead_stories_and_real_quotes(real_site: Path):
    out = real_site / "output"
    front = (out / "index.html").read_text(encoding="utf-8")
    assert '<h1 class="masthead-title">工会战“疫”先锋</h1>' in front
    assert re.search(r'class="masthead-number" href="editions/2/index.html">第2期</a><time datetime="2022-05">', front)
    sources = "".join(page_text(p) for p in (REPO / "content").rglob("*.md"))
    for number in (1, 2):
        html = (out / f"editions/{number}/index.html").read_text(encoding="utf-8")
        assert f">第{number}期</a>" in html and 'class="masthead"' in html
        stories = re.findall(r'<article class="story".*?</article>', html, re.S)
        assert stories and all('class="story-title"' in s and 'class="byline"' in s for s in stories)
        quotes = re.findall(r'<figure class="edition-quote">\s*<blockquote><p>(.*?)</p>', html)
        assert quotes, number
        for quote in quotes:  # every pull quote is found word for word in the content
            parts = [p for p in re.split(r"[，。！？、]", quote) if len(p) > 3]
            # A clause with a number is written {{fig KEY}} in the source; every other clause is verbatim.
            assert parts and all(p in sources for p in parts if not re.search(r"\d", p)), quote
    daxing = (out / "editions/1/index.html").read_text(encoding="utf-8")
    assert "——<a href=" in daxing  # a profile's own words link to the profile


def test_marked_photo_captions_are_styled_as_captions(real_site: Path):
    html = (real_site / "output/articles/jingkaiqu-gong-liliang/index.html").read_text(encoding="utf-8")
    marked = re.findall(r'<figure class="photo-note marked">\s*<figcaption>(▲[^<]+)</figcaption>', html)
    assert len(marked) == (REPO / "content/articles/jingkaiqu-gong-liliang.md").read_text(encoding="utf-8").count("▲")
    assert "<img" not in html  # a caption without its photo never becomes a broken image
