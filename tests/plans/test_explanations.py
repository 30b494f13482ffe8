"""Explanations of lagging targets: written by who may write the target's region, shown on the city page card, in
the evaluation table and its workbook and in the API; every edit a new version; the review queue's selector."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from cities.models import Membership, Region
from indicators.models import Indicator
from indicators.services import observation_set
from plans import vocabulary as v
from plans.explanations import explanation_add
from plans.models import Target, TargetExplanation
from plans.selectors import evaluate_targets, targets_for, targets_without_explanation

pytestmark = pytest.mark.django_db

FIELDS = {
    "situation": "2023年研发投入强度2.35%，距目标差距较大",
    "outlook": "按当前进度，2025年难以实现3.0%",
    "causes": "企业研发投入增长放缓",
    "propose_revision": "on",
    "revised_target": "2.8",
    "measures": "落实研发费用加计扣除，培育高新技术企业",
}


def zhengzhou() -> Region:
    return Region.objects.get(adcode="410100")


def rd_target() -> Target:
    return Target.objects.get(plan__region__adcode="410100", key="table-01-rd-intensity")


def kaifeng_target() -> Target:
    return Target.objects.filter(plan__region__adcode="410200").order_by("position")[0]


@pytest.fixture
def lagging() -> Target:
    """Zhengzhou's R&D intensity: 2.31 % (2020) → 3.0 % (2025), 2.35 % in 2023 — far behind the schedule."""
    observation_set(
        region=zhengzhou(), indicator=Indicator.objects.get(code="rd_intensity"), year=2023, value=Decimal("2.35")
    )
    target = rd_target()
    [item] = evaluate_targets(targets_for(plan=target.plan).filter(pk=target.pk))
    assert item.status in v.NEEDS_EXPLANATION
    return target


def explain(client: Client, target: Target, **fields: Any) -> Any:
    return client.post(reverse("target-explanation", args=[target.pk]), FIELDS | fields)


