"""The permission matrix: every URL pattern of config.urls (walked from the resolver, the admin's generated URLs
included) requested as each of five personas, compared with one explicit table of expected statuses (RULES).

Personas, named relative to the region the request is about (RELATIVE, not absolute users):

    anonymous        no login
    official         a city official (group city_official) of the region the URL's objects belong to
    other_official   a city official of another region
    staff            provincial staff (bob, group provincial_staff: import, review and lock rights)
    admin            a superuser (alice)

Every URL whose arguments name a region's object (an adcode, a plan, a target, an import, a lock, a value) is
requested twice: about Zhengzhou (410100: the official is charlie, the other official dave of Kaifeng) and about
Kaifeng (410200: the official is dave, the other official charlie). Both must answer as the same row says.

Page POSTs go through Client(enforce_csrf_checks=True) with a real CSRF token (taken from the login page's cookie);
each is also sent once with the cookie but without the token and must get 403 from everyone: CSRF is on. API
writes use token authentication (DRF: no CSRF for tokens), API reads the session. The admin's pages are asked
with GET (their forms are Django's own). Each request runs in a savepoint rolled back afterwards, so
every persona meets the same database; the cache is cleared after each (pages and rate counts).

test_every_url_pattern_has_a_rule fails for a pattern without a row: a URL added later must get one. The crafted
tests at the end send what a city official must not do straight at the endpoints and check the database after.
"""

from __future__ import annotations

import datetime
import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Model
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from cities.models import Region
from imports.service import build_preview, save_pending
from indicators.models import ActualsImport, Observation, ObservationChange, PeriodLock, SubmittedValue
from indicators.services import period_lock
from plans.drafts import draft_create
from plans.models import Plan, PublishedEvaluation, Target, TargetExplanation, TargetRevision, TargetVerdict
from plans.published import publish
from plans.services import fixtures_load
from plans.verdicts import verdict_add
from tests.conftest import _user
from tests.spreadsheets import csv_bytes, imported, long, store

PERSONAS = ("anonymous", "official", "other_official", "staff", "admin")
SAFE = ("GET", "HEAD", "OPTIONS")


# ---------------------------------------------------------------------------------------------------------------
# The rules: one row per URL pattern key, one expected status per method and persona.
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Expect:
    """The status each persona gets (see the module docstring for who they are)."""

    anonymous: int
    official: int
    other_official: int
    staff: int
    admin: int

    def of(self, persona: str) -> int:
        value: int = getattr(self, persona)
        return value


def E(anonymous: int, official: int, other_official: int, staff: int, admin: int) -> Expect:
    return Expect(anonymous, official, other_official, staff, admin)


LOGIN = 302  # a page sends anonymous users to the login page
READ = E(302, 200, 200, 200, 200)  # a page every signed-in user reads
API_READ = E(401, 200, 200, 200, 200)  # the API: anonymous gets 401 with WWW-Authenticate: Token
PUBLIC = E(200, 200, 200, 200, 200)

