"""Login throttling (django-axes) and API throttling (DRF rates, bad tokens locked per address).

A username is locked at one client address after AXES_FAILURE_LIMIT failed logins, for AXES_COOLOFF_MINUTES;
other usernames from that address and the same username from other addresses still log in. Bad API tokens
are counted per address: API_TOKEN_FAILURE_LIMIT of them and the address gets 429 for the cool-off.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.models import User
from django.http import HttpRequest
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.throttling import UserRateThrottle

from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"
HERE = "192.0.2.10"  # documentation addresses (RFC 5737): only ever strings in REMOTE_ADDR
THERE = "192.0.2.20"
LOCKED_ZH = "登录失败次数过多"
LOCKED_EN = "Too many failed logins"


@pytest.fixture(autouse=True)
def _fast_hashing(settings: Any) -> None:
    # Every login attempt hashes a password; a fast hasher keeps these dozens of attempts quick.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def post_login(
    client: Client, username: str, password: str, *, url: str = LOGIN, address: str = HERE, **extra: Any
) -> Any:
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=address, **extra)


def logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def fail(client: Client, username: str, times: int, **kwargs: Any) -> list[int]:
    return [post_login(client, username, "wrong password", **kwargs).status_code for _ in range(times)]


# ------------------------------------------------------------------------------------------------ logins


def test_five_wrong_passwords_lock_the_username_then_the_right_one_is_refused(client: Client, charlie: User) -> None:
    assert settings.AXES_FAILURE_LIMIT == 5
    assert fail(client, "charlie", 4) == [200, 200, 200, 200]  # the form again, with its error
    fifth = post_login(client, "charlie", "wrong password")
    assert fifth.status_code == 429
    right = post_login(client, "charlie", PASSWORD)
    assert right.status_code == 429
    page = right.content.decode()
    assert LOCKED_ZH in page and "charlie" in page and "15" in page
    assert '<html lang="zh-hans">' in page  # our base layout
    assert not logged_in(client)
    assert int(right["Retry-After"]) == 15 * 60


def test_the_lockout_message_speaks_english_too(client: Client, charlie: User) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    fail(client, "charlie", 5)
    page = post_login(client, "charlie", PASSWORD).content.decode()
    assert LOCKED_EN in page and "15 minutes" in page and '<html lang="en">' in page


def test_another_username_from_the_same_address_is_not_locked(client: Client, charlie: User, bob: User) -> None:
    fail(client, "charlie", 5)
    response = post_login(client, "bob", PASSWORD)
    assert response.status_code == 302 and logged_in(client)


def test_the_same_username_from_another_address_is_not_locked(client: Client, charlie: User) -> None:
    fail(client, "charlie", 5)
    assert post_login(client, "charlie", PASSWORD, address=THERE).status_code == 302
    assert logged_in(client)


def test_after_the_cool_off_the_right_password_works(client: Client, charlie: User) -> None:
    fail(client, "charlie", 5)
    assert post_login(client, "charlie", PASSWORD).status_code == 429
    # The cool-off runs from the last attempt (an attempt while locked restarts it).
    AccessAttempt.objects.update(attempt_time=time_ago(settings.AXES_COOLOFF_TIME + timedelta(seconds=1)))
    assert post_login(client, "charlie", PASSWORD).status_code == 302 and logged_in(client)


def test_within_the_cool_off_it_stays_locked(client: Client, charlie: User) -> None:
    fail(client, "charlie", 5)
    AccessAttempt.objects.update(attempt_time=time_ago(settings.AXES_COOLOFF_TIME - timedelta(minutes=1)))
    assert post_login(client, "charlie", PASSWORD).status_code == 429


def test_a_successful_login_resets_the_count(client: Client, charlie: User) -> None:
    assert fail(client, "charlie", 4) == [200] * 4
    assert post_login(client, "charlie", PASSWORD).status_code == 302
    client.logout()
    assert fail(client, "charlie", 4) == [200] * 4  # would be locked at the 5th failure in a row


def test_the_admin_login_is_locked_too(client: Client, alice: User) -> None:
    assert fail(client, "alice", 5, url=ADMIN_LOGIN)[-1] == 429
    response = post_login(client, "alice", PASSWORD, url=ADMIN_LOGIN)
    assert response.status_code == 429 and LOCKED_ZH in response.content.decode()
    # One count for both forms: the site's login is locked as well.
    assert post_login(client, "alice", PASSWORD).status_code == 429


def test_the_admin_lists_the_lockout_and_deleting_it_unlocks(client: Client, charlie: User, alice: User) -> None:
    fail(client, "charlie", 5)
    admin = Client()
    admin.force_login(alice)
    listing = admin.get("/admin/axes/accessattempt/", {"locked_out": "yes"})
    assert listing.status_code == 200
    page = listing.content.decode()
    assert "charlie" in page and HERE in page
    attempt = AccessAttempt.objects.get(username="charlie", ip_address=HERE)
    deleted = admin.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 302
    assert post_login(client, "charlie", PASSWORD).status_code == 302


def test_the_reset_command_unlocks(client: Client, charlie: User) -> None:
    from django.core.management import call_command

    fail(client, "charlie", 5)
    call_command("axes_reset_username", "charlie", stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert post_login(client, "charlie", PASSWORD).status_code == 302


def test_force_login_is_untouched_and_client_login_works_when_given_a_request(charlie: User) -> None:
    client = Client()
    client.force_login(charlie)
    assert client.get("/").status_code == 200
    # axes needs the request to know the address; the test client's login() sends none of its own.
    assert Client().login(request=HttpRequest(), username="charlie", password=PASSWORD)


def test_without_a_proxy_a_forged_forwarded_for_does_not_escape_the_lock(client: Client, charlie: User) -> None:
    fail(client, "charlie", 5, HTTP_X_FORWARDED_FOR="203.0.113.1")
    assert post_login(client, "charlie", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.2").status_code == 429


def test_behind_one_proxy_the_address_it_forwards_is_the_client(client: Client, charlie: User, settings: Any) -> None:
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    proxy = "127.0.0.1"
    # The proxy appends the address it saw; whatever the client wrote before that is not believed.
    forwarded = "198.51.100.9, 203.0.113.1"
    fail(client, "charlie", 5, address=proxy, HTTP_X_FORWARDED_FOR=forwarded)
    assert AccessAttempt.objects.get().ip_address == "203.0.113.1"
    assert post_login(client, "charlie", PASSWORD, address=proxy, HTTP_X_FORWARDED_FOR=forwarded).status_code == 429
    other = "198.51.100.9, 203.0.113.2"
    assert post_login(client, "charlie", PASSWORD, address=proxy, HTTP_X_FORWARDED_FOR=other).status_code == 302


def time_ago(delta: timedelta) -> Any:
    from django.utils import timezone

    return timezone.now() - delta


# ------------------------------------------------------------------------------------------------ API tokens


@pytest.fixture
def token(charlie: User) -> Token:
    return Token.objects.create(user=charlie)


def api_get(key: str, address: str = HERE) -> Any:
    return Client().get("/api/v1/regions/", HTTP_AUTHORIZATION=f"Token {key}", REMOTE_ADDR=address)


def test_repeated_bad_tokens_from_one_address_get_429(token: Token) -> None:
    limit = settings.API_TOKEN_FAILURE_LIMIT
    assert limit == 10
    codes = [api_get(f"bad{n:037d}").status_code for n in range(limit)]
    assert codes == [401] * (limit - 1) + [429]
    locked = api_get(token.key)  # a right token does not help: the address is locked
    assert locked.status_code == 429
    assert int(locked["Retry-After"]) > 0
    assert "detail" in locked.json()
    assert api_get(token.key, address=THERE).status_code == 200


def test_a_malformed_token_header_counts_as_a_failure(token: Token) -> None:
    client = Client()
    for _ in range(settings.API_TOKEN_FAILURE_LIMIT):
        client.get("/api/v1/regions/", HTTP_AUTHORIZATION="Token two words", REMOTE_ADDR=HERE)
    assert api_get(token.key).status_code == 429


def test_good_tokens_do_not_count(token: Token) -> None:
    for _ in range(settings.API_TOKEN_FAILURE_LIMIT + 1):
        assert api_get(token.key).status_code == 200


def test_after_the_cool_off_a_token_works_again(token: Token, monkeypatch: pytest.MonkeyPatch) -> None:
    for n in range(settings.API_TOKEN_FAILURE_LIMIT):
        api_get(f"bad{n}")
    assert api_get(token.key).status_code == 429
    later = time.time() + settings.API_TOKEN_COOLOFF_MINUTES * 60 + 1
    monkeypatch.setattr(time, "time", lambda: later)  # the cache's own expiry reads the same clock
    assert api_get(token.key).status_code == 200


def test_a_session_user_is_not_affected_by_a_token_lock(token: Token, charlie_client: Client) -> None:
    for n in range(settings.API_TOKEN_FAILURE_LIMIT):
        api_get(f"bad{n}", address="127.0.0.1")
    assert charlie_client.get("/api/v1/regions/").status_code == 200


def test_the_token_lock_works_with_another_cache_backend(token: Token, settings: Any, tmp_path: Path) -> None:
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(tmp_path)}
    }
    for n in range(settings.API_TOKEN_FAILURE_LIMIT):
        api_get(f"bad{n}")
    assert any(tmp_path.iterdir())  # the counts went to that cache
    assert api_get(token.key).status_code == 429


def test_the_user_rate_throttles_the_api(charlie_client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    # DRF reads the rates once, at import: the configured ones are checked below, a small one is used here.
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"user": "3/min"})
    codes = [charlie_client.get("/api/v1/regions/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]


def test_the_api_throttles_users_and_anonymous_clients_by_default() -> None:
    assert settings.REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"] == [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ]
    assert settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] == {"anon": "60/min", "user": "1200/min"}


# ------------------------------------------------------------------------------------------------ settings


def settings_in(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environ.update(env, DJANGO_SETTINGS_MODULE="config.settings")
    return subprocess.run(  # noqa: S603 — our own settings with fixed code
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_limits_come_from_the_environment() -> None:
    result = settings_in(
        "from django.conf import settings as s; r = s.REST_FRAMEWORK; "
        "print(s.AXES_FAILURE_LIMIT, s.AXES_COOLOFF_TIME.total_seconds(), s.API_TOKEN_FAILURE_LIMIT,"
        " s.API_TOKEN_COOLOFF_MINUTES, r['DEFAULT_THROTTLE_RATES'], r['NUM_PROXIES'])",
        AXES_FAILURE_LIMIT="3",
        AXES_COOLOFF_MINUTES="2",
        API_TOKEN_FAILURE_LIMIT="7",
        API_THROTTLE_ANON="10/min",
        API_THROTTLE_USER="100/hour",
        NUM_PROXIES="1",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[0] == "3 120.0 7 2 {'anon': '10/min', 'user': '100/hour'} 1"


@pytest.mark.parametrize(
    ("name", "value"),
    [("AXES_FAILURE_LIMIT", "0"), ("AXES_COOLOFF_MINUTES", "-1"), ("API_THROTTLE_USER", "lots"), ("NUM_PROXIES", "-1")],
)
def test_a_bad_limit_is_refused_at_start(name: str, value: str) -> None:
    result = settings_in("pass", **{name: value})
    assert result.returncode != 0 and name in result.stderr
