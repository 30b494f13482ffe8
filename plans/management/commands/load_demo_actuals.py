from __future__ import annotations

from collections import Counter
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from cities.models import Region
from indicators.models import Indicator, Observation
from indicators.services import LockedPeriod, observation_delete, observation_set
from plans.demo import DEMO_SOURCE, demo_values, target_specs


class Command(BaseCommand):
    help = (
        "Load demo actuals (演示数据) around every plan's path. Idempotent; never overwrites a real value. "
        "--remove deletes all demo values (history kept)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--remove", action="store_true", help="delete every demo value instead")

    @transaction.atomic
    def handle(self, *args: Any, remove: bool, **options: Any) -> None:
        counts: Counter[str] = Counter()
        reason = "demo data (load_demo_actuals)"
        if remove:
            for obs in Observation.objects.filter(origin=Observation.Origin.DEMO):
                try:
                    observation_delete(observation=obs, reason=reason)
                except LockedPeriod:
                    counts["kept (locked period)"] += 1  # a locked year keeps even its demo values
                    continue
                counts["deleted"] += 1
        else:
            regions = {r.adcode: r for r in Region.objects.all()}
            indicators = {i.code: i for i in Indicator.objects.all()}
            existing = {
                (o.region.adcode, o.indicator.code, o.year): o
                for o in Observation.objects.select_related("region", "indicator")
            }
            for (adcode, code, year), value in demo_values(target_specs()).items():
                current = existing.get((adcode, code, year))
                if current is not None and current.origin != Observation.Origin.DEMO:
                    counts["kept real value"] += 1  # real statistics always win over demo values
                    continue
                try:
                    _obs, action = observation_set(
                        region=regions[adcode],
                        indicator=indicators[code],
                        year=year,
                        value=value,
                        source=DEMO_SOURCE,
                        origin=Observation.Origin.DEMO,
                        reason=reason,
                    )
                except LockedPeriod:
                    counts["kept (locked period)"] += 1
                    continue
                counts[action or "unchanged"] += 1
        for key in sorted(counts):
            self.stdout.write(f"demo values {key}: {counts[key]}")
        self.stdout.write(self.style.SUCCESS("load_demo_actuals: done"))