# HOW TO ADD A ROW: a new URL pattern gets its key here — its URL name (`name=` in urls.py), "api:<name>" for the
# API (router names under /api/v1/), "admin:<name>" for the admin, the full route for a pattern without a name —
# with the expected status of each persona for every method the view answers (unsafe methods included: POST,
# DELETE…). Arguments come from example_kwargs() (by the URL's keyword argument, with per-key choices in PK_OF),
# POST bodies from BODIES, query strings from QUERIES. Registering a model in the admin needs a row in
# ADMIN_MODELS instead. Format-suffix variants (…\.json) of the API share their base pattern's row.
RULES: dict[str, dict[str, Expect]] = {
    # Site plumbing.
    "healthz": {"GET": PUBLIC},
    "favicon.ico": {"GET": E(301, 301, 301, 301, 301)},
    "set_language": {"GET": E(302, 302, 302, 302, 302), "POST": E(302, 302, 302, 302, 302)},
    # Accounts (the password reset is offered: the matrix runs with PASSWORD_RESET_ENABLED, see _media_root).
    "login": {"GET": PUBLIC},
    "logout": {"GET": E(405, 405, 405, 405, 405), "POST": E(302, 302, 302, 302, 302)},
    "password_change": {"GET": READ},
    "password_change_done": {"GET": READ},
    "password_reset": {"GET": PUBLIC},
    "password_reset_done": {"GET": PUBLIC},
    "password_reset_confirm": {"GET": PUBLIC},  # the link's token is wrong: the page says so
    "password_reset_complete": {"GET": PUBLIC},
    # Dashboard pages and downloads: every signed-in user reads every region (approved values).
    "home": {"GET": READ},
    "overview-data": {"GET": READ},
    "city": {"GET": READ},
    "city-data": {"GET": READ},
    "value-history": {"GET": READ},
    "indicator": {"GET": READ},
    "indicator-data": {"GET": READ},
    "indicator-compare": {"GET": READ},
    "indicator-compare-data": {"GET": READ},
    "plan-detail": {"GET": READ},
    "plan-evaluation": {"GET": READ},
    "plan-evaluation-xlsx": {"GET": READ},
    "plan-report-docx": {"GET": READ},
    "province-report-docx": {"GET": READ},
    # Published evaluations: everyone signed in reads them; province staff (and admins) publish.
    "published-evaluations": {"GET": READ},
    "published-evaluation": {"GET": READ},
    "published-evaluation-compare": {"GET": READ},
    "published-evaluation-compare-data": {"GET": READ},
    "publish-evaluation": {"POST": E(LOGIN, 403, 403, 302, 302)},
    # Navigation and the method's explanation.
    "help": {"GET": READ},
    "city-index": {"GET": READ},
    "indicator-index": {"GET": READ},
    "search": {"GET": READ},
    # The completeness board: for who reviews the regions' values (a city official's list is on their home page).
    "completeness": {"GET": E(LOGIN, 403, 403, 200, 200)},
    "completeness-data": {"GET": E(LOGIN, 403, 403, 200, 200)},
    # Explanations: everyone reads; who writes the target's region writes (saved: back to the city page).
    "target-explanation": {"GET": READ, "POST": E(LOGIN, 302, 403, 302, 302)},
    # Verdicts on qualitative targets: everyone reads; who reviews the target's region records one.
    "target-verdict": {"GET": READ, "POST": E(LOGIN, 403, 403, 302, 302)},
    "verdict-evidence": {"GET": READ},
    # Revised targets: everyone reads the history; provincial staff (plans.add_targetrevision) record one.
    "target-revision": {"GET": READ, "POST": E(LOGIN, 403, 403, 302, 302)},
    # Imports: the upload page for who may write a region; another region's import is not found (404).
    "import-upload": {"GET": READ, "POST": E(LOGIN, 302, 200, 302, 302)},  # 200: the form refuses the region
    "import-review": {"GET": E(LOGIN, 403, 403, 200, 200)},
    "import-detail": {"GET": E(LOGIN, 200, 404, 200, 200)},
    "import-file": {"GET": E(LOGIN, 200, 404, 200, 200)},
    "import-approve": {"POST": E(LOGIN, 403, 403, 302, 302)},
    "import-return": {"POST": E(LOGIN, 403, 403, 302, 302)},
    # A pending import (not yet submitted): only its uploader (or a superuser) sees, confirms or cancels it.
    "import-confirm": {"POST": E(LOGIN, 302, 404, 404, 302)},
    "import-cancel": {"POST": E(LOGIN, 302, 404, 404, 302)},
    "import-template": {"GET": E(LOGIN, 200, 404, 200, 200)},
    # Locks: province staff only.
    "locks": {"GET": E(LOGIN, 403, 403, 200, 200), "POST": E(LOGIN, 403, 403, 302, 302)},
    "lock-unlock": {"POST": E(LOGIN, 403, 403, 302, 302)},
    # The API.
    "api:api-root": {"GET": API_READ},
    "api:api-schema": {"GET": API_READ},
    "api:progress": {"GET": API_READ},
    "api:completeness-api": {"GET": E(401, 403, 403, 200, 200)},
    "api:overview-api": {"GET": API_READ, "POST": E(401, 405, 405, 405, 405)},
    "api:ranking-api": {"GET": API_READ, "POST": E(401, 405, 405, 405, 405)},
    "api:region-list": {"GET": API_READ},
    "api:region-detail": {"GET": API_READ},
    "api:indicator-list": {"GET": API_READ},
    "api:indicator-detail": {"GET": API_READ},
    "api:plan-list": {"GET": API_READ},
    "api:plan-detail": {"GET": API_READ},
    "api:plan-consistency": {"GET": API_READ},
    "api:target-list": {"GET": API_READ},
    "api:target-detail": {"GET": API_READ},
    "api:target-explanations": {"GET": API_READ},
    "api:target-verdicts": {"GET": API_READ, "POST": E(401, 403, 403, 201, 201)},
    # Revised targets: everyone reads; provincial staff (plans.add_targetrevision) record one, city officials never.
    "api:target-revisions": {"GET": API_READ, "POST": E(401, 403, 403, 201, 201)},
    "api:observation-list": {"GET": API_READ, "POST": E(401, 405, 405, 405, 405)},
    "api:observation-detail": {"GET": API_READ, "DELETE": E(401, 405, 405, 405, 405)},
    "api:lock-list": {"GET": API_READ, "POST": E(401, 403, 403, 201, 201)},
    "api:lock-detail": {"GET": API_READ, "DELETE": E(401, 403, 403, 204, 204)},
    "api:import-list": {"GET": API_READ},
    "api:published-evaluation-list": {"GET": API_READ},
    "api:published-evaluation-detail": {"GET": API_READ},
    "api:import-detail": {"GET": E(401, 200, 404, 200, 200)},
    "api:import-approve": {"POST": E(401, 403, 403, 200, 200)},
    "api:import-send-back": {"POST": E(401, 403, 403, 200, 200)},
    # The admin's own pages (the models' pages come from ADMIN_MODELS below).
    "admin:index": {"GET": E(302, 302, 302, 200, 200)},
    "admin:login": {"GET": E(200, 200, 200, 302, 302)},  # staff already signed in go on to the index
    "admin:logout": {"GET": E(302, 302, 302, 405, 405)},  # POST only; non-staff are sent to the admin login
    "admin:password_change": {"GET": E(302, 302, 302, 200, 200)},
    "admin:password_change_done": {"GET": E(302, 302, 302, 200, 200)},
    "admin:autocomplete": {"GET": E(302, 302, 302, 403, 403)},  # without its parameters
    "admin:jsi18n": {"GET": E(302, 302, 302, 200, 200)},
    "admin:view_on_site": {"GET": E(302, 302, 302, 404, 404)},  # a region has no page of its own there
    "admin:app_list": {"GET": E(302, 302, 302, 200, 200)},
    "admin/(?P<url>.*)$": {"GET": E(302, 302, 302, 404, 404)},
    "admin:auth_user_password_change": {"GET": E(302, 302, 302, 403, 200)},
    # New plans from their documents: only who may add plans (superusers here). The review page's POST decides on a
    # candidate; publishing the world's draft (Zhengzhou, 14th period: a plan exists) is refused and sent back.
    "admin:plans_plandraft_review": {"GET": E(302, 302, 302, 403, 200), "POST": E(302, 302, 302, 403, 302)},
    "admin:plans_plandraft_publish": {"POST": E(302, 302, 302, 403, 302)},
}

