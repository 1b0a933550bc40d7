"""Pages of 信易+, mounted at the site root."""

from django.urls import URLPattern, URLResolver

app_name = "benefits"

urlpatterns: list[URLPattern | URLResolver] = []
