"""Reviewers' verdicts on qualitative targets: recorded by who may review the target's region (bob, not charlie),
every verdict kept, the latest for an as-of year counting in the evaluation instead of 未量化; shown on the city
page, the evaluation table and workbook and in the API; evidence files bounded, typed and served only to users
signed in, as attachments."""

from __future__ import annotations

import datetime
import io
import re
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.fixtures import SettingsWrapper

from plans import progress as pr
from plans import vocabulary as v
from plans.evaluation import plan_evaluation
from plans.models import Target, TargetVerdict
from plans.selectors import evaluate_targets, targets_for
from plans.verdicts import safe_name, verdict_add

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
TEXT = "2024年底，全市共建成国家重点实验室2家（科技部批复文件）。"


def national_labs() -> Target:
    """Zhengzhou's 国家重点实验室 goal: qualitative, no number — 未量化 until a reviewer judges it."""
    return Target.objects.select_related("plan__region").get(plan__region__adcode="410100", key="goals-national-labs")


def status_of(target: Target, year: int | None) -> str:
    [item] = evaluate_targets(targets_for(plan=target.plan).filter(pk=target.pk), as_of=year)
    return item.status


def record(client: Client, target: Target, **fields: Any) -> Any:
    data = {
        "verdict": v.PARTLY_ACHIEVED,
        "year": "2024",
        "decided_on": "2025-03-01",
        "evidence_text": TEXT,
        "evidence_url": "",
    } | fields
    return client.post(reverse("target-verdict", args=[target.pk]), data)


def test_bob_records_a_verdict_and_it_counts_everywhere(bob: User, bob_client: Client) -> None:
    target = national_labs()
    assert status_of(target, 2024) == v.NOT_QUANTIFIED
    before = plan_evaluation(target.plan, 2024).counts
    city = reverse("city", args=["410100"])
    page = bob_client.get(city).content.decode()
    assert f'action="/targets/{target.pk}/verdict/"' in page, "the card offers the reviewer the form"
    assert 'enctype="multipart/form-data"' in page

    evidence = SimpleUploadedFile("批复 文件.pdf", PDF, content_type="application/pdf")
    response = record(
        bob_client, target, evidence_url="https://kjt.henan.gov.cn/2024/labs.html", evidence_file=evidence
    )
    assert response.status_code == 302 and response["Location"] == f"{city}#target-{target.pk}"
    verdict = TargetVerdict.objects.get()
    assert (verdict.verdict, verdict.year, verdict.reviewer, verdict.decided_on) == (
        v.PARTLY_ACHIEVED,
        2024,
        bob,
        datetime.date(2025, 3, 1),
    )
    assert verdict.evidence_name == "批复 文件.pdf"
    stored = Path(verdict.evidence_file.path)
    assert stored.parent == Path(settings.MEDIA_ROOT) / "verdicts" and stored.suffix == ".pdf"
    assert "批复" not in stored.name and len(stored.stem) == 32, "a random name, not the uploader's"
    assert stored.read_bytes() == PDF

    # The evaluation counts it instead of 未量化.
    assert status_of(target, 2024) == v.PARTLY_ACHIEVED
    after = plan_evaluation(target.plan, 2024).counts
    assert after[v.NOT_QUANTIFIED] == before[v.NOT_QUANTIFIED] - 1
    assert after[v.PARTLY_ACHIEVED] == before[v.PARTLY_ACHIEVED] + 1

    page = bob_client.get(city).content.decode()
    card = page[page.index(f'id="target-{target.pk}"') :]
    assert card.index('<span class="badge pace-partly_achieved">部分实现</span>') < card.index("</li>")  # its statement
    assert TEXT in card and "https://kjt.henan.gov.cn/2024/labs.html" in card
    assert f'href="/verdicts/{verdict.pk}/evidence/"' in card and "bob" in card

    table = bob_client.get(reverse("plan-evaluation", args=[target.plan_id]), {"year": 2024}).content.decode()
    row = table[table.index(f'<tr id="target-{target.pk}"') :]
    row = row[: row.index("</tr>")]
    assert '<span class="badge pace-partly_achieved">部分实现</span>' in row
    assert TEXT in row and f"/verdicts/{verdict.pk}/evidence/" in row and "bob" in row
    assert "1 部分实现" in table or "1项部分实现" in table.replace(" ", "")

    workbook = bob_client.get(reverse("plan-evaluation-xlsx", args=[target.plan_id]), {"year": 2024})
    sheet: Any = openpyxl.load_workbook(io.BytesIO(workbook.content)).active
    rows = [[cell.value for cell in line] for line in sheet.iter_rows()]
    header = next(line for line in rows if line[:2] == ["序号", "指标"])
    verdict_at, evidence_at, when_at = (
        header.index(name) for name in ("评审结论", "评审结论：依据", "评审结论：评估年份、结论日期、评审人、记录时间")
    )
    [line] = [line for line in rows if line[1] == target.label and TEXT in str(line[evidence_at])]
    assert line[header.index("状态")] == "部分实现" and line[verdict_at] == "部分实现"
    assert "批复 文件.pdf" in line[evidence_at] and "https://kjt.henan.gov.cn/2024/labs.html" in line[evidence_at]
    assert str(line[when_at]).startswith("2024 · 2025-03-01 · bob")

    progress = bob_client.get("/api/v1/progress/", {"region": "410100", "year": "2024", "page_size": "1000"}).json()
    [api_row] = [r for r in progress["results"] if r["target"] == target.pk]
    assert (api_row["status"], api_row["status_label_zh"], api_row["status_label_en"]) == (
        "partly_achieved",
        "部分实现",
        "Partly achieved",
    )
    assert api_row["verdict"]["verdict"] == "partly_achieved" and api_row["verdict"]["reviewer"] == "bob"
    assert api_row["verdict"]["evidence_file"] == f"/verdicts/{verdict.pk}/evidence/"
    assert "verdict" in [note["code"] for note in api_row["notes"]]
    detail = bob_client.get(f"/api/v1/targets/{target.pk}/").json()
    assert detail["verdict"]["id"] == verdict.pk and detail["verdict"]["year"] == 2024
    assert detail["verdict"]["decided_on"] == "2025-03-01"


