"""One vocabulary: the models' choices, the database constraints, the fixture schema and the method spell every
word from plans.vocabulary, and an unknown word is refused everywhere."""

from __future__ import annotations

import pytest

from indicators.models import Indicator
from plans import fixture_schema as fx
from plans import vocabulary as v
from plans.models import Target
from plans.progress import PACE_STATUSES


@pytest.mark.parametrize(
    ("choices", "words"),
    [
        (Target.Kind.values, v.KINDS),
        (Target.Comparator.values, v.COMPARATORS),
        (Target.Section.values, v.SECTIONS),
        (Target.Compares.values, v.COMPARES),
        (Target.Attribute.values, v.ATTRIBUTES),
        (Indicator.Direction.values, v.DIRECTIONS),
        (Indicator.Measure.values, v.MEASURES),
    ],
)
def test_the_models_choices_are_the_vocabulary(choices: list[str], words: tuple[str, ...]) -> None:
    assert tuple(choices) == words


def test_the_fixture_schema_reads_the_same_words() -> None:
    assert (fx.KINDS, fx.COMPARATORS, fx.SECTIONS, fx.COMPARES) == (v.KINDS, v.COMPARATORS, v.SECTIONS, v.COMPARES)
    assert (fx.DIRECTIONS, fx.MEASURES, fx.VALUELESS_KINDS) == (v.DIRECTIONS, v.MEASURES, v.VALUELESS_KINDS)


def test_every_pace_band_is_a_status_and_statuses_are_ordered_twice() -> None:
    assert set(PACE_STATUSES) <= set(v.STATUSES)
    assert sorted(v.ATTENTION_ORDER) == sorted(v.STATUSES)
    assert len(set(v.STATUSES)) == len(v.STATUSES)


def test_checked_names_the_field_and_what_is_allowed() -> None:
    assert v.checked("kind", "level", v.KINDS) == "level"
    with pytest.raises(v.UnknownWord) as raised:
        v.checked("kind", "levle", v.KINDS)
    assert "unknown kind 'levle'" in str(raised.value)
    assert "annual_growth_rate" in str(raised.value)
