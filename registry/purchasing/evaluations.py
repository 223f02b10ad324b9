"""绩效评价 of purchased-service projects: the configured indicators (their weights sum to
100), scores within each indicator's scale, the weighted total and THE grade bands."""

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from flask import current_app

from registry.errors import FieldErrors, ValidationFailed
from registry.i18n import gettext as _
from registry.i18n import lazy_gettext as _l

# The grade bands (PRACTICE.md §1): 优 90–100, 良 80–89, 中 60–79, 差 below 60, on the total
# rounded to one decimal (what is shown is what decides: 89.95 shows 90.0 and is 优).
GRADE_BANDS = ((900, "excellent"), (800, "good"), (600, "fair"), (0, "poor"))
# The default indicators' names in the reader's language (config.py stores them in Chinese).
INDICATOR_LABELS = {"decision": _l("决策"), "process": _l("过程"), "output": _l("产出"),
                    "effect": _l("效益")}
EVALUATION_KINDS = {"self": _l("单位自评"), "department": _l("部门评价"),
                    "finance": _l("财政评价")}


@dataclass(frozen=True)
class Indicator:
    key: str
    name: str
    weight: int
    scale: int

    @property
    def label(self) -> str:
        return str(INDICATOR_LABELS.get(self.key, self.name))


class IndicatorsInvalid(ValidationFailed):
    """The configured indicators cannot be used (weights not summing to 100, a bad scale)."""


def check_indicators(rows: Any) -> list[Indicator]:
    """Indicators from a configuration: (key, name, weight, scale) rows, whole positive
    weights summing to exactly 100, positive scales, distinct keys."""
    try:
        found = [Indicator(str(k), str(n), w, s) for k, n, w, s in rows]
    except (TypeError, ValueError):
        raise IndicatorsInvalid(_("绩效评价指标配置格式不正确：每项应为（代码, 名称, 权重, 满分）"),
                                "indicators") from None
    if not found:
        raise IndicatorsInvalid(_("绩效评价指标不能为空"), "indicators")
    for row in found:
        for value in (row.weight, row.scale):
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise IndicatorsInvalid(_(
                    "绩效评价指标“%(name)s”的权重和满分应为正整数", name=row.label),
                    "indicators")
    if len({row.key for row in found}) != len(found):
        raise IndicatorsInvalid(_("绩效评价指标的代码不能重复"), "indicators")
    total = sum(row.weight for row in found)
    if total != 100:
        raise IndicatorsInvalid(_(
            "绩效评价指标的权重之和应为 100，当前为 %(total)s", total=total), "indicators")
    return found


def indicators() -> list[Indicator]:
    """The indicators in force (config EVALUATION_INDICATORS), checked."""
    return check_indicators(current_app.config["EVALUATION_INDICATORS"])


def grade_for(total_tenths: int) -> str:
    """THE grade of a total (in tenths of a point): the one place of the bands."""
    for floor, grade in GRADE_BANDS:
        if total_tenths >= floor:
            return grade
    return "poor"


def check_scores(raw: dict, rows: list[Indicator]) -> dict[str, int]:
    """One whole score per indicator, 0..its scale; every bad one named at its field."""
    errors = FieldErrors()
    scores: dict[str, int] = {}
    raw = raw if isinstance(raw, dict) else {}
    for row in rows:
        value = raw.get(row.key)
        field = f"score_{row.key}"
        text = "" if value is None or isinstance(value, bool) else str(value).strip()
        if not text:
            errors.add(field, _("请填写“%(name)s”的得分", name=row.label))
            continue
        if not text.isdigit() or len(text) > 6:
            errors.add(field, _("“%(name)s”的得分应为 0 到 %(scale)s 的整数",
                                name=row.label, scale=row.scale))
            continue
        if int(text) > row.scale:
            errors.add(field, _("“%(name)s”的得分 %(score)s 超出满分 %(scale)s",
                                name=row.label, score=int(text), scale=row.scale))
            continue
        scores[row.key] = int(text)
    unknown = set(raw) - {row.key for row in rows}
    if unknown:
        errors.add("scores", _("没有这些评价指标：%(keys)s",
                               keys="、".join(sorted(map(str, unknown)))[:200]))
    errors.raise_if_any()
    return scores


def total_tenths(scores: dict[str, int], rows: list[Indicator]) -> int:
    """Σ score / scale × weight, in tenths of a point, rounded half up (exact fractions)."""
    exact = sum((Fraction(scores[row.key] * row.weight, row.scale) for row in rows),
                Fraction(0))
    return int(exact * 10 + Fraction(1, 2))


def score_rows(scores: dict[str, int], rows: list[Indicator]) -> list[dict]:
    """What an evaluation stores: each indicator as configured that day, with its score."""
    return [{"key": row.key, "weight": row.weight, "scale": row.scale,
             "score": scores[row.key],
             # A configured indicator of our own has its name kept; the default ones are named
             # in the reader's language (INDICATOR_LABELS) wherever they are shown.
             **({} if row.key in INDICATOR_LABELS else {"name": row.name})}
            for row in rows]


def named(stored: list[dict]) -> list[dict]:
    """An evaluation's stored scores with each indicator's name for display."""
    return [{**row, "name": str(INDICATOR_LABELS.get(row["key"], row.get("name", row["key"])))}
            for row in stored]


def tenths_text(tenths: int | None) -> str:
    return "" if tenths is None else f"{tenths // 10}.{tenths % 10}"
