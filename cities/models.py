"""Regions: the province, its prefecture-level cities and (later) counties, keyed by adcode."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from cities.versioning import new_epoch

# \Z, not $: "$" also matches before a trailing newline (Python and SQLite), which would let "410100\n" in.
adcode_validator = RegexValidator(r"^[0-9]{6}\Z", _("An adcode is six digits."))


class Region(models.Model):
    class Level(models.TextChoices):
        PROVINCE = "province", _("Province")
        CITY = "city", _("Prefecture-level city")
        COUNTY = "county", _("County")

    adcode = models.CharField(_("adcode"), max_length=6, unique=True, validators=[adcode_validator])
    name_zh = models.CharField(_("Chinese name"), max_length=50)
    name_en = models.CharField(_("English name"), max_length=100)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent region"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["adcode"]
        constraints = [
            models.CheckConstraint(condition=models.Q(adcode__regex=r"^[0-9]{6}\Z"), name="region_adcode_six_digits"),
            models.CheckConstraint(
                condition=models.Q(level__in=["province", "city", "county"]), name="region_level_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(level="province") | models.Q(parent__isnull=False),
                name="region_non_province_has_parent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name_zh} ({self.adcode})"

    @property
    def name(self) -> str:
        """The name in the active language."""
        return self.name_en if (get_language() or "").startswith("en") else self.name_zh

    def natural_key(self) -> tuple[str]:
        return (self.adcode,)


class Membership(models.Model):
    """Which region a user works for: a city official writes that city's data, provincial staff any region's."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="membership"
    )
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="members")

    class Meta:
        verbose_name = _("region membership")
        verbose_name_plural = _("region memberships")

    def __str__(self) -> str:
        return f"{self.user} → {self.region}"


class DataVersion(models.Model):
    """One row: a number every write of the project's data raises, in the writer's transaction (cities.versioning).

    Cached pages are keyed on it, so a page read after a write has committed is computed afresh, whichever
    worker or server serves it and whichever cache (local memory or Redis) holds the old one."""

    version = models.BigIntegerField(_("data version"), default=0)
    # Renewed when the whole database is replaced (restore): versions of the old one may repeat in the new.
    epoch = models.CharField(_("epoch"), max_length=32, default=new_epoch)
    changed_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        verbose_name = _("data version")
        verbose_name_plural = _("data versions")
        constraints = [models.CheckConstraint(condition=models.Q(pk=1), name="dataversion_single_row")]

    def __str__(self) -> str:
        return f"{self.epoch}-{self.version}"
