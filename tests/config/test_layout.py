"""The layout's import direction, read from the source with ast (nothing is imported):

    config → dashboard → imports → plans → indicators → cities

A module may import its own app and the apps below it, never one above (config, on top, may import anything;
the tests are outside the rule). And no import statement sits inside a function body, where it would hide a
loop the direction forbids: imports belong at the top of the module (an ``if TYPE_CHECKING:`` block included).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]

# Lowest first. A new app gets its place here (test_every_app_has_a_place_in_the_order says so).
ORDER = ["lib", "cities", "indicators", "plans", "imports", "dashboard", "config"]
RANK = {app: rank for rank, app in enumerate(ORDER)}
CHAIN = " < ".join(ORDER)


@dataclass(frozen=True)
class ImportStatement:
    line: int
    text: str  # the statement as written (ast.unparse)
    targets: tuple[str, ...]  # the modules it imports, relative imports resolved
    function: str | None  # the function whose body holds it, if any
    type_checking: bool  # under `if TYPE_CHECKING:`


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


class _Imports(ast.NodeVisitor):
    def __init__(self, module: str, is_package: bool) -> None:
        self.package = module.split(".") if is_package else module.split(".")[:-1]
        self.functions: list[str] = []
        self.type_checking = 0
        self.found: list[ImportStatement] = []

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> None:
        self.functions.append(getattr(node, "name", "<lambda>"))
        self.generic_visit(node)
        self.functions.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _function

    def visit_If(self, node: ast.If) -> None:
        if not _is_type_checking(node.test):
            self.generic_visit(node)
            return
        self.visit(node.test)
        self.type_checking += 1
        for statement in node.body:
            self.visit(statement)
        self.type_checking -= 1
        for statement in node.orelse:
            self.visit(statement)

    def _record(self, node: ast.Import | ast.ImportFrom, targets: tuple[str, ...]) -> None:
        function = self.functions[-1] if self.functions else None
        self.found.append(ImportStatement(node.lineno, ast.unparse(node), targets, function, self.type_checking > 0))

    def visit_Import(self, node: ast.Import) -> None:
        self._record(node, tuple(alias.name for alias in node.names))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:  # from . import x, from ..models import Y
            base = self.package[: len(self.package) - (node.level - 1)]
            target = ".".join([*base, *([node.module] if node.module else [])])
        else:
            target = node.module or ""
        self._record(node, (target,))


def imports_of(source: str, module: str, *, is_package: bool = False) -> list[ImportStatement]:
    visitor = _Imports(module, is_package)
    visitor.visit(ast.parse(source))
    return visitor.found


def direction_problems(source: str, module: str, *, is_package: bool = False) -> list[str]:
    app = module.split(".")[0]
    if app == "config":
        return []  # on top: it wires everything together
    problems = []
    for statement in imports_of(source, module, is_package=is_package):
        for target in statement.targets:
            other = target.split(".")[0]
            if other in RANK and RANK[other] > RANK[app]:
                problems.append(
                    f"{module} (line {statement.line}) `{statement.text}`: {app} may not import {other} ({CHAIN})"
                )
    return problems


def local_import_problems(source: str, module: str, *, is_package: bool = False) -> list[str]:
    return [
        f"{module} (line {statement.line}) `{statement.text}` inside {statement.function}(): move it to the top "
        "of the module (a function-local import hides an import loop)"
        for statement in imports_of(source, module, is_package=is_package)
        if statement.function is not None and not statement.type_checking
    ]


@dataclass(frozen=True)
class Module:
    name: str
    path: Path
    is_package: bool

    @property
    def is_migration(self) -> bool:
        return ".migrations." in f"{self.name}."

    def source(self) -> str:
        return self.path.read_text(encoding="utf-8")


def modules() -> Iterator[Module]:
    for app in ORDER:
        for path in sorted((ROOT / app).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            is_package = parts[-1] == "__init__"
            yield Module(".".join(parts[:-1] if is_package else parts), path, is_package)


def test_no_app_imports_an_app_above_it() -> None:
    problems = [p for m in modules() for p in direction_problems(m.source(), m.name, is_package=m.is_package)]
    assert not problems, "imports against the layout's direction:\n" + "\n".join(problems)


def test_no_import_hides_in_a_function() -> None:
    # Migrations are exempt: a data migration may import a helper inside its RunPython function on purpose, so
    # that loading the migration graph (every migrate, every test run) does not import today's app code, which a
    # later change may rename or remove. None does so today.
    problems = [
        p
        for m in modules()
        if not m.is_migration
        for p in local_import_problems(m.source(), m.name, is_package=m.is_package)
    ]
    assert not problems, "function-local imports:\n" + "\n".join(problems)


def test_every_app_has_a_place_in_the_order() -> None:
    ours = [app for app in settings.INSTALLED_APPS if (ROOT / app.split(".")[0] / "__init__.py").exists()]
    assert set(ours) | {"config", "lib"} == set(ORDER)  # lib is a package below the apps, not an app
    assert [app for app in ORDER if app in ours] == ours  # INSTALLED_APPS lists them in the same order
    assert sum(1 for _ in modules()) > 50  # the walk finds the code


# ------------------------------------------------------------------------------------------ the checks themselves


@pytest.mark.parametrize(
    ("module", "source", "expected"),
    [
        (
            "plans.evaluation",
            "from dashboard.downloads import safe_text\n",
            "plans.evaluation (line 1) `from dashboard.downloads import safe_text`: plans may not import dashboard",
        ),
        ("cities.access", "import plans.models\n", "cities.access (line 1) `import plans.models`: cities may not"),
        (
            "indicators.models",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from plans.models import Plan\n",
            "indicators.models (line 3) `from plans.models import Plan`: indicators may not import plans",
        ),
        ("dashboard.views", "from config import views\n", "dashboard.views (line 1) `from config import views`"),
    ],
)
def test_the_direction_check_names_the_module_and_the_import(module: str, source: str, expected: str) -> None:
    problems = direction_problems(source, module)
    assert len(problems) == 1 and problems[0].startswith(expected)


def test_the_direction_check_allows_the_own_app_lower_apps_config_and_relative_imports() -> None:
    source = (
        "from django.db import models\nfrom cities.models import Region\nfrom plans import progress\n"
        "from . import wording\nfrom .models import Plan\n"
    )
    assert direction_problems(source, "plans.selectors") == []
    assert direction_problems("from dashboard import views\n", "config.urls") == []
    assert direction_problems("from ..dashboard import views\n", "plans.evaluation") == [
        "plans.evaluation (line 1) `from ..dashboard import views`: plans may not import dashboard (" + CHAIN + ")"
    ]


def test_the_function_check_finds_an_import_in_any_function() -> None:
    source = (
        "import os\n"
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from plans.models import Plan\n"
        "def f():\n    from django.conf import settings\n"
        "class C:\n    async def g(self):\n        if True:\n            import json\n"
        "def h():\n    if TYPE_CHECKING:\n        from plans.models import Target\n"
    )
    assert local_import_problems(source, "config.middleware") == [
        "config.middleware (line 6) `from django.conf import settings` inside f(): move it to the top of the module"
        " (a function-local import hides an import loop)",
        "config.middleware (line 10) `import json` inside g(): move it to the top of the module (a function-local "
        "import hides an import loop)",
    ]
