"""Pages of 信易贷, mounted at the site root."""

from django.urls import URLPattern, URLResolver

app_name = "finance"

urlpatterns: list[URLPattern | URLResolver] = []
