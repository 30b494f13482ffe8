"""The Django admin: every page opens for the admin, it speaks Chinese, search and filters work, and
import-export keys on natural codes, escapes formulae and keeps the history of imported values."""

from __future__ import annotations

import csv
import datetime
import io
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest
import tablib
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.http import HttpRequest
from django.test import Client
from django.urls import reverse
from import_export.formats.base_formats import CSV
from import_export.resources import ModelResource
from rest_framework.authtoken.models import Token

from cities.models import Region
from cities.resources import RegionResource
from imports.service import build_preview, commit, save_pending
from indicators.models import ActualsImport, Indicator, Observation, ObservationChange, PeriodLock
from indicators.resources import IndicatorResource, ObservationResource
from indicators.services import observation_set
from plans.drafts import draft_create, sample_text
from plans.models import Plan, PublishedEvaluation, Target, TargetVerdict
from plans.published import publish
from plans.resources import TargetResource
from tests.conftest import PASSWORD

REGISTERED = sorted(model._meta.label_lower for model in admin.site._registry)
FORMULA = '=HYPERLINK("http://x")'


def model_admin(label: str) -> tuple[type[models.Model], admin.ModelAdmin[Any]]:
    [(model, found)] = [(m, a) for m, a in admin.site._registry.items() if m._meta.label_lower == label]
    return model, found


def url(model: type[models.Model], view: str, *args: object) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def one_of_each(alice: User) -> None:
    """The rows the fixtures do not provide: an actual value (and so a history row), a spreadsheet import, an
    API token, a plan draft and the login records (a failed login, a login, a failure log)."""
    observation_set(
        region=Region.objects.get(adcode="410100"),
        indicator=Indicator.objects.get(code="rd_intensity"),
        year=2023,
        value=Decimal("2.5"),
        user=alice,
    )
    data = "地区,指标,年份,数值\n410100,研发投入强度,2024,2.6\n".encode()
    commit(save_pending(build_preview(data, "a.csv", user=alice), data, user=alice), user=alice)
    Token.objects.create(user=alice)
    PeriodLock.objects.create(region=None, year=2019, locked_by=alice)
    TargetVerdict.objects.create(
        target=Target.objects.get(plan__region__adcode="410100", key="goals-national-labs"),
        year=2024,
        verdict="achieved",
        decided_on=datetime.date(2025, 1, 2),
        evidence_text="依据",
        reviewer=alice,
    )
    publish(plan=Plan.objects.get(slug="zhengzhou"), year=2025, kind="final", user=None)
    draft_create(text=sample_text(), user=alice)  # a plan draft, of the sample document
    Client().post("/accounts/login/", {"username": "alice", "password": "wrong"})
    Client().login(request=HttpRequest(), username="alice", password=PASSWORD)
    AccessFailureLog.objects.create(username="alice", ip_address="127.0.0.1", path_info="/accounts/login/")


def csv_rows(resource: ModelResource, queryset: models.QuerySet[Any]) -> list[dict[str, str]]:
    """Export as the admin does: the resource's dataset (which escapes formulae), written by the CSV format."""
    text = CSV().export_data(resource.export(queryset=queryset))
    return list(csv.DictReader(io.StringIO(text)))


# ---------------------------------------------------------------- every page opens


def test_it_registers_the_project_models() -> None:
    assert {
        "cities.region",
        "cities.membership",
        "indicators.indicator",
        "indicators.indicatoralias",
        "indicators.observation",
        "indicators.observationchange",
        "indicators.actualsimport",
        "plans.plan",
        "plans.target",
    } <= set(REGISTERED)


