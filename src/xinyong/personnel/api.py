"""REST endpoints of 人员信用档案 under /api/v1/personnel/…: opening files (purpose
required, read logged, refusal logged), keeping them (items, 容错免责, revocation),
诚信典型 nominations and selection, and the published 诚信典型 (anonymous, throttled).
Thin adapters over `services` and `selectors`."""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, URLResolver, path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import UserRateThrottle

from xinyong.core.api import validated
from xinyong.core.errors import DomainError, NotFoundError
from xinyong.core.inputs import clean_year
from xinyong.publicity.api import PublicAnonThrottle

from . import access, selectors, services
from .models import FileItem, HonourKind, Nomination, Person

_DATE_ERRORS: dict[str, Any] = {"invalid": "日期格式应为 YYYY-MM-DD。"}


class OpenSerializer(serializers.Serializer):
    id_number = serializers.CharField(label="身份证号码", max_length=40)
    purpose = serializers.CharField(label="查阅用途", max_length=200)


class FileItemInputSerializer(serializers.Serializer):
    """An item to record in a file (named apart from the 信易贷 white-list item)."""

    person = serializers.IntegerField(label="建档人员", min_value=1)
    kind = serializers.CharField(label="事项类别", max_length=20)
    title = serializers.CharField(label="事项", max_length=200, required=False, allow_blank=True)
    year = serializers.IntegerField(label="考核年度", required=False, allow_null=True)
    grade = serializers.CharField(label="考核等次", max_length=20, required=False, allow_blank=True)
    dishonesty_source = serializers.CharField(
        label="失信信息来源", max_length=20, required=False, allow_blank=True
    )
    issuer = serializers.CharField(label="作出机关", max_length=100)
    source_unit = serializers.CharField(
        label="提供单位", max_length=100, required=False, allow_blank=True
    )
    document_number = serializers.CharField(label="来源文书号", max_length=100)
    document_date = serializers.DateField(label="文书日期", error_messages=_DATE_ERRORS)
    description = serializers.CharField(
        label="内容", max_length=4000, required=False, allow_blank=True
    )


class ExemptionSerializer(serializers.Serializer):
    ground = serializers.CharField(label="免责情形", max_length=20)
    body = serializers.CharField(label="免责认定机关", max_length=100)
    document = serializers.CharField(label="免责认定文书号", max_length=100)
    decided_on = serializers.DateField(label="免责认定日期", error_messages=_DATE_ERRORS)
    reason = serializers.CharField(label="免责理由", max_length=4000)


class RevokeSerializer(serializers.Serializer):
    reason = serializers.CharField(label="撤销理由", max_length=4000)


class NominateSerializer(serializers.Serializer):
    kind = serializers.CharField(label="诚信典型类别代码", max_length=30)
    year = serializers.IntegerField(label="年度")
    deeds = serializers.CharField(label="主要事迹", max_length=4000)
    person_id_number = serializers.CharField(
        label="被推荐人身份证号码", max_length=40, required=False, allow_blank=True
    )
    person_name = serializers.CharField(
        label="被推荐人姓名", max_length=50, required=False, allow_blank=True
    )
    unit = serializers.CharField(
        label="被推荐单位", max_length=100, required=False, allow_blank=True
    )
    community = serializers.CharField(
        label="社区", max_length=100, required=False, allow_blank=True
    )


class PersonTransferSerializer(serializers.Serializer):
    """A transfer or promotion: only the fields sent change (a public servant's unit
    cannot be emptied)."""

    unit = serializers.CharField(label="所在单位", max_length=100, required=False, allow_blank=True)
    employer = serializers.CharField(
        label="执业机构/工作单位", max_length=100, required=False, allow_blank=True
    )
    post = serializers.CharField(
        label="职务/岗位", max_length=100, required=False, allow_blank=True
    )


class HonourWithdrawalSerializer(serializers.Serializer):
    reason = serializers.CharField(label="撤销理由", max_length=4000)


class NominationDecisionSerializer(serializers.Serializer):
    """The selection decision on a nomination (named apart from the objection and
    repair decisions)."""

    selected = serializers.BooleanField(label="是否评选")
    document = serializers.CharField(
        label="评选文件文号", max_length=100, required=False, allow_blank=True
    )
    note = serializers.CharField(
        label="评选意见", max_length=4000, required=False, allow_blank=True
    )


# ---------------------------------------------------------------- answers (OpenAPI)


