"""Forms of 以奖代补 (shape only; the rules live in registry/purchasing/awards.py and
award_applications.py). A round's criteria and tiers are typed one per line."""

import re

from flask_wtf.file import MultipleFileField
from wtforms import IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from registry.errors import FieldErrors
from registry.forms import ChineseDateField, Form
from registry.i18n import gettext as _
from registry.i18n import lazy_gettext as _l
from registry.validators import parse_yuan

SEPARATORS = re.compile(r"[\s,，、|]+")
TIER_SEPARATORS = re.compile(r"[\s，、|]+")


class RoundForm(Form):
    title = StringField(_l("批次名称"), validators=[DataRequired(_l("请填写批次名称")),
                                                 Length(max=200, message=_l("不能超过 200 个字"))])
    year = IntegerField(_l("年度"), validators=[InputRequired(_l("请填写年度")), NumberRange(
        2000, 2100, message=_l("年度应在 2000 到 2100 之间"))])
    description = TextAreaField(_l("说明（申请条件、材料要求等）"), validators=[
        Length(max=5000, message=_l("不能超过 5000 个字"))])
    opens_on = ChineseDateField(_l("申请开始日期"), validators=[
        InputRequired(_l("请填写申请开始日期"))])
    closes_on = ChineseDateField(_l("申请截止日期"), validators=[
        InputRequired(_l("请填写申请截止日期"))])
    criteria = TextAreaField(_l("评分标准（每行一项：名称 权重 说明，权重之和为 100）"),
                             validators=[
        DataRequired(_l("请填写评分标准")), Length(max=10000, message=_l("内容过长"))])
    tiers = TextAreaField(_l("奖励档次（每行一档：最低分 最高分 金额（元））"), validators=[
        DataRequired(_l("请填写奖励档次")), Length(max=2000, message=_l("内容过长"))])


def criteria_rows(text: str | None) -> list[dict]:
    """'名称 权重 说明' lines as the domain's criteria (weights checked there)."""
    rows = []
    for line in (text or "").splitlines():
        parts = SEPARATORS.split(line.strip(), maxsplit=2)
        if parts == [""]:
            continue
        rows.append({"name": parts[0], "weight": parts[1] if len(parts) > 1 else None,
                     "description": parts[2] if len(parts) > 2 else ""})
    return rows


def tier_rows(text: str | None) -> list[dict]:
    """'最低分 最高分 金额（元）' lines as the domain's tiers (amounts in fen)."""
    errors = FieldErrors()
    rows = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        # ASCII commas stay: thousands in the amount (50,000); parse_yuan drops them.
        parts = TIER_SEPARATORS.split(re.sub(r"[-–—~～]", " ", line.strip()))
        if parts == [""]:
            continue
        if len(parts) != 3:
            errors.add("tiers", _("第 %(n)s 行应为：最低分 最高分 金额（元）", n=number))
            continue
        fen = errors.check(parse_yuan, parts[2], "tiers", _("第 %(n)s 行的金额", n=number),
                           allow_zero=False)
        rows.append({"min_score": parts[0], "max_score": parts[1], "amount_fen": fen})
    errors.raise_if_any()
    return rows


def round_text(data: dict) -> dict:
    """A round's criteria and tiers as the form's lines (amounts in yuan)."""
    criteria = "\n".join(" ".join(str(v) for v in (c["name"], c["weight"], c["description"]) if
                                  v != "") for c in data["criteria"])
    tiers = "\n".join(f"{t['min_score']} {t['max_score']} {t['amount_fen'] / 100:.2f}"
                      for t in data["tiers"])
    return {"criteria": criteria, "tiers": tiers}


class ApplicationForm(Form):
    title = StringField(_l("申请事项"), validators=[DataRequired(_l("请填写申请事项")),
                                                 Length(max=200, message=_l("不能超过 200 个字"))])
    description = TextAreaField(
        _l("已完成工作的说明（服务内容、受益人数、志愿服务时长等）"),
        validators=[DataRequired(_l("请填写已完成工作的说明")),
                    Length(max=5000, message=_l("不能超过 5000 个字"))])
    work_from = ChineseDateField(_l("工作开始日期"), validators=[
        InputRequired(_l("请填写工作开始日期"))])
    work_to = ChineseDateField(_l("工作结束日期"), validators=[
        InputRequired(_l("请填写工作结束日期"))])
    evidence = MultipleFileField(_l("证明材料（PDF、JPG、PNG，每个不超过 10 MB，可选多个）"))


class EvidenceForm(Form):
    evidence = MultipleFileField(_l("补充证明材料（PDF、JPG、PNG，每个不超过 10 MB）"))


class CommentForm(Form):
    comment = TextAreaField(_l("意见（退回、不予奖励须填写理由）"), validators=[
        Length(max=2000, message=_l("不能超过 2000 个字"))])


class PaymentForm(Form):
    amount = StringField(_l("拨付金额（元）"), validators=[DataRequired(_l("请填写拨付金额"))])
    paid_on = ChineseDateField(_l("拨付日期"), validators=[InputRequired(_l("请填写拨付日期"))])
    voucher_no = StringField(_l("凭证号"), validators=[DataRequired(_l("请填写凭证号")),
                                                    Length(max=50, message=_l("不能超过 50 个字"))])


class ObjectionForm(Form):
    reason = TextAreaField(_l("异议理由"), validators=[
        DataRequired(_l("请填写异议理由")), Length(max=1000, message=_l("不能超过 1000 个字"))])


class PenaltyForm(Form):
    decided_on = ChineseDateField(_l("处罚决定日期"),
                                  validators=[InputRequired(_l("请填写处罚决定日期"))])
    decision_no = StringField(_l("处罚决定书文号"), validators=[
        DataRequired(_l("请填写处罚决定书文号")), Length(max=100, message=_l("不能超过 100 个字"))])
    reason = TextAreaField(_l("处罚事由"), validators=[
        DataRequired(_l("请填写处罚事由")), Length(max=2000, message=_l("不能超过 2000 个字"))])
