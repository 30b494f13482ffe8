"""The confirmation writes the values the preview read — the upload's stored reading (JSON beside the file, its
SHA-256 in the import row) — without parsing the file again; it compares them, under lock, with the stored values
as the preview did. A stored reading changed on disk is refused, with nothing written."""

from __future__ import annotations

import hashlib
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation

from cities.models import Membership, Region
from imports.review import review
from imports.service import DamagedReading, StaleImport, build_preview, commit, save_pending, stored_preview
from indicators.models import ActualsImport, ObservationChange
from tests.spreadsheets import csv_bytes, db_state, long, store, stored, wide

pytestmark = pytest.mark.django_db

ROWS = long(
    ["郑州市", "研发投入强度", 2022, 2.41],
    ["郑州市", "研发投入强度", 2023, "2.6%"],
    ["郑州市", "技术合同成交额", 2023, "3,500,000万元"],
)


def pending(user: User | None, rows: list[list[Any]] = ROWS, name: str = "a.csv") -> ActualsImport:
    data = csv_bytes(rows)
    preview = build_preview(data, name, user=user)
    assert preview.can_commit, [p.text_en for p in preview.problems]
    return save_pending(preview, data, user=user)


def reading(record: ActualsImport) -> Path:
    return Path(record.parsed_rows.path)


def test_the_reading_is_json_beside_the_upload_with_its_sha256_recorded(alice: User) -> None:
    record = pending(alice)
    path = reading(record)
    assert path.parent == Path(record.file.path).parent
    assert re.fullmatch(r"read-[0-9a-f]{32}\.json", path.name)  # random, not the file's hash or the user's name
    data = path.read_bytes()
    assert hashlib.sha256(data).hexdigest() == record.parsed_sha256
    payload = json.loads(data)  # JSON, never pickle
    assert payload["sha256"] == record.sha256
    assert sorted((row[2], row[3]) for row in payload["rows"]) == [
        (2022, "2.410000"),
        (2023, "2.600000"),
        (2023, "350.000000"),  # 万元 → 亿元, as the preview converted it
    ]


def test_the_commit_writes_the_values_read_at_the_preview_without_the_file(alice: User) -> None:
    record = pending(alice)
    # The upload itself is unreadable now: a commit that parsed it again would fail.
    Path(record.file.path).write_bytes(b"\x00 not a spreadsheet any more")
    preview = commit(record, user=alice)
    assert preview.count("new") == 3
    assert stored("410100", "rd_intensity", 2023).value == Decimal("2.6")  # type: ignore[union-attr]
    assert stored("410100", "tech_contract_turnover", 2023).value == Decimal("350")  # type: ignore[union-attr]
    history = ObservationChange.objects.filter(actuals_import=record)
    assert history.count() == 3 and {change.new_source for change in history} == {"a.csv"}
    record.refresh_from_db()
    assert record.status == ActualsImport.Status.APPROVED


def test_sources_and_notes_come_out_as_the_first_comparison_gave_them(alice: User) -> None:
    store("410100", "rd_intensity", 2022, "2.41", origin="import")  # same value, stored source 统计公报
    rows: list[list[Any]] = [["地区", "指标", "年份", "数值", "备注", "来源"]]
    rows.append(["郑州市", "研发投入强度", 2022, 2.41, "修订", ""])
    rows.append(["郑州市", "研发投入强度", 2023, 2.6, "", "郑州市统计公报"])
    record = pending(alice, rows)
    again = stored_preview(record, user=alice)
    assert again.digest == record.change_digest  # compared again from the stored reading: the same preview
    commit(record, user=alice)
    kept = stored("410100", "rd_intensity", 2022)
    assert (kept.source, kept.note) == ("统计公报", "修订")  # type: ignore[union-attr]
    assert stored("410100", "rd_intensity", 2023).source == "郑州市统计公报"  # type: ignore[union-attr]