class ExemptionOutSerializer(serializers.Serializer):
    ground = serializers.CharField()
    ground_label = serializers.CharField()
    body = serializers.CharField()
    document = serializers.CharField()
    date = serializers.DateField(allow_null=True)
    reason = serializers.CharField()


class FileItemSerializer(serializers.Serializer):
    """An item of a file as answered (selectors.item_dict)."""

    id = serializers.IntegerField()
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    title = serializers.CharField()
    year = serializers.IntegerField(allow_null=True)
    grade = serializers.CharField()
    grade_label = serializers.CharField()
    # The metaclass takes declared fields off the class, so "source" does not clash with
    # Field.source at run time; mypy only sees the class attribute.
    source = serializers.CharField()  # type: ignore[assignment]
    source_label = serializers.CharField()
    issuer = serializers.CharField()
    source_unit = serializers.CharField()
    document_number = serializers.CharField()
    document_date = serializers.DateField()
    description = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    revoked_on = serializers.DateField(allow_null=True)
    revoked_reason = serializers.CharField()
    counts_as_dishonesty = serializers.BooleanField()
    exempt = serializers.BooleanField()
    exemption = ExemptionOutSerializer(allow_null=True)
    open_objection = serializers.CharField(help_text="未办结的异议编号（无则为空）")


class ItemStatusSerializer(serializers.Serializer):
    """An item after revocation or 容错免责: its status only. The content is read on the
    file, which asks the purpose and logs the read."""

    id = serializers.IntegerField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    counts_as_dishonesty = serializers.BooleanField()


class FilePersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    category = serializers.CharField()
    category_code = serializers.CharField()
    keeper_unit = serializers.CharField()
    name = serializers.CharField()
    id_number_masked = serializers.CharField()
    unit = serializers.CharField()
    employer = serializers.CharField()
    post = serializers.CharField()
    licence_number = serializers.CharField()


class PersonFileSerializer(serializers.Serializer):
    """One person's whole file (selectors.file_view)."""

    person = FilePersonSerializer()
    summary = serializers.DictField(help_text="表彰、考核、失信、免责、撤销的计数与信用分")
    items = FileItemSerializer(many=True)


class PersonCardSerializer(serializers.Serializer):
    """The person after a change of unit or post (name and ID number masked: answering
    the change is no reading of the file)."""

    id = serializers.IntegerField()
    category = serializers.CharField()
    name = serializers.CharField(help_text="脱敏姓名")
    id_number_masked = serializers.CharField()
    unit = serializers.CharField()
    employer = serializers.CharField()
    post = serializers.CharField()


class OpenedFilesSerializer(serializers.Serializer):
    files = PersonFileSerializer(many=True)


class NominationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    year = serializers.IntegerField()
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    nominee = serializers.CharField()
    nominated_by_unit = serializers.CharField()
    nominated_on = serializers.DateField()
    deeds = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    decided_on = serializers.DateField(allow_null=True)
    decision_document = serializers.CharField()
    withdrawn_on = serializers.DateField(allow_null=True)
    withdrawal_reason = serializers.CharField()


class PublicHonourSerializer(serializers.Serializer):
    """A published 诚信典型 (selectors.present_public_honour: names masked)."""

    id = serializers.IntegerField()
    year = serializers.IntegerField()
    kind = serializers.CharField()
    nominee = serializers.CharField()
    nominated_by = serializers.CharField()
    deeds = serializers.CharField()
    decided_on = serializers.DateField(allow_null=True)
    decision_document = serializers.CharField()


def _nomination(n: Nomination) -> dict[str, Any]:
    return {
        "id": n.pk,
        "year": n.year,
        "kind": n.kind.code,
        "kind_label": n.kind.name,
        "nominee": n.nominee_label,
        "nominated_by_unit": n.nominated_by_unit.name,
        "nominated_on": n.nominated_on,
        "deeds": n.deeds,
        "status": n.status,
        "status_label": n.get_status_display(),
        "decided_on": n.decided_on,
        "decision_document": n.decision_document,
        "withdrawn_on": n.withdrawn_on,
        "withdrawal_reason": n.withdrawal_reason,
    }


def _person_card(p: Person) -> dict[str, Any]:
    return {
        "id": p.pk,
        "category": p.category.name,
        "name": p.masked_name,
        "id_number_masked": p.masked_id,
        "unit": p.unit.name if p.unit_id and p.unit else "",
        "employer": p.employer,
        "post": p.post,
    }


