"""REST endpoints of blacklist governance and dishonesty events (/api/v1/governance/…).

Thin adapters over `governance` and `events`. Reads are scoped like the pages: the credit
office and leaders see everything, a unit (staff or its system token) its own cases and
events; another unit's answers 404. The public list of published handlings needs no login
and shows only masked, published text.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from xinyong.core.api import validated as _validated
from xinyong.core.errors import DomainError, NotFoundError
from xinyong.core.inputs import clean_day
from xinyong.orgs.models import Unit
from xinyong.orgs.permissions import IsCreditAdmin, ReadOnlyForLeader
from xinyong.publicity.api import ClientAddressThrottle
from xinyong.subjects.selectors import masked_repr

from . import events, governance
from .models import DishonestyEvent, GovernanceCase, ListEntry

DATE_ERRORS: dict[str, Any] = {"invalid": "日期格式应为 YYYY-MM-DD。"}


def _unit(value: Any) -> Unit:
    from xinyong.orgs.services import resolve_unit

    return resolve_unit(value)


def _on_param(request: Request) -> date | None:
    raw = str(request.query_params.get("on", "")).strip()
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise DomainError(f"日期“{raw[:20]}”无效，应为 YYYY-MM-DD。") from None
    # clean_day refuses days before 2000 (DomainError → 400): the 12-month trend counts
    # back from the day, and from 0001-03-01 that overflowed (a 500).
    return clean_day(day, "统计日期")


def _flag(request: Request, name: str) -> bool:
    return str(request.query_params.get(name, "")).strip().lower() in ("1", "true", "yes")


# ------------------------------------------------------------------ the picture


class PictureView(GenericAPIView):
    """The district's black-list picture (credit office and leaders)."""

    serializer_class = serializers.Serializer

    @extend_schema(
        parameters=[OpenApiParameter("on", OpenApiTypes.DATE, description="统计日期，默认今天")],
        responses={200: OpenApiTypes.OBJECT},
        summary="全区黑名单情况：各名单在列数、企业占比、政府机构数、近 12 个月趋势与目标",
    )
    def get(self, request: Request) -> Response:
        from xinyong.orgs import permissions

        permissions.require(request.user, "read_all_units")
        return Response(governance.blacklist_picture(on=_on_param(request)).as_dict())


class TargetSerializer(serializers.Serializer):
    year = serializers.IntegerField(label="年度", min_value=2000, max_value=2100)
    max_blacklist_share = serializers.DecimalField(
        label="黑名单企业占比上限（%）", max_digits=6, decimal_places=3, min_value=0, max_value=100
    )
    max_government_bodies_listed = serializers.IntegerField(
        label="政府机构数上限", min_value=0, default=0
    )
    note = serializers.CharField(label="说明", required=False, allow_blank=True, max_length=2000)


class TargetView(GenericAPIView):
    serializer_class = TargetSerializer
    permission_classes = [IsCreditAdmin]

    @extend_schema(summary="设定年度黑名单治理目标", responses={200: OpenApiTypes.OBJECT})
    def post(self, request: Request) -> Response:
        data = _validated(TargetSerializer(data=request.data))
        target = governance.set_target(actor=request.user, **data)
        return Response(
            {
                "year": target.year,
                "max_blacklist_share": str(target.max_blacklist_share),
                "max_government_bodies_listed": target.max_government_bodies_listed,
                "note": target.note,
            }
        )


# ------------------------------------------------------------------ governance cases


def case_dict(case: GovernanceCase, *, with_actions: bool = False) -> dict[str, Any]:
    entry = case.entry
    out: dict[str, Any] = {
        "id": case.pk,
        "entry": entry.pk,
        "list_type": entry.list_type.code,
        "list_type_name": entry.list_type.name,
        "entry_status": entry.status,
        "subject": masked_repr(entry.subject),
        "lead_unit": case.lead_unit.name,
        "plan": case.plan,
        "due_on": case.due_on.isoformat(),
        "overdue": governance.is_overdue(case),
        "status": case.status,
        "status_label": case.get_status_display(),
        "closed_on": case.closed_on.isoformat() if case.closed_on else None,
        "outcome_note": case.outcome_note,
    }
    if with_actions:
        out["actions"] = [
            {"on": a.on.isoformat(), "action": a.action, "contact": a.contact, "note": a.note}
            for a in case.actions.all()
        ]
    return out


