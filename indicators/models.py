"""The indicator catalogue and the yearly actuals (observations) with the history of every change."""

from __future__ import annotations

import re
import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from cities.models import Region
from indicators import vocabulary

# Trailing unit in brackets, e.g. "技术合同成交额（亿元）" or "比重(%)".
_TRAILING_UNIT = re.compile(r"[(（][^()（）]*[)）]\s*$")


def normalize_name(name: str) -> str:
    """The form names are compared in: NFKC (full-width → half-width), no spaces, no trailing unit, lower case."""
    text = unicodedata.normalize("NFKC", name)
    text = _TRAILING_UNIT.sub("", text.strip())
    return re.sub(r"\s+", "", text).lower()


class Indicator(models.Model):
    class Direction(models.TextChoices):
        HIGHER = vocabulary.HIGHER, _("Higher is better")
        LOWER = vocabulary.LOWER, _("Lower is better")

    class Measure(models.TextChoices):
        STOCK = vocabulary.STOCK, _("Stock (level at a date)")
        FLOW = vocabulary.FLOW, _("Flow (amount over a year)")
        RATIO = vocabulary.RATIO, _("Ratio or percentage")

    class Theme(models.TextChoices):
        INPUT = vocabulary.INPUT, _("Input")
        ACTORS = vocabulary.ACTORS, _("Innovation actors")
        PLATFORMS = vocabulary.PLATFORMS, _("Platforms")
        OUTPUTS = vocabulary.OUTPUTS, _("Outputs")
        TALENT = vocabulary.TALENT, _("Talent")
        ENVIRONMENT = vocabulary.ENVIRONMENT, _("Environment")

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200)
    unit = models.CharField(_("unit"), max_length=20)
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices, default=Direction.HIGHER)
    measure = models.CharField(_("measure"), max_length=10, choices=Measure.choices)
    description = models.TextField(_("description"), blank=True)
    # The reporting calendar (plans.completeness): the figures for year Y appear in this month of Y + lag, and are
    # owed from the first day of that month. Defaults come from fixtures/indicators.yaml (release_calendar); the
    # bureau corrects them in the admin.
    release_month = models.PositiveSmallIntegerField(
        _("release month"),
        default=3,
        help_text=_("The month (1–12) in which the figures for a year are published; they are due from its first day."),
    )
    release_lag_years = models.PositiveSmallIntegerField(
        _("release lag in years"),
        default=1,
        help_text=_("The figures for year Y are published in year Y + this (usually 1)."),
    )
    # The overview's column group; blank: not classified yet (the group "other", drawn last).
    theme = models.CharField(_("theme"), max_length=20, choices=Theme.choices, blank=True, default="")

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(direction__in=["higher", "lower"]), name="indicator_direction_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(measure__in=["stock", "flow", "ratio"]), name="indicator_measure_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(release_month__gte=1, release_month__lte=12), name="indicator_release_month_valid"
            ),
            models.CheckConstraint(condition=models.Q(release_lag_years__lte=5), name="indicator_release_lag_valid"),
            models.CheckConstraint(
                condition=models.Q(theme__in=["", *vocabulary.THEMES]), name="indicator_theme_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name_zh} ({self.code})"

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") else self.name_zh

    def natural_key(self) -> tuple[str]:
        return (self.code,)


class IndicatorAlias(models.Model):
    """Another name a plan or a spreadsheet uses for an indicator (研发投入强度 = R&D经费投入强度 = …)."""

    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indicator"), on_delete=models.CASCADE, related_name="aliases"
    )
    name = models.CharField(_("name"), max_length=200)
    # Unique across indicators: one name can only ever mean one indicator.
    normalized = models.CharField(_("normalized name"), max_length=200, unique=True, editable=False)

    class Meta:
        verbose_name = _("indicator alias")
        verbose_name_plural = _("indicator aliases")
        ordering = ["indicator__code", "name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: object, **kwargs: object) -> None:
        self.normalized = normalize_name(self.name)
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class ComparisonTier(models.Model):
    """A tier of the comparison page (领先 / 中等 / 追赶 …): a city whose figure on `metric` is at least as good as
    `threshold` (the indicator's direction decides what "good" is; completion is always higher-better) falls in
    the best such tier; a tier without a threshold takes the rest. Tiers of an indicator replace, for their metric,
    the tiers without indicator (the defaults for every indicator). Set by the bureau in the admin."""

    class Metric(models.TextChoices):
        LEVEL = "level", _("Level")
        GROWTH = "growth", _("Growth on the year before")
        COMPLETION = "completion", _("Completion of the target")

    indicator = models.ForeignKey(
        Indicator,
        verbose_name=_("indicator"),
        on_delete=models.CASCADE,
        related_name="tiers",
        null=True,
        blank=True,
        help_text=_("Empty: the default tiers of every indicator without tiers of its own for this measure."),
    )
    metric = models.CharField(_("ranked on"), max_length=12, choices=Metric.choices)
    name_zh = models.CharField(_("Chinese name"), max_length=20)
    name_en = models.CharField(_("English name"), max_length=40)
    threshold = models.DecimalField(
        _("from"),
        max_digits=20,
        decimal_places=6,
        null=True,
        blank=True,
        help_text=_(
            "A city is in this tier when its figure is at least as good as this (in the indicator's unit; "
            "completion and growth in %). Empty: every city not in a tier above."
        ),
    )

    class Meta:
        verbose_name = _("comparison tier")
        verbose_name_plural = _("comparison tiers")
        ordering = ["indicator__code", "metric", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(metric__in=["level", "growth", "completion"]), name="comparisontier_metric_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") else self.name_zh

    def clean(self) -> None:
        # One tier takes "the rest" per indicator and measure: a second would never be reached.
        if self.threshold is None:
            rest = ComparisonTier.objects.filter(indicator=self.indicator, metric=self.metric, threshold=None)
            if rest.exclude(pk=self.pk).exists():
                raise ValidationError(
                    {"threshold": _("This measure already has a tier for the rest (没有门槛的档次只能有一个).")}
                )


class Observation(models.Model):
    """One actual value: region × indicator × year. Changes go through indicators.services, which keeps history."""

    class Origin(models.TextChoices):
        DEMO = "demo", _("Demo data")
        IMPORT = "import", _("Spreadsheet import")
        MANUAL = "manual", _("Entered by hand")

    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="observations")
    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indicator"), on_delete=models.PROTECT, related_name="observations"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    value = models.DecimalField(_("value"), max_digits=20, decimal_places=6)
    source = models.CharField(_("source"), max_length=200, blank=True)
    note = models.TextField(_("note"), blank=True)
    origin = models.CharField(_("origin"), max_length=10, choices=Origin.choices, default=Origin.MANUAL)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("actual value")
        verbose_name_plural = _("actual values")
        ordering = ["region__adcode", "indicator__code", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "indicator", "year"], name="observation_unique_region_indicator_year"
            ),
            models.CheckConstraint(
                condition=models.Q(year__gte=1949, year__lte=2100), name="observation_year_plausible"
            ),
            models.CheckConstraint(
                condition=models.Q(origin__in=["demo", "import", "manual"]), name="observation_origin_valid"
            ),
        ]
        indexes = [models.Index(fields=["indicator", "year"], name="observation_indicator_year")]

    def __str__(self) -> str:
        return f"{self.region.name_zh} {self.indicator.code} {self.year} = {self.value}"

    @property
    def is_demo(self) -> bool:
        return self.origin == self.Origin.DEMO


