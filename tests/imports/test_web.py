"""The upload pages: who may use them, preview → confirm/cancel, what is stored, what is refused."""

from __future__ import annotations

import hashlib
import io
import os
import re
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from cities.models import Membership, Region
from imports.service import approve
from indicators.models import ActualsImport, Indicator, Observation, ObservationChange
from indicators.services import observation_set

pytestmark = pytest.mark.django_db


def xlsx(rows: list[list[Any]]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet: Any = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


ZHENGZHOU_FILE: list[list[Any]] = [
    ["郑州市 科技创新主要指标"],
    [],
    ["指标名称", "单位", "2022年", "2023年", "2025年目标"],
    ["研发投入强度", "%", 2.41, "2.6%", 3.2],
    ["技术合同成交额", "万元", "3,500,000", None, None],
]


def upload(client: Client, data: bytes, name: str = "actuals.xlsx", region: str = "") -> Any:
    region_pk = Region.objects.get(adcode=region).pk if region else ""
    return client.post(reverse("import-upload"), {"file": SimpleUploadedFile(name, data), "region": region_pk})


def digest_of(response: Any) -> str:
    match = re.search(r'name="digest" value="([0-9a-f]{64})"', response.content.decode())
    assert match, "the preview has no confirm form"
    return match.group(1)


def stored(adcode: str, code: str, year: int) -> Observation | None:
    return Observation.objects.filter(region__adcode=adcode, indicator__code=code, year=year).first()


@pytest.mark.parametrize(
    "url",
    [
        "/imports/",
        "/imports/1/",
        "/imports/template/410100.xlsx",
        "/imports/template/410100.csv",
        "/imports/1/file/",
    ],
)
def test_anonymous_users_are_sent_to_login(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_user_without_write_rights_is_refused(client: Client) -> None:
    reader = User.objects.create_user("reader", password="x")
    Membership.objects.create(user=reader, region=Region.objects.get(adcode="410100"))
    client.force_login(reader)
    assert client.get("/imports/").status_code == 403
    assert upload(client, xlsx(ZHENGZHOU_FILE)).status_code == 403
    assert client.get("/imports/template/410100.xlsx").status_code == 403
    assert Observation.objects.filter(origin="import").count() == 0


def test_a_city_official_previews_confirms_and_finds_the_values_stored_once_approved(
    charlie: User, charlie_client: Client, bob: User
) -> None:
    store_manually("rd_intensity", 2022, Decimal("2.30"))
    data = xlsx(ZHENGZHOU_FILE)
    response = upload(charlie_client, data)
    assert response.status_code == 302
    record = ActualsImport.objects.get()
    assert record.status == "pending" and record.uploaded_by == charlie
    assert stored("410100", "rd_intensity", 2023) is None, "nothing is written before confirming"

    page = charlie_client.get(response["Location"])
    html = page.content.decode()
    assert re.search(r'data-count="new">2<', html) and re.search(r'data-count="changed">1<', html)
    assert "2.3" in html and "→ 2.41" in html  # old → new
    charlie_client.post(reverse("import-confirm", args=[record.pk]), {"digest": digest_of(page)})

    record.refresh_from_db()
    # A city official submits: nothing is an actual until the province approves it.
    assert record.status == "submitted" and record.committed_at is not None
    assert (record.created_count, record.updated_count) == (2, 1)
    assert record.sha256 == hashlib.sha256(data).hexdigest()
    with record.file.open("rb") as kept:
        assert kept.read() == data, "the original file is kept for audit"
    assert stored("410100", "rd_intensity", 2023) is None
    assert stored("410100", "rd_intensity", 2022).value == Decimal("2.30")  # type: ignore[union-attr]
    approve(record, reviewer=bob)
    record.refresh_from_db()
    assert record.status == "approved" and record.reviewed_by == bob
    assert stored("410100", "rd_intensity", 2022).value == Decimal("2.41")  # type: ignore[union-attr]
    assert stored("410100", "rd_intensity", 2023).value == Decimal("2.6")  # type: ignore[union-attr]
    assert stored("410100", "tech_contract_turnover", 2022).value == Decimal("350")  # type: ignore[union-attr]
    assert stored("410100", "tech_contract_turnover", 2023) is None, "an empty cell is no value, not zero"
    update = ObservationChange.objects.get(actuals_import=record, action="update")
    assert (update.old_value, update.new_value, update.changed_by) == (Decimal("2.3"), Decimal("2.41"), charlie)
    assert update.approved_by == bob
    assert ObservationChange.objects.filter(actuals_import=record).count() == 3

    download = charlie_client.get(reverse("import-file", args=[record.pk]))
    assert b"".join(download.streaming_content) == data  # type: ignore[attr-defined]


def store_manually(code: str, year: int, value: Decimal) -> None:
    """A value entered by hand in Zhengzhou, before the file arrives."""
    observation_set(
        region=Region.objects.get(adcode="410100"),
        indicator=Indicator.objects.get(code=code),
        year=year,
        value=value,
        origin="manual",
    )


def test_the_identical_file_again_reports_no_changes_and_writes_nothing(charlie_client: Client, bob: User) -> None:
    data = xlsx(ZHENGZHOU_FILE)
    first = upload(charlie_client, data)
    page = charlie_client.get(first["Location"])
    charlie_client.post(reverse("import-confirm", args=[ActualsImport.objects.get().pk]), {"digest": digest_of(page)})
    approve(ActualsImport.objects.get(), reviewer=bob)  # compared with the approved values
    counts = (Observation.objects.count(), ObservationChange.objects.count(), ActualsImport.objects.count())

    again = upload(charlie_client, data)
    assert again.status_code == 200
    assert re.search(r'data-count="unchanged">3<', again.content.decode())
    assert 'name="digest"' not in again.content.decode()
    assert (Observation.objects.count(), ObservationChange.objects.count(), ActualsImport.objects.count()) == counts


def test_errors_are_listed_in_chinese_and_english_and_nothing_is_kept(charlie_client: Client) -> None:
    rows = [row[:] for row in ZHENGZHOU_FILE]
    rows[3][2] = "两点四"
    response = upload(charlie_client, xlsx(rows))
    html = response.content.decode()
    assert response.status_code == 200
    assert "“两点四” is not a number." in html, "English text"
    assert "row 4" in html and "column C" in html
    assert re.search(r"第\s*4\s*行", html), "Chinese text names the row"
    assert ActualsImport.objects.count() == 0
    assert Observation.objects.filter(origin="import").count() == 0


def test_a_city_official_cannot_write_another_city(charlie_client: Client) -> None:
    rows: list[list[Any]] = [["地区", "指标", "年份", "数值"], ["开封市", "研发投入强度", 2023, 2.1]]
    response = upload(charlie_client, xlsx(rows))
    assert "开封" in response.content.decode()
    assert not Observation.objects.filter(region__adcode="410200", origin="import").exists()
    assert charlie_client.get("/imports/template/410200.xlsx").status_code == 404


def test_provincial_staff_write_the_province_and_any_city(bob_client: Client) -> None:
    rows: list[list[Any]] = [
        ["地区", "指标", "年份", "数值"],
        ["410000", "研发投入强度", 2023, 1.96],
        ["开封", "研发投入强度", 2023, 2.1],
    ]
    response = upload(bob_client, xlsx(rows))
    assert response.status_code == 302
    page = bob_client.get(response["Location"])
    bob_client.post(reverse("import-confirm", args=[ActualsImport.objects.get().pk]), {"digest": digest_of(page)})
    assert stored("410000", "rd_intensity", 2023).value == Decimal("1.96")  # type: ignore[union-attr]
    assert stored("410200", "rd_intensity", 2023).value == Decimal("2.1")  # type: ignore[union-attr]


def test_a_preview_gone_stale_is_not_written(charlie_client: Client) -> None:
    response = upload(charlie_client, xlsx(ZHENGZHOU_FILE))
    page = charlie_client.get(response["Location"])
    # Someone else stores a value the preview compared against.
    store_manually("rd_intensity", 2023, Decimal("2.5"))
    record = ActualsImport.objects.get()
    after = charlie_client.post(reverse("import-confirm", args=[record.pk]), {"digest": digest_of(page)}, follow=True)
    record.refresh_from_db()
    assert record.status == "pending"
    assert stored("410100", "rd_intensity", 2023).value == Decimal("2.5")  # type: ignore[union-attr]
    assert "changed since this preview" in after.content.decode() or "预览" in after.content.decode()


def test_cancel_writes_nothing_and_drops_the_file(charlie_client: Client) -> None:
    response = upload(charlie_client, xlsx(ZHENGZHOU_FILE))
    record = ActualsImport.objects.get()
    path = record.file.path
    charlie_client.post(reverse("import-cancel", args=[record.pk]))
    record.refresh_from_db()
    assert record.status == "cancelled"
    assert not record.file
    assert not os.path.exists(path)
    assert Observation.objects.filter(origin="import").count() == 0
    assert response.status_code == 302


def test_only_the_uploader_sees_and_confirms_an_import(charlie_client: Client, bob_client: Client) -> None:
    upload(charlie_client, xlsx(ZHENGZHOU_FILE))
    record = ActualsImport.objects.get()
    assert bob_client.get(reverse("import-detail", args=[record.pk])).status_code == 404
    assert bob_client.post(reverse("import-confirm", args=[record.pk]), {"digest": "x"}).status_code == 404
    assert bob_client.get(reverse("import-file", args=[record.pk])).status_code == 404
    record.refresh_from_db()
    assert record.status == "pending"


def test_confirming_needs_a_post_with_csrf(charlie: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(charlie)
    response = client.post("/imports/", {"file": SimpleUploadedFile("a.xlsx", xlsx(ZHENGZHOU_FILE))})
    assert response.status_code == 403
    assert client.get(reverse("import-confirm", args=[1])).status_code == 405


def test_an_oversized_upload_is_refused_before_reading(charlie_client: Client, settings: Any) -> None:
    settings.IMPORT_MAX_UPLOAD_BYTES = 1000
    response = upload(charlie_client, b"a,b\n" * 100_000, name="big.csv")
    assert response.status_code == 413
    assert ActualsImport.objects.count() == 0


def test_the_template_reads_back_and_is_protected(charlie_client: Client) -> None:
    store_manually("rd_intensity", 2021, Decimal("2.31"))
    response = charlie_client.get("/imports/template/410100.xlsx")
    assert response["Content-Disposition"] == 'attachment; filename="template-410100.xlsx"'
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = workbook.active
    assert sheet is not None and sheet.protection.sheet
    header = [cell.value for cell in sheet[3]]
    assert header[:3] == ["指标代码", "指标名称", "单位"]
    assert header[3:9] == ["2020年", "2021年", "2022年", "2023年", "2024年", "2025年"]
    codes = [row[0] for row in sheet.iter_rows(min_row=4, values_only=True)]
    assert "rd_intensity" in codes and len(codes) == len(set(codes))
    rd_row = 4 + codes.index("rd_intensity")
    assert sheet.cell(rd_row, 5).value == 2.31, "stored (non-demo) values are pre-filled"
    assert not sheet.cell(rd_row, 5).protection.locked and sheet.cell(3, 1).protection.locked
    assert sheet.data_validations.dataValidation, "value cells only take numbers"

    # Filled in and sent back, it imports into the region its title names.
    sheet.cell(rd_row, 7).value = 2.66  # 2023
    buffer = io.BytesIO()
    workbook.save(buffer)
    sent = upload(charlie_client, buffer.getvalue(), name="template-410100.xlsx")
    page = charlie_client.get(sent["Location"])
    assert re.search(r'data-count="new">1<', page.content.decode())
    csv_body = charlie_client.get("/imports/template/410100.csv").content
    assert csv_body.startswith("\ufeff".encode()) and "研发投入强度".encode() in csv_body


def test_notes_and_sources_with_quotes_commas_and_line_breaks_are_stored_exactly(alice: User) -> None:
    from imports.service import build_preview, commit, save_pending

    note, source = '快报数, "初步"\n待年鉴核实', "统计公报,2024"
    rows: list[list[Any]] = [
        ["地区", "指标", "年份", "数值", "备注", "来源"],
        ["410100", "研发投入强度", 2024, 2.7, note, source],
    ]
    data = xlsx(rows)
    commit(save_pending(build_preview(data, "n.xlsx", user=alice), data, user=alice), user=alice)
    saved = stored("410100", "rd_intensity", 2024)
    assert saved is not None and (saved.note, saved.source, saved.value) == (note, source, Decimal("2.7"))
    change = ObservationChange.objects.get(observation=saved)
    assert (change.new_source, change.old_value, change.reason) == (source, None, "表格导入：n.xlsx")
