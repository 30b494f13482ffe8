"""The admin's pages for new plans from their documents (dashboard.drafts, dashboard.admin): the upload (a txt, a
docx made here, pasted text, the sample), the review page (the document with line numbers, each quote at its line,
a warning where it is not), accepting, editing and rejecting, publishing, and who may."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation
from docx import Document

from cities.models import Region
from plans import drafts
from plans.models import DraftCandidate, Plan, PlanDraft, PlanPeriod, Target
from plans.proposals import propose
from tests.conftest import _user

TEXT = """某市“十五五”科技创新规划

第二章 发展目标

到2030年，全市研发经费投入强度达到 3.2%，高新技术企业突破 6000 家，新培育科技型中小企业 2000 家。

序号\t指标名称\t2025年基期值\t2030年目标值\t属性
1\t全社会研发经费投入强度（%）\t2.6\t3.2\t预期性
2\t国家级创新平台（家）\t8\t12-15\t预期性
"""
ADD = reverse("admin:plans_plandraft_add")


@pytest.fixture(autouse=True)
def _english(alice_client: Client, settings: Any) -> Iterator[None]:
    """The admin reads the pages in English (the language switch's cookie), the messages compared so; the
    duplicate plan's refusal is read in Chinese too."""
    alice_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def _review(draft: PlanDraft) -> str:
    return reverse("admin:plans_plandraft_review", args=[draft.pk])


def _publish(draft: PlanDraft) -> str:
    return reverse("admin:plans_plandraft_publish", args=[draft.pk])


def _upload(client: Client, **fields: object) -> PlanDraft:
    before = set(PlanDraft.objects.values_list("pk", flat=True))
    response = client.post(ADD, {"kind": "sci_tech", **fields})
    assert response.status_code == 302, response.content.decode()[:3000]
    (draft,) = PlanDraft.objects.exclude(pk__in=before)
    assert response["Location"] == _review(draft)
    return draft


def _candidates(draft: PlanDraft) -> list[tuple[object, ...]]:
    return [
        (c.line, c.quote, c.indicator.code if c.indicator else None, c.kind, c.target_value)
        for c in draft.candidates.select_related("indicator")
    ]


def _proposed(text: str) -> list[tuple[object, ...]]:
    return [(c.line, c.quote, c.indicator_code, c.kind, c.target_value) for c in propose(text, drafts.catalogue_rows())]


def _same(a: list[tuple[object, ...]], b: list[tuple[object, ...]]) -> bool:
    def norm(rows: list[tuple[object, ...]]) -> list[tuple[object, ...]]:
        return [tuple(x.normalize() if isinstance(x, Decimal) else x for x in row) for row in rows]

    return norm(a) == norm(b)


@pytest.mark.django_db
def test_an_admin_uploads_a_txt_in_gb18030_and_gets_the_proposers_candidates(alice_client: Client) -> None:
    file = SimpleUploadedFile("规划.txt", TEXT.encode("gb18030"), content_type="text/plain")
    draft = _upload(alice_client, file=file, region=Region.objects.get(adcode="410500").pk)
    assert draft.text == TEXT and draft.file_name == "规划.txt"
    assert draft.period == PlanPeriod.objects.get(code="15")
    assert draft.candidates.count() >= 4
    assert _same(_candidates(draft), _proposed(TEXT))


@pytest.mark.django_db
def test_an_admin_uploads_a_docx_made_here(alice_client: Client) -> None:
    document = Document()
    for text in ("某市“十五五”科技创新规划", "到2030年，技术合同成交额年均增长 10%，高新技术企业突破 6000 家。"):
        document.add_paragraph(text)
    rows = [["序号", "指标名称", "2025年基期值", "2030年目标值"], ["1", "全社会研发经费投入强度（%）", "2.6", "3.2"]]
    table = document.add_table(rows=2, cols=4)
    for row, values in zip(table.rows, rows, strict=True):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    out = io.BytesIO()
    document.save(out)
    draft = _upload(alice_client, file=SimpleUploadedFile("plan.docx", out.getvalue()))
    assert "1\t全社会研发经费投入强度（%）\t2.6\t3.2" in draft.text.split("\n")
    kinds = {(c.indicator.code if c.indicator else None, c.kind, c.section) for c in draft.candidates.all()}
    assert ("rd_intensity", "level", "table") in kinds
    assert ("tech_contract_turnover", "annual_growth_rate", "body") in kinds
    assert _same(_candidates(draft), _proposed(draft.text))


@pytest.mark.django_db
def test_pasted_text_and_refusals_on_upload(alice_client: Client) -> None:
    draft = _upload(alice_client, pasted=TEXT.replace("\n", "\r\n"), title="某市规划（粘贴）")
    assert draft.text == TEXT and draft.title == "某市规划（粘贴）" and draft.file_name == ""
    count = PlanDraft.objects.count()
    for fields, message in (
        ({}, "one way"),
        ({"pasted": TEXT, "use_sample": "on"}, "one way"),
        ({"file": SimpleUploadedFile("plan.pdf", b"%PDF-1.4")}, ".txt or .docx"),
        ({"file": SimpleUploadedFile("plan.txt", b"\x81\x30\xff\xfe")}, "neither UTF-8 nor GB18030"),
    ):
        response = alice_client.post(ADD, {"kind": "sci_tech", **fields})
        assert response.status_code == 200
        assert message in response.content.decode(), fields
    assert PlanDraft.objects.count() == count


@pytest.mark.django_db
def test_an_oversized_upload_is_refused_before_it_is_read(alice_client: Client, settings: object) -> None:
    settings.IMPORT_MAX_UPLOAD_BYTES = 1000  # type: ignore[attr-defined]
    big = SimpleUploadedFile("plan.txt", ("到2030年，高新技术企业突破 6000 家。\n" * 200).encode())
    response = alice_client.post(ADD, {"kind": "sci_tech", "file": big})
    assert response.status_code == 413
    assert "at most" in response.content.decode()
    assert not PlanDraft.objects.exists()


@pytest.mark.django_db
def test_the_review_page_shows_the_document_by_line_and_each_quote_at_its_line(alice_client: Client) -> None:
    draft = drafts.draft_create(text=TEXT, user=None)
    moved = draft.candidates.order_by("position").first()
    assert moved is not None
    moved.line = 1  # the quote starts on line 5: the page warns
    moved.save()
    html = alice_client.get(_review(draft)).content.decode()
    lines = re.findall(r'<li id="line-(\d+)">', html)
    assert lines == [str(n) for n in range(1, len(TEXT.rstrip("\n").split("\n")) + 1)]
    line_five = re.search(r'<li id="line-5">(.*?)</li>', html, re.S)
    assert line_five is not None and '<mark class="quote pending"' in line_five.group(1)
    for c in draft.candidates.exclude(pk=moved.pk):
        assert f'id="quote-{c.pk}"' in html
    warning = re.search(rf'id="candidate-{moved.pk}".*?</article>', html, re.S)
    assert warning is not None and "not found exactly on line 1 (nearest: line 5)" in warning.group(0)
    assert html.count("quote-warning") == 1
    # Each card's edit form holds the candidate's own indicator, selected.
    for c in draft.candidates.exclude(indicator=None):
        card = re.search(rf'id="candidate-{c.pk}".*?</article>', html, re.S)
        assert card is not None and f'<option value="{c.indicator_id}" selected>' in card.group(0)
    assert "<script>" not in html  # no inline script (CSP)


def _post(client: Client, draft: PlanDraft, candidate: DraftCandidate, action: str, **fields: object) -> object:
    return client.post(_review(draft), {"candidate": candidate.pk, "action": action, **fields})


def _edit_fields(candidate: DraftCandidate, **changes: object) -> dict[str, object]:
    values = {
        "label": candidate.label,
        "indicator": candidate.indicator_id or "",
        "unit": candidate.unit,
        "kind": candidate.kind,
        "comparator": candidate.comparator,
        "baseline_year": candidate.baseline_year or "",
        "baseline_value": candidate.baseline_value if candidate.baseline_value is not None else "",
        "target_year": candidate.target_year or "",
        "target_value": candidate.target_value if candidate.target_value is not None else "",
        "target_value_max": candidate.target_value_max if candidate.target_value_max is not None else "",
        "section": candidate.section,
        "attribute": candidate.attribute,
        "quote": candidate.quote,
        "line": candidate.line,
        "note": candidate.note,
        **changes,
    }
    return {f"c{candidate.pk}-{name}": "" if value is None else value for name, value in values.items()}


@pytest.mark.django_db
def test_accept_reject_undo_and_edit_with_its_checks(alice_client: Client) -> None:
    draft = drafts.draft_create(text=TEXT, user=None)
    first, second, third = list(draft.candidates.order_by("position"))[:3]
    assert _post(alice_client, draft, first, "accept").status_code == 302  # type: ignore[attr-defined]
    assert _post(alice_client, draft, second, "reject").status_code == 302  # type: ignore[attr-defined]
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.decision, second.decision) == ("accepted", "rejected")
    _post(alice_client, draft, second, "undo")
    second.refresh_from_db()
    assert second.decision == "pending"
    # An edit breaking a rule: refused with the field named, nothing saved.
    for changes, field, message in (
        ({"target_value_max": "9"}, "target_value_max", "only for the comparator"),
        ({"quote": "文件里没有的一句话"}, "quote", "not found in the document"),
        ({"line": "2"}, "line", "does not start on line 2"),
        ({"target_year": ""}, "target_year", "target year is required"),
    ):
        response = alice_client.post(
            _review(draft), {"candidate": third.pk, "action": "edit", **_edit_fields(third, **changes)}
        )
        assert response.status_code == 400, changes
        errors = response.context["cards"][2].form.errors
        assert field in errors and message in " ".join(errors[field]), (changes, errors)
    third.refresh_from_db()
    assert third.decision == "pending" and not third.edited
    # A good edit: saved, marked edited, accepted.
    fields = _edit_fields(third, target_value="2500", label="科技型中小企业（家）", note="核对原文")
    assert alice_client.post(_review(draft), {"candidate": third.pk, "action": "edit", **fields}).status_code == 302
    third.refresh_from_db()
    assert (third.target_value, third.label, third.edited, third.decision) == (
        Decimal(2500),
        "科技型中小企业（家）",
        True,
        "accepted",
    )


