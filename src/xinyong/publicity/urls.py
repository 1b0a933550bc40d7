from django.urls import path

from . import views

app_name = "publicity"

urlpatterns = [
    path("", views.search, name="search"),
    path("subject/<int:pk>/", views.subject_page, name="subject"),
    path("subject/<int:pk>/export.csv", views.subject_export, name="subject-export"),
    path("record/<int:pk>/", views.record_page, name="record"),
    path("withdrawals/", views.withdrawals, name="withdrawals"),
]