CASE_LIST_RESPONSE = inline_serializer(
    "GovernanceCaseItem",
    {
        "id": serializers.IntegerField(),
        "entry": serializers.IntegerField(),
        "list_type": serializers.CharField(),
        "list_type_name": serializers.CharField(),
        "entry_status": serializers.CharField(),
        "subject": serializers.CharField(help_text="主体（自然人脱敏）"),
        "lead_unit": serializers.CharField(),
        "plan": serializers.CharField(),
        "due_on": serializers.DateField(),
        "overdue": serializers.BooleanField(),
        "status": serializers.CharField(),
        "status_label": serializers.CharField(),
        "closed_on": serializers.DateField(allow_null=True),
        "outcome_note": serializers.CharField(),
    },
    many=True,
)


class CaseCreateSerializer(serializers.Serializer):
    entry = serializers.IntegerField(label="名单条目编号")
    lead_unit = serializers.CharField(label="牵头单位", max_length=100)
    plan = serializers.CharField(
        label="治理方案", required=False, allow_blank=True, max_length=2000
    )
    due_on = serializers.DateField(label="完成期限", required=False, error_messages=DATE_ERRORS)
    due_workdays = serializers.IntegerField(label="工作日数", required=False)


class CaseListView(GenericAPIView):
    serializer_class = CaseCreateSerializer
    permission_classes = [IsAuthenticated, ReadOnlyForLeader]

    @extend_schema(
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR),
            OpenApiParameter("overdue", OpenApiTypes.BOOL),
        ],
        responses={200: CASE_LIST_RESPONSE},
        summary="治理案件列表（本单位牵头的；信用办、领导可见全部）",
    )
    def get(self, request: Request) -> Response:
        qs = governance.cases_for(
            request.user,
            status=str(request.query_params.get("status", "")),
            overdue=_flag(request, "overdue"),
        )
        page = self.paginate_queryset(qs)
        return self.get_paginated_response([case_dict(c) for c in page or []])

    @extend_schema(summary="为在列主体立案治理（信用办）", responses={201: OpenApiTypes.OBJECT})
    def post(self, request: Request) -> Response:
        data = _validated(CaseCreateSerializer(data=request.data))
        entry = ListEntry.objects.filter(pk=data["entry"]).first()
        if entry is None:
            raise NotFoundError(f"名单条目 {data['entry']} 不存在。")
        case = governance.open_case(
            actor=request.user,
            entry=entry,
            lead_unit=_unit(data["lead_unit"]),
            plan=data.get("plan", ""),
            due_on=data.get("due_on"),
            due_workdays=data.get("due_workdays"),
        )
        return Response(case_dict(case), status=201)


class CaseDetailView(GenericAPIView):
    serializer_class = serializers.Serializer

    @extend_schema(summary="治理案件详情（含工作记录）", responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request, case_id: int) -> Response:
        return Response(case_dict(governance.get_case(request.user, case_id), with_actions=True))


class ActionSerializer(serializers.Serializer):
    on = serializers.DateField(label="日期", error_messages=DATE_ERRORS)
    action = serializers.CharField(label="工作内容", max_length=200)
    contact = serializers.CharField(
        label="联系人/对接情况", required=False, allow_blank=True, max_length=200
    )
    note = serializers.CharField(label="进展", required=False, allow_blank=True, max_length=2000)


class CaseActionView(GenericAPIView):
    serializer_class = ActionSerializer
    permission_classes = [IsAuthenticated, ReadOnlyForLeader]

    @extend_schema(summary="记录治理工作", responses={201: OpenApiTypes.OBJECT})
    def post(self, request: Request, case_id: int) -> Response:
        case = governance.get_case(request.user, case_id)
        data = _validated(ActionSerializer(data=request.data))
        governance.record_action(actor=request.user, case=case, **data)
        return Response(case_dict(case, with_actions=True), status=201)


class CloseSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(
        label="办结结果", choices=[o.value for o in governance.CLOSING_OUTCOMES]
    )
    on = serializers.DateField(label="办结日期", error_messages=DATE_ERRORS)
    note = serializers.CharField(
        label="办结说明", required=False, allow_blank=True, max_length=2000
    )