def test_charlie_reads_but_cannot_record(bob: User, charlie: User, charlie_client: Client) -> None:
    target = national_labs()
    page = charlie_client.get(reverse("city", args=["410100"])).content.decode()
    assert f'action="/targets/{target.pk}/verdict/"' not in page, "no form for a city official"
    assert record(charlie_client, target).status_code == 403
    api = charlie_client.post(
        f"/api/v1/targets/{target.pk}/verdicts/",
        {"verdict": "achieved", "year": 2024, "evidence_text": "x"},
        content_type="application/json",
    )
    assert api.status_code == 403
    with pytest.raises(PermissionDenied):
        verdict_add(
            target=target,
            user=charlie,
            verdict="achieved",
            year=2024,
            decided_on=datetime.date(2025, 1, 2),
            evidence_text="x",
        )
    assert TargetVerdict.objects.count() == 0

    verdict_add(
        target=target, user=bob, verdict="achieved", year=2024, decided_on=datetime.date(2025, 1, 2), evidence_text=TEXT
    )
    page = charlie_client.get(reverse("city", args=["410100"])).content.decode()
    assert TEXT in page and '<span class="badge pace-achieved">已实现</span>' in page
    history = charlie_client.get(reverse("target-verdict", args=[target.pk]))
    assert history.status_code == 200 and TEXT in history.content.decode()
    assert 'class="verdict-form"' not in history.content.decode()
    listed = charlie_client.get(f"/api/v1/targets/{target.pk}/verdicts/").json()
    assert listed["count"] == 1 and listed["results"][0]["verdict_label_zh"] == "已实现"


