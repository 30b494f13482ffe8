"""The reporting cycle: a city official's confirmed import is submitted, a reviewer approves it (its values become
actuals, the history naming both) or returns it with a comment (nothing written); reviewers import approved."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cities.models import Region
from dashboard import pages
from imports.review import lagging_after
from imports.service import ReviewRefused, StaleImport, approve, send_back
from indicators.models import ActualsImport, Indicator, Observation, ObservationChange, SubmittedValue
from indicators.services import observation_set
from plans.selectors import TargetProgress
from tests.spreadsheets import csv_bytes, imported, long, store, stored, years_stored

pytestmark = pytest.mark.django_db


def submitted(charlie: User, *rows: list[object]) -> ActualsImport:
    """Charlie's confirmed import of Zhengzhou values (default: R&D intensity 2023 = 2.5)."""
    body = rows or (["410100", "研发投入强度", 2023, 2.5],)
    _, record = imported(csv_bytes(long(*body)), "zhengzhou.csv", user=charlie)
    assert record.status == ActualsImport.Status.SUBMITTED
    return record


# ------------------------------------------------------------------------------------------------- service


def test_a_city_officials_import_is_submitted_and_writes_no_actual(charlie: User) -> None:
    before = (Observation.objects.count(), ObservationChange.objects.count())
    record = submitted(charlie)
    assert (Observation.objects.count(), ObservationChange.objects.count()) == before
    [value] = SubmittedValue.objects.filter(actuals_import=record)
    assert (value.region.adcode, value.year, value.value, value.base_observation_id) == (
        "410100",
        2023,
        Decimal("2.5"),
        None,
    )
    assert record.reviewed_by is None and record.reviewed_at is None


def test_approval_writes_the_values_and_the_history_names_submitter_and_approver(charlie: User, bob: User) -> None:
    manual = store("410100", "rd_intensity", 2022, "2.3", origin="manual")
    record = submitted(charlie, ["410100", "研发投入强度", 2022, 2.4], ["410100", "研发投入强度", 2023, 2.5])
    approve(record, reviewer=bob, comment="数据核实无误")
    record.refresh_from_db()
    assert (record.status, record.reviewed_by, record.review_comment) == ("approved", bob, "数据核实无误")
    assert record.reviewed_at is not None
    assert years_stored("410100", "rd_intensity") == {2022: Decimal("2.4"), 2023: Decimal("2.5")}
    changes = ObservationChange.objects.filter(actuals_import=record).order_by("year")
    assert [(c.action, c.old_value, c.new_value) for c in changes] == [
        ("update", Decimal("2.3"), Decimal("2.4")),
        ("create", None, Decimal("2.5")),
    ]
    assert {(c.changed_by, c.approved_by) for c in changes} == {(charlie, bob)}
    assert all("bob" in c.reason and "zhengzhou.csv" in c.reason for c in changes)
    assert changes[0].observation_id == manual.pk
    assert stored("410100", "rd_intensity", 2023).updated_by == charlie  # type: ignore[union-attr]


def test_return_writes_nothing_and_keeps_the_comment(charlie: User, bob: User) -> None:
    record = submitted(charlie)
    before = (Observation.objects.count(), ObservationChange.objects.count())
    send_back(record, reviewer=bob, comment="2023年数值请与统计公报核对")
    record.refresh_from_db()
    assert (record.status, record.reviewed_by, record.review_comment) == ("returned", bob, "2023年数值请与统计公报核对")
    assert (Observation.objects.count(), ObservationChange.objects.count()) == before
    with pytest.raises(ReviewRefused, match="不在待审核状态"):
        approve(record, reviewer=bob)


def test_return_needs_a_comment(charlie: User, bob: User) -> None:
    record = submitted(charlie)
    with pytest.raises(ReviewRefused, match="意见"):
        send_back(record, reviewer=bob, comment="   ")
    record.refresh_from_db()
    assert record.status == "submitted"


def test_an_approval_after_the_approved_value_changed_is_refused(charlie: User, bob: User) -> None:
    store("410100", "rd_intensity", 2023, "2.3", origin="manual")
    record = submitted(charlie)
    observation_set(
        region=Region.objects.get(adcode="410100"),
        indicator=Indicator.objects.get(code="rd_intensity"),
        year=2023,
        value=Decimal("2.35"),
        origin="manual",
        user=bob,
    )
    with pytest.raises(StaleImport):
        approve(record, reviewer=bob)
    record.refresh_from_db()
    assert record.status == "submitted"
    assert years_stored("410100", "rd_intensity") == {2023: Decimal("2.35")}


