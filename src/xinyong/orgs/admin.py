"""Back office for units, groups, accounts and API tokens (units' and banks'). Account
changes go through `orgs.services` (one event each); tokens are issued on the workspace
token page, by the CLI or the API, which show the key once, and revoked here through the
service."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest

from xinyong.core.audit import record_event
from xinyong.core.errors import DomainError

from . import services
from .models import ApiToken, Role, Unit, UnitAlias, UnitGroup, User


class UnitAliasInline(admin.TabularInline):
    model = UnitAlias
    fk_name = "unit"
    fields = ["alias"]
    extra = 1
    verbose_name = "别名"
    verbose_name_plural = "别名（按规范化形式保存：去空格、统一括号）"


class GroupAliasInline(UnitAliasInline):
    fk_name = "group"


class _AliasNormalisingMixin:
    """Aliases are stored normalised so that lookups are exact; the change is logged as
    one event per saved unit or group."""

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is UnitAlias:
            for inline_form in formset.forms:
                if inline_form.cleaned_data.get("alias"):
                    inline_form.instance.alias = services.normalise_unit_name(
                        inline_form.cleaned_data["alias"]
                    )
        super().save_formset(request, form, formset, change)  # type: ignore[misc]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)  # type: ignore[misc]
        record_event(
            actor=request.user,
            action=f"orgs.{obj._meta.model_name}_{'change' if change else 'create'}",
            target_type=f"orgs.{obj._meta.object_name}",
            target_id=obj.pk,
            target_repr=str(obj),
            new={name: form.cleaned_data.get(name) for name in form.changed_data},
        )


@admin.register(Unit)
class UnitAdmin(_AliasNormalisingMixin, admin.ModelAdmin):
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
class UnitGroupAdmin(_AliasNormalisingMixin, admin.ModelAdmin):
    list_display = ["name", "member_count", "description"]
    search_fields = ["name", "aliases__alias"]
    filter_horizontal = ["members"]
    inlines = [GroupAliasInline]

    @admin.display(description="成员数")
    def member_count(self, obj: UnitGroup) -> int:
        return obj.members.count()


class UserCreateForm(forms.ModelForm):
    password = forms.CharField(label="初始密码", widget=forms.PasswordInput, strip=False)

    class Meta:
        model = User
        fields = ["username", "full_name", "role", "unit", "organisation", "phone"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    add_form = UserCreateForm
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

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        try:
            if not change:
                created = services.create_user(
                    actor=request.user,
                    username=form.cleaned_data["username"],
                    password=form.cleaned_data["password"],
                    role=form.cleaned_data["role"],
                    unit=form.cleaned_data.get("unit"),
                    full_name=form.cleaned_data.get("full_name", ""),
                    organisation=form.cleaned_data.get("organisation", ""),
                    phone=form.cleaned_data.get("phone", ""),
                )
                obj.pk = created.pk
                obj.__dict__.update(
                    {k: v for k, v in created.__dict__.items() if not k.startswith("_")}
                )
                return
            stored = User.objects.get(pk=obj.pk)
            changed = set(form.changed_data)
            if changed & {"role", "unit"}:
                services.set_role(actor=request.user, user=stored, role=obj.role, unit=obj.unit)
            if changed & {"full_name", "phone", "organisation"}:
                services.update_profile(
                    actor=request.user,
                    user=stored,
                    full_name=obj.full_name,
                    phone=obj.phone,
                    organisation=obj.organisation,
                )
            if "is_active" in changed:
                if obj.is_active:
                    services.reactivate(actor=request.user, user=stored)
                else:
                    services.deactivate(actor=request.user, user=stored, reason="后台停用")
        except DomainError as exc:
            messages.error(request, exc.message)

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