def test_every_verdict_is_kept_and_the_latest_for_the_year_counts(bob: User, bob_client: Client) -> None:
    target = national_labs()
    assert record(bob_client, target, verdict=v.NOT_ACHIEVED, year="2023", decided_on="").status_code == 302
    assert TargetVerdict.objects.get().decided_on == timezone.localdate(), "today when not given"
    assert record(bob_client, target, verdict=v.PARTLY_ACHIEVED, year="2024").status_code == 302
    assert record(bob_client, target, verdict=v.ACHIEVED, year="2024", evidence_text="复核后").status_code == 302
    assert TargetVerdict.objects.count() == 3
    assert status_of(target, 2022) == v.NOT_QUANTIFIED, "a verdict on a later year says nothing of an earlier one"
    assert status_of(target, 2023) == v.NOT_ACHIEVED
    assert status_of(target, 2024) == v.ACHIEVED, "the latest verdict for the year"
    assert status_of(target, 2025) == v.ACHIEVED, "the last year judged, until a later verdict"
    assert status_of(target, None) == v.ACHIEVED
    history = bob_client.get(reverse("target-verdict", args=[target.pk])).content.decode()
    assert history.count('class="verdict-version"') == 3 and "复核后" in history
    api = bob_client.get(f"/api/v1/targets/{target.pk}/verdicts/").json()
    assert [r["verdict"] for r in api["results"]] == ["achieved", "partly_achieved", "not_achieved"]


def test_the_api_records_a_verdict_for_a_reviewer(bob_client: Client) -> None:
    target = national_labs()
    response = bob_client.post(
        f"/api/v1/targets/{target.pk}/verdicts/",
        {"verdict": "not_achieved", "year": 2025, "evidence_url": "http://example.gov.cn/notice"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["verdict"], body["year"], body["reviewer"], body["evidence_url"]) == (
        "not_achieved",
        2025,
        "bob",
        "http://example.gov.cn/notice",
    )
    assert body["decided_on"] == timezone.localdate().isoformat(), "today by default"
    assert status_of(target, 2025) == v.NOT_ACHIEVED
    upload = bob_client.post(
        f"/api/v1/targets/{target.pk}/verdicts/",
        {"verdict": "achieved", "year": "2025", "evidence_file": SimpleUploadedFile("note.txt", "依据".encode())},
    )
    assert upload.status_code == 201, upload.content
    assert upload.json()["evidence_file"] == f"/verdicts/{upload.json()['id']}/evidence/"


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"evidence_text": "", "evidence_url": ""}, "evidence_text", "依据"),
        ({"evidence_url": "javascript:alert(1)"}, "evidence_url", "http"),
        ({"evidence_url": "ftp://example.org/x"}, "evidence_url", "http"),
        ({"verdict": "maybe"}, "verdict", "maybe"),
        ({"year": "1800"}, "year", "1949"),
        ({"year": "2020"}, "year", "2021"),  # before the plan period
        ({"year": "2026"}, "year", "2025"),  # after the target year
    ],
)
def test_bad_input_is_refused_naming_the_field(
    bob_client: Client, fields: dict[str, str], field: str, words: str
) -> None:
    target = national_labs()
    response = record(bob_client, target, **fields)
    assert response.status_code == 400
    form = response.context["form"]
    assert field in form.errors and words in " ".join(form.errors[field]), form.errors
    assert TargetVerdict.objects.count() == 0
    api = bob_client.post(
        f"/api/v1/targets/{target.pk}/verdicts/",
        {"verdict": "achieved", "year": 2024, "evidence_text": "x"} | fields,
        content_type="application/json",
    )
    assert api.status_code == 400 and field in api.json(), api.json()
    assert TargetVerdict.objects.count() == 0


def test_the_messages_are_in_english_too(bob_client: Client) -> None:
    bob_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = record(bob_client, national_labs(), evidence_text="")
    assert "Give the evidence: a text, a link or a file." in response.content.decode()


