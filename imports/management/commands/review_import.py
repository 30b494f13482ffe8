"""`manage.py review_import ID --approve|--return --comment TEXT [--user USERNAME]`: the review queue's approve
and return from the command line. Exit status 0 when done, 1 when the import does not exist, is not awaiting
review, the user may not review it, or its approved values changed since it was submitted."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from imports import service
from indicators.models import ActualsImport


class Command(BaseCommand):
    help = "Approve a submitted import (its values become approved actuals) or return it with a comment."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("id", type=int, help="the import's number (#id)")
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--approve", action="store_true", help="write its values as approved")
        action.add_argument("--return", dest="send_back", action="store_true", help="return it to the uploader")
        parser.add_argument("--comment", default="", help="why (required with --return)")
        parser.add_argument(
            "--user", help="review as this user: their review rights apply and the history names them (default: all)"
        )
        parser.add_argument("--language", default="zh-hans", choices=["zh-hans", "en"], help="language of messages")

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options["language"]):
            self._handle(**options)

    def _handle(self, *, id: int, approve: bool, comment: str, user: str | None, **_: Any) -> None:
        record = ActualsImport.objects.filter(pk=id).first()
        if record is None:
            raise CommandError(f"No import #{id}.", returncode=1)
        reviewer = None
        if user:
            reviewer = get_user_model().objects.filter(username=user, is_active=True).first()
            if reviewer is None:
                raise CommandError(f"Unknown or inactive user {user!r}", returncode=1)
        try:
            if approve:
                record = service.approve(record, reviewer=reviewer, comment=comment)
            else:
                record = service.send_back(record, reviewer=reviewer, comment=comment)
        except service.ReviewRefused as exc:
            raise CommandError(str(exc), returncode=1) from exc
        except PermissionDenied as exc:
            raise CommandError(f"{user} may not review import #{id}.", returncode=1) from exc
        except service.StaleImport as exc:
            raise CommandError(
                f"Import #{id}: approved values changed since it was submitted; nothing was written. Return it so "
                "that the uploader sends the file again.",
                returncode=1,
            ) from exc
        self.stdout.write(self.style.SUCCESS(f"Import #{record.pk}: {record.get_status_display()}."))
