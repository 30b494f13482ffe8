"""One status per target: the same word on the overview, the city page, the indicator page, the evaluation table,
every download and the API — read off each as a user (or a script) would see it."""

from __future__ import annotations

import io
import re
from collections import defaultdict
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from dashboard.charts import STATUS_COLOURS
from plans import vocabulary as v
from plans import wording
from plans.models import Target
from tests.dashboard.test_overview import csv_rows, xlsx_rows

YEAR = 2024  # the demo actuals' last year: every page judged as of the same year
pytestmark = pytest.mark.django_db


def _badge(html: str, anchor: str) -> tuple[str, str]:
    """(status class, word) of the first badge after `anchor` in the page."""
    start = html.index(anchor)
    match = re.compile(r'<span class="badge pace-([a-z_]+)">([^<]+)</span>').search(html, start)
    assert match is not None, anchor
    return match.group(1), match.group(2).strip()


def test_one_target_has_one_status_word_everywhere(bob_client: Client) -> None:
    call_command("load_demo_actuals", verbosity=0, stdout=io.StringIO())
    words = wording.status_words("zh-hans")
    overview = bob_client.get("/", {"year": str(YEAR), "all": "1"})  # every indicator's column
    view = overview.context["overview"]
    # One target per status the overview shows, each the only target of its cell (the cell shows its word).
    chosen: dict[str, Target] = {}
    for row in view.rows:
        for cell in row.cells:
            if cell is not None and not cell.others:
                chosen.setdefault(cell.status, cell.headline.target)
    assert len(chosen) >= 5, chosen  # the demo data spreads the statuses: the test compares several of them
    overview_csv = {(line[1], line[2], line[5]): line[11] for line in csv_rows(bob_client.get("/overview.csv"))[1:]}
    html = overview.content.decode()
    api_status: dict[int, tuple[str, str]] = {}
    by_region: dict[str, list[Target]] = defaultdict(list)
    for target in chosen.values():
        by_region[target.plan.region.adcode].append(target)
    for adcode in by_region:
        rows = bob_client.get("/api/v1/progress/", {"region": adcode, "year": str(YEAR), "page_size": "1000"}).json()
        api_status |= {row["target"]: (row["status"], row["status_label_zh"]) for row in rows["results"]}

    for status, target in chosen.items():
        word = words[status]
        region, indicator = target.plan.region, target.indicator
        seen: dict[str, str] = {}
        # The overview's cell links to the target's chart and names its status.
        cell = re.search(rf'<td class="cell pace-([a-z_]+)"[^>]*><a href="[^"]*#target-{target.pk}">([^<]+)<', html)
        assert cell is not None, target
        assert cell.group(1) == status
        seen["overview"] = cell.group(2)
        seen["overview.csv"] = overview_csv[region.adcode, indicator.code, target.label]
        city = bob_client.get(f"/cities/{region.adcode}/").content.decode()
        city_class, seen["city page"] = _badge(city, f'id="target-{target.pk}"')
        assert city_class == status
        seen["city data.csv"] = csv_rows(bob_client.get(f"/cities/{region.adcode}/data.csv?target={target.pk}"))[1][9]
        page = bob_client.get(f"/indicators/{indicator.code}/", {"year": YEAR}).content.decode()
        indicator_class, seen["indicator page"] = _badge(page, f'#target-{target.pk}"')
        assert indicator_class == status
        table = csv_rows(bob_client.get(f"/indicators/{indicator.code}/data.csv", {"year": YEAR}))
        seen["indicator data.csv"] = next(
            line[9] for line in table[1:] if line[2] == target.label and line[1] == region.adcode
        )
        evaluation = bob_client.get(f"/plans/{target.plan_id}/evaluation/", {"year": YEAR}).content.decode()
        evaluation_class, seen["evaluation"] = _badge(evaluation, f'<tr id="target-{target.pk}"')
        assert evaluation_class == status
        sheet = xlsx_rows(bob_client.get(f"/plans/{target.plan_id}/evaluation.xlsx", {"year": YEAR}))
        line = f"(L{target.quote_line})"
        seen["evaluation.xlsx"] = next(
            row[11] for row in sheet if len(row) > 17 and row[1] == target.label and str(row[17]).endswith(line)
        )
        api_code, seen["API"] = api_status[target.pk]
        assert api_code == status
        assert set(seen.values()) == {word}, (target.label, status, seen)


def test_every_status_has_a_word_a_colour_and_a_place_in_the_legend(bob_client: Client) -> None:
    assert list(STATUS_COLOURS) == list(v.STATUSES)
    assert list(wording.status_words("zh-hans")) == list(v.STATUSES)
    css = (Path(settings.BASE_DIR) / "static" / "css" / "site.css").read_text(encoding="utf-8")
    for status in v.STATUSES:
        assert f".badge.pace-{status}" in css and f"td.cell.pace-{status}" in css, status
