"""The plan page: the document with every target's sentence highlighted and linked to its chart."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

from cities.models import Region
from dashboard.document import Match, Quote, Segment, highlight
from indicators.models import Indicator
from plans.models import Plan, Target

SLUGS = ["xinxiang", "kaifeng", "zhengzhou", "nanyang", "luohe"]


def texts(line: list[Segment]) -> list[tuple[str, tuple[int, ...]]]:
    return [(s.text, tuple(q.target_id for q in s.quotes)) for s in line]


# ------------------------------------------------------------------------------------------ the pure function


def test_it_finds_a_quote_on_its_line() -> None:
    quote = Quote(1, "达到3%", 2, label="研发投入强度")
    doc = highlight("一、目标\n研发投入强度达到3%。\n二、措施", [quote])
    assert doc.missing == [] and doc.placements[1].match == Match.EXACT and doc.placements[1].line == 2
    assert texts(doc.lines[0]) == [("一、目标", ())]
    assert texts(doc.lines[1]) == [("研发投入强度", ()), ("达到3%", (1,)), ("。", ())]
    mark = doc.lines[1][1]
    assert mark.anchor == quote and mark.ends == (quote,) and mark.title == "研发投入强度" and not mark.overlap
    assert doc.lines[1][0].anchor is None and not doc.lines[1][0].highlighted


def test_it_counts_lines_as_the_fixtures_do() -> None:
    # 1-based, split on "\n" only; a "\r" before it belongs to the break; a final break adds no empty line.
    doc = highlight("甲\r\n\r\n乙达到3\x0c丙\n", [Quote(1, "达到3", 3)])
    assert doc.placements[1].match == Match.EXACT
    assert [texts(line) for line in doc.lines] == [[("甲", ())], [], [("乙", ()), ("达到3", (1,)), ("\x0c丙", ())]]


def test_it_prefers_the_occurrence_on_the_stated_line() -> None:
    text = "实现全覆盖\n\n实现全覆盖\n实现全覆盖"
    assert highlight(text, [Quote(1, "实现全覆盖", 3)]).placements[1].start == text.index("\n\n") + 2
    assert highlight(text, [Quote(1, "全覆盖", 4)]).placements[1].line == 4


def test_it_finds_a_quote_whose_line_drifted_taking_the_nearest_occurrence() -> None:
    text = "\n".join(["标题", "", "", "", "每年新增10家", "", "", "", "", "", "", "每年新增10家"])
    placement = highlight(text, [Quote(1, "每年新增10家", 3)]).placements[1]
    assert (placement.match, placement.line) == (Match.MOVED, 5)
    assert highlight(text, [Quote(1, "每年新增10家", 11)]).placements[1].line == 12
    # A line beyond the end of the text is drift too, not an error.
    assert highlight(text, [Quote(1, "每年新增10家", 99)]).placements[1].line == 12


def test_it_tolerates_whitespace_and_width_differences() -> None:
    text = "到2025年，全市研发投入\n强度达到　３％，\t高新技术企业\r\n达到800家。"
    doc = highlight(text, [Quote(1, "研发投入强度达到3%", 1), Quote(2, "高新技术企业 达到800家", 2)])
    assert doc.missing == []
    first, second = doc.placements[1], doc.placements[2]
    assert (first.match, first.line, text[first.start : first.end]) == (Match.LOOSE, 1, "研发投入\n强度达到　３％")
    assert (second.match, second.line, text[second.start : second.end]) == (Match.LOOSE, 2, "高新技术企业\r\n达到800家")
    assert texts(doc.lines[0])[-1] == ("研发投入", (1,))
    assert texts(doc.lines[1]) == [("强度达到　３％", (1,)), ("，\t", ()), ("高新技术企业", (2,))]
    assert texts(doc.lines[2]) == [("达到800家", (2,)), ("。", ())]


def test_it_highlights_a_quote_over_several_lines() -> None:
    text = "序号\n\n1\n\n全社会研发经费支出占GDP的比重(%)\n\n2.31\n\n3.0\n\n2"
    quote = Quote(7, "1\n\n全社会研发经费支出占GDP的比重(%)\n\n2.31\n\n3.0", 3)
    doc = highlight(text, [quote])
    assert doc.placements[7].match == Match.EXACT
    marked = [(n, s) for n, line in enumerate(doc.lines, start=1) for s in line if s.highlighted]
    assert [(n, s.text) for n, s in marked] == [
        (3, "1"),
        (5, "全社会研发经费支出占GDP的比重(%)"),
        (7, "2.31"),
        (9, "3.0"),
    ]
    assert [s.starts for _, s in marked] == [(quote,), (), (), ()]
    assert [s.ends for _, s in marked] == [(), (), (), (quote,)]
    assert doc.lines[1] == [] and texts(doc.lines[10]) == [("2", ())]


def test_it_keeps_every_quote_where_quotes_overlap_or_coincide() -> None:
    a, b = Quote(1, "高新技术企业、科技型中小企业", 1, "高企"), Quote(2, "科技型中小企业数量翻番", 1, "科小")
    same = Quote(3, "高新技术企业、科技型中小企业", 1, "高企（重复）")
    doc = highlight("力争高新技术企业、科技型中小企业数量翻番。", [a, b, same])
    assert texts(doc.lines[0]) == [
        ("力争", ()),
        ("高新技术企业、", (1, 3)),
        ("科技型中小企业", (1, 2, 3)),
        ("数量翻番", (2,)),
        ("。", ()),
    ]
    first, middle, last = doc.lines[0][1:4]
    assert first.starts == (a, same) and first.anchor == a and first.extra_anchors == (same,)
    assert middle.starts == (b,) and middle.ends == (a, same) and middle.overlap
    assert middle.title == "高企 · 科小 · 高企（重复）"
    assert last.ends == (b,) and not last.overlap


def test_it_reports_the_quotes_it_cannot_find() -> None:
    lost, blank = Quote(1, "研发投入强度达到5%", 1), Quote(2, " \n", 1)
    doc = highlight("研发投入强度达到3%。", [lost, Quote(3, "达到3%", 1), blank])
    assert doc.missing == [lost, blank] and list(doc.placements) == [3]
    assert highlight("", [lost]).missing == [lost] and highlight("", []).lines == [[]]


# --------------------------------------------------------------------------------- the five plans, every target


@pytest.mark.django_db
@pytest.mark.parametrize("slug", SLUGS)
def test_every_target_of_the_real_plans_is_found_on_its_line(slug: str) -> None:
    """Data fidelity: every target traceable to its sentence. A fixture or document edit breaking that fails here."""
    plan = Plan.objects.get(slug=slug)
    targets = list(plan.targets.order_by("position"))
    doc = highlight(plan.source_text, [Quote(t.pk, t.quote, t.quote_line) for t in targets])
    assert doc.missing == []
    for t in targets:
        placement = doc.placements[t.pk]
        assert (placement.match, placement.line) == (Match.EXACT, t.quote_line), t.key
        assert plan.source_text[placement.start : placement.end] == t.quote
        covered = "".join(s.text for line in doc.lines for s in line if any(q.target_id == t.pk for q in s.quotes))
        assert covered == t.quote.replace("\n", ""), t.key


def test_it_counts_the_lines_of_the_stored_text_as_the_fixture_files_do(db: None) -> None:
    for plan in Plan.objects.all():
        assert "\r" not in plan.source_text
        for t in plan.targets.all():
            assert plan.source_text.split("\n")[t.quote_line - 1].find(t.quote.split("\n")[0]) != -1, t.key


# ------------------------------------------------------------------------------------------------------ the page


def document_section(html: str) -> str:
    return html.split('<section class="document-text"')[1].split("</section>")[0]


@pytest.mark.django_db
@pytest.mark.parametrize("slug", SLUGS)
def test_the_page_highlights_every_target_once_and_links_it_to_its_chart(bob_client: Client, slug: str) -> None:
    plan = Plan.objects.select_related("region").get(slug=slug)
    html = bob_client.get(f"/plans/{plan.pk}/").content.decode()
    document = document_section(html)
    assert '<ol class="document">' in document and "<details" not in html
    # One numbered line per line of the text; a final line break does not open an empty last line.
    assert document.count("<li>") == len(plan.source_text.split("\n")) - plan.source_text.endswith("\n")
    chart = f"/cities/{plan.region.adcode}/#target-"
    for number, t in enumerate(plan.targets.order_by("position"), start=1):
        assert html.count(f'id="quote-{t.pk}"') == 1, t.key
        assert document.count(f'id="quote-{t.pk}"') == 1, t.key
        assert document.count(f'href="{chart}{t.pk}"') == 1, t.key
        assert f'href="{chart}{t.pk}" title="图表：{escape(t.label)}">{number}</a>' in document
        row = html.split(f'<tr id="target-{t.pk}">')[1].split("</tr>")[0]
        assert f'href="#quote-{t.pk}"' in row and f'href="{chart}{t.pk}"' in row
        assert f'<td class="num">{number}</td>' in row
    assert "规划原文中未找到" not in html and "<script" not in html


def test_a_mark_carries_the_first_quote_and_anchors_the_others(bob_client: Client) -> None:
    plan = Plan.objects.get(slug="kaifeng")  # several targets read from one sentence
    html = document_section(bob_client.get(f"/plans/{plan.pk}/").content.decode())
    assert re.search(
        r'<mark class="quote overlap" id="quote-\d+" title="[^"]+ · [^"]+"><span class="quote-anchor"', html
    )
    first_ids = re.findall(r'<mark class="quote[^"]*" id="quote-(\d+)"', html)
    anchor_ids = re.findall(r'<span class="quote-anchor" id="quote-(\d+)"></span>', html)
    assert sorted(map(int, first_ids + anchor_ids)) == sorted(plan.targets.values_list("pk", flat=True))
    assert anchor_ids  # kaifeng has targets quoting the very same sentence


@pytest.fixture
def odd_plan(db: None) -> Plan:
    plan = Plan.objects.create(
        slug="odd",
        region=Region.objects.get(adcode="410300"),
        title="洛阳市<测试>规划",
        period_start=2021,
        period_end=2025,
        source_text='第一行\n<script>alert("x")</script> 研发投入强度达到<b>3%</b>\n&amp; 结束',
    )
    common = {
        "plan": plan,
        "indicator": Indicator.objects.get(code="rd_intensity"),
        "kind": Target.Kind.LEVEL,
        "comparator": Target.Comparator.GTE,
        "target_year": 2025,
        "target_value": 3,
        "section": Target.Section.GOALS,
    }
    Target.objects.create(key="found", label="研发<强度>", quote="研发投入强度达到<b>3%</b>", quote_line=1, **common)
    Target.objects.create(key="lost", label="丢失的<i>句</i>", quote="研发投入强度达到4%", quote_line=2, **common)
    return plan


def test_it_escapes_the_document_text(bob_client: Client, odd_plan: Plan) -> None:
    html = bob_client.get(f"/plans/{odd_plan.pk}/").content.decode()
    found = odd_plan.targets.get(key="found")
    assert "<script" not in html and "<b>" not in html and "<i>" not in html and "<测试>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; " in html
    mark = f'<mark class="quote" id="quote-{found.pk}" title="研发&lt;强度&gt;">研发投入强度达到&lt;b&gt;3%&lt;/b&gt;'
    assert mark + "</mark>" in html
    assert "<li>&amp;amp; 结束</li>" in html  # stated on line 1, found on line 2: drift is tolerated


def test_it_says_which_sentences_it_could_not_find(bob_client: Client, odd_plan: Plan) -> None:
    lost = odd_plan.targets.get(key="lost")
    html = bob_client.get(f"/plans/{odd_plan.pk}/").content.decode()
    warning = document_section(html).split('<div class="problems warnings" role="note">')[1].split("</div>")[0]
    assert "有1个目标的原句在规划原文中未找到：" in warning
    assert f'<a href="#target-{lost.pk}">丢失的&lt;i&gt;句&lt;/i&gt;</a> <span class="muted">L2</span>' in warning
    assert f'id="quote-{lost.pk}"' not in html and f'href="#quote-{lost.pk}"' not in html
    row = html.split(f'<tr id="target-{lost.pk}">')[1].split("</tr>")[0]
    assert '<span class="error">规划原文中未找到</span>' in row

    bob_client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = bob_client.get(f"/plans/{odd_plan.pk}/").content.decode()
    assert "The sentence of 1 target was not found in the document text:" in html
    assert "sentence is highlighted; the number after it" in html and ">Chart</a>" in html


def test_it_sends_strangers_to_the_login_page(client: Client, db: None) -> None:
    plan = Plan.objects.get(slug="luohe")
    response = client.get(f"/plans/{plan.pk}/")
    assert response.status_code == 302 and response["Location"] == f"/accounts/login/?next=/plans/{plan.pk}/"


def test_its_query_count_does_not_grow_with_the_targets(bob_client: Client) -> None:
    small, large = Plan.objects.get(slug="zhengzhou"), Plan.objects.get(slug="xinxiang")  # 27 and 74 targets
    bob_client.get(f"/plans/{small.pk}/")  # warm the session
    counts = []
    for plan in (small, large):
        cache.clear()  # the page computed, not served from the cache
        with CaptureQueriesContext(connection) as queries:
            assert bob_client.get(f"/plans/{plan.pk}/").status_code == 200
        counts.append(len(queries))
    # session, user, the user's groups/permissions for the header links (2), the plan with its region, the data
    # version, its targets and their conflicts; the consistency check's own targets and their conflicts; the
    # indicators' names (a note naming an indicator code shows its name); which targets were revised (none here); the
    # period switch (the periods, the region's plans of the others) and the stored actuals of the baseline year
    assert counts[0] == counts[1] <= 15
