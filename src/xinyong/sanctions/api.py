"""REST endpoints of sanctions, included into /api/v1/. Each part (lists, checks,
governance) adds its patterns here."""

from django.urls import URLPattern, URLResolver

from . import api_checks, api_governance, api_lists

urlpatterns: list[URLPattern | URLResolver] = [
    *api_lists.urlpatterns,
    *api_checks.urlpatterns,
    *api_governance.urlpatterns,
]
