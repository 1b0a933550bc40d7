"""Workspace pages of orgs, mounted at the site root (staff pages under workspace/)."""

from django.urls import URLPattern, URLResolver, path

from . import views_tokens

app_name = "orgs"

urlpatterns: list[URLPattern | URLResolver] = [
    path("workspace/tokens/", views_tokens.token_list, name="tokens"),
    path("workspace/tokens/new/", views_tokens.token_new, name="token-new"),
    path("workspace/tokens/<int:pk>/revoke/", views_tokens.token_revoke, name="token-revoke"),
]
