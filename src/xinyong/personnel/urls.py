"""Pages of 人员信用档案, mounted once at the site root: the person's own file and the
published 诚信典型 under /credit/personnel/, the staff pages under /workspace/personnel/."""

from django.urls import URLPattern, URLResolver, include, path

from . import views

app_name = "personnel"

public_urlpatterns = [
    path("honours/", views.public_honours, name="public-honours"),
    path("mine/", views.my_file, name="my-file"),
    path("mine/confirm/<str:token>/", views.my_confirm, name="my-confirm"),
]

staff_urlpatterns = [
    path("", views.file_list, name="list"),
    path("new/", views.person_new, name="new"),
    path("import/", views.item_import, name="import"),
    path("<int:pk>/", views.file_detail, name="file"),
    path("honours/", views.honour_list, name="honours"),
]

urlpatterns: list[URLPattern | URLResolver] = [
    path("credit/personnel/", include(public_urlpatterns)),
    path("workspace/personnel/", include(staff_urlpatterns)),
]