@pytest.mark.parametrize("label", REGISTERED)
def test_it_opens_every_changelist_add_and_change_page(
    label: str, alice_client: Client, alice: User, one_of_each: None
) -> None:
    model, model_admin_ = model_admin(label)
    changelist = alice_client.get(url(model, "changelist"))
    assert changelist.status_code == 200
    may_add = model_admin_.has_add_permission(changelist.wsgi_request)
    # Only records are read-only: the history of values, the uploads (made through the import pages), the logins,
    # the reviewers' verdicts (recorded on the city page).
    assert may_add or model in (
        ObservationChange,
        ActualsImport,
        PeriodLock,
        TargetVerdict,
        PublishedEvaluation,
        AccessAttempt,
        AccessLog,
        AccessFailureLog,
    )
    assert alice_client.get(url(model, "add")).status_code == (200 if may_add else 403)
    row = model._default_manager.order_by("pk").first()
    assert row is not None, f"no {label} row to open"
    assert alice_client.get(url(model, "change", quote(row.pk))).status_code == 200


# ---------------------------------------------------------------- language


def test_it_shows_the_admin_in_chinese_by_default(alice_client: Client) -> None:
    response = alice_client.get("/admin/", headers={"accept-language": "en"})
    assert response.status_code == 200
    assert response["Content-Language"] == "zh-hans"
    assert "站点管理" in response.content.decode()


def test_it_shows_the_admin_in_english_when_chosen(alice_client: Client) -> None:
    alice_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = alice_client.get("/admin/").content.decode()
    assert "Site administration" in body
    assert "站点管理" not in body


def test_it_shows_the_project_names_in_chinese(alice_client: Client) -> None:
    body = alice_client.get("/admin/").content.decode()
    assert "地区" in body  # cities: "Regions"
    assert "指标与实际值" in body  # indicators: "Indicators and actuals"
    assert "规划与目标" in body  # plans: "Plans and targets"
    assert "Plans and targets" not in body


# ---------------------------------------------------------------- search, filters, inlines


def test_it_finds_zhengzhou_by_chinese_name(alice_client: Client) -> None:
    response = alice_client.get(url(Region, "changelist"), {"q": "郑州"})
    assert response.status_code == 200
    assert [r.adcode for r in response.context["cl"].result_list] == ["410100"]
    body = response.content.decode()
    assert "郑州市" in body
    assert "开封市" not in body


def test_it_finds_a_region_by_adcode(alice_client: Client) -> None:
    response = alice_client.get(url(Region, "changelist"), {"q": "411300"})
    assert [r.name_zh for r in response.context["cl"].result_list] == ["南阳市"]


def test_it_filters_regions_by_level(alice_client: Client) -> None:
    response = alice_client.get(url(Region, "changelist"), {"level__exact": "province"})
    assert [r.adcode for r in response.context["cl"].result_list] == ["410000"]


def test_it_filters_targets_by_section(alice_client: Client) -> None:
    response = alice_client.get(url(Target, "changelist"), {"section__exact": "table"})
    assert response.status_code == 200
    cl = response.context["cl"]
    assert cl.result_count == 32
    assert Counter(t.plan.slug for t in cl.queryset) == {"xinxiang": 7, "zhengzhou": 14, "nanyang": 11}
    assert cl.full_result_count == Target.objects.count() > 32


def test_it_searches_targets_by_indicator_code(alice_client: Client) -> None:
    response = alice_client.get(url(Target, "changelist"), {"q": "rd_intensity"})
    cl = response.context["cl"]
    assert cl.result_count == Target.objects.filter(indicator__code="rd_intensity").count() > 0


def test_it_shows_a_plans_targets_inline(alice_client: Client) -> None:
    plan = Plan.objects.get(slug="zhengzhou")
    response = alice_client.get(url(Plan, "change", plan.pk))
    assert response.status_code == 200
    [inline] = [i for i in response.context["inline_admin_formsets"] if i.formset.model is Target]
    assert len(inline.formset.forms) == plan.targets.count() == 14 + plan.targets.exclude(section="table").count()
    body = response.content.decode()
    for key in plan.targets.values_list("key", flat=True):
        assert f'value="{key}"' in body


# ---------------------------------------------------------------- export


