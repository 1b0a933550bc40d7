"""Pages of rights (objections and credit repair), mounted once at the site root
(`path("", include("xinyong.rights.urls"))` in xinyong/urls.py) so that one namespace
"rights" serves both halves:

- `public_urlpatterns` under /credit/ (the public portal: forms on a record, status
  look-up by query code);
- `staff_urlpatterns` under /workspace/rights/ (the credit office's and units' pages).

Objections and repair each add their paths to the two lists.
"""

from django.urls import include, path

from . import views_attachments, views_objections, views_repair

app_name = "rights"

public_urlpatterns = [
    path(
        "record/<int:pk>/objection/",
        views_objections.objection_public_new,
        name="objection-public-new",
    ),
    path("objection/status/", views_objections.objection_status, name="objection-status"),
    path("record/<int:pk>/repair/", views_repair.repair_public_new, name="repair-public-new"),
    path("repair/status/", views_repair.repair_status, name="repair-status"),
]

staff_urlpatterns = [
    path("objections/", views_objections.objection_list, name="objection-list"),
    path("objections/<int:pk>/", views_objections.objection_detail, name="objection-detail"),
    path(
        "records/<int:record_pk>/objection/",
        views_objections.objection_counter_new,
        name="objection-counter-new",
    ),
    path("repairs/", views_repair.repair_list, name="repair-list"),
    path("repairs/<int:pk>/", views_repair.repair_detail, name="repair-detail"),
    path(
        "records/<int:record_pk>/repair/",
        views_repair.repair_counter_new,
        name="repair-counter-new",
    ),
    path(
        "attachments/<int:pk>/",
        views_attachments.attachment_download,
        name="attachment-download",
    ),
    path("notices/", views_repair.notice_list, name="notice-list"),
    path("notices/<int:pk>/pdf/", views_repair.notice_pdf, name="notice-pdf"),
    path("notices/<int:pk>/serve/", views_repair.notice_serve, name="notice-serve"),
]

urlpatterns = [
    path("credit/", include(public_urlpatterns)),
    path("workspace/rights/", include(staff_urlpatterns)),
]