def _item_status(item: FileItem) -> dict[str, Any]:
    # Answering a revocation or an exemption is no reading of the file: no title, issuer,
    # document number, content or 免责 reason (those are read with a purpose, logged).
    return {
        "id": item.pk,
        "status": item.status,
        "status_label": item.get_status_display(),
        "counts_as_dishonesty": selectors.counts_as_dishonesty(item),
    }


def _nomination_for(pk: int) -> Nomination:
    n = Nomination.objects.select_related("kind", "person").filter(pk=pk).first()
    if n is None:
        raise NotFoundError("未找到该推荐。")
    return n


def _item_for(pk: int) -> FileItem:
    item = FileItem.objects.select_related("person", "person__category").filter(pk=pk).first()
    if item is None:
        raise NotFoundError("未找到该档案事项。")
    return item


class OpenFileView(GenericAPIView):
    """Open every file held under an ID number that the caller may read. The purpose is
    required; each read is logged with it; a refused attempt is logged and answered 403."""

    permission_classes = [IsAuthenticated]
    serializer_class = OpenSerializer

    @extend_schema(request=OpenSerializer, responses=OpenedFilesSerializer)
    def post(self, request: Request) -> Response:
        data = validated(OpenSerializer(data=request.data))
        files = services.open_files_by_id_number(
            reader=request.user, id_number=data["id_number"], purpose=data["purpose"]
        )
        return Response({"files": files})


class PersonFileView(GenericAPIView):
    """One person's file by its id (?purpose= required). A refusal — the caller may not
    read it, or no file has the id — is logged and answered with the same 403."""

    permission_classes = [IsAuthenticated]
    serializer_class = PersonFileSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "purpose",
                str,
                required=True,
                description="查阅用途（必填，记入查阅记录；缺少时答 400）",
            )
        ],
        responses=PersonFileSerializer,
    )
    def get(self, request: Request, pk: int) -> Response:
        purpose = request.query_params.get("purpose")
        # Refused and logged alike whether the id has a file or not (as the page does).
        person = services.readable_person(reader=request.user, pk=pk, purpose=purpose)
        return Response(services.open_file(reader=request.user, person=person, purpose=purpose))


class PersonTransferView(GenericAPIView):
    """Change a person's unit (or a practitioner's employer) and post after a transfer
    or promotion (the file's keeper; old and new values logged)."""

    permission_classes = [IsAuthenticated]
    serializer_class = PersonTransferSerializer

    @extend_schema(request=PersonTransferSerializer, responses=PersonCardSerializer)
    def post(self, request: Request, pk: int) -> Response:
        data = validated(PersonTransferSerializer(data=request.data))
        person = (
            Person.objects.select_related("category", "category__keeper_unit", "unit")
            .filter(pk=pk)
            .first()
        )
        if person is None:
            raise NotFoundError("未找到该人员信用档案。")
        person = services.change_post(
            actor=request.user,
            person=person,
            unit=data.get("unit"),
            employer=data.get("employer"),
            post=data.get("post"),
        )
        return Response(_person_card(person))


class ItemCreateView(GenericAPIView):
    """Record an item in a file (keepers only)."""

    permission_classes = [IsAuthenticated]
    serializer_class = FileItemInputSerializer

    @extend_schema(request=FileItemInputSerializer, responses={201: FileItemSerializer})
    def post(self, request: Request) -> Response:
        data = validated(FileItemInputSerializer(data=request.data))
        person = Person.objects.select_related("category").filter(pk=data.pop("person")).first()
        data["source"] = data.pop("dishonesty_source", "")
        if person is None:
            raise NotFoundError("未找到该人员信用档案。")
        item = services.add_item(actor=request.user, person=person, item=services.ItemInput(**data))
        return Response(selectors.item_dict(item), status=201)


class ItemExemptionView(GenericAPIView):
    """Record the 容错免责 decision on a dishonesty item: it stops counting."""

    permission_classes = [IsAuthenticated]
    serializer_class = ExemptionSerializer

    @extend_schema(request=ExemptionSerializer, responses=ItemStatusSerializer)
    def post(self, request: Request, pk: int) -> Response:
        data = validated(ExemptionSerializer(data=request.data))
        item = services.record_exemption(actor=request.user, item=_item_for(pk), **data)
        return Response(_item_status(item))


