"""Public portal pages of supervision, mounted at /credit/ (no login): the published
双随机 draws (draws part). Other parts add their own patterns here."""

from django.urls import URLPattern, URLResolver

from . import views_draws

app_name = "draws_public"

urlpatterns: list[URLPattern | URLResolver] = [*views_draws.public_urlpatterns]
