"""The indicator catalogue's words, spelled once (Django-free: the fixture schema and the progress method read
them as well as the models): which direction is better, and what kind of quantity an indicator measures."""

from __future__ import annotations

from typing import Final

HIGHER: Final = "higher"
LOWER: Final = "lower"
DIRECTIONS: Final = (HIGHER, LOWER)
STOCK: Final = "stock"  # a level at a date (number of firms)
FLOW: Final = "flow"  # an amount over a year (R&D spending)
RATIO: Final = "ratio"  # a share or rate (R&D intensity)
MEASURES: Final = (STOCK, FLOW, RATIO)
# The theme an indicator belongs to (the overview groups its columns by it), in the order the groups are drawn.
INPUT: Final = "input"  # 投入: R&D and fiscal spending
ACTORS: Final = "actors"  # 主体: the firms that innovate
PLATFORMS: Final = "platforms"  # 平台: laboratories, centres, research institutions, parks, incubators
OUTPUTS: Final = "outputs"  # 成果: patents, contracts, awards, high-tech industry
TALENT: Final = "talent"  # 人才: researchers, teams, talent bases
ENVIRONMENT: Final = "environment"  # 环境: science popularisation, finance for innovation, rankings
THEMES: Final = (INPUT, ACTORS, PLATFORMS, OUTPUTS, TALENT, ENVIRONMENT)
# The stage of an actual value (数据性质): an estimate (预计值), written before the statistics appear, or the final
# statistics (统计值). A value not marked is final.
ESTIMATE: Final = "estimate"
FINAL: Final = "final"
STAGES: Final = (ESTIMATE, FINAL)
