"""Workspace pages of sanctions, mounted at /workspace/sanctions/. Each part (lists,
measures and checks, governance) adds its own patterns here."""

from django.urls import URLPattern, URLResolver, path

from . import views_checks, views_governance, views_lists

app_name = "sanctions"

urlpatterns: list[URLPattern | URLResolver] = [
    path("lists/", views_lists.entry_list, name="list-entries"),
    path("lists/types/", views_lists.type_list, name="list-types"),
    path("lists/new/", views_lists.entry_new, name="list-entry-new"),
    path("lists/<int:pk>/", views_lists.entry_detail, name="list-entry"),
    path("lists/<int:pk>/action/", views_lists.entry_action, name="list-entry-action"),
    path("lists/<int:pk>/notice.pdf", views_lists.entry_notice, name="list-entry-notice"),
    # measures and checks (measures list, compliance, checks, feedback, statistics, cases)
    path("measures/", views_checks.measure_list, name="measures"),
    path("measures/compliance/", views_checks.compliance, name="compliance"),
    path("measures/<str:code>/", views_checks.measure_detail, name="measure"),
    path("checks/", views_checks.check_list, name="checks"),
    path("checks/new/", views_checks.check_new, name="check-new"),
    path("checks/stats/", views_checks.check_stats, name="check-stats"),
    path("checks/<int:pk>/", views_checks.check_detail, name="check"),
    path("cases/", views_checks.case_list, name="cases"),
    path("cases/<int:pk>/publish/", views_checks.case_publish, name="case-publish"),
    # governance (blacklist picture, governance cases, dishonesty events)
    path("governance/", views_governance.picture, name="governance"),
    path("governance/target/", views_governance.set_target, name="governance-target"),
    path("governance/cases/", views_governance.case_list, name="governance-cases"),
    path("governance/cases/new/", views_governance.case_new, name="governance-case-new"),
    path("governance/cases/<int:pk>/", views_governance.case_detail, name="governance-case"),
    path(
        "governance/cases/<int:pk>/action/",
        views_governance.case_action,
        name="governance-case-action",
    ),
    path(
        "governance/cases/<int:pk>/close/",
        views_governance.case_close,
        name="governance-case-close",
    ),
    path("events/", views_governance.event_list, name="events"),
    path("events/new/", views_governance.event_new, name="event-new"),
    path("events/<int:pk>/", views_governance.event_detail, name="event"),
    path("events/<int:pk>/assign/", views_governance.event_assign, name="event-assign"),
    path("events/<int:pk>/handle/", views_governance.event_handle, name="event-handle"),
    path("events/<int:pk>/publish/", views_governance.event_publish, name="event-publish"),
]
