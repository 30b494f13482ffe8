"""Fixtures of the import tests."""

from __future__ import annotations

from typing import Any

import pytest
from pytest_django.fixtures import SettingsWrapper

from tests.spreadsheets import store


@pytest.fixture(autouse=True)
def quick_settings(settings: SettingsWrapper, tmp_path: Any) -> None:
    """Stored imports go to a temporary folder; the personas' passwords are hashed cheaply (a real hasher costs a
    quarter of a second per persona, most of these tests' time)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def demo(db: None) -> None:
    """Demo actuals for Zhengzhou, the kind an import replaces."""
    store("410100", "rd_intensity", 2021, "2.2")
    store("410100", "rd_intensity", 2022, "2.35")
    store("410100", "hightech_firms", 2021, "5000")
    store("410100", "hightech_firms", 2023, "5300")
