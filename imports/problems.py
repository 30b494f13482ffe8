"""Problems found in an uploaded file, each naming where it is, readable in Chinese and in English."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

ERROR = "error"
WARNING = "warning"


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA: how spreadsheet programs name columns."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


class Location(NamedTuple):
    """Where a value or a problem is. A tuple: a 200 000-value file makes one per value (a frozen dataclass costs
    three times as much to build)."""

    sheet: str = ""
    row: int | None = None  # 1-based, as the spreadsheet program shows it
    column: int | None = None  # 0-based index
    field: str = ""  # the column's header, e.g. "2023年" or "数值"

    def text(self) -> str:
        parts = []
        if self.sheet:
            parts.append(str(_("sheet “%(sheet)s”") % {"sheet": self.sheet}))
        if self.row is not None:
            parts.append(str(_("row %(row)s") % {"row": self.row}))
        if self.column is not None:
            parts.append(str(_("column %(column)s") % {"column": column_letter(self.column)}))
        if self.field:
            parts.append(str(_("field “%(field)s”") % {"field": self.field}))
        return str(_(", ")).join(parts)


@dataclass(frozen=True)
class Problem:
    level: str  # ERROR or WARNING
    message: Promise  # a gettext_lazy string with %(name)s placeholders
    params: dict[str, Any] = field(default_factory=dict)
    location: Location = Location()  # noqa: RUF009 - a NamedTuple: immutable, safe to share

    def text(self, language: str | None = None) -> str:
        """The message with its location, in the given language (default: the active one)."""
        with translation.override(language or translation.get_language()):
            where = self.location.text()
            message = str(self.message) % {k: _shown(v) for k, v in self.params.items()}
            return f"{where}: {message}" if where else message

    @property
    def text_zh(self) -> str:
        return self.text("zh-hans")

    @property
    def text_en(self) -> str:
        return self.text("en")

    @property
    def is_error(self) -> bool:
        return self.level == ERROR


def _shown(value: Any) -> str:
    # Regions, indicators and locations are named in the language of the message.
    if isinstance(value, Location):
        return value.text()
    return str(value.name) if hasattr(value, "name_zh") else str(value)


class ImportRejected(Exception):
    """The file cannot be read at all (not a spreadsheet, too big, encrypted…): one problem, nothing parsed."""

    def __init__(self, message: Promise, **params: Any) -> None:
        self.problem = Problem(ERROR, message, params)
        super().__init__(self.problem.text("en"))
