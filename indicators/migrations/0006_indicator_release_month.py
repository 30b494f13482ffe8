"""The reporting calendar: each indicator's release month and lag (plans.completeness).

The data step gives the indicators of an existing database the defaults of fixtures/indicators.yaml
(release_calendar) as they stood when this migration was written — a frozen copy, because a migration must not
change with the files it was written beside. New databases get them from load_plans. They are defaults the bureau
corrects in the admin.
"""

from typing import Any

from django.db import migrations, models

# month → the indicator codes published in that month of the following year (every other code: March).
RELEASE_MONTHS = {
    # Statistical bulletins (统计公报), technology-market turnover, patent stocks: by April.
    4: [
        "hightech_industry_share",
        "hightech_va_growth_margin",
        "tech_contract_turnover",
        "invention_patents_per_10k",
        "high_value_patents_per_10k",
        "food_industry_cluster_scale",
    ],
    # The R&D bulletin (研究与试验发展经费投入统计公报) and the S&T statistics behind it: September.
    9: [
        "rd_intensity",
        "rd_expenditure",
        "rd_personnel_fte",
        "rd_personnel_per_10k_employed",
        "enterprise_rd_to_revenue",
        "large_medium_enterprise_rd_to_revenue",
        "enterprise_rd_activity_coverage",
        "enterprise_rd_institution_coverage",
        "enterprise_rd_center_coverage",
        "large_medium_enterprise_rd_institution_coverage",
        "fiscal_st_expenditure",
        "fiscal_st_expenditure_share",
    ],
    # Surveys and derived figures: the autumn.
    10: ["science_literacy", "tech_progress_contribution", "digital_economy_core_share"],
    # Rankings published by others: late in the year.
    12: ["st_assessment_provincial_rank", "national_innovative_city_rank"],
}


def set_defaults(apps: Any, schema_editor: Any) -> None:
    indicator = apps.get_model("indicators", "Indicator")
    for month, codes in RELEASE_MONTHS.items():
        indicator.objects.filter(code__in=codes).update(release_month=month)


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0005_merge_0004_period_lock_0004_review_cycle"),
    ]

    operations = [
        migrations.AddField(
            model_name="indicator",
            name="release_lag_years",
            field=models.PositiveSmallIntegerField(
                default=1,
                help_text="The figures for year Y are published in year Y + this (usually 1).",
                verbose_name="release lag in years",
            ),
        ),
        migrations.AddField(
            model_name="indicator",
            name="release_month",
            field=models.PositiveSmallIntegerField(
                default=3,
                help_text="The month (1–12) in which the figures for a year are published; they are due from its first day.",
                verbose_name="release month",
            ),
        ),
        migrations.AddConstraint(
            model_name="indicator",
            constraint=models.CheckConstraint(
                condition=models.Q(("release_month__gte", 1), ("release_month__lte", 12)),
                name="indicator_release_month_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="indicator",
            constraint=models.CheckConstraint(
                condition=models.Q(("release_lag_years__lte", 5)), name="indicator_release_lag_valid"
            ),
        ),
        migrations.RunPython(set_defaults, migrations.RunPython.noop),
    ]
