"""Period locks: a locked region × year (or a whole year) refuses every write of its actual values — the services,
an import's preview and commit (web and command), the admin — naming the lock; unlocking needs a reason; only
province staff and superusers lock (page, API, command)."""

from __future__ import annotations

import io
import re
import threading
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone, translation

from cities.models import Region
from config.api_errors import exception_handler
from config.middleware import LockedPeriodMiddleware
from imports.service import build_preview, commit, save_pending
from indicators.models import ActualsImport, Indicator, Observation, ObservationChange, PeriodLock
from indicators.services import (
    LockedPeriod,
    LockError,
    ObservationWrite,
    observation_delete,
    observation_set,
    observations_write_many,
    period_lock,
    period_unlock,
)
from plans.services import fixtures_load
from tests.spreadsheets import db_state, wide, xlsx_bytes

pytestmark = pytest.mark.django_db

ZZ_2023 = wide(["研发投入强度", "%", None, None, 2.6])  # Zhengzhou, 2023 only


def region(adcode: str) -> Region:
    return Region.objects.get(adcode=adcode)


def rd() -> Indicator:
    return Indicator.objects.get(code="rd_intensity")


def today() -> str:
    return timezone.localdate().isoformat()


def write(adcode: str, year: int, value: str, user: User | None = None) -> Observation:
    observation, _action = observation_set(region=region(adcode), indicator=rd(), year=year, value=Decimal(value))
    return observation


def test_a_locked_region_year_refuses_observation_set_naming_the_lock(bob: User) -> None:
    write("410100", 2023, "2.5")
    period_lock(region=region("410100"), year=2023, user=bob)
    before = db_state()
    with pytest.raises(LockedPeriod) as caught:
        observation_set(region=region("410100"), indicator=rd(), year=2023, value=Decimal("2.7"))
    with translation.override("zh-hans"):
        assert f"2023年 郑州市 已由 bob 于 {today()} 锁定" in str(caught.value)
    with translation.override("en"):
        assert f"2023 for Zhengzhou was locked by bob on {today()}" in str(caught.value)
    with pytest.raises(LockedPeriod):  # a new value too
        observation_set(region=region("410100"), indicator=rd(), year=2023, value=Decimal("1"), source="x", note="n")
    assert db_state() == before
    # Other years and other regions are untouched by the lock; an unchanged value is no change.
    write("410100", 2022, "2.4")
    write("410200", 2023, "1.9")
    assert observation_set(region=region("410100"), indicator=rd(), year=2023, value=Decimal("2.5"))[1] is None


def test_a_locked_value_cannot_be_deleted(bob: User) -> None:
    observation = write("410100", 2023, "2.5")
    period_lock(region=region("410100"), year=2023, user=bob)
    with pytest.raises(LockedPeriod):
        observation_delete(observation=observation)
    assert Observation.objects.filter(pk=observation.pk).exists()


def test_observations_write_many_is_refused_and_writes_nothing(bob: User) -> None:
    period_lock(region=region("410100"), year=2023, user=bob)
    writes = [
        ObservationWrite(region("410200").pk, rd().pk, 2023, Decimal("1.9"), "s", "", None),  # not locked
        ObservationWrite(region("410100").pk, rd().pk, 2023, Decimal("2.6"), "s", "", None),
    ]
    before = db_state()
    with pytest.raises(LockedPeriod, match=r"Zhengzhou|郑州"):
        observations_write_many(writes, origin="import", user=bob, reason="test")
    assert db_state() == before, "all or nothing"


def test_a_whole_year_lock_applies_to_every_region(bob: User) -> None:
    lock = period_lock(region=None, year=2023, user=bob)
    for adcode in ("410000", "410100", "410200", "411300"):
        with pytest.raises(LockedPeriod) as caught:
            write(adcode, 2023, "2")
        assert caught.value.lock == lock
    with translation.override("en"):
        assert "2023 for every region was locked by bob" in str(caught.value)
    write("410100", 2024, "2")  # another year is free