def test_it_exports_regions_keyed_on_adcodes(db: None) -> None:
    rows = {row["adcode"]: row for row in csv_rows(RegionResource(), Region.objects.all())}
    assert rows["410100"]["parent"] == "410000"
    assert rows["410000"]["parent"] == ""
    assert rows["410100"]["name_zh"] == "郑州市"


def test_it_exports_indicators_keyed_on_codes(db: None) -> None:
    rows = {row["code"]: row for row in csv_rows(IndicatorResource(), Indicator.objects.all())}
    assert list(rows["rd_intensity"]) == ["code", "name_zh", "name_en", "unit", "direction", "measure", "description"]
    assert (rows["rd_intensity"]["name_zh"], rows["rd_intensity"]["unit"]) == ("研发投入强度", "%")
    assert len(rows) == Indicator.objects.count()


def test_it_exports_targets_keyed_on_plan_slug_and_indicator_code(db: None) -> None:
    rows = csv_rows(TargetResource(), Target.objects.all())
    assert len(rows) == Target.objects.count()
    assert {row["plan"] for row in rows} == {"xinxiang", "kaifeng", "zhengzhou", "nanyang", "luohe"}
    codes = set(Indicator.objects.values_list("code", flat=True))
    assert {row["indicator"] for row in rows} <= codes
    assert "rd_intensity" in {row["indicator"] for row in rows}


def test_it_exports_observations_keyed_on_adcode_and_code(one_of_each: None) -> None:
    [row] = csv_rows(ObservationResource(), Observation.objects.filter(year=2023))
    assert (row["region"], row["indicator"], row["year"]) == ("410100", "rd_intensity", "2023")
    assert Decimal(row["value"]) == Decimal("2.5")


@pytest.fixture
def formula_observation(alice: User) -> Observation:
    """A value whose source is a spreadsheet formula: exports must defuse it."""
    obs, _action = observation_set(
        region=Region.objects.get(adcode="410100"),
        indicator=Indicator.objects.get(code="rd_intensity"),
        year=2023,
        value=Decimal("2.5"),
        source=FORMULA,
        user=alice,
    )
    return obs


def test_it_escapes_formulae_in_exported_cells(formula_observation: Observation) -> None:
    # The library's own escaping (it drops a leading "=" only) is off: the resources neutralise every text cell.
    assert settings.IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT is False
    [row] = csv_rows(ObservationResource(), Observation.objects.all())
    assert row["source"] == "'" + FORMULA


def test_it_escapes_formulae_in_the_admin_export_download(
    alice_client: Client, formula_observation: Observation
) -> None:
    export_url = reverse("admin:indicators_observation_export")
    form = alice_client.get(export_url).context["form"]
    [csv_index] = [value for value, title in form.fields["format"].choices if title == "csv"]
    data = {"format": csv_index, "resource": "0"}
    data |= {name: "on" for name in form.fields if name.startswith("observationresource_")}
    response = alice_client.post(export_url, data)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    [row] = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert row["region"] == "410100"
    assert row["source"] == "'" + FORMULA


# ---------------------------------------------------------------- import


def observation_csv(value: str, year: int = 2024, origin: str = "import") -> tablib.Dataset:
    header = "region,indicator,year,value,source,note,origin"
    text = f"{header}\n410100,rd_intensity,{year},{value},统计公报 {year},,{origin}\n"
    return CSV().create_dataset(text)


def test_it_imports_a_value_with_history_by_the_importing_user(alice: User) -> None:
    result = ObservationResource().import_data(observation_csv("3.1"), dry_run=False, user=alice)
    assert not result.has_errors() and not result.has_validation_errors()
    obs = Observation.objects.get(region__adcode="410100", indicator__code="rd_intensity", year=2024)
    assert (obs.value, obs.source, obs.origin, obs.updated_by) == (Decimal("3.1"), "统计公报 2024", "import", alice)
    [change] = ObservationChange.objects.filter(observation=obs)
    assert (change.action, change.changed_by, change.new_value) == ("create", alice, Decimal("3.1"))


