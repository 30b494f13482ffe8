"""`manage.py load_demo_revisions`: one demonstration revision (演示数据, demo=True) of one target of one plan, so that
the pages show a target judged against the original and the revised target. Its document and reason say it is a
demonstration (演示：调整示例，非真实文件); load_plans never loads it. Running it again adds nothing."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from plans.revisions import demo_revision


class Command(BaseCommand):
    help = "Demo only: one demonstration revision of a target (演示数据), judged both ways on the pages. Idempotent."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        recorder = get_user_model().objects.filter(username="province").first()  # create_demo_users' province user
        record, created = demo_revision(recorder)
        if record is None:
            self.stdout.write("load_demo_revisions: the demo target is not loaded (run load_plans): nothing done")
            return
        state = "created" if created else "exists, unchanged"
        self.stdout.write(f"demo revision of {record.target.key} ({record.target.plan.slug}): {state}")
        self.stdout.write(self.style.SUCCESS("load_demo_revisions: done"))
