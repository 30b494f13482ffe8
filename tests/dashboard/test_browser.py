"""Real-browser checks: Debian's Chromium driven by Playwright against the live server.

Asserts what a user sees: the Chinese login page, logging in, the plan list, a plan page, the language switch,
the admin; and that the pages load nothing from another host and log no console error (the Content-Security-
Policy would report any inline script). Screenshots go to test-artifacts/.

The dashboard (overview, city, indicator, plan and evaluation pages, with the demo actuals): every chart drawn
with as many SVG traces as its JSON figure has, the status matrix in words, the CSV downloads holding the rows
the page shows, the highlighted sentences leading to their charts, the evaluation printing, the language switch.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import shutil
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection
from django.db.backends.signals import connection_created
from django.utils import translation
from playwright.sync_api import ConsoleMessage, Locator, Page, Request, expect, sync_playwright
from pytest_django.live_server_helper import LiveServer

from cities.models import Membership, Region
from dashboard import pages
from plans import wording
from plans.models import Plan, Target
from plans.services import fixtures_load

pytestmark = [pytest.mark.browser]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class Browser:
    page: Page
    problems: list[str] = field(default_factory=list)

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.problems.append(f"console: {message.text} ({message.location.get('url')})")

    def on_request(self, request: Request) -> None:
        if urlparse(request.url).hostname not in ("127.0.0.1", "localhost"):
            self.problems.append(f"request left the machine: {request.url}")


@pytest.fixture
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: `make ensure-chromium` installs it")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = chromium.new_context(locale="en-US")  # an English browser still gets Chinese first
        b = Browser(context.new_page())
        b.page.on("console", b.on_console)
        b.page.on("pageerror", lambda exc: b.problems.append(f"pageerror: {exc}"))
        b.page.on("request", b.on_request)
        yield b
        context.close()
        chromium.close()


@pytest.fixture
def server(transactional_db: None) -> Iterator[LiveServer]:
    """A live server for this test only. Every database connection opened while it runs is ended afterwards,
    so that the PostgreSQL test database can be dropped at the end of the session: the server's threads' (a
    request thread can outlive stop() holding one) and the test body's, which Playwright's sync API runs in a
    context of its own, with a connection the fixtures cannot see through ``django.db.connection``."""
    server_pids: set[int] = set()
    opened_here: list[Any] = []

    def remember(sender: Any, connection: Any, **kwargs: Any) -> None:
        if threading.current_thread() is threading.main_thread():
            opened_here.append(connection)
        elif connection.vendor == "postgresql":
            server_pids.add(connection.connection.get_backend_pid())

    connection_created.connect(remember)
    live = LiveServer("localhost")
    yield live
    live.stop()
    connection_created.disconnect(remember)
    for wrapper in opened_here:
        wrapper.close()  # same thread: allowed, and the next test reconnects
    if connection.vendor == "postgresql" and server_pids:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid = ANY(%s)", [sorted(server_pids)]
            )


def test_it_logs_in_and_browses_the_plans(server: LiveServer, browser: Browser) -> None:
    # server before browser: the browser closes first, so no request is cut off when the server stops.
    fixtures_load()  # transactional tests start from an empty database
    user = User.objects.create_user("dora", password="a long demo password", is_staff=True, is_superuser=True)
    Membership.objects.create(user=user, region=Region.objects.get(adcode="410000"))
    base, page = server.url, browser.page

    page.goto(f"{base}/")
    assert "/accounts/login/" in page.url
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    page.screenshot(path=str(ARTIFACTS / "login.png"))

    page.fill("#id_username", "dora")
    page.fill("#id_password", "a long demo password")
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/")
    assert page.locator("table.plans tbody tr").count() == Plan.objects.count() == 5
    page.screenshot(path=str(ARTIFACTS / "home.png"), full_page=True)

    page.click("text=郑州市“十四五”科技创新发展规划")
    page.wait_for_load_state()
    assert page.locator("table.data tbody tr").count() == Plan.objects.get(slug="zhengzhou").targets.count()

    page.click("button[name=language][value=en]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("th", has_text="Indicator").count() >= 1

    page.goto(f"{base}/admin/plans/target/?section__exact=table")
    assert page.locator("#result_list tbody tr").count() == 32
    page.screenshot(path=str(ARTIFACTS / "admin-targets.png"))

    assert browser.problems == []


def test_a_city_official_uploads_previews_and_confirms(server: LiveServer, browser: Browser, tmp_path: Path) -> None:
    import openpyxl
    from django.contrib.auth.models import Permission

    from indicators.models import ActualsImport, Observation

    fixtures_load()
    official = User.objects.create_user("ella", password="a long demo password")
    official.user_permissions.add(Permission.objects.get(codename="import_actuals"))
    Membership.objects.create(user=official, region=Region.objects.get(adcode="410100"))
    workbook = openpyxl.Workbook()
    sheet: Any = workbook.active
    for row in (["郑州市科技创新主要指标"], ["指标名称", "单位", "2022年", "2023年"], ["研发投入强度", "%", 2.41, 2.6]):
        sheet.append(row)
    upload = tmp_path / "郑州2023.xlsx"
    workbook.save(upload)
    base, page = server.url, browser.page

    page.goto(f"{base}/accounts/login/?next=/imports/")
    page.fill("#id_username", "ella")
    page.fill("#id_password", "a long demo password")
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/imports/")
    assert page.locator("#id_region option:checked").inner_text().startswith("郑州市")
    page.set_input_files("#id_file", str(upload))
    page.click("form.upload button[type=submit]")
    page.wait_for_url(f"{base}/imports/*/")
    assert page.locator("tr[data-status=new]").count() == 2
    assert Observation.objects.filter(origin="import").count() == 0, "nothing written before confirming"
    page.screenshot(path=str(ARTIFACTS / "import-preview.png"), full_page=True)

    page.click("button.primary")
    page.wait_for_load_state()
    # A city official's confirmed import waits for the province: submitted, nothing written, not on the charts.
    assert page.locator("[data-import-status=submitted]").count() == 1
    assert ActualsImport.objects.get().status == "submitted"
    assert Observation.objects.filter(origin="import").count() == 0
    target = Target.objects.filter(plan__region__adcode="410100", indicator__code="rd_intensity").first()
    assert target is not None
    assert not _charted(page, base, target.indicator.code, 2023, 2.6)
    page.screenshot(path=str(ARTIFACTS / "import-submitted.png"), full_page=True)

    # The province reviews: the queue lists it, its page shows the diff, approving writes it; the chart changes.
    reviewer = User.objects.create_user("fred", password="a long demo password")
    reviewer.user_permissions.add(*Permission.objects.filter(codename__in=["review_actuals", "import_actuals"]))
    Membership.objects.create(user=reviewer, region=Region.objects.get(adcode="410000"))
    page.click("header form.inline button")  # log out
    page.goto(f"{base}/accounts/login/?next=/imports/review/")
    page.fill("#id_username", "fred")
    page.fill("#id_password", "a long demo password")
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/imports/review/")
    page.click(f"tr[data-import] a:has-text('{upload.name}')")
    page.wait_for_url(f"{base}/imports/*/")
    assert page.locator("tr[data-status=new]").count() == 2
    page.click("form[action*=approve] button.primary")
    page.wait_for_url(f"{base}/imports/review/")  # back to the queue, now empty of it
    record = ActualsImport.objects.get()
    assert record.status == "approved" and record.reviewed_by == reviewer
    assert page.locator(f"tr[data-import='{record.pk}']").count() == 0
    page.goto(f"{base}/imports/{record.pk}/")
    assert page.locator("[data-import-status=approved]").count() == 1
    assert sorted(Observation.objects.filter(origin="import").values_list("year", flat=True)) == [2022, 2023]
    assert _charted(page, base, target.indicator.code, 2023, 2.6)
    page.screenshot(path=str(ARTIFACTS / "import-approved.png"), full_page=True)
    assert browser.problems == []


def _charted(page: Any, base: str, code: str, year: int, value: float) -> bool:
    """Whether the city page's chart of the indicator draws `value` in `year` (read off the figure it drew; a card
    without any actual has no chart at all)."""
    page.goto(f"{base}/cities/410100/")
    chart = page.locator(f"script#figure-{code}")
    figure = json.loads(chart.text_content() or "{}") if chart.count() else {}
    return any(
        x == year and y is not None and abs(y - value) < 1e-9
        for trace in figure.get("data", [])
        for x, y in zip(trace.get("x", []), trace.get("y", []), strict=False)
    )


def test_the_bureau_reads_and_downloads_an_evaluation_table(
    server: LiveServer, browser: Browser, tmp_path: Path
) -> None:
    from decimal import Decimal

    import openpyxl

    from indicators.models import Indicator
    from indicators.services import observation_set

    fixtures_load()
    User.objects.create_user("fay", password="a long demo password")
    zhengzhou = Region.objects.get(adcode="410100")
    rd = Indicator.objects.get(code="rd_intensity")
    for year, value in ((2020, "2.31"), (2023, "3.05")):  # R&D intensity 3.05 % in 2023 ≥ 3.0: achieved early
        observation_set(region=zhengzhou, indicator=rd, year=year, value=Decimal(value))
    plan = Plan.objects.get(slug="zhengzhou")
    base, page = server.url, browser.page

    page.goto(f"{base}/accounts/login/?next=/plans/{plan.pk}/evaluation/")
    page.fill("#id_username", "fay")
    page.fill("#id_password", "a long demo password")
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/plans/{plan.pk}/evaluation/")
    assert page.locator("table.evaluation tbody tr").count() == plan.targets.count()
    assert "中期评估（截至2023年）" in page.locator("h1").inner_text()
    row = page.locator(f"#target-{plan.targets.get(key='table-01-rd-intensity').pk}")
    assert row.locator(".badge").inner_text() == "提前实现"
    page.screenshot(path=str(ARTIFACTS / "evaluation.png"), full_page=True)

    with page.expect_download() as download_info:
        page.click("text=下载 .xlsx")
    saved = tmp_path / "evaluation.xlsx"
    download_info.value.save_as(saved)
    sheet: Any = openpyxl.load_workbook(saved).active
    labels = [row[1] for row in sheet.iter_rows(values_only=True)]
    assert labels.count("全社会研发经费支出占GDP的比重(%)") == 1
    assert browser.problems == []


# ------------------------------------------------------------------------------------------------ the dashboard
#
# The overview, a city page, an indicator page, a plan page and its evaluation, with the demo actuals loaded so
# that every chart has lines. A chart counts as drawn when charts.js marked it (data-drawn) AND plotly.js put one
# SVG trace group per trace of its JSON figure in the plot: `.barlayer > .trace` for a bar trace,
# `.scatterlayer > .trace` for a scatter trace (the legend's groups are `.traces`, never counted).

DEMO_PASSWORD = "a long demo password"


@dataclass
class Dashboard:
    base: str
    page: Page
    browser: Browser


@pytest.fixture
def dashboard(server: LiveServer, browser: Browser) -> Dashboard:
    """The five plans and the demo actuals loaded, a provincial user logged in through the login form, on the
    overview."""
    fixtures_load()
    call_command("load_demo_actuals", stdout=io.StringIO())
    user = User.objects.create_user("gus", password=DEMO_PASSWORD)
    Membership.objects.create(user=user, region=Region.objects.get(adcode="410000"))
    base, page = server.url, browser.page
    page.goto(f"{base}/")
    assert "/accounts/login/" in page.url
    page.fill("#id_username", "gus")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("main button[type=submit]")  # the header has buttons too (the language switch)
    page.wait_for_url(f"{base}/")
    return Dashboard(base, page, browser)


def figure_of(page: Page, figure_id: str) -> dict[str, Any]:
    """The JSON figure the page hands to plotly.js (Django's json_script)."""
    figure: dict[str, Any] = json.loads(
        page.locator(f'script#{figure_id}[type="application/json"]').text_content() or ""
    )
    return figure


def assert_drawn(page: Page, figure_id: str) -> dict[str, Any]:
    """The chart of `figure_id` is drawn with exactly one SVG trace per trace of its figure, of the same type.
    Returns the figure."""
    figure = figure_of(page, figure_id)
    types = Counter(trace["type"] for trace in figure["data"])
    assert figure["data"] and set(types) <= {"bar", "scatter"}, (figure_id, types)
    chart = page.locator(f'div[data-figure="{figure_id}"]')
    expect(chart).to_have_attribute("data-drawn", "true")
    expect(chart.locator(".cartesianlayer .barlayer > .trace")).to_have_count(types["bar"])
    expect(chart.locator(".cartesianlayer .scatterlayer > .trace")).to_have_count(types["scatter"])
    expect(chart.locator(".cartesianlayer .trace")).to_have_count(len(figure["data"]))
    return figure


def download_csv(page: Page, link: Locator, folder: Path) -> tuple[list[str], list[list[str]]]:
    """Clicks a download link; the CSV's header and data rows (UTF-8 with a byte-order mark, for Excel)."""
    with page.expect_download() as info:
        link.click()
    saved = folder / info.value.suggested_filename
    info.value.save_as(saved)
    assert saved.suffix == ".csv"
    assert saved.read_bytes().startswith(codecs.BOM_UTF8)
    with saved.open(encoding="utf-8-sig", newline="") as file:
        header, *rows = csv.reader(file)
    return header, rows


def status_words(language: str) -> dict[str, set[str]]:
    """The word of each status code in `language` (one word per status: the cell's class names it)."""
    return {status: {word} for status, word in wording.status_words(language).items()}


def test_the_overview_shows_the_status_matrix_the_counts_chart_and_its_csv(
    dashboard: Dashboard, tmp_path: Path
) -> None:
    page = dashboard.page
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    regions = Region.objects.filter(plans__isnull=False).distinct()
    assert regions.count() == 5

    # The matrix: one row per region with a plan, one column per main indicator (those of the plans' tables; the
    # others behind "show all"); every cell with a target names its worst status in words (the colour only repeats
    # it), and the word fits the cell's colour.
    matrix = page.locator("table.matrix")
    assert matrix.locator("tbody tr").count() == 5
    assert matrix.locator("tbody th[scope=row]").all_inner_texts() == [r.name_zh for r in regions.order_by("adcode")]
    columns = matrix.locator("thead th.indicator").count()
    main = set(Target.objects.filter(section="table").values_list("indicator", flat=True))
    assert columns == len(main)
    assert matrix.locator("tbody tr td.cell").count() == 5 * columns
    cells = matrix.locator("td.cell:not(.empty)").evaluate_all(
        "cells => cells.map(c => [c.className, c.querySelector('a').firstChild.textContent.trim()])"
    )
    assert (
        len(cells) == Target.objects.filter(indicator__in=main).values("plan__region", "indicator").distinct().count()
    )
    words = status_words("zh-hans")
    for class_name, word in cells:
        status = next(c.removeprefix("pace-") for c in class_name.split() if c.startswith("pace-"))
        assert word in words[status], (class_name, word)

    # The counts chart: drawn, one bar trace per status that occurs, and the same numbers as the table under it.
    figure = assert_drawn(page, "figure-counts")
    counts = page.locator("table.counts-table")
    total = int(counts.locator("tfoot td.num").last.inner_text())
    assert total == Target.objects.count()
    assert sum(sum(trace["x"]) for trace in figure["data"]) == total
    per_region = {
        row.locator("th").inner_text(): int(row.locator("td.num").last.inner_text())
        for row in counts.locator("tbody tr").all()
    }
    for name, row_total in per_region.items():
        index = figure["data"][0]["y"].index(name)
        assert sum(trace["x"][index] for trace in figure["data"]) == row_total
    with translation.override("zh-hans"):
        assert {trace["name"] for trace in figure["data"]} <= set(wording.status_words("zh-hans").values())
    page.screenshot(path=str(ARTIFACTS / "dashboard-overview.png"), full_page=True)

    # The matrix's CSV: one row per target counted in the table's total, per region as in the table.
    header, rows = download_csv(page, page.locator("p.downloads a[download]", has_text="CSV"), tmp_path)
    assert header[0] == "地区"
    assert len(rows) == total
    assert Counter(row[0] for row in rows) == per_region
    assert dashboard.browser.problems == []


def test_a_city_page_and_an_indicator_page_draw_every_chart_and_download_what_they_show(
    dashboard: Dashboard, tmp_path: Path
) -> None:
    base, page = dashboard.base, dashboard.page
    plan = Plan.objects.get(slug="zhengzhou")
    page.click("table.plans a[href='/cities/410100/']")
    page.wait_for_url(f"{base}/cities/410100/")

    # One card per indicator of the plan; one chart per card with an actual to draw (the others say so, in
    # words), every one drawn with its figure's traces.
    indicators = set(plan.targets.values_list("indicator__code", flat=True))
    expect(page.locator("article.card")).to_have_count(len(indicators))
    charted = {card.figure_id for card in pages.city_page(plan.region).cards if card.figure is not None}
    assert charted, "the demo actuals give most cards a chart"
    charts = page.locator("div.chart[data-figure]")
    expect(charts).to_have_count(len(charted))
    expect(page.locator('div.chart[data-figure][data-drawn="true"]')).to_have_count(len(charted))
    expect(page.locator("article.card .empty-state")).to_have_count(len(indicators) - len(charted))
    drawn = {}
    for figure_id in charts.evaluate_all("nodes => nodes.map(n => n.dataset.figure)"):
        drawn[figure_id] = assert_drawn(page, figure_id)
    assert set(drawn) == charted
    assert len(drawn["figure-rd_intensity"]["data"]) >= 4, "plan path, actuals, baseline and target at least"
    page.screenshot(path=str(ARTIFACTS / "dashboard-city.png"), full_page=True)

    # One chart's CSV: the rows of the table under the chart, year by year.
    card = page.locator("#indicator-rd_intensity")
    header, rows = download_csv(page, card.locator("a[download]", has_text="CSV"), tmp_path)
    years = card.locator("table.compact thead th[data-year]").all_inner_texts()  # the years run across
    assert header[:6] == ["地区", "指标代码", "目标", "单位", "年份", "实际值"]
    assert len(rows) == len(years) > 0
    assert [row[4] for row in rows] == years
    assert {row[1] for row in rows} == {"rd_intensity"}

    # From the card to every region's targets on the indicator: both charts drawn.
    card.locator("a[href='/indicators/rd_intensity/']").click()
    page.wait_for_url(f"{base}/indicators/rd_intensity/")
    progress = assert_drawn(page, "figure-progress")
    actuals = assert_drawn(page, "figure-actuals")
    for figure_id, figure in (("figure-progress", progress), ("figure-actuals", actuals)):
        traces = page.locator(f'div[data-figure="{figure_id}"]').get_attribute("data-traces")
        assert traces == str(len(figure["data"]))
    table = page.locator("table.indicator-targets tbody tr")
    assert table.count() == Target.objects.filter(indicator__code="rd_intensity").count() == 8
    bars = sum(len(trace["y"]) for trace in progress["data"])
    assert bars == page.locator("table.indicator-targets tbody td.num:nth-child(6)").evaluate_all(
        "cells => cells.filter(c => /\\d/.test(c.textContent)).length"
    ), "a bar per target with a completion"
    lines = [trace for trace in actuals["data"] if trace.get("marker", {}).get("symbol") != "star"]
    page.screenshot(path=str(ARTIFACTS / "dashboard-indicator.png"), full_page=True)

    # The progress CSV: the table's rows, the same regions in the same order.
    blocks = page.locator("section.chart-block")
    header, rows = download_csv(page, blocks.nth(0).locator("a[download]", has_text="CSV"), tmp_path)
    assert header[0] == "地区"
    assert len(rows) == table.count()
    assert [row[0] for row in rows] == table.locator("td:first-child").all_inner_texts()
    # The actuals CSV: one row per point of the regions' lines.
    header, rows = download_csv(page, blocks.nth(1).locator("a[download]", has_text="CSV"), tmp_path)
    assert header[0] == "地区"
    assert len(rows) == sum(len(line["x"]) for line in lines) > 0
    assert list(dict.fromkeys(row[0] for row in rows)) == [line["name"] for line in lines]
    assert dashboard.browser.problems == []


def test_the_plan_page_highlights_every_target_and_leads_to_its_chart_and_evaluation(dashboard: Dashboard) -> None:
    # Luohe's plan has every kind of chart: per-year bars, ranges (error bars), "above the provincial average".
    base, page = dashboard.base, dashboard.page
    plan = Plan.objects.get(slug="luohe")
    pks = list(plan.targets.order_by("position").values_list("pk", flat=True))
    page.click(f"table.plans a[href='/plans/{plan.pk}/']")
    page.wait_for_url(f"{base}/plans/{plan.pk}/")

    # Every target's sentence is highlighted in the document text, and numbered with a link to its chart.
    anchors = page.locator("ol.document mark.quote[id], ol.document mark.quote .quote-anchor[id]")
    assert sorted(anchors.evaluate_all("nodes => nodes.map(n => n.id)")) == sorted(f"quote-{pk}" for pk in pks)
    assert page.locator("section.document-text .problems").count() == 0, "no sentence missing from the text"
    refs = page.locator("ol.document a.quote-ref")
    assert sorted(refs.evaluate_all("nodes => nodes.map(n => n.getAttribute('href'))")) == sorted(
        f"/cities/{plan.region.adcode}/#target-{pk}" for pk in pks
    )
    page.screenshot(path=str(ARTIFACTS / "dashboard-plan.png"), full_page=True)

    # A per-year target's number leads to its chart (bars) on the city page, drawn.
    per_year = plan.targets.filter(kind=Target.Kind.PER_YEAR).order_by("position").first()
    assert per_year is not None
    page.locator(f"ol.document a.quote-ref[href$='#target-{per_year.pk}']").click()
    page.wait_for_url(f"{base}/cities/{plan.region.adcode}/#target-{per_year.pk}")
    # Its statement sits in its indicator's card, whose chart (of the per-year target, the card's first) has bars.
    card = page.locator(f"article.card:has(#target-{per_year.pk})")
    expect(card).to_have_attribute("id", f"indicator-{per_year.indicator.code}")
    figure = assert_drawn(page, f"figure-{per_year.indicator.code}")
    assert "bar" in {trace["type"] for trace in figure["data"]}
    expect(page.locator('div.chart[data-figure][data-drawn="true"]')).to_have_count(page.locator("div.chart").count())
    ranged = plan.targets.filter(target_value_max__isnull=False).order_by("position").first()
    assert ranged is not None
    chart = f"figure-{ranged.indicator.code}"
    assert_drawn(page, chart)
    expect(page.locator(f'div[data-figure="{chart}"] .scatterlayer .errorbar')).not_to_have_count(0)

    # The evaluation table, printed.
    page.click("p.plan-header a[href$='/evaluation/']")
    page.wait_for_url(f"{base}/plans/{plan.pk}/evaluation/")
    assert page.locator("table.evaluation tbody tr").count() == len(pks)
    expect(page.locator("form.toolbar")).to_be_visible()
    page.emulate_media(media="print")
    expect(page.locator("form.toolbar")).to_be_hidden()
    expect(page.locator(".site-header nav")).to_be_hidden()
    expect(page.locator("table.evaluation")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "dashboard-evaluation.png"), full_page=True)
    pdf = page.pdf(path=str(ARTIFACTS / "dashboard-evaluation.pdf"), format="A4", landscape=True)
    assert pdf.startswith(b"%PDF")
    page.emulate_media(media="screen")
    assert dashboard.browser.problems == []


