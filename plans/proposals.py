"""Candidate targets read from a plan's text: every table row and clause that states a quantified aim, with its
exact quote and line, the indicator as the document names it and its catalogue match, kind, comparator, years and
values. An admin reviews them (accept, edit, reject) before a plan is published; nothing here writes.

The reading rules are those of ../shared/GUIDE.md and fixtures/README.md: a table row "name, baseline, target" is a
level (a growth-rate name makes it a rate); 翻一番/倍增 a multiple of the baseline; 年均增长 N% a growth rate;
新增/新培育/新建/新引进/累计 an amount added; 每年 an amount every year; 超过/高于全省平均 a comparison with the
province; 全覆盖 and 零突破 what they say; achievements of the past period (“十三五”末达到…, 2020年…) are baselines,
never targets. Pure: no Django, no database; `python -m plans.proposals FILE --json` prints the candidates, and
`--evaluate` measures recall and precision against the reviewed fixtures.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, replace
from decimal import Decimal
from pathlib import Path

from plans import vocabulary as v
from plans.fixture_schema import IndicatorRow, load_indicators, load_plan, plan_paths

UNITS = (
    "个百分点", "万平方米", "平方公里", "平方米", "台套", "人次", "万人", "万元", "亿元", "%", "％", "‰",
    "家", "个", "项", "件", "人", "所", "座", "台", "套", "倍", "位", "名", "篇", "支", "处", "只", "亩", "户",
)  # fmt: skip
_NUMBER = r"(\d+(?:\.\d+)?)"
_RANGE = rf"{_NUMBER}(?:\s*[—\-–~～至到]\s*{_NUMBER})?"
_UNIT = "|".join(re.escape(u) for u in UNITS)
_AMOUNT = re.compile(rf"{_RANGE}\s*({_UNIT})")
_YEAR = re.compile(r"(20[2-4]\d)\s*年")
_TO_YEAR = re.compile(r"(?:到|至|在)\s*(20[2-4]\d)\s*年")
_CLAUSE_SPLIT = re.compile(r"[，,；;。：:！!？?]")
_SENTENCE_SPLIT = re.compile(r"(?<=[。；;！!？?])")
_PAST = re.compile(r"已(?:经)?(?:达到|建成|突破)")
_COMPARED_WITH = re.compile(r"(?:比|较|相比|与)\s*20\d\d\s*年(?:末|底)?")  # "比2020年翻一番": a baseline, in a target
_LEAD = re.compile(
    r"^(?:[（(]?[一二三四五六七八九十\d]+[）)、.．]|——|[-•·])*\s*"
    r"(?:到\s*20\d\d\s*年|“十[三四五六]五”(?:期间|时期|末|期末)?|十[三四五六]五(?:期间|时期|末|期末)?|"
    r"全市|全省|我市|力争|确保|实现|使|推动|实施|开展|即|新|累计|每年|年均|五年|共|计)*"
)
_VERBS = re.compile(
    r"(达到|达|突破|超过|不低于|不少于|高于|提高到|提升到|增加到|增至|保持在|控制在|稳定在|以上|左右|翻一番|翻番|倍增|增长|"
    r"建成|打造|拥有|进入)"
)
_HEADER_WORDS = ("指标", "序号")
_BASE_WORDS = ("十三五末", "“十三五”末", "基期", "现状", "2020")
_TARGET_WORDS = ("十四五末", "“十四五”末", "目标", "2025", "十五五末", "2030")
_GROWTH_NAME = re.compile(r"年均增长|增长率|增速")
_CUMULATIVE = re.compile(
    r"新增|新培育|培育|新建|建设|组建|新引进|引进|新认定|认定|新创建|争创|创建|新落地|新布局|新获批|聘任|累计|五年"
)
_AVERAGE = re.compile(r"(超过|高于|达到|不低于)全省(?:平均)?(?:水平|增速|平均)")
_ORDINAL = re.compile(r"^\d{1,3}$")


@dataclass(frozen=True)
class Candidate:
    line: int  # 1-based, in the text given
    quote: str  # exact substring of the text, starting on `line`
    indicator: str  # as the document names it
    indicator_code: str | None  # the catalogue's match, None when there is none
    unit: str
    kind: str
    comparator: str
    baseline_year: int | None
    baseline_value: Decimal | None
    target_year: int | None
    target_value: Decimal | None
    target_value_max: Decimal | None
    section: str  # table / goals / body

    def as_json(self) -> dict[str, object]:
        data = asdict(self)
        for name in ("baseline_value", "target_value", "target_value_max"):
            value = data[name]
            data[name] = None if value is None else float(value)
        return data


def _normal(name: str) -> str:
    return re.sub(r"[\s（）()【】\[\]“”\"'‘’、，,。·\-—]|[(（][^()（）]*[)）]$", "", name)


class Catalogue:
    """Names and aliases of the indicator catalogue, matched on their normal form (no spaces, brackets, quotes)."""

    def __init__(self, rows: Iterable[IndicatorRow]) -> None:
        self.names: list[tuple[str, str]] = []
        for row in rows:
            for name in (row.name_zh, *row.aliases):
                self.names.append((_normal(name), row.code))
        self.names.sort(key=lambda item: -len(item[0]))  # longest first: 高新技术企业数量 before 企业

    def match(self, phrase: str) -> str | None:
        text = _normal(phrase)
        if not text:
            return None
        for name, code in self.names:
            if name == text:
                return code
        for name, code in self.names:
            if len(name) >= 4 and name in text:
                return code
        for name, code in self.names:
            if len(text) >= 4 and text in name:
                return code
        return None


def _decimal(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def _period_end(text: str) -> int:
    """The plan's last year: 十五五 plans aim at 2030, 十四五 plans at 2025, else the most frequent 到20XX年."""
    head = text[:2000]
    if "十五五" in head:
        return 2030
    if "十四五" in head:
        return 2025
    years = [int(year) for year in _TO_YEAR.findall(text)]
    return max(set(years), key=years.count) if years else 2025


