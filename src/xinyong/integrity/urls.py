"""Pages of 政务诚信, mounted at the site root so that one namespace serves the staff
pages under /workspace/integrity/ and the portal page under /credit/integrity/."""

from django.urls import URLPattern, URLResolver, include, path

from . import views

app_name = "integrity"

staff_urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("units/", views.unit_list, name="units"),
    path("units/<int:pk>/", views.unit_file, name="unit"),
    path("bodies/new/", views.body_new, name="body-new"),
    path("alerts/", views.alert_list, name="alerts"),
    path("alerts/<int:pk>/", views.alert_detail, name="alert"),
    path("cases/", views.case_list, name="cases"),
    path("cases/new/", views.case_new, name="case-new"),
    path("cases/<int:pk>/", views.case_detail, name="case"),
    path("arrears/", views.arrears_list, name="arrears"),
    path("arrears/new/", views.arrears_new, name="arrears-new"),
    path("arrears/<int:pk>/", views.arrears_detail, name="arrears-case"),
    path("commitments/", views.commitment_list, name="commitments"),
    path("commitments/new/", views.commitment_new, name="commitment-new"),
    path("commitments/<int:pk>/", views.commitment_detail, name="commitment"),
    path("evaluation/", views.evaluation_page, name="evaluation"),
    path("evaluation/export/", views.evaluation_export, name="evaluation-export"),
    path("evaluation/units/<int:pk>/", views.evaluation_unit, name="evaluation-unit"),
]

urlpatterns: list[URLPattern | URLResolver] = [
    path("workspace/integrity/", include(staff_urlpatterns)),
    path("credit/integrity/commitments/", views.public_commitments, name="public-commitments"),
]
