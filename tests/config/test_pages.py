"""Pages: login in Chinese, the language switch, access control, security headers."""

from __future__ import annotations

import pytest
from django.test import Client

from plans.models import Plan


def test_it_speaks_chinese_by_default_even_to_an_english_browser(client: Client) -> None:
    response = client.get("/accounts/login/", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in response.content.decode()
    assert "登录" in response.content.decode()


def test_it_switches_to_english_and_back(client: Client) -> None:
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    page = client.get("/accounts/login/").content.decode()
    assert '<html lang="en">' in page and "Log in" in page
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "登录" in client.get("/accounts/login/").content.decode()


@pytest.mark.parametrize("url", ["/", "/plans/1/"])
def test_it_sends_anonymous_users_to_login(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_it_lists_the_five_plans_on_the_home_page(charlie_client: Client) -> None:
    response = charlie_client.get("/")
    page = response.content.decode()
    for plan in Plan.objects.all():
        assert plan.title in page
    counts = {p.slug: p.target_total for p in response.context["plans"]}
    assert counts["xinxiang"] == Plan.objects.get(slug="xinxiang").targets.count() == 74


def test_it_shows_a_plan_with_its_quotes(charlie_client: Client) -> None:
    plan = Plan.objects.get(slug="nanyang")
    page = charlie_client.get(f"/plans/{plan.pk}/").content.decode()
    for target in plan.targets.all()[:5]:
        assert target.label in page
    assert charlie_client.get("/plans/999999/").status_code == 404


def test_it_prints_numbers_as_the_plan_does(charlie_client: Client) -> None:
    plan = Plan.objects.get(slug="xinxiang")
    page = charlie_client.get(f"/plans/{plan.pk}/").content.decode()
    assert "402 家 (2020)" in page and "800" in page and "52.4% (2020)" in page
    assert "E+" not in page and "800.000000" not in page


def test_it_sends_a_strict_content_security_policy(client: Client) -> None:
    policy = client.get("/accounts/login/")["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in policy


def test_it_protects_the_login_form_with_csrf() -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403
