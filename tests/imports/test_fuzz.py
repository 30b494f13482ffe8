"""Fuzzing the importer with Hypothesis: real files of every format mutated (tests/mutations.py), a few hundred
cases a run. Whatever the bytes, the answer is a Preview (its errors or its values), never an exception, and a
refused file writes nothing even when its commit is forced. `make fuzz` runs thousands (bench/fuzz_import.py)."""

from __future__ import annotations

import functools
import random

import pytest
from django.contrib.auth.models import User
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from imports.service import Preview, StaleImport, build_preview, commit, save_pending
from indicators.models import ActualsImport
from tests import mutations
from tests.spreadsheets import db_state

pytestmark = pytest.mark.django_db

EXAMPLES = 200


@functools.cache
def bases() -> dict[str, bytes]:
    return {kind: build() for kind, build in mutations.BASES.items()}


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,  # the same cases every run: a failure here is reproducible by running the test again
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    kind=st.sampled_from(sorted(mutations.BASES)),
    seed=st.integers(min_value=0, max_value=2**32),
    rounds=st.integers(min_value=1, max_value=3),
)
def test_a_mutated_file_is_a_preview_or_a_refusal_and_a_refusal_writes_nothing(
    kind: str, seed: int, rounds: int, alice: User
) -> None:
    data, _names = mutations.mutate(bases()[kind], random.Random(seed), rounds)
    before = db_state()
    preview = build_preview(data, f"fuzz.{kind}", user=alice)  # raises nothing: that is the test
    assert isinstance(preview, Preview)
    assert db_state() == before
    for problem in preview.problems:
        assert problem.text_en.strip()
        assert problem.text_zh.strip()
    if preview.errors:
        assert not preview.can_commit
        if seed % 4:
            return  # the forced commit reads the file again: done for a quarter of the cases, to stay quick
        record = save_pending(preview, data, user=alice)
        with pytest.raises(StaleImport):
            commit(record, user=alice)  # forced: the file is read again and still refused
        assert db_state() == before
        assert ActualsImport.objects.get(pk=record.pk).status == ActualsImport.Status.PENDING
