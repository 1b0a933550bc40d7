from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

admin.site.site_header = "信用平台 · 配置管理"
admin.site.site_title = "信用平台配置管理"
admin.site.index_title = "配置管理"
admin.site.site_url = "/workspace/"

api_v1: list[URLPattern | URLResolver] = [
    # Each app contributes its endpoints here as it grows.
    path("", include("xinyong.orgs.api")),
    path("", include("xinyong.subjects.api")),
    path("", include("xinyong.catalog.api")),
    path("", include("xinyong.collection.api")),
    path("", include("xinyong.publicity.api")),
    path("", include("xinyong.rights.api")),
    path("", include("xinyong.sanctions.api")),
    path("", include("xinyong.commitments.api")),
    path("", include("xinyong.supervision.api")),
    path("", include("xinyong.reports.api")),
    path("", include("xinyong.finance.api")),
    path("", include("xinyong.benefits.api")),
    path("", include("xinyong.integrity.api")),
    path("", include("xinyong.personnel.api")),
    path("", include("xinyong.ledger.api")),
    path("", include("xinyong.exchange.api")),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file: the CSP forbids
    # inline scripts (core.middleware.SecurityHeadersMiddleware).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("workspace/collection/", include("xinyong.collection.urls")),
    path("workspace/sanctions/", include("xinyong.sanctions.urls")),
    path("workspace/supervision/", include("xinyong.supervision.urls")),
    path("credit/", include("xinyong.sanctions.public_urls")),
    path("credit/", include("xinyong.publicity.urls")),
    # supervision: published 双随机 draws under credit/draws/ (supervision/public_urls.py)
    path("credit/", include("xinyong.supervision.public_urls")),
    # rights: public pages under credit/ and staff pages under workspace/rights/ (rights/urls.py)
    path("", include("xinyong.rights.urls")),
    # commitments: public pages under credit/commitments/, staff under workspace/commitments/
    path("", include("xinyong.commitments.urls")),
    path("", include("xinyong.reports.urls")),
    path("", include("xinyong.finance.urls")),
    path("", include("xinyong.benefits.urls")),
    path("", include("xinyong.integrity.urls")),
    path("", include("xinyong.personnel.urls")),
    path("", include("xinyong.ledger.urls")),
    path("", include("xinyong.exchange.urls")),
    # orgs: API-token pages under workspace/tokens/ (orgs/urls.py)
    path("", include("xinyong.orgs.urls")),
    path("", include("xinyong.web.urls")),
]

# Chinese error pages; the 500 page renders even when the database is down.
handler400 = "xinyong.web.views.error_400"
handler403 = "xinyong.web.views.error_403"
handler404 = "xinyong.web.views.error_404"
handler500 = "xinyong.web.views.error_500"
