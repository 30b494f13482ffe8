"""Real-browser checks: Debian's Chromium driven by Playwright against the live server.

Asserts what a user sees: the Chinese login page, logging in, the plan list, a plan page, the language switch,
the admin; and that the pages load nothing from another host and log no console error (the Content-Security-
Policy would report any inline script). Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.db.backends.signals import connection_created
from playwright.sync_api import ConsoleMessage, Page, Request, sync_playwright
from pytest_django.live_server_helper import LiveServer

from cities.models import Membership, Region
from plans.models import Plan
from plans.services import fixtures_load

pytestmark = [pytest.mark.browser]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
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
    assert page.locator("[data-import-status=committed]").count() == 1
    assert ActualsImport.objects.get().status == "committed"
    assert sorted(Observation.objects.filter(origin="import").values_list("year", flat=True)) == [2022, 2023]
    page.screenshot(path=str(ARTIFACTS / "import-done.png"), full_page=True)
    assert browser.problems == []


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
