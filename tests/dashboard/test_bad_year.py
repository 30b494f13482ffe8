"""?year= that is not one of the plans' years — not a number, or outside their span — is refused on every dashboard
page and download with the 400 page saying why and what is allowed, in the user's language, also with DEBUG on
(where Django would show its technical page); the API answers 400 JSON."""

from __future__ import annotations

import pytest
from django.test import Client
from pytest_django.fixtures import SettingsWrapper

from plans.models import Plan

pytestmark = pytest.mark.django_db

BAD = ["abc", "1999", "99999", "2019", "2026", "２０２３", "2023.0"]


def urls() -> list[str]:
    plan = Plan.objects.get(slug="zhengzhou")
    return [
        "/",
        "/overview.csv",
        "/overview.xlsx",
        "/cities/410100/",
        "/cities/410100/data.csv",
        "/indicators/rd_intensity/",
        "/indicators/rd_intensity/data.xlsx",
        f"/plans/{plan.pk}/",
        f"/plans/{plan.pk}/evaluation/",
        f"/plans/{plan.pk}/evaluation.xlsx",
    ]


@pytest.mark.parametrize("debug", [False, True])
def test_every_page_and_download_refuses_a_year_outside_the_plans(
    bob_client: Client, settings: SettingsWrapper, debug: bool
) -> None:
    settings.DEBUG = debug
    for url in urls():
        for year in BAD:
            response = bob_client.get(url, {"year": year})
            assert response.status_code == 400, (url, year)
            html = response.content.decode()
            assert "Traceback" not in html and "<h1>请求有误</h1>" in html, (url, year)
            assert f"年份须为2020至2025之间的数字（规划的年份），而不是“{year}”。" in html, (url, year)
        assert bob_client.get(url, {"year": "2023"}).status_code == 200, url


def test_the_reason_is_in_the_users_language(bob_client: Client, settings: SettingsWrapper) -> None:
    settings.DEBUG = True
    bob_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = bob_client.get("/", {"year": "1999"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "The year must be a number between 2020 and 2025 (the years of the plans), not “1999”." in html
    assert "<h1>Bad request</h1>" in html


def test_an_unknown_choice_is_the_400_page_too_in_debug(bob_client: Client, settings: SettingsWrapper) -> None:
    settings.DEBUG = True
    for query in ["attention=yes", "all=true", "section=preface"]:
        response = bob_client.get(f"/?{query}")
        assert response.status_code == 400 and "Traceback" not in response.content.decode(), query


@pytest.mark.parametrize("debug", [False, True])
def test_the_api_answers_400_json_with_the_reason(bob_client: Client, settings: SettingsWrapper, debug: bool) -> None:
    settings.DEBUG = debug
    for year in BAD:
        response = bob_client.get("/api/v1/overview/", {"region": "410000", "year": year})
        assert response.status_code == 400 and response["Content-Type"] == "application/json", year
        assert response.json() == {"year": [f"年份须为2020至2025之间的数字（规划的年份），而不是“{year}”。"]}
    assert bob_client.get("/api/v1/overview/", {"region": "410000", "year": "2020"}).status_code == 200
