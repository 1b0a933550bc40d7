"""REST endpoints of supervision, included into /api/v1/. Grading and draws each add
their patterns here."""

from django.urls import URLPattern, URLResolver

from . import api_draws, api_grades

urlpatterns: list[URLPattern | URLResolver] = [
    *api_grades.urlpatterns,
    *api_draws.urlpatterns,
]
