"""Cached pages and the data version: every kind of write shows on the next page, with either cache backend.

Each test renders a page (so it is cached), writes, renders again and finds the new value. They run with the
local-memory cache and with Django's Redis backend on 127.0.0.1:6379 (database 8, a key prefix of this run); an
unreachable Redis skips the Redis half loudly, or fails it under CI=true. Run on SQLite and on PostgreSQL, the
bulk write (observations_write_many) takes each database's own path: executemany there, COPY here.
"""

from __future__ import annotations

import io
import os
import re
import uuid
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any

import openpyxl
import pytest
import redis
from django.apps import apps
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import SettingsWrapper

from cities import versioning
from cities.models import DataVersion, Membership, Region
from dashboard import fragments
from indicators.models import ActualsImport, Indicator, Observation
from indicators.services import ObservationWrite, observation_delete, observation_set, observations_write_many
from plans.models import Plan, Target

pytestmark = pytest.mark.django_db

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/8")
CITY = "/cities/410100/"


@pytest.fixture(params=["locmem", "redis"])
def backend(request: pytest.FixtureRequest, settings: SettingsWrapper) -> str:
    """The page cache on the local-memory backend, then on Redis."""
    if request.param == "redis":
        try:
            redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
        except redis.RedisError as exc:
            message = f"REDIS UNREACHABLE at {REDIS_URL} ({exc}): the Redis half of the cache tests did NOT run"
            if os.environ.get("CI") == "true":
                pytest.fail(message)
            pytest.skip(message)
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": REDIS_URL,
                "KEY_PREFIX": f"test-{uuid.uuid4().hex[:8]}",
            }
        }
    settings.PAGE_CACHE = True
    cache.clear()
    return str(request.param)


def page(client: Client, url: str = CITY) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def shared_part(html: str) -> str:
    """What the page shows from the data: its <main>, where no username or permission link is; the CSRF tokens of
    its forms (the explanation forms) are masked afresh in every response, so they are left out."""
    main = re.search(r"<main>(.*)</main>", html, re.S)
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", main.group(1) if main else html)  # JSON: all


def cached_twice(client: Client, url: str = CITY) -> str:
    """The page, rendered and then served from the cache (the same but for the masked CSRF tokens)."""
    first = page(client, url)
    assert shared_part(page(client, url)) == shared_part(first)
    return first


def zhengzhou() -> Region:
    return Region.objects.get(adcode="410100")


def rd_intensity() -> Indicator:
    return Indicator.objects.get(code="rd_intensity")


