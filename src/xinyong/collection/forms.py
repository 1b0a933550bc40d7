"""Forms of the collection pages. Every message is Chinese; the services make the final
decision, the forms only shape the input."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms

from xinyong.catalog.fieldspec import FieldSpec, FieldType, RecordTypeSpec
from xinyong.catalog.models import RecordType
from xinyong.orgs import permissions
from xinyong.orgs.models import Unit
from xinyong.records.models import RecordWithdrawal

from .selectors import declarable_record_types

DATE_INVALID = "日期格式不正确，请按 2026-01-31 的格式填写。"
MAX_UPLOAD_MB = 200


def _date_field(label: str, required: bool = False) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": DATE_INVALID, "required": f"请填写{label}。"},
    )


def _type_choices(qs: Any) -> list[tuple[str, str]]:
    return [(rt.code, f"{rt.name}（{rt.code}）") for rt in qs]


def writable_units(user: Any) -> Any:
    """The units the user may submit for: all for the credit office, the own unit for a
    unit's staff."""
    qs = Unit.objects.filter(active=True).order_by("sort_order", "name")
    if permissions.is_credit_admin(user):
        return qs
    unit_id = getattr(user, "unit_id", None)
    if unit_id is not None and permissions.can_write_unit_data(user, unit_id):
        return qs.filter(pk=int(unit_id))
    return qs.none()