# The admin's models: what provincial staff may do with each (v view, a add, c change, d delete, as the group's
# permissions in create_demo_users grant) and what the model admin allows a superuser ("RecordAdmin" models are
# read-only records). The statuses of each model's pages follow from these letters (admin_rules()).
ADMIN_MODELS: dict[str, tuple[str, str]] = {
    # label: (staff may, admin may)
    "auth.Group": ("", "vacd"),
    "auth.User": ("", "vacd"),
    "authtoken.TokenProxy": ("", "vacd"),
    "axes.AccessAttempt": ("", "vd"),
    "axes.AccessLog": ("", "vd"),
    "axes.AccessFailureLog": ("", "vd"),
    "cities.Region": ("v", "vacd"),
    "cities.Membership": ("", "vacd"),
    "indicators.Indicator": ("v", "vacd"),
    "indicators.IndicatorAlias": ("v", "vacd"),
    "indicators.ComparisonTier": ("vacd", "vacd"),  # the bureau sets the comparison page's cut-offs
    "indicators.Observation": ("vac", "vacd"),
    "indicators.ObservationChange": ("v", "v"),
    "indicators.ActualsImport": ("v", "v"),
    "indicators.PeriodLock": ("v", "v"),
    "plans.PlanPeriod": ("v", "vacd"),
    "plans.Plan": ("v", "vacd"),
    "plans.Target": ("v", "vacd"),
    "plans.TargetVerdict": ("", "v"),
    "plans.PublishedEvaluation": ("", "v"),
    "plans.PlanDraft": ("", "vacd"),  # superusers and holders of plans.add_plan (the demo staff hold none)
}


def _admin_status(may: str, page: str) -> int:
    needs = {"changelist": "vc", "change": "vc", "history": "vc", "add": "a", "delete": "d", "import": "c"}
    needs["export"] = "vc"
    return 200 if set(needs[page]) & set(may) else 403


def admin_rules() -> dict[str, dict[str, Expect]]:
    """Rows for every registered model's admin pages, from ADMIN_MODELS: non-staff users go to the admin login."""
    rules: dict[str, dict[str, Expect]] = {}
    for model, model_admin in admin.site._registry.items():
        staff, superuser = ADMIN_MODELS.get(model._meta.label, ("?", "?"))
        if "?" in staff:
            continue  # test_every_url_pattern_has_a_rule names it
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        pages = ["changelist", "add", "change", "delete", "history"]
        if hasattr(model_admin, "import_action"):  # django-import-export's pages
            pages += ["import", "export"]
            # process_import takes the import form's POST only.
            rules[f"{prefix}_process_import"] = {"GET": E(302, 302, 302, 405, 405)}
        for page in pages:
            rules[f"{prefix}_{page}"] = {
                "GET": E(302, 302, 302, _admin_status(staff, page), _admin_status(superuser, page))
            }
        # <path:object_id>/ redirects to the change page.
        rules[f"admin/{model._meta.app_label}/{model._meta.model_name}/<path:object_id>/"] = {
            "GET": E(302, 302, 302, 302, 302)
        }
    return rules


ALL_RULES = {**RULES, **admin_rules()}


# ---------------------------------------------------------------------------------------------------------------
# The URL configuration, walked.
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    route: str  # the full pattern, prefixes joined
    name: str | None
    namespace: str
    kwargs: tuple[str, ...]  # its keyword arguments
    pattern: URLPattern
    prefixes: tuple[URLResolver, ...]

    @property
    def key(self) -> str:
        if self.namespace:
            return f"{self.namespace}:{self.name}" if self.name else self.route
        if self.route.startswith("api/"):
            return f"api:{self.name}"
        return self.name or self.route

    @property
    def suffixed(self) -> bool:
        """A DRF format-suffix variant (…\\.json)."""
        return "format" in self.kwargs


def _kwargs_of(pattern_text: str, converters: dict[str, Any]) -> tuple[str, ...]:
    named = re.findall(r"\(\?P<(\w+)>", pattern_text) + re.findall(r"<(?:\w+:)?(\w+)>", pattern_text)
    return tuple(dict.fromkeys([*named, *converters]))


def routes() -> Iterator[Route]:
    def walk(resolver: URLResolver, prefix: str, namespace: str, chain: tuple[URLResolver, ...]) -> Iterator[Route]:
        for entry in resolver.url_patterns:
            text = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                yield from walk(entry, text, entry.namespace or namespace, (*chain, entry))
            else:
                kwargs = _kwargs_of(text, {})
                yield Route(text, entry.name, namespace, kwargs, entry, chain)

    yield from walk(get_resolver(), "", "", ())


# ---------------------------------------------------------------------------------------------------------------
# The objects the URLs name: built once for the module, in a transaction rolled back at its end.
# ---------------------------------------------------------------------------------------------------------------

VALUE_ZZ = "2.7183"  # Zhengzhou's submitted R&D intensity, 2023
VALUE_KF = "1.4142"  # Kaifeng's


@dataclass
class Side:
    """One region's objects and the two officials as seen from it."""

    region: Region
    official: User
    other_official: User
    plan: Plan
    target: Target
    submitted: ActualsImport  # awaiting review
    pending: ActualsImport  # previewed, not confirmed
    lock: PeriodLock
    observation: Observation
    upload: bytes  # a clean file of this region's values (for the upload POST)
    qualitative: Target  # judged by a reviewer's verdict
    verdict: TargetVerdict  # on it, with an evidence file
    published: PublishedEvaluation  # the plan's final evaluation, frozen


