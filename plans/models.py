"""Plans (a region's five-year plan document) and their targets, each traceable to its sentence."""

from __future__ import annotations

import uuid
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from cities.models import Region
from indicators.models import Indicator
from indicators.numbers import plain
from plans import vocabulary as v


class PlanPeriod(models.Model):
    """A five-year-plan period (十四五 2021–2025, 十五五 2026–2030…). Its baseline year is the year its plans measure
    from, the previous period's last year: the final actuals of one period are the baselines of the next."""

    code = models.SlugField(_("code"), max_length=20, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=50)
    name_en = models.CharField(_("English name"), max_length=100)
    first_year = models.PositiveSmallIntegerField(_("first year"), unique=True)
    last_year = models.PositiveSmallIntegerField(_("last year"))
    baseline_year = models.PositiveSmallIntegerField(_("baseline year"))

    class Meta:
        verbose_name = _("plan period")
        verbose_name_plural = _("plan periods")
        ordering = ["first_year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(last_year__gt=models.F("first_year")), name="plan_period_last_after_first"
            ),
            models.CheckConstraint(
                condition=Q(baseline_year__lt=models.F("first_year")), name="plan_period_baseline_before_first"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name_zh}（{self.first_year}–{self.last_year}）"

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") else self.name_zh

    def covers(self, year: int) -> bool:
        return self.first_year <= year <= self.last_year