def plan_last_year(text: str) -> int:
    """The last year the plan's text aims at (its period's end), as the candidates' target years are read."""
    return _period_end(text)


def _unit_of(name: str) -> str:
    found = re.search(r"[（(]([^()（）]+)[)）]\s*$", name)
    return found.group(1).strip() if found else ""


# ------------------------------------------------------------------------------------------------- tables


@dataclass
class _Cell:
    line: int
    text: str
    start: int = 0  # offset of the cell in its line


def _cells(line_no: int, line: str) -> list[_Cell]:
    cells, position = [], 0
    for part in line.split("\t"):
        text = part.strip()
        cells.append(_Cell(line_no, text, position + (len(part) - len(part.lstrip()))))
        position += len(part) + 1
    return cells


def _table_rows(lines: list[str]) -> Iterator[tuple[list[_Cell], list[str]]]:
    """(row cells, header cells) of every table: rows as tab-separated lines, or one cell per line after a header
    block (序号 / 指标 / 2020年 / 2025年 …, each on its own line)."""
    i = 0
    while i < len(lines):
        line = lines[i]
        words = [c.strip() for c in line.split("\t")]
        if len(words) >= 3 and any(w in "".join(words) for w in _HEADER_WORDS):
            header = words
            i += 1
            while i < len(lines) and "\t" in lines[i]:
                row = _cells(i + 1, lines[i])
                if row and _ORDINAL.match(row[0].text):
                    yield row, header
                i += 1
            continue
        if line.strip() == "序号":
            header, j = [], i
            while j < len(lines) and len(header) < 8:
                text = lines[j].strip()
                if text:
                    if _ORDINAL.match(text):
                        break
                    header.append(text)
                j += 1
            if len(header) >= 3:
                width = len(header)
                while j < len(lines):
                    cells: list[_Cell] = []
                    k = j
                    while k < len(lines) and len(cells) < width:
                        if lines[k].strip():
                            text = lines[k].strip()
                            cells.append(_Cell(k + 1, text, lines[k].find(text)))
                        k += 1
                    if len(cells) < 3 or not _ORDINAL.match(cells[0].text):
                        break
                    yield cells, header
                    j = k
                i = j
                continue
        i += 1