@dataclass
class World:
    zhengzhou: Side
    kaifeng: Side
    staff: User
    admin: User
    tokens: dict[int, str] = field(default_factory=dict)
    media: Path = Path()
    draft_candidate: int = 0  # a candidate of the admin's plan draft

    def user(self, persona: str, side: Side) -> User | None:
        return {
            "anonymous": None,
            "official": side.official,
            "other_official": side.other_official,
            "staff": self.staff,
            "admin": self.admin,
        }[persona]


def _side(adcode: str, official: User, other: User, value: str, lock_year: int, reviewer: User) -> Side:
    region = Region.objects.get(adcode=adcode)
    plan = Plan.objects.filter(region=region).order_by("id").first()
    assert plan is not None
    target = plan.targets.order_by("position").first()
    assert target is not None
    _, submitted = imported(csv_bytes(long([adcode, "研发投入强度", 2023, value])), f"{adcode}.csv", user=official)
    assert submitted.status == ActualsImport.Status.SUBMITTED
    data = csv_bytes(long([adcode, "研发投入强度", 2022, "2.2"]))
    preview = build_preview(data, f"{adcode}-pending.csv", user=official, region=None)
    assert preview.can_commit
    pending = save_pending(preview, data, user=official)
    lock = period_lock(region=region, year=lock_year, user=None, reason="评估已发布")
    observation = store(adcode, "rd_intensity", 2020, "1.9", origin="manual")
    upload = csv_bytes(long([adcode, "研发投入强度", 2021, "2.05"]))
    qualitative = plan.targets.filter(kind=Target.Kind.QUALITATIVE).order_by("position").first()
    assert qualitative is not None
    verdict = verdict_add(
        target=qualitative,
        user=reviewer,
        verdict="achieved",
        year=2023,
        decided_on=datetime.date(2024, 3, 1),
        evidence_file=SimpleUploadedFile("依据.txt", "验收报告".encode(), content_type="text/plain"),
    )
    published = publish(plan=plan, year=2025, kind="final", user=None)
    return Side(
        region,
        official,
        other,
        plan,
        target,
        submitted,
        pending,
        lock,
        observation,
        upload,
        qualitative,
        verdict,
        published,
    )


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    media = tmp_path_factory.mktemp("matrix-media")
    # override_settings, not an assignment: the file storage forgets the folder it had (setting_changed).
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=str(media)):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            if not Group.objects.filter(name="city_official").exists():
                # A transactional test ran before (pytest-django runs the tests without a database mark last) and
                # flushed the session's plans and groups: bring them back inside this module's transaction.
                fixtures_load()
                call_command("create_demo_users", "--force", stdout=io.StringIO())
            charlie = _user("charlie", "410100", group="city_official")
            dave = _user("dave", "410200", group="city_official")
            bob = _user("bob", "410000", staff=True, group="provincial_staff")
            alice = _user("alice", "410000", staff=True, superuser=True)
            built = World(
                zhengzhou=_side("410100", charlie, dave, VALUE_ZZ, 2018, bob),
                kaifeng=_side("410200", dave, charlie, VALUE_KF, 2017, bob),
                staff=bob,
                admin=alice,
                media=media,
            )
            for user in (charlie, dave, bob, alice):
                built.tokens[user.pk] = Token.objects.create(user=user).key
            # The admin lists need a row of each model.
            draft = draft_create(
                text="到2025年，高新技术企业达到 100 家。", user=alice, region=Region.objects.get(adcode="410100")
            )
            built.draft_candidate = draft.candidates.get().pk
            now = timezone.now()
            AccessAttempt.objects.create(
                username="x",
                ip_address="10.0.0.1",
                user_agent="t",
                http_accept="*/*",
                path_info="/",
                attempt_time=now,
                failures_since_start=1,
            )
            AccessLog.objects.create(username="x", ip_address="10.0.0.1", user_agent="t", path_info="/")
            AccessFailureLog.objects.create(username="x", ip_address="10.0.0.1", user_agent="t", path_info="/")
            yield built
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture(autouse=True)
def _media_root(settings: Any, world: World) -> None:
    """The module's imports keep their files in the module's own media folder (conftest's is per test); the
    password reset is offered."""
    settings.MEDIA_ROOT = str(world.media)
    settings.PASSWORD_RESET_ENABLED = True  # as where mail is configured: its pages are part of the matrix


# ---------------------------------------------------------------------------------------------------------------
# Example arguments, bodies and query strings.
# ---------------------------------------------------------------------------------------------------------------

# Which of a side's objects a `pk` names, per pattern key.
PK_OF: dict[str, Callable[[Side], Model]] = {
    "api:plan-detail": lambda s: s.plan,
    "api:plan-consistency": lambda s: s.plan,
    "api:target-detail": lambda s: s.target,
    "api:target-explanations": lambda s: s.target,
    "api:target-verdicts": lambda s: s.qualitative,
    "api:target-revisions": lambda s: s.target,
    "verdict-evidence": lambda s: s.verdict,
    "api:observation-detail": lambda s: s.observation,
    "api:lock-detail": lambda s: s.lock,
    "api:import-detail": lambda s: s.submitted,
    "api:import-approve": lambda s: s.submitted,
    "api:import-send-back": lambda s: s.submitted,
    "import-detail": lambda s: s.submitted,
    "import-file": lambda s: s.submitted,
    "import-approve": lambda s: s.submitted,
    "import-return": lambda s: s.submitted,
    "import-confirm": lambda s: s.pending,
    "import-cancel": lambda s: s.pending,
    "lock-unlock": lambda s: s.lock,
    "published-evaluation": lambda s: s.published,
    "published-evaluation-compare": lambda s: s.published,
    "published-evaluation-compare-data": lambda s: s.published,
    "api:published-evaluation-detail": lambda s: s.published,
}

