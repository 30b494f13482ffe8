"""`manage.py load_demo_reviews`: the review cycle in the demo — two imports the Zhengzhou demo official
(`zhengzhou`, create_demo_users) submitted and that await review, and one the province (`province`) returned with
a comment. Real imports through the same code path as an upload; 2025 values, so they sit after the demo
actuals (2020–2024). Run after create_demo_users; running it again adds nothing."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from imports.service import build_preview, commit, save_pending, send_back
from indicators.models import ActualsImport

# (file name, rows of a long-layout CSV, the province's comment when it returns the import; None: left submitted)
DEMO_IMPORTS: list[tuple[str, list[tuple[str, str, int, str]], str | None]] = [
    (
        "演示报送-郑州市2025年研发投入.csv",
        [("410100", "研发投入强度", 2025, "2.95"), ("410100", "高新技术企业数量", 2025, "6800")],
        None,
    ),
    ("演示报送-郑州市2025年技术合同.csv", [("410100", "技术合同成交额", 2025, "520")], None),
    (
        "演示报送-郑州市2025年高新技术企业（已退回）.csv",
        [("410100", "高新技术企业数量", 2025, "9800")],
        "2025年高新技术企业数量与认定名单不一致（名单为6800家左右），请核对后重新报送。",
    ),
]


class Command(BaseCommand):
    help = "Demo only: submitted and returned imports of the Zhengzhou demo official, for the review queue."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="run even with DEBUG off")

    @transaction.atomic
    def handle(self, *args: Any, force: bool, **options: Any) -> None:
        if not settings.DEBUG and not force:
            raise CommandError("Refusing to create demo imports with DEBUG off (use --force on a demo server).")
        users = get_user_model().objects
        official, reviewer = users.filter(username="zhengzhou").first(), users.filter(username="province").first()
        if official is None or reviewer is None:
            raise CommandError("Run create_demo_users first: the demo imports are the zhengzhou user's.")
        for name, rows, comment in DEMO_IMPORTS:
            if ActualsImport.objects.filter(file_name=name, uploaded_by=official).exists():
                self.stdout.write(f"  {name}: exists, unchanged")
                continue
            data = ("地区,指标,年份,数值\n" + "".join(f"{a},{i},{y},{v}\n" for a, i, y, v in rows)).encode()
            preview = build_preview(data, name, user=official)
            if preview.errors or not preview.changes:
                raise CommandError(f"{name}: {[p.text() for p in preview.problems] or 'no changes'}")
            record = save_pending(preview, data, user=official)
            commit(record, user=official)
            record.refresh_from_db()
            if comment is not None:
                send_back(record, reviewer=reviewer, comment=comment)
            self.stdout.write(f"  {name}: {'returned' if comment else record.status} (import #{record.pk})")
