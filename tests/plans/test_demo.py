"""Demo actuals: deterministic, plausible, labelled, and never in the way of real data."""

from __future__ import annotations

import io
from decimal import Decimal

from django.core.management import call_command

from cities.models import Region
from indicators.models import Indicator, Observation, ObservationChange
from indicators.services import observation_set
from plans.demo import DEMO_SOURCE, demo_values, target_specs


def load(*args: str) -> str:
    out = io.StringIO()
    call_command("load_demo_actuals", *args, stdout=out)
    return out.getvalue()


def test_it_generates_the_same_values_every_time(db: None) -> None:
    assert demo_values(target_specs()) == demo_values(target_specs())


def test_it_labels_every_demo_value(db: None) -> None:
    load()
    demo = Observation.objects.filter(origin="demo")
    assert demo.count() > 100
    assert set(demo.values_list("source", flat=True)) == {DEMO_SOURCE}
    assert "演示数据" in DEMO_SOURCE
    assert not Observation.objects.exclude(origin="demo").exists()


def test_it_is_idempotent(db: None) -> None:
    load()
    history = ObservationChange.objects.count()
    assert "demo values unchanged" in load()
    assert "demo values create" not in load()
    assert ObservationChange.objects.count() == history


def test_it_never_overwrites_a_real_value(db: None) -> None:
    values = demo_values(target_specs())
    (adcode, code, year), demo_value = next(iter(values.items()))
    region, indicator = Region.objects.get(adcode=adcode), Indicator.objects.get(code=code)
    real = demo_value + 1
    observation_set(region=region, indicator=indicator, year=year, value=real, source="统计公报", origin="import")
    assert "kept real value: 1" in load()
    obs = Observation.objects.get(region=region, indicator=indicator, year=year)
    assert (obs.value, obs.origin) == (real, "import")


def test_it_covers_2020_to_2024_with_gaps_and_a_spread_of_paces(db: None) -> None:
    values = demo_values(target_specs())
    years = {year for (_a, _c, year) in values}
    assert years <= set(range(2019, 2025)) and {2021, 2022, 2023, 2024} <= years
    series: dict[tuple[str, str], dict[int, Decimal]] = {}
    for (adcode, code, year), value in values.items():
        series.setdefault((adcode, code), {})[year] = value
    complete = [s for s in series.values() if {2020, 2024} <= set(s)]
    rising = sum(1 for s in complete if s[2024] > s[2020])
    falling = sum(1 for s in complete if s[2024] < s[2020])
    assert rising > 10 and falling >= 1  # most move toward their targets, some go backwards
    assert any(len(s) < 5 for s in series.values())  # some years are missing


def test_it_removes_demo_values_but_keeps_their_history(db: None) -> None:
    load()
    count = Observation.objects.filter(origin="demo").count()
    assert f"demo values deleted: {count}" in load("--remove")
    assert not Observation.objects.filter(origin="demo").exists()
    assert ObservationChange.objects.filter(action="delete", origin="demo").count() == count
