"""REST endpoints of the lists (/api/v1/list-types, /api/v1/list-entries …). Thin
adapters over sanctions.lists; entries are narrowed to the caller's units, another
unit's entry answers 404, and a natural person's name and ID number are masked."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.urls import path
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from xinyong.core.errors import DomainError, NotFoundError, NotPermitted
from xinyong.core.masking import mask_name
from xinyong.orgs import permissions
from xinyong.orgs.models import Role
from xinyong.orgs.permissions import ReadOnlyForLeader
from xinyong.subjects.models import of_subject
from xinyong.subjects.selectors import log_person_reads, subject_by_code_for

from . import lists
from .models import ListEntry, ListType

PURPOSE = "接口名单管理"


def _date(value: Any, label: str, *, default: date | None = None) -> date:
    if value in (None, ""):
        if default is not None:
            return default
        raise DomainError(f"请提供{label}（YYYY-MM-DD）。")
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise DomainError(f"{label}“{value}”格式不对，应为 2026-09-29 这样的日期。") from None


def _d(value: date | None) -> str | None:
    return value.isoformat() if value else None


def type_data(lt: ListType) -> dict[str, Any]:
    return {
        "code": lt.code,
        "name": lt.name,
        "kind": lt.kind,
        "kind_label": lt.get_kind_display(),
        "field": lt.field,
        "legal_basis": lt.legal_basis,
        "designating_authority": lt.designating_authority,
        "locally_designable": lt.locally_designable,
        # The district units that may designate on this list (the credit office may too).
        "designating_units": sorted(u.name for u in lt.designating_units.all()),
        "entry_criteria": lt.entry_criteria,
        "exit_criteria": lt.exit_criteria,
        "default_duration_months": lt.default_duration_months,
        "requires_prior_notice": lt.requires_prior_notice,
        # What the workflow applies: also every serious list the district designates.
        "needs_prior_notice": lt.needs_prior_notice,
        "notice_objection_workdays": lt.notice_objection_workdays,
        "publish_before_effect": lt.publish_before_effect,
        "publicity_workdays": lt.publicity_workdays,
        "record_type": lt.record_type.code if lt.record_type_id and lt.record_type else None,
        "active": lt.active,
    }


def entry_data(entry: ListEntry, *, history: bool = False) -> dict[str, Any]:
    subject = entry.subject
    data: dict[str, Any] = {
        "id": entry.pk,
        "list_type": entry.list_type.code,
        "list_type_name": entry.list_type.name,
        "subject": {
            "id": subject.pk,
            "name": mask_name(subject.name) if subject.is_person else subject.name,
            "identifier": subject.display_identifier,
        },
        "status": entry.status,
        "status_label": entry.get_status_display(),
        "source": entry.source,
        "basis_document": entry.basis_document,
        "basis_record_id": entry.basis_record_id,
        "reasons": entry.reasons,
        "designating_unit": entry.designating_unit.name if entry.designating_unit else None,
        "designating_authority": entry.designating_authority,
        "notice_number": entry.notice_number or None,
        "notice_served_on": _d(entry.notice_served_on),
        "objection_deadline": _d(entry.objection_deadline),
        "objection_deadline_note": (
            lists.objection_deadline_text(entry) if entry.objection_deadline is None else ""
        ),
        "publicity_until": _d(entry.publicity_until),
        "publicity_until_note": (
            lists.publicity_until_text(entry) if entry.publicity_until is None else ""
        ),
        "effective_from": _d(entry.effective_from),
        "ends_on": _d(entry.ends_on),
        "removed_on": _d(entry.removed_on),
        "removal_reason": entry.removal_reason,
    }
    if history:
        data["history"] = [
            {"on": c.on.isoformat(), "from": c.from_status, "to": c.to_status, "note": c.note}
            for c in entry.changes.order_by("id")
        ]
    return data


class ListEntrySubjectSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(help_text="名称；自然人为脱敏姓名")
    identifier = serializers.CharField(help_text="代码；自然人为脱敏证件号码")


class ListEntrySerializer(serializers.Serializer):
    """A list entry as answered (`entry_data`)."""

    id = serializers.IntegerField()
    list_type = serializers.CharField()
    list_type_name = serializers.CharField()
    subject = ListEntrySubjectSerializer()
    status = serializers.ChoiceField(choices=ListEntry.Status.choices)
    status_label = serializers.CharField()
    # The metaclass takes declared fields off the class, so "source" does not clash with
    # Field.source at run time; mypy only sees the class attribute.
    source = serializers.CharField()  # type: ignore[assignment]
    basis_document = serializers.CharField()
    basis_record_id = serializers.IntegerField(allow_null=True)
    reasons = serializers.CharField()
    designating_unit = serializers.CharField(allow_null=True)
    designating_authority = serializers.CharField()
    notice_number = serializers.CharField(allow_null=True)
    notice_served_on = serializers.DateField(allow_null=True)
    objection_deadline = serializers.DateField(allow_null=True)
    objection_deadline_note = serializers.CharField(
        help_text="告知书已送达而异议截止日期落入尚未导入工作日历的年份时的说明，"
        "如“异议期截止日期待定（2027 年工作日历尚未导入）”（此时不能列入）；否则为空"
    )
    publicity_until = serializers.DateField(allow_null=True)
    publicity_until_note = serializers.CharField(
        help_text="红名单公示截止日期落入尚未导入工作日历的年份时的说明，"
        "如“公示期截止日期待定（2027 年工作日历尚未导入）”（此时保持公示中）；否则为空"
    )
    effective_from = serializers.DateField(allow_null=True)
    ends_on = serializers.DateField(allow_null=True)
    removed_on = serializers.DateField(allow_null=True)
    removal_reason = serializers.CharField()


class ListEntryDetailSerializer(ListEntrySerializer):
    """An entry with its history (`entry_data(history=True)`)."""

    # "from" is a Python keyword, so the change is declared inline.
    history = inline_serializer(
        "ListEntryChange",
        {
            "on": serializers.DateField(),
            "from": serializers.CharField(),
            "to": serializers.CharField(),
            "note": serializers.CharField(),
        },
        many=True,
    )


def _readers(request: Request) -> None:
    if permissions.role_of(request.user) not in (
        Role.CREDIT_ADMIN,
        Role.LEADER,
        Role.REPORTER,
        Role.REVIEWER,
    ):
        raise NotPermitted("您的账号无权查看名单。")


def _proposers(request: Request) -> None:
    """Refuse, before any lookup, a caller who may not propose or handle entries (banks,
    组织部门, leaders): answering 404 for an unknown code and 403 for a registered one
    told a bank whether an ID number is on the platform (DOMAIN §2: a natural person is
    found only by full ID number plus name, and a bank sees nothing unless granted)."""
    role = permissions.role_of(request.user)
    if role in (Role.CREDIT_ADMIN, Role.REPORTER, Role.REVIEWER):
        return
    if role is None:
        raise NotPermitted("请先登录，或账号已停用。")
    raise NotPermitted("只有信用办管理员或认定单位的工作人员可以办理名单条目。")


class ListTypesView(APIView):
    @extend_schema(operation_id="list_types", summary="名单类型", responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        types = (
            ListType.objects.select_related("record_type")
            .prefetch_related("designating_units")
            .order_by("kind", "code")
        )
        return Response({"count": types.count(), "results": [type_data(t) for t in types]})


class ListEntriesView(GenericAPIView):
    # Paged with the project's PageNumberPagination: the list used to stop silently at
    # 500 entries and report count=500.
    permission_classes = [ReadOnlyForLeader]
    serializer_class = ListEntrySerializer

    @extend_schema(
        operation_id="list_entries",
        summary="名单条目（按本单位权限）",
        parameters=[
            OpenApiParameter("type", str, description="名单类型代码"),
            OpenApiParameter(
                "status", str, description="proposed/publicising/listed/removed/cancelled"
            ),
            OpenApiParameter("subject", str, description="主体代码"),
            OpenApiParameter("active_on", str, description="只返回该日有效的条目（YYYY-MM-DD）"),
        ],
        responses=ListEntrySerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        _readers(request)
        qs = lists.entries_visible_to(request.user).order_by("-id")
        params = request.query_params
        if params.get("type"):
            qs = qs.filter(list_type__code=params["type"].strip())
        if params.get("status"):
            if params["status"] not in ListEntry.Status.values:
                raise DomainError(f"状态“{params['status']}”无效。")
            qs = qs.filter(status=params["status"])
        if params.get("subject"):
            subject = subject_by_code_for(request.user, params["subject"], purpose=PURPOSE)
            qs = qs.filter(of_subject(subject))
        if params.get("active_on"):
            on = _date(params["active_on"], "active_on")
            qs = qs.filter(lists.in_force_q(on))
        rows = list(self.paginate_queryset(qs) or [])
        log_person_reads({e.subject for e in rows}, reader=request.user, purpose=PURPOSE)
        return self.get_paginated_response([entry_data(e) for e in rows])

    @extend_schema(
        operation_id="list_entries_propose",
        summary="提出列入",
        request=OpenApiTypes.OBJECT,
        responses={201: ListEntryDetailSerializer},
    )
    def post(self, request: Request) -> Response:
        _proposers(request)
        data = request.data if isinstance(request.data, dict) else {}
        lt = lists.get_list_type(data.get("list_type"))
        unit = None
        if data.get("designating_unit"):
            from xinyong.orgs.models import Unit
            from xinyong.orgs.services import resolve_unit_name

            found = resolve_unit_name(str(data["designating_unit"]))
            if not isinstance(found, Unit):
                raise DomainError("认定单位应为单个单位。")
            unit = found
        entry = lists.propose_entry(
            actor=request.user,
            list_type=lt,
            subject=subject_by_code_for(request.user, data.get("subject"), purpose=PURPOSE),
            basis_document=str(data.get("basis_document") or ""),
            reasons=str(data.get("reasons") or ""),
            on=_date(data.get("on"), "拟列入日期", default=timezone.localdate()),
            designating_unit=unit,
            basis_record=lists.find_basis_record(request.user, data.get("basis_record")),
            ends_on=_date(data["ends_on"], "有效期至") if data.get("ends_on") else None,
        )
        return Response(entry_data(entry, history=True), status=201)


class ListEntryDetailView(APIView):
    @extend_schema(
        operation_id="list_entry_detail",
        summary="名单条目详情",
        responses=ListEntryDetailSerializer,
    )
    def get(self, request: Request, pk: int) -> Response:
        _readers(request)
        entry = lists.get_entry(request.user, pk)
        log_person_reads([entry.subject], reader=request.user, purpose=PURPOSE)
        return Response(entry_data(entry, history=True))


class ListEntryActionView(APIView):
    permission_classes = [ReadOnlyForLeader]

    @extend_schema(
        operation_id="list_entry_action",
        summary="名单条目办理：serve（送达告知书）/effective（列入生效）/remove（移出）/cancel（撤销）",
        request=OpenApiTypes.OBJECT,
        responses=ListEntryDetailSerializer,
    )
    def post(self, request: Request, pk: int, action: str) -> Response:
        _proposers(request)
        entry = lists.get_entry(request.user, pk)
        data = request.data if isinstance(request.data, dict) else {}
        on = _date(data.get("on"), "日期", default=timezone.localdate())
        reason = str(data.get("reason") or "")
        if action == "serve":
            entry = lists.serve_notice(actor=request.user, entry=entry, served_on=on)
        elif action == "effective":
            entry = lists.make_effective(actor=request.user, entry=entry, on=on)
        elif action == "remove":
            entry = lists.remove_entry(actor=request.user, entry=entry, on=on, reason=reason)
        elif action == "cancel":
            entry = lists.cancel_entry(actor=request.user, entry=entry, on=on, reason=reason)
        else:
            raise NotFoundError(f"不支持的操作“{action}”：可用 serve、effective、remove、cancel。")
        return Response(entry_data(entry, history=True))


class ListShareView(APIView):
    @extend_schema(
        operation_id="list_share",
        summary="本区严重失信主体名单占比（信用办、领导）",
        parameters=[OpenApiParameter("on", str, description="统计日期，默认今天")],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request: Request) -> Response:
        permissions.require(request.user, "read_all_units")
        on = _date(request.query_params.get("on"), "统计日期", default=timezone.localdate())
        return Response(lists.list_share(on))


urlpatterns = [
    path("list-types", ListTypesView.as_view(), name="list-types"),
    path("list-entries", ListEntriesView.as_view(), name="list-entries"),
    path("list-entries/<int:pk>", ListEntryDetailView.as_view(), name="list-entry"),
    path(
        "list-entries/<int:pk>/<str:action>",
        ListEntryActionView.as_view(),
        name="list-entry-action",
    ),
    path("list-share", ListShareView.as_view(), name="list-share"),
]
