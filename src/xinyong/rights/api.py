"""REST endpoints of rights, included into /api/v1/ (xinyong/urls.py `api_v1`).
Objections and repair each contribute their module's patterns."""

from django.urls import URLPattern, URLResolver, include, path

urlpatterns: list[URLPattern | URLResolver] = [
    path("", include("xinyong.rights.api_repair")),
    path("", include("xinyong.rights.api_objections")),
]
