"""`manage.py send_reminders`: the overdue values per region, printed; with --email one mail per region to its
members (the locmem backend: mail.outbox)."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.management import CommandError, call_command
from pytest_django.fixtures import SettingsWrapper

from cities.models import Membership, Region
from tests.spreadsheets import store

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def locmem(settings: SettingsWrapper) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("send_reminders", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def member(username: str, adcode: str, email: str, *, active: bool = True) -> User:
    user = User.objects.create_user(username=username, email=email, password="x", is_active=active)
    Membership.objects.create(user=user, region=Region.objects.get(adcode=adcode))
    return user


def test_it_prints_the_overdue_values_of_one_region_on_the_day_asked() -> None:
    # 2024 R&D intensity: due 2025-09-01, overdue from 2025-10-01.
    before = run("--as-of", "2025-09-30", "--region", "410100", "--language", "en")
    assert "2024 R&D intensity" not in before
    after = run("--as-of", "2025-10-01", "--region", "410100", "--language", "en")
    assert (
        "2024 R&D intensity (R&D expenditure as % of GDP) (rd_intensity): due from 2025-09-01, overdue since 2025-10-01"
        in after
    )
    assert "Zhengzhou 410100:" in after and "Kaifeng" not in after
    assert "\n  2025 " not in after  # the figures of 2025 are not out before 2026
    assert "2024 Technology-based SMEs (tech_smes)" in after
    assert not mail.outbox  # printing only


def test_a_real_value_is_no_longer_overdue_a_demo_value_still_is() -> None:
    store("410100", "rd_intensity", 2024, "2.5")  # demo
    assert "2024 R&D intensity" in run("--as-of", "2025-10-01", "--region", "410100", "--language", "en")
    store("410100", "rd_intensity", 2024, "2.6", origin="manual")
    assert "2024 R&D intensity" not in run("--as-of", "2025-10-01", "--region", "410100", "--language", "en")


def test_it_prints_in_chinese_by_default_and_counts_every_region() -> None:
    out = run("--as-of", "2022-05-01")
    assert "郑州市 410100：" in out and "开封市 410200：" in out
    assert "2021年 技术合同成交额（tech_contract_turnover）：2022-04-01 起应报送，2022-05-01 起逾期" in out
    assert out.strip().splitlines()[-1].startswith("2022-05-01：5 个地区共")


def test_email_sends_one_mail_per_region_to_its_active_members_with_an_address() -> None:
    member("zz1", "410100", "zz1@example.gov.cn")
    member("zz2", "410100", "zz2@example.gov.cn")
    member("zz3", "410100", "", active=True)  # no address
    member("zz4", "410100", "gone@example.gov.cn", active=False)
    member("kf1", "410200", "kf1@example.gov.cn")
    out = run("--as-of", "2026-12-01", "--email", "--language", "en")
    assert len(mail.outbox) == 2  # Zhengzhou and Kaifeng; the other cities have no member with an address
    by_to = {tuple(m.to): m for m in mail.outbox}
    zhengzhou = by_to["zz1@example.gov.cn", "zz2@example.gov.cn"]
    assert zhengzhou.subject.startswith("[Plan Indicator Tracker] Zhengzhou 410100:")
    assert "(rd_intensity): due from 2025-09-01, overdue since 2025-10-01" in zhengzhou.body
    assert "Kaifeng" not in zhengzhou.body
    assert by_to["kf1@example.gov.cn",].subject.startswith("[Plan Indicator Tracker] Kaifeng 410200:")
    assert "2 mails sent." in out


def test_email_with_region_mails_only_that_region() -> None:
    member("zz1", "410100", "zz1@example.gov.cn")
    member("kf1", "410200", "kf1@example.gov.cn")
    run("--as-of", "2026-12-01", "--email", "--region", "410100")
    assert [m.to for m in mail.outbox] == [["zz1@example.gov.cn"]]
    assert mail.outbox[0].subject.startswith("【规划指标监测】郑州市 410100：")


def test_it_refuses_bad_input(settings: SettingsWrapper) -> None:
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        run("--as-of", "2025-13-01")
    with pytest.raises(CommandError, match="no region has the adcode"):
        run("--region", "999999")
    settings.EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
    with pytest.raises(CommandError, match="mail is not configured"):
        run("--email")