class Form(HTMLParser):
    """The fields of the admin's change form, as a browser would send them back."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        name = a.get("name", "")
        if tag == "input" and name and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") != "checkbox" or "checked" in a:
                self.data[name] = a.get("value", "on" if a.get("type") == "checkbox" else "")
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select] = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.data[self._textarea] += data.lstrip("\n") if not self.data[self._textarea] else data


def admin_change(client: Client, url: str, **changes: str) -> None:
    form = Form()
    form.feed(client.get(url).content.decode())
    data = {**form.data, **changes, "_save": "Save"}
    response = client.post(url, data)
    assert response.status_code == 302, re.findall(r'class="errorlist[^"]*"[^>]*>(.*?)</ul>', response.content.decode())


# ------------------------------------------------------------------------------------------ each kind of write


def test_observation_set(backend: str, bob_client: Client) -> None:
    assert "7.654321" not in cached_twice(bob_client)
    observation_set(region=zhengzhou(), indicator=rd_intensity(), year=2024, value=Decimal("7.654321"))
    assert "7.654321" in page(bob_client)


def test_observation_delete(backend: str, bob_client: Client) -> None:
    obs, _ = observation_set(region=zhengzhou(), indicator=rd_intensity(), year=2024, value=Decimal("7.654321"))
    assert "7.654321" in cached_twice(bob_client)
    observation_delete(observation=obs)
    assert "7.654321" not in page(bob_client)


def test_observations_write_many_creating_and_changing(backend: str, bob_client: Client) -> None:
    stored, _ = observation_set(region=zhengzhou(), indicator=rd_intensity(), year=2023, value=Decimal("2.5"))
    html = cached_twice(bob_client)
    assert "6.123456" not in html and "5.654321" not in html
    common: dict[str, Any] = {
        "region_id": zhengzhou().pk,
        "indicator_id": rd_intensity().pk,
        "source": "统计公报",
        "note": "",
    }
    writes = [
        ObservationWrite(**common, year=2023, value=Decimal("5.654321"), observation_id=stored.pk),  # UPDATE
        ObservationWrite(**common, year=2024, value=Decimal("6.123456"), observation_id=None),  # COPY / INSERT
    ]
    observations_write_many(writes, origin=Observation.Origin.IMPORT, user=None, reason="test")
    html = page(bob_client)
    assert "6.123456" in html and "5.654321" in html


def xlsx(rows: list[list[Any]]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet: Any = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_an_import_committed_through_the_web(
    backend: str, charlie: User, charlie_client: Client, bob_client: Client
) -> None:
    assert "2.987" not in cached_twice(charlie_client)
    assert "2.987" not in cached_twice(charlie_client, CITY + "?include=submitted")
    data = xlsx([["指标名称", "单位", "2023年"], ["研发投入强度", "%", 2.987]])
    upload = charlie_client.post(
        reverse("import-upload"), {"file": SimpleUploadedFile("a.xlsx", data), "region": zhengzhou().pk}
    )
    assert upload.status_code == 302
    assert "2.987" not in page(charlie_client), "a preview writes nothing"
    record = ActualsImport.objects.get()
    preview = charlie_client.get(upload["Location"]).content.decode()
    digest = re.search(r'name="digest" value="([0-9a-f]{64})"', preview)
    assert digest
    charlie_client.post(reverse("import-confirm", args=[record.pk]), {"digest": digest.group(1)})
    record.refresh_from_db()
    assert record.status == "submitted"  # a city official's import waits for review
    assert "2.987" not in page(charlie_client), "approved values only by default"
    assert "2.987" in page(charlie_client, CITY + "?include=submitted")
    assert bob_client.post(reverse("import-approve", args=[record.pk]), {"comment": ""}).status_code == 302
    record.refresh_from_db()
    assert record.status == "approved"
    assert "2.987" in page(charlie_client)


def test_an_admin_change_of_an_observation(backend: str, alice_client: Client) -> None:
    obs, _ = observation_set(region=zhengzhou(), indicator=rd_intensity(), year=2024, value=Decimal("1.111"))
    assert "1.111" in cached_twice(alice_client)
    admin_change(alice_client, reverse("admin:indicators_observation_change", args=[obs.pk]), value="6.543")
    assert Observation.objects.get(pk=obs.pk).value == Decimal("6.543")
    html = page(alice_client)
    assert "6.543" in html and "1.111" not in html


def test_an_admin_change_of_a_region(backend: str, alice_client: Client) -> None:
    assert "郑州改名市" not in cached_twice(alice_client)
    admin_change(alice_client, reverse("admin:cities_region_change", args=[zhengzhou().pk]), name_zh="郑州改名市")
    assert "<title>郑州改名市</title>" in page(alice_client)


def test_a_target_change(backend: str, bob_client: Client) -> None:
    target = Target.objects.filter(plan__region__adcode="410100", indicator__code="rd_intensity").first()
    assert target is not None
    assert "8.765" not in cached_twice(bob_client)
    target.target_value = Decimal("8.765")
    target.save()
    assert "8.765" in page(bob_client)


def test_a_target_removed_by_a_queryset_delete(backend: str, bob_client: Client) -> None:
    target = Target.objects.filter(plan__region__adcode="410100").first()
    assert target is not None
    assert f'id="target-{target.pk}"' in cached_twice(bob_client)
    Target.objects.filter(pk=target.pk).delete()  # the plan loader removes targets so
    assert f'id="target-{target.pk}"' not in page(bob_client)


def test_a_plan_change(backend: str, bob_client: Client) -> None:
    plan = Plan.objects.get(slug="zhengzhou")
    for url in (CITY, "/", f"/plans/{plan.pk}/", f"/plans/{plan.pk}/evaluation/"):
        assert "改过的规划标题" not in cached_twice(bob_client, url)
    plan.title = "改过的规划标题"
    plan.save()
    for url in (CITY, "/", f"/plans/{plan.pk}/", f"/plans/{plan.pk}/evaluation/"):
        assert "改过的规划标题" in page(bob_client, url), url


def test_the_indicator_page_and_the_progress_api(backend: str, bob_client: Client) -> None:
    url, api = "/indicators/rd_intensity/", "/api/v1/progress/?region=410100&indicator=rd_intensity"
    assert "7.654321" not in cached_twice(bob_client, url)
    assert "7.654321" not in cached_twice(bob_client, api)
    observation_set(region=zhengzhou(), indicator=rd_intensity(), year=2024, value=Decimal("7.654321"))
    assert "7.654321" in page(bob_client, url)
    assert "7.654321" in page(bob_client, api)


# -------------------------------------------------------------------------------------------- what is cached


def test_a_cached_page_never_carries_another_users_header(backend: str, bob_client: Client, charlie: User) -> None:
    """The blocks are shared; the header (username, links by permission) and the CSRF tokens are each user's."""
    bob = page(bob_client)
    other = Client()
    other.force_login(charlie)
    charlie_html = page(other)
    assert '<span class="user">bob</span>' in bob and '<span class="user">charlie</span>' in charlie_html
    assert "bob" not in charlie_html
    token = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
    assert token.findall(bob) and not set(token.findall(bob)) & set(token.findall(charlie_html))