class CaseCloseView(GenericAPIView):
    serializer_class = CloseSerializer
    permission_classes = [IsAuthenticated, ReadOnlyForLeader]

    @extend_schema(summary="办结治理案件", responses={200: OpenApiTypes.OBJECT})
    def post(self, request: Request, case_id: int) -> Response:
        case = governance.get_case(request.user, case_id)
        data = _validated(CloseSerializer(data=request.data))
        case = governance.close_case(actor=request.user, case=case, **data)
        return Response(case_dict(case))


# ------------------------------------------------------------------ dishonesty events


def event_dict(event: DishonestyEvent) -> dict[str, Any]:
    # Staff-only, yet no logged read of a person's data: texts masked as on the portal.
    texts = events.staff_texts(event)
    return {
        "id": event.pk,
        "title": texts["title"],
        "source": texts["source"],
        "subject": masked_repr(event.subject) if event.subject else None,
        "description": texts["description"],
        "detected_on": event.detected_on.isoformat(),
        "assigned_unit": event.assigned_unit.name if event.assigned_unit else None,
        "due_on": event.due_on.isoformat() if event.due_on else None,
        "due_note": events.due_text(event) if events.due_pending(event) else "",
        "overdue": events.is_overdue(event),
        "status": event.status,
        "status_label": event.get_status_display(),
        "handling": texts["handling"],
        "handled_on": event.handled_on.isoformat() if event.handled_on else None,
        "public_text": texts["public_text"],
        "published_on": event.published_on.isoformat() if event.published_on else None,
    }


EVENT_LIST_RESPONSE = inline_serializer(
    "DishonestyEventItem",
    {
        "id": serializers.IntegerField(),
        "title": serializers.CharField(),
        "source": serializers.CharField(),
        "subject": serializers.CharField(allow_null=True, help_text="主体（自然人脱敏）"),
        "description": serializers.CharField(),
        "detected_on": serializers.DateField(),
        "assigned_unit": serializers.CharField(allow_null=True),
        "due_on": serializers.DateField(allow_null=True),
        "due_note": serializers.CharField(
            help_text="处置期限落入尚未导入工作日历的年份时的说明，"
            "如“期限待定（2027 年工作日历尚未导入）”（此时 due_on 为 null，不算逾期）；否则为空"
        ),
        "overdue": serializers.BooleanField(),
        "status": serializers.CharField(),
        "status_label": serializers.CharField(),
        "handling": serializers.CharField(),
        "handled_on": serializers.DateField(allow_null=True),
        "public_text": serializers.CharField(),
        "published_on": serializers.DateField(allow_null=True),
    },
    many=True,
)


class EventCreateSerializer(serializers.Serializer):
    title = serializers.CharField(label="事件名称", max_length=200)
    source = serializers.CharField(label="监测来源", max_length=200)  # type: ignore[assignment]
    description = serializers.CharField(label="事件情况", max_length=4000)
    detected_on = serializers.DateField(label="发现日期", error_messages=DATE_ERRORS)
    subject = serializers.IntegerField(label="涉及主体编号", required=False)


class EventListView(GenericAPIView):
    serializer_class = EventCreateSerializer
    permission_classes = [IsAuthenticated, ReadOnlyForLeader]

    @extend_schema(
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR),
            OpenApiParameter("overdue", OpenApiTypes.BOOL),
        ],
        responses={200: EVENT_LIST_RESPONSE},
        summary="失信事件列表（本单位承办的；信用办、领导可见全部）",
    )
    def get(self, request: Request) -> Response:
        qs = events.events_for(
            request.user,
            status=str(request.query_params.get("status", "")),
            overdue=_flag(request, "overdue"),
        )
        page = self.paginate_queryset(qs)
        return self.get_paginated_response([event_dict(e) for e in page or []])

    @extend_schema(summary="登记失信事件（信用办）", responses={201: OpenApiTypes.OBJECT})
    def post(self, request: Request) -> Response:
        from xinyong.orgs import permissions
        from xinyong.subjects.selectors import get_subject

        permissions.require(request.user, "credit_admin")
        data = _validated(EventCreateSerializer(data=request.data))
        subject_id = data.pop("subject", None)
        subject = (
            get_subject(subject_id, reader=request.user, purpose="登记失信事件")
            if subject_id is not None
            else None
        )
        event = events.register_event(actor=request.user, subject=subject, **data)
        return Response(event_dict(event), status=201)


class EventDetailView(GenericAPIView):
    serializer_class = serializers.Serializer

    @extend_schema(summary="失信事件详情", responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request, event_id: int) -> Response:
        return Response(event_dict(events.get_event(request.user, event_id)))


