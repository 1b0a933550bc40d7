"""Pages of 人员信用档案, mounted at the site root."""

from django.urls import URLPattern, URLResolver

app_name = "personnel"

urlpatterns: list[URLPattern | URLResolver] = []
