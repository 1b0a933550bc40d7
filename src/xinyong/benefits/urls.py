"""Pages of 信易+, mounted at the site root: the portal list under /credit/benefits/,
the workspace pages under /workspace/benefits/."""

from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "benefits"

urlpatterns: list[URLPattern | URLResolver] = [
    path("credit/benefits/", views.portal_list, name="portal-list"),
    path("workspace/benefits/", views.scenario_list, name="list"),
    path("workspace/benefits/check/", views.check, name="check"),
    path("workspace/benefits/<str:code>/uses/", views.scenario_uses, name="uses"),
]
