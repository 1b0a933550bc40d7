"""Pages of commitments, mounted once at the site root (`path("", include(
"xinyong.commitments.urls"))` in xinyong/urls.py) so that one namespace serves the public
pages under /credit/commitments/ and the staff pages under /workspace/commitments/."""

from django.urls import include, path

from . import views

app_name = "commitments"

public_urlpatterns = [
    path("", views.public_window, name="public-window"),
    path("confirm/<str:token>/", views.public_confirm, name="public-confirm"),
    path("matters/", views.public_matters, name="public-matters"),
]

staff_urlpatterns = [
    path("", views.commitment_list, name="list"),
    path("new/", views.commitment_new, name="new"),
    path("import/", views.commitment_import, name="import"),
    path("<int:pk>/", views.commitment_detail, name="detail"),
    path("matters/", views.matter_list, name="matters"),
    path("units/", views.unit_figures, name="my-unit"),
    path("units/<int:pk>/", views.unit_figures, name="unit"),
]

urlpatterns = [
    path("credit/commitments/", include(public_urlpatterns)),
    path("workspace/commitments/", include(staff_urlpatterns)),
]
