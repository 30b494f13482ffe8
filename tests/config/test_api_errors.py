"""The read-only API answers bad addresses and bad filter values with 400/404, never 500.

Integers beyond 64 bits overflow SQLite's driver (OverflowError) and decimals were silently truncated (plan=1.5
meant plan 1): every integer filter of every viewset goes through one bounded filter class.
"""

from __future__ import annotations

import pytest
from django.test import Client

from plans.models import Plan

HUGE = "99999999999999999999"  # > 2**64

# Every integer filter the API offers, with the list it filters.
INTEGER_FILTERS = [
    ("/api/v1/targets/", "plan"),
    ("/api/v1/observations/", "year"),
    ("/api/v1/observations/", "year_min"),
    ("/api/v1/observations/", "year_max"),
    ("/api/v1/plans/", "period_start"),
    ("/api/v1/plans/", "period_end"),
]
LISTS = ["/api/v1/regions/", "/api/v1/indicators/", "/api/v1/plans/", "/api/v1/targets/", "/api/v1/observations/"]


@pytest.fixture
def api(bob_client: Client) -> Client:
    # A server error must reach the test as a response, not be re-raised into it.
    bob_client.raise_request_exception = False
    return bob_client


@pytest.mark.parametrize(("url", "name"), INTEGER_FILTERS)
@pytest.mark.parametrize("value", [HUGE, f"-{HUGE}", "1e400", "1.5", "x"])
def test_an_integer_filter_out_of_range_or_not_an_integer_is_a_400_naming_the_field(
    api: Client, url: str, name: str, value: str
) -> None:
    response = api.get(url, {name: value})
    assert response.status_code == 400, response.content
    assert name in response.json()


@pytest.mark.parametrize(("url", "name"), INTEGER_FILTERS)
@pytest.mark.parametrize("value", [str(2**63 - 1), str(-(2**63))])
def test_an_integer_filter_at_the_64_bit_bounds_answers(api: Client, url: str, name: str, value: str) -> None:
    response = api.get(url, {name: value})
    assert response.status_code == 200, response.content
    # year_min=-2**63 and year_max=2**63-1 match every row; every other bound matches none.
    matches_all = (name, value.startswith("-")) in {("year_min", True), ("year_max", False)}
    assert response.json()["count"] == (api.get(url).json()["count"] if matches_all else 0)


def test_the_bounded_filter_still_filters(api: Client) -> None:
    plan = Plan.objects.get(slug="zhengzhou")
    body = api.get("/api/v1/targets/", {"plan": str(plan.pk), "page_size": "1000"}).json()
    assert body["count"] == plan.targets.count() > 0
    assert {row["plan"] for row in body["results"]} == {plan.pk}
    assert api.get("/api/v1/plans/", {"period_start": "2021"}).json()["count"] == Plan.objects.count()


@pytest.mark.parametrize("url", LISTS)
@pytest.mark.parametrize("page", [HUGE, "1e400", "-1", "x"])
def test_a_page_out_of_range_is_a_404(api: Client, url: str, page: str) -> None:
    response = api.get(url, {"page": page})
    assert response.status_code == 404, response.content
    assert response.json() == {"detail": "无效页面。"}


@pytest.mark.parametrize("url", LISTS)
def test_a_huge_page_size_is_capped(api: Client, url: str) -> None:
    assert api.get(url, {"page_size": HUGE}).status_code == 200


@pytest.mark.parametrize("url", ["/api/v1/plans/{}/", "/api/v1/targets/{}/", "/api/v1/plans/{}/consistency/"])
@pytest.mark.parametrize("pk", [HUGE, f"-{HUGE}", "1e400", "x"])
def test_a_detail_address_with_a_huge_or_bad_id_is_a_404(api: Client, url: str, pk: str) -> None:
    assert api.get(url.format(pk)).status_code == 404


@pytest.mark.parametrize("value", [HUGE, "x"])
def test_the_progress_api_refuses_a_huge_plan_with_400(api: Client, value: str) -> None:
    response = api.get("/api/v1/progress/", {"region": "410000", "plan": value})
    assert response.status_code == 400 and "plan" in response.json()


# ------------------------------------------------------------------------------------------ format suffixes


def test_the_consistency_check_answers_with_a_json_suffix(api: Client) -> None:
    plan = Plan.objects.get(slug="zhengzhou")
    plain = api.get(f"/api/v1/plans/{plan.pk}/consistency/")
    suffixed = api.get(f"/api/v1/plans/{plan.pk}/consistency.json")
    assert suffixed.status_code == 200, suffixed.content
    assert suffixed["Content-Type"] == "application/json"
    assert suffixed.json() == plain.json()


@pytest.mark.parametrize("pk", ["0", HUGE])
def test_the_consistency_check_of_an_unknown_plan_with_a_suffix_is_a_404(api: Client, pk: str) -> None:
    assert api.get(f"/api/v1/plans/{pk}/consistency.json").status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/regions.json",
        "/api/v1/regions/410100.json",
        "/api/v1/indicators.json",
        "/api/v1/indicators/rd_intensity.json",
        "/api/v1/plans.json",
        "/api/v1/plans/{plan}.json",
        "/api/v1/plans/{plan}/consistency.json",
        "/api/v1/targets.json",
        "/api/v1/targets/{target}.json",
        "/api/v1/observations.json",
        "/api/v1/.json",
    ],
)
def test_every_address_answers_with_a_json_suffix(api: Client, url: str) -> None:
    plan = Plan.objects.get(slug="zhengzhou")
    response = api.get(url.format(plan=plan.pk, target=plan.targets.first().pk))  # type: ignore[union-attr]
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize("suffix", ["xml", "csv", "yaml", "html"])
def test_an_unknown_format_suffix_is_a_404(api: Client, suffix: str) -> None:
    plan = Plan.objects.get(slug="zhengzhou")
    for url in (f"/api/v1/plans/{plan.pk}/consistency.{suffix}", f"/api/v1/plans.{suffix}"):
        assert api.get(url).status_code == 404, url
