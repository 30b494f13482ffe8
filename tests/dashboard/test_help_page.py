"""The help page (方法说明): the thresholds the method uses, every status with its rule, the worked examples
computed by the method itself; every status badge of the app links to its rule."""

from __future__ import annotations

import html as html_lib
import re

import pytest
from django.test import Client

from dashboard.methodology import EXAMPLES, number
from plans import progress as pr
from plans import vocabulary as v
from plans import wording
from plans.models import Plan

pytestmark = pytest.mark.django_db


def page(client: Client, url: str = "/help/") -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def row(html: str, status: str) -> str:
    found = re.search(rf'<tr id="status-{status}">(.*?)</tr>', html, re.S)
    assert found, status
    return found.group(1)


def test_it_needs_a_login(client: Client) -> None:
    response = client.get("/help/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_it_states_the_thresholds_of_the_method(charlie_client: Client) -> None:
    html = page(charlie_client)
    th = pr.Thresholds()
    assert number(th.ahead) == "1.05" and number(th.on_schedule) == "0.90" and number(th.zero_substitute) == "0.001"
    assert f"q ≥ {number(th.ahead)}" in row(html, v.AHEAD)
    assert f"{number(th.on_schedule)} ≤ q &lt; {number(th.ahead)}" in row(html, v.ON_SCHEDULE)
    assert f"{number(th.lagging)} ≤ q &lt; {number(th.on_schedule)}" in row(html, v.LAGGING)
    assert f"0 ≤ q &lt; {number(th.lagging)}" in row(html, v.FAR_BEHIND)
    for value in (th.about, th.on_track, th.acceleration_needed, th.zero_substitute):
        assert number(value) in html


def test_it_follows_the_settings_that_override_the_thresholds(charlie_client: Client, settings: object) -> None:
    settings.PROGRESS_THRESHOLDS = {"ahead": 1.1, "lagging": 0.55}  # type: ignore[attr-defined]
    html = page(charlie_client)
    assert "q ≥ 1.10" in row(html, v.AHEAD)
    assert "0.55 ≤ q &lt; 0.90" in row(html, v.LAGGING)
    assert "q ≥ 1.05" not in html


def test_it_explains_every_status_with_its_word_and_colour(charlie_client: Client) -> None:
    html = page(charlie_client)
    for status in v.STATUSES:
        cells = row(html, status)
        assert f'class="badge pace-{status}">{wording.status_word(status, "zh-hans")}<' in cells
        assert f"<code>{status}</code>" in cells
        assert re.search(r"#[0-9a-f]{6}", cells)
    assert "序时进度" in html and "趋势" in html and "预测" in html


def test_it_speaks_english_on_the_switch(charlie_client: Client) -> None:
    assert "进度评估方法说明" in page(charlie_client)  # cached in Chinese first: the cache keys on the language
    charlie_client.post("/i18n/setlang/", {"language": "en", "next": "/help/"})
    html = page(charlie_client)
    assert '<html lang="en">' in html and "How progress is judged" in html
    assert 'class="badge pace-lagging">Lagging<' in html
    assert "Not met yet, and 0.50 ≤ q &lt; 0.90." in html


def test_its_examples_are_what_the_method_computes(charlie_client: Client) -> None:
    html = page(charlie_client)
    for example in EXAMPLES:
        section = re.search(rf'<article class="example" id="{example.anchor}">(.*?)</article>', html, re.S)
        assert section, example.anchor
        result = pr.evaluate(example.spec, example.actuals, as_of=example.as_of, parent=example.parent)
        assert f"pace-{pr.status(result)}" in section.group(1)
    # docs/methodology.md §12, example 1 (Zhengzhou R&D intensity): q = 0.9420, on schedule, on track
    first = re.search(r'id="example-level">(.*?)</article>', html, re.S).group(1)  # type: ignore[union-attr]
    assert 'data-symbol="q">0.942<' in first and 'data-symbol="R">0.9947<' in first and "pace-on_schedule" in first
    assert 'data-symbol="P">2.996 %<' in first
    # example 3 as of 2024: doubled before the target year
    assert "pace-achieved_early" in re.search(r'id="example-multiple-2024">(.*?)</article>', html, re.S).group(1)  # type: ignore[union-attr]
    # example 4: 208 added of 400, q = 0.8667, lagging
    stock = re.search(r'id="example-new-stock">(.*?)</article>', html, re.S).group(1)  # type: ignore[union-attr]
    assert 'data-symbol="M_t">208 家<' in stock and 'data-symbol="q">0.8667<' in stock and "pace-lagging" in stock


def test_the_status_badges_of_the_pages_link_to_their_rule(bob_client: Client) -> None:
    plan = Plan.objects.get(slug="zhengzhou")
    for url in ("/", "/cities/410100/", f"/plans/{plan.pk}/evaluation/", "/indicators/rd_intensity/", "/cities/"):
        html = page(bob_client, url)
        badges = re.findall(r'(<a class="status-link" href="([^"]+)">)?<span class="badge pace-(\w+)">', html)
        assert badges, url
        for link, href, status in badges:
            assert link and href == f"/help/#status-{status}", url


def test_the_evaluation_page_points_to_the_help_page(bob_client: Client) -> None:
    plan = Plan.objects.get(slug="luohe")
    html = page(bob_client, f"/plans/{plan.pk}/evaluation/")
    assert 'href="/help/"' in html and "docs/methodology.md" not in html
    assert html_lib.unescape(html).count("方法说明") >= 1
