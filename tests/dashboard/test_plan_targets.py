"""The plan page prints every target whole, notes without internal keys, and its table in readable columns."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from indicators.models import Indicator
from plans.models import Plan, Target
from plans.wording import target_text

pytestmark = pytest.mark.django_db

SLUGS = ["xinxiang", "kaifeng", "zhengzhou", "nanyang", "luohe"]
SIGNS = "≥>=≤<"
# The statements without a number, whole: the comparison with the province, coverage, qualitative targets.
VALUELESS = {
    "zh-hans": ("高于全省平均水平", "不低于全省平均水平", "年均增速高于全省平均水平", "定性目标，未给数值", "全覆盖"),
    "en": (
        "above the provincial average",
        "at least the provincial average",
        "average annual growth above the provincial average",
        "qualitative, no number stated",
        "full coverage",
    ),
}


def assert_whole(text: str, target: Target, language: str) -> None:
    """A statement ending in its year, every comparator followed by a number, the unit after a number."""
    year = f"（{target.target_year}）" if language == "zh-hans" else f" ({target.target_year})"
    assert text.endswith(year), text
    body = text[: -len(year)].strip()
    assert body, f"empty target text: {text!r}"
    for match in re.finditer(f"[{SIGNS}]", body):
        after = body[match.end() :].lstrip()
        assert after[:1].isdigit() or after.startswith("基期值"), f"dangling comparator in {text!r}"
    if not re.search(r"\d", body):
        assert body in VALUELESS[language], f"no number and not a known statement: {text!r}"
    if target.unit and target.unit in body and target.kind != Target.Kind.MULTIPLE_OF_BASELINE:
        assert re.search(rf"\d\s?{re.escape(target.unit)}", body), f"unit without its number in {text!r}"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_target_of_the_five_plans_is_printed_whole(language: str) -> None:
    targets = list(Target.objects.filter(plan__slug__in=SLUGS))
    assert len(targets) > 200
    with translation.override(language):
        for target in targets:
            assert_whole(target_text(target), target, language)


def test_the_targets_that_printed_broken_now_read_whole() -> None:
    broken = Target.objects.filter(plan__slug__in=SLUGS, target_value=None)
    assert broken.count() == 29  # the 29 of the issue: "等于 个 (2025)", "高于 % (2025)"
    with translation.override("zh-hans"):
        texts = {target.key: target_text(target) for target in broken.select_related("plan")}
        assert texts["goals-rd-intensity-above-avg"] == "高于全省平均水平（2025）"
        assert texts["goals-rd-intensity"] == "不低于全省平均水平（2025）"  # 漯河: >= the average
        assert texts["goals-hightech-firms-growth"] == "年均增速高于全省平均水平（2025）"
        assert all(text.endswith("（2025）") and "个" not in text and "%" not in text for text in texts.values())


@pytest.mark.parametrize(
    ("slug", "key", "zh", "en"),
    [
        ("kaifeng", "goals-hightech-firms-350", "≥ 350 家（2025）", "≥ 350 家 (2025)"),
        ("xinxiang", "table-01-rd-growth", "年均增长 ≥ 20%（2025）", "average annual growth ≥ 20% (2025)"),
        ("kaifeng", "goals-hightech-firms-double", "≥ 基期值的 2 倍（2025）", "≥ 2 × the baseline (2025)"),
        ("kaifeng", "goals-enterprise-rd-coverage", "全覆盖（2025）", "full coverage (2025)"),
    ],
)
def test_targets_read_as_the_plan_states_them(slug: str, key: str, zh: str, en: str) -> None:
    target = Target.objects.get(plan__slug=slug, key=key)
    assert target_text(target, "zh-hans") == zh
    assert target_text(target, "en") == en


def cells(page: str, attribute: str) -> list[str]:
    found = re.findall(rf"<td[^>]*{attribute}[^>]*>(.*?)</td>", page, re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in found]


@pytest.mark.parametrize("slug", SLUGS)
def test_the_plan_page_prints_every_target_whole_and_no_key_in_its_notes(bob_client: Client, slug: str) -> None:
    plan = Plan.objects.get(slug=slug)
    targets = list(plan.targets.order_by("position"))
    page = bob_client.get(f"/plans/{plan.pk}/").content.decode()
    stated = cells(page, "data-target-text")
    assert len(stated) == len(targets)
    for text, target in zip(stated, targets, strict=True):
        assert_whole(text, target, "zh-hans")
    keys = set(Target.objects.values_list("key", flat=True)) | set(Indicator.objects.values_list("code", flat=True))
    notes = " ".join(cells(page, "data-note"))
    assert not [key for key in keys if re.search(rf"(?<![A-Za-z0-9_-]){re.escape(key)}(?![A-Za-z0-9_-])", notes)]


def test_a_note_naming_another_target_links_to_its_row(bob_client: Client) -> None:
    plan = Plan.objects.get(slug="kaifeng")
    targets = list(plan.targets.order_by("position"))
    other = next(t for t in targets if t.key == "goals-hightech-firms-350")
    number = targets.index(other) + 1
    page = bob_client.get(f"/plans/{plan.pk}/").content.decode()
    link = f'<a href="#target-{other.pk}">第{number}项“{other.label}”</a>'
    assert link in page
    assert "350≥252，视为更具体的下限" in page  # the rest of the note as written


def test_the_note_naming_an_indicator_code_shows_its_name(bob_client: Client) -> None:
    plan = Plan.objects.get(slug="luohe")
    page = bob_client.get(f"/plans/{plan.pk}/").content.decode()
    assert "enterprise_rd_activity_coverage" not in " ".join(cells(page, "data-note"))
    assert f"“{Indicator.objects.get(code='enterprise_rd_activity_coverage').name_zh}”" in page


def test_the_targets_table_scrolls_in_its_box_and_short_columns_do_not_wrap(bob_client: Client) -> None:
    plan = Plan.objects.get(slug="xinxiang")
    page = bob_client.get(f"/plans/{plan.pk}/").content.decode()
    assert re.search(r'<div class="table-scroll"[^>]*>\s*<table class="data plan-targets">', page)
    assert page.count('<td class="col-short">') == 2 * plan.targets.count()  # 类型, 所在部分
    css = Path(settings.BASE_DIR, "static", "css", "site.css").read_text(encoding="utf-8")
    assert re.search(r"\.table-scroll \{[^}]*overflow-x: auto", css)
    assert re.search(r"table\.plan-targets \.col-short \{[^}]*white-space: nowrap", css)
    assert re.search(r"table\.plan-targets th \{[^}]*white-space: nowrap", css)


def test_the_plan_page_states_targets_in_english_when_chosen(bob_client: Client) -> None:
    plan = Plan.objects.get(slug="luohe")
    targets = list(plan.targets.order_by("position"))
    bob_client.get(f"/plans/{plan.pk}/")  # the Chinese page cached first: the English one is its own
    bob_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    stated = cells(bob_client.get(f"/plans/{plan.pk}/").content.decode(), "data-target-text")
    for text, target in zip(stated, targets, strict=True):
        assert_whole(text, target, "en")
    assert "above the provincial average (2025)" in stated
