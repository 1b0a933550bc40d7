"""Back office for the catalogue. Every save goes through catalog.services while the form
is validated (core.admin_forms), so the admin refuses exactly what the services refuse (no
legal basis, a forbidden matter, a broken field list, a changed code) and shows the
Chinese reason on the form: nothing saved, nothing logged."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from xinyong.core.admin_forms import ServiceModelForm, ServiceSavedAdmin
from xinyong.core.errors import DomainError

from . import services
from .fieldspec import FIELD_TYPE_LABELS, PARTY_KINDS, ROLES, parse_fields
from .models import ForbiddenMatter, PublicityPolicy, RecordType


class PrettyJSONField(forms.JSONField):
    """JSON edited as indented text with Chinese left readable."""

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, str):
            return value
        return json.dumps(value, ensure_ascii=False, indent=2)


class _CatalogForm(ServiceModelForm):
    def _post_clean(self) -> None:
        # The model's own validation runs inside the service, on the row it saves; here it
        # would only repeat the service's checks in Django's wording, after the save.
        pass


class _CatalogAdmin(ServiceSavedAdmin):
    """Saved by the form (`save_through_service`); items are deactivated, never deleted
    (records point to their type, types to their policy), and keep their code."""

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # The loaders find items by code (services._keep_code refuses a change).
        fixed = list(super().get_readonly_fields(request, obj))
        return ["code", *fixed] if obj is not None else fixed

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class RecordTypeForm(_CatalogForm):
    subject_types = forms.MultipleChoiceField(
        label="适用主体类型",
        choices=[(k, k) for k in PARTY_KINDS],
        widget=forms.CheckboxSelectMultiple,
    )
    legal_basis = forms.CharField(
        label="法律依据",
        required=False,  # checked by the service so that the refusal reads as the rule says
        widget=forms.Textarea(attrs={"rows": 3, "cols": 100}),
    )

    class Meta:
        model = RecordType
        fields = [
            "code",
            "name",
            "category",
            "nature",
            "sharing",
            "subject_types",
            "update_cycle",
            "coverage",
            "description",
            "legal_basis",
            "is_shuanggongshi",
            "is_shigongshi",
            "report_deadline_workdays",
            "providing_units",
            "default_policy",
            "fields",
            "active",
            "effective_from",
            "sort_order",
        ]
        field_classes = {"fields": PrettyJSONField}
        widgets = {
            "fields": forms.Textarea(
                attrs={"rows": 30, "cols": 110, "style": "font-family: monospace"}
            )
        }
        labels = {"fields": "数据项（JSON）"}
        help_texts = {
            "fields": "每个数据项一个对象：code、label、type、required / required_when、aliases、"
            "max_length、enum、unit、decimal_places、not_future、not_before、identifier_kind、role、consent 等，"
            "格式见 docs/catalog.md。不得设立宗教信仰、基因、指纹、血型、疾病和病史数据项；"
            "收入、存款、有价证券、商业保险、不动产、纳税数额数据项须在 consent 中写明如何告知"
            "不利后果并取得书面同意（《河南省社会信用条例》第四十五条）。"
        }

    def save_through_service(self, data: dict[str, Any]) -> RecordType:
        values = {name: data[name] for name in services.RECORD_TYPE_ATTRS if name in data}
        units = data.get("providing_units")
        if self.instance.pk:
            return services.update_record_type(
                actor=self.request_user, record_type=self.instance, providing_units=units, **values
            )
        return services.create_record_type(
            actor=self.request_user, providing_units=units or (), **values
        )


@admin.register(RecordType)
class RecordTypeAdmin(_CatalogAdmin):
    form = RecordTypeForm
    list_display = [
        "sort_order",
        "code",
        "name",
        "category",
        "nature",
        "is_shigongshi",
        "report_deadline_workdays",
        "default_policy",
        "version",
        "active",
    ]
    list_display_links = ["code", "name"]
    list_filter = ["category", "nature", "sharing", "is_shigongshi", "active"]
    search_fields = ["code", "name", "legal_basis"]
    filter_horizontal = ["providing_units"]
    readonly_fields = ["version", "fields_table"]
    fieldsets = [
        (None, {"fields": ["code", "name", "category", "nature", "sharing", "subject_types"]}),
        (
            "依据与公示",
            {
                "fields": [
                    "legal_basis",
                    "is_shuanggongshi",
                    "is_shigongshi",
                    "report_deadline_workdays",
                    "default_policy",
                ]
            },
        ),
        (
            "范围",
            {"fields": ["update_cycle", "coverage", "description", "providing_units"]},
        ),
        ("数据项", {"fields": ["fields_table", "fields"]}),
        ("状态", {"fields": ["active", "effective_from", "sort_order", "version"]}),
    ]

    @admin.display(description="数据项一览")
    def fields_table(self, obj: RecordType) -> SafeString | str:
        if not obj or not obj.fields:
            return "—"
        try:
            # Show a stored list even if a later rule (art. 45) refuses it; saving the
            # form runs the full check and shows the reason.
            specs = parse_fields(obj.fields, check_art45=False)
        except DomainError as exc:
            return exc.message
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    s.code,
                    s.label,
                    FIELD_TYPE_LABELS[s.type] + (f"（{s.unit}）" if s.unit else ""),
                    "必填"
                    if s.required
                    else (s.required_when.describe() if s.required_when else "选填"),
                    "、".join(s.aliases) or "—",
                    ROLES.get(s.role or "", "—"),
                )
                for s in specs
            ),
        )
        return format_html(
            "<table><thead><tr><th>代码</th><th>名称</th><th>类型</th><th>必填</th>"
            "<th>表头别名</th><th>对应公共字段</th></tr></thead><tbody>{}</tbody></table>",
            rows,
        )

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # providing_units were set by the service together with its event.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)


class PublicityPolicyForm(_CatalogForm):
    class Meta:
        model = PublicityPolicy
        fields = list(services.POLICY_ATTRS)

    def save_through_service(self, data: dict[str, Any]) -> PublicityPolicy:
        values = {name: data[name] for name in services.POLICY_ATTRS if name in data}
        if self.instance.pk:
            return services.update_publicity_policy(
                actor=self.request_user, policy=self.instance, **values
            )
        return services.create_publicity_policy(actor=self.request_user, **values)


@admin.register(PublicityPolicy)
class PublicityPolicyAdmin(_CatalogAdmin):
    form = PublicityPolicyForm
    list_display = [
        "code",
        "name",
        "severity",
        "min_months",
        "max_months",
        "counted_from",
        "effective_from",
        "effective_to",
        "sector",
        "active",
    ]
    list_filter = ["severity", "sector", "active"]
    search_fields = ["code", "name", "document", "legal_basis"]


class ForbiddenMatterForm(_CatalogForm):
    keywords_text = forms.CharField(
        label="关键词",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="每行一个，或用“、”分隔；文本中出现任一关键词即视为命中。"
        "用“+”连接的几项须在同一句中都出现（不论先后），每项可用“|”列出备选词，"
        "如 拖欠|欠缴+电费|水费。",
    )

    class Meta:
        model = ForbiddenMatter
        fields = ["code", "name", "keywords_text", "reason", "basis", "active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["keywords_text"].initial = "\n".join(self.instance.keywords or [])

    def clean_keywords_text(self) -> list[str]:
        raw = self.cleaned_data.get("keywords_text") or ""
        words = [w.strip() for w in raw.replace("、", "\n").splitlines() if w.strip()]
        if not words:
            raise ValidationError("至少填写一个关键词。")
        return words

    def save_through_service(self, data: dict[str, Any]) -> ForbiddenMatter:
        values = {name: data[name] for name in services.MATTER_ATTRS if name in data}
        values["keywords"] = data["keywords_text"]
        if self.instance.pk:
            return services.update_forbidden_matter(
                actor=self.request_user, matter=self.instance, **values
            )
        return services.create_forbidden_matter(actor=self.request_user, **values)


@admin.register(ForbiddenMatter)
class ForbiddenMatterAdmin(_CatalogAdmin):
    form = ForbiddenMatterForm
    list_display = ["code", "name", "keyword_list", "basis", "active"]
    list_filter = ["active"]
    search_fields = ["code", "name", "reason", "basis"]

    @admin.display(description="关键词")
    def keyword_list(self, obj: ForbiddenMatter) -> str:
        return "、".join(obj.keywords or [])