@pytest.mark.django_db
def test_accepting_a_broken_candidate_is_refused_until_it_is_edited(alice_client: Client) -> None:
    draft = drafts.draft_create(text=TEXT, user=None)
    candidate = draft.candidates.order_by("position").first()
    assert candidate is not None
    candidate.target_year = None
    candidate.save()
    response = _post(alice_client, draft, candidate, "accept")
    follow = alice_client.get(response["Location"])  # type: ignore[index]
    assert "target year is required" in follow.content.decode()
    candidate.refresh_from_db()
    assert candidate.decision == "pending"


def _decide_all(client: Client, draft: PlanDraft, accept: int) -> list[DraftCandidate]:
    accepted: list[DraftCandidate] = []
    for c in draft.candidates.order_by("position"):
        take = c.indicator_id is not None and len(accepted) < accept
        _post(client, draft, c, "accept" if take else "reject")
        if take:
            accepted.append(c)
    return accepted


@pytest.mark.django_db
def test_publishing_from_the_review_page(alice_client: Client) -> None:
    draft = drafts.draft_create(text=TEXT, user=None, region=Region.objects.get(adcode="410500"))
    accepted = _decide_all(alice_client, draft, accept=3)
    response = alice_client.post(_publish(draft))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.is_published and draft.plan is not None
    plan = draft.plan
    assert [(t.quote, t.quote_line, t.indicator_id) for t in plan.targets.order_by("position")] == [
        (c.quote, c.line, c.indicator_id) for c in accepted
    ]
    page = alice_client.get(_review(draft)).content.decode()
    assert reverse("plan-detail", args=[plan.pk]) in page and "read-only" in page
    assert 'name="action"' not in page  # no decision forms any more
    # Read-only: a decision posted anyway changes nothing; the header cannot be changed either.
    rejected = draft.candidates.filter(decision="rejected").first()
    assert rejected is not None
    _post(alice_client, draft, rejected, "accept")
    rejected.refresh_from_db()
    assert rejected.decision == "rejected"
    change = reverse("admin:plans_plandraft_change", args=[draft.pk])
    alice_client.post(change, {"title": "改名", "kind": "sci_tech"})
    draft.refresh_from_db()
    assert draft.title != "改名"


