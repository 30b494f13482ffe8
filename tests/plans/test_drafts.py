"""New plans from their documents (plans.drafts): reading txt and docx, the candidates a draft holds, the checks of
an edited candidate, publishing through the loader of import_plan (all or nothing), the sample document."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.utils import translation
from docx import Document

from cities.models import Region
from indicators.models import Indicator
from plans import drafts
from plans import fixture_schema as fx
from plans.models import DraftCandidate, Plan, PlanDraft, PlanPeriod, Target
from plans.proposals import propose
from plans.services import fixtures_load

TEXT = """某市“十五五”科技创新规划

第二章 发展目标

到2030年，全市研发经费投入强度达到 3.2%，高新技术企业突破 6000 家，新培育科技型中小企业 2000 家。

主要指标

序号\t指标名称\t2025年基期值\t2030年目标值\t属性
1\t全社会研发经费投入强度（%）\t2.6\t3.2\t预期性
2\t国家级创新平台（家）\t8\t12-15\t预期性
"""


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """The messages are compared in English; one test reads the Chinese."""
    with translation.override("en"):
        yield


def _docx(paragraphs: list[str], rows: list[list[str]]) -> bytes:
    document = Document()
    for text in paragraphs:
        document.add_paragraph(text)
    table = document.add_table(rows=len(rows), cols=len(rows[0]))
    for row, values in zip(table.rows, rows, strict=True):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    document.add_paragraph("（完）")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _summary(candidates: list[DraftCandidate]) -> list[tuple[object, ...]]:
    return [
        (c.line, c.quote, c.label, c.indicator.code if c.indicator else None, c.kind, c.comparator,
         c.baseline_year, c.baseline_value, c.target_year, c.target_value, c.target_value_max, c.section)
        for c in candidates
    ]  # fmt: skip


def _proposed(text: str) -> list[tuple[object, ...]]:
    return [
        (c.line, c.quote, c.indicator, c.indicator_code, c.kind, c.comparator, c.baseline_year, c.baseline_value,
         c.target_year, c.target_value, c.target_value_max, c.section)
        for c in propose(text, drafts.catalogue_rows())
    ]  # fmt: skip


def _decimals(rows: list[tuple[object, ...]]) -> list[tuple[object, ...]]:
    """Values compared as numbers (the database gives Decimal('3.200000') for Decimal('3.2'))."""
    return [tuple(Decimal(x).normalize() if isinstance(x, Decimal) else x for x in row) for row in rows]


def test_a_text_file_is_read_as_utf8_or_gb18030() -> None:
    assert drafts.read_document(TEXT.encode("utf-8"), "plan.txt") == TEXT
    assert drafts.read_document(b"\xef\xbb\xbf" + TEXT.replace("\n", "\r\n").encode("utf-8"), "plan.TXT") == TEXT
    assert drafts.read_document(TEXT.encode("gb18030"), "plan.txt") == TEXT
    with pytest.raises(drafts.DocumentError, match="GB18030"):
        drafts.read_document(b"\x81\x30\xff\xfe abc", "plan.txt")
    with pytest.raises(drafts.DocumentError, match="NUL"):
        drafts.read_document(b"abc\x00def", "plan.txt")
    with pytest.raises(drafts.DocumentError, match=r"\.pdf|pdf"):
        drafts.read_document(TEXT.encode(), "plan.pdf")
    with pytest.raises(drafts.DocumentError, match="empty"):
        drafts.read_document(b" \n \n", "plan.txt")


def test_a_docx_is_read_paragraphs_and_table_rows_as_tab_separated_lines() -> None:
    data = _docx(
        ["某市“十五五”科技创新规划", "到2030年，高新技术企业突破 6000 家。", "主要指标"],
        [["序号", "指标名称", "2025年基期值", "2030年目标值"], ["1", "全社会研发经费投入强度（%）", "2.6", "3.2"]],
    )
    text = drafts.read_document(data, "规划.docx")
    assert text.split("\n") == [
        "某市“十五五”科技创新规划",
        "到2030年，高新技术企业突破 6000 家。",
        "主要指标",
        "序号\t指标名称\t2025年基期值\t2030年目标值",
        "1\t全社会研发经费投入强度（%）\t2.6\t3.2",
        "（完）",
    ]


def test_a_damaged_or_foreign_zip_is_refused() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(drafts.DocumentError, match="Word"):
        drafts.read_document(out.getvalue(), "plan.docx")
    with pytest.raises(drafts.DocumentError, match="damaged"):
        drafts.read_document(b"PK\x03\x04 not really a zip", "plan.docx")


def test_a_zip_bomb_is_refused_by_what_it_really_inflates_to(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(drafts, "MAX_DOCX_UNPACKED", 1024 * 1024)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"<w:document/>" + b" " * (3 * 1024 * 1024))
    assert len(out.getvalue()) < 100_000
    with pytest.raises(drafts.DocumentError, match="unpacks"):
        drafts.read_document(out.getvalue(), "plan.docx")


@pytest.mark.django_db
def test_a_draft_holds_exactly_the_candidates_the_proposer_gives() -> None:
    draft = drafts.draft_create(text=TEXT, user=None)
    candidates = list(draft.candidates.select_related("indicator"))
    assert len(candidates) >= 4
    assert _decimals(_summary(candidates)) == _decimals(_proposed(TEXT))
    assert {c.decision for c in candidates} == {DraftCandidate.Decision.PENDING}
    assert draft.period == PlanPeriod.objects.get(last_year=2030)  # read from 十五五
    assert draft.title == "某市“十五五”科技创新规划"
    for c in candidates:
        assert drafts.quote_on_line(draft, c)


def _candidate(draft: PlanDraft, **changes: object) -> DraftCandidate:
    candidate = draft.candidates.order_by("position").first()
    assert candidate is not None
    for name, value in changes.items():
        setattr(candidate, name, value)
    return candidate


@pytest.mark.django_db
def test_an_edited_candidate_is_checked_by_the_rules_of_every_target() -> None:
    draft = drafts.draft_create(text=TEXT, user=None)
    ok = _candidate(draft)
    assert drafts.candidate_problems(ok, draft.text) == {}
    cases: dict[str, dict[str, object]] = {
        "target_year": {"target_year": None},
        "target_value": {"target_value": None, "kind": "level"},
        "target_value_max": {"target_value_max": Decimal(9)},  # an upper value, not a range
        "unit": {"unit": ""},
        "quote": {"quote": "文件里没有的一句话"},
        "line": {"line": 1},
    }
    for field, changes in cases.items():
        problems = drafts.candidate_problems(_candidate(draft, **changes), draft.text)
        assert field in problems, (field, problems)
    baseline_after = drafts.candidate_problems(_candidate(draft, baseline_year=2031), draft.text)
    assert "target_year" in baseline_after


def _review_all(draft: PlanDraft, accept: int) -> list[DraftCandidate]:
    """The first `accept` candidates with an indicator accepted, every other rejected."""
    accepted: list[DraftCandidate] = []
    for c in draft.candidates.select_related("indicator").order_by("position"):
        if c.indicator is not None and len(accepted) < accept:
            assert drafts.candidate_decide(c, DraftCandidate.Decision.ACCEPTED) == {}
            accepted.append(c)
        else:
            drafts.candidate_decide(c, DraftCandidate.Decision.REJECTED)
    return accepted


def _state() -> tuple[int, int, list[str]]:
    return Plan.objects.count(), Target.objects.count(), sorted(Plan.objects.values_list("slug", flat=True))


@pytest.mark.django_db
def test_publishing_makes_the_plan_of_exactly_the_accepted_candidates() -> None:
    anyang = Region.objects.get(adcode="410500")
    draft = drafts.draft_create(text=TEXT, user=None, region=anyang)
    accepted = _review_all(draft, accept=3)
    published = drafts.draft_publish(draft)
    plan = published.plan
    assert (plan.region, plan.period, plan.title) == (anyang, draft.period, draft.title)
    assert plan.source_text == TEXT
    targets = list(plan.targets.order_by("position"))
    assert [(t.indicator_id, t.quote, t.quote_line, t.kind, t.target_value) for t in targets] == [
        (c.indicator_id, c.quote, c.line, c.kind, c.target_value) for c in accepted
    ]
    assert all(fx.quote_starts_on_line(plan.source_text, t.quote, t.quote_line) for t in targets)
    draft.refresh_from_db()
    assert draft.is_published and draft.plan == plan and draft.published_at is not None
    # A second publish is refused: the draft is published, and the region has its plan now.
    before = _state()
    with pytest.raises(drafts.PublishRefused) as refused:
        drafts.draft_publish(draft)
    assert any("already published" in p for p in refused.value.problems)
    assert _state() == before


@pytest.mark.django_db
def test_publishing_is_refused_when_the_region_has_a_plan_of_that_kind_for_the_period() -> None:
    zhengzhou = Region.objects.get(adcode="410100")
    fourteenth = PlanPeriod.objects.get(code="14")
    draft = drafts.draft_create(text=TEXT, user=None, region=zhengzhou, period=fourteenth)
    _review_all(draft, accept=2)
    before = _state()
    with pytest.raises(drafts.PublishRefused) as refused:
        drafts.draft_publish(draft)
    assert any("one plan of a kind per period" in p for p in refused.value.problems)
    assert _state() == before
    with translation.override("zh-hans"), pytest.raises(drafts.PublishRefused) as refused:
        drafts.draft_publish(draft)
    assert any("每个时期只能有一个" in p and "郑州市" in p for p in refused.value.problems), refused.value.problems
    draft.refresh_from_db()
    assert draft.status == PlanDraft.Status.DRAFT and draft.plan is None


@pytest.mark.django_db
def test_publishing_is_refused_while_a_candidate_lacks_its_indicator_or_is_undecided() -> None:
    draft = drafts.draft_create(text=TEXT, user=None, region=Region.objects.get(adcode="410500"))
    first = _candidate(draft)
    first.indicator = None
    first.save()
    before = _state()
    with pytest.raises(drafts.PublishRefused) as refused:
        drafts.draft_publish(draft)
    assert any("not yet decided" in p for p in refused.value.problems)
    assert drafts.candidate_decide(first, DraftCandidate.Decision.ACCEPTED) == {}  # accepted without an indicator
    for c in draft.candidates.exclude(pk=first.pk):
        drafts.candidate_decide(c, DraftCandidate.Decision.REJECTED)
    with pytest.raises(drafts.PublishRefused) as refused:
        drafts.draft_publish(draft)
    assert refused.value.problems == [
        f"Line {first.line} “{first.label}”: choose its indicator in the catalogue (edit the candidate)."
    ]
    assert _state() == before
    first.indicator = Indicator.objects.get(code="rd_intensity")
    first.save()
    assert drafts.draft_publish(draft).targets == 1


def test_the_sample_document_says_it_is_a_sample_and_no_plan_file_names_it() -> None:
    text = drafts.sample_text()
    assert text.startswith("【示例】")
    assert "虚构" in text
    for path in fx.plan_paths():
        assert "sample" not in path.read_text(encoding="utf-8")


@pytest.mark.django_db
def test_the_sample_is_never_published_nor_loaded(admin_user: User) -> None:
    draft = drafts.draft_create(text=drafts.sample_text(), user=admin_user, region=Region.objects.get(adcode="410500"))
    assert draft.is_sample and "示例" in str(draft)
    _review_all(draft, accept=2)
    before = _state()
    with pytest.raises(drafts.PublishRefused) as refused:
        drafts.draft_publish(draft)
    assert any("示例" in p for p in refused.value.problems)
    fixtures_load()
    assert _state() == before
    assert not Plan.objects.filter(title__contains="示例").exists()
    assert not Plan.objects.filter(source_text__contains="【示例】").exists()


@pytest.mark.django_db
def test_publishing_goes_through_the_plan_files_check_and_the_database_constraint(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    anyang = Region.objects.get(adcode="410500")
    draft = drafts.draft_create(text=TEXT, user=None, region=anyang)
    accepted = _review_all(draft, accept=2)
    # A quote changed behind the review page's back: the plan file's check refuses it, nothing is written.
    DraftCandidate.objects.filter(pk=accepted[1].pk).update(quote="文件里没有的一句话")
    before = _state()
    with pytest.raises(drafts.PublishRefused) as refused:
        drafts.draft_publish(draft)
    assert "quote is not an exact substring" in refused.value.problems[0]
    assert _state() == before
    DraftCandidate.objects.filter(pk=accepted[1].pk).update(quote=accepted[1].quote)
    # Another plan of the kind for the region and period written meanwhile (the check before is passed by): the
    # database's plan_one_of_a_kind_per_period refuses, nothing of the draft is written.
    other = drafts.draft_create(text=TEXT, user=None, region=anyang)
    _review_all(other, accept=1)
    drafts.draft_publish(other)
    monkeypatch.setattr(drafts, "publish_problems", lambda draft: [])
    before = _state()
    with pytest.raises(drafts.PublishRefused):
        drafts.draft_publish(draft)
    assert _state() == before
    draft.refresh_from_db()
    assert draft.status == PlanDraft.Status.DRAFT
