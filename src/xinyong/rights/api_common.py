"""What the rights APIs (objections, repair) share: who may read, how the public is
throttled, and the collection view that is public for POST and staff-only for GET."""

from __future__ import annotations

from typing import Any

from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.throttling import UserRateThrottle

from xinyong.orgs.permissions import IsUnitStaff
from xinyong.publicity.api import ClientAddressThrottle

DATE_ERRORS: dict[str, Any] = {"invalid": "日期格式应为 YYYY-MM-DD。"}


class IsUnitStaffOrLeader(IsUnitStaff):
    message = "只有信用办、责任单位工作人员和领导可以查看异议与信用修复事项。"

    def has_permission(self, request: Any, view: Any) -> bool:
        from xinyong.orgs.permissions import is_leader

        return is_leader(request.user) or super().has_permission(request, view)


class PublicThrottle(ClientAddressThrottle):
    """Anonymous applications and look-ups are throttled against scraping and abuse."""


class PublicSubmitStaffListView(GenericAPIView):
    """POST: anyone submits (throttled); GET: staff list, scoped by the subclass."""

    def get_permissions(self) -> list[Any]:
        if self.request.method == "POST":
            return [AllowAny()]
        return [IsUnitStaffOrLeader()]

    def get_throttles(self) -> list[Any]:
        if self.request.method == "POST":
            return [PublicThrottle(), UserRateThrottle()]
        return super().get_throttles()
