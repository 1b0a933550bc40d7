"""Pages of 工作台账, mounted at the site root; all under /workspace/ledger/."""

from django.urls import include, path

from . import views

app_name = "ledger"

staff_urlpatterns = [
    path("", views.home, name="home"),
    path("assignments/<int:pk>/", views.assignment_detail, name="assignment"),
    path("assignments/<int:pk>/report/", views.assignment_report, name="assignment-report"),
    path("assignments/<int:pk>/supervise/", views.supervision_open, name="supervision-open"),
    path("reports/<int:pk>/review/", views.report_review, name="report-review"),
    path("review/", views.review_queue, name="review"),
    path("evidence/<int:pk>/", views.evidence_file, name="evidence"),
    path("activities/", views.activities, name="activities"),
    path("supervision/", views.supervision_list, name="supervision"),
    path("supervision/<int:pk>/", views.supervision_detail, name="supervision-item"),
    path("bulletins/", views.bulletins, name="bulletins"),
    path("bulletins/<int:pk>/", views.bulletin_detail, name="bulletin"),
    path("bulletins/<int:pk>.<str:fmt>", views.bulletin_download, name="bulletin-download"),
    path("assessment/", views.assessment, name="assessment"),
    path("dashboard/", views.dashboard_page, name="dashboard"),
    path("plans/", views.plans, name="plans"),
]

urlpatterns = [
    path("workspace/ledger/", include(staff_urlpatterns)),
]
