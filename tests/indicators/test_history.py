"""The history of actual values: every write through indicators.services, and through the admin, is recorded."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from cities.models import Region
from indicators.models import Indicator, Observation, ObservationChange
from indicators.services import observation_delete, observation_set


@pytest.fixture
def zhengzhou(db: None) -> Region:
    return Region.objects.get(adcode="410100")


@pytest.fixture
def rd(db: None) -> Indicator:
    return Indicator.objects.get(code="rd_intensity")


@pytest.fixture
def obs(zhengzhou: Region, rd: Indicator, alice: User) -> Observation:
    created, _action = observation_set(
        region=zhengzhou, indicator=rd, year=2023, value=Decimal("2.5"), source="统计公报 2023", user=alice
    )
    return created


def history(observation: Observation) -> list[ObservationChange]:
    return list(
        ObservationChange.objects.filter(
            region=observation.region, indicator=observation.indicator, year=observation.year
        ).order_by("id")
    )


def change_url(observation: Observation) -> str:
    return f"/admin/indicators/observation/{observation.pk}/change/"


def form_data(response: Any, **overrides: object) -> dict[str, object]:
    """What the browser would post back: the admin form and its inline formsets as rendered, plus overrides."""
    data: dict[str, object] = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    for form in forms:
        for bound in form:
            value = bound.value()
            data[bound.html_name] = "" if value is None else value
    data.update(overrides)
    return data


# ---------------------------------------------------------------- the service


def test_it_records_who_created_a_value_when_and_what(zhengzhou: Region, rd: Indicator, alice: User) -> None:
    before = timezone.now()
    created, action = observation_set(
        region=zhengzhou, indicator=rd, year=2023, value=Decimal("2.5"), source="统计公报 2023", user=alice
    )
    assert action == "create"
    [row] = history(created)
    assert (row.action, row.observation_id, row.changed_by) == ("create", created.pk, alice)
    assert (row.old_value, row.new_value, row.new_source) == (None, Decimal("2.5"), "统计公报 2023")
    assert before <= row.changed_at <= timezone.now()
    assert created.updated_by == alice


def test_it_records_old_and_new_value_and_the_reason_of_an_update(obs: Observation, bob: User) -> None:
    updated, action = observation_set(
        region=obs.region,
        indicator=obs.indicator,
        year=2023,
        value=Decimal("2.7"),
        source="统计年鉴 2024",
        user=bob,
        reason="年鉴修订",
    )
    assert action == "update"
    assert updated.pk == obs.pk
    create, update = history(obs)
    assert create.action == "create"
    assert (update.action, update.changed_by, update.reason) == ("update", bob, "年鉴修订")
    assert (update.old_value, update.new_value) == (Decimal("2.5"), Decimal("2.7"))
    assert (update.old_source, update.new_source) == ("统计公报 2023", "统计年鉴 2024")
    obs.refresh_from_db()
    assert (obs.value, obs.updated_by) == (Decimal("2.7"), bob)


def test_it_writes_nothing_when_the_same_value_is_set_again(obs: Observation, bob: User) -> None:
    stamp = Observation.objects.get(pk=obs.pk).updated_at
    same, action = observation_set(
        region=obs.region, indicator=obs.indicator, year=2023, value=Decimal("2.500"), source="统计公报 2023", user=bob
    )
    assert action is None
    assert same.pk == obs.pk
    assert len(history(obs)) == 1
    refreshed = Observation.objects.get(pk=obs.pk)
    assert (refreshed.updated_at, refreshed.updated_by) == (stamp, obs.updated_by)


def test_it_keeps_the_history_when_a_value_is_deleted(obs: Observation, alice: User) -> None:
    current, _action = observation_set(
        region=obs.region, indicator=obs.indicator, year=2023, value=Decimal("2.6"), source="x", user=alice
    )
    observation_delete(observation=current, user=alice, reason="重复录入")
    assert not Observation.objects.filter(region=obs.region, indicator=obs.indicator, year=2023).exists()
    rows = history(obs)
    assert [row.action for row in rows] == ["create", "update", "delete"]
    assert all(row.observation_id is None for row in rows)
    assert {(row.region.adcode, row.indicator.code, row.year) for row in rows} == {("410100", "rd_intensity", 2023)}
    deleted = rows[-1]
    assert (deleted.old_value, deleted.new_value, deleted.old_source) == (Decimal("2.6"), None, "x")
    assert (deleted.changed_by, deleted.reason) == (alice, "重复录入")


def test_it_records_the_stored_value_when_deleting_through_a_stale_instance(obs: Observation, bob: User) -> None:
    observation_set(region=obs.region, indicator=obs.indicator, year=2023, value=Decimal("2.6"), source="x", user=bob)
    observation_delete(observation=obs, user=bob)  # obs still holds 2.5 / 统计公报 2023
    deleted = history(obs)[-1]
    assert (deleted.action, deleted.old_value, deleted.old_source) == ("delete", Decimal("2.6"), "x")


# ---------------------------------------------------------------- the admin


def test_it_records_an_admin_edit_with_the_admin_user(obs: Observation, alice_client: Client, alice: User) -> None:
    page = alice_client.get(change_url(obs))
    assert page.status_code == 200
    response = alice_client.post(change_url(obs), form_data(page, value="2.9", source="年鉴"))
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    change = history(obs)[-1]
    assert (change.action, change.changed_by) == ("update", alice)
    assert (change.old_value, change.new_value, change.new_source) == (Decimal("2.5"), Decimal("2.9"), "年鉴")
    assert Observation.objects.get(pk=obs.pk).value == Decimal("2.9")


def test_it_records_an_admin_addition(zhengzhou: Region, rd: Indicator, alice_client: Client, alice: User) -> None:
    page = alice_client.get("/admin/indicators/observation/add/")
    data = form_data(page, region=zhengzhou.pk, indicator=rd.pk, year=2022, value="1.8", source="公报", origin="manual")
    response = alice_client.post("/admin/indicators/observation/add/", data)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    created = Observation.objects.get(region=zhengzhou, indicator=rd, year=2022)
    [row] = history(created)
    assert (row.action, row.changed_by, row.new_value, row.observation_id) == (
        "create",
        alice,
        Decimal("1.8"),
        created.pk,
    )


def test_it_writes_no_history_for_an_unchanged_admin_save(obs: Observation, alice_client: Client) -> None:
    page = alice_client.get(change_url(obs))
    assert alice_client.post(change_url(obs), form_data(page)).status_code == 302
    assert len(history(obs)) == 1


def test_it_records_an_admin_deletion(obs: Observation, alice_client: Client, alice: User) -> None:
    url = f"/admin/indicators/observation/{obs.pk}/delete/"
    assert alice_client.get(url).status_code == 200
    assert alice_client.post(url, {"post": "yes"}).status_code == 302
    assert not Observation.objects.filter(pk=obs.pk).exists()
    deleted = history(obs)[-1]
    assert (deleted.action, deleted.changed_by, deleted.old_value, deleted.new_value) == (
        "delete",
        alice,
        Decimal("2.5"),
        None,
    )


def test_it_records_a_bulk_deletion_from_the_changelist(obs: Observation, alice_client: Client, alice: User) -> None:
    response = alice_client.post(
        "/admin/indicators/observation/", {"action": "delete_selected", "_selected_action": [obs.pk], "post": "yes"}
    )
    assert response.status_code == 302
    assert not Observation.objects.filter(pk=obs.pk).exists()
    assert [(row.action, row.changed_by) for row in history(obs)] == [("create", alice), ("delete", alice)]


def test_it_lets_provincial_staff_edit_a_value_in_the_admin(obs: Observation, bob_client: Client, bob: User) -> None:
    page = bob_client.get(change_url(obs))
    assert page.status_code == 200
    response = bob_client.post(change_url(obs), form_data(page, value="3.1"))
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    change = history(obs)[-1]
    assert (change.action, change.changed_by, change.old_value, change.new_value) == (
        "update",
        bob,
        Decimal("2.5"),
        Decimal("3.1"),
    )


def test_it_sends_a_city_official_to_the_admin_login(obs: Observation, charlie_client: Client) -> None:
    response = charlie_client.get(change_url(obs))
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    response = charlie_client.post(change_url(obs), {"value": "9"})
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert Observation.objects.get(pk=obs.pk).value == Decimal("2.5")
    assert len(history(obs)) == 1


def test_it_offers_no_way_to_add_change_or_delete_history(obs: Observation, alice_client: Client) -> None:
    row = history(obs)[0]
    base = "/admin/indicators/observationchange/"
    assert alice_client.get(f"{base}add/").status_code == 403
    assert alice_client.get(f"{base}{row.pk}/delete/").status_code == 403
    assert alice_client.post(f"{base}{row.pk}/delete/", {"post": "yes"}).status_code == 403
    changelist = alice_client.get(base)
    assert changelist.status_code == 200
    assert "delete_selected" not in changelist.content.decode()
    bulk = alice_client.post(base, {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"})
    assert bulk.status_code in (200, 302)
    view = alice_client.get(f"{base}{row.pk}/change/")
    assert view.status_code == 200  # view only
    assert not view.context["has_change_permission"]
    assert alice_client.post(f"{base}{row.pk}/change/", {"reason": "rewritten"}).status_code == 403
    row.refresh_from_db()
    assert row.reason == ""