def test_a_target_judged_on_its_numbers_gets_no_verdict(bob: User, bob_client: Client) -> None:
    target = Target.objects.get(plan__region__adcode="410100", key="table-01-rd-intensity")
    assert record(bob_client, target).status_code == 404
    api = bob_client.post(
        f"/api/v1/targets/{target.pk}/verdicts/",
        {"verdict": "achieved", "year": 2024, "evidence_text": "x"},
        content_type="application/json",
    )
    assert api.status_code == 400 and "target" in api.json()
    assert TargetVerdict.objects.count() == 0


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("evidence.exe", b"MZ\x90\x00"),
        ("evidence.html", b"<script>alert(1)</script>"),
        ("evidence.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>"),
        ("fake.pdf", b"<html><script>alert(1)</script></html>"),
        ("fake.png", PDF),
        ("fake.xlsx", _docx()),  # a Word package named as a workbook
        ("binary.txt", b"\x00\x01\x02"),
    ],
)
def test_an_evidence_file_of_the_wrong_type_is_refused(bob_client: Client, name: str, content: bytes) -> None:
    response = record(bob_client, national_labs(), evidence_file=SimpleUploadedFile(name, content))
    assert response.status_code == 400
    assert "evidence_file" in response.context["form"].errors
    assert TargetVerdict.objects.count() == 0
    assert not (Path(settings.MEDIA_ROOT) / "verdicts").exists() or not any(
        (Path(settings.MEDIA_ROOT) / "verdicts").iterdir()
    )


@pytest.mark.parametrize(
    ("name", "content"),
    [("决定.docx", _docx()), ("scan.png", b"\x89PNG\r\n\x1a\n" + b"0" * 32), ("a.txt", "文字".encode("gb18030"))],
)
def test_the_allowed_types_are_kept(bob_client: Client, name: str, content: bytes) -> None:
    assert record(bob_client, national_labs(), evidence_file=SimpleUploadedFile(name, content)).status_code == 302
    assert TargetVerdict.objects.get().evidence_name == name


def test_an_evidence_file_too_large_is_refused(bob_client: Client, settings: SettingsWrapper) -> None:
    settings.EVIDENCE_MAX_UPLOAD_BYTES = 2000
    target = national_labs()
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * 3000)
    response = record(bob_client, target, evidence_file=big)
    assert response.status_code == 413
    assert "MB" in response.content.decode()
    api = bob_client.post(
        f"/api/v1/targets/{target.pk}/verdicts/",
        {"verdict": "achieved", "year": "2024", "evidence_file": SimpleUploadedFile("big.pdf", PDF + b"0" * 3000)},
    )
    assert api.status_code == 400 and "evidence_file" in api.json()
    # Under the bound, a body a little larger than its file is fine.
    assert record(bob_client, target, evidence_file=SimpleUploadedFile("ok.pdf", PDF)).status_code == 302
    assert TargetVerdict.objects.count() == 1


def test_the_evidence_file_is_served_only_to_users_signed_in_as_an_attachment(
    bob: User, charlie_client: Client, client: Client
) -> None:
    target = national_labs()
    verdict = verdict_add(
        target=target,
        user=bob,
        verdict=v.ACHIEVED,
        year=2024,
        decided_on=datetime.date(2025, 2, 1),
        evidence_file=SimpleUploadedFile('x"; filename="evil.html\r\n.pdf', PDF),
    )
    url = reverse("verdict-evidence", args=[verdict.pk])
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    response = charlie_client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF  # type: ignore[attr-defined]
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    # The uploader's name, without what could end the quoted name or start another parameter.
    assert response["Content-Disposition"] == 'attachment; filename="x filename=evil.html.pdf"'
    assert charlie_client.post(url).status_code == 405
    without = verdict_add(
        target=target, user=bob, verdict=v.ACHIEVED, year=2024, decided_on=datetime.date(2025, 2, 1), evidence_text="x"
    )
    assert charlie_client.get(reverse("verdict-evidence", args=[without.pk])).status_code == 404


def test_safe_name_keeps_chinese_and_drops_what_could_break_a_header() -> None:
    assert safe_name("C:\\Users\\张三\\批复.pdf") == "批复.pdf"
    assert safe_name('a"b\r\n;.pdf') == "ab.pdf"
    assert safe_name("../../etc/passwd") == "passwd"
    assert len(safe_name("长" * 300 + ".pdf")) == 200 and safe_name("长" * 300 + ".pdf").endswith(".pdf")
    assert safe_name("") == "evidence"