class ObservationChange(models.Model):
    """History: one row per change to an observation, never edited. Region/indicator/year are copied so the
    history survives the deletion of the observation itself."""

    class Action(models.TextChoices):
        CREATE = "create", _("Created")
        UPDATE = "update", _("Changed")
        DELETE = "delete", _("Deleted")

    observation = models.ForeignKey(
        Observation,
        verbose_name=_("actual value"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="changes",
    )
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    indicator = models.ForeignKey(Indicator, verbose_name=_("indicator"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    old_value = models.DecimalField(_("old value"), max_digits=20, decimal_places=6, null=True, blank=True)
    new_value = models.DecimalField(_("new value"), max_digits=20, decimal_places=6, null=True, blank=True)
    old_source = models.CharField(_("old source"), max_length=200, blank=True)
    new_source = models.CharField(_("new source"), max_length=200, blank=True)
    origin = models.CharField(_("origin"), max_length=10, choices=Observation.Origin.choices)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    actuals_import = models.ForeignKey(
        "ActualsImport",
        verbose_name=_("spreadsheet import"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="changes",
    )
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Who approved the value, when it was submitted by someone else (changed_by) and reviewed; for values written
    # approved at once, the writer.
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("change of an actual value")
        verbose_name_plural = _("history of actual values")
        ordering = ["-changed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(action__in=["create", "update", "delete"]), name="observation_change_action_valid"
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(action="create", old_value__isnull=True, new_value__isnull=False)
                    | models.Q(action="update", old_value__isnull=False, new_value__isnull=False)
                    | models.Q(action="delete", old_value__isnull=False, new_value__isnull=True)
                ),
                name="observation_change_values_match_action",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.indicator_id} {self.year}: {self.old_value} → {self.new_value}"


# The folder of MEDIA_ROOT that holds the uploaded spreadsheets; clean_uploads sweeps only this folder.
IMPORT_UPLOAD_DIR = "imports"


def _import_upload_to(instance: ActualsImport, filename: str) -> str:
    # The hash, not the user's file name, names the stored file: no path tricks, no collisions.
    return f"{IMPORT_UPLOAD_DIR}/{instance.uploaded_at:%Y/%m}/{instance.sha256}.{instance.file_format}"


def _parsed_rows_to(instance: ActualsImport, filename: str) -> str:
    # Beside the upload; the name is a random token chosen by imports.service (never the user's).
    return f"{IMPORT_UPLOAD_DIR}/{instance.uploaded_at:%Y/%m}/{filename.rsplit('/', 1)[-1]}"


class ActualsImport(models.Model):
    """One spreadsheet upload of actual values: kept pending while the user reviews the preview, then confirmed
    (the stored file stays for audit) or cancelled (the file is removed). A preview left unconfirmed expires:
    `clean_uploads` removes its file and keeps the row as history.

    Confirmed, it is approved at once (its values written to Observation) when the user may review every region
    it touches, else submitted: its values wait in SubmittedValue until a reviewer approves (then they are
    written) or returns it with a comment (nothing is written)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting confirmation")
        SUBMITTED = "submitted", _("Submitted, awaiting review")
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", _("Returned")
        CANCELLED = "cancelled", _("Cancelled")
        EXPIRED = "expired", _("Expired (never confirmed)")

    # Confirmed by the uploader: committed_at is set and the file is kept.
    CONFIRMED = (Status.SUBMITTED, Status.APPROVED, Status.RETURNED)

    file = models.FileField(_("file"), upload_to=_import_upload_to, max_length=200, blank=True)
    file_name = models.CharField(_("file name"), max_length=255)
    file_format = models.CharField(_("format"), max_length=10)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    size = models.PositiveIntegerField(_("size in bytes"))
    layout = models.CharField(_("layout"), max_length=10, blank=True)
    region = models.ForeignKey(
        Region,
        verbose_name=_("region chosen"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    # Fingerprint of the changes shown in the preview; confirming re-checks it so that what is written is
    # exactly what was shown.
    change_digest = models.CharField(_("fingerprint of the previewed changes"), max_length=64)
    # The values the preview read from the file, checked and matched (JSON, imports.service): the confirmation
    # writes these without parsing the file again. Its SHA-256 is kept here, so a file changed on disk is refused.
    parsed_rows = models.FileField(
        _("values read from the file"), upload_to=_parsed_rows_to, max_length=200, blank=True
    )
    parsed_sha256 = models.CharField(_("SHA-256 of the values read from the file"), max_length=64, blank=True)
    values_read = models.PositiveIntegerField(_("values read"), default=0)
    created_count = models.PositiveIntegerField(_("values added"), default=0)
    updated_count = models.PositiveIntegerField(_("values changed"), default=0)
    unchanged_count = models.PositiveIntegerField(_("values unchanged"), default=0)
    warning_count = models.PositiveIntegerField(_("warnings"), default=0)
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # When the uploader confirmed it (submitted, or approved at once).
    committed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    review_comment = models.TextField(_("review comment"), blank=True)
    # Set when clean_uploads removed the file of an import that was never committed.
    file_purged_at = models.DateTimeField(_("file removed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("spreadsheet import")
        verbose_name_plural = _("spreadsheet imports")
        ordering = ["-uploaded_at", "-id"]
        permissions = [
            ("import_actuals", _("Can import actual values from spreadsheets")),
            ("review_actuals", _("Can approve or return submitted actual values")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "submitted", "approved", "returned", "cancelled", "expired"]),
                name="actuals_import_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["submitted", "approved", "returned"], committed_at__isnull=False)
                | (~models.Q(status__in=["submitted", "approved", "returned"]) & models.Q(committed_at__isnull=True)),
                name="actuals_import_committed_at_iff_confirmed",
            ),
            # A confirmed import's file is the source of values stored or under review: it is never purged.
            models.CheckConstraint(
                condition=~models.Q(status__in=["submitted", "approved", "returned"])
                | models.Q(file_purged_at__isnull=True),
                name="actuals_import_confirmed_file_never_purged",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()}, {self.uploaded_at:%Y-%m-%d %H:%M})"


class PeriodLock(models.Model):
    """A region × year (region empty: every region) whose actual values may no longer change, e.g. once an
    evaluation is published. Unlocking keeps the row with who, when and why: an unlocked lock is the record;
    only a lock not unlocked is active. Checked inside every write (indicators.services)."""

    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty: every region."),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    reason = models.CharField(_("reason for locking"), max_length=500, blank=True)
    locked_at = models.DateTimeField(_("locked at"), default=timezone.now)
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("locked by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    unlocked_at = models.DateTimeField(_("unlocked at"), null=True, blank=True)
    unlocked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("unlocked by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    unlock_reason = models.CharField(_("reason for unlocking"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("period lock")
        verbose_name_plural = _("period locks")
        ordering = ["-year", "region__adcode", "-locked_at", "-id"]
        permissions = [("lock_periods", _("Can lock and unlock the actual values of a year"))]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "year"],
                condition=models.Q(unlocked_at__isnull=True),
                name="period_lock_one_active_per_region_year",
            ),
            # NULLs are distinct in a unique index: the whole-year lock needs its own.
            models.UniqueConstraint(
                fields=["year"],
                condition=models.Q(unlocked_at__isnull=True, region__isnull=True),
                name="period_lock_one_active_whole_year",
            ),
            models.CheckConstraint(
                condition=models.Q(year__gte=1949, year__lte=2100), name="period_lock_year_plausible"
            ),
            # Unlocking always says why.
            models.CheckConstraint(
                condition=models.Q(unlocked_at__isnull=True, unlock_reason="")
                | (models.Q(unlocked_at__isnull=False) & ~models.Q(unlock_reason="")),
                name="period_lock_unlock_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.message()

    @property
    def is_active(self) -> bool:
        return self.unlocked_at is None

    def region_name(self) -> str:
        return str(self.region.name) if self.region is not None else str(_("every region"))

    def message(self) -> str:
        """'2023年 郑州市 已由 bob 于 2026-11-30 锁定', in the active language."""
        return str(
            _("%(year)s for %(region)s was locked by %(user)s on %(date)s")
            % {
                "year": self.year,
                "region": self.region_name(),
                "user": self.locked_by.get_username() if self.locked_by is not None else "—",
                "date": timezone.localdate(self.locked_at).isoformat(),
            }
        )


class SubmittedValue(models.Model):
    """A value of a submitted import, waiting for review: not an actual until approved (then written to
    Observation). `base_*` is the approved value it was compared with at submission (none: a new value); the
    approval refuses when that has changed meanwhile."""

    actuals_import = models.ForeignKey(
        ActualsImport, verbose_name=_("spreadsheet import"), on_delete=models.CASCADE, related_name="submitted_values"
    )
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    indicator = models.ForeignKey(Indicator, verbose_name=_("indicator"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    value = models.DecimalField(_("value"), max_digits=20, decimal_places=6)
    source = models.CharField(_("source"), max_length=200, blank=True)
    note = models.TextField(_("note"), blank=True)
    base_observation_id = models.BigIntegerField(_("approved value compared with"), null=True, blank=True)
    base_value = models.DecimalField(_("approved value then"), max_digits=20, decimal_places=6, null=True, blank=True)
    base_source = models.CharField(_("approved source then"), max_length=200, blank=True)
    base_note = models.TextField(_("approved note then"), blank=True)
    base_origin = models.CharField(_("approved origin then"), max_length=10, blank=True)

    class Meta:
        verbose_name = _("submitted value")
        verbose_name_plural = _("submitted values")
        ordering = ["actuals_import", "region__adcode", "indicator__code", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["actuals_import", "region", "indicator", "year"], name="submitted_value_unique_key"
            ),
        ]
        indexes = [models.Index(fields=["region", "indicator", "year"], name="submitted_value_key")]

    def __str__(self) -> str:
        return f"#{self.actuals_import_id} {self.region_id} {self.indicator_id} {self.year} = {self.value}"
