"""Production settings pass Django's deployment checklist; bad environment values fail loudly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # tests/config/ → the checkout


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    environ.update(env)
    return subprocess.run(  # noqa: S603 — our own manage.py with fixed arguments
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environ, capture_output=True, text=True, check=False
    )


def test_it_passes_check_deploy_in_production() -> None:
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        SECRET_KEY="x" * 30 + "production-secret-key-of-enough-length-and-variety-12345",
        ALLOWED_HOSTS="plans.example.gov.cn",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_it_refuses_production_without_a_secret_key() -> None:
    result = manage("check", DEBUG="false", ALLOWED_HOSTS="plans.example.gov.cn")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_it_refuses_a_debug_value_it_cannot_read() -> None:
    result = manage("check", DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG must be true or false" in result.stderr


def test_it_refuses_an_orphan_age_under_an_hour() -> None:
    result = manage("check", IMPORT_ORPHAN_MAX_AGE_HOURS="0")
    assert result.returncode != 0
    assert "IMPORT_ORPHAN_MAX_AGE_HOURS must be at least 1" in result.stderr