def _column(header: list[str], words: tuple[str, ...]) -> int | None:
    for index, name in enumerate(header):
        if any(word in name for word in words):
            return index
    return None


def _base_year(header: list[str], base_at: int | None, period_end: int) -> int:
    stated = re.search(r"(20\d\d)", header[base_at]) if base_at is not None and base_at < len(header) else None
    return int(stated.group(1)) if stated else period_end - 5


def _from_table(lines: list[str], catalogue: Catalogue, period_end: int) -> Iterator[Candidate]:
    for row, header in _table_rows(lines):
        name_at = _column(header, ("指标",)) or 1
        years = [i for i, h in enumerate(header) if re.search(r"20\d\d|[十][三四五六]五末", h)]
        base_at: int | None
        target_at: int
        if len(years) >= 2:  # "2020年 / 2025年", "2025年基期值 / 2030年目标值", "十三五末 / 十四五末"
            base_at, target_at = years[0], years[-1]
        else:
            base_at = _column(header, _BASE_WORDS)
            named = _column(header, _TARGET_WORDS[1:]) if base_at is not None else None
            if named is None or named == base_at:
                target_at = (base_at + 1) if base_at is not None else min(3, len(row) - 1)
            else:
                target_at = named
        if max(name_at, target_at) >= len(row):
            continue
        name, target_text = row[name_at].text, row[target_at].text
        found = re.match(rf"^{_RANGE}", target_text.replace(" ", ""))
        if not found:
            continue
        baseline = None
        if base_at is not None and base_at < len(row):
            base_found = re.match(rf"^{_NUMBER}", row[base_at].text)
            baseline = _decimal(base_found.group(1)) if base_found else None
        first, end_cell = row[0], row[target_at]
        block = "\n".join(lines[first.line - 1 : end_cell.line])
        end = len(block) - len(lines[end_cell.line - 1]) + end_cell.start + len(end_cell.text)
        quote = block[first.start : end]
        growth = bool(_GROWTH_NAME.search(name))
        stated = re.search(r"(20\d\d)", header[target_at]) if target_at < len(header) else None
        target_year = int(stated.group(1)) if stated else period_end
        low, high = _decimal(found.group(1)), _decimal(found.group(2))
        yield Candidate(
            line=row[0].line,
            quote=quote,
            indicator=name,
            indicator_code=catalogue.match(name),
            unit=_unit_of(name),
            kind=v.ANNUAL_GROWTH_RATE if growth else v.LEVEL,
            comparator=v.RANGE if high is not None else v.AT_LEAST,
            baseline_year=None if growth else _base_year(header, base_at, period_end),
            baseline_value=None if growth else baseline,
            target_year=target_year,
            target_value=low,
            target_value_max=high,
            section=v.TABLE,
        )


# ------------------------------------------------------------------------------------------------- prose


def _heading_section(line: str, current: str) -> str:
    text = line.strip()
    if len(text) > 40 or not text:
        return current
    if re.match(
        r"^(第[一二三四五六七八九十]+[章节]|[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)])", text
    ):
        return v.GOALS if "目标" in text else v.BODY
    return current


def _clauses(line: str) -> Iterator[tuple[int, str]]:
    """(offset, clause) of a line: sentences cut at 。；, clauses at ，：."""
    offset = 0
    for sentence in _SENTENCE_SPLIT.split(line):
        position = 0
        for clause in _CLAUSE_SPLIT.split(sentence):
            if clause.strip():
                yield offset + position + (len(clause) - len(clause.lstrip())), clause.strip()
            position += len(clause) + 1
        offset += len(sentence)