def test_an_approval_after_someone_created_the_value_is_refused(charlie: User, bob: User) -> None:
    record = submitted(charlie)
    store("410100", "rd_intensity", 2023, "2.2", origin="manual")
    with pytest.raises(StaleImport):
        approve(record, reviewer=bob)


def test_the_submitter_may_not_approve_or_return(charlie: User) -> None:
    record = submitted(charlie)
    with pytest.raises(PermissionDenied):
        approve(record, reviewer=charlie)
    with pytest.raises(PermissionDenied):
        send_back(record, reviewer=charlie, comment="x")
    record.refresh_from_db()
    assert record.status == "submitted"


@pytest.mark.parametrize("who", ["alice", "bob"])
def test_a_reviewer_importing_directly_is_approved_at_once(who: str, request: pytest.FixtureRequest) -> None:
    user: User = request.getfixturevalue(who)
    _, record = imported(csv_bytes(long(["410100", "研发投入强度", 2023, 2.5])), "a.csv", user=user)
    assert (record.status, record.reviewed_by) == ("approved", user)
    assert years_stored("410100", "rd_intensity") == {2023: Decimal("2.5")}
    change = ObservationChange.objects.get(actuals_import=record)
    assert (change.changed_by, change.approved_by) == (user, user)


def test_the_operator_imports_approved(db: None) -> None:
    _, record = imported(csv_bytes(long(["410100", "研发投入强度", 2023, 2.5])), "a.csv", user=None)
    assert record.status == "approved"
    assert years_stored("410100", "rd_intensity") == {2023: Decimal("2.5")}


def test_lagging_after_counts_targets_the_import_turns_lagging(charlie: User) -> None:
    # Zhengzhou's R&D intensity target rises from its baseline: a value far below it puts the target behind.
    record = submitted(charlie, ["410100", "研发投入强度", 2023, 0.5])
    assert lagging_after(record) >= 1
    good = submitted(charlie, ["410100", "研发投入强度", 2021, 2.9])
    assert lagging_after(good) == 0


# ------------------------------------------------------------------------------------------------- web


def test_the_city_official_confirms_on_the_web_and_sees_it_awaits_review(charlie_client: Client) -> None:
    upload = charlie_client.post(
        reverse("import-upload"),
        {"file": _file(csv_bytes(long(["410100", "研发投入强度", 2023, 2.5])))},
    )
    record = ActualsImport.objects.get()
    page = charlie_client.get(upload["Location"])
    digest = record.change_digest
    response = charlie_client.post(reverse("import-confirm", args=[record.pk]), {"digest": digest}, follow=True)
    assert "Submitted for review" in response.content.decode() or "已提交审核" in response.content.decode()
    record.refresh_from_db()
    assert record.status == "submitted" and page.status_code == 200
    assert 'data-import-status="submitted"' in response.content.decode()
    assert years_stored("410100", "rd_intensity") == {}


def _file(data: bytes) -> io.BytesIO:
    handle = io.BytesIO(data)
    handle.name = "zhengzhou.csv"
    return handle


def test_the_review_queue_lists_the_submission_and_approving_writes(charlie: User, bob_client: Client) -> None:
    record = submitted(charlie)
    queue = bob_client.get(reverse("import-review"))
    assert queue.status_code == 200
    assert f'data-import="{record.pk}"' in queue.content.decode()
    detail = bob_client.get(reverse("import-detail", args=[record.pk])).content.decode()
    assert 'data-count="new">1<' in detail and reverse("import-approve", args=[record.pk]) in detail
    response = bob_client.post(reverse("import-approve", args=[record.pk]), {"comment": ""})
    assert response.status_code == 302
    assert years_stored("410100", "rd_intensity") == {2023: Decimal("2.5")}
    assert f'data-import="{record.pk}"' not in bob_client.get(reverse("import-review")).content.decode()