def test_the_language_switch_turns_the_overview_and_its_chart_english_and_back(dashboard: Dashboard) -> None:
    page = dashboard.page
    cities = list(Region.objects.filter(plans__isnull=False).distinct().order_by("adcode"))
    heading = page.locator("h2").filter(has_text="科技创新五年规划")
    expect(heading).to_be_visible()

    page.click("button[name=language][value=en]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    expect(page.get_by_role("heading", name="Five-year plans for science and technology")).to_be_visible()
    expect(page.locator("h1")).to_contain_text("progress toward the plan targets")
    assert page.locator("table.matrix tbody th[scope=row]").all_inner_texts() == [r.name_en for r in cities]
    figure = assert_drawn(page, "figure-counts")
    english = set().union(*status_words("en").values())
    assert figure["data"] and {trace["name"] for trace in figure["data"]} <= english
    assert figure["data"][0]["y"] == [r.name_en for r in cities]
    legend = page.locator('div[data-figure="figure-counts"] .legend .legendtext')  # SVG text: no innerText
    rendered = legend.evaluate_all("nodes => nodes.map(n => n.textContent)")
    assert rendered == [trace["name"] for trace in figure["data"]]
    page.screenshot(path=str(ARTIFACTS / "dashboard-overview-en.png"), full_page=True)

    page.click("button[name=language][value=zh-hans]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    expect(heading).to_be_visible()
    figure = assert_drawn(page, "figure-counts")
    assert {trace["name"] for trace in figure["data"]} <= set().union(*status_words("zh-hans").values())
    assert figure["data"][0]["y"] == [r.name_zh for r in cities]
    assert dashboard.browser.problems == []


def test_every_page_fits_a_phone_and_a_desktop(dashboard: Dashboard) -> None:
    """At 390 px (a phone) and 1440 px no page is wider than the screen: wide tables and matrices scroll inside
    their own box; the charts are drawn; no console error."""
    page, base = dashboard.page, dashboard.base
    zhengzhou = Plan.objects.get(slug="zhengzhou")
    paths = [
        "/",
        "/?all=1",
        "/cities/",
        "/indicators/",
        "/cities/410100/",
        "/cities/410700/",
        "/indicators/rd_intensity/",
        "/indicators/hightech_firms/compare/",
        f"/plans/{zhengzhou.pk}/",
        f"/plans/{zhengzhou.pk}/evaluation/",
        "/help/",
        "/search/?q=郑州",
        "/cities/410100/history/rd_intensity/",
    ]
    too_wide = []
    for width in (390, 1440):
        page.set_viewport_size({"width": width, "height": 900})
        for path in paths:
            page.goto(f"{base}{path}")
            page.wait_for_load_state("networkidle")
            for chart in page.locator("div.chart[data-figure]").all()[:3]:
                expect(chart).to_have_attribute("data-drawn", "true")
            scroll = page.evaluate("document.documentElement.scrollWidth")
            if scroll > width:
                too_wide.append(f"{path} at {width}px: {scroll}px wide")
    assert not too_wide, too_wide
    assert not dashboard.browser.problems, dashboard.browser.problems


def test_the_comparison_map_draws_every_city_and_a_click_opens_its_page(dashboard: Dashboard) -> None:
    """The map of the comparison page: one filled outline per city of Henan, drawn offline by plotly.js's basic
    bundle (nothing fetched from another host), and a click on a city's marker opens that city's page."""
    page, base = dashboard.page, dashboard.base
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(f"{base}/indicators/hightech_firms/compare/")
    chart = page.locator('div[data-figure="figure-map"]')
    expect(chart).to_have_attribute("data-drawn", "true")
    figure = figure_of(page, "figure-map")
    areas = [trace for trace in figure["data"] if trace.get("fill") == "toself"]
    assert len(areas) == 18
    expect(chart.locator(".scatterlayer .trace path.js-fill")).to_have_count(18)
    markers = next(i for i, trace in enumerate(figure["data"]) if trace.get("mode") == "markers+text")
    index = figure["data"][markers]["customdata"].index("/cities/410700/")
    point = chart.locator(".scatterlayer > .trace").nth(markers).locator(".points path").nth(index)
    box = point.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_url(f"{base}/cities/410700/")
    expect(page.locator("h1")).to_contain_text("新乡")
    assert not dashboard.browser.problems, dashboard.browser.problems
