"""Back office for units, groups, accounts and API tokens (units' and banks'). Account
changes go through `orgs.services` (one event each), run while the form is validated so
that a refusal comes back as a form error; accounts are deactivated, never deleted.
Tokens are issued on the workspace token page, by the CLI or the API, which show the key
once, and revoked here through the service."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm as DjangoUserChangeForm
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from xinyong.core import identifiers
from xinyong.core.admin_forms import ServiceModelForm, ServiceSavedAdmin
from xinyong.core.audit import record_event
from xinyong.core.errors import DomainError

from . import services
from .models import ApiToken, Role, Unit, UnitAlias, UnitGroup, User


class _AliasForm(forms.ModelForm):
    """One alias row, checked in the form in which it is stored: a spelling that
    normalises onto another alias ("区 市场局" → "区市场局") is a form error naming its
    owner, as in services.add_unit_alias, not a unique-constraint error at save."""

    class Meta:
        model = UnitAlias
        fields = ["alias"]

    def clean_alias(self) -> str:
        key = services.normalise_unit_name(self.cleaned_data.get("alias", ""))
        if not key:
            raise ValidationError("别名不能为空。")
        taken = (
            UnitAlias.objects.select_related("unit", "group")
            .filter(alias=key)
            .exclude(pk=self.instance.pk)
            .first()
        )
        if taken is not None:
            raise ValidationError(f"别名“{key}”已属于“{taken.unit or taken.group}”。")
        return key


class UnitAliasInline(admin.TabularInline):
    model = UnitAlias
    form = _AliasForm
    fk_name = "unit"
    fields = ["alias"]
    extra = 1
    verbose_name = "别名"
    verbose_name_plural = "别名（按规范化形式保存：去空格、统一括号）"


class GroupAliasInline(UnitAliasInline):
    fk_name = "group"


def _aliases(obj: Unit | UnitGroup) -> list[str]:
    return sorted(obj.aliases.values_list("alias", flat=True))


class _AuditedAliasesMixin:
    """One event per saved unit or group, written once its aliases are saved too: the
    fields changed and, when the aliases changed, the aliases before and after (issue 2
    §5: every change with its old and new values)."""

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        obj = form.instance
        before = _aliases(obj) if change else []
        super().save_related(request, form, formsets, change)  # type: ignore[misc]
        after = _aliases(obj)
        old: dict[str, Any] = {}
        new: dict[str, Any] = {name: form.cleaned_data.get(name) for name in form.changed_data}
        if before != after:
            old["aliases"], new["aliases"] = before, after
        record_event(
            actor=request.user,
            action=f"orgs.{obj._meta.model_name}_{'change' if change else 'create'}",
            target_type=f"orgs.{obj._meta.object_name}",
            target_id=obj.pk,
            target_repr=str(obj),
            old=old or None,
            new=new,
        )


class _UnitForm(forms.ModelForm):
    class Meta:
        model = Unit
        fields = [
            "name",
            "short_name",
            "kind",
            "uscc",
            "parent",
            "sort_order",
            "is_credit_office",
            "active",
        ]

    def clean_uscc(self) -> str:
        # Sent to the city as CN_SLDWDM, the inspecting authority's code in draws, and
        # matched exactly against subjects' identifiers: checked (GB 32100, with the
        # audited override list) and stored normalised — half-width, upper-case.
        raw = self.cleaned_data.get("uscc", "")
        if not raw:
            return ""
        verdict = identifiers.check(raw, "uscc")
        if not verdict.valid:
            raise ValidationError(f"统一社会信用代码无效：{verdict.reason}")
        return verdict.normalised


@admin.register(Unit)
class UnitAdmin(_AuditedAliasesMixin, admin.ModelAdmin):
    form = _UnitForm
    list_display = ["sort_order", "name", "short_name", "kind", "is_credit_office", "active"]
    list_display_links = ["name"]
    list_filter = ["kind", "active", "is_credit_office"]
    search_fields = ["name", "short_name", "aliases__alias"]
    ordering = ["sort_order", "name"]
    inlines = [UnitAliasInline]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Units are referenced by accounts and records: deactivate instead.
        return False


@admin.register(UnitGroup)
class UnitGroupAdmin(_AuditedAliasesMixin, admin.ModelAdmin):
    list_display = ["name", "member_count", "description"]
    search_fields = ["name", "aliases__alias"]
    filter_horizontal = ["members"]
    inlines = [GroupAliasInline]

    @admin.display(description="成员数")
    def member_count(self, obj: UnitGroup) -> int:
        return obj.members.count()


class UserCreateForm(ServiceModelForm):
    """The account is created by services.create_user while the form is validated, so
    that a refusal (weak password, role without unit …) is a form error: nothing saved,
    nothing logged."""

    # 128: the password column's length, which Django also checks the typed text against
    # (this is a ModelForm on User) — checked here, before the account is created.
    password = forms.CharField(
        label="初始密码", widget=forms.PasswordInput, strip=False, max_length=128
    )

    class Meta:
        model = User
        fields = ["username", "full_name", "role", "unit", "organisation", "phone"]

    def save_through_service(self, data: dict[str, Any]) -> User:
        # create_user checks the username (so validate_unique need not) and the password.
        return services.create_user(
            actor=self.request_user,
            username=data["username"],
            password=data["password"],
            role=data["role"],
            unit=data.get("unit"),
            full_name=data.get("full_name", ""),
            organisation=data.get("organisation", ""),
            phone=data.get("phone", ""),
        )


class UserChangeForm(ServiceModelForm, DjangoUserChangeForm):
    """Role and unit, profile and active state are changed by their services while the
    form is validated, all or none: a refused step is a form error and undoes the steps
    before it, so the admin neither shows success nor logs a change that was not made."""

    def save_through_service(self, data: dict[str, Any]) -> None:
        changed = set(self.changed_data)
        actor = self.request_user
        stored = User.objects.get(pk=self.instance.pk)
        with transaction.atomic():
            if changed & {"role", "unit"}:
                services.set_role(
                    actor=actor, user=stored, role=data["role"], unit=data.get("unit")
                )
            if changed & {"full_name", "phone", "organisation"}:
                services.update_profile(
                    actor=actor,
                    user=stored,
                    full_name=data.get("full_name", ""),
                    phone=data.get("phone", ""),
                    organisation=data.get("organisation", ""),
                )
            if "is_active" in changed:
                if data.get("is_active"):
                    services.reactivate(actor=actor, user=stored)
                else:
                    services.deactivate(actor=actor, user=stored, reason="后台停用")


@admin.register(User)
class UserAdmin(ServiceSavedAdmin, DjangoUserAdmin):
    add_form = UserCreateForm
    form = UserChangeForm
    add_fieldsets = (
        (
            None,
            {
                "fields": (
                    "username",
                    "password",
                    "full_name",
                    "role",
                    "unit",
                    "organisation",
                    "phone",
                )
            },
        ),
    )
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("身份", {"fields": ("full_name", "phone", "organisation")}),
        ("角色与单位", {"fields": ("role", "unit", "granted_units", "is_system_account")}),
        (
            "状态",
            {"fields": ("is_active", "is_staff", "is_superuser", "last_login", "date_joined")},
        ),
    )
    readonly_fields = [
        "is_system_account",
        "last_login",
        "date_joined",
        "is_staff",
        "is_superuser",
        "granted_units",
    ]
    list_display = [
        "username",
        "full_name",
        "role",
        "unit",
        "organisation",
        "is_active",
        "is_system_account",
    ]
    list_filter = ["role", "is_active", "is_system_account", "unit__kind"]
    search_fields = ["username", "full_name", "unit__name", "organisation"]
    autocomplete_fields = ["unit"]
    ordering = ["unit__sort_order", "username"]
    actions = ["deactivate_selected"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # No service renames an account (its username is in the event log's labels).
        fixed = list(super().get_readonly_fields(request, obj))
        return ["username", *fixed] if obj is not None else fixed

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Accounts are deactivated (停用), never deleted: the event log and the read log
        # name them, and their hash chains cover the account's id (issue 2 §5).
        return False

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # Groups and permissions are not used: access follows the role (orgs.permissions).
        return None

    @admin.action(description="停用所选账号")
    def deactivate_selected(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        done = 0
        for user in queryset:
            try:
                services.deactivate(actor=request.user, user=user, reason="后台批量停用")
                done += 1
            except DomainError as exc:
                messages.error(request, f"{user.username}：{exc.message}")
        if done:
            messages.success(request, f"已停用 {done} 个账号。")


class TokenBankFilter(admin.SimpleListFilter):
    title = "银行"
    parameter_name = "bank"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(bank, bank) for bank in services.registered_banks()]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value():
            return queryset.filter(
                user__role=Role.BANK, user__organisation=self.value(), user__unit__isnull=True
            )
        return queryset


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = [
        "prefix",
        "name",
        "user",
        "holder",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter), "user__unit", TokenBankFilter]
    search_fields = [
        "prefix",
        "name",
        "user__username",
        "user__unit__name",
        "user__organisation",
    ]
    readonly_fields = [
        "user",
        "name",
        "prefix",
        "key_hash",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    actions = ["revoke_selected"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ApiToken]:
        return super().get_queryset(request).select_related("user", "user__unit")

    @admin.display(description="单位或银行")
    def holder(self, obj: ApiToken) -> str:
        user = obj.user
        if user.unit_id and user.unit:
            return user.unit.name
        return f"{user.organisation}（银行）" if user.role == Role.BANK else user.organisation

    def has_add_permission(self, request: HttpRequest) -> bool:
        # The key is shown once: issue on the workspace page /workspace/tokens/new/, with
        # `xinyong tokens issue --unit/--bank` or POST /api/v1/tokens/ (unit or bank).
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="停用所选令牌")
    def revoke_selected(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        done = 0
        for token in queryset.select_related("user"):
            try:
                services.revoke_token(actor=request.user, token=token, reason="后台停用")
                done += 1
            except DomainError as exc:
                messages.error(request, f"{token.prefix}…：{exc.message}")
        if done:
            messages.success(request, f"已停用 {done} 个令牌。")