@pytest.mark.django_db
def test_publishing_a_duplicate_plan_is_refused_and_writes_nothing(alice_client: Client, settings: Any) -> None:
    draft = drafts.draft_create(
        text=TEXT, user=None, region=Region.objects.get(adcode="410100"), period=PlanPeriod.objects.get(code="14")
    )
    _decide_all(alice_client, draft, accept=2)
    before = (Plan.objects.count(), Target.objects.count())
    response = alice_client.post(_publish(draft), follow=True)
    assert "one plan of a kind per period" in response.content.decode()
    del alice_client.cookies[settings.LANGUAGE_COOKIE_NAME]  # in Chinese, the default
    response = alice_client.post(_publish(draft), follow=True)
    assert "每个地区每个时期只能有一个同类规划" in response.content.decode()
    assert (Plan.objects.count(), Target.objects.count()) == before
    draft.refresh_from_db()
    assert draft.status == "draft"


@pytest.mark.django_db
def test_only_who_may_add_plans_reaches_the_drafts(bob: User, charlie: User) -> None:
    draft = drafts.draft_create(text=TEXT, user=None, region=Region.objects.get(adcode="410500"))
    candidate = draft.candidates.first()
    assert candidate is not None
    staff, official = Client(), Client()
    staff.force_login(bob)  # provincial staff: in the admin, but may not add plans
    official.force_login(charlie)
    for client, status in ((staff, 403), (official, 302)):
        assert client.get(_review(draft)).status_code == status
        assert client.get(ADD).status_code == status
        assert client.post(_review(draft), {"candidate": candidate.pk, "action": "reject"}).status_code == status
        assert client.post(_publish(draft)).status_code == status
    candidate.refresh_from_db()
    assert candidate.decision == "pending" and not Plan.objects.filter(region__adcode="410500").exists()
    # Given plans.add_plan, a staff member may.
    author = _user("erin", "410000", staff=True)
    author.user_permissions.add(Permission.objects.get(codename="add_plan"))
    client = Client()
    client.force_login(author)
    assert client.get(_review(draft)).status_code == 200
    assert client.post(_review(draft), {"candidate": candidate.pk, "action": "reject"}).status_code == 302


