"""Forms of the API-token pages (orgs/views_tokens.py). They shape the input and answer
typing mistakes in Chinese; who may issue or revoke what is decided by the services."""

from __future__ import annotations

from typing import Any

from django import forms

from xinyong.core.forms import TextForm

from . import permissions
from .models import ApiToken, Unit

KIND_UNIT = "unit"
KIND_BANK = "bank"
KIND_CHOICES = [(KIND_UNIT, "单位系统令牌"), (KIND_BANK, "银行令牌")]

# The model's column widths: ApiToken.name, User.organisation (a bank's registered name),
# and the reason the token API accepts (orgs.api.TokenRevokeSerializer).
NAME_MAX = ApiToken._meta.get_field("name").max_length or 100
BANK_MAX = 100
REASON_MAX = 200


class TokenIssueForm(TextForm):
    kind = forms.ChoiceField(
        label="令牌类型",
        choices=KIND_CHOICES,
        initial=KIND_UNIT,
        widget=forms.RadioSelect,
        error_messages={"required": "请选择令牌类型。", "invalid_choice": "令牌类型无效。"},
    )
    unit = forms.ModelChoiceField(
        label="责任单位",
        queryset=Unit.objects.none(),
        required=False,
        empty_label="请选择责任单位",
        error_messages={"invalid_choice": "所选责任单位不存在或不在您可管理的范围内。"},
    )
    bank = forms.CharField(
        label="银行名称",
        required=False,
        max_length=BANK_MAX,
        widget=forms.TextInput(attrs={"list": "registered-banks", "autocomplete": "off"}),
        help_text="须是平台上已有在用银行用户账号的银行（所属机构），空格、全角字符不影响匹配",
        error_messages={"max_length": f"银行名称不能超过 {BANK_MAX} 个字符。"},
    )
    name = forms.CharField(
        label="用途",
        max_length=NAME_MAX,
        help_text="说明令牌给哪个系统、做什么用，如“双公示数据报送”",
        error_messages={
            "required": "请填写令牌用途。",
            "max_length": f"令牌用途不能超过 {NAME_MAX} 个字符。",
        },
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The token API's scope: the credit office issues for any unit and for banks; a
        # unit's reviewer for its own unit only (orgs.api.TokenListView.post).
        self.allows_bank = permissions.is_credit_admin(user)
        units = Unit.objects.filter(active=True).order_by("sort_order", "name")
        if not self.allows_bank:
            units = units.filter(pk=user.unit_id) if user.unit_id else units.none()
            self.fields["unit"].initial = user.unit_id
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        kind = data.get("kind")
        if kind == KIND_BANK and not self.allows_bank:
            # The same refusal as issue_bank_token's, said on the form.
            self.add_error("kind", "只有信用办管理员可以签发银行令牌。")
            return data
        if kind == KIND_UNIT and data.get("unit") is None and "unit" not in self.errors:
            self.add_error("unit", "请选择责任单位。")
        if kind == KIND_BANK and not data.get("bank") and "bank" not in self.errors:
            self.add_error("bank", "请填写银行名称。")
        return data


class TokenRevokeForm(TextForm):
    reason = forms.CharField(
        label="撤销原因",
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="如“系统下线”“令牌疑似泄露”，记入操作日志",
        error_messages={
            "required": "请填写撤销原因。",
            "max_length": f"撤销原因不能超过 {REASON_MAX} 个字符。",
        },
    )


class TokenFilterForm(forms.Form):
    status = forms.ChoiceField(
        label="状态",
        required=False,
        choices=[("", "全部"), ("active", "有效"), ("revoked", "已撤销")],
        error_messages={"invalid_choice": "没有这种状态，请选择“有效”或“已撤销”。"},
    )
    kind = forms.ChoiceField(
        label="类型",
        required=False,
        choices=[("", "全部"), (KIND_UNIT, "单位系统"), (KIND_BANK, "银行")],
        error_messages={"invalid_choice": "没有这种类型，请选择“单位系统”或“银行”。"},
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A reviewer's list holds its own unit's system tokens only: nothing to filter.
        if not permissions.is_credit_admin(user):
            del self.fields["kind"]
