"""Public portal pages of sanctions, mounted at /credit/ (no login). Each part adds its
own patterns here (e.g. governance: events/)."""

from django.urls import URLPattern, URLResolver, path

from . import public_lists, views_checks, views_governance, views_lists

app_name = "sanctions_public"

urlpatterns: list[URLPattern | URLResolver] = [
    path("lists/red/", views_lists.public_red_list, name="red-list"),
    path("lists/dishonest/", public_lists.public_punishment_lists, name="punishment-lists"),
    path("events/", views_governance.public_events, name="events"),
    path("cases/", views_checks.public_cases, name="cases"),
    path("cases/<int:pk>/", views_checks.public_case, name="case"),
]