def test_a_lock_once_only_and_unlocking_needs_a_reason_and_is_recorded(bob: User, alice: User) -> None:
    lock = period_lock(region=region("410100"), year=2023, user=bob, reason="中期评估已发布")
    with pytest.raises(LockError):
        period_lock(region=region("410100"), year=2023, user=alice)
    for blank in ("", "   "):
        with pytest.raises(LockError):
            period_unlock(lock=lock, user=alice, reason=blank)
    lock.refresh_from_db()
    assert lock.is_active
    period_unlock(lock=lock, user=alice, reason="数据更正")
    lock.refresh_from_db()
    assert not lock.is_active and lock.unlocked_by == alice and lock.unlock_reason == "数据更正"
    assert lock.locked_by == bob and lock.reason == "中期评估已发布", "the lock stays as the record"
    write("410100", 2023, "2.5")  # writable again
    with pytest.raises(LockError):
        period_unlock(lock=lock, user=alice, reason="again")
    again = period_lock(region=region("410100"), year=2023, user=bob)  # a new lock, the old one kept
    assert PeriodLock.objects.filter(year=2023).count() == 2 and again.is_active


def test_charlie_may_not_lock_or_unlock_through_the_service(charlie: User, bob: User) -> None:
    with pytest.raises(PermissionDenied):
        period_lock(region=region("410100"), year=2023, user=charlie)
    lock = period_lock(region=region("410100"), year=2023, user=bob)
    with pytest.raises(PermissionDenied):
        period_unlock(lock=lock, user=charlie, reason="why not")
    assert PeriodLock.objects.get().is_active


# -------------------------------------------------------------------------------------------------- imports


def upload(client: Client, data: bytes) -> Any:
    return client.post(reverse("import-upload"), {"file": SimpleUploadedFile("zz.xlsx", data), "region": ""})


def test_the_preview_names_the_lock_as_an_error(charlie: User, charlie_client: Client, bob: User) -> None:
    period_lock(region=region("410100"), year=2023, user=bob)
    preview = build_preview(xlsx_bytes(ZZ_2023), "zz.xlsx", user=charlie)
    assert not preview.can_commit
    assert any(f"2023 for Zhengzhou was locked by bob on {today()}" in p.text_en for p in preview.errors)
    assert any(f"2023年 郑州市 已由 bob 于 {today()} 锁定" in p.text_zh for p in preview.errors)
    response = upload(charlie_client, xlsx_bytes(ZZ_2023))
    assert response.status_code == 200
    assert f"2023年 郑州市 已由 bob 于 {today()} 锁定" in response.content.decode()
    assert ActualsImport.objects.count() == 0 and Observation.objects.filter(year=2023).count() == 0


def test_a_lock_set_after_the_preview_refuses_the_confirmation(
    charlie: User, charlie_client: Client, bob: User
) -> None:
    response = upload(charlie_client, xlsx_bytes(ZZ_2023))
    assert response.status_code == 302
    record = ActualsImport.objects.get()
    page = charlie_client.get(response["Location"])
    digest = re.search(r'name="digest" value="([0-9a-f]{64})"', page.content.decode())
    assert digest
    period_lock(region=None, year=2023, user=bob)
    before = db_state()
    confirmed = charlie_client.post(
        reverse("import-confirm", args=[record.pk]), {"digest": digest.group(1)}, follow=True
    )
    assert confirmed.status_code == 200
    assert "2023年 全部地区 已由 bob" in confirmed.content.decode()
    assert db_state() == before
    record.refresh_from_db()
    assert record.status == "pending"
    with pytest.raises(LockedPeriod):
        commit(record, user=charlie)


def test_the_command_refuses_a_locked_period(tmp_path: Path, bob: User) -> None:
    period_lock(region=region("410100"), year=2023, user=bob)
    path = tmp_path / "zz.xlsx"
    path.write_bytes(xlsx_bytes(ZZ_2023))
    out = io.StringIO()
    before = db_state()
    with pytest.raises(CommandError) as caught:
        call_command("import_actuals", str(path), "--language", "en", stdout=out)
    assert caught.value.returncode == 1
    assert f"2023 for Zhengzhou was locked by bob on {today()}" in out.getvalue()
    assert db_state() == before


