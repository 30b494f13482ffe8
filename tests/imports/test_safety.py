"""Import safety: a file naming no region never lands on the province by default, a value far from the stored one
of the same year is warned about, and real values replacing demo ones are labelled and counted."""

from __future__ import annotations

import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from cities.models import Region
from imports.service import build_preview, save_pending
from indicators.models import ActualsImport
from tests.spreadsheets import store, stored, wide, xlsx_bytes

pytestmark = pytest.mark.django_db

# A Luohe sheet as a city sends it: 指标 / 单位 / 2023, no region column, a title naming no region.
REGIONLESS = xlsx_bytes(wide(["技术合同成交额", "亿元", 21.9], title="科技创新主要指标", years=(2023,)))


def region_options(response: object) -> list[str]:
    html = response.content.decode()  # type: ignore[attr-defined]
    select = re.search(r'<select name="region"[^>]*>(.*?)</select>', html, re.S)
    assert select, "the upload form has a region field"
    return re.findall(r"<option[^>]*>", select.group(1))


def post(client: Client, data: bytes, region: str = "") -> object:
    region_pk = Region.objects.get(adcode=region).pk if region else ""
    return client.post(reverse("import-upload"), {"file": SimpleUploadedFile("luohe.xlsx", data), "region": region_pk})


@pytest.mark.parametrize("persona", ["alice_client", "bob_client"])
def test_it_preselects_no_region_for_someone_writing_several(persona: str, request: pytest.FixtureRequest) -> None:
    client: Client = request.getfixturevalue(persona)
    options = region_options(client.get(reverse("import-upload")))
    assert len(options) > 2
    selected = [option for option in options if "selected" in option]
    assert selected == ['<option value="" selected>'], "only “as the file says” is preselected"


def test_it_keeps_a_city_officials_one_region_preselected(charlie_client: Client) -> None:
    options = region_options(charlie_client.get(reverse("import-upload")))
    zhengzhou = Region.objects.get(adcode="410100")
    assert [option for option in options if "selected" in option] == [f'<option value="{zhengzhou.pk}" selected>']


def test_a_province_official_cannot_write_a_regionless_file_to_the_province(bob_client: Client) -> None:
    store("410000", "tech_contract_turnover", 2023, "1367.42", origin="import")
    response = post(bob_client, REGIONLESS)  # the form as it comes: no region chosen
    assert response.status_code == 200  # type: ignore[attr-defined]
    html = response.content.decode()  # type: ignore[attr-defined]
    assert "Choose the region these values are for" in html
    assert "请选择这些数值所属的地区" in html
    assert not ActualsImport.objects.exists(), "nothing kept to confirm"
    observation = stored("410000", "tech_contract_turnover", 2023)
    assert observation is not None and observation.value == Decimal("1367.42")


def test_a_province_official_who_chooses_the_city_gets_a_preview_for_it(bob_client: Client) -> None:
    response = post(bob_client, REGIONLESS, region="411100")
    assert response.status_code == 302  # type: ignore[attr-defined]
    record = ActualsImport.objects.get()
    assert record.region is not None and record.region.adcode == "411100"
    assert record.created_count == 1


def test_a_province_official_who_chooses_the_province_is_warned_against_the_stored_value(bob_client: Client) -> None:
    store("410000", "tech_contract_turnover", 2023, "1367.42", origin="import")
    response = post(bob_client, REGIONLESS, region="410000")
    assert response.status_code == 302  # type: ignore[attr-defined]
    record = ActualsImport.objects.get()
    assert record.warning_count == 1
    page = bob_client.get(reverse("import-detail", args=[record.pk])).content.decode()
    assert "存储值 1367.42 将变为 21.9" in page
    assert "the stored value 1367.42 would become 21.9 (×0.016)" in page
    assert re.search(r'data-count="warnings">1<', page)


def test_a_regionless_file_stays_fine_for_a_city_official(charlie_client: Client) -> None:
    data = xlsx_bytes(wide(["研发投入强度", "%", 2.5], title="科技创新主要指标", years=(2023,)))
    zhengzhou = Region.objects.get(adcode="410100")
    response = charlie_client.post(
        reverse("import-upload"), {"file": SimpleUploadedFile("a.xlsx", data), "region": zhengzhou.pk}
    )
    assert response.status_code == 302
    assert ActualsImport.objects.get().region == zhengzhou


