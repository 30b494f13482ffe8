"""The read-only JSON API: access, shape, filters, numbers as numbers."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.test import Client
from rest_framework.authtoken.models import Token

from cities.models import Region
from indicators.models import Indicator
from indicators.services import observation_set
from plans.models import Target

ENDPOINTS = ["/api/v1/regions/", "/api/v1/indicators/", "/api/v1/plans/", "/api/v1/targets/", "/api/v1/observations/"]


@pytest.mark.parametrize("url", [*ENDPOINTS, "/api/v1/schema/"])
def test_it_requires_login(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize("url", ENDPOINTS)
def test_it_is_read_only(alice_client: Client, url: str) -> None:
    assert alice_client.post(url, {}, content_type="application/json").status_code == 405


@pytest.mark.parametrize("url", ENDPOINTS)
def test_it_paginates_every_list(charlie_client: Client, url: str) -> None:
    body = charlie_client.get(url).json()
    assert set(body) == {"count", "next", "previous", "results"}


def test_it_lists_henan_and_its_18_units(bob_client: Client) -> None:
    body = bob_client.get("/api/v1/regions/?page_size=100").json()
    assert body["count"] == 19
    by_code = {r["adcode"]: r for r in body["results"]}
    assert by_code["410000"] == {
        "adcode": "410000",
        "name_zh": "河南省",
        "name_en": "Henan",
        "level": "province",
        "parent": None,
    }
    assert {r["parent"] for code, r in by_code.items() if code != "410000"} == {"410000"}
    assert by_code["419001"]["name_zh"] == "济源市"


def test_it_filters_targets_by_region_and_indicator(bob_client: Client) -> None:
    body = bob_client.get("/api/v1/targets/?region=410100&indicator=rd_intensity").json()
    expected = Target.objects.filter(plan__region__adcode="410100", indicator__code="rd_intensity").count()
    assert body["count"] == expected >= 2  # table row and goals sentence
    row = next(t for t in body["results"] if t["section"] == "table")
    assert row["region"] == "410100"
    assert row["indicator"] == "rd_intensity"
    assert row["baseline_value"] == 2.31 and row["target_value"] == 3.0
    assert isinstance(row["plan"], int)
    assert row["quote"].startswith("1\n\n全社会研发经费支出占GDP的比重(%)")
    for field in [
        "id",
        "kind",
        "comparator",
        "baseline_year",
        "target_year",
        "target_value_max",
        "attribute",
        "note",
        "quote_line",
    ]:
        assert field in row


def test_it_returns_ranges_with_both_bounds(bob_client: Client) -> None:
    body = bob_client.get("/api/v1/targets/?region=410700&indicator=national_key_labs").json()
    row = next(t for t in body["results"] if t["section"] == "table")
    assert (row["comparator"], row["target_value"], row["target_value_max"]) == ("range", 1, 2)
    assert row["baseline_value"] is None


def test_it_caps_page_size_at_1000(bob_client: Client) -> None:
    body = bob_client.get("/api/v1/targets/?page_size=5000").json()
    assert body["count"] == Target.objects.count()
    assert len(body["results"]) == min(1000, Target.objects.count())
    small = bob_client.get("/api/v1/targets/?page_size=7").json()
    assert len(small["results"]) == 7 and small["next"] is not None


def test_it_filters_observations_and_returns_numbers(bob_client: Client) -> None:
    zz = Region.objects.get(adcode="410100")
    rd = Indicator.objects.get(code="rd_intensity")
    observation_set(region=zz, indicator=rd, year=2021, value=Decimal("2.45"), source="统计年鉴", origin="import")
    observation_set(region=zz, indicator=rd, year=2022, value=Decimal("2.6"), source="统计年鉴", origin="import")
    body = bob_client.get("/api/v1/observations/?region=410100&indicator=rd_intensity&year=2021").json()
    assert body["count"] == 1
    row = body["results"][0]
    assert (row["region"], row["indicator"], row["year"], row["value"], row["source"]) == (
        "410100",
        "rd_intensity",
        2021,
        2.45,
        "统计年鉴",
    )
    assert row["is_demo"] is False


def test_it_accepts_token_authentication(bob: User) -> None:
    token = Token.objects.create(user=bob)
    client = Client(headers={"Authorization": f"Token {token.key}"})
    assert client.get("/api/v1/plans/").status_code == 200
    bad = Client(headers={"Authorization": "Token not-a-token"})
    assert bad.get("/api/v1/plans/").status_code == 401


def test_it_includes_the_document_only_in_plan_detail(bob_client: Client) -> None:
    listing = bob_client.get("/api/v1/plans/?region__adcode=410700").json()
    assert listing["count"] == 1
    plan = listing["results"][0]
    assert "source_text" not in plan and plan["target_count"] > 7
    detail = bob_client.get(f"/api/v1/plans/{plan['id']}/").json()
    assert "新乡市“十四五”科技创新预期性指标" in detail["source_text"]


def test_it_serves_an_openapi_schema(bob_client: Client) -> None:
    response = bob_client.get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert {"/api/v1/targets/", "/api/v1/observations/"} <= set(schema["paths"])