class AssignSerializer(serializers.Serializer):
    unit = serializers.CharField(label="承办单位", max_length=100)
    due_on = serializers.DateField(label="处置期限", required=False, error_messages=DATE_ERRORS)


class EventAssignView(GenericAPIView):
    serializer_class = AssignSerializer
    permission_classes = [IsCreditAdmin]

    @extend_schema(summary="交办失信事件（信用办）", responses={200: OpenApiTypes.OBJECT})
    def post(self, request: Request, event_id: int) -> Response:
        event = events.get_event(request.user, event_id)
        data = _validated(AssignSerializer(data=request.data))
        event = events.assign_event(
            actor=request.user, event=event, unit=_unit(data["unit"]), due_on=data.get("due_on")
        )
        return Response(event_dict(event))


class HandlingSerializer(serializers.Serializer):
    on = serializers.DateField(label="处置日期", error_messages=DATE_ERRORS)
    handling = serializers.CharField(label="处置情况", max_length=4000)


class EventHandlingView(GenericAPIView):
    serializer_class = HandlingSerializer
    permission_classes = [IsAuthenticated, ReadOnlyForLeader]

    @extend_schema(summary="登记处置情况（承办单位）", responses={200: OpenApiTypes.OBJECT})
    def post(self, request: Request, event_id: int) -> Response:
        event = events.get_event(request.user, event_id)
        data = _validated(HandlingSerializer(data=request.data))
        event = events.record_handling(actor=request.user, event=event, **data)
        return Response(event_dict(event))


class PublishSerializer(serializers.Serializer):
    public_text = serializers.CharField(label="公布内容", max_length=4000)


class EventPublishView(GenericAPIView):
    serializer_class = PublishSerializer
    permission_classes = [IsCreditAdmin]

    @extend_schema(
        summary="公布处置情况（信用办；文本自动遮蔽）", responses={200: OpenApiTypes.OBJECT}
    )
    def post(self, request: Request, event_id: int) -> Response:
        event = events.get_event(request.user, event_id)
        data = _validated(PublishSerializer(data=request.data))
        event = events.publish_event(actor=request.user, event=event, **data)
        return Response(event_dict(event))


class PublicEventListView(GenericAPIView):
    """Published handlings, as the portal shows them (no login, throttled)."""

    serializer_class = serializers.Serializer
    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []
    throttle_classes = [ClientAddressThrottle]

    @extend_schema(
        summary="公开：失信事件处置情况（已遮蔽）",
        responses={
            200: inline_serializer(
                "PublicDishonestyEvent",
                {
                    "title": serializers.CharField(),
                    "subject": serializers.CharField(),
                    "detected_on": serializers.CharField(),
                    "unit": serializers.CharField(),
                    "handled_on": serializers.CharField(),
                    "published_on": serializers.CharField(),
                    "public_text": serializers.CharField(),
                },
                many=True,
            )
        },
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(events.published_events())
        return self.get_paginated_response([events.public_view(e) for e in page or []])


urlpatterns = [
    path("governance/picture", PictureView.as_view(), name="governance-picture"),
    path("governance/targets", TargetView.as_view(), name="governance-targets"),
    path("governance/cases", CaseListView.as_view(), name="governance-cases"),
    path("governance/cases/<int:case_id>", CaseDetailView.as_view(), name="governance-case"),
    path(
        "governance/cases/<int:case_id>/actions",
        CaseActionView.as_view(),
        name="governance-case-actions",
    ),
    path(
        "governance/cases/<int:case_id>/close",
        CaseCloseView.as_view(),
        name="governance-case-close",
    ),
    path("governance/events", EventListView.as_view(), name="governance-events"),
    path("governance/events/<int:event_id>", EventDetailView.as_view(), name="governance-event"),
    path(
        "governance/events/<int:event_id>/assign",
        EventAssignView.as_view(),
        name="governance-event-assign",
    ),
    path(
        "governance/events/<int:event_id>/handling",
        EventHandlingView.as_view(),
        name="governance-event-handling",
    ),
    path(
        "governance/events/<int:event_id>/publish",
        EventPublishView.as_view(),
        name="governance-event-publish",
    ),
    path("public/dishonesty-events", PublicEventListView.as_view(), name="public-events"),
]
