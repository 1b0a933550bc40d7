"""Pages of 信用报告, mounted at the site root: public pages under /credit/reports/, staff
pages under /workspace/reports/ (one namespace "reports")."""

from django.urls import URLPattern, URLResolver, include, path

from . import views

app_name = "reports"

public_urlpatterns = [
    path("", views.self_service, name="self-service"),
    path("self/<str:token>/", views.self_confirm, name="self-confirm"),
    path("download/<str:token>/", views.self_download, name="self-download"),
    path("verify/", views.verify, name="verify"),
    path("public-key.pem", views.public_key, name="public-key"),
    path("matters/", views.public_matters, name="public-matters"),
]

staff_urlpatterns = [
    path("", views.report_list, name="list"),
    path("new/", views.report_new, name="new"),
    path("<int:pk>/", views.report_detail, name="detail"),
    path("<int:pk>/download/", views.download, name="download"),
    path("matters/", views.matter_list, name="matters"),
    path("matters/<int:pk>/publish/", views.matter_publish, name="matter-publish"),
]

urlpatterns: list[URLPattern | URLResolver] = [
    path("credit/reports/", include(public_urlpatterns)),
    path("workspace/reports/", include(staff_urlpatterns)),
]
