"""Publish (freeze) an evaluation: `publish_evaluation (--plan SLUG | --province) --year YYYY --kind final|midterm`."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from plans import published as pub
from plans import vocabulary as v
from plans.models import Plan, PublishedEvaluation


class Command(BaseCommand):
    help = (
        "Publish a plan's (--plan SLUG) or the whole province's (--province) evaluation as of a year: a frozen "
        "snapshot. --if-absent: do nothing when one of the same scope, year and kind exists (idempotent)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        scope = parser.add_mutually_exclusive_group(required=True)
        scope.add_argument("--plan", help="the plan's key (slug)")
        scope.add_argument("--province", action="store_true", help="every plan of the province")
        parser.add_argument("--year", type=int, required=True, help="the as-of year")
        parser.add_argument("--kind", choices=v.EVALUATION_KINDS, required=True)
        parser.add_argument("--title", default="", help="default: worded from the scope, kind and year")
        parser.add_argument("--note", default="")
        parser.add_argument("--user", help="publish as this user (needs the right); default: the operator")
        parser.add_argument("--if-absent", action="store_true", help="skip when already published")

    def handle(self, *args: Any, **options: Any) -> None:
        translation.activate("zh-hans")
        plan = None
        if options["plan"]:
            plan = Plan.objects.filter(slug=options["plan"]).first()
            if plan is None:
                raise CommandError(f"No plan {options['plan']!r} (未找到规划).")
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"No user {options['user']!r} (未找到用户).")
        year, kind = options["year"], options["kind"]
        if options["if_absent"]:
            existing = PublishedEvaluation.objects.filter(plan=plan, as_of=year, kind=kind).first()
            if existing is not None:
                self.stdout.write(f"already published: #{existing.pk} {existing.title}")
                return
        try:
            record = pub.publish(
                plan=plan, year=year, kind=kind, user=user, title=options["title"], note=options["note"]
            )
        except (pub.PublishError, PermissionDenied) as error:
            raise CommandError(str(error)) from error
        snapshot = record.snapshot
        self.stdout.write(
            f"published #{record.pk}: {record.title} — {snapshot['targets']} targets, {len(snapshot['values'])} values"
        )
