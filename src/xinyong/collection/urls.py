"""Workspace pages of collection, mounted at /workspace/collection/."""

from django.urls import path

from . import views

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
    path("units/<int:pk>/", views.unit_quality, name="unit"),
    path("warnings/<int:pk>/ack/", views.acknowledge, name="acknowledge"),
    path("report.<str:fmt>", views.report_download, name="report"),
    path("templates/", views.template_list, name="templates"),
    path("templates/<str:code>.xlsx", views.template_download, name="template"),
]