def test_the_admin_lists_verdicts_read_only(alice_client: Client, bob: User) -> None:
    verdict = verdict_add(
        target=national_labs(),
        user=bob,
        verdict=v.ACHIEVED,
        year=2024,
        decided_on=datetime.date(2025, 2, 1),
        evidence_text=TEXT,
    )
    assert alice_client.get("/admin/plans/targetverdict/").status_code == 200
    assert alice_client.get("/admin/plans/targetverdict/add/").status_code == 403
    page = alice_client.get(f"/admin/plans/targetverdict/{verdict.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert alice_client.post(f"/admin/plans/targetverdict/{verdict.pk}/delete/", {"post": "yes"}).status_code == 403
    assert TargetVerdict.objects.filter(pk=verdict.pk).exists()


def test_the_method_takes_the_verdict_as_the_status() -> None:
    result = pr.evaluate(
        pr.TargetSpec(kind=v.QUALITATIVE, comparator=v.AT_LEAST, target_year=2025, target_value=None), {}
    )
    assert pr.status(result) == v.NOT_QUANTIFIED
    for verdict in v.VERDICTS:
        judged = pr.judged(result, verdict, 2024)
        assert pr.status(judged) == verdict and judged.verdict_year == 2024
        assert pr.summary([judged, result])[verdict] == 1
    with pytest.raises(v.UnknownWord):
        pr.judged(result, "maybe", 2024)


def test_the_cached_city_page_form_posts_with_the_reviewers_own_token(bob: User) -> None:
    target = national_labs()
    client = Client(enforce_csrf_checks=True)
    client.force_login(bob)
    city = reverse("city", args=["410100"])
    client.get(city)  # computed and cached
    html = client.get(city).content.decode()  # served from the cache
    form = html[html.index(f'action="/targets/{target.pk}/verdict/"') :]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)
    assert token is not None
    fields = {"verdict": v.ACHIEVED, "year": "2024", "decided_on": "2025-03-01", "evidence_text": TEXT}
    refused = client.post(reverse("target-verdict", args=[target.pk]), fields)
    assert refused.status_code == 403 and TargetVerdict.objects.count() == 0, "CSRF is checked"
    response = client.post(
        reverse("target-verdict", args=[target.pk]), fields | {"csrfmiddlewaretoken": token.group(1)}
    )
    assert response.status_code == 302 and TargetVerdict.objects.count() == 1


def test_a_target_judged_not_achieved_asks_the_city_for_an_explanation_of_that_year(
    bob: User, charlie_client: Client
) -> None:
    target = national_labs()
    verdict_add(
        target=target,
        user=bob,
        verdict=v.NOT_ACHIEVED,
        year=2024,
        decided_on=datetime.date(2025, 1, 2),
        evidence_text=TEXT,
    )
    page = charlie_client.get(reverse("city", args=["410100"])).content.decode()
    card = page[page.index(f'id="target-{target.pk}"') :]
    card = card[: card.index("</li>")]  # the target's statement on its card
    assert f'action="/targets/{target.pk}/explanation/"' in card and "2024" in card
    fields = {"situation": "s", "outlook": "o", "causes": "c", "measures": "m"}
    assert charlie_client.post(reverse("target-explanation", args=[target.pk]), fields).status_code == 302
    assert target.explanations.get().year == 2024, "the year of the verdict"


def test_the_workbook_never_runs_the_evidence_as_a_formula(bob: User, bob_client: Client) -> None:
    target = national_labs()
    formula = '=HYPERLINK("http://evil.example","点击")'
    verdict_add(
        target=target,
        user=bob,
        verdict=v.ACHIEVED,
        year=2024,
        decided_on=datetime.date(2025, 1, 2),
        evidence_text=formula,
    )
    workbook = bob_client.get(reverse("plan-evaluation-xlsx", args=[target.plan_id]), {"year": 2024})
    sheet: Any = openpyxl.load_workbook(io.BytesIO(workbook.content)).active
    [cell] = [c for row in sheet.iter_rows() for c in row if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert cell.data_type == "s" and cell.value == "'" + formula