@pytest.mark.parametrize(
    ("old", "new", "warned"),
    [
        ("100", "201", True),  # above ×2
        ("100", "200", False),  # exactly ×2: not beyond
        ("100", "50", False),  # exactly ×0.5
        ("100", "49.9", True),  # below ×0.5
        ("100", "0", True),  # set to zero
        ("100", "130", False),
    ],
)
def test_it_warns_when_a_value_moves_far_from_the_stored_one_of_the_same_year(
    old: str, new: str, warned: bool, alice: User
) -> None:
    store("410100", "tech_contract_turnover", 2023, old, origin="import")
    data = xlsx_bytes(wide(["技术合同成交额", "亿元", new], years=(2023,)))
    preview = build_preview(data, "a.xlsx", user=alice)
    assert not preview.errors
    same_year = [p for p in preview.warnings if "the stored value" in p.text_en]
    assert bool(same_year) == warned, [p.text_en for p in preview.warnings]
    if warned:
        assert f"{old} would become {new}" in same_year[0].text_en
        assert "Zhengzhou" in same_year[0].text_en and "2023" in same_year[0].text_en
        assert same_year[0].location.row == 3


def test_the_same_year_warning_counts_in_the_review_queue(charlie_client: Client, bob_client: Client) -> None:
    store("410100", "tech_contract_turnover", 2023, "1000", origin="import")
    data = xlsx_bytes(wide(["技术合同成交额", "亿元", 3000], years=(2023,)))
    response = post(charlie_client, data, region="410100")
    record = ActualsImport.objects.get()
    detail = charlie_client.get(response["Location"])  # type: ignore[index]
    digest = re.search(r'name="digest" value="([0-9a-f]{64})"', detail.content.decode())
    assert digest
    charlie_client.post(reverse("import-confirm", args=[record.pk]), {"digest": digest.group(1)})
    record.refresh_from_db()
    assert record.status == ActualsImport.Status.SUBMITTED
    assert record.warning_count == 1
    queue = bob_client.get(reverse("import-review")).content.decode()
    row = re.search(rf'<tr data-import="{record.pk}">(.*?)</tr>', queue, re.S)
    assert row, "the import is in the queue"
    assert re.findall(r'<td class="num">(\d+)</td>', row.group(1)) == ["0", "1", "1"]  # added, changed, warnings


def test_real_values_replacing_demo_ones_are_labelled_and_counted(alice: User, alice_client: Client) -> None:
    store("410100", "rd_intensity", 2021, "2.2")  # demo
    store("410100", "rd_intensity", 2022, "2.35", origin="import")  # real
    data = xlsx_bytes(wide(["研发投入强度", "%", 2.31, 2.5, 2.6]))
    preview = build_preview(data, "a.xlsx", user=alice)
    assert [(i.year, i.status, i.replaces_demo) for i in preview.items] == [
        (2021, "changed", True),
        (2022, "changed", False),
        (2023, "new", False),
    ]
    assert preview.demo_replaced == 1
    record = save_pending(preview, data, user=alice)
    page = alice_client.get(reverse("import-detail", args=[record.pk])).content.decode()
    assert re.search(r'data-count="replaces-demo">1<', page)
    assert page.count("data-replaces-demo") == 1
    assert "替换演示数据" in page


def test_the_same_demo_value_sent_again_as_real_replaces_it(alice: User) -> None:
    store("410100", "rd_intensity", 2021, "2.2")
    preview = build_preview(xlsx_bytes(wide(["研发投入强度", "%", 2.2], years=(2021,))), "a.xlsx", user=alice)
    [item] = preview.items
    assert item.status == "changed" and item.replaces_demo


def command(*args: str) -> str:
    out = io.StringIO()
    call_command("import_actuals", *args, stdout=out)
    return out.getvalue()


def test_the_command_needs_a_region_for_a_regionless_file_with_a_province_user(bob: User, tmp_path: Path) -> None:
    path = tmp_path / "luohe.xlsx"
    path.write_bytes(REGIONLESS)
    with pytest.raises(CommandError):
        command(str(path), "--user", "bob", "--language", "en")
    assert stored("410000", "tech_contract_turnover", 2023) is None
    assert stored("411100", "tech_contract_turnover", 2023) is None
    out = command(str(path), "--user", "bob", "--region", "411100")
    assert "Imported" in out
    observation = stored("411100", "tech_contract_turnover", 2023)
    assert observation is not None and observation.value == Decimal("21.9")


def test_the_command_without_user_refuses_a_regionless_file_as_before(tmp_path: Path) -> None:
    path = tmp_path / "luohe.xlsx"
    path.write_bytes(REGIONLESS)
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_actuals", str(path), "--language", "en", stdout=out)
    assert "Choose the region these values are for" in out.getvalue()
    assert stored("410000", "tech_contract_turnover", 2023) is None


def test_the_command_says_which_values_replace_demo_data(tmp_path: Path) -> None:
    store("410100", "rd_intensity", 2021, "2.2")
    path = tmp_path / "zz.xlsx"
    path.write_bytes(xlsx_bytes(wide(["研发投入强度", "%", 2.31], years=(2021,))))
    out = command(str(path), "--dry-run", "--language", "en")
    assert "1 changed, 0 unchanged; 0 errors, 0 warnings; 1 of the changes replace demo data" in out
    assert "2.2 → 2.31" in out and "(replaces demo data)" in out
