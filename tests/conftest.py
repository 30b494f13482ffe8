"""Shared test set-up: the real fixtures loaded once per session, and named personas.

alice   — admin (superuser), Henan province
bob     — provincial staff, Henan province
charlie — city official, Zhengzhou (410100)
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from django.contrib.auth.models import Group, User
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.utils import translation

from cities.models import Membership, Region
from plans.services import fixtures_load

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make around it are
# ordinary synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> Iterator[None]:
    """The five plans are part of the product: every test starts from them, loaded once."""
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        fixtures_load()
        call_command("create_demo_users", "--force", stdout=open(os.devnull, "w"))  # noqa: SIM115
    yield


@pytest.fixture(autouse=True)
def _media_root(settings: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Uploaded files go to a temporary folder, never into the checkout."""
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _default_language(settings: pytest.FixtureRequest) -> Iterator[None]:
    """Every test starts in the default language: a request in English (LocaleMiddleware activates the language
    for the thread and never resets it) or a command activating one would otherwise leak into the next test."""
    translation.activate(settings.LANGUAGE_CODE)  # type: ignore[attr-defined]
    yield
    translation.activate(settings.LANGUAGE_CODE)  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """API rate counts and token locks live in the cache: none leaks from one test into the next."""
    cache.clear()


def _user(username: str, adcode: str, *, staff: bool = False, superuser: bool = False, group: str = "") -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, is_staff=staff, is_superuser=superuser)
    if group:
        user.groups.add(Group.objects.get(name=group))
    Membership.objects.create(user=user, region=Region.objects.get(adcode=adcode))
    return user


@pytest.fixture
def alice(db: None) -> User:
    return _user("alice", "410000", staff=True, superuser=True)


@pytest.fixture
def bob(db: None) -> User:
    return _user("bob", "410000", staff=True, group="provincial_staff")


@pytest.fixture
def charlie(db: None) -> User:
    return _user("charlie", "410100", group="city_official")


@pytest.fixture
def alice_client(alice: User) -> Client:
    client = Client()
    client.force_login(alice)
    return client


@pytest.fixture
def bob_client(bob: User) -> Client:
    client = Client()
    client.force_login(bob)
    return client


@pytest.fixture
def charlie_client(charlie: User) -> Client:
    client = Client()
    client.force_login(charlie)
    return client
