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


def test_the_worst_status_follows_the_severity_of_issue_14() -> None:
    # 未实现 > 倒退 > 明显滞后 > 滞后 > 基本符合预期 > 快于预期 > 已实现 / 提前实现; 暂无数据 only when nothing is
    # judged, 未量化 only when nothing else.
    assert v.worst_status(["achieved_early", "regressing", "not_achieved"]) == "not_achieved"
    assert v.worst_status(["lagging", "regressing", "far_behind"]) == "regressing"
    assert v.worst_status(["on_schedule", "lagging", "lagging"]) == "lagging"
    assert v.worst_status(["ahead", "on_schedule", "no_data"]) == "on_schedule"
    assert v.worst_status(["achieved_early", "ahead"]) == "ahead"
    assert v.worst_status(["achieved_early", "no_data", "not_quantified"]) == "achieved_early"
    assert v.worst_status(["not_quantified", "no_data"]) == "no_data"
    assert v.worst_status(["not_quantified"]) == "not_quantified"
    assert set(v.NEEDS_ATTENTION) == set(v.NEEDS_EXPLANATION) == {"lagging", "far_behind", "regressing", "not_achieved"}
    with pytest.raises(v.UnknownWord):
        v.worst_status(["lagging", "late"])


def test_every_indicator_theme_is_a_word_of_the_vocabulary(tmp_path: pytest.TempPathFactory) -> None:
    assert Indicator.Theme.values == list(v.THEMES)
    path = tmp_path / "indicators.yaml"  # type: ignore[operator]
    path.write_text(
        "indicators:\n  - {code: x, name_zh: 甲, name_en: X, unit: 个, direction: higher, measure: stock,"
        " theme: vibes}\n",
        encoding="utf-8",
    )
    with pytest.raises(fx.FixtureError, match="theme must be one of"):
        fx.load_indicators(path)
    assert {row.theme for row in fx.load_indicators()} == set(v.THEMES)  # the catalogue: every theme used, none blank