class Plan(models.Model):
    class Kind(models.TextChoices):
        # One plan of a kind per region and period: the S&T plan is the one the bureau follows.
        SCI_TECH = v.PLAN_SCI_TECH, _("Science and technology plan (科技创新规划)")

    slug = models.SlugField(_("key"), max_length=64, unique=True)
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="plans")
    period = models.ForeignKey(
        PlanPeriod, verbose_name=_("plan period"), on_delete=models.PROTECT, related_name="plans"
    )
    kind = models.CharField(_("kind of plan"), max_length=20, choices=Kind.choices, default=Kind.SCI_TECH)
    title = models.CharField(_("title"), max_length=300)
    document_number = models.CharField(_("document number"), max_length=100, blank=True)
    issue_date = models.DateField(_("issue date"), null=True, blank=True)
    period_start = models.PositiveSmallIntegerField(_("first year of the period"))
    period_end = models.PositiveSmallIntegerField(_("last year of the period"))
    source_text = models.TextField(_("document text"))

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        ordering = ["region__adcode", "period_start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gt=models.F("period_start")), name="plan_period_end_after_start"
            ),
            models.UniqueConstraint(fields=["region", "kind", "period"], name="plan_one_of_a_kind_per_period"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.period_id is None:  # the period holding its first year, as the loader decides for a plan file
            self.period = PlanPeriod.objects.filter(
                first_year__lte=self.period_start, last_year__gte=self.period_start
            ).first()  # None: the database refuses the plan (NOT NULL)
        super().save(*args, **kwargs)


class Target(models.Model):
    class Kind(models.TextChoices):
        LEVEL = v.LEVEL, _("Level to reach")
        ANNUAL_GROWTH_RATE = v.ANNUAL_GROWTH_RATE, _("Average annual growth rate")
        CUMULATIVE_NEW = v.CUMULATIVE_NEW, _("Amount added over the period")
        PER_YEAR = v.PER_YEAR, _("Amount in every year")
        MULTIPLE_OF_BASELINE = v.MULTIPLE_OF_BASELINE, _("Multiple of the baseline")
        RELATIVE_TO_AVERAGE = v.RELATIVE_TO_AVERAGE, _("Relative to the provincial average")
        QUALITATIVE = v.QUALITATIVE, _("Qualitative")

    class Comparator(models.TextChoices):
        GTE = v.AT_LEAST, _("at least")
        GT = v.MORE_THAN, _("more than")
        EQ = v.EQUAL, _("equal to")
        ABOUT = v.ABOUT, _("about")
        RANGE = v.RANGE, _("between")
        LTE = v.AT_MOST, _("at most")

    class Section(models.TextChoices):
        TABLE = v.TABLE, _("Indicator table")
        GOALS = v.GOALS, _("Goals section")
        BODY = v.BODY, _("Plan body")

    class Compares(models.TextChoices):
        LEVEL = v.COMPARES_LEVEL, _("Levels")
        GROWTH = v.COMPARES_GROWTH, _("Average annual growth rates")

    class Attribute(models.TextChoices):
        ANTICIPATORY = v.ANTICIPATORY, _("Anticipatory (预期性)")
        BINDING = v.BINDING, _("Binding (约束性)")

    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="targets")
    key = models.SlugField(_("key"), max_length=100, help_text=_("Stable key within the plan, from the fixture file."))
    position = models.PositiveIntegerField(_("position"), default=0)
    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indicator"), on_delete=models.PROTECT, related_name="targets"
    )
    label = models.CharField(_("name as printed"), max_length=300)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    comparator = models.CharField(_("comparator"), max_length=10, choices=Comparator.choices)
    baseline_year = models.PositiveSmallIntegerField(_("baseline year"), null=True, blank=True)
    baseline_value = models.DecimalField(_("baseline value"), max_digits=20, decimal_places=6, null=True, blank=True)
    baseline_note = models.CharField(_("baseline note"), max_length=500, blank=True)
    baseline_quote = models.TextField(_("baseline quote"), blank=True)
    target_year = models.PositiveSmallIntegerField(_("target year"))
    target_value = models.DecimalField(_("target value"), max_digits=20, decimal_places=6, null=True, blank=True)
    target_value_max = models.DecimalField(
        _("upper value (ranges)"), max_digits=20, decimal_places=6, null=True, blank=True
    )
    unit = models.CharField(_("unit as printed"), max_length=20, blank=True)
    compares = models.CharField(
        _("compares"),
        max_length=10,
        choices=Compares.choices,
        default=Compares.LEVEL,
        help_text=_(
            "For targets relative to the provincial average: compare the levels, or their average annual growth."
        ),
    )
    section = models.CharField(_("section"), max_length=10, choices=Section.choices)
    attribute = models.CharField(_("attribute"), max_length=10, choices=Attribute.choices, blank=True)
    quote = models.TextField(_("quote"))
    quote_line = models.PositiveIntegerField(_("line in the document"))
    note = models.TextField(_("note"), blank=True)
    conflicts_with = models.ManyToManyField("self", verbose_name=_("conflicts with"), blank=True, symmetrical=True)

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["plan", "position"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "key"], name="target_key_unique_per_plan"),
            models.CheckConstraint(
                condition=Q(baseline_year__isnull=True) | Q(target_year__gt=models.F("baseline_year")),
                name="target_year_after_baseline_year",
            ),
            models.CheckConstraint(
                condition=~Q(comparator=v.RANGE)
                | Q(
                    target_value__isnull=False,
                    target_value_max__isnull=False,
                    target_value_max__gte=models.F("target_value"),
                ),
                name="target_range_upper_gte_lower",
            ),
            models.CheckConstraint(
                condition=Q(comparator=v.RANGE) | Q(target_value_max__isnull=True),
                name="target_value_max_only_for_ranges",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=list(v.VALUELESS_KINDS)) | Q(target_value__isnull=False),
                name="target_value_required_unless_relative_or_qualitative",
            ),
            models.CheckConstraint(condition=Q(kind__in=list(v.KINDS)), name="target_kind_valid"),
            models.CheckConstraint(condition=Q(comparator__in=list(v.COMPARATORS)), name="target_comparator_valid"),
            models.CheckConstraint(condition=Q(section__in=list(v.SECTIONS)), name="target_section_valid"),
            models.CheckConstraint(condition=~Q(quote=""), name="target_quote_not_empty"),
            models.CheckConstraint(
                condition=Q(compares=v.COMPARES_LEVEL) | Q(compares=v.COMPARES_GROWTH, kind=v.RELATIVE_TO_AVERAGE),
                name="target_compares_growth_only_relative",
            ),
        ]
        indexes = [models.Index(fields=["indicator", "plan"], name="target_indicator_plan")]

    def __str__(self) -> str:
        return f"{self.plan.region.name_zh} · {self.label}"

    @property
    def region(self) -> Region:
        return self.plan.region