# Keyword arguments that name one region's object: such URLs are requested about both sides.
REGIONAL = {"adcode", "plan_id", "target_id", "pk"}


def _admin_object(route: Route) -> Model:
    model = next(m for m in admin.site._registry if f"admin/{m._meta.app_label}/{m._meta.model_name}/" in route.route)
    instance = model._default_manager.order_by("pk").first()
    assert instance is not None, f"no {model._meta.label} to open in the admin"
    return instance


def example_kwargs(route: Route, side: Side, world: World) -> dict[str, str]:
    values: dict[str, str] = {}
    for name in route.kwargs:
        if name == "adcode":
            values[name] = side.region.adcode
        elif name == "plan_id":
            values[name] = str(side.plan.pk)
        elif name == "target_id":
            values[name] = str((side.qualitative if route.key == "target-verdict" else side.target).pk)
        elif name == "pk":
            values[name] = str(PK_OF[route.key](side).pk)
        elif name == "code":
            values[name] = "rd_intensity"
        elif name == "file_format":
            values[name] = "csv"
        elif name == "format":
            values[name] = "json"
        elif name in ("uidb64", "token"):
            values[name] = "MQ" if name == "uidb64" else "set-password"
        elif name == "object_id" and "view_on_site" in route.key:
            values[name] = str(side.region.pk)
        elif name == "content_type_id":
            values[name] = str(ContentType.objects.get_for_model(Region).pk)
        elif name == "object_id":
            values[name] = str(_admin_object(route).pk)
        elif name == "id":
            values[name] = str(side.official.pk)
        elif name == "app_label":
            values[name] = "cities"
        elif name == "url":
            values[name] = "no-such-page/"
        else:
            raise AssertionError(f"No example for the argument {name!r} of {route.route}: add one to example_kwargs")
    return values


def url_of(route: Route, kwargs: dict[str, str]) -> str:
    if route.name is None or (route.key.startswith("api:") and route.key != "api:api-root"):
        # Unnamed patterns, and the API's (its router names clash with the pages': import-detail,
        # import-approve): the route itself, its arguments filled in.
        text = route.route
        for name, value in kwargs.items():
            text = re.sub(rf"<(?:\w+:)?{name}>|\(\?P<{name}>[^)]*\)", value, text)
        return "/" + text.replace("/?$", "").replace("^", "").replace("$", "").replace("\\", "")
    namespace = f"{route.namespace}:" if route.namespace else ""
    return reverse(f"{namespace}{route.name}", kwargs=kwargs or None)


BODIES: dict[tuple[str, str], Callable[[Side, World], dict[str, Any]]] = {
    ("set_language", "POST"): lambda s, w: {"language": "en", "next": "/"},
    ("logout", "POST"): lambda s, w: {},
    ("target-explanation", "POST"): lambda s, w: {
        "situation": "进度滞后",
        "outlook": "预计可完成",
        "causes": "投入不足",
        "measures": "加大投入",
    },
    ("target-verdict", "POST"): lambda s, w: {"verdict": "partly_achieved", "year": "2024", "evidence_text": "抽查"},
    ("target-revision", "POST"): lambda s, w: {
        "target_value": str(s.target.target_value) if s.target.target_value is not None else "",
        "effective_from": "2024-01-01",
        "document_title": "关于调整规划指标的决定",
        "document_number": "常发〔2024〕1号",
        "reason": "中期评估后调整",
    },
    ("api:target-verdicts", "POST"): lambda s, w: {"verdict": "achieved", "year": 2024, "evidence_text": "验收"},
    ("api:target-revisions", "POST"): lambda s, w: {
        "target_value": str(s.target.target_value) if s.target.target_value is not None else None,
        "effective_from": "2024-01-01",
        "document_title": "关于调整规划指标的决定",
        "document_number": "常发〔2024〕1号",
        "reason": "中期评估后调整",
    },
    ("import-upload", "POST"): lambda s, w: {"file": _upload(s), "region": str(s.region.pk)},
    ("import-approve", "POST"): lambda s, w: {"comment": "通过"},
    ("import-return", "POST"): lambda s, w: {"comment": "请更正"},
    ("import-confirm", "POST"): lambda s, w: {"digest": s.pending.change_digest},
    ("import-cancel", "POST"): lambda s, w: {},
    ("publish-evaluation", "POST"): lambda s, w: {"plan": str(s.plan.pk), "year": "2025", "kind": "final"},
    ("locks", "POST"): lambda s, w: {"region": str(s.region.pk), "year": "2016", "reason": "发布"},
    ("lock-unlock", "POST"): lambda s, w: {"reason": "数据更正"},
    ("api:lock-list", "POST"): lambda s, w: {"region": s.region.adcode, "year": 2016},
    ("api:lock-detail", "DELETE"): lambda s, w: {"reason": "数据更正"},
    ("api:import-approve", "POST"): lambda s, w: {"comment": "通过"},
    ("api:import-send-back", "POST"): lambda s, w: {"comment": "请更正"},
    ("api:observation-list", "POST"): lambda s, w: {"region": s.region.adcode},
    ("api:observation-detail", "DELETE"): lambda s, w: {},
    ("admin:plans_plandraft_review", "POST"): lambda s, w: {"candidate": str(w.draft_candidate), "action": "reject"},
    ("admin:plans_plandraft_publish", "POST"): lambda s, w: {},
}

