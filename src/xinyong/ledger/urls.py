"""Pages of 工作台账, mounted at the site root."""

from django.urls import URLPattern, URLResolver

app_name = "ledger"

urlpatterns: list[URLPattern | URLResolver] = []