def test_a_return_shows_its_comment_on_the_import_page_and_the_home_page(
    charlie: User, charlie_client: Client, bob_client: Client
) -> None:
    record = submitted(charlie)
    response = bob_client.post(reverse("import-return", args=[record.pk]), {"comment": "请核对2023年研发投入"})
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.status == "returned"
    assert years_stored("410100", "rd_intensity") == {}
    detail = charlie_client.get(reverse("import-detail", args=[record.pk])).content.decode()
    assert "data-review-comment" in detail and "请核对2023年研发投入" in detail
    home = charlie_client.get(reverse("home")).content.decode()
    assert "请核对2023年研发投入" in home and reverse("import-detail", args=[record.pk]) in home


def test_a_return_without_comment_is_refused_on_the_web(charlie: User, bob_client: Client) -> None:
    record = submitted(charlie)
    response = bob_client.post(reverse("import-return", args=[record.pk]), {"comment": ""}, follow=True)
    assert response.status_code == 200
    record.refresh_from_db()
    assert record.status == "submitted"


def test_a_stale_approval_on_the_web_writes_nothing(charlie: User, bob_client: Client) -> None:
    record = submitted(charlie)
    store("410100", "rd_intensity", 2023, "2.2", origin="manual")
    response = bob_client.post(reverse("import-approve", args=[record.pk]), {}, follow=True)
    assert response.status_code == 200
    record.refresh_from_db()
    assert record.status == "submitted"
    assert years_stored("410100", "rd_intensity") == {2023: Decimal("2.2")}


@pytest.mark.parametrize("name", ["import-approve", "import-return"])
def test_the_city_official_may_not_review_on_the_web(charlie: User, charlie_client: Client, name: str) -> None:
    record = submitted(charlie)
    assert charlie_client.post(reverse(name, args=[record.pk]), {"comment": "ok"}).status_code == 403
    assert charlie_client.get(reverse("import-review")).status_code == 403
    record.refresh_from_db()
    assert record.status == "submitted"


@pytest.mark.parametrize("name", ["import-approve", "import-return"])
def test_review_actions_take_post_only_and_know_their_import(charlie: User, bob_client: Client, name: str) -> None:
    record = submitted(charlie)
    assert bob_client.get(reverse(name, args=[record.pk])).status_code == 405
    assert bob_client.post(reverse(name, args=[record.pk + 999]), {"comment": "x"}).status_code == 404


def test_the_review_queue_needs_a_login(client: Client) -> None:
    response = client.get(reverse("import-review"))
    assert response.status_code == 302 and "login" in response["Location"]


# ------------------------------------------------------------------------------------------------- commands


def write(tmp_path: Path, rows: list[list[object]]) -> str:
    path = tmp_path / "zhengzhou.csv"
    path.write_bytes(csv_bytes(long(*rows)))
    return str(path)


def test_import_actuals_with_a_city_user_submits_and_without_approves(tmp_path: Path, charlie: User) -> None:
    out = io.StringIO()
    call_command(
        "import_actuals", write(tmp_path, [["410100", "研发投入强度", 2023, 2.5]]), "--user", "charlie", stdout=out
    )
    assert "Submitted" in out.getvalue()
    assert years_stored("410100", "rd_intensity") == {}
    call_command("import_actuals", write(tmp_path, [["410100", "研发投入强度", 2022, 2.4]]), stdout=io.StringIO())
    assert years_stored("410100", "rd_intensity") == {2022: Decimal("2.4")}
    assert ActualsImport.objects.filter(status="approved", uploaded_by=None).count() == 1


def test_review_import_approves_and_returns(charlie: User, bob: User) -> None:
    first = submitted(charlie)
    second = submitted(charlie, ["410100", "研发投入强度", 2022, 2.4])
    out = io.StringIO()
    call_command("review_import", str(first.pk), "--approve", "--user", "bob", "--language", "en", stdout=out)
    assert f"#{first.pk}: Approved" in out.getvalue()
    call_command("review_import", str(second.pk), "--return", "--comment", "请更正", "--user", "bob", stdout=out)
    second.refresh_from_db()
    assert (second.status, second.review_comment, second.reviewed_by) == ("returned", "请更正", bob)
    assert years_stored("410100", "rd_intensity") == {2023: Decimal("2.5")}
    assert ObservationChange.objects.get(actuals_import=first).approved_by == bob


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["999999", "--approve"], "No import #999999"),
        (["{pk}", "--approve", "--user", "charlie"], "may not review"),
        (["{pk}", "--return", "--user", "bob"], "Comment"),
        (["{pk}", "--approve", "--user", "nobody"], "Unknown or inactive user"),
    ],
    ids=["wrong-id", "no-right", "no-comment", "unknown-user"],
)
def test_review_import_exits_1_with_a_clear_message(charlie: User, bob: User, args: list[str], words: str) -> None:
    record = submitted(charlie)
    with pytest.raises(CommandError) as caught:
        call_command("review_import", *[a.format(pk=record.pk) for a in args], "--language", "en", stdout=io.StringIO())
    assert caught.value.returncode == 1
    assert words in str(caught.value)
    record.refresh_from_db()
    assert record.status == "submitted"


