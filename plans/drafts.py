"""New plans from their documents: a draft (plans.PlanDraft) holds the document an admin uploaded (txt or docx) or
pasted and the candidate targets plans.proposals reads from it; the admin accepts, edits or rejects each candidate,
then publishes. Publishing builds the plan's fixture file in memory from the accepted candidates and loads it through
plans.services.plan_import_data — the checks and loader of import_plan and load_plans, all or nothing — so one path
writes plans. A sample document (fixtures/documents/sample.txt, 示例) shows the flow and is never published.

Who: superusers and holders of ``plans.add_plan`` (may_author).
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from docx import Document
from docx.table import Table

from cities.models import Region
from indicators.models import Indicator
from plans import fixture_schema as fx
from plans import vocabulary as v
from plans.models import DraftCandidate, Plan, PlanDraft, PlanPeriod
from plans.proposals import Candidate, plan_last_year, propose
from plans.services import LoadError, plan_import_data

SAMPLE_PATH = fx.FIXTURES_DIR / "documents" / "sample.txt"
MB = 1024 * 1024
MAX_DOCUMENT_CHARS = 2_000_000  # a plan runs to some 50 000 characters
MAX_DOCX_MEMBERS = 2000
MAX_DOCX_UNPACKED = 50 * MB  # what a docx may inflate to, its parts counted as they are read
SUFFIXES = (".txt", ".docx")


class DocumentError(ValueError):
    """The document cannot be read (the message says why, in the user's language)."""


class PublishRefused(Exception):
    """The draft cannot be published; ``problems`` says every reason. Nothing was written."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def may_author(user: User | AnonymousUser) -> bool:
    """Who may upload, review and publish a plan's draft: superusers and whoever may add plans."""
    return bool(user.is_active and (user.is_superuser or user.has_perm("plans.add_plan")))


# ------------------------------------------------------------------------------------------------ reading


def _normal(text: str) -> str:
    """The text as lines are counted (split at \\n): no byte-order mark, CR LF and lone CR as \\n."""
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def decode_text(data: bytes) -> str:
    """A text file's content: UTF-8 (with or without BOM), else GB18030 (which covers GBK and GB2312)."""
    if b"\x00" in data:
        raise DocumentError(_("The file is not a text file (it holds NUL bytes): upload a .txt or .docx document."))
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return _normal(data.decode(encoding))
        except UnicodeDecodeError:
            continue
    raise DocumentError(_("The text is neither UTF-8 nor GB18030 (GBK): save it in one of these encodings."))


def _check_package(data: bytes) -> None:
    """A docx is a zip: bounded in parts and in what they really inflate to before python-docx opens it."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise DocumentError(_("The Word file is damaged: %(detail)s") % {"detail": exc}) from exc
    if len(members) > MAX_DOCX_MEMBERS or "word/document.xml" not in {m.filename for m in members}:
        raise DocumentError(_("The file is not a Word document (.docx)."))
    unpacked = 0
    try:
        for member in members:
            with archive.open(member) as part:
                while chunk := part.read(1024 * 1024):
                    unpacked += len(chunk)
                    if unpacked > MAX_DOCX_UNPACKED:
                        raise DocumentError(
                            _("The Word file unpacks to more than %(limit)s MB; it cannot be read safely.")
                            % {"limit": MAX_DOCX_UNPACKED // MB}
                        )
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError) as exc:
        raise DocumentError(_("The Word file is damaged: %(detail)s") % {"detail": exc}) from exc


def _cell_text(text: str) -> str:
    return re.sub(r"\s*\n\s*", " ", text).replace("\t", " ").strip()


def docx_text(data: bytes) -> str:
    """A Word document's text in document order: each paragraph a line, each table row a line of its cells
    separated by tabs (a cell merged across columns once) — the layout plans.proposals reads tables from."""
    _check_package(data)
    try:
        document = Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises many kinds on a broken package
        raise DocumentError(_("The Word file is damaged: %(detail)s") % {"detail": exc}) from exc
    lines: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            for row in block.rows:
                cells, seen = [], set()
                for cell in row.cells:
                    if id(cell._tc) not in seen:  # a merged cell is returned once per column it spans
                        seen.add(id(cell._tc))
                        cells.append(_cell_text(cell.text))
                lines.append("\t".join(cells))
        else:
            lines.append(block.text)
    return _normal("\n".join(lines))


def too_large(size: int) -> str:
    return _("The file is %(size)s MB; at most %(limit)s MB may be uploaded.") % {
        "size": round(size / MB, 1),
        "limit": round(settings.IMPORT_MAX_UPLOAD_BYTES / MB, 1),
    }


def read_document(data: bytes, name: str) -> str:
    """The text of an uploaded .txt or .docx, told apart by the content (a zip package is a docx)."""
    if len(data) > settings.IMPORT_MAX_UPLOAD_BYTES:
        raise DocumentError(too_large(len(data)))
    suffix = PurePath(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise DocumentError(_("Upload the plan as a .txt or .docx file; “%(name)s” is neither.") % {"name": name})
    text = docx_text(data) if data.startswith(b"PK\x03\x04") else decode_text(data)
    return checked_text(text)


def checked_text(text: str) -> str:
    text = _normal(text)
    if not text.strip():
        raise DocumentError(_("The document is empty."))
    if len(text) > MAX_DOCUMENT_CHARS:
        raise DocumentError(
            _("The document has %(count)s characters; at most %(limit)s are read.")
            % {"count": len(text), "limit": MAX_DOCUMENT_CHARS}
        )
    return text


def sample_text() -> str:
    return SAMPLE_PATH.read_text(encoding="utf-8")


# ------------------------------------------------------------------------------------------------ drafting


def catalogue_rows() -> list[fx.IndicatorRow]:
    """This installation's indicator catalogue (with its aliases), as plans.proposals matches names against it."""
    return [
        fx.IndicatorRow(
            code=i.code,
            name_zh=i.name_zh,
            name_en=i.name_en,
            unit=i.unit,
            direction=i.direction,
            measure=i.measure,
            aliases=tuple(a.name for a in i.aliases.all()),
        )
        for i in Indicator.objects.prefetch_related("aliases")
    ]


def guess_period(text: str) -> PlanPeriod | None:
    """The period whose last year the text aims at (十五五 → 2030), as the proposer reads it."""
    return PlanPeriod.objects.filter(last_year=plan_last_year(text)).first()


def _title_of(text: str) -> str:
    first = next((line.strip() for line in text.split("\n") if line.strip()), "")
    return first[:300]


@transaction.atomic
def draft_create(
    *,
    text: str,
    user: User | None,
    file_name: str = "",
    region: Region | None = None,
    period: PlanPeriod | None = None,
    kind: str = v.PLAN_SCI_TECH,
    title: str = "",
    document_number: str = "",
    issue_date: Any = None,
) -> PlanDraft:
    """A draft of the document with every candidate the proposer finds in it, all pending."""
    draft = PlanDraft(
        region=region,
        period=period,
        kind=kind,
        title=title,
        document_number=document_number,
        issue_date=issue_date,
        text=text,
        file_name=file_name[:200],
        created_by=user,
    )
    draft_fill(draft)
    draft.save()
    candidates_create(draft)
    return draft


def draft_fill(draft: PlanDraft) -> None:
    """A new draft's text checked, and what was left empty read from it: the period, the title."""
    draft.text = checked_text(draft.text)
    draft.period = draft.period or guess_period(draft.text)
    draft.title = draft.title.strip() or _title_of(draft.text)


def candidates_create(draft: PlanDraft) -> list[DraftCandidate]:
    codes = {i.code: i for i in Indicator.objects.all()}
    rows = [
        _candidate_row(draft, position, c, codes)
        for position, c in enumerate(propose(draft.text, catalogue_rows()), start=1)
    ]
    return DraftCandidate.objects.bulk_create(rows)


def _candidate_row(draft: PlanDraft, position: int, c: Candidate, codes: dict[str, Indicator]) -> DraftCandidate:
    return DraftCandidate(
        draft=draft,
        position=position,
        line=c.line,
        quote=c.quote,
        label=c.indicator[:300],
        indicator=codes.get(c.indicator_code or ""),
        unit=c.unit[:20],
        kind=c.kind,
        comparator=c.comparator,
        baseline_year=c.baseline_year,
        baseline_value=c.baseline_value,
        target_year=c.target_year,
        target_value=c.target_value,
        target_value_max=c.target_value_max,
        section=c.section,
    )


# ------------------------------------------------------------------------------------------------ checking


def quote_on_line(draft: PlanDraft, candidate: DraftCandidate) -> bool:
    """Whether the candidate's quote is in the document exactly, starting on its line."""
    return bool(candidate.quote) and fx.quote_starts_on_line(draft.text, candidate.quote, candidate.line)


def _fixture_target(candidate: DraftCandidate, key: str, code: str) -> dict[str, Any]:
    """The candidate as a target of a plan file (fixtures/README.md)."""
    return {
        "key": key,
        "indicator": code,
        "label": candidate.label,
        "kind": candidate.kind,
        "comparator": candidate.comparator,
        "baseline_year": candidate.baseline_year,
        "baseline_value": candidate.baseline_value,
        "target_year": candidate.target_year,
        "target_value": candidate.target_value,
        "target_value_max": candidate.target_value_max,
        "unit": candidate.unit,
        "section": candidate.section,
        "attribute": candidate.attribute or None,
        "quote": candidate.quote,
        "line": candidate.line,
        "note": candidate.note,
    }


def candidate_problems(candidate: DraftCandidate, text: str) -> dict[str, list[str]]:
    """What keeps the candidate from being a target, by field (None: the candidate as a whole), in the user's
    language; then the fixture schema's own check, the rule every plan file passes (the indicator aside: a
    candidate may be accepted before its indicator is chosen, publishing needs it)."""
    problems: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        problems.setdefault(field, []).append(message)

    c = candidate
    required = {"label": _("The name as printed"), "unit": _("The unit"), "quote": _("The quote")}
    for field, name in required.items():
        if not str(getattr(c, field) or "").strip():
            add(field, _("%(field)s is required.") % {"field": name})
    if c.target_year is None:
        add("target_year", _("The target year is required."))
    elif c.baseline_year is not None and c.target_year <= c.baseline_year:
        add("target_year", _("The target year must come after the baseline year."))
    if c.target_value is None and c.kind not in v.VALUELESS_KINDS:
        add("target_value", _("A target of this kind needs a target value."))
    if c.comparator == v.RANGE:
        if c.target_value is None or c.target_value_max is None or c.target_value_max < c.target_value:
            add("target_value_max", _("A range needs a lower and an upper value, the upper one not below the lower."))
    elif c.target_value_max is not None:
        add("target_value_max", _("An upper value is only for the comparator “between” (a range)."))
    if c.quote.strip() and not fx.quote_starts_on_line(text, c.quote, c.line):
        found = fx.find_line(text, c.quote)
        if found is None:
            add("quote", _("The quote is not found in the document: copy it exactly from the text."))
        else:
            add("line", _("The quote does not start on line %(line)s; it is found on line %(found)s.")
                % {"line": c.line, "found": found})  # fmt: skip
    if problems:
        return problems
    code = c.indicator.code if c.indicator is not None else "__any__"
    try:
        fx.check_target(_fixture_target(c, "candidate", code), text, f"L{c.line}", {code})
    except fx.FixtureError as exc:
        add("__all__", str(exc))
    return problems


def candidate_decide(candidate: DraftCandidate, decision: str) -> dict[str, list[str]]:
    """Accept (when the candidate passes the checks) or reject it, or set it back to pending; the problems that
    kept it from being accepted, else {}."""
    if decision == DraftCandidate.Decision.ACCEPTED:
        problems = candidate_problems(candidate, candidate.draft.text)
        if problems:
            return problems
    candidate.decision = decision
    candidate.save(update_fields=["decision"])
    return {}


# ------------------------------------------------------------------------------------------------ publishing


def _slug_for(region: Region, period: PlanPeriod) -> str:
    base = f"{slugify(region.name_en) or region.adcode}-{period.code}"[:60]
    slug, n = base, 2
    while Plan.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def _keys(candidates: list[DraftCandidate]) -> list[str]:
    keys: list[str] = []
    for c in candidates:
        base = (c.indicator.code if c.indicator else "target").replace("_", "-")[:90]
        key, n = base, 2
        while key in keys:
            key, n = f"{base}-{n}", n + 1
        keys.append(key)
    return keys


def publish_problems(draft: PlanDraft) -> list[str]:
    """Every reason the draft cannot be published now (empty: it can)."""
    problems = []
    if draft.is_published:
        problems.append(_("This draft is already published."))
    if draft.is_sample:
        problems.append(_("This is the sample document (示例): it shows the authoring flow and is never published."))
    if draft.region is None:
        problems.append(_("Region: choose the region whose plan this is."))
    if draft.period is None:
        problems.append(_("Plan period: choose the period of the plan."))
    if not draft.title.strip():
        problems.append(_("Title: the plan needs its title."))
    if draft.region is not None and draft.period is not None:
        existing = Plan.objects.filter(region=draft.region, kind=draft.kind, period=draft.period).first()
        if existing is not None:
            problems.append(
                _("%(region)s already has a plan of this kind for %(period)s (“%(title)s”); a region holds one plan "
                  "of a kind per period.") % {"region": draft.region.name, "period": draft.period, "title": existing}
            )  # fmt: skip
    candidates = list(draft.candidates.select_related("indicator"))
    pending = [c for c in candidates if c.decision == DraftCandidate.Decision.PENDING]
    if pending:
        problems.append(
            _("%(count)s candidates are not yet decided (first: line %(line)s): accept or reject each.")
            % {"count": len(pending), "line": pending[0].line}
        )
    accepted = [c for c in candidates if c.decision == DraftCandidate.Decision.ACCEPTED]
    if not accepted:
        problems.append(_("No candidate is accepted: a plan needs at least one target."))
    for c in accepted:
        if c.indicator is None:
            problems.append(
                _("Line %(line)s “%(label)s”: choose its indicator in the catalogue (edit the candidate).")
                % {"line": c.line, "label": c.label}
            )
    return problems


def fixture_data(draft: PlanDraft, region: Region, period: PlanPeriod, slug: str) -> dict[str, Any]:
    """The plan file the draft's accepted candidates make (the format of fixtures/plans/*.yaml)."""
    accepted = list(draft.candidates.filter(decision=DraftCandidate.Decision.ACCEPTED).select_related("indicator"))
    header = {
        "slug": slug,
        "region": region.adcode,
        "title": draft.title,
        "document_number": draft.document_number or None,
        "issue_date": draft.issue_date,
        "period_start": period.first_year,
        "period_end": period.last_year,
        "period": period.code,
        "document": f"documents/{slug}.txt",
    }
    targets = [
        _fixture_target(c, key, c.indicator.code if c.indicator else "")
        for c, key in zip(accepted, _keys(accepted), strict=True)
    ]
    return {"plan": header, "targets": targets}


@dataclass(frozen=True)
class Published:
    plan: Plan
    targets: int


def draft_publish(draft: PlanDraft) -> Published:
    """The plan and its targets from the accepted candidates, through the loader of import_plan; all or nothing.
    Raises PublishRefused (nothing written) when publish_problems names anything, or the fixture schema refuses."""
    with transaction.atomic():
        draft = PlanDraft.objects.select_for_update(of=("self",)).select_related("region", "period").get(pk=draft.pk)
        problems = publish_problems(draft)
        region, period = draft.region, draft.period
        if problems or region is None or period is None:
            raise PublishRefused(problems)
        slug = _slug_for(region, period)
        data = fixture_data(draft, region, period, slug)
        try:
            plan_import_data(data, draft.text)
        except (fx.FixtureError, LoadError, IntegrityError) as exc:
            # IntegrityError: another plan of the kind for the region and period was written meanwhile.
            raise PublishRefused([_("The plan file does not pass the check: %(detail)s") % {"detail": exc}]) from exc
        plan = Plan.objects.get(slug=slug)
        draft.status = PlanDraft.Status.PUBLISHED
        draft.plan = plan
        draft.published_at = timezone.now()
        draft.save(update_fields=["status", "plan", "published_at"])
        return Published(plan, plan.targets.count())
