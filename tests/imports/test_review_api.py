"""The review cycle through the API: observation rows carry their status, ?include=submitted adds the values
awaiting review, /api/v1/imports/ lists imports by status and region, approve and return need the review right."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from cities.models import Membership, Region
from imports.service import send_back
from indicators.models import ActualsImport, ObservationChange
from tests.conftest import _user
from tests.spreadsheets import csv_bytes, imported, long, store, years_stored

pytestmark = pytest.mark.django_db


def submitted(user: User, *rows: list[object]) -> ActualsImport:
    body = rows or (["410100", "研发投入强度", 2023, 2.5],)
    _, record = imported(csv_bytes(long(*body)), "zhengzhou.csv", user=user)
    assert record.status == ActualsImport.Status.SUBMITTED
    return record


def observations(client: Client, **query: Any) -> list[dict[str, Any]]:
    response = client.get("/api/v1/observations/", {"region": "410100", "indicator": "rd_intensity", **query})
    assert response.status_code == 200, response.content
    results: list[dict[str, Any]] = response.json()["results"]
    return results


def test_observation_rows_carry_their_status_and_submitted_values_only_on_request(
    charlie: User, bob_client: Client
) -> None:
    store("410100", "rd_intensity", 2021, "2.2")  # demo
    store("410100", "rd_intensity", 2022, "2.35", origin="manual")
    submitted(charlie, ["410100", "研发投入强度", 2022, 2.4], ["410100", "研发投入强度", 2023, 2.5])
    rows = observations(bob_client)
    assert [(r["year"], r["value"], r["status"]) for r in rows] == [(2021, 2.2, "demo"), (2022, 2.35, "approved")]
    rows = observations(bob_client, include="submitted")
    assert [(r["year"], r["value"], r["status"]) for r in rows] == [
        (2021, 2.2, "demo"),
        (2022, 2.35, "approved"),
        (2022, 2.4, "submitted"),
        (2023, 2.5, "submitted"),
    ]
    assert all(r["actuals_import"] is not None for r in rows if r["status"] == "submitted")
    assert bob_client.get("/api/v1/observations/", {"include": "everything"}).status_code == 400


def test_returned_values_are_never_shown(charlie: User, bob: User, bob_client: Client) -> None:
    record = submitted(charlie)
    send_back(record, reviewer=bob, comment="请更正")
    assert observations(bob_client, include="submitted") == []


def test_progress_uses_approved_values_unless_submitted_are_included(charlie: User, bob_client: Client) -> None:
    submitted(charlie, ["410100", "研发投入强度", 2023, 2.9])
    query: dict[str, str | int] = {"region": "410100", "indicator": "rd_intensity", "year": 2023}
    plain = bob_client.get("/api/v1/progress/", query).json()["results"]
    assert plain and all(row["actual"] is None and row["actual_status"] is None for row in plain)
    included = bob_client.get("/api/v1/progress/", {**query, "include": "submitted"}).json()["results"]
    assert all(row["actual"] == 2.9 and row["actual_status"] == "submitted" for row in included)
    assert bob_client.get("/api/v1/progress/", {**query, "include": "all"}).status_code == 400


def test_imports_are_listed_by_status_and_region(charlie: User, bob: User, bob_client: Client) -> None:
    first = submitted(charlie)
    second = submitted(charlie, ["410100", "研发投入强度", 2022, 2.4])
    send_back(second, reviewer=bob, comment="请核对")
    response = bob_client.get("/api/v1/imports/", {"status": "submitted"})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 1
    [row] = body["results"]
    assert set(row) >= {"id", "status", "regions", "submitted_by", "submitted_at", "reviewed_by", "reviewed_at"}
    assert (row["id"], row["status"], row["regions"], row["submitted_by"]) == (
        first.pk,
        "submitted",
        ["410100"],
        "charlie",
    )
    assert row["counts"]["new"] == 1
    [returned] = bob_client.get("/api/v1/imports/", {"status": "returned", "region": "410100"}).json()["results"]
    assert (returned["id"], returned["comment"], returned["reviewed_by"]) == (second.pk, "请核对", "bob")
    assert bob_client.get("/api/v1/imports/", {"region": "410200"}).json()["count"] == 0
    assert bob_client.get("/api/v1/imports/", {"status": "pending"}).status_code == 400


def test_a_city_official_sees_only_their_regions_imports(charlie: User, charlie_client: Client) -> None:
    kaifeng = _user("dora", "410200", group="city_official")
    mine = submitted(charlie)
    theirs = submitted(kaifeng, ["410200", "研发投入强度", 2023, 1.9])
    ids = [row["id"] for row in charlie_client.get("/api/v1/imports/").json()["results"]]
    assert ids == [mine.pk]
    assert charlie_client.get(f"/api/v1/imports/{theirs.pk}/").status_code == 404
    assert Membership.objects.get(user=kaifeng).region == Region.objects.get(adcode="410200")


def test_bob_approves_through_the_api(charlie: User, bob: User, bob_client: Client) -> None:
    record = submitted(charlie)
    response = bob_client.post(
        f"/api/v1/imports/{record.pk}/approve/", {"comment": "核实无误"}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["id"], body["status"], body["reviewed_by"], body["comment"]) == (
        record.pk,
        "approved",
        "bob",
        "核实无误",
    )
    assert years_stored("410100", "rd_intensity") == {2023: Decimal("2.5")}
    change = ObservationChange.objects.get(actuals_import=record)
    assert (change.changed_by, change.approved_by) == (charlie, bob)
    [row] = observations(bob_client)
    assert row["status"] == "approved"
    again = bob_client.post(f"/api/v1/imports/{record.pk}/approve/", {}, content_type="application/json")
    assert again.status_code == 409 and "status" in again.json()


def test_bob_returns_through_the_api_with_a_comment(charlie: User, bob_client: Client) -> None:
    record = submitted(charlie)
    url = f"/api/v1/imports/{record.pk}/return/"
    empty = bob_client.post(url, {"comment": ""}, content_type="application/json")
    assert empty.status_code == 409 and "comment" in empty.json()
    response = bob_client.post(url, {"comment": "请更正2023年"}, content_type="application/json")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["comment"]) == ("returned", "请更正2023年")
    assert years_stored("410100", "rd_intensity") == {}


def test_a_stale_approval_through_the_api_is_refused(charlie: User, bob_client: Client) -> None:
    record = submitted(charlie)
    store("410100", "rd_intensity", 2023, "2.2", origin="manual")
    response = bob_client.post(f"/api/v1/imports/{record.pk}/approve/", {}, content_type="application/json")
    assert response.status_code == 409
    assert years_stored("410100", "rd_intensity") == {2023: Decimal("2.2")}


@pytest.mark.parametrize("what", ["approve", "return"])
def test_the_submitter_may_not_review_through_the_api(charlie: User, charlie_client: Client, what: str) -> None:
    record = submitted(charlie)
    response = charlie_client.post(
        f"/api/v1/imports/{record.pk}/{what}/", {"comment": "ok"}, content_type="application/json"
    )
    assert response.status_code == 403
    record.refresh_from_db()
    assert record.status == "submitted"


@pytest.mark.parametrize("what", ["approve", "return"])
def test_review_endpoints_take_post_only_and_need_a_login(charlie: User, bob_client: Client, what: str) -> None:
    record = submitted(charlie)
    assert bob_client.get(f"/api/v1/imports/{record.pk}/{what}/").status_code == 405
    assert bob_client.post(f"/api/v1/imports/{record.pk + 999}/{what}/", {"comment": "x"}).status_code == 404
    assert Client().post(f"/api/v1/imports/{record.pk}/{what}/", {"comment": "x"}).status_code in (401, 403)
    assert Client().get(reverse("import-list")).status_code in (401, 403)


def test_approve_and_return_answer_with_the_format_suffix_too(charlie: User, bob: User) -> None:
    """The router also routes approve.json and return.json; the actions take its `format` (was a 500)."""
    token = Token.objects.create(user=bob)
    scripted = Client(headers={"Authorization": f"Token {token.key}"})
    first, second = submitted(charlie), submitted(charlie, ["410100", "研发投入强度", 2022, 2.4])
    approved = scripted.post(f"/api/v1/imports/{first.pk}/approve.json", {}, content_type="application/json")
    assert approved.status_code == 200, approved.content
    assert approved.json()["status"] == "approved"
    returned = scripted.post(
        f"/api/v1/imports/{second.pk}/return.json", {"comment": "请核对"}, content_type="application/json"
    )
    assert returned.status_code == 200, returned.content
    second.refresh_from_db()
    assert second.status == ActualsImport.Status.RETURNED and second.review_comment == "请核对"
