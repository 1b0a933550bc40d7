"""Workspace pages of collection, mounted at /workspace/collection/."""

from django.urls import path

from . import views, views_spot_checks

app_name = "collection"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("mine/", views.my_unit, name="mine"),
    path("upload/", views.upload, name="upload"),
    path("upload/<str:token>/", views.upload_progress, name="upload-progress"),
    path("entry/", views.record_entry, name="entry"),
    path("batches/", views.batch_list, name="batches"),
    path("batches/<int:pk>/", views.batch_detail, name="batch"),
    path("batches/<int:pk>/rejected.xlsx", views.batch_rejected_xlsx, name="batch-rejected"),
    path("records/", views.record_list, name="records"),
    path("records/<int:pk>/", views.record_detail, name="record"),
    path("records/<int:pk>/withdraw/", views.record_withdraw, name="record-withdraw"),
    path("records/<int:pk>/replacement/", views.record_replacement, name="record-replacement"),
    path("units/<int:pk>/", views.unit_quality, name="unit"),
    path("warnings/<int:pk>/ack/", views.acknowledge, name="acknowledge"),
    path("report.<str:fmt>", views.report_download, name="report"),
    path("templates/", views.template_list, name="templates"),
    path("templates/<str:code>.xlsx", views.template_download, name="template"),
    # 公示信息抽查 and 瞒报整改 (2023 work plan, task 4; views_spot_checks.py)
    path("spot-checks/", views_spot_checks.check_list, name="spot-checks"),
    path("spot-checks/new/", views_spot_checks.check_new, name="spot-check-new"),
    path("spot-checks/<int:pk>/", views_spot_checks.check_detail, name="spot-check"),
    path("spot-checks/units/<int:pk>/", views_spot_checks.unit_items, name="spot-check-unit"),
    path(
        "spot-checks/items/<int:pk>/verdict/",
        views_spot_checks.item_verdict,
        name="spot-check-verdict",
    ),
    path(
        "spot-checks/items/<int:pk>/reply/", views_spot_checks.item_reply, name="spot-check-reply"
    ),
    path(
        "spot-checks/items/<int:pk>/confirm/",
        views_spot_checks.item_confirm,
        name="spot-check-confirm",
    ),
    path("suspicions/", views_spot_checks.suspicion_list, name="suspicions"),
    path("warnings/<int:pk>/explain/", views_spot_checks.warning_explain, name="warning-explain"),
    path("warnings/<int:pk>/review/", views_spot_checks.warning_review, name="warning-review"),
]
