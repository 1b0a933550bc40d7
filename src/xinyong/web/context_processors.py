from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from . import navigation


def platform(request: HttpRequest) -> dict[str, Any]:
    return {
        "PLATFORM_NAME": settings.XINYONG_PLATFORM_NAME,
        "DISTRICT": settings.XINYONG_DISTRICT,
    }


def _missing_calendar_year() -> int | None:
    """Next year's number when it is time to load its holiday schedule and it is missing;
    the rule of when to warn lives in core.calendar."""
    # Imported here: the calendar module reads the database-backed calendar, which the
    # public pages never need.
    from xinyong.core.calendar import missing_next_year

    return missing_next_year(timezone.localdate())


def calendar_admin_url() -> str:
    for name in ("admin:core_calendaryear_changelist", "admin:index"):
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return "/admin/"


def workspace(request: HttpRequest) -> dict[str, Any]:
    """Navigation and the calendar banner for signed-in staff pages only: the public portal
    neither needs nor may see them."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    match = getattr(request, "resolver_match", None)
    return {
        "NAV_GROUPS": navigation.groups_for(user),
        "NAV_CURRENT": match.view_name if match else "",
        "CALENDAR_MISSING_YEAR": _missing_calendar_year(),
        "CALENDAR_ADMIN_URL": calendar_admin_url(),
    }
