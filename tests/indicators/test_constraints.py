"""Every named constraint is enforced by the database itself, not only by model validation.

Rows are written with ``objects.create()`` (no ``full_clean()``), so only the database can refuse them. Each
refusal is checked for the constraint's name where the backend reports it: PostgreSQL always names the
constraint; SQLite names CHECK constraints ("CHECK constraint failed: <name>") but reports UNIQUE ones by
their columns. Each constraint also has a valid row that passes, so no test can pass vacuously.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from cities.models import DataVersion, Region
from indicators.models import (
    ActualsImport,
    ComparisonTier,
    Indicator,
    IndicatorAlias,
    Observation,
    ObservationChange,
    PeriodLock,
    normalize_name,
)
from plans.models import (
    DraftCandidate,
    Plan,
    PlanDraft,
    PlanPeriod,
    PublishedEvaluation,
    Target,
    TargetExplanation,
    TargetRevision,
    TargetVerdict,
)

# Every named constraint of the project's models, and the test(s) below that break it.
TESTED_CONSTRAINTS = {
    "region_adcode_six_digits",
    "region_level_valid",
    "region_non_province_has_parent",
    "dataversion_single_row",
    "indicator_direction_valid",
    "indicator_measure_valid",
    "indicator_release_month_valid",
    "indicator_release_lag_valid",
    "indicator_theme_valid",
    "comparisontier_metric_valid",
    "observation_stage_valid",
    "published_evaluation_kind",
    "published_evaluation_year",
    "target_revision_kind_valid",
    "target_revision_comparator_valid",
    "target_revision_upper_gte_lower",
    "target_revision_document_not_empty",
    "target_revision_reason_not_empty",
    "observation_unique_region_indicator_year",
    "observation_year_plausible",
    "observation_origin_valid",
    "observation_change_action_valid",
    "observation_change_values_match_action",
    "actuals_import_status_valid",
    "actuals_import_committed_at_iff_confirmed",
    "actuals_import_confirmed_file_never_purged",
    "submitted_value_unique_key",
    "plan_period_end_after_start",
    "plan_one_of_a_kind_per_period",
    "plan_period_last_after_first",
    "plan_period_baseline_before_first",
    "target_key_unique_per_plan",
    "target_year_after_baseline_year",
    "target_range_upper_gte_lower",
    "target_value_max_only_for_ranges",
    "target_value_required_unless_relative_or_qualitative",
    "target_kind_valid",
    "target_comparator_valid",
    "target_section_valid",
    "target_quote_not_empty",
    "target_compares_growth_only_relative",
    "period_lock_one_active_per_region_year",
    "period_lock_one_active_whole_year",
    "period_lock_year_plausible",
    "period_lock_unlock_has_reason",
    "target_explanation_year_plausible",
    "target_explanation_revised_only_if_proposed",
    "target_verdict_year_plausible",
    "target_verdict_verdict_valid",
    "target_verdict_has_evidence",
    "target_verdict_link_is_http",
    "plan_draft_status_valid",
    "plan_draft_unpublished_has_no_plan",
    "draft_candidate_decision_valid",
}


def assert_refused(name: str, write: Callable[[], object], unique_columns: str = "") -> None:
    """``write()`` must raise IntegrityError from the database, naming constraint ``name`` where it can."""
    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        write()
    message = str(excinfo.value)
    if connection.vendor == "sqlite":
        # SQLite: "CHECK constraint failed: <name>" / "UNIQUE constraint failed: <table>.<col>, …"
        expected = (
            f"UNIQUE constraint failed: {unique_columns}" if unique_columns else f"CHECK constraint failed: {name}"
        )
        assert expected in message
    else:
        assert name in message


def assert_accepted(write: Callable[[], Any]) -> None:
    with transaction.atomic():
        row = write()
    row.refresh_from_db()


def henan() -> Region:
    return Region.objects.get(adcode="410000")


def zhengzhou() -> Region:
    return Region.objects.get(adcode="410100")


def rd_intensity() -> Indicator:
    return Indicator.objects.get(code="rd_intensity")


def test_it_has_a_test_for_every_named_constraint(db: None) -> None:
    declared = {
        constraint.name
        for config in (apps.get_app_config(label) for label in ("cities", "indicators", "plans"))
        for model in config.get_models()
        for constraint in model._meta.constraints
    }
    assert declared == TESTED_CONSTRAINTS


# ---------------------------------------------------------------- the data version


def test_there_is_one_data_version_row(db: None) -> None:
    assert_refused("dataversion_single_row", lambda: DataVersion.objects.create(pk=2))


# ---------------------------------------------------------------- regions


@pytest.mark.parametrize(
    "adcode",
    ["41010", "4101a0", "41-100", "４１０１０２", "41010\n"],
    ids=["5", "letter", "dash", "full-width", "trailing-newline"],
)
def test_it_refuses_an_adcode_that_is_not_six_digits(db: None, adcode: str) -> None:
    assert_refused(
        "region_adcode_six_digits",
        lambda: Region.objects.create(
            adcode=adcode, name_zh="某区", name_en="Somewhere", level="county", parent=zhengzhou()
        ),
    )


@pytest.mark.parametrize("level", ["city", "county"])
def test_it_refuses_a_non_province_region_without_parent(db: None, level: str) -> None:
    assert_refused(
        "region_non_province_has_parent",
        lambda: Region.objects.create(adcode="410102", name_zh="中原区", name_en="Zhongyuan", level=level),
    )


def test_it_refuses_an_unknown_region_level(db: None) -> None:
    assert_refused(
        "region_level_valid",
        lambda: Region.objects.create(
            adcode="410102", name_zh="中原区", name_en="Zhongyuan", level="town", parent=zhengzhou()
        ),
    )


def test_it_accepts_valid_regions(db: None) -> None:
    assert_accepted(
        lambda: Region.objects.create(
            adcode="410102", name_zh="中原区", name_en="Zhongyuan", level="county", parent=zhengzhou()
        )
    )
    assert_accepted(lambda: Region.objects.create(adcode="420000", name_zh="湖北省", name_en="Hubei", level="province"))


# ---------------------------------------------------------------- indicators and aliases


@pytest.mark.parametrize(
    ("name", "values"),
    [
        ("indicator_direction_valid", {"direction": "sideways"}),
        ("indicator_measure_valid", {"measure": "mood"}),
        ("indicator_release_month_valid", {"release_month": 0}),
        ("indicator_release_month_valid", {"release_month": 13}),
        ("indicator_release_lag_valid", {"release_lag_years": 6}),
        ("indicator_theme_valid", {"theme": "vibes"}),
    ],
)
def test_it_refuses_an_invalid_indicator(db: None, name: str, values: dict[str, object]) -> None:
    fields = {"code": "x_test", "name_zh": "测试", "name_en": "Test", "unit": "%", "measure": "ratio", **values}
    assert_refused(name, lambda: Indicator.objects.create(**fields))


def test_it_refuses_a_comparison_tier_on_no_known_measure(db: None) -> None:
    tier = {"indicator": rd_intensity(), "name_zh": "领先", "name_en": "Leading", "threshold": 3}
    assert_refused("comparisontier_metric_valid", lambda: ComparisonTier.objects.create(metric="height", **tier))


def test_it_accepts_a_valid_indicator(db: None) -> None:
    assert_accepted(
        lambda: Indicator.objects.create(
            code="x_test", name_zh="测试", name_en="Test", unit="%", direction="lower", measure="stock"
        )
    )


@pytest.mark.parametrize(
    "name",
    [
        "研发投入强度（%）",  # full-width brackets, unit suffix
        " 研发投入 强度 ",  # spaces
        "研发投入强度 (%)",  # half-width brackets after a space
    ],
    ids=["full-width-unit", "spaces", "half-width-unit"],
)
def test_it_refuses_an_alias_that_normalizes_to_an_existing_one(db: None, name: str) -> None:
    IndicatorAlias.objects.create(indicator=rd_intensity(), name="研发投入强度")
    other = Indicator.objects.get(code="tech_contract_turnover")
    assert normalize_name(name) == "研发投入强度"
    assert_refused(
        "normalized",
        lambda: IndicatorAlias.objects.create(indicator=other, name=name),
        unique_columns="indicators_indicatoralias.normalized",
    )


@pytest.mark.parametrize(
    "name",
    [
        "Ｒ＆Ｄ占ＧＤＰ比重",  # full-width Latin letters for the fixture alias R&D占GDP比重
        "研发经费 投入强度（%）",  # a space and a unit suffix on 研发经费投入强度
        "全社会研究与试验发展(R&D)经费支出占GDP比重",  # half-width brackets for （R&D）
    ],
    ids=["full-width", "space-and-unit", "half-width-brackets"],
)
def test_it_refuses_a_respelling_of_a_fixture_alias_for_another_indicator(db: None, name: str) -> None:
    assert IndicatorAlias.objects.get(normalized=normalize_name(name)).indicator == rd_intensity()
    other = Indicator.objects.get(code="tech_contract_turnover")
    assert_refused(
        "normalized",
        lambda: IndicatorAlias.objects.create(indicator=other, name=name),
        unique_columns="indicators_indicatoralias.normalized",
    )


def test_it_accepts_a_new_alias_and_stores_its_normalized_form(db: None) -> None:
    alias = IndicatorAlias.objects.create(indicator=rd_intensity(), name="研发投入强度（%）")
    alias.refresh_from_db()
    assert alias.normalized == "研发投入强度"


# ---------------------------------------------------------------- observations


def observation(**values: Any) -> Observation:
    fields: dict[str, Any] = {
        "region": zhengzhou(),
        "indicator": rd_intensity(),
        "year": 2023,
        "value": Decimal("2.5"),
        **values,
    }
    return Observation.objects.create(**fields)


def test_it_refuses_a_second_value_for_the_same_region_indicator_year(db: None) -> None:
    observation()
    assert_refused(
        "observation_unique_region_indicator_year",
        lambda: observation(value=Decimal("9")),
        unique_columns="indicators_observation.region_id, indicators_observation.indicator_id, "
        "indicators_observation.year",
    )


@pytest.mark.parametrize("year", [1948, 2101, 3000])
def test_it_refuses_an_implausible_year(db: None, year: int) -> None:
    assert_refused("observation_year_plausible", lambda: observation(year=year))


def test_it_refuses_an_unknown_origin(db: None) -> None:
    assert_refused("observation_origin_valid", lambda: observation(origin="guess"))


def test_it_refuses_an_unknown_stage(db: None) -> None:
    assert_refused("observation_stage_valid", lambda: observation(stage="rumour"))
    assert_accepted(lambda: observation(stage="estimate"))


# ------------------------------------------------------- revised targets and published evaluations
# Both models refuse save() on a stored row and full_clean() checks them first: bulk_create reaches the database as
# it is, so what the database itself refuses is tested here.


def revision(**values: Any) -> TargetRevision:
    fields: dict[str, Any] = {
        "target": Target.objects.filter(plan__slug="zhengzhou").order_by("pk").first(),
        "target_value": Decimal("7200"),
        "document_title": "测试文件",
        "effective_from": datetime.date(2024, 1, 1),
        "reason": "测试",
        **values,
    }
    return TargetRevision.objects.bulk_create([TargetRevision(**fields)])[0]


@pytest.mark.parametrize(
    ("name", "values"),
    [
        ("target_revision_kind_valid", {"kind": "vibes"}),
        ("target_revision_comparator_valid", {"comparator": "~~"}),
        ("target_revision_upper_gte_lower", {"target_value": Decimal("10"), "target_value_max": Decimal("5")}),
        ("target_revision_upper_gte_lower", {"target_value": None, "target_value_max": Decimal("5")}),
        ("target_revision_document_not_empty", {"document_title": ""}),
        ("target_revision_reason_not_empty", {"reason": ""}),
    ],
)
def test_it_refuses_an_invalid_revision(db: None, name: str, values: dict[str, object]) -> None:
    assert_refused(name, lambda: revision(**values))


def test_it_accepts_a_revision_changing_kind_and_comparator(db: None) -> None:
    assert_accepted(lambda: revision(kind="level", comparator=">="))


def evaluation(**values: Any) -> PublishedEvaluation:
    fields: dict[str, Any] = {"region": henan(), "kind": "final", "as_of": 2025, "title": "测试", "snapshot": {}}
    return PublishedEvaluation.objects.bulk_create([PublishedEvaluation(**{**fields, **values})])[0]


@pytest.mark.parametrize(
    ("name", "values"),
    [
        ("published_evaluation_kind", {"kind": "annual"}),
        ("published_evaluation_year", {"as_of": 1900}),
        ("published_evaluation_year", {"as_of": 2200}),
    ],
)
def test_it_refuses_an_invalid_published_evaluation(db: None, name: str, values: dict[str, object]) -> None:
    assert_refused(name, lambda: evaluation(**values))


def test_it_accepts_a_published_evaluation(db: None) -> None:
    assert_accepted(lambda: evaluation(kind="midterm", as_of=2023))


@pytest.mark.parametrize("year", [1949, 2100])
def test_it_accepts_boundary_years(db: None, year: int) -> None:
    assert_accepted(lambda: observation(year=year))


def test_it_accepts_the_same_year_for_another_region(db: None) -> None:
    observation()
    assert_accepted(lambda: observation(region=henan()))


# ---------------------------------------------------------------- history rows


def change(action: str, old: str | None, new: str | None) -> ObservationChange:
    return ObservationChange.objects.create(
        region=zhengzhou(),
        indicator=rd_intensity(),
        year=2023,
        action=action,
        old_value=None if old is None else Decimal(old),
        new_value=None if new is None else Decimal(new),
        origin="manual",
    )


@pytest.mark.parametrize(
    ("action", "old", "new"),
    [
        ("create", "1", "2"),  # a creation has no old value
        ("create", None, None),  # … and must have a new one
        ("update", None, "2"),
        ("update", "1", None),
        ("delete", "1", "2"),  # a deletion has no new value
        ("delete", None, None),
    ],
)
def test_it_refuses_history_values_that_do_not_match_the_action(
    db: None, action: str, old: str | None, new: str | None
) -> None:
    assert_refused("observation_change_values_match_action", lambda: change(action, old, new))


def test_it_refuses_an_unknown_history_action(db: None) -> None:
    # An unknown action also fails values_match_action; either name is an honest refusal.
    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        change("restore", None, "2")
    message = str(excinfo.value)
    assert "observation_change_action_valid" in message or "observation_change_values_match_action" in message


@pytest.mark.parametrize(("action", "old", "new"), [("create", None, "2"), ("update", "1", "2"), ("delete", "1", None)])
def test_it_accepts_history_values_that_match_the_action(
    db: None, action: str, old: str | None, new: str | None
) -> None:
    assert_accepted(lambda: change(action, old, new))


# ---------------------------------------------------------------- plans


def plan(**values: Any) -> Plan:
    fields: dict[str, Any] = {
        "slug": "test-plan",
        "region": zhengzhou(),
        "title": "测试规划",
        "period": PlanPeriod.objects.get(code="15"),
        "period_start": 2026,
        "period_end": 2030,
        "source_text": "正文",
        **values,
    }
    return Plan.objects.create(**fields)


def test_it_refuses_a_second_plan_of_a_kind_for_a_region_and_period(db: None) -> None:
    plan()
    assert_refused(
        "plan_one_of_a_kind_per_period",
        lambda: plan(slug="second-plan"),
        unique_columns="plans_plan.region_id, plans_plan.kind, plans_plan.period_id",
    )


@pytest.mark.parametrize(
    ("name", "values"),
    [
        ("plan_period_last_after_first", {"first_year": 2031, "last_year": 2031, "baseline_year": 2030}),
        ("plan_period_baseline_before_first", {"first_year": 2031, "last_year": 2035, "baseline_year": 2031}),
    ],
)
def test_it_refuses_a_period_out_of_order(db: None, name: str, values: dict[str, int]) -> None:
    assert_refused(name, lambda: PlanPeriod.objects.create(code="16", name_zh="十六五", name_en="16th", **values))


@pytest.mark.parametrize("period_end", [2026, 2025])
def test_it_refuses_a_plan_period_that_does_not_end_after_it_starts(db: None, period_end: int) -> None:
    assert_refused("plan_period_end_after_start", lambda: plan(period_end=period_end))


def test_it_accepts_a_valid_plan(db: None) -> None:
    assert_accepted(plan)


# ---------------------------------------------------------------- targets


def target(**values: Any) -> Target:
    fields: dict[str, Any] = {
        "plan": Plan.objects.get(slug="zhengzhou"),
        "key": "test-target",
        "indicator": rd_intensity(),
        "label": "研发投入强度(%)",
        "kind": "level",
        "comparator": ">=",
        "baseline_year": 2020,
        "baseline_value": Decimal("2.0"),
        "target_year": 2025,
        "target_value": Decimal("3.0"),
        "section": "table",
        "quote": "研发投入强度达到3%",
        "quote_line": 1,
        **values,
    }
    return Target.objects.create(**fields)


def test_it_refuses_a_duplicate_target_key_within_a_plan(db: None) -> None:
    existing = Target.objects.filter(plan__slug="zhengzhou").first()
    assert existing is not None
    assert_refused(
        "target_key_unique_per_plan",
        lambda: target(key=existing.key),
        unique_columns="plans_target.plan_id, plans_target.key",
    )


def test_it_accepts_the_same_target_key_in_another_plan(db: None) -> None:
    key = Target.objects.filter(plan__slug="zhengzhou").values_list("key", flat=True).first()
    assert key is not None
    assert not Target.objects.filter(plan__slug="kaifeng", key=key).exists()
    assert_accepted(lambda: target(plan=Plan.objects.get(slug="kaifeng"), key=key))


@pytest.mark.parametrize(
    ("name", "values"),
    [
        ("target_year_after_baseline_year", {"baseline_year": 2025}),
        ("target_year_after_baseline_year", {"baseline_year": 2026}),
        ("target_range_upper_gte_lower", {"comparator": "range", "target_value_max": Decimal("2.9")}),
        ("target_range_upper_gte_lower", {"comparator": "range", "target_value_max": None}),
        ("target_range_upper_gte_lower", {"comparator": "range", "kind": "qualitative", "target_value": None,
                                          "target_value_max": Decimal("4")}),
        ("target_value_max_only_for_ranges", {"target_value_max": Decimal("4")}),
        ("target_value_required_unless_relative_or_qualitative", {"target_value": None}),
        ("target_value_required_unless_relative_or_qualitative", {"kind": "annual_growth_rate", "target_value": None}),
        ("target_kind_valid", {"kind": "wish"}),
        ("target_comparator_valid", {"comparator": "~"}),
        ("target_section_valid", {"section": "preface"}),
        ("target_quote_not_empty", {"quote": ""}),
        ("target_compares_growth_only_relative", {"compares": "growth"}),
        ("target_compares_growth_only_relative", {"kind": "relative_to_average", "compares": "pace"}),
    ],
)  # fmt: skip
def test_it_refuses_an_invalid_target(db: None, name: str, values: dict[str, Any]) -> None:
    assert_refused(name, lambda: target(**values))


@pytest.mark.parametrize(
    "values",
    [
        {},
        {"baseline_year": None, "baseline_value": None},
        {"baseline_year": 2024},
        {"comparator": "range", "target_value_max": Decimal("3.0")},  # upper == lower
        {"comparator": "range", "target_value_max": Decimal("3.5")},
        {"kind": "qualitative", "comparator": "=", "target_value": None},
        {"kind": "relative_to_average", "comparator": ">", "target_value": None},
        {"kind": "relative_to_average", "comparator": ">", "target_value": None, "compares": "growth"},
    ],
)
def test_it_accepts_a_valid_target(db: None, values: dict[str, Any]) -> None:
    assert_accepted(lambda: target(**values))


# ---------------------------------------------------------------- imports


def spreadsheet_import(**fields: Any) -> ActualsImport:
    values: dict[str, Any] = {"file_name": "a.xlsx", "file_format": "xlsx", "sha256": "0" * 64, "size": 1}
    return ActualsImport.objects.create(**(values | fields))


def test_it_refuses_an_unknown_import_status(db: None) -> None:
    assert_refused("actuals_import_status_valid", lambda: spreadsheet_import(status="lost"))


@pytest.mark.parametrize(
    ("status", "committed"),
    [("approved", False), ("submitted", False), ("returned", False), ("pending", True), ("cancelled", True)],
    ids=[
        "approved-without-time",
        "submitted-without-time",
        "returned-without-time",
        "pending-with-time",
        "cancelled-with-time",
    ],
)
def test_it_refuses_a_commit_time_that_does_not_match_the_status(db: None, status: str, committed: bool) -> None:
    from django.utils import timezone

    at = timezone.now() if committed else None
    assert_refused(
        "actuals_import_committed_at_iff_confirmed", lambda: spreadsheet_import(status=status, committed_at=at)
    )


def test_it_accepts_each_import_status_with_its_commit_time(db: None) -> None:
    from django.utils import timezone

    assert_accepted(lambda: spreadsheet_import(status="pending"))
    assert_accepted(lambda: spreadsheet_import(status="cancelled"))
    assert_accepted(lambda: spreadsheet_import(status="expired"))
    assert_accepted(lambda: spreadsheet_import(status="submitted", committed_at=timezone.now()))
    assert_accepted(lambda: spreadsheet_import(status="approved", committed_at=timezone.now()))
    assert_accepted(lambda: spreadsheet_import(status="returned", committed_at=timezone.now()))


@pytest.mark.parametrize("status", ["submitted", "approved", "returned"])
def test_it_refuses_a_confirmed_import_whose_file_was_purged(db: None, status: str) -> None:
    from django.utils import timezone

    now = timezone.now()
    assert_refused(
        "actuals_import_confirmed_file_never_purged",
        lambda: spreadsheet_import(status=status, committed_at=now, file_purged_at=now),
    )
    assert_accepted(lambda: spreadsheet_import(status="expired", file_purged_at=now))
    assert_accepted(lambda: spreadsheet_import(status="cancelled", file_purged_at=now))


# ---------------------------------------------------------------- period locks and explanations


def test_it_refuses_a_second_active_lock_of_a_region_year_but_keeps_unlocked_ones(db: None) -> None:
    PeriodLock.objects.create(region=zhengzhou(), year=2023, unlocked_at=timezone.now(), unlock_reason="更正")
    PeriodLock.objects.create(region=zhengzhou(), year=2023)  # the unlocked one is only the record
    assert_refused(
        "period_lock_one_active_per_region_year",
        lambda: PeriodLock.objects.create(region=zhengzhou(), year=2023),
        "indicators_periodlock.region_id, indicators_periodlock.year",
    )
    assert_accepted(lambda: PeriodLock.objects.create(region=zhengzhou(), year=2024))


def test_it_refuses_a_second_active_whole_year_lock(db: None) -> None:
    PeriodLock.objects.create(region=None, year=2023)
    assert_refused(
        "period_lock_one_active_whole_year",
        lambda: PeriodLock.objects.create(region=None, year=2023),
        "indicators_periodlock.year",
    )


def test_it_refuses_an_implausible_lock_year(db: None) -> None:
    assert_refused("period_lock_year_plausible", lambda: PeriodLock.objects.create(region=None, year=1900))


@pytest.mark.parametrize("unlocked", [True, False], ids=["unlocked-without-reason", "reason-without-unlock"])
def test_it_refuses_an_unlock_without_a_reason(db: None, unlocked: bool) -> None:
    fields = {"unlocked_at": timezone.now(), "unlock_reason": ""} if unlocked else {"unlock_reason": "why"}
    assert_refused("period_lock_unlock_has_reason", lambda: PeriodLock.objects.create(year=2023, **fields))


def _explanation(**fields: Any) -> TargetExplanation:
    target = Target.objects.filter(plan__region__adcode="410100").order_by("pk")[0]
    values = {"situation": "s", "outlook": "o", "causes": "c", "measures": "m", "year": 2023} | fields
    return TargetExplanation.objects.create(target=target, **values)


def test_it_refuses_an_implausible_explanation_year(db: None) -> None:
    assert_refused("target_explanation_year_plausible", lambda: _explanation(year=3000))


def test_it_refuses_a_revised_target_without_the_proposal(db: None) -> None:
    assert_refused("target_explanation_revised_only_if_proposed", lambda: _explanation(revised_target=Decimal("2.8")))
    assert_accepted(lambda: _explanation(propose_revision=True, revised_target=Decimal("2.8")))


def _verdict(**fields: Any) -> TargetVerdict:
    target = Target.objects.get(plan__region__adcode="410100", key="goals-national-labs")
    values = {"year": 2024, "verdict": "achieved", "decided_on": datetime.date(2025, 1, 2), "evidence_text": "e"}
    return TargetVerdict.objects.create(target=target, **(values | fields))


def test_it_refuses_an_implausible_verdict(db: None) -> None:
    assert_refused("target_verdict_year_plausible", lambda: _verdict(year=1900))
    assert_refused("target_verdict_verdict_valid", lambda: _verdict(verdict="maybe"))
    assert_accepted(lambda: _verdict(verdict="partly_achieved"))


def test_it_refuses_a_verdict_without_evidence_or_with_a_link_not_http(db: None) -> None:
    assert_refused("target_verdict_has_evidence", lambda: _verdict(evidence_text=""))
    assert_refused("target_verdict_link_is_http", lambda: _verdict(evidence_url="javascript:alert(1)"))
    assert_accepted(lambda: _verdict(evidence_text="", evidence_url="https://example.gov.cn/a"))
    assert_accepted(lambda: _verdict(evidence_text="", evidence_file="verdicts/0123.pdf"))


def _draft(**values: Any) -> PlanDraft:
    return PlanDraft.objects.create(**{"title": "草稿", "text": "到2030年，高新技术企业突破 6000 家。", **values})


def test_it_refuses_a_draft_with_an_unknown_status_or_a_plan_before_it_is_published(db: None) -> None:
    assert_refused("plan_draft_status_valid", lambda: _draft(status="approved"))
    published = Plan.objects.order_by("pk").first()
    assert_refused("plan_draft_unpublished_has_no_plan", lambda: _draft(plan=published))
    assert_refused("plan_draft_unpublished_has_no_plan", lambda: _draft(published_at=timezone.now()))
    assert_accepted(lambda: _draft(status="published", plan=published, published_at=timezone.now()))
    assert_accepted(lambda: _draft(status="published", plan=None, published_at=timezone.now()))  # plan deleted


def test_it_refuses_a_candidate_with_an_unknown_decision(db: None) -> None:
    draft = _draft()

    def candidate(**values: Any) -> DraftCandidate:
        fields = {"draft": draft, "line": 1, "quote": "高新技术企业突破 6000 家", "label": "高新技术企业"}
        return DraftCandidate.objects.create(
            **{**fields, "kind": "level", "comparator": ">=", "section": "body", **values}
        )

    assert_refused("draft_candidate_decision_valid", lambda: candidate(decision="maybe"))
    assert_accepted(lambda: candidate(decision="rejected"))


def test_it_refuses_one_key_twice_in_one_submission(db: None) -> None:
    from django.utils import timezone

    from indicators.models import Indicator, SubmittedValue

    record = spreadsheet_import(status="submitted", committed_at=timezone.now())
    key = {"actuals_import": record, "region": zhengzhou(), "indicator": Indicator.objects.first(), "year": 2023}
    SubmittedValue.objects.create(**key, value=Decimal("1"))
    assert_refused(
        "submitted_value_unique_key",
        lambda: SubmittedValue.objects.create(**key, value=Decimal("2")),
        unique_columns="indicators_submittedvalue.actuals_import_id, indicators_submittedvalue.region_id, "
        "indicators_submittedvalue.indicator_id, indicators_submittedvalue.year",
    )