def test_the_overview_is_keyed_on_the_users_home_region(backend: str, bob_client: Client) -> None:
    """Without ?region= the overview shows the province of the user's region: Henan for bob, Hubei for dora."""
    hubei = Region.objects.create(adcode="420000", name_zh="湖北省", name_en="Hubei", level="province")
    dora = User.objects.create_user("dora")
    Membership.objects.create(user=dora, region=hubei)
    other = Client()
    other.force_login(dora)
    for _ in range(2):  # computed, then from the cache
        assert "<h1>河南省" in page(bob_client, "/")
        assert "<h1>湖北省" in page(other, "/")


def test_the_language_is_part_of_the_key(backend: str, bob_client: Client) -> None:
    chinese = page(bob_client)
    bob_client.cookies["django_language"] = "en"
    english = page(bob_client)
    assert "Zhengzhou" in english and "<title>郑州市</title>" in chinese


def test_page_cache_off_computes_every_time(bob_client: Client, settings: SettingsWrapper) -> None:
    settings.PAGE_CACHE = False
    page(bob_client)
    Region.objects.filter(adcode="410100").update(name_zh="不经信号")  # no signal: only PAGE_CACHE=false shows it
    assert "<title>不经信号</title>" in page(bob_client)


# ------------------------------------------------------------------------------------------- the data version


def test_every_model_of_the_project_apps_raises_the_version() -> None:
    """A model another engineer adds to any of these apps is covered without anyone connecting it."""
    missing = [
        model._meta.label
        for label in versioning.PROJECT_APPS
        for model in apps.get_app_config(label).get_models(include_auto_created=True)
        if model is not DataVersion
        and not (
            post_save.has_listeners(model) and post_delete.has_listeners(model) and m2m_changed.has_listeners(model)
        )
    ]
    assert not missing


def test_a_write_raises_the_version_in_its_own_transaction() -> None:
    before = versioning.current()
    with pytest.raises(RuntimeError), transaction.atomic():
        observation_set(region=zhengzhou(), indicator=rd_intensity(), year=2024, value=Decimal("3"))
        assert versioning.current() != before
        raise RuntimeError("rolled back")
    assert versioning.current() == before, "a rolled-back write leaves the version (and the cache) alone"
    target = Target.objects.first()
    other = Target.objects.last()
    assert target is not None and other is not None
    target.conflicts_with.add(other)
    assert versioning.current() != before


def test_the_version_survives_a_flushed_row() -> None:
    DataVersion.objects.all().delete()
    assert versioning.current() == ""
    versioning.bump()
    assert versioning.current().endswith("-1")


def test_a_restore_renews_the_epoch() -> None:
    before = versioning.current()
    versioning.renew_epoch(connection)
    after = versioning.current()
    assert after.split("-")[0] != before.split("-")[0]


def test_a_form_served_from_the_cache_carries_this_requests_token(backend: str, charlie: User) -> None:
    """The explanation form of a cached city page posts with the reader's own CSRF token, never another's."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(charlie)
    observation_set(region=zhengzhou(), indicator=rd_intensity(), year=2020, value=Decimal("2.31"))
    observation_set(region=zhengzhou(), indicator=rd_intensity(), year=2023, value=Decimal("2.32"))  # lagging
    html = cached_twice(client)
    tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', page(client))  # served from the cache
    assert tokens and fragments.CSRF_STAND_IN not in html
    action = re.search(r'<form method="post" action="([^"]*explanation[^"]*)" class="explanation-form"', html)
    assert action, "a lagging target offers the city its explanation form"
    fields = {"csrfmiddlewaretoken": tokens[0], "situation": "2.32", "outlook": "难以实现", "causes": "投入不足",
              "measures": "加大投入"}  # fmt: skip
    response = client.post(action.group(1), fields)
    assert response.status_code != 403, "the token the cached page carries is this session's"
