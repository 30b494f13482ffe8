"""Two imports at once, for real: two threads, each with its own database connection, confirm files holding the
same new region × indicator × year values (or approve two submissions of them). Exactly one writes; the other is
told the values changed (web), refused with exit status 1 (command) — never a unique-constraint error — and the
history holds the winner's rows only.

PostgreSQL only: SQLite's test database lives in memory with a shared cache, whose table locks fail at once
instead of waiting, so two connections cannot take turns there (the lock itself is in indicators.services).
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from decimal import Decimal
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse

from cities.models import Membership, Region
from imports.management.commands import import_actuals
from imports.service import StaleImport, approve, build_preview, commit, save_pending
from indicators.models import ActualsImport, Observation, ObservationChange
from indicators.services import observations_write_many
from plans.services import fixtures_load
from tests.spreadsheets import csv_bytes, long

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs two real connections (PostgreSQL)"),
    pytest.mark.django_db(transaction=True),
]

# The same four new values — two regions, listed in opposite orders — with different numbers in each file.
FIRST = long(
    ["410100", "研发投入强度", 2024, "2.5"],
    ["410100", "技术合同成交额", 2024, "1500"],
    ["410200", "研发投入强度", 2024, "1.9"],
    ["410200", "高新技术企业数量", 2024, "1300"],
)
SECOND = long(
    ["410200", "高新技术企业数量", 2024, "1350"],
    ["410200", "研发投入强度", 2024, "2.0"],
    ["410100", "技术合同成交额", 2024, "1600"],
    ["410100", "研发投入强度", 2024, "2.7"],
)
KEYS = {("410100", "rd_intensity"), ("410100", "tech_contract_turnover"), ("410200", "rd_intensity")}
KEYS |= {("410200", "hightech_firms")}


@pytest.fixture(autouse=True)
def plans() -> None:
    """Transactional tests start from an empty database."""
    fixtures_load()


def in_threads(*jobs: Callable[[], Any]) -> list[tuple[str, Any]]:
    """Run the jobs at the same moment, each in a thread with its own connection: ("ok", result) or
    ("error", exception) each."""
    start = threading.Barrier(len(jobs))
    outcomes: list[tuple[str, Any]] = [("error", RuntimeError("never finished"))] * len(jobs)

    def run(index: int, job: Callable[[], Any]) -> None:
        try:
            start.wait(timeout=30)
            outcomes[index] = ("ok", job())
        except BaseException as exc:  # reported to the test, whatever it is
            outcomes[index] = ("error", exc)
        finally:
            connection.close()  # this thread's own: the test database must be droppable at the end

    threads = [threading.Thread(target=run, args=(n, job)) for n, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a writer hangs"
    return outcomes


@contextmanager
def writers_meet(timeout: float = 1.5) -> Iterator[None]:
    """Each commit waits here, just before writing, for the other one (at most `timeout`). Unserialised, both get
    here having compared with the same empty table and then insert the same keys; serialised, the other one is
    still waiting for the lock, and this one goes on alone after the timeout."""
    meeting = threading.Barrier(2, timeout=timeout)

    def meet(*args: Any, **kwargs: Any) -> None:
        with suppress(threading.BrokenBarrierError):
            meeting.wait()
        observations_write_many(*args, **kwargs)

    with mock.patch("imports.service.observations_write_many", meet):
        yield


def assert_only(record: ActualsImport, values: dict[tuple[str, str], str], loser: ActualsImport) -> None:
    """The values are the winner's, each with exactly one history row, from the winner."""
    stored = {
        (o.region.adcode, o.indicator.code): o.value
        for o in Observation.objects.filter(year=2024).select_related("region", "indicator")
    }
    assert stored == {key: Decimal(value) for key, value in values.items()}
    changes = ObservationChange.objects.filter(year=2024)
    assert changes.count() == len(KEYS)
    assert set(changes.values_list("actuals_import_id", "action").distinct()) == {(record.pk, "create")}
    record.refresh_from_db()
    loser.refresh_from_db()
    assert (record.status, loser.status) == (ActualsImport.Status.APPROVED, ActualsImport.Status.PENDING)


def values_of(rows: list[list[Any]]) -> dict[tuple[str, str], str]:
    codes = {
        "研发投入强度": "rd_intensity",
        "技术合同成交额": "tech_contract_turnover",
        "高新技术企业数量": "hightech_firms",
    }
    return {(row[0], codes[row[1]]): row[3] for row in rows[1:]}


def test_two_confirms_of_the_same_new_values_write_once() -> None:
    pending = []
    for name, rows in (("first.csv", FIRST), ("second.csv", SECOND)):
        data = csv_bytes(rows)
        preview = build_preview(data, name, user=None)  # both previewed before either confirms
        assert preview.count("new") == len(KEYS) and not preview.errors
        pending.append(save_pending(preview, data, user=None))

    with writers_meet():
        outcomes = in_threads(*[lambda record=record: commit(record, user=None) for record in pending])

    assert sorted(kind for kind, _ in outcomes) == ["error", "ok"], outcomes
    winner = 0 if outcomes[0][0] == "ok" else 1
    assert isinstance(outcomes[1 - winner][1], StaleImport), outcomes
    assert_only(pending[winner], values_of((FIRST, SECOND)[winner]), loser=pending[1 - winner])
    # The one refused sees, looking again, the values the other wrote: nothing new any more.
    again = build_preview(csv_bytes((FIRST, SECOND)[1 - winner]), "again.csv", user=None)
    assert again.count("new") == 0


