"""Password reset by mail: offered only where mail is configured (PASSWORD_RESET_ENABLED).

Before, /accounts/password_reset/ said "sent" on a server with no mail configured and nothing was sent.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client

from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
ADDRESS = "charlie@zhengzhou.example.gov.cn"
NEW_PASSWORD = "a brand new passphrase 2025"
RESET_URLS = [
    "/accounts/password_reset/",
    "/accounts/password_reset/done/",
    "/accounts/reset/MQ/set-password/",
    "/accounts/reset/MQ/abc-123/",
    "/accounts/reset/done/",
]


@pytest.fixture(autouse=True)
def _fast_hashing(settings: Any) -> None:
    # Every login attempt hashes a password; a fast hasher keeps these dozens of attempts quick.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _mail(settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.PASSWORD_RESET_ENABLED = True
    settings.DEFAULT_FROM_EMAIL = "规划指标监测 <plans@example.gov.cn>"


@pytest.fixture
def user(charlie: User) -> User:
    charlie.email = ADDRESS
    charlie.save()
    return charlie


def request_reset(client: Client, email: str) -> Any:
    return client.post("/accounts/password_reset/", {"email": email})


def reset_link(message: mail.EmailMessage) -> str:
    found = re.search(r"https?://testserver(/accounts/reset/[^/\s]+/[^/\s]+/)", str(message.body))
    assert found, message.body
    return found.group(1)


def can_log_in(password: str) -> bool:
    response = Client().post("/accounts/login/", {"username": "charlie", "password": password})
    return response.status_code == 302


def test_a_reset_mail_is_sent_to_the_user_and_its_link_sets_a_new_password(client: Client, user: User) -> None:
    response = request_reset(client, ADDRESS)
    assert response.status_code == 302 and response["Location"] == "/accounts/password_reset/done/"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [ADDRESS]
    assert message.from_email == settings.DEFAULT_FROM_EMAIL
    assert "重置密码" in message.subject
    assert "charlie" in message.body  # the username, in case it was forgotten too

    form = client.get(reset_link(message), follow=True)
    assert form.status_code == 200
    assert form.context["validlink"]
    page = form.content.decode()
    assert "设置新密码" in page and '<html lang="zh-hans">' in page
    done = client.post(form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302 and done["Location"] == "/accounts/reset/done/"
    assert "登录" in client.get("/accounts/reset/done/").content.decode()

    assert can_log_in(NEW_PASSWORD)
    assert not can_log_in(PASSWORD)


def test_the_link_works_once(client: Client, user: User) -> None:
    request_reset(client, ADDRESS)
    link = reset_link(mail.outbox[0])
    form = client.get(link, follow=True)
    client.post(form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    again = Client().get(link, follow=True)
    assert not again.context["validlink"]
    assert "链接无效" in again.content.decode()


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client: Client, user: User) -> None:
    response = request_reset(client, "nobody@example.gov.cn")
    assert response.status_code == 302 and response["Location"] == "/accounts/password_reset/done/"
    assert mail.outbox == []


def test_the_mail_speaks_the_language_it_was_asked_in(client: Client, user: User) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    request_reset(client, ADDRESS)
    assert "Password reset" in mail.outbox[0].subject


def test_the_login_page_links_to_the_reset_when_mail_is_configured(client: Client) -> None:
    page = client.get("/accounts/login/").content.decode()
    assert 'href="/accounts/password_reset/"' in page and "忘记密码" in page


def test_resetting_the_password_lifts_a_login_lock(client: Client, user: User) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "charlie", "password": "wrong"})
    assert not can_log_in(PASSWORD)
    request_reset(client, ADDRESS)
    form = client.get(reset_link(mail.outbox[0]), follow=True)
    client.post(form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert can_log_in(NEW_PASSWORD)


# ------------------------------------------------------------------------------------------- no mail


@pytest.mark.parametrize("url", RESET_URLS)
def test_without_mail_the_reset_addresses_are_404(client: Client, user: User, settings: Any, url: str) -> None:
    settings.PASSWORD_RESET_ENABLED = False
    assert client.get(url).status_code == 404
    assert client.post(url, {"email": ADDRESS}).status_code == 404
    assert mail.outbox == []


def test_without_mail_the_login_page_has_no_reset_link(client: Client, settings: Any) -> None:
    settings.PASSWORD_RESET_ENABLED = False
    page = client.get("/accounts/login/").content.decode()
    assert "password_reset" not in page and "忘记密码" not in page


# ------------------------------------------------------------------------------------------- settings


def mail_settings(**env: str) -> subprocess.CompletedProcess[str]:
    names = ("DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE", "PASSWORD_RESET_ENABLED")
    environ = {k: v for k, v in os.environ.items() if k not in names and not k.startswith("EMAIL_")}
    environ.update(env, DJANGO_SETTINGS_MODULE="config.settings")
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.PASSWORD_RESET_ENABLED, s.EMAIL_BACKEND.rsplit('.', 2)[-2], s.EMAIL_HOST, s.EMAIL_PORT,"
        " s.EMAIL_USE_TLS, s.DEFAULT_FROM_EMAIL)"
    )
    return subprocess.run(  # noqa: S603 — our own settings with fixed code
        [sys.executable, "-c", code], cwd=ROOT, env=environ, capture_output=True, text=True, check=False
    )


PRODUCTION = {"DEBUG": "false", "SECRET_KEY": "x" * 50}


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "True console  25 False webmaster@localhost"),
        (PRODUCTION, "False dummy  25 False webmaster@localhost"),
        (
            {
                **PRODUCTION,
                "EMAIL_HOST": "smtp.example.gov.cn",
                "EMAIL_USE_TLS": "true",
                "EMAIL_HOST_USER": "plans",
                "EMAIL_HOST_PASSWORD": "secret",
                "DEFAULT_FROM_EMAIL": "plans@example.gov.cn",
            },
            "True smtp smtp.example.gov.cn 587 True plans@example.gov.cn",
        ),
        ({**PRODUCTION, "EMAIL_HOST": "localhost", "EMAIL_PORT": "2525"}, "True smtp localhost 2525 False"),
        ({**PRODUCTION, "EMAIL_HOST": "smtp.example.gov.cn", "PASSWORD_RESET_ENABLED": "false"}, "False smtp"),
    ],
)
def test_mail_and_the_reset_follow_the_environment(env: dict[str, str], expected: str) -> None:
    result = mail_settings(**env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().startswith(expected)


@pytest.mark.parametrize(
    "env",
    [
        {**PRODUCTION, "PASSWORD_RESET_ENABLED": "true"},  # nothing to send it with
        {"EMAIL_HOST": "smtp.example.gov.cn", "EMAIL_USE_TLS": "true", "EMAIL_USE_SSL": "true"},
    ],
)
def test_an_impossible_mail_setting_is_refused_at_start(env: dict[str, str]) -> None:
    result = mail_settings(**env)
    assert result.returncode != 0 and "ImproperlyConfigured" in result.stderr
