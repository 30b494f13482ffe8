"""Finding one's way: /cities/ and /indicators/ indexes, the search, breadcrumbs, previous / next city."""

from __future__ import annotations

import io
import re

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cities.models import Region
from dashboard.navigation import SEARCH_LIMIT, SEARCH_MAX_LENGTH
from indicators.models import Indicator
from plans.models import Plan, Target
from plans.selectors import evaluate_targets, targets_for

pytestmark = pytest.mark.django_db

PLAN_CITIES = ["410100", "410200", "410700", "411100", "411300"]  # the five plans, by adcode


def get(client: Client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.content.decode()


@pytest.mark.parametrize("url", ["/cities/", "/indicators/", "/search/?q=郑州", "/help/"])
def test_it_sends_anonymous_users_to_login(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_city_index_lists_every_region_with_a_plan_by_province(charlie_client: Client) -> None:
    html = get(charlie_client, "/cities/")
    group = re.search(r'<section class="region-group" id="region-410000".*?</section>', html, re.S)
    assert group, "Henan's group"
    rows = re.findall(r'<tr id="city-(\d{6})">', group.group(0))
    assert rows == PLAN_CITIES  # by adcode; regions without a plan are left out
    for plan in Plan.objects.select_related("region"):
        assert f'href="/cities/{plan.region.adcode}/"' in html
        assert f'href="/plans/{plan.pk}/"' in html and plan.title in html


def test_the_city_index_counts_each_status_as_the_city_page_does(charlie_client: Client) -> None:
    html = get(charlie_client, "/cities/")
    region = Region.objects.get(adcode="410700")
    expected: dict[str, int] = {}
    for item in evaluate_targets(targets_for(region=region, below=False)):
        expected[item.status] = expected.get(item.status, 0) + 1
    row = re.search(r'<tr id="city-410700">(.*?)</tr>', html, re.S).group(1)  # type: ignore[union-attr]
    found = {
        s: int(n)
        for s, n in re.findall(
            r'<li data-status="(\w+)"><a class="status-link"[^>]*><span[^>]*>[^<]*</span></a> (\d+)</li>', row
        )
    }
    assert found == expected and sum(found.values()) == 74
    assert f">{sum(expected.values())}</td>" in row


def test_the_indicator_index_groups_the_catalogue_with_units_and_target_counts(charlie_client: Client) -> None:
    html = get(charlie_client, "/indicators/")
    for indicator in Indicator.objects.all():
        assert f'href="/indicators/{indicator.code}/"' in html
    rd = Indicator.objects.get(code="rd_intensity")
    row = re.search(r'<tr id="indicator-rd_intensity">(.*?)</tr>', html, re.S).group(1)  # type: ignore[union-attr]
    assert rd.name_zh in row and "<td>%</td>" in row
    assert f'data-targets="{Target.objects.filter(indicator=rd).count()}"' in row
    assert re.findall(r'<section class="indicator-group" id="measure-(\w+)"', html) == ["stock", "flow", "ratio"]
    # the index does not swallow the indicator pages
    assert get(charlie_client, "/indicators/rd_intensity/").count("研发投入强度") > 0


def test_the_search_finds_regions_indicators_and_target_sentences(charlie_client: Client) -> None:
    html = get(charlie_client, "/search/?q=郑州")
    regions = re.search(r'id="results-regions".*?</section>', html, re.S).group(0)  # type: ignore[union-attr]
    assert 'href="/cities/410100/"' in regions
    assert 'href="/cities/410100/"' in get(charlie_client, "/search/?q=410100")
    html = get(charlie_client, "/search/?q=研发")
    indicators = re.search(r'id="results-indicators".*?</section>', html, re.S).group(0)  # type: ignore[union-attr]
    assert 'href="/indicators/rd_intensity/"' in indicators
    # by an alias only: 全社会研发经费支出占GDP的比重 is one of R&D intensity's aliases, not its name
    assert 'href="/indicators/rd_intensity/"' in get(charlie_client, "/search/?q=全社会研发经费支出占GDP")
    target = Plan.objects.get(slug="xinxiang").targets.filter(quote__contains="新培育").first()
    assert target is not None
    fragment = target.quote[target.quote.index("新培育") :][:10]
    html = get(charlie_client, f"/search/?q={fragment}")
    hits = re.search(r'id="results-targets".*?</section>', html, re.S).group(0)  # type: ignore[union-attr]
    assert f'href="/cities/410700/#target-{target.pk}"' in hits and fragment in hits


def test_the_search_bounds_its_results_and_its_query(charlie_client: Client) -> None:
    html = get(charlie_client, "/search/?q=20")  # hundreds of sentences hold "20"
    hits = re.search(r'id="results-targets".*?</section>', html, re.S).group(0)  # type: ignore[union-attr]
    assert hits.count("<li>") == SEARCH_LIMIT and "缩小搜索范围" in hits
    page = get(charlie_client, "/search/?q=" + "研" * (SEARCH_MAX_LENGTH + 1), status=400)
    assert "搜索内容过长" in page and str(SEARCH_MAX_LENGTH) in page
    get(charlie_client, "/search/?q=" + "研" * SEARCH_MAX_LENGTH)


def test_the_search_escapes_what_it_is_given(charlie_client: Client) -> None:
    html = get(charlie_client, "/search/?q=<script>alert(1)</script>")
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>" not in html


def test_the_search_takes_control_characters_out(charlie_client: Client) -> None:
    html = get(charlie_client, "/search/?q=郑%00州")  # PostgreSQL refuses a NUL in a parameter: never a 500
    assert 'href="/cities/410100/"' in html


def test_the_header_has_a_search_box_that_works_without_script(charlie_client: Client) -> None:
    html = get(charlie_client, "/")
    form = re.search(r'<form method="get" action="/search/" role="search".*?</form>', html, re.S)
    assert form and 'name="q"' in form.group(0) and f'maxlength="{SEARCH_MAX_LENGTH}"' in form.group(0)
    assert get(charlie_client, "/search/?q=").count("results-") == 0  # an empty search: just the form


def crumbs(html: str) -> list[str]:
    nav = re.search(r'<nav class="breadcrumbs no-print" aria-label="breadcrumb">(.*?)</nav>', html, re.S)
    assert nav, "no breadcrumbs"
    return re.findall(r'<li>(?:<a href="([^"]*)">|<span aria-current="page">)', nav.group(1))


def test_the_pages_have_breadcrumbs(bob_client: Client) -> None:
    plan = Plan.objects.get(slug="zhengzhou")
    assert crumbs(get(bob_client, "/cities/410100/")) == ["/", "/cities/", "/cities/#region-410000", ""]
    assert crumbs(get(bob_client, "/indicators/rd_intensity/")) == ["/", "/indicators/", ""]
    assert crumbs(get(bob_client, f"/plans/{plan.pk}/")) == [
        "/",
        "/cities/",
        "/cities/#region-410000",
        "/cities/410100/",
        "",
    ]
    assert crumbs(get(bob_client, f"/plans/{plan.pk}/evaluation/")) == [
        "/",
        "/cities/",
        "/cities/#region-410000",
        "/cities/410100/",
        f"/plans/{plan.pk}/",
        "",
    ]


def test_the_city_page_links_the_previous_and_next_city(bob_client: Client) -> None:
    def pager(adcode: str) -> tuple[list[str], list[str]]:
        html = get(bob_client, f"/cities/{adcode}/")
        return re.findall(r'rel="prev" href="/cities/(\d+)/"', html), re.findall(
            r'rel="next" href="/cities/(\d+)/"', html
        )

    assert pager("410100") == ([], ["410200"])
    assert pager("410700") == (["410200"], ["411100"])
    assert pager("411300") == (["411100"], [])
    assert pager("410300") == (["410200"], ["410700"])  # a region without a plan sits between its neighbours


def test_the_indexes_are_cached_and_their_query_count_is_fixed(bob_client: Client) -> None:
    bob_client.get("/")  # warm the session
    for url in ("/cities/", "/indicators/"):
        cache.clear()
        with CaptureQueriesContext(connection) as computed:
            bob_client.get(url)
        with CaptureQueriesContext(connection) as served:
            bob_client.get(url)
        # /cities/ counts its targets' statuses: one query of them reads the targets' revisions, two the periods.
        assert len(served) < len(computed) <= 15, url


def test_the_city_index_says_when_its_counts_rest_on_demo_data(charlie_client: Client) -> None:
    assert "demo-banner" not in get(charlie_client, "/cities/")
    call_command("load_demo_actuals", verbosity=0, stdout=io.StringIO())
    assert "演示数据" in get(charlie_client, "/cities/")
