"""The completeness board (/completeness/, its CSV and .xlsx) and the city official's to-do list on the home page:
who may see what, what a cell says, and a cached page that never shows one user's list to another."""

from __future__ import annotations

import csv
import datetime
import io
import re

import openpyxl
import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.fixtures import SettingsWrapper

from cities.models import Membership, Region
from imports.service import send_back
from indicators.models import Indicator
from plans import completeness
from tests.spreadsheets import csv_bytes, imported, long, store

pytestmark = pytest.mark.django_db

CITIES = {"410100", "410200", "410700", "411100", "411300"}


@pytest.fixture(autouse=True)
def quick_settings(settings: SettingsWrapper) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.PAGE_CACHE = True


def official(username: str, adcode: str) -> Client:
    user = User.objects.create_user(username=username, password="x")
    user.groups.add(Group.objects.get(name="city_official"))
    Membership.objects.create(user=user, region=Region.objects.get(adcode=adcode))
    client = Client()
    client.force_login(user)
    return client


def states(html: str, adcode: str) -> dict[str, str]:
    """indicator code → data-state of one region's row of the board."""
    row = re.search(rf'<tr data-region="{adcode}">\s*<th scope="row" class="sticky">(.*?)</tr>', html, re.S)
    assert row, adcode
    return dict(re.findall(r'data-indicator="([^"]+)" data-state="([^"]+)"', row.group(1)))


# ------------------------------------------------------------------------------------------------ the board


def test_who_may_see_the_board(
    client: Client, charlie_client: Client, bob_client: Client, alice_client: Client
) -> None:
    for name, args in (("completeness", ()), ("completeness-data", ("csv",)), ("completeness-data", ("xlsx",))):
        url = reverse(name, args=args)
        assert client.get(url).status_code == 302  # to the login
        assert charlie_client.get(url).status_code == 403  # a city official: their list is on their home page
        assert bob_client.get(url).status_code == 200
        assert alice_client.get(url).status_code == 200
    assert bob_client.post(reverse("completeness")).status_code == 405
    link = f'href="{reverse("completeness")}"'
    assert link in bob_client.get(reverse("home")).content.decode()  # in the header, for reviewers only
    assert link not in charlie_client.get(reverse("home")).content.decode()


def test_each_cell_names_its_state_in_words(bob_client: Client, charlie: User) -> None:
    store("410100", "rd_intensity", 2023, "2.5", origin="manual")
    store("410100", "hightech_firms", 2023, "5000")  # demo: still owed
    imported(csv_bytes(long(["410100", "科技型中小企业数量", 2023, 3000])), "a.csv", user=charlie)
    response = bob_client.get(reverse("completeness"), {"year": 2023})
    html = response.content.decode()
    assert response.context["board"].year == 2023
    assert {row.region.adcode for row in response.context["board"].rows} == CITIES
    zhengzhou = states(html, "410100")
    assert zhengzhou["rd_intensity"] == "approved"
    assert zhengzhou["hightech_firms"] == "overdue"
    assert zhengzhou["tech_smes"] == "submitted"
    # The word is in the cell, not only the colour.
    assert re.search(r'data-indicator="rd_intensity" data-state="approved"[^>]*>已审核通过</td>', html)
    assert re.search(r'data-indicator="hightech_firms" data-state="overdue"[^>]*>逾期未报</td>', html)
    counts = dict(
        re.findall(r'data-count="(\w+)">(\d+)<', html.split('<tr data-region="410100">')[1].split("</tr>")[0])
    )
    assert (counts["approved"], counts["submitted"]) == ("1", "1")
    assert int(counts["owed"]) == len(zhengzhou)
    assert int(counts["overdue"]) == len(zhengzhou) - 2


def test_the_default_year_is_the_latest_one_due(bob_client: Client) -> None:
    today = timezone.localdate()
    cities = list(Region.objects.filter(adcode__in=CITIES | {"410000"}))
    expected = completeness.default_year(cities, today=today)
    assert bob_client.get(reverse("completeness")).context["board"].year == expected