@pytest.mark.django_db
def test_every_page_of_a_draft_from_the_sample_says_it_is_a_sample(alice_client: Client) -> None:
    draft = _upload(alice_client, use_sample="on")
    assert draft.is_sample and draft.region is None and draft.file_name == "sample.txt"
    for url in (
        _review(draft),
        reverse("admin:plans_plandraft_changelist"),
        reverse("admin:plans_plandraft_change", args=[draft.pk]),
    ):
        html = alice_client.get(url).content.decode()
        assert "示例" in html, url
    assert "sample-banner" in alice_client.get(_review(draft)).content.decode()
    response = alice_client.post(_publish(draft), follow=True)
    assert "never published" in response.content.decode()
    assert not Plan.objects.filter(title__contains="示例").exists()


@pytest.mark.django_db
def test_a_quote_over_several_lines_is_edited_as_the_browser_sends_it(alice_client: Client) -> None:
    text = "某市“十五五”科技创新规划\n\n序号\n指标\n2025年\n2030年\n1\n高新技术企业（家）\n1500\n2000\n"
    draft = drafts.draft_create(text=text, user=None)
    (candidate,) = draft.candidates.all()
    assert candidate.quote == "1\n高新技术企业（家）\n1500\n2000" and candidate.line == 7
    html = alice_client.get(_review(draft)).content.decode()
    for line in (7, 8, 9, 10):  # highlighted on each of its lines
        found = re.search(rf'<li id="line-{line}">(.*?)</li>', html, re.S)
        assert found is not None and "<mark" in found.group(1), line
    # A textarea's line breaks come back as CR LF: the quote is the document's all the same.
    fields = _edit_fields(candidate, quote=candidate.quote.replace("\n", "\r\n"), target_value="2100")
    response = alice_client.post(_review(draft), {"candidate": candidate.pk, "action": "edit", **fields})
    assert response.status_code == 302
    candidate.refresh_from_db()
    assert candidate.quote == "1\n高新技术企业（家）\n1500\n2000" and candidate.decision == "accepted"
