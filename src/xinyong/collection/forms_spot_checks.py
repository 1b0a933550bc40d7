"""Forms of the spot-check pages and of the 整改 of 瞒报/漏报 suspicions. They shape the
input; `spot_checks` and `quality` make the decisions (and refuse control characters)."""

from __future__ import annotations

from django import forms

from xinyong.core.forms import TextForm

from .models import PROBLEM_KINDS, SpotCheckItem
from .spot_checks import DEFAULT_PER_UNIT, MAX_PER_UNIT, MAX_TEXT

_TEXT_ERRORS = {"required": "请填写内容。", "max_length": f"最多 {MAX_TEXT} 个字。"}


class DrawForm(TextForm):
    period = forms.CharField(
        label="抽查月份",
        max_length=10,
        widget=forms.TextInput(attrs={"type": "month"}),
        error_messages={"required": "请填写抽查月份，如 2026-10。"},
    )
    per_unit = forms.IntegerField(
        label="每单位抽查条数",
        initial=DEFAULT_PER_UNIT,
        min_value=1,
        max_value=MAX_PER_UNIT,
        help_text="单位当月公示信息少于此数的，全部抽取",
        error_messages={
            "required": "请填写每单位抽查条数。",
            "invalid": "每单位抽查条数应为整数。",
            "min_value": "每单位至少抽查 1 条。",
            "max_value": f"每单位最多抽查 {MAX_PER_UNIT} 条。",
        },
    )
    note = forms.CharField(
        label="说明",
        required=False,
        max_length=300,
        error_messages={"max_length": "说明最多 300 个字。"},
    )


class VerdictForm(TextForm):
    verdict = forms.ChoiceField(
        label="核查结论",
        choices=[
            (SpotCheckItem.Verdict.PASSED.value, "合格"),
            (SpotCheckItem.Verdict.FAILED.value, "不合格"),
        ],
        widget=forms.RadioSelect,
        error_messages={
            "required": "请选择核查结论。",
            "invalid_choice": "核查结论只能是合格或不合格。",
        },
    )
    problems = forms.MultipleChoiceField(
        label="问题类型",
        required=False,
        choices=PROBLEM_KINDS,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "问题类型“%(value)s”不在可选范围内。"},
    )
    note = forms.CharField(
        label="核查意见",
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages=_TEXT_ERRORS,
    )


class ReplyForm(TextForm):
    text = forms.CharField(
        label="整改情况",
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="说明已如何整改；信用记录本身请通过重新报送（更正）修改",
        error_messages={"required": "请填写整改情况。", "max_length": f"最多 {MAX_TEXT} 个字。"},
    )


class ReviewForm(TextForm):
    """Confirming a rectification (spot-check item or suspicion warning): accept or return."""

    decision = forms.ChoiceField(
        label="确认结果",
        choices=[("accept", "整改完成"), ("return", "退回")],
        widget=forms.RadioSelect,
        error_messages={
            "required": "请选择确认结果。",
            "invalid_choice": "确认结果只能是整改完成或退回。",
        },
    )
    reason = forms.CharField(
        label="退回理由",
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"max_length": f"最多 {MAX_TEXT} 个字。"},
    )


class ExplainForm(TextForm):
    text = forms.CharField(
        label="情况说明",
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="如文书号作废、不予处罚，或已补报所缺记录（写明补报的文书号）",
        error_messages={"required": "请填写情况说明。", "max_length": f"最多 {MAX_TEXT} 个字。"},
    )