QUERIES: dict[str, Callable[[Side], dict[str, str]]] = {
    "api:progress": lambda s: {"region": s.region.adcode},
    "api:overview-api": lambda s: {"region": s.region.adcode},
}


def _upload(side: Side) -> Any:
    return SimpleUploadedFile(f"{side.region.adcode}-upload.csv", side.upload, content_type="text/csv")


# ---------------------------------------------------------------------------------------------------------------
# Requests.
# ---------------------------------------------------------------------------------------------------------------


def _client(user: User | None, world: World, *, api_write: bool) -> Client:
    if api_write:
        # Scripts: token authentication, no session and so no CSRF (DRF checks CSRF for sessions only).
        headers = {"Authorization": f"Token {world.tokens[user.pk]}"} if user is not None else {}
        return Client(headers=headers)
    client = Client(enforce_csrf_checks=True)
    if user is not None:
        client.force_login(user)
    return client


def _csrf_token(client: Client) -> str:
    """A real token, as a browser has it: the cookie the login form sets."""
    assert client.get(reverse("login")).status_code == 200
    return client.cookies[settings.CSRF_COOKIE_NAME].value


@dataclass(frozen=True)
class Answer:
    status: int
    note: str = ""


def ask(route: Route, method: str, side: Side, world: World, persona: str, *, csrf: bool = True) -> tuple[str, Answer]:
    """The status one persona gets; the database, the uploaded files and the cache as they were afterwards."""
    kwargs = example_kwargs(route, side, world)
    url = url_of(route, kwargs)
    query = QUERIES[route.key](side) if route.key in QUERIES else {}
    api = route.key.startswith("api:")
    files = {path: path.read_bytes() for path in world.media.rglob("*") if path.is_file()}
    try:
        with transaction.atomic():
            user = world.user(persona, side)
            client = _client(user, world, api_write=api and method not in SAFE)
            body = BODIES[route.key, method](side, world) if (route.key, method) in BODIES else {}
            if method == "GET":
                response = client.get(url, query)
            elif api:
                response = client.generic(method, url, data=_json(body), content_type="application/json")
            else:
                token = _csrf_token(client)  # the cookie is there either way: only the form's token is missing
                if csrf:
                    body["csrfmiddlewaretoken"] = token
                response = client.post(url, body)
            transaction.set_rollback(True)
        answer = Answer(response.status_code)
    except Exception as error:
        answer = Answer(500, f"{type(error).__name__}: {error}")
    finally:
        cache.clear()
        for path, content in files.items():  # a cancel deletes its import's file: the rollback does not restore it
            if not path.exists():
                path.write_bytes(content)
    return url, answer


def _json(body: dict[str, Any]) -> str:
    return json.dumps(body)


def sides_for(route: Route, world: World) -> list[Side]:
    if REGIONAL & set(route.kwargs) or route.key in QUERIES:
        return [world.zhengzhou, world.kaifeng]
    return [world.zhengzhou]


# ---------------------------------------------------------------------------------------------------------------
# The tests.
# ---------------------------------------------------------------------------------------------------------------


def missing_rules(rules: dict[str, dict[str, Expect]], admin_models: dict[str, tuple[str, str]]) -> list[str]:
    """One line per URL pattern without a rule (and per admin model without its letters), saying how to add it."""
    unregistered = [m._meta.label for m in admin.site._registry if m._meta.label not in admin_models]
    lines = [
        f"  {route.route!r} (name {route.name!r}, view {getattr(route.pattern.callback, '__name__', '?')}): "
        f'add RULES["{route.key}"] = {{"GET": E(anonymous, official, other_official, staff, admin), …}}'
        for route in routes()
        if route.key not in rules
        and not any(f"admin/{label.lower().replace('.', '/')}/" in route.route for label in unregistered)
    ]
    lines += [
        f'  admin model {label}: add ADMIN_MODELS["{label}"] = ("staff letters", "admin letters")'
        for label in unregistered
    ]
    return lines


def test_every_url_pattern_has_a_rule() -> None:
    lines = missing_rules(ALL_RULES, ADMIN_MODELS)
    assert not lines, (
        "URL patterns without a permission rule in tests/config/test_permission_matrix.py "
        "(see HOW TO ADD A ROW there):\n" + "\n".join(lines)
    )


def test_a_pattern_without_a_rule_is_named_with_how_to_add_one() -> None:
    without_locks = {key: rule for key, rule in ALL_RULES.items() if key != "locks"}
    assert missing_rules(without_locks, ADMIN_MODELS) == [
        "  'locks/' (name 'locks', view locks_page): "
        'add RULES["locks"] = {"GET": E(anonymous, official, other_official, staff, admin), …}'
    ]
    without_plans = {label: may for label, may in ADMIN_MODELS.items() if label != "plans.Plan"}
    assert missing_rules(ALL_RULES, without_plans) == [
        '  admin model plans.Plan: add ADMIN_MODELS["plans.Plan"] = ("staff letters", "admin letters")'
    ]


def test_no_rule_names_a_pattern_that_is_gone() -> None:
    keys = {route.key for route in routes()}
    assert sorted(set(ALL_RULES) - keys) == []


