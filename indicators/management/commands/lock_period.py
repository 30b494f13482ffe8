"""`manage.py lock_period --year YYYY [--region ADCODE] --user U [--reason …]`: lock a region × year (no --region:
every region) against changes to its actual values; `--unlock --reason …` lifts it, the lock kept as the record.
Exit status 0 when done, 1 when refused (no right, already locked, not locked, no reason)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from cities.models import Region
from indicators.models import PeriodLock
from indicators.services import LockError, period_lock, period_unlock


class Command(BaseCommand):
    help = "Lock (or with --unlock, unlock) the actual values of a region × year, or of a whole year."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--region", help="adcode; without it the lock covers every region")
        parser.add_argument("--user", required=True, help="who locks: needs the permission indicators.lock_periods")
        parser.add_argument("--unlock", action="store_true", help="lift the lock instead (needs --reason)")
        parser.add_argument("--reason", default="", help="why (required with --unlock)")
        parser.add_argument("--language", default="zh-hans", choices=["zh-hans", "en"], help="language of the report")

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options["language"]):
            self._handle(**options)

    def _handle(self, *, year: int, region: str | None, user: str, unlock: bool, reason: str, **_options: Any) -> None:
        actor = get_user_model().objects.filter(username=user, is_active=True).first()
        if actor is None:
            raise CommandError(_("Unknown or inactive user %(user)s.") % {"user": user}, returncode=1)
        chosen = None
        if region:
            chosen = Region.objects.filter(adcode=region).first()
            if chosen is None:
                raise CommandError(_("Unknown region %(adcode)s.") % {"adcode": region}, returncode=1)
        try:
            if unlock:
                lock = PeriodLock.objects.filter(unlocked_at__isnull=True, year=year, region=chosen).first()
                if lock is None:
                    raise CommandError(_("Nothing to unlock: %(year)s is not locked.") % {"year": year}, returncode=1)
                period_unlock(lock=lock, user=actor, reason=reason)
                self.stdout.write(self.style.SUCCESS(_("Unlocked: %(lock)s.") % {"lock": lock}))
            else:
                lock = period_lock(region=chosen, year=year, user=actor, reason=reason)
                self.stdout.write(self.style.SUCCESS(_("Locked: %(lock)s.") % {"lock": lock}))
        except PermissionDenied as exc:
            raise CommandError(
                _("%(user)s may not lock or unlock periods.") % {"user": actor.get_username()}, returncode=1
            ) from exc
        except LockError as exc:
            raise CommandError(str(exc), returncode=1) from exc