def test_a_commit_locked_between_preview_and_write_is_refused(charlie: User, bob: User) -> None:
    data = xlsx_bytes(ZZ_2023)
    preview = build_preview(data, "zz.xlsx", user=charlie)
    record = save_pending(preview, data, user=charlie)
    period_lock(region=region("410100"), year=2023, user=bob)
    with pytest.raises(LockedPeriod):
        commit(record, user=charlie)
    assert Observation.objects.filter(year=2023, region__adcode="410100").count() == 0


# ---------------------------------------------------------------------------------------------------- admin


def test_an_admin_edit_of_a_locked_value_is_a_form_error(alice_client: Client, bob: User) -> None:
    observation = write("410100", 2023, "2.5")
    period_lock(region=region("410100"), year=2023, user=bob)
    url = reverse("admin:indicators_observation_change", args=[observation.pk])
    alice_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = alice_client.post(url, {"value": "2.9", "source": "", "note": "", "origin": "manual"} | _inline())
    assert response.status_code == 200
    assert f"2023 for Zhengzhou was locked by bob on {today()}" in response.content.decode()
    observation.refresh_from_db()
    assert observation.value == Decimal("2.5")
    deleted = alice_client.post(reverse("admin:indicators_observation_delete", args=[observation.pk]), {"post": "yes"})
    assert deleted.status_code == 302 and Observation.objects.filter(pk=observation.pk).exists()
    bulk = alice_client.post(
        reverse("admin:indicators_observation_changelist"),
        {"action": "delete_selected", "_selected_action": [observation.pk], "post": "yes"},
    )
    assert Observation.objects.filter(pk=observation.pk).exists()
    assert "2023 for Zhengzhou was locked by bob" in bulk.content.decode()
    new = alice_client.post(
        reverse("admin:indicators_observation_add"),
        {"region": region("410200").pk, "indicator": rd().pk, "year": 2023, "value": "1", "origin": "manual"}
        | _inline(),
    )
    assert new.status_code == 302, "Kaifeng's 2023 is not locked"
    assert Observation.objects.filter(region__adcode="410200", year=2023).exists()
    period_lock(region=None, year=2022, user=bob)
    added = alice_client.post(
        reverse("admin:indicators_observation_add"),
        {"region": region("410200").pk, "indicator": rd().pk, "year": 2022, "value": "1", "origin": "manual"}
        | _inline(),
    )
    assert added.status_code == 200 and "2022 for every region was locked by bob" in added.content.decode()
    assert not Observation.objects.filter(region__adcode="410200", year=2022).exists()