class TargetExplanation(models.Model):
    """A city's account of a target that lags, falls far behind, regresses or was not achieved, for the year it
    explains (the as-of year of the status): where it stands, whether it will be met, the causes, whether to
    propose a revised target, the next measures. Never edited: every edit is a new row, the latest is shown and
    the earlier ones are kept."""

    target = models.ForeignKey(Target, verbose_name=_("target"), on_delete=models.CASCADE, related_name="explanations")
    year = models.PositiveSmallIntegerField(_("year explained"))
    situation = models.TextField(_("where it stands (完成情况)"))
    outlook = models.TextField(_("will it be met (趋势判断)"))
    causes = models.TextField(_("causes (原因分析)"))
    propose_revision = models.BooleanField(_("propose a revised target (是否建议调整)"), default=False)
    revised_target = models.DecimalField(
        _("proposed revised target"), max_digits=20, decimal_places=6, null=True, blank=True
    )
    measures = models.TextField(_("next measures (下一步措施)"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("written by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("written at"), default=timezone.now)

    class Meta:
        verbose_name = _("explanation of a target")
        verbose_name_plural = _("explanations of targets")
        ordering = ["target", "-year", "-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(year__gte=1949, year__lte=2100), name="target_explanation_year_plausible"
            ),
            # A revised number only with the proposal to revise.
            models.CheckConstraint(
                condition=Q(propose_revision=True) | Q(revised_target__isnull=True),
                name="target_explanation_revised_only_if_proposed",
            ),
        ]
        indexes = [models.Index(fields=["target", "year"], name="target_explanation_target_year")]

    def __str__(self) -> str:
        return f"{self.target} · {self.year} · {self.created_at:%Y-%m-%d %H:%M}"


def evidence_path(instance: TargetVerdict, filename: str) -> str:
    """Where an evidence file is stored: under MEDIA_ROOT/verdicts/, a random name keeping only the (checked)
    extension; the uploader's file name is kept in evidence_name, for the download."""
    suffix = PurePath(filename).suffix.lower()
    return f"verdicts/{uuid.uuid4().hex}{suffix if suffix in v.EVIDENCE_SUFFIXES else ''}"


class TargetVerdict(models.Model):
    """A reviewer's verdict on a qualitative target (全覆盖, 零突破, a rank, 保十进五…) for the year it judges (its
    as-of year): achieved, partly achieved or not achieved, with its evidence — a text, a link or an uploaded file
    — and the date it was reached. Never edited: every verdict is a new row; for an as-of year the latest counts,
    the earlier ones are kept (who and when)."""

    class Verdict(models.TextChoices):
        ACHIEVED = v.ACHIEVED, _("Achieved")
        PARTLY_ACHIEVED = v.PARTLY_ACHIEVED, _("Partly achieved")
        NOT_ACHIEVED = v.NOT_ACHIEVED, _("Not achieved")

    target = models.ForeignKey(Target, verbose_name=_("target"), on_delete=models.CASCADE, related_name="verdicts")
    year = models.PositiveSmallIntegerField(_("year judged (as of)"))
    verdict = models.CharField(_("verdict"), max_length=20, choices=Verdict.choices)
    decided_on = models.DateField(_("date of the verdict"))
    evidence_text = models.TextField(_("evidence"), blank=True)
    evidence_url = models.CharField(
        _("evidence link"), max_length=500, blank=True, validators=[URLValidator(schemes=["http", "https"])]
    )
    evidence_file = models.FileField(_("evidence file"), upload_to=evidence_path, max_length=200, blank=True)
    evidence_name = models.CharField(_("evidence file name"), max_length=200, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("verdict on a target")
        verbose_name_plural = _("verdicts on targets")
        ordering = ["target", "-year", "-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(year__gte=1949, year__lte=2100), name="target_verdict_year_plausible"),
            models.CheckConstraint(condition=Q(verdict__in=list(v.VERDICTS)), name="target_verdict_verdict_valid"),
            # Every verdict rests on something: a text, a link or a file.
            models.CheckConstraint(
                condition=~Q(evidence_text="") | ~Q(evidence_url="") | ~Q(evidence_file=""),
                name="target_verdict_has_evidence",
            ),
            models.CheckConstraint(
                condition=Q(evidence_url="")
                | Q(evidence_url__startswith="http://")
                | Q(evidence_url__startswith="https://"),
                name="target_verdict_link_is_http",
            ),
        ]
        indexes = [models.Index(fields=["target", "year"], name="target_verdict_target_year")]

    def __str__(self) -> str:
        return f"{self.target} · {self.year} · {self.get_verdict_display()}"


class PublishedEvaluationFrozen(Exception):
    """A published evaluation was to be changed or deleted: it never changes (publish a new one instead)."""


class PublishedEvaluationQuerySet(models.QuerySet["PublishedEvaluation"]):
    def update(self, **kwargs: Any) -> int:
        raise PublishedEvaluationFrozen("a published evaluation never changes")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PublishedEvaluationFrozen("a published evaluation is never deleted")


class PublishedEvaluation(models.Model):
    """An evaluation (中期评估 / 终期评估) of one plan, or of every plan of the province, as of a year, published by
    province staff: a frozen snapshot of every figure, status, explanation, verdict and value it rested on
    (plans.published builds it from plans.evaluation). Never changed, never deleted: when the final statistics
    replace the estimates, publish again and compare."""

    class Kind(models.TextChoices):
        MIDTERM = v.MIDTERM, _("Mid-term evaluation (中期评估)")
        FINAL = v.FINAL_EVALUATION, _("Final evaluation (终期评估)")

    plan = models.ForeignKey(
        Plan,
        verbose_name=_("plan"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="published_evaluations",
        help_text=_("Empty: every plan of the province."),
    )
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind of evaluation"), max_length=10, choices=Kind.choices)
    as_of = models.PositiveSmallIntegerField(_("as of (year)"))
    title = models.CharField(_("title"), max_length=300)
    note = models.TextField(_("note"), blank=True)
    snapshot = models.JSONField(_("snapshot"))
    published_at = models.DateTimeField(_("published at"), default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = PublishedEvaluationQuerySet.as_manager()

    class Meta:
        verbose_name = _("published evaluation")
        verbose_name_plural = _("published evaluations")
        ordering = ["-published_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=list(v.EVALUATION_KINDS)), name="published_evaluation_kind"),
            models.CheckConstraint(condition=Q(as_of__gte=1949, as_of__lte=2100), name="published_evaluation_year"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PublishedEvaluationFrozen("a published evaluation never changes")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PublishedEvaluationFrozen("a published evaluation is never deleted")


class RevisionImmutable(Exception):
    """A saved revision is history: it is never changed or deleted (a new revision supersedes it)."""


class TargetRevision(models.Model):
    """A target revised mid-plan through the formal procedure (an approving document: 人大常委会 or 政府): the new
    value (and kind or comparator when they change; blank = unchanged), optionally a new target year, the document,
    the date it takes effect and the reason. The original target stays; the target is judged against both. For an
    as-of year the revision in force is the latest whose year of effect is at most that year. Never edited or
    deleted once saved (save and delete refuse): history. `demo` marks a demonstration revision (演示数据)."""

    target = models.ForeignKey(Target, verbose_name=_("target"), on_delete=models.CASCADE, related_name="revisions")
    kind = models.CharField(_("new kind"), max_length=30, choices=Target.Kind.choices, blank=True)
    comparator = models.CharField(_("new comparator"), max_length=10, choices=Target.Comparator.choices, blank=True)
    target_value = models.DecimalField(_("new target value"), max_digits=20, decimal_places=6, null=True, blank=True)
    target_value_max = models.DecimalField(
        _("new upper value (ranges)"), max_digits=20, decimal_places=6, null=True, blank=True
    )
    target_year = models.PositiveSmallIntegerField(_("new target year"), null=True, blank=True)
    document_title = models.CharField(_("approving document"), max_length=300)
    document_number = models.CharField(_("document number"), max_length=100, blank=True)
    effective_from = models.DateField(_("takes effect on"))
    reason = models.TextField(_("reason for the revision"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    demo = models.BooleanField(_("demonstration (演示数据)"), default=False)

    class Meta:
        verbose_name = _("revision of a target")
        verbose_name_plural = _("revisions of targets")
        ordering = ["target", "effective_from", "recorded_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind="") | Q(kind__in=list(v.KINDS)), name="target_revision_kind_valid"),
            models.CheckConstraint(
                condition=Q(comparator="") | Q(comparator__in=list(v.COMPARATORS)),
                name="target_revision_comparator_valid",
            ),
            models.CheckConstraint(
                condition=Q(target_value_max__isnull=True)
                | Q(target_value__isnull=False, target_value_max__gte=models.F("target_value")),
                name="target_revision_upper_gte_lower",
            ),
            models.CheckConstraint(condition=~Q(document_title=""), name="target_revision_document_not_empty"),
            models.CheckConstraint(condition=~Q(reason=""), name="target_revision_reason_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.target} · {self.effective_from:%Y-%m-%d} · {self.document_title}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise RevisionImmutable("a saved revision is history: record a new one instead")
        self.full_clean(exclude=["recorded_by"])
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise RevisionImmutable("a saved revision is history: it is never deleted")

    @property
    def year(self) -> int:
        """The first as-of year the revision applies to."""
        return self.effective_from.year

    @property
    def new_kind(self) -> str:
        return self.kind or self.target.kind

    @property
    def new_comparator(self) -> str:
        return self.comparator or self.target.comparator

    @property
    def new_target_year(self) -> int:
        return self.target_year or self.target.target_year

    def clean(self) -> None:
        """The revised target must be a target the method can judge, by the rules of Target's constraints and the
        fixture schema (plans.vocabulary): each problem in the language of the request, naming its field."""
        problems: dict[str, list[str]] = {}

        def refuse(field: str, message: str) -> None:
            problems.setdefault(field, []).append(message)

        if self.target_id is None:
            raise ValidationError({"target": gettext("Target: choose the target the revision is for.")})
        target = self.target
        kind, comparator, year = self.new_kind, self.new_comparator, self.new_target_year
        if kind not in v.KINDS:
            refuse("kind", gettext("New kind: unknown kind “%(kind)s”.") % {"kind": kind})
        if comparator not in v.COMPARATORS:
            refuse("comparator", gettext("New comparator: unknown comparator “%(c)s”.") % {"c": comparator})
        if self.target_value is None and kind not in v.VALUELESS_KINDS:
            refuse("target_value", gettext("New target value: required (the revised target states a number)."))
        if comparator == v.RANGE:
            if self.target_value_max is None:
                refuse("target_value_max", gettext("New upper value: a range (between) needs an upper value."))
            elif self.target_value is not None and self.target_value_max < self.target_value:
                refuse(
                    "target_value_max",
                    gettext("New upper value: %(max)s is below the new target value %(value)s.")
                    % {"max": plain(self.target_value_max), "value": plain(self.target_value)},
                )
        elif self.target_value_max is not None:
            refuse(
                "target_value_max",
                gettext("New upper value: only a range (between) has one; the comparator is “%(c)s”.")
                % {"c": comparator},
            )
        if target.compares == v.COMPARES_GROWTH and kind != v.RELATIVE_TO_AVERAGE:
            refuse(
                "kind",
                gettext("New kind: this target compares growth rates with the province, which only kind “%(k)s” does.")
                % {"k": v.RELATIVE_TO_AVERAGE},
            )
        plan = target.plan
        if target.baseline_year is not None and year <= target.baseline_year:
            refuse(
                "target_year",
                gettext("New target year: %(year)s is not after the baseline year %(base)s.")
                % {"year": year, "base": target.baseline_year},
            )
        elif not plan.period_start <= year <= plan.period_end:
            refuse(
                "target_year",
                gettext("New target year: %(year)s is outside the plan period %(first)s–%(last)s.")
                % {"year": year, "first": plan.period_start, "last": plan.period_end},
            )
        if self.effective_from is not None and not plan.period_start <= self.effective_from.year <= year:
            refuse(
                "effective_from",
                gettext("Takes effect on: the year must be between %(first)s and the target year %(last)s.")
                % {"first": plan.period_start, "last": year},
            )
        if not (self.document_title or "").strip():
            refuse("document_title", gettext("Approving document: give the title of the document approving it."))
        if not (self.reason or "").strip():
            refuse("reason", gettext("Reason: say why the target is revised."))
        if problems:
            raise ValidationError(problems)


SAMPLE_MARK = "示例"  # a sample document (fixtures/documents/sample.txt) says so wherever it appears


class PlanDraft(models.Model):
    """A new plan's document as an admin uploaded or pasted it, with the candidate targets the proposer read from it
    (DraftCandidate), reviewed one by one before the plan is published (plans.drafts.draft_publish). Once published
    the draft is read-only and names its plan."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft (being reviewed)")
        PUBLISHED = "published", _("Published")

    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    period = models.ForeignKey(
        PlanPeriod, verbose_name=_("plan period"), on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    kind = models.CharField(_("kind of plan"), max_length=20, choices=Plan.Kind.choices, default=Plan.Kind.SCI_TECH)
    title = models.CharField(_("title"), max_length=300)
    document_number = models.CharField(_("document number"), max_length=100, blank=True)
    issue_date = models.DateField(_("issue date"), null=True, blank=True)
    text = models.TextField(_("document text"))
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    plan = models.ForeignKey(
        Plan, verbose_name=_("published plan"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        verbose_name = _("plan draft")
        verbose_name_plural = _("plan drafts")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=["draft", "published"]), name="plan_draft_status_valid"),
            models.CheckConstraint(
                condition=~Q(status="draft") | Q(plan__isnull=True, published_at__isnull=True),
                name="plan_draft_unpublished_has_no_plan",
            ),
        ]

    def __str__(self) -> str:
        return self.title if not self.is_sample or SAMPLE_MARK in self.title else f"【{SAMPLE_MARK}】{self.title}"

    @property
    def is_sample(self) -> bool:
        """A draft of the sample document (its text opens with 【示例】, its title says 示例): never published."""
        return self.text.lstrip("\ufeff \n").startswith(f"【{SAMPLE_MARK}】") or SAMPLE_MARK in self.title

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class DraftCandidate(models.Model):
    """One candidate target of a draft, as the proposer read it (or as the admin corrected it: edited), and the
    admin's decision on it."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("Not yet decided")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")

    draft = models.ForeignKey(
        PlanDraft, verbose_name=_("plan draft"), on_delete=models.CASCADE, related_name="candidates"
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    line = models.PositiveIntegerField(_("line in the document"))
    quote = models.TextField(_("quote"))
    label = models.CharField(_("name as printed"), max_length=300)
    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indicator"), on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    unit = models.CharField(_("unit as printed"), max_length=20, blank=True)
    kind = models.CharField(_("kind"), max_length=30, choices=Target.Kind.choices)
    comparator = models.CharField(_("comparator"), max_length=10, choices=Target.Comparator.choices)
    baseline_year = models.PositiveSmallIntegerField(_("baseline year"), null=True, blank=True)
    baseline_value = models.DecimalField(_("baseline value"), max_digits=20, decimal_places=6, null=True, blank=True)
    target_year = models.PositiveSmallIntegerField(_("target year"), null=True, blank=True)
    target_value = models.DecimalField(_("target value"), max_digits=20, decimal_places=6, null=True, blank=True)
    target_value_max = models.DecimalField(
        _("upper value (ranges)"), max_digits=20, decimal_places=6, null=True, blank=True
    )
    section = models.CharField(_("section"), max_length=10, choices=Target.Section.choices)
    attribute = models.CharField(_("attribute"), max_length=10, choices=Target.Attribute.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices, default=Decision.PENDING)
    edited = models.BooleanField(_("edited by the reviewer"), default=False)

    class Meta:
        verbose_name = _("candidate target")
        verbose_name_plural = _("candidate targets")
        ordering = ["draft", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(decision__in=["pending", "accepted", "rejected"]), name="draft_candidate_decision_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"L{self.line} · {self.label}"