class _UnitChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class SubmitMixin(forms.Form):
    """Record type, and for the credit office the unit and the report date."""

    record_type = forms.ChoiceField(
        label="信息类别", error_messages={"required": "请选择信息类别。"}
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        types = RecordType.objects.filter(active=True).order_by("sort_order", "code")
        self.fields["record_type"].choices = [("", "请选择"), *_type_choices(types)]  # type: ignore[attr-defined]
        self.fields["record_type"].error_messages["invalid_choice"] = "没有这个信息类别。"
        if permissions.is_credit_admin(user):
            self.fields["unit"] = _UnitChoice(
                label="报送单位",
                queryset=writable_units(user),
                empty_label="请选择",
                error_messages={"required": "请选择报送单位。", "invalid_choice": "没有这个单位。"},
            )
            self.fields["reported_on"] = _date_field("报送日期（补录历史数据时填写，默认今天）")

    def clean_record_type(self) -> RecordType:
        code = self.cleaned_data["record_type"]
        rt = RecordType.objects.filter(code=code, active=True).first()
        if rt is None:
            raise forms.ValidationError("没有这个信息类别。")
        return rt

    def target_unit(self) -> Unit | None:
        unit = self.cleaned_data.get("unit")
        if unit is not None:
            return unit  # type: ignore[no-any-return]
        return getattr(self.user, "unit", None)


class UploadForm(SubmitMixin):
    file = forms.FileField(
        label="数据文件（CSV 或 XLSX）",
        error_messages={"required": "请选择要上传的文件。", "empty": "上传的文件是空的。"},
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        name = str(upload.name or "").lower()
        if not name.endswith((".csv", ".xlsx", ".xls", ".txt")):
            raise forms.ValidationError("只能上传 CSV 或 XLSX 文件。")
        if upload.size > MAX_UPLOAD_MB * 1024 * 1024:
            raise forms.ValidationError(f"文件超过 {MAX_UPLOAD_MB} MB，请拆分后分批上传。")
        return upload


class RecordFilterForm(forms.Form):
    type = forms.ChoiceField(label="信息类别", required=False)
    unit = forms.ChoiceField(label="报送单位", required=False)
    date_from = _date_field("决定日期自")
    date_to = _date_field("决定日期至")
    late = forms.BooleanField(label="仅看迟报", required=False)
    q = forms.CharField(label="相对人名称或文书号", required=False, max_length=100)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        types = RecordType.objects.order_by("sort_order", "code")
        self.fields["type"].choices = [("", "全部"), *_type_choices(types)]  # type: ignore[attr-defined]
        self.fields["type"].error_messages["invalid_choice"] = "没有这个信息类别。"
        ids = permissions.readable_unit_ids(user)
        units = Unit.objects.order_by("sort_order", "name")
        if ids is not None:
            units = units.filter(pk__in=sorted(ids))
        self.fields["unit"].choices = [("", "全部"), *[(str(u.pk), u.name) for u in units]]  # type: ignore[attr-defined]
        self.fields["unit"].error_messages["invalid_choice"] = (
            "没有这个单位，或无权查看该单位的数据。"
        )
        self.fields["q"].error_messages["max_length"] = "查询内容不能超过 100 个字。"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError("起始日期不能晚于截止日期。")
        return data


class DeclarationForm(forms.Form):
    record_type = forms.ChoiceField(
        label="信息类别", error_messages={"required": "请选择信息类别。"}
    )
    period = forms.CharField(
        label="月份",
        max_length=10,
        widget=forms.TextInput(attrs={"type": "month"}),
        error_messages={"required": "请填写月份，如 2026-10。"},
    )
    count = forms.IntegerField(
        label="本月作出决定数",
        min_value=0,
        max_value=1_000_000,
        error_messages={
            "required": "请填写决定数。",
            "invalid": "决定数应为整数。",
            "min_value": "决定数不能小于 0。",
            "max_value": "决定数过大，请核对。",
        },
    )
    note = forms.CharField(label="说明", required=False, max_length=300)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = _type_choices(declarable_record_types())
        self.fields["record_type"].choices = [("", "请选择"), *choices]  # type: ignore[attr-defined]
        self.fields["record_type"].error_messages["invalid_choice"] = (
            "该信息类别无需申报月度决定数。"
        )
        self.fields["note"].error_messages["max_length"] = "说明不能超过 300 个字。"

    def clean_record_type(self) -> RecordType:
        rt = declarable_record_types().filter(code=self.cleaned_data["record_type"]).first()
        if rt is None:
            raise forms.ValidationError("该信息类别无需申报月度决定数。")
        return rt


class PeriodForm(forms.Form):
    period = forms.CharField(
        label="月份", required=False, max_length=10, widget=forms.TextInput(attrs={"type": "month"})
    )


# ------------------------------------------------------------------ single-record form


def _widget(spec: FieldSpec) -> forms.Field:
    label = spec.label
    help_text = f"{spec.code}" + (f"；{spec.description}" if spec.description else "")
    if spec.unit:
        help_text += f"；单位：{spec.unit}"
    common: dict[str, Any] = {"label": label, "required": spec.required, "help_text": help_text}
    if spec.type == FieldType.ENUM:
        return forms.ChoiceField(
            choices=[("", "请选择"), *[(v, v) for v in spec.enum]],
            error_messages={
                "invalid_choice": f"{label}只能选择：{'、'.join(spec.enum)}。",
                "required": f"请选择{label}。",
            },
            **common,
        )
    if spec.type == FieldType.MULTI_ENUM:
        return forms.MultipleChoiceField(
            choices=[(v, v) for v in spec.enum],
            widget=forms.CheckboxSelectMultiple,
            error_messages={
                "invalid_choice": f"{label}只能选择：{'、'.join(spec.enum)}。",
                "required": f"请选择{label}。",
            },
            **common,
        )
    if spec.type == FieldType.DATE:
        # Kept as text: the pipeline normalises dates and reports errors in its own words.
        return forms.CharField(
            widget=forms.DateInput(attrs={"type": "date"}),
            error_messages={"required": f"请填写{label}。"},
            **common,
        )
    max_length = spec.max_length or 2000
    widget: Any = forms.Textarea(attrs={"rows": 3}) if max_length > 300 else forms.TextInput()
    return forms.CharField(
        max_length=max_length,
        widget=widget,
        error_messages={
            "required": f"请填写{label}。",
            "max_length": f"{label}不能超过 {max_length} 个字。",
        },
        **common,
    )


class RecordEntryForm(forms.Form):
    """A form generated from a record type's field specs; its row goes through the same
    pipeline as a file (`ingest_rows`), whose row errors are put next to the fields."""

    def __init__(self, *args: Any, spec: RecordTypeSpec, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.spec = spec
        for field in spec.fields:
            self.fields[field.code] = _widget(field)

    def row(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for field in self.spec.fields:
            value = self.cleaned_data.get(field.code)
            if isinstance(value, list):
                value = "；".join(value)
            if value not in (None, ""):
                out[field.code] = value
        return out

    def add_row_errors(self, errors: Any) -> list[str]:
        """Attach pipeline errors to their fields; return those without a field."""
        loose = []
        by_header = {}
        for field in self.spec.fields:
            for name in field.header_names:
                by_header[name] = field.code
        for error in errors:
            code = by_header.get(str(getattr(error, "column", "") or ""))
            message = str(getattr(error, "message", error))
            if code and code in self.fields:
                self.add_error(code, message)
            else:
                loose.append(message)
        return loose


def month_value(today: date) -> str:
    return f"{today:%Y-%m}"


class WithdrawalForm(forms.Form):
    """A unit withdraws one of its records: 撤销/撤回 when the decision was changed or
    revoked (行政处罚法 art. 48 for penalties), or 录入错误作废 when the record was keyed
    wrongly (e.g. a typo in the 文书号) and no decision was changed. The service decides;
    the form only asks for what the chosen kind needs."""

    kind = forms.ChoiceField(
        label="撤回类型",
        required=False,
        choices=RecordWithdrawal.Kind.choices,
        initial=RecordWithdrawal.Kind.REVOCATION,
        widget=forms.RadioSelect,
        help_text="决定被依法变更、撤销、确认违法或无效的，选“撤销/撤回”（向社会公开说明理由）；"
        "记录录入有误（如文书号打错）而决定本身未变的，选“录入错误作废”（不对外公告）。",
        error_messages={"invalid_choice": "请选择撤回类型：“撤销/撤回”或“录入错误作废”。"},
    )
    revoked_on = _date_field("变更或撤销决定日期")
    basis_document = forms.CharField(
        label="依据文书号",
        required=False,
        max_length=200,
        help_text="撤销/撤回：如行政复议决定书、判决书或本机关撤销决定的文号",
        error_messages={"max_length": "依据文书号最多 200 字。"},
    )
    replacement_document = forms.CharField(
        label="正确记录的文书号",
        required=False,
        max_length=200,
        help_text="录入错误作废：正确记录的决定文书号（已报送的将自动关联）",
        error_messages={"max_length": "正确记录的文书号最多 200 字。"},
    )
    reason = forms.CharField(
        label="理由",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="撤销/撤回：撤回理由，向社会公开说明；录入错误作废：作废原因，如“文书号录入错误”",
        error_messages={"max_length": "理由最多 2000 字。"},
    )

    def __init__(self, *args: Any, record: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.record = record

    def _needs_revocation_date(self) -> bool:
        # 行政处罚法 art. 48's deadline runs from it; without the record, ask as for one.
        from xinyong.records.services import is_penalty

        return self.record is None or is_penalty(self.record)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        Kind = RecordWithdrawal.Kind
        if "kind" in self.errors:
            return data
        kind = data.get("kind") or Kind.REVOCATION
        data["kind"] = kind
        reason = str(data.get("reason") or "").strip()
        if kind == Kind.KEYING_ERROR:
            if not reason and "reason" not in self.errors:
                self.add_error("reason", "请填写作废理由（如：文书号录入错误）。")
            if data.get("revoked_on") or "revoked_on" in self.errors:
                self.errors.pop("revoked_on", None)
                self.add_error(
                    "revoked_on",
                    "录入错误作废不填写变更或撤销决定日期：决定本身并未被变更或撤销。"
                    "如原决定已被变更或撤销，请选择“撤销/撤回”。",
                )
            if str(data.get("basis_document") or "").strip():
                self.add_error(
                    "basis_document",
                    "录入错误作废不填写依据文书号；正确记录的文书号请填写在“正确记录的文书号”中。",
                )
        else:
            if not reason and "reason" not in self.errors:
                self.add_error("reason", "请填写撤回理由。")
            if (
                data.get("revoked_on") is None
                and "revoked_on" not in self.errors
                and self._needs_revocation_date()
            ):
                self.add_error("revoked_on", "请填写变更或撤销决定日期。")
            if str(data.get("replacement_document") or "").strip():
                self.add_error(
                    "replacement_document", "只有“录入错误作废”可以填写正确记录的文书号。"
                )
        return data