def _sentence_of(line: str, offset: int) -> str:
    start = max(line.rfind(mark, 0, offset) for mark in "。；;")
    ends = [line.find(mark, offset) for mark in "。；;"]
    end = min((e for e in ends if e != -1), default=len(line))
    return line[start + 1 : end]


def _indicator_phrase(clause: str, cut: int) -> str:
    phrase = _COMPARED_WITH.sub("", clause[:cut])
    phrase = _LEAD.sub("", phrase).strip()
    phrase = re.sub(
        r"(数量|总数|规模|总量)?(达到|突破|超过|不低于|不少于|高于|提高到|提升到|增加到|增至|保持在|控制在|稳定在|实现|年均增长|增长)$",
        "",
        phrase,
    )
    return phrase.strip(" 　的")


_NUMERALS = {12: "十二", 13: "十三", 14: "十四", 15: "十五", 16: "十六", 17: "十七"}


@dataclass(frozen=True)
class _Period:
    """The plan's period and the one before it, as the text names them: what is reviewed, what is aimed at."""

    end: int

    @property
    def number(self) -> int:
        return 14 + (self.end - 2025) // 5

    @property
    def review(self) -> re.Pattern[str]:
        before = _NUMERALS.get(self.number - 1, "")
        years = "|".join(str(y) for y in range(self.end - 14, self.end - 4))
        return re.compile(rf"{before}五|(?:{years})\s*年")

    @property
    def ahead(self) -> re.Pattern[str]:
        years = "|".join(str(y) for y in range(self.end - 4, self.end + 6))
        return re.compile(rf"(?:{years})\s*年|{_NUMERALS.get(self.number, '')}五")


_FROM_TO = re.compile(
    rf"(?:由|从)[^，,；;。]*?{_NUMBER}\s*(?:{_UNIT})?[^，,；;。]*?(?:提高到|提升到|增长到|增加到|达到|扩大到)"
)


def _prose(line_no: int, line: str, section: str, catalogue: Catalogue, period_end: int) -> Iterator[Candidate]:
    period = _Period(period_end)
    if period.review.search(_COMPARED_WITH.sub("", line)) and not period.ahead.search(line):
        return  # a paragraph reviewing the past period: its figures are baselines
    for offset, clause in _clauses(line):
        sentence = _sentence_of(line, offset)
        to_year = _TO_YEAR.search(sentence) or _TO_YEAR.search(line)
        if period.review.search(_COMPARED_WITH.sub("", clause)) or (_PAST.search(clause) and not to_year):
            continue  # the past period's achievement: a baseline, not a target
        target_year = int(to_year.group(1)) if to_year else period_end
        shaped = _shape(clause)
        aims: list[tuple[str, str, Decimal | None, Decimal | None, str, str]] = []
        if shaped is not None:
            kind, comparator, value, _upper, unit, cut = shaped
            phrase = _indicator_phrase(clause, cut)
            if phrase and len(phrase) <= 40:
                parts = [p for p in re.split(r"[、和及与]", phrase) if p]
                names = parts if len(parts) > 1 and all(catalogue.match(p) for p in parts) else [phrase]
                aims = [(kind, comparator, value, None, unit, name) for name in names]
        else:
            aims = list(_amounts(clause))
        for kind, comparator, low, high, unit, name in aims:
            yield Candidate(
                line=line_no,
                quote=clause,
                indicator=name,
                indicator_code=catalogue.match(name),
                unit=unit,
                kind=kind,
                comparator=comparator,
                baseline_year=None,
                baseline_value=None,
                target_year=target_year,
                target_value=low,
                target_value_max=high,
                section=section,
            )


