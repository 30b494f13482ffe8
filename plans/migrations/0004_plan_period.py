"""Plan periods (十四五, 十五五): every plan belongs to one, and a region holds at most one plan of a kind per period.

Existing plans are given the period holding their first year; the two national periods are created here (the
loader keeps them in step with fixtures/periods.yaml), and a plan outside both gets a period of its own years.
"""

import django.db.models.deletion
from django.db import migrations, models

PERIODS = (
    ("14", "十四五", "14th Five-Year Plan", 2021, 2025),
    ("15", "十五五", "15th Five-Year Plan", 2026, 2030),
)


def assign_periods(apps, schema_editor):
    PlanPeriod = apps.get_model("plans", "PlanPeriod")
    Plan = apps.get_model("plans", "Plan")
    for code, name_zh, name_en, first, last in PERIODS:
        PlanPeriod.objects.get_or_create(
            code=code,
            defaults={"name_zh": name_zh, "name_en": name_en, "first_year": first, "last_year": last,
                      "baseline_year": first - 1},
        )  # fmt: skip
    for plan in Plan.objects.all():
        period = PlanPeriod.objects.filter(first_year__lte=plan.period_start, last_year__gte=plan.period_start).first()
        if period is None:
            period, _ = PlanPeriod.objects.get_or_create(
                first_year=plan.period_start,
                defaults={"code": f"{plan.period_start}-{plan.period_end}",
                          "name_zh": f"{plan.period_start}—{plan.period_end}年",
                          "name_en": f"{plan.period_start}–{plan.period_end}",
                          "last_year": plan.period_end, "baseline_year": plan.period_start - 1},
            )  # fmt: skip
        plan.period = period
        plan.save(update_fields=["period"])


class Migration(migrations.Migration):
    dependencies = [
        ("cities", "0002_dataversion"),
        ("plans", "0003_target_explanation"),
    ]

    operations = [
        migrations.AddField(
            model_name="plan",
            name="kind",
            field=models.CharField(
                choices=[("sci_tech", "Science and technology plan (科技创新规划)")],
                default="sci_tech",
                max_length=20,
                verbose_name="kind of plan",
            ),
        ),
        migrations.CreateModel(
            name="PlanPeriod",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("code", models.SlugField(max_length=20, unique=True, verbose_name="code")),
                ("name_zh", models.CharField(max_length=50, verbose_name="Chinese name")),
                ("name_en", models.CharField(max_length=100, verbose_name="English name")),
                ("first_year", models.PositiveSmallIntegerField(unique=True, verbose_name="first year")),
                ("last_year", models.PositiveSmallIntegerField(verbose_name="last year")),
                ("baseline_year", models.PositiveSmallIntegerField(verbose_name="baseline year")),
            ],
            options={
                "verbose_name": "plan period",
                "verbose_name_plural": "plan periods",
                "ordering": ["first_year"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("last_year__gt", models.F("first_year"))),
                        name="plan_period_last_after_first",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("baseline_year__lt", models.F("first_year"))),
                        name="plan_period_baseline_before_first",
                    ),
                ],
            },
        ),
        migrations.AddField(
            model_name="plan",
            name="period",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="plans",
                to="plans.planperiod",
                verbose_name="plan period",
            ),
        ),
        migrations.RunPython(assign_periods, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="plan",
            name="period",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="plans",
                to="plans.planperiod",
                verbose_name="plan period",
            ),
        ),
        migrations.AddConstraint(
            model_name="plan",
            constraint=models.UniqueConstraint(fields=("region", "kind", "period"), name="plan_one_of_a_kind_per_period"),
        ),
    ]