def test_review_import_refuses_an_import_already_reviewed_and_a_stale_one(charlie: User, bob: User) -> None:
    record = submitted(charlie)
    call_command("review_import", str(record.pk), "--approve", stdout=io.StringIO())
    with pytest.raises(CommandError, match="not awaiting review") as caught:
        call_command("review_import", str(record.pk), "--approve", "--language", "en", stdout=io.StringIO())
    assert caught.value.returncode == 1
    stale = submitted(charlie, ["410100", "研发投入强度", 2023, 2.7])
    store("410100", "rd_intensity", 2023, "2.6", origin="manual")
    with pytest.raises(CommandError, match="changed since it was submitted"):
        call_command("review_import", str(stale.pk), "--approve", "--language", "en", stdout=io.StringIO())


# ------------------------------------------------------------------------------------------------- pages


def zhengzhou_rd(items: list[TargetProgress]) -> list[TargetProgress]:
    return [i for i in items if i.target.plan.region.adcode == "410100" and i.target.indicator.code == "rd_intensity"]


def test_submitted_values_are_invisible_by_default_and_marked_when_included(charlie: User, bob_client: Client) -> None:
    submitted(charlie, ["410100", "研发投入强度", 2023, 2.9])
    henan = Region.objects.get(adcode="410000")
    plain = pages.overview_page(requested=henan, home=None, year=2023)
    assert plain.overview is not None
    assert all(i.progress.actual is None for i in zhengzhou_rd(_all(plain)))
    included = pages.overview_page(requested=henan, home=None, year=2023, include_submitted=True)
    assert included.overview is not None and included.overview.has_submitted
    marked = zhengzhou_rd(_all(included))
    assert marked and all(i.progress.actual == 2.9 and i.is_submitted and not i.is_demo for i in marked)

    home = bob_client.get(reverse("home"), {"region": "410000", "year": "2023"}).content.decode()
    assert "data-has-submitted" not in home and 'data-include-submitted="off"' in home
    home = bob_client.get(
        reverse("home"), {"region": "410000", "year": "2023", "include": "submitted"}
    ).content.decode()
    assert "data-has-submitted" in home and 'data-include-submitted="on"' in home

    city = bob_client.get(reverse("city", args=["410100"])).content.decode()
    assert 'data-submitted-year="2023"' not in city and "data-has-submitted" not in city
    city = bob_client.get(reverse("city", args=["410100"]), {"include": "submitted"}).content.decode()
    assert 'data-submitted-year="2023"' in city and "data-has-submitted" in city
    assert bob_client.get(reverse("city", args=["410100"]), {"include": "returned"}).status_code == 400

    download = bob_client.get(reverse("city-data", args=["410100", "csv"]), {"include": "submitted"})
    assert "已报送" in download.content.decode("utf-8-sig")
    assert "已报送" not in bob_client.get(reverse("city-data", args=["410100", "csv"])).content.decode("utf-8-sig")


def _all(page: pages.OverviewPage) -> list[TargetProgress]:
    assert page.overview is not None
    return [item for row in page.overview.rows for item in row.items]


def test_approved_values_show_on_the_pages_without_the_switch(charlie: User, bob: User, bob_client: Client) -> None:
    record = submitted(charlie, ["410100", "研发投入强度", 2023, 2.9])
    approve(record, reviewer=bob)
    page = pages.city_page(Region.objects.get(adcode="410100"))
    items = zhengzhou_rd([statement.item for statement in page.statements])
    assert items and all(i.progress.actual == 2.9 and not i.is_submitted for i in items)
    city = bob_client.get(reverse("city", args=["410100"]), {"include": "submitted"}).content.decode()
    assert 'data-submitted-year="2023"' not in city, "approved: no longer marked as awaiting review"