class ItemRevokeView(GenericAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = RevokeSerializer

    @extend_schema(request=RevokeSerializer, responses=ItemStatusSerializer)
    def post(self, request: Request, pk: int) -> Response:
        data = validated(RevokeSerializer(data=request.data))
        item = services.revoke_item(actor=request.user, item=_item_for(pk), reason=data["reason"])
        return Response(_item_status(item))


class NominationListView(GenericAPIView):
    """GET: the nominations the 诚信典型 page would show the caller. POST: nominate."""

    permission_classes = [IsAuthenticated]
    serializer_class = NominateSerializer

    @extend_schema(responses=NominationSerializer(many=True))
    def get(self, request: Request) -> Response:
        qs = selectors.nominations_visible_to(request.user, access.HONOUR_ROLES).select_related(
            "kind", "person", "person__unit", "unit"
        )
        page = self.paginate_queryset(qs.select_related("nominated_by_unit")) or []
        return self.get_paginated_response([_nomination(n) for n in page])

    @extend_schema(request=NominateSerializer, responses={201: NominationSerializer})
    def post(self, request: Request) -> Response:
        data = validated(NominateSerializer(data=request.data))
        kind = HonourKind.objects.filter(code=data.pop("kind")).first()
        if kind is None:
            codes = "、".join(HonourKind.objects.values_list("code", flat=True))
            raise DomainError(f"诚信典型类别代码无效，应为：{codes}。")
        n = services.nominate(actor=request.user, kind=kind, **data)
        return Response(_nomination(n), status=201)


class NominationDecideView(GenericAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = NominationDecisionSerializer

    @extend_schema(request=NominationDecisionSerializer, responses=NominationSerializer)
    def post(self, request: Request, pk: int) -> Response:
        data = validated(NominationDecisionSerializer(data=request.data))
        n = services.decide_nomination(actor=request.user, nomination=_nomination_for(pk), **data)
        return Response(_nomination(n))


class NominationWithdrawView(GenericAPIView):
    """The credit office withdraws a selected honour (撤销) with a reason: it leaves the
    public list at once."""

    permission_classes = [IsAuthenticated]
    serializer_class = HonourWithdrawalSerializer

    @extend_schema(request=HonourWithdrawalSerializer, responses=NominationSerializer)
    def post(self, request: Request, pk: int) -> Response:
        data = validated(HonourWithdrawalSerializer(data=request.data))
        n = services.withdraw_honour(
            actor=request.user, nomination=_nomination_for(pk), reason=data["reason"]
        )
        return Response(_nomination(n))


class PublicHonourView(GenericAPIView):
    """Published 诚信典型 (anonymous, throttled; names of persons masked); ?year=."""

    permission_classes = [AllowAny]
    throttle_classes = [PublicAnonThrottle, UserRateThrottle]
    serializer_class = PublicHonourSerializer

    @extend_schema(
        parameters=[OpenApiParameter("year", int, required=False, description="评选年度")],
        responses=PublicHonourSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        year = request.query_params.get("year")
        qs = selectors.public_honours(clean_year(year) if year else None)
        page = self.paginate_queryset(qs) or []
        return self.get_paginated_response([selectors.present_public_honour(n) for n in page])


urlpatterns: list[URLPattern | URLResolver] = [
    path("personnel/files/open/", OpenFileView.as_view(), name="personnel-open"),
    path("personnel/persons/<int:pk>/file/", PersonFileView.as_view(), name="personnel-file"),
    path(
        "personnel/persons/<int:pk>/transfer/",
        PersonTransferView.as_view(),
        name="personnel-person-transfer",
    ),
    path("personnel/items/", ItemCreateView.as_view(), name="personnel-items"),
    path(
        "personnel/items/<int:pk>/exemption/",
        ItemExemptionView.as_view(),
        name="personnel-item-exemption",
    ),
    path(
        "personnel/items/<int:pk>/revoke/", ItemRevokeView.as_view(), name="personnel-item-revoke"
    ),
    path("personnel/nominations/", NominationListView.as_view(), name="personnel-nominations"),
    path(
        "personnel/nominations/<int:pk>/decide/",
        NominationDecideView.as_view(),
        name="personnel-nomination-decide",
    ),
    path(
        "personnel/nominations/<int:pk>/withdraw/",
        NominationWithdrawView.as_view(),
        name="personnel-nomination-withdraw",
    ),
    path("personnel/honours/", PublicHonourView.as_view(), name="personnel-honours"),
]
