from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from cities.models import Membership, Region

# (username, password, region adcode, role). Demo only: the command refuses to run with DEBUG off unless forced.
DEMO_USERS = [
    ("admin", "admin-demo-2025", "410000", "admin"),
    ("province", "province-demo-2025", "410000", "provincial_staff"),
    ("zhengzhou", "zhengzhou-demo-2025", "410100", "city_official"),
]

# What each role may do in the admin and through the API. City officials' write rights are limited to their
# own region by the import views; here they get the model permissions those views check.
ROLE_PERMISSIONS = {
    "provincial_staff": [
        "view_region",
        "view_indicator",
        "view_indicatoralias",
        "view_comparisontier",
        "add_comparisontier",
        "change_comparisontier",
        "delete_comparisontier",
        "view_planperiod",
        "view_plan",
        "view_target",
        "view_observation",
        "add_observation",
        "change_observation",
        "view_observationchange",
        "view_actualsimport",
        "import_actuals",
        "lock_periods",
        "view_periodlock",
        "review_actuals",
        "add_publishedevaluation",  # with the review right: province staff publish evaluations
        # Revised targets (plans.TargetRevision): recorded by provincial staff only, never by city officials.
        "view_targetrevision",
        "add_targetrevision",
    ],
    "city_official": [
        "view_region",
        "view_indicator",
        "view_plan",
        "view_target",
        "view_observation",
        "add_observation",
        "change_observation",
        "import_actuals",
    ],
}


class Command(BaseCommand):
    help = "Create one demo user per role (admin, provincial staff, city official) and print their logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="run even with DEBUG off")

    @transaction.atomic
    def handle(self, *args: Any, force: bool, **options: Any) -> None:
        if not settings.DEBUG and not force:
            raise CommandError("Refusing to create demo users with DEBUG off (use --force on a demo server).")
        for role, codenames in ROLE_PERMISSIONS.items():
            group, _ = Group.objects.get_or_create(name=role)
            group.permissions.set(Permission.objects.filter(codename__in=codenames))
        User = get_user_model()
        self.stdout.write("Demo logins (演示账号):")
        for username, password, adcode, role in DEMO_USERS:
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User.objects.create_user(username=username, password=password)
                user.is_staff = role in ("admin", "provincial_staff")
                user.is_superuser = role == "admin"
                user.save()
                if role != "admin":
                    user.groups.add(Group.objects.get(name=role))
                Membership.objects.create(user=user, region=Region.objects.get(adcode=adcode))
                state = "created"
            else:
                state = "exists, unchanged"
            self.stdout.write(f"  {role:17} {username:10} / {password:20} region {adcode} ({state})")
