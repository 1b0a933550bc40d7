from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import path
from django.views.generic import RedirectView

from . import views

app_name = "web"

urlpatterns = [
    path("", views.portal_home, name="portal-home"),
    path("search/", views.subject_search, name="search"),
    path("workspace/", views.workspace, name="workspace"),
    path("workspace/events/", views.event_log, name="events"),
    path("workspace/reads/", views.read_log, name="reads"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Browsers ask for /favicon.ico on every page that names none (the admin's, too).
    path("favicon.ico", RedirectView.as_view(url=static("web/favicon.svg"), permanent=True)),
]