def _inline() -> dict[str, str]:
    prefix = "changes"
    return {
        f"{prefix}-TOTAL_FORMS": "0",
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


# --------------------------------------------------------------------------------------------- the locks page


def test_province_staff_lock_and_unlock_on_the_page(bob: User, bob_client: Client) -> None:
    page = bob_client.get(reverse("locks"))
    assert page.status_code == 200
    assert 'href="/locks/"' in page.content.decode(), "the header links to it"
    done = bob_client.post(reverse("locks"), {"region": region("410100").pk, "year": 2023, "reason": "已发布"})
    assert done.status_code == 302
    lock = PeriodLock.objects.get()
    assert (lock.region, lock.year, lock.locked_by, lock.reason) == (region("410100"), 2023, bob, "已发布")
    twice = bob_client.post(reverse("locks"), {"region": region("410100").pk, "year": 2023})
    assert twice.status_code == 400 and "已锁定" in twice.content.decode()
    refused = bob_client.post(reverse("lock-unlock", args=[lock.pk]), {"reason": "  "})
    assert refused.status_code == 400
    lock.refresh_from_db()
    assert lock.is_active
    unlocked = bob_client.post(reverse("lock-unlock", args=[lock.pk]), {"reason": "更正统计数据"})
    assert unlocked.status_code == 302
    lock.refresh_from_db()
    assert not lock.is_active and lock.unlocked_by == bob and lock.unlock_reason == "更正统计数据"
    assert "更正统计数据" in bob_client.get(reverse("locks")).content.decode()
    whole = bob_client.post(reverse("locks"), {"region": "", "year": 2024})
    assert whole.status_code == 302 and PeriodLock.objects.get(year=2024).region is None


def test_the_page_is_refused_to_city_officials_and_needs_a_login(
    charlie_client: Client, client: Client, bob: User
) -> None:
    lock = period_lock(region=region("410100"), year=2023, user=bob)
    assert charlie_client.get(reverse("locks")).status_code == 403
    assert charlie_client.post(reverse("locks"), {"region": region("410100").pk, "year": 2024}).status_code == 403
    assert charlie_client.post(reverse("lock-unlock", args=[lock.pk]), {"reason": "x"}).status_code == 403
    assert 'href="/locks/"' not in charlie_client.get("/").content.decode()
    assert client.get(reverse("locks")).status_code == 302
    assert PeriodLock.objects.count() == 1 and PeriodLock.objects.get().is_active


def test_the_page_answers_405_and_404(bob_client: Client) -> None:
    assert bob_client.get(reverse("lock-unlock", args=[1])).status_code == 405
    assert bob_client.post(reverse("lock-unlock", args=[999999]), {"reason": "x"}).status_code == 404


# ------------------------------------------------------------------------------------------------------ API


def test_the_api_locks_lists_and_unlocks(bob_client: Client, bob: User, charlie_client: Client) -> None:
    created = bob_client.post("/api/v1/locks/", {"region": "410100", "year": 2023}, content_type="application/json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["region"] == "410100" and body["year"] == 2023 and body["active"] and body["locked_by"] == "bob"
    assert body["message_zh"] == f"2023年 郑州市 已由 bob 于 {today()} 锁定"
    whole = bob_client.post("/api/v1/locks/", {"region": None, "year": 2022}, content_type="application/json")
    assert whole.status_code == 201 and whole.json()["region"] is None
    again = bob_client.post("/api/v1/locks/", {"region": "410100", "year": 2023}, content_type="application/json")
    assert again.status_code == 409 and "2023" in again.json()["detail_en"]
    unknown = bob_client.post("/api/v1/locks/", {"region": "999999", "year": 2023}, content_type="application/json")
    assert unknown.status_code == 400
    listed = charlie_client.get("/api/v1/locks/")  # everyone signed in may see what is locked
    assert listed.status_code == 200 and listed.json()["count"] == 2
    url = f"/api/v1/locks/{body['id']}/"
    assert bob_client.delete(url, {}, content_type="application/json").status_code == 400, "a reason is required"
    assert bob_client.delete(url, {"reason": "更正"}, content_type="application/json").status_code == 204
    lock = PeriodLock.objects.get(pk=body["id"])
    assert not lock.is_active and lock.unlock_reason == "更正" and lock.unlocked_by == bob
    assert bob_client.delete(url, {"reason": "again"}, content_type="application/json").status_code == 409
    assert (
        bob_client.delete("/api/v1/locks/999999/", {"reason": "x"}, content_type="application/json").status_code == 404
    )


def test_the_api_refuses_charlie_and_anonymous(charlie_client: Client, client: Client, bob: User) -> None:
    lock = period_lock(region=region("410100"), year=2023, user=bob)
    payload = {"region": "410100", "year": 2024}
    assert charlie_client.post("/api/v1/locks/", payload, content_type="application/json").status_code == 403
    refused = charlie_client.delete(f"/api/v1/locks/{lock.pk}/", {"reason": "x"}, content_type="application/json")
    assert refused.status_code == 403
    assert client.get("/api/v1/locks/").status_code in (401, 403)
    assert charlie_client.put(f"/api/v1/locks/{lock.pk}/", payload, content_type="application/json").status_code in (
        403,
        405,
    )
    assert PeriodLock.objects.count() == 1 and PeriodLock.objects.get().is_active


def test_an_api_write_into_a_locked_period_is_a_409_naming_the_lock(bob: User) -> None:
    """No API view writes actuals yet (approvals will): the handler every API view shares turns the service's
    refusal into 409 with the lock named, never a 500."""
    period_lock(region=region("410100"), year=2023, user=bob)
    try:
        write("410100", 2023, "2.6")
    except LockedPeriod as locked:
        refusal = locked
    response = exception_handler(refusal, {})
    assert response is not None and response.status_code == 409
    assert f"2023 for Zhengzhou was locked by bob on {today()}" in response.data["detail_en"]
    assert f"2023年 郑州市 已由 bob 于 {today()} 锁定" in response.data["detail_zh"]


# -------------------------------------------------------------------------------------------------- command


def lock_command(*args: str) -> str:
    out = io.StringIO()
    call_command("lock_period", *args, "--language", "en", stdout=out)
    return out.getvalue()


def test_the_command_locks_and_unlocks(bob: User) -> None:
    assert "2023 for Zhengzhou was locked by bob" in lock_command(
        "--region", "410100", "--year", "2023", "--user", "bob"
    )
    with pytest.raises(LockedPeriod):
        write("410100", 2023, "2")
    with pytest.raises(CommandError) as caught:
        lock_command("--region", "410100", "--year", "2023", "--user", "bob", "--unlock")
    assert caught.value.returncode == 1 and "reason" in str(caught.value)
    assert PeriodLock.objects.get().is_active
    lock_command("--region", "410100", "--year", "2023", "--user", "bob", "--unlock", "--reason", "更正")
    lock = PeriodLock.objects.get()
    assert not lock.is_active and lock.unlock_reason == "更正"
    lock_command("--year", "2024", "--user", "bob")
    assert PeriodLock.objects.get(year=2024).region is None


def test_the_command_refuses_charlie(charlie: User, bob: User) -> None:
    for args in (("--year", "2023", "--user", "charlie"), ("--year", "2023", "--user", "nobody")):
        with pytest.raises(CommandError) as caught:
            lock_command(*args)
        assert caught.value.returncode == 1
    period_lock(region=None, year=2023, user=bob)
    with pytest.raises(CommandError) as caught:
        lock_command("--year", "2023", "--user", "charlie", "--unlock", "--reason", "x")
    assert caught.value.returncode == 1 and "charlie" in str(caught.value)
    assert PeriodLock.objects.get().is_active
    assert ObservationChange.objects.count() == 0


def test_a_web_page_whose_write_meets_a_lock_answers_409_naming_it(bob: User, charlie: User) -> None:
    """Views that do not catch the refusal themselves (approvals, later pages) get a 409 page, never a 500."""
    period_lock(region=region("410100"), year=2023, user=bob)
    try:
        write("410100", 2023, "2.6")
    except LockedPeriod as locked:
        refusal = locked
    request = RequestFactory().post("/somewhere/")
    request.user = charlie
    request.session = {}  # type: ignore[assignment]
    request._messages = []  # type: ignore[attr-defined]
    with translation.override("zh-hans"):
        response = LockedPeriodMiddleware(lambda r: HttpResponse()).process_exception(request, refusal)
    assert response is not None and response.status_code == 409
    assert f"2023年 郑州市 已由 bob 于 {today()} 锁定" in response.content.decode()
    assert LockedPeriodMiddleware(lambda r: HttpResponse()).process_exception(request, ValueError()) is None


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs two real connections (PostgreSQL)")
@pytest.mark.django_db(transaction=True)
def test_a_write_racing_a_lock_being_set_waits_and_then_sees_it() -> None:
    """The lock is set under the writers' own per-region lock: a write that starts while a lock is being set waits
    for it and is refused, instead of reading "no lock" and writing into the period just locked."""
    fixtures_load()
    admin = User.objects.create_superuser("root", password="x")
    locked, done = threading.Event(), threading.Event()
    outcome: dict[str, Any] = {}

    def set_lock() -> None:
        try:
            with transaction.atomic():
                period_lock(region=region("410100"), year=2023, user=admin)
                locked.set()
                time.sleep(1)  # the writer is waiting meanwhile
        finally:
            connection.close()

    def writer() -> None:
        try:
            locked.wait(timeout=30)
            write("410100", 2023, "2.6")
            outcome["result"] = "written"
        except LockedPeriod as refusal:
            outcome["result"] = refusal
        finally:
            done.set()
            connection.close()

    threads = [threading.Thread(target=set_lock), threading.Thread(target=writer)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert done.is_set() and isinstance(outcome["result"], LockedPeriod)
    assert not Observation.objects.filter(region__adcode="410100", year=2023).exists()