@pytest.mark.parametrize("change", ["value", "garbage", "deleted"])
def test_a_reading_changed_on_disk_is_refused_and_nothing_is_written(alice: User, change: str) -> None:
    record = pending(alice)
    path = reading(record)
    if change == "value":
        path.write_text(path.read_text().replace('"2.600000"', '"9.600000"'))
    elif change == "garbage":
        path.write_bytes(b"\x80\x04 pickled? no")
    else:
        path.unlink()
    before = db_state()
    with pytest.raises(DamagedReading) as refused:
        commit(record, user=alice)
    with translation.override("en"):
        assert f"#{record.pk}" in str(refused.value) and "upload the file again" in str(refused.value)
    with translation.override("zh-hans"):
        assert f"#{record.pk}" in str(refused.value) and "重新上传" in str(refused.value)
    assert db_state() == before
    record.refresh_from_db()
    assert record.status == ActualsImport.Status.PENDING
    assert stored("410100", "rd_intensity", 2023) is None


def test_a_reading_whose_hash_was_rewritten_too_must_still_be_of_this_upload(alice: User) -> None:
    first, second = pending(alice), pending(alice, long(["郑州市", "研发投入强度", 2021, 2.2]), "b.csv")
    # Someone with the database and the disk swaps the readings of two uploads: refused all the same.
    ActualsImport.objects.filter(pk=second.pk).update(
        parsed_rows=first.parsed_rows.name, parsed_sha256=first.parsed_sha256
    )
    second.refresh_from_db()
    with pytest.raises(DamagedReading):
        commit(second, user=alice)


def test_the_pages_say_a_damaged_reading_and_offer_no_confirmation(charlie_client: Client) -> None:
    data = csv_bytes(wide(["研发投入强度", "%", 2.2, 2.41, 2.6]))
    response = charlie_client.post(reverse("import-upload"), {"file": SimpleUploadedFile("z.csv", data), "region": ""})
    record = ActualsImport.objects.get()
    page = charlie_client.get(response["Location"]).content.decode()
    digest = re.search(r'name="digest" value="([0-9a-f]{64})"', page).group(1)  # type: ignore[union-attr]
    reading(record).write_text(reading(record).read_text().replace("2.600000", "26.000000"))
    before = db_state()
    after = charlie_client.post(reverse("import-confirm", args=[record.pk]), {"digest": digest}, follow=True)
    assert after.status_code == 200
    text = after.content.decode()
    assert "SHA-256" in text and 'name="digest"' not in text
    assert db_state() == before
    record.refresh_from_db()
    assert record.status == ActualsImport.Status.PENDING


def test_a_value_stored_since_the_preview_makes_the_commit_stale(alice: User) -> None:
    record = pending(alice)
    store("410100", "rd_intensity", 2023, "2.5", origin="manual")
    with pytest.raises(StaleImport):
        commit(record, user=alice)
    assert stored("410100", "rd_intensity", 2023).value == Decimal("2.5")  # type: ignore[union-attr]


def test_rights_lost_since_the_preview_are_checked_again(charlie: User) -> None:
    record = pending(charlie)
    Membership.objects.filter(user=charlie).update(region=Region.objects.get(adcode="410200"))
    preview = stored_preview(record, user=charlie)
    assert any("may not enter values for" in p.text_en for p in preview.errors)
    with pytest.raises(StaleImport):
        commit(record, user=charlie)
    assert stored("410100", "rd_intensity", 2023) is None


def test_an_upload_kept_before_stored_readings_is_read_from_its_file(alice: User) -> None:
    record = pending(alice)
    reading(record).unlink()
    ActualsImport.objects.filter(pk=record.pk).update(parsed_rows="", parsed_sha256="")
    record.refresh_from_db()
    commit(record, user=alice)
    assert stored("410100", "rd_intensity", 2023).value == Decimal("2.6")  # type: ignore[union-attr]


def test_the_review_compares_the_stored_reading_with_the_approved_values(charlie: User, bob: User) -> None:
    record = pending(charlie)
    commit(record, user=charlie)
    record.refresh_from_db()
    assert record.status == ActualsImport.Status.SUBMITTED
    Path(record.file.path).write_bytes(b"unreadable now")
    shown = review(record)
    assert shown.preview.count("new") == 3 and not shown.stale