@pytest.mark.django_db
def test_every_url_answers_every_persona_as_the_rules_say(world: World) -> None:
    wrong = []
    for route in routes():
        for method, expect in ALL_RULES[route.key].items():
            for side in sides_for(route, world):
                for persona in PERSONAS:
                    url, answer = ask(route, method, side, world, persona)
                    if answer.status != expect.of(persona):
                        wrong.append(
                            f"{method} {url} as {persona} ({side.region.adcode}): expected {expect.of(persona)}, "
                            f"got {answer.status} {answer.note}  [rule {route.key!r}]"
                        )
    assert not wrong, f"{len(wrong)} answers differ from RULES:\n" + "\n".join(wrong)


@pytest.mark.django_db
def test_every_page_post_without_a_csrf_token_is_refused(world: World) -> None:
    wrong = []
    for route in routes():
        if route.key.startswith(("api:", "admin:")):
            continue
        for method in ALL_RULES[route.key]:
            if method in SAFE:
                continue
            for persona in PERSONAS:
                url, answer = ask(route, method, world.zhengzhou, world, persona, csrf=False)
                if answer.status != 403:
                    wrong.append(f"{method} {url} as {persona} without a CSRF token: {answer.status} {answer.note}")
    assert not wrong, "\n".join(wrong)


# ---------------------------------------------------------------------------------------------------------------
# Crafted requests: what a city official must not do, sent straight at the endpoints (no form to follow), each
# followed by a look at the database.
# ---------------------------------------------------------------------------------------------------------------


def state() -> dict[str, Any]:
    """Everything a write of a value, a review or a lock changes."""
    return {
        "values": sorted(Observation.objects.values_list("region_id", "indicator_id", "year", "value", "origin")),
        "history": ObservationChange.objects.count(),
        "imports": sorted(ActualsImport.objects.values_list("pk", "status", "reviewed_by_id", "review_comment")),
        "submitted": sorted(SubmittedValue.objects.values_list("pk", "actuals_import_id", "value")),
        "locks": sorted(PeriodLock.objects.values_list("pk", "region_id", "year", "unlocked_at", "unlock_reason")),
        "explanations": TargetExplanation.objects.count(),
        "revisions": TargetRevision.objects.count(),
    }


