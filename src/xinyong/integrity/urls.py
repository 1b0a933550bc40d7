"""Pages of 政务诚信, mounted at the site root."""

from django.urls import URLPattern, URLResolver

app_name = "integrity"

urlpatterns: list[URLPattern | URLResolver] = []
