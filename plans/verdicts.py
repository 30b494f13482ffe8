"""Recording a reviewer's verdict on a qualitative target (plans.TargetVerdict), and checking its evidence.

Only who may review the target's region (cities.access, ``indicators.review_actuals``: provincial staff, for their
region and those below it; superusers everywhere) records one; everyone signed in reads them. Every verdict is a
new row, the earlier ones stay. An evidence file is bounded (settings.EVIDENCE_MAX_UPLOAD_BYTES), one of the types
of plans.vocabulary.EVIDENCE_SUFFIXES — its content checked against its extension, not only its name — and stored
under MEDIA_ROOT/verdicts/ with a random name (plans.models.evidence_path).
"""

from __future__ import annotations

import datetime
import io
import unicodedata
import zipfile
from pathlib import PurePath
from typing import IO

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator
from django.utils import timezone
from django.utils.translation import gettext as _

from cities.access import reviewable_regions
from plans import vocabulary as v
from plans.evaluation import YEARS
from plans.models import Target, TargetVerdict

# What a file of each type begins with. docx and xlsx are zip packages, told apart by their main part.
_MAGIC: dict[str, tuple[bytes, ...]] = {
    ".pdf": (b"%PDF-",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".gif": (b"GIF87a", b"GIF89a"),
    ".webp": (b"RIFF",),
    ".docx": (b"PK\x03\x04",),
    ".xlsx": (b"PK\x03\x04",),
}
_PACKAGE_PART = {".docx": "word/document.xml", ".xlsx": "xl/workbook.xml"}
# How each type is served (as an attachment; the browser is told not to guess another type).
CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".txt": "text/plain; charset=utf-8",
}
NAME_LENGTH = 200  # TargetVerdict.evidence_name
_HTTP = URLValidator(schemes=["http", "https"])


def may_record_verdict(user: User | AnonymousUser, target: Target) -> bool:
    """Whether the user may record a verdict on the target: the review right for its region."""
    return reviewable_regions(user).filter(pk=target.plan.region_id).exists()


def may_read_verdicts(user: User | AnonymousUser) -> bool:
    """Every signed-in user reads every target, and so its verdicts and their evidence."""
    return bool(user.is_authenticated and user.is_active)


def verdict_years(target: Target) -> tuple[int, int]:
    """The years a verdict on the target may judge: the plan period's first year to the target year."""
    first = max(target.plan.period_start, YEARS[0])
    return first, max(first, min(target.target_year, YEARS[-1]))


def allowed_types() -> str:
    return ", ".join(suffix.lstrip(".") for suffix in v.EVIDENCE_SUFFIXES)


def max_megabytes() -> float:
    return round(settings.EVIDENCE_MAX_UPLOAD_BYTES / (1024 * 1024), 1)


def too_large(size: int) -> str:
    return _("The evidence file is %(size)s MB; at most %(limit)s MB may be uploaded.") % {
        "size": round(size / (1024 * 1024), 1),
        "limit": max_megabytes(),
    }


def safe_name(name: str) -> str:
    """The uploader's file name as it may be offered again in a download: its last path part, without control
    characters, quotes, semicolons or backslashes, at most NAME_LENGTH characters (the extension kept)."""
    base = PurePath(name.replace("\\", "/")).name
    kept = "".join(char for char in base if unicodedata.category(char)[0] != "C" and char not in '"\\/;').strip()
    suffix = PurePath(kept).suffix
    if len(kept) > NAME_LENGTH:
        kept = kept[: NAME_LENGTH - len(suffix)] + suffix
    return kept or "evidence"


def _is_text(content: bytes) -> bool:
    if b"\x00" in content:
        return False
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            content.decode(encoding)
        except UnicodeDecodeError:
            continue
        return True
    return False


def _matches(suffix: str, stream: IO[bytes]) -> bool:
    """Whether the content is what the extension says."""
    stream.seek(0)
    if suffix == ".txt":
        return _is_text(stream.read())
    head = stream.read(16)
    if not any(head.startswith(magic) for magic in _MAGIC[suffix]):
        return False
    if suffix == ".webp":
        return head[8:12] == b"WEBP"
    if suffix in _PACKAGE_PART:
        stream.seek(0)
        try:
            with zipfile.ZipFile(stream) as package:
                return _PACKAGE_PART[suffix] in package.namelist()
        except (zipfile.BadZipFile, OSError, ValueError):
            return False
    return True