def _shape(clause: str) -> tuple[str, str, Decimal | None, Decimal | None, str, int] | None:
    """(kind, comparator, value, upper value, unit, where the indicator's name ends) of a clause stating an aim."""
    if m := re.search(r"翻一番|翻番|倍增|“双倍增”|双倍增", clause):
        return v.MULTIPLE_OF_BASELINE, v.AT_LEAST, Decimal(2), None, "倍", m.start()
    if m := _AVERAGE.search(clause):
        comparator = v.MORE_THAN if m.group(1) in ("超过", "高于") else v.AT_LEAST
        return v.RELATIVE_TO_AVERAGE, comparator, None, None, "", m.start()
    if m := re.search(rf"(年均增长|年均增速|年均增幅|年均)\D{{0,6}}?{_NUMBER}\s*[%％]", clause):
        return v.ANNUAL_GROWTH_RATE, v.AT_LEAST, Decimal(m.group(2)), None, "%", m.start()
    if m := re.search(r"全覆盖", clause):
        return v.QUALITATIVE, v.AT_LEAST, Decimal(100), None, "%", m.start()
    if m := re.search(r"零突破|零的突破", clause):
        return v.LEVEL, v.AT_LEAST, Decimal(1), None, "个", m.start()
    return None


def _amounts(clause: str) -> list[tuple[str, str, Decimal, Decimal | None, str, str]]:
    """(kind, comparator, value, upper value, unit, indicator name) of every amount a clause aims at: one, or a
    list ("新培育10家技术创新示范企业、400家高新技术企业", "瞪羚企业 20 家、雏鹰企业 40 家")."""
    found = list(_AMOUNT.finditer(clause))
    if not found:
        return []
    if _FROM_TO.search(clause) and len(found) >= 2:
        found = found[-1:]  # "从 31.4% 提高到 50%": the first figure is the baseline
    first = found[0]
    lead = clause[: first.start()]
    cumulative = _CUMULATIVE.search(lead)
    per_year = re.search(r"每年|年均新增", lead)
    results = []
    for index, amount in enumerate(found):
        low, high, unit = Decimal(amount.group(1)), _decimal(amount.group(2)), amount.group(3).replace("％", "%")
        previous_end = found[index - 1].end() if index else 0
        next_start = found[index + 1].start() if index + 1 < len(found) else len(clause)
        before = clause[previous_end : amount.start()]
        after = clause[amount.end() : next_start]
        if not (_VERBS.search(before[-8:]) or _VERBS.search(after[:4]) or cumulative or per_year):
            continue
        # The name: before the amount ("高新技术企业达到 350 家"), else after it ("新培育 400 家高新技术企业").
        name = re.split(r"[、和及与]", before.strip(" 、"))[-1] if before.strip(" 、") else ""
        name = _indicator_phrase(name, len(name))
        if cumulative and index == 0:
            name = _indicator_phrase(name[cumulative.end() :] if name.startswith(cumulative.group()) else name, 99)
            name = re.sub(rf"^.*?(?:{_CUMULATIVE.pattern})", "", name) or name
        tail = re.split(r"[、，,和及与]", after.strip())[0].strip()
        if (not name or len(name) < 2) and tail:
            name = re.sub(r"^(?:以上|左右|的)", "", tail).strip()
        if not name or len(name) > 40:
            continue
        if high is not None:
            comparator = v.RANGE
        elif "左右" in after[:3]:
            comparator = v.ABOUT
        elif re.search(r"控制在|不超过|以内|以下", before[-6:] + after[:3]):
            comparator = v.AT_MOST
        else:
            comparator = v.AT_LEAST
        kind = v.PER_YEAR if per_year else v.CUMULATIVE_NEW if cumulative else v.LEVEL
        results.append((kind, comparator, low, high, unit, name))
    return results


