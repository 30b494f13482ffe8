"""`manage.py send_reminders [--as-of YYYY-MM-DD] [--email] [--region ADCODE] [--language en]`: the values each
region owes that are overdue (plans.completeness), printed per region; with --email, one mail per region to its
members (active users of the region with an e-mail address). Meant for a daily cron line; running it twice the
same day sends the same mails twice, so run it once a day (or once a week)."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cities.models import Membership, Region
from cities.selectors import subtree_q
from plans import completeness
from plans.models import Plan

DUMMY_BACKEND = "django.core.mail.backends.dummy.EmailBackend"


def _day(raw: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(raw)
    except ValueError as exc:
        raise CommandError(f"--as-of: expected a date as YYYY-MM-DD, got {raw!r}") from exc


class Command(BaseCommand):
    help = "List the overdue values of each region (plans.completeness); with --email, mail each region's members."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", default=None, help="the day to judge on, YYYY-MM-DD (default: today)")
        parser.add_argument("--email", action="store_true", help="send one mail per region to its members")
        parser.add_argument("--region", default=None, help="only this region (adcode) and the regions below it")
        parser.add_argument("--language", default="zh-hans", choices=["zh-hans", "en"], help="language of the text")

    def handle(self, *args: Any, **options: Any) -> None:
        today = _day(options["as_of"]) if options["as_of"] else timezone.localdate()
        if options["email"] and settings.EMAIL_BACKEND == DUMMY_BACKEND:
            raise CommandError("--email: mail is not configured (set EMAIL_HOST or EMAIL_BACKEND)")
        regions = Region.objects.filter(pk__in=Plan.objects.values("region")).order_by("adcode")
        if options["region"]:
            top = Region.objects.filter(adcode=options["region"]).first()
            if top is None:
                raise CommandError(f"--region: no region has the adcode {options['region']!r}")
            regions = regions.filter(subtree_q(top))
        with translation.override(options["language"]):
            overdue = [p for p in completeness.positions(list(regions), today=today) if p.state == completeness.OVERDUE]
            by_region: dict[Region, list[completeness.Position]] = {}
            for position in overdue:
                by_region.setdefault(position.region, []).append(position)
            sent = 0
            for region, items in by_region.items():
                self.stdout.write(self._heading(region, items))
                for line in self._lines(items):
                    self.stdout.write(f"  {line}")
                if options["email"]:
                    sent += self._mail(region, items)
            self.stdout.write(
                _("%(day)s: %(values)s overdue value(s) in %(regions)s region(s).")
                % {"day": today.isoformat(), "values": len(overdue), "regions": len(by_region)}
            )
            if options["email"]:
                self.stdout.write(ngettext("%(n)s mail sent.", "%(n)s mails sent.", sent) % {"n": sent})

    def _heading(self, region: Region, items: list[completeness.Position]) -> str:
        return ngettext(
            "%(region)s %(adcode)s: %(n)s value overdue",
            "%(region)s %(adcode)s: %(n)s values overdue",
            len(items),
        ) % {"region": region.name, "adcode": region.adcode, "n": len(items)}

    def _lines(self, items: list[completeness.Position]) -> list[str]:
        return [
            _("%(year)s %(indicator)s (%(code)s): due from %(due)s, overdue since %(overdue)s")
            % {
                "year": p.year,
                "indicator": p.indicator.name,
                "code": p.indicator.code,
                "due": p.due_on.isoformat(),
                "overdue": p.overdue_on.isoformat(),
            }
            for p in items
        ]

    def _mail(self, region: Region, items: list[completeness.Position]) -> int:
        members = Membership.objects.filter(region=region, user__is_active=True).exclude(user__email="")
        addresses = sorted({m.user.email for m in members.select_related("user")})
        if not addresses:
            self.stderr.write(
                _("%(region)s %(adcode)s: no member has an e-mail address; no mail sent.")
                % {"region": region.name, "adcode": region.adcode}
            )
            return 0
        subject = _("[Plan Indicator Tracker] %(heading)s") % {"heading": self._heading(region, items)}
        body = "\n".join(
            [
                _("The following values of %(region)s are overdue. Please import them (Import actuals).")
                % {"region": region.name},
                "",
                *self._lines(items),
                "",
                _("A value held only as demo data still counts as owed."),
            ]
        )
        EmailMessage(subject, body, to=addresses).send()
        return 1