def check_evidence_file(upload: UploadedFile) -> str:
    """The file's safe name, if it may be kept as evidence; else ValidationError saying why (size, type)."""
    size = upload.size or 0
    if size > settings.EVIDENCE_MAX_UPLOAD_BYTES:
        raise ValidationError(too_large(size), code="too_large")
    name = safe_name(upload.name or "")
    suffix = PurePath(name).suffix.lower()
    if suffix not in v.EVIDENCE_SUFFIXES:
        raise ValidationError(
            _("Evidence files may be of these types: %(types)s; “%(name)s” is not.")
            % {"types": allowed_types(), "name": name},
            code="type",
        )
    if size == 0:
        raise ValidationError(_("The evidence file “%(name)s” is empty.") % {"name": name}, code="empty")
    stream: IO[bytes] = upload.file if upload.file is not None else io.BytesIO()
    ok = _matches(suffix, stream)
    stream.seek(0)
    if not ok:
        raise ValidationError(
            _("The content of “%(name)s” is not a %(type)s file.") % {"name": name, "type": suffix.lstrip(".")},
            code="content",
        )
    return name


def check_link(url: str) -> str:
    """The link, if it is an http(s) address; else ValidationError."""
    url = url.strip()
    if url:
        try:
            _HTTP(url)
        except ValidationError:
            raise ValidationError(_("The evidence link must be an http:// or https:// address."), code="link") from None
    return url


def verdict_add(
    *,
    target: Target,
    user: User | AnonymousUser,
    verdict: str,
    year: int,
    decided_on: datetime.date,
    evidence_text: str = "",
    evidence_url: str = "",
    evidence_file: UploadedFile | None = None,
) -> TargetVerdict:
    """A new verdict on `target` for the as-of `year` (the earlier ones are kept). PermissionDenied without the
    review right for the target's region; ValidationError, by field, for a target that is not qualitative, an
    unknown verdict, an implausible year or date, no evidence, a link that is not http(s) or a refused file."""
    if not may_record_verdict(user, target):
        raise PermissionDenied
    problems: dict[str, list[str]] = {}

    def refuse(field: str, message: str) -> None:
        problems.setdefault(field, []).append(message)

    if target.kind not in v.VERDICT_KINDS:
        refuse("target", _("Only qualitative targets get a reviewer's verdict; this one is judged on its numbers."))
    if verdict not in v.VERDICTS:
        refuse("verdict", _("Unknown verdict “%(verdict)s”.") % {"verdict": verdict})
    first, last = verdict_years(target)
    if not first <= year <= last:
        refuse("year", _("The year must be between %(first)s and %(last)s.") % {"first": first, "last": last})
    if decided_on > timezone.localdate() + datetime.timedelta(days=1):
        refuse("decided_on", _("The date of the verdict cannot be in the future."))
    name = ""
    try:
        evidence_url = check_link(evidence_url)
    except ValidationError as error:
        refuse("evidence_url", error.messages[0])
    if evidence_file is not None:
        try:
            name = check_evidence_file(evidence_file)
        except ValidationError as error:
            refuse("evidence_file", error.messages[0])
    evidence_text = evidence_text.strip()
    if not (evidence_text or evidence_url or evidence_file is not None):
        refuse("evidence_text", _("Give the evidence: a text, a link or a file."))
    if problems:
        raise ValidationError(problems)
    record = TargetVerdict(
        target=target,
        year=year,
        verdict=verdict,
        decided_on=decided_on,
        evidence_text=evidence_text,
        evidence_url=evidence_url,
        evidence_name=name,
        reviewer=user if isinstance(user, User) else None,
    )
    if evidence_file is not None:
        record.evidence_file.save(name, evidence_file, save=False)
    try:
        record.save()
    except Exception:
        if record.evidence_file:
            record.evidence_file.delete(save=False)  # a file nobody points at is not kept
        raise
    return record