def page_client(user: User) -> tuple[Client, str]:
    """A browser's session: CSRF checked, its real token."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client, _csrf_token(client)


def token_client(user: User, world: World) -> Client:
    return Client(headers={"Authorization": f"Token {world.tokens[user.pk]}"})


def api_post(client: Client, url: str, body: dict[str, Any], method: str = "POST") -> int:
    response = client.generic(method, url, data=json.dumps(body), content_type="application/json")
    return response.status_code


@pytest.mark.django_db
def test_a_city_official_cannot_approve_or_return_even_their_own_import(world: World) -> None:
    record = world.zhengzhou.submitted
    before = state()
    for official in (world.zhengzhou.official, world.kaifeng.official):  # the submitter and another city's
        web, token = page_client(official)
        for name in ("import-approve", "import-return"):
            url = reverse(name, args=[record.pk])
            assert web.post(url, {"comment": "ok", "csrfmiddlewaretoken": token}).status_code == 403
        scripted = token_client(official, world)
        for action in ("approve", "return"):
            for suffix in ("/", ".json"):
                url = f"/api/v1/imports/{record.pk}/{action}{suffix}"
                assert api_post(scripted, url, {"comment": "ok"}) == 403, url
    assert state() == before
    record.refresh_from_db()
    assert record.status == ActualsImport.Status.SUBMITTED and record.reviewed_by is None
    assert not Observation.objects.filter(region=world.zhengzhou.region, year=2023, value=Decimal(VALUE_ZZ)).exists()


@pytest.mark.django_db
def test_a_city_official_cannot_lock_or_unlock(world: World) -> None:
    charlie, side = world.zhengzhou.official, world.zhengzhou
    before = state()
    web, token = page_client(charlie)
    own = {"region": str(side.region.pk), "year": "2015", "csrfmiddlewaretoken": token}
    assert web.post(reverse("locks"), own).status_code == 403
    assert web.post(reverse("locks"), {**own, "region": ""}).status_code == 403  # every region
    for lock in (side.lock, world.kaifeng.lock):
        unlock = reverse("lock-unlock", args=[lock.pk])
        assert web.post(unlock, {"reason": "更正", "csrfmiddlewaretoken": token}).status_code == 403
    scripted = token_client(charlie, world)
    assert api_post(scripted, "/api/v1/locks/", {"region": "410100", "year": 2015}) == 403
    assert api_post(scripted, "/api/v1/locks/", {"region": None, "year": 2015}) == 403
    assert api_post(scripted, f"/api/v1/locks/{side.lock.pk}/", {"reason": "更正"}, method="DELETE") == 403
    # The session works for the API too, but only with the CSRF token: without it, 403 before any rights.
    assert api_post(web, "/api/v1/locks/", {"region": "410100", "year": 2015}) == 403
    with pytest.raises(CommandError):
        call_command("lock_period", "--region", "410100", "--year", "2015", "--user", "charlie", stdout=io.StringIO())
    assert state() == before
    side.lock.refresh_from_db()
    assert side.lock.is_active


def _submitted_rows(client: Client, **query: str) -> list[dict[str, Any]]:
    response = client.get("/api/v1/observations/", {"include": "submitted", "page_size": "1000", **query})
    assert response.status_code == 200, response.content
    return [row for row in response.json()["results"] if row["status"] == "submitted"]


def _text(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    if url.split("?")[0].endswith(".xlsx"):
        workbook = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
        return " ".join(str(cell) for sheet in workbook for row in sheet.iter_rows(values_only=True) for cell in row)
    return response.content.decode()


@pytest.mark.django_db
def test_a_city_official_sees_only_their_own_regions_submitted_values(world: World) -> None:
    charlie = Client()
    charlie.force_login(world.zhengzhou.official)
    bob = Client()
    bob.force_login(world.staff)
    kaifeng, zhengzhou = world.kaifeng, world.zhengzhou
    # The API: their own region's submitted value, never Kaifeng's (asked for by region or not).
    assert [row["value"] for row in _submitted_rows(charlie, region="410100")] == [float(VALUE_ZZ)]
    assert _submitted_rows(charlie, region="410200") == []
    assert {row["region"] for row in _submitted_rows(charlie)} == {"410100"}
    assert {row["region"] for row in _submitted_rows(bob)} == {"410100", "410200"}  # the reviewer sees both
    # The reviewer asks first, so a cache keyed only on the address would hand the official the reviewer's answer.
    query = {"region": "410200", "include": "submitted", "year": "2023"}
    reviewed = bob.get("/api/v1/progress/", query).json()["results"]
    assert any(row["actual_status"] == "submitted" for row in reviewed)
    progress = charlie.get("/api/v1/progress/", query)
    assert progress.status_code == 200
    assert all(row["actual_status"] != "submitted" for row in progress.json()["results"])
    own = charlie.get("/api/v1/progress/", {"region": "410100", "include": "submitted", "year": "2023"})
    assert any(row["actual_status"] == "submitted" for row in own.json()["results"])
    # The pages and downloads with the switch on.
    for url in (
        "/cities/410200/?include=submitted",
        "/cities/410200/data.csv?include=submitted",
        "/indicators/rd_intensity/?include=submitted&year=2023",
        "/indicators/rd_intensity/data.csv?include=submitted&year=2023&chart=actuals",
    ):
        assert VALUE_KF in _text(bob, url), url  # the reviewer's page has it (and is cached first)
        assert VALUE_KF not in _text(charlie, url), url
        if "indicators" in url:
            assert VALUE_ZZ in _text(charlie, url), url  # their own region's, on the same page
    # Kaifeng's R&D target is relative to the province: its evaluation shows the comparison, not the value.
    evaluation = f"/plans/{kaifeng.plan.pk}/evaluation/?include=submitted&year=2023"
    assert bob.get(evaluation).context["evaluation"].has_submitted
    assert not charlie.get(evaluation).context["evaluation"].has_submitted  # a page of its own, not bob's
    workbook = f"/plans/{kaifeng.plan.pk}/evaluation.xlsx?year=2023"
    assert _text(charlie, workbook + "&include=submitted") == _text(charlie, workbook)
    assert _text(bob, workbook + "&include=submitted") != _text(bob, workbook)
    # The overview shows statuses, not values: what each row's targets were judged on.
    assert bob.get("/", {"region": "410000", "include": "submitted", "year": "2023"}).status_code == 200
    overview = charlie.get("/", {"region": "410000", "include": "submitted", "year": "2023"})
    judged = {row.region.adcode: row.items for row in overview.context["overview"].rows}
    assert not any(item.submitted_years for item in judged["410200"])
    assert any(2023 in item.submitted_years for item in judged["410100"])
    assert VALUE_ZZ in _text(charlie, "/cities/410100/?include=submitted")
    assert VALUE_KF in _text(bob, "/cities/410200/?include=submitted")
    # Another region's import, its file and its API row: not found.
    assert charlie.get(reverse("import-detail", args=[kaifeng.submitted.pk])).status_code == 404
    assert charlie.get(reverse("import-file", args=[kaifeng.submitted.pk])).status_code == 404
    assert charlie.get(f"/api/v1/imports/{kaifeng.submitted.pk}/").status_code == 404
    listed = charlie.get("/api/v1/imports/", {"status": "submitted"}).json()["results"]
    assert [row["id"] for row in listed] == [zhengzhou.submitted.pk]


@pytest.mark.django_db
def test_a_city_official_cannot_write_a_locked_value(world: World, tmp_path: Path) -> None:
    charlie, side = world.zhengzhou.official, world.zhengzhou
    period_lock(region=side.region, year=2022, user=world.staff, reason="中期评估已发布")
    before = state()
    web, token = page_client(charlie)
    # The web confirm of an import previewed before the lock (its digest is the one the preview showed).
    confirm = web.post(
        reverse("import-confirm", args=[side.pending.pk]),
        {"digest": side.pending.change_digest, "csrfmiddlewaretoken": token},
    )
    assert confirm.status_code == 302
    assert "锁定" in _text(web, confirm["Location"])  # the refusal names the lock
    # A new upload into the locked year: the preview refuses it, nothing is kept.
    file = SimpleUploadedFile("locked.csv", csv_bytes(long(["410100", "研发投入强度", 2022, "2.9"])))
    upload = web.post(
        reverse("import-upload"), {"file": file, "region": str(side.region.pk), "csrfmiddlewaretoken": token}
    )
    assert upload.status_code == 200
    # The command line as the same user.
    path = tmp_path / "locked.csv"
    path.write_bytes(csv_bytes(long(["410100", "研发投入强度", 2022, "2.9"])))
    with pytest.raises(CommandError):
        call_command("import_actuals", str(path), "--user", "charlie", stdout=io.StringIO())
    # No API writes values: POST and DELETE of observations are refused outright.
    scripted = token_client(charlie, world)
    assert api_post(scripted, "/api/v1/observations/", {"region": "410100", "year": 2022, "value": 2.9}) == 405
    assert state() == before
    side.pending.refresh_from_db()
    assert side.pending.status == ActualsImport.Status.PENDING