def test_returned_values_are_never_shown_on_the_pages(charlie: User, bob: User) -> None:
    record = submitted(charlie, ["410100", "研发投入强度", 2023, 2.9])
    send_back(record, reviewer=bob, comment="请更正")
    page = pages.city_page(Region.objects.get(adcode="410100"), include_submitted=True)
    assert all(i.progress.actual is None for i in zhengzhou_rd([statement.item for statement in page.statements]))


def test_the_latest_submission_wins_when_submitted_values_are_included(charlie: User) -> None:
    submitted(charlie, ["410100", "研发投入强度", 2023, 2.9])
    submitted(charlie, ["410100", "研发投入强度", 2023, 2.7])
    page = pages.city_page(Region.objects.get(adcode="410100"), include_submitted=True)
    assert {i.progress.actual for i in zhengzhou_rd([statement.item for statement in page.statements])} == {2.7}


def test_the_indicator_and_evaluation_pages_and_downloads_take_the_switch(charlie: User, bob_client: Client) -> None:
    submitted(charlie, ["410100", "研发投入强度", 2023, 2.9])
    plan = Region.objects.get(adcode="410100").plans.get()
    include = {"include": "submitted", "year": "2023"}
    indicator = bob_client.get(reverse("indicator", args=["rd_intensity"]), include).content.decode()
    assert "data-has-submitted" in indicator and "submitted-tag" in indicator
    assert "data-has-submitted" not in bob_client.get(reverse("indicator", args=["rd_intensity"])).content.decode()
    evaluation = bob_client.get(reverse("plan-evaluation", args=[plan.pk]), include).content.decode()
    assert "data-has-submitted" in evaluation and "include=submitted" in evaluation
    plain = bob_client.get(reverse("plan-evaluation", args=[plan.pk]), {"year": "2023"}).content.decode()
    assert "data-has-submitted" not in plain
    workbook = bob_client.get(reverse("plan-evaluation-xlsx", args=[plan.pk]), include)
    assert workbook.status_code == 200
    csv = bob_client.get(reverse("indicator-data", args=["rd_intensity", "csv"]), {**include, "chart": "actuals"})
    assert "已报送" in csv.content.decode("utf-8-sig")


def test_the_demo_shows_submitted_imports_and_one_returned(db: None) -> None:
    out = io.StringIO()
    call_command("load_demo_reviews", "--force", stdout=out)
    statuses = sorted(ActualsImport.objects.filter(uploaded_by__username="zhengzhou").values_list("status", flat=True))
    assert statuses == ["returned", "submitted", "submitted"]
    returned = ActualsImport.objects.get(status="returned")
    assert returned.reviewed_by is not None and returned.reviewed_by.username == "province" and returned.review_comment
    assert not Observation.objects.filter(year=2025, region__adcode="410100").exists(), "nothing approved"
    call_command("load_demo_reviews", "--force", stdout=out)
    assert ActualsImport.objects.count() == 3


def test_the_demo_reviews_refuse_to_run_on_a_production_server(db: None) -> None:
    with pytest.raises(CommandError, match="DEBUG off"):
        call_command("load_demo_reviews", stdout=io.StringIO())


def test_clean_uploads_keeps_the_files_of_submitted_and_returned_imports(charlie: User, bob: User) -> None:
    waiting = submitted(charlie)
    returned = submitted(charlie, ["410100", "研发投入强度", 2022, 2.4])
    send_back(returned, reviewer=bob, comment="请更正")
    ActualsImport.objects.update(uploaded_at=timezone.now() - datetime.timedelta(days=3))
    call_command("clean_uploads", stdout=io.StringIO())
    for record in (waiting, returned):
        record.refresh_from_db()
        assert record.file and record.file_purged_at is None
        assert record.file.storage.exists(record.file.name)


def test_the_switch_is_kept_by_the_overviews_links_and_forms(charlie: User, bob_client: Client) -> None:
    submitted(charlie, ["410100", "研发投入强度", 2023, 2.9])
    home = bob_client.get(reverse("home"), {"region": "410000", "include": "submitted"}).content.decode()
    assert reverse("city", args=["410100"]) + "?include=submitted" in home
    assert '<input type="hidden" name="include" value="submitted">' in home
    plain = bob_client.get(reverse("home"), {"region": "410000"}).content.decode()
    assert "include=submitted" in plain  # the switch itself
    assert reverse("city", args=["410100"]) + "?include=submitted" not in plain