def test_it_records_old_and_new_value_when_an_import_changes_a_value(alice: User, bob: User) -> None:
    ObservationResource().import_data(observation_csv("3.1"), dry_run=False, user=alice)
    result = ObservationResource().import_data(observation_csv("3.3"), dry_run=False, user=bob)
    assert not result.has_errors()
    obs = Observation.objects.get(region__adcode="410100", indicator__code="rd_intensity", year=2024)
    assert obs.value == Decimal("3.3")
    latest = ObservationChange.objects.filter(observation=obs).first()  # newest first
    assert latest is not None
    assert (latest.action, latest.changed_by, latest.old_value, latest.new_value) == (
        "update",
        bob,
        Decimal("3.1"),
        Decimal("3.3"),
    )


def test_it_skips_an_unchanged_import_row_without_history(alice: User) -> None:
    ObservationResource().import_data(observation_csv("3.1"), dry_run=False, user=alice)
    result = ObservationResource().import_data(observation_csv("3.100"), dry_run=False, user=alice)
    assert not result.has_errors()
    assert ObservationChange.objects.filter(year=2024).count() == 1


def test_it_never_stores_imported_rows_as_demo_data(alice: User) -> None:
    ObservationResource().import_data(observation_csv("3.1", origin="demo"), dry_run=False, user=alice)
    assert Observation.objects.get(year=2024).origin == "import"


def test_it_writes_nothing_on_a_dry_run_import(alice: User) -> None:
    before = (Observation.objects.count(), ObservationChange.objects.count())
    result = ObservationResource().import_data(observation_csv("3.1"), dry_run=True, user=alice)
    assert not result.has_errors()
    assert result.totals["new"] == 1  # the dry run did see the row …
    assert (Observation.objects.count(), ObservationChange.objects.count()) == before  # … and kept nothing


def admin_import(client: Client, model: type[models.Model], text: str, confirm: bool = True) -> list[Any]:
    """Upload ``text`` as CSV on the admin import page (a dry run), then confirm it if the admin offers to."""
    import_url = url(model, "import")
    page = client.get(import_url)
    if page.status_code != 200:
        return [page]
    [csv_index] = [value for value, title in page.context["form"].fields["format"].choices if title == "csv"]
    upload = SimpleUploadedFile("upload.csv", text.encode(), content_type="text/csv")
    dry_run = client.post(import_url, {"format": csv_index, "resource": "0", "import_file": upload})
    confirm_form = dry_run.context.get("confirm_form") if dry_run.status_code == 200 else None
    if confirm_form is None or not confirm:
        return [page, dry_run]
    return [page, dry_run, client.post(url(model, "process_import"), confirm_form.initial)]


def test_it_imports_through_the_admin_after_a_dry_run_that_writes_nothing(alice_client: Client, alice: User) -> None:
    text = "region,indicator,year,value,source,note,origin\n410100,rd_intensity,2024,3.1,公报,,import\n"
    _page, dry_run = admin_import(alice_client, Observation, text, confirm=False)
    assert dry_run.context["result"].totals["new"] == 1
    assert (Observation.objects.count(), ObservationChange.objects.count()) == (0, 0)
    confirmed = alice_client.post(url(Observation, "process_import"), dry_run.context["confirm_form"].initial)
    assert confirmed.status_code == 302
    obs = Observation.objects.get(region__adcode="410100", indicator__code="rd_intensity", year=2024)
    [change] = ObservationChange.objects.all()
    assert (change.observation, change.action, change.changed_by, change.new_value) == (
        obs,
        "create",
        alice,
        Decimal("3.1"),
    )


def test_it_refuses_an_import_by_staff_who_may_not_change_the_model(bob_client: Client, bob: User) -> None:
    assert not bob.has_perm("indicators.change_indicator")
    text = "code,name_zh,name_en,unit,direction,measure,description\nrd_intensity,研发投入强度,R&D,‰,lower,ratio,\n"
    responses = admin_import(bob_client, Indicator, text)
    assert Indicator.objects.get(code="rd_intensity").unit == "%"
    assert responses[0].status_code == 403