def test_the_loser_of_two_confirms_in_the_browser_sees_the_values_changed() -> None:
    clients, pages = [], []
    for n, rows in enumerate((FIRST, SECOND)):
        user = User.objects.create_user(f"writer{n}", password="a long test password", is_superuser=True)
        Membership.objects.create(user=user, region=Region.objects.get(adcode="410000"))
        client = Client()
        client.force_login(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        sent = client.post(
            reverse("import-upload"),
            {"file": SimpleUploadedFile(f"file{n}.csv", csv_bytes(rows)), "region": ""},
        )
        assert sent.status_code == 302, sent.content.decode()[:500]
        pages.append(client.get(sent["Location"]))
        clients.append(client)
    records = list(ActualsImport.objects.order_by("pk"))

    def confirm(n: int) -> Any:
        digest = pages[n].context["preview"].digest
        return clients[n].post(reverse("import-confirm", args=[records[n].pk]), {"digest": digest}, follow=True)

    with writers_meet():
        outcomes = in_threads(lambda: confirm(0), lambda: confirm(1))

    assert [kind for kind, _ in outcomes] == ["ok", "ok"], outcomes
    bodies = [response.content.decode() for _, response in outcomes]
    assert all(response.status_code == 200 for _, response in outcomes)
    done = [n for n, body in enumerate(bodies) if "Imported: 4 values added" in body]
    stale = [n for n, body in enumerate(bodies) if "The stored values changed since this preview" in body]
    assert (len(done), len(stale)) == (1, 1) and done != stale, bodies
    assert_only(records[done[0]], values_of((FIRST, SECOND)[done[0]]), loser=records[stale[0]])


def test_the_loser_of_two_import_actuals_runs_exits_1_with_a_clear_message(tmp_path: Path) -> None:
    paths = []
    for name, rows in (("first.csv", FIRST), ("second.csv", SECOND)):
        path = tmp_path / name
        path.write_bytes(csv_bytes(rows))
        paths.append(str(path))
    previewed = threading.Barrier(2, timeout=30)

    def after_both_previews(*args: Any, **kwargs: Any) -> ActualsImport:
        previewed.wait()
        return save_pending(*args, **kwargs)

    def run(path: str) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        try:
            import_actuals.Command(stdout=out, stderr=err).run_from_argv(
                ["manage.py", "import_actuals", path, "--language", "en"]
            )
        except SystemExit as exit_:
            return int(exit_.code or 0), out.getvalue(), err.getvalue()
        return 0, out.getvalue(), err.getvalue()

    with mock.patch(f"{import_actuals.__name__}.save_pending", after_both_previews), writers_meet():
        outcomes = in_threads(lambda: run(paths[0]), lambda: run(paths[1]))

    assert [kind for kind, _ in outcomes] == ["ok", "ok"], outcomes
    results = [result for _, result in outcomes]
    assert sorted(status for status, _, _ in results) == [0, 1], results
    winner = 0 if results[0][0] == 0 else 1
    _status, out, err = results[1 - winner]
    assert "Values changed while importing" in err and "run again" in err
    assert "Traceback" not in err + out
    assert "Imported first.csv" in results[winner][1] or "Imported second.csv" in results[winner][1]
    records = {record.file_name: record for record in ActualsImport.objects.all()}
    assert list(records) == [Path(paths[winner]).name], "the refused run keeps no record"
    changes = ObservationChange.objects.filter(year=2024)
    assert changes.count() == len(KEYS)
    assert set(changes.values_list("actuals_import_id", flat=True)) == {records[Path(paths[winner]).name].pk}
    stored = {
        (o.region.adcode, o.indicator.code): o.value for o in Observation.objects.select_related("region", "indicator")
    }
    assert stored == {key: Decimal(value) for key, value in values_of((FIRST, SECOND)[winner]).items()}


def test_two_approvals_of_the_same_new_values_write_once() -> None:
    """Two submissions of the same new keys, approved at the same moment: one is written, the other is refused as
    stale (the approved values it was compared with changed) and stays submitted."""
    official = User.objects.create_user("official")
    official.user_permissions.add(Permission.objects.get(codename="import_actuals"))
    Membership.objects.create(user=official, region=Region.objects.get(adcode="410000"))
    official = User.objects.get(pk=official.pk)  # permissions cached on the instance: read again
    submitted = []
    for name, rows in (("first.csv", FIRST), ("second.csv", SECOND)):
        data = csv_bytes(rows)
        record = save_pending(build_preview(data, name, user=official), data, user=official)
        commit(record, user=official)
        record.refresh_from_db()
        assert record.status == ActualsImport.Status.SUBMITTED
        submitted.append(record)
    assert not Observation.objects.filter(year=2024).exists()

    with writers_meet():
        outcomes = in_threads(*[lambda record=record: approve(record, reviewer=None) for record in submitted])

    assert sorted(kind for kind, _ in outcomes) == ["error", "ok"], outcomes
    winner = 0 if outcomes[0][0] == "ok" else 1
    assert isinstance(outcomes[1 - winner][1], StaleImport), outcomes
    stored = {
        (o.region.adcode, o.indicator.code): o.value
        for o in Observation.objects.filter(year=2024).select_related("region", "indicator")
    }
    assert stored == {key: Decimal(value) for key, value in values_of((FIRST, SECOND)[winner]).items()}
    assert set(ObservationChange.objects.filter(year=2024).values_list("actuals_import_id", flat=True)) == {
        submitted[winner].pk
    }
    loser = submitted[1 - winner]
    loser.refresh_from_db()
    assert loser.status == ActualsImport.Status.SUBMITTED