def test_charlie_explains_a_lagging_target_and_it_shows_everywhere(
    charlie: User, charlie_client: Client, lagging: Target
) -> None:
    city = reverse("city", args=["410100"])
    page = charlie_client.get(city).content.decode()
    assert f'action="/targets/{lagging.pk}/explanation/"' in page, "the card offers the form"
    response = explain(charlie_client, lagging)
    assert response.status_code == 302 and response["Location"] == f"{city}#target-{lagging.pk}"
    explanation = TargetExplanation.objects.get()
    assert (explanation.year, explanation.author, explanation.revised_target) == (2023, charlie, Decimal("2.8"))
    assert explanation.propose_revision

    page = charlie_client.get(city).content.decode()
    assert FIELDS["causes"] in page and FIELDS["measures"] in page and "2.8" in page

    plan = lagging.plan
    table = charlie_client.get(reverse("plan-evaluation", args=[plan.pk]), {"year": 2023}).content.decode()
    assert FIELDS["situation"] in table and FIELDS["outlook"] in table

    workbook = charlie_client.get(reverse("plan-evaluation-xlsx", args=[plan.pk]), {"year": 2023})
    sheet: Any = openpyxl.load_workbook(io.BytesIO(workbook.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    [row] = [row for row in rows if row[1] == lagging.label and FIELDS["causes"] in row]
    assert FIELDS["measures"] in row and Decimal(str(row[row.index(FIELDS["causes"]) + 2])) == Decimal("2.8")
    assert any("charlie" in str(cell) for cell in row)

    api = charlie_client.get(f"/api/v1/targets/{lagging.pk}/explanations/").json()
    assert api["count"] == 1
    assert api["results"][0] | {"id": 0, "created_at": ""} == {
        "id": 0,
        "target": lagging.pk,
        "year": 2023,
        "situation": FIELDS["situation"],
        "outlook": FIELDS["outlook"],
        "causes": FIELDS["causes"],
        "propose_revision": True,
        "revised_target": 2.8,
        "measures": FIELDS["measures"],
        "author": "charlie",
        "created_at": "",
    }


def test_an_earlier_evaluation_year_does_not_show_a_later_explanation(charlie: User, lagging: Target) -> None:
    explanation_add(target=lagging, year=2023, user=charlie, **_plain(FIELDS))
    client = Client()
    client.force_login(charlie)
    table = client.get(reverse("plan-evaluation", args=[lagging.plan_id]), {"year": 2022}).content.decode()
    assert FIELDS["causes"] not in table


def _plain(fields: dict[str, str]) -> dict[str, Any]:
    return fields | {"propose_revision": True, "revised_target": Decimal(fields["revised_target"])}


def test_editing_keeps_the_earlier_version(charlie: User, charlie_client: Client, lagging: Target) -> None:
    assert explain(charlie_client, lagging).status_code == 302
    assert (
        explain(charlie_client, lagging, causes="修订后的原因", propose_revision="", revised_target="").status_code
        == 302
    )
    versions = list(TargetExplanation.objects.order_by("created_at", "id"))
    assert [e.causes for e in versions] == [FIELDS["causes"], "修订后的原因"]
    assert versions[1].revised_target is None and not versions[1].propose_revision
    page = charlie_client.get(reverse("city", args=["410100"])).content.decode()
    assert "修订后的原因" in page and FIELDS["causes"] not in page, "the card shows the latest"
    history = charlie_client.get(reverse("target-explanation", args=[lagging.pk])).content.decode()
    assert "修订后的原因" in history and FIELDS["causes"] in history, "the earlier one is kept and listed"
    api = charlie_client.get(f"/api/v1/targets/{lagging.pk}/explanations/").json()
    assert [r["causes"] for r in api["results"]] == ["修订后的原因", FIELDS["causes"]]


def test_charlie_cannot_explain_kaifeng(charlie_client: Client) -> None:
    target = kaifeng_target()
    assert explain(charlie_client, target).status_code == 403
    assert TargetExplanation.objects.count() == 0
    page = charlie_client.get(reverse("city", args=["410200"])).content.decode()
    assert '/explanation/" class="explanation-form"' not in page
    assert f'action="/targets/{target.pk}/explanation/"' not in page


def test_a_reader_without_write_rights_sees_no_form_and_is_refused(client: Client, lagging: Target) -> None:
    reader = User.objects.create_user("reader", password="x")
    Membership.objects.create(user=reader, region=zhengzhou())
    client.force_login(reader)
    page = client.get(reverse("city", args=["410100"])).content.decode()
    assert f'action="/targets/{lagging.pk}/explanation/"' not in page
    assert explain(client, lagging).status_code == 403
    assert client.get(reverse("target-explanation", args=[lagging.pk])).status_code == 200  # reading is allowed
    assert TargetExplanation.objects.count() == 0


def test_the_explanation_page_answers_404_405_and_login(charlie_client: Client, client: Client) -> None:
    assert charlie_client.post(reverse("target-explanation", args=[999999]), FIELDS).status_code == 404
    assert charlie_client.put(reverse("target-explanation", args=[rd_target().pk])).status_code == 405
    response = client.post(reverse("target-explanation", args=[rd_target().pk]), FIELDS)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client.get(f"/api/v1/targets/{rd_target().pk}/explanations/").status_code in (401, 403)
    assert charlie_client.get("/api/v1/targets/999999/explanations/").status_code == 404
    assert charlie_client.post(f"/api/v1/targets/{rd_target().pk}/explanations/").status_code == 405
    assert TargetExplanation.objects.count() == 0


def test_an_incomplete_or_inconsistent_explanation_is_refused(charlie_client: Client, lagging: Target) -> None:
    assert explain(charlie_client, lagging, causes="").status_code == 400
    refused = explain(charlie_client, lagging, propose_revision="")  # a revised number without the proposal
    assert refused.status_code == 400
    assert "请勾选" in refused.content.decode()
    assert TargetExplanation.objects.count() == 0


def test_the_review_queue_selector_lists_lagging_targets_without_an_explanation(charlie: User, lagging: Target) -> None:
    missing = [item.target for item in targets_without_explanation(zhengzhou(), 2023)]
    assert lagging in missing
    assert all(item.status in v.NEEDS_EXPLANATION for item in targets_without_explanation(zhengzhou(), 2023))
    explanation_add(target=lagging, year=2023, user=charlie, **_plain(FIELDS))
    assert lagging not in [item.target for item in targets_without_explanation(zhengzhou(), 2023)]
    # An explanation of another year does not answer for this one.
    assert lagging in [item.target for item in targets_without_explanation(zhengzhou(), 2024)]