def test_a_bad_year_is_a_400(bob_client: Client) -> None:
    assert bob_client.get(reverse("completeness"), {"year": "20x3"}).status_code == 400


def test_a_release_month_edited_in_the_admin_shows_at_once(bob_client: Client) -> None:
    year = timezone.localdate().year  # the figures of this year are not out before next year
    assert states(bob_client.get(reverse("completeness"), {"year": 2025}).content.decode(), "410100")
    first = bob_client.get(reverse("completeness"), {"year": year}).content.decode()
    if '<tr data-region="410100">' in first:  # a plan still running this year
        assert set(states(first, "410100").values()) == {"not_due"}
    indicator = Indicator.objects.get(code="rd_intensity")
    indicator.release_lag_years = 0
    indicator.release_month = 1
    indicator.save()
    html = bob_client.get(reverse("completeness"), {"year": 2025}).content.decode()
    assert states(html, "410100")["rd_intensity"] == "overdue"  # cached page replaced: the data version moved


def test_the_downloads_hold_every_position_and_no_formula(bob_client: Client) -> None:
    indicator = Indicator.objects.get(code="rd_intensity")
    indicator.name_zh = '=HYPERLINK("http://x")'
    indicator.save()
    board = bob_client.get(reverse("completeness"), {"year": 2023}).context["board"]
    owed = sum(row.owed for row in board.rows)
    data = bob_client.get(reverse("completeness-data", args=["csv"]), {"year": 2023})
    assert data["Content-Disposition"] == 'attachment; filename="completeness-2023.csv"'
    rows = list(csv.reader(io.StringIO(data.content.decode("utf-8-sig"))))
    assert rows[0][:7] == ["地区", "行政区划代码", "指标代码", "指标", "单位", "年份", "填报状态"]
    assert len(rows) == owed + 1
    hostile = [row for row in rows if row[2] == "rd_intensity"]
    assert hostile and all(row[3] == '\'=HYPERLINK("http://x")' for row in hostile)
    assert {row[7] for row in rows[1:]} <= set(completeness.STATES)
    workbook = openpyxl.load_workbook(
        io.BytesIO(bob_client.get(reverse("completeness-data", args=["xlsx"]), {"year": 2023}).content)
    )
    sheet = workbook.active
    assert sheet is not None and sheet.max_row == owed + 1
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


# ------------------------------------------------------------------------------------------------ the to-do list


def to_do(html: str) -> set[str]:
    return set(re.findall(r'data-to-do-item="([^"]+)"', html))


def test_a_city_official_sees_their_own_to_do_list(
    charlie_client: Client, bob_client: Client, charlie: User, bob: User
) -> None:
    html = charlie_client.get(reverse("home")).content.decode()
    assert "待填报" in html
    items = to_do(html)
    assert "rd_intensity-2021" in items and "rd_intensity-2020" not in items  # the baseline year is not owed
    assert "待填报" not in bob_client.get(reverse("home")).content.decode()  # the province has no plan to report on
    # A value approved leaves the list; a returned import joins it, with its link.
    store("410100", "rd_intensity", 2021, "2.0", origin="manual")
    _, record = imported(csv_bytes(long(["410100", "研发投入强度", 2022, 2.1])), "r.csv", user=charlie)
    send_back(record, reviewer=bob, comment="请核对")
    html = charlie_client.get(reverse("home")).content.decode()
    assert "rd_intensity-2021" not in to_do(html)
    assert 'data-to-do-state="returned"' in html and reverse("import-detail", args=[record.pk]) in html


