from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

admin.site.site_header = "信用平台 · 配置管理"
admin.site.site_title = "信用平台配置管理"
admin.site.index_title = "配置管理"

api_v1: list[URLPattern | URLResolver] = [
    # Each app contributes its endpoints here as it grows.
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("", include("xinyong.web.urls")),
]