def propose(text: str, indicators: Iterable[IndicatorRow] | None = None) -> list[Candidate]:
    """Every candidate target of a plan's text, in the order of the text."""
    catalogue = Catalogue(indicators if indicators is not None else load_indicators())
    lines = text.split("\n")
    period_end = _period_end(text)
    found = list(_from_table(lines, catalogue, period_end))
    table_lines = {c.line for c in found}
    table_spans = {n for c in found for n in range(c.line, c.line + c.quote.count("\n") + 1)}
    section = v.BODY
    for number, line in enumerate(lines, start=1):
        section = _heading_section(line, section)
        if number in table_lines or number in table_spans or "\t" in line:
            continue
        found.extend(_prose(number, line, section, catalogue, period_end))
    return sorted(found, key=lambda c: c.line)


def _offset_quote(candidate: Candidate, text: str) -> Candidate:
    """The quote is an exact substring starting on its line (clauses are cut from the line as written)."""
    return candidate if candidate.quote in text else replace(candidate, quote=candidate.quote.strip())


# ------------------------------------------------------------------------------------------------ evaluation


@dataclass(frozen=True)
class Score:
    plan: str
    targets: int
    candidates: int
    recalled: int  # reviewed targets with a candidate on their line naming the same indicator (or value)
    precise: int  # candidates matching a reviewed target so
    exact: int  # reviewed targets matched with the same kind and value too

    @property
    def recall(self) -> float:
        return self.recalled / self.targets if self.targets else 0.0

    @property
    def precision(self) -> float:
        return self.precise / self.candidates if self.candidates else 0.0


def _same(candidate: Candidate, line: int, code: str, value: Decimal | None) -> bool:
    if candidate.line != line:
        return False
    if candidate.indicator_code is not None:
        return candidate.indicator_code == code
    return value is not None and candidate.target_value == value


def evaluate_fixtures() -> list[Score]:
    indicators = load_indicators()
    codes = {row.code for row in indicators}
    scores = []
    for path in plan_paths():
        plan = load_plan(path, codes)
        candidates = propose(plan.text, indicators)
        recalled = precise = exact = 0
        for t in plan.targets:
            matches = [c for c in candidates if _same(c, t.line, t.indicator, t.target_value)]
            if matches:
                recalled += 1
                if any(c.kind == t.kind and c.target_value == t.target_value for c in matches):
                    exact += 1
        for c in candidates:
            if any(_same(c, t.line, t.indicator, t.target_value) for t in plan.targets):
                precise += 1
        scores.append(Score(plan.slug, len(plan.targets), len(candidates), recalled, precise, exact))
    return scores


def report(scores: list[Score]) -> str:
    rows = [
        "| plan | targets | candidates | recalled | recall | precise | precision | kind and value too |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    total = Score("all five", *(sum(getattr(s, f) for s in scores) for f in ("targets", "candidates", "recalled",
                                                                             "precise", "exact")))  # fmt: skip
    for s in [*scores, total]:
        rows.append(
            f"| {s.plan} | {s.targets} | {s.candidates} | {s.recalled} | {s.recall:.1%} | {s.precise} | "
            f"{s.precision:.1%} | {s.exact} ({s.exact / s.targets if s.targets else 0:.1%}) |"
        )
    return "\n".join(rows)


def main(argv: list[str]) -> int:
    if argv[:1] == ["--evaluate"]:
        print(report(evaluate_fixtures()))
        return 0
    if not argv:
        print("usage: python -m plans.proposals FILE [--json] | --evaluate", file=sys.stderr)
        return 2
    text = Path(argv[0]).read_text(encoding="utf-8")
    candidates = [_offset_quote(c, text) for c in propose(text)]
    if "--json" in argv:
        print(json.dumps([c.as_json() for c in candidates], ensure_ascii=False, indent=1))
    else:
        for c in candidates:
            print(f"{c.line:5d} {c.section:6} {c.kind:22} {c.comparator:6} {c.target_value} {c.unit} "
                  f"{c.indicator} [{c.indicator_code}]")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