def test_the_cached_home_page_never_shows_another_users_list(charlie_client: Client) -> None:
    zhengzhou = charlie_client.get(reverse("home")).content.decode()
    kaifeng_client = official("dora", "410200")
    kaifeng = kaifeng_client.get(reverse("home")).content.decode()
    assert to_do(zhengzhou) and to_do(kaifeng)
    kaifeng_codes = {item.rsplit("-", 1)[0] for item in to_do(kaifeng)}
    zhengzhou_codes = {item.rsplit("-", 1)[0] for item in to_do(zhengzhou)}
    assert kaifeng_codes != zhengzhou_codes
    # A Zhengzhou colleague without the import right has nothing to do, and is not served charlie's list.
    reader = User.objects.create_user(username="erin", password="x")
    Membership.objects.create(user=reader, region=Region.objects.get(adcode="410100"))
    reader_client = Client()
    reader_client.force_login(reader)
    assert to_do(reader_client.get(reverse("home")).content.decode()) == set()
    # Charlie, served again from the cache, still gets his own.
    assert to_do(charlie_client.get(reverse("home")).content.decode()) == to_do(zhengzhou)


# ------------------------------------------------------------------------------------------------ the API


def test_the_api_has_the_rights_of_the_page(client: Client, charlie_client: Client, alice_client: Client) -> None:
    assert client.get("/api/v1/completeness/").status_code == 401
    assert charlie_client.get("/api/v1/completeness/").status_code == 403
    assert alice_client.get("/api/v1/completeness/").status_code == 200
    assert alice_client.post("/api/v1/completeness/", {}, content_type="application/json").status_code == 405


def test_the_api_returns_the_board_as_json(bob_client: Client, charlie: User, bob: User) -> None:
    store("410100", "rd_intensity", 2023, "2.5", origin="manual")
    _, record = imported(csv_bytes(long(["410100", "高新技术企业数量", 2023, 5200])), "r.csv", user=charlie)
    send_back(record, reviewer=bob, comment="请核对")
    body = bob_client.get("/api/v1/completeness/", {"year": 2023}).json()
    assert body["year"] == 2023 and body["grace_months"] == 1
    assert {region["adcode"] for region in body["regions"]} == CITIES
    zhengzhou = next(region for region in body["regions"] if region["adcode"] == "410100")
    by_code = {p["indicator"]: p for p in zhengzhou["positions"]}
    assert by_code["rd_intensity"]["state"] == "approved"
    assert by_code["rd_intensity"]["due_on"] == "2024-09-01"
    assert by_code["rd_intensity"]["overdue_on"] == "2024-10-01"
    assert (by_code["hightech_firms"]["state"], by_code["hightech_firms"]["returned_import"]) == ("returned", record.pk)
    assert zhengzhou["owed"] == len(zhengzhou["positions"]) == sum(zhengzhou["counts"].values())
    assert zhengzhou["counts"]["approved"] == 1 and zhengzhou["counts"]["returned"] == 1
    assert bob_client.get("/api/v1/completeness/", {"year": "x"}).status_code == 400
    assert "/api/v1/completeness/" in bob_client.get("/api/v1/schema/?format=json").json()["paths"]


def test_the_cached_to_do_list_follows_the_day_without_any_write(
    charlie_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The 2025 registers (release month March) are due in March 2026 and overdue from April: no write in between.
    monkeypatch.setattr(timezone, "localdate", lambda *args: datetime.date(2026, 3, 15))
    march = by_state(charlie_client.get(reverse("home")).content.decode())
    monkeypatch.setattr(timezone, "localdate", lambda *args: datetime.date(2026, 4, 1))
    april = by_state(charlie_client.get(reverse("home")).content.decode())
    assert "hightech_firms-2025" in march["due"]
    assert "hightech_firms-2025" in april["overdue"]
    assert march["due"] <= april["overdue"]


def by_state(html: str) -> dict[str, set[str]]:
    blocks = re.findall(r'<details[^>]*data-to-do-state="(\w+)">(.*?)</details>', html, re.S)
    return {state: to_do(block) for state, block in blocks}
