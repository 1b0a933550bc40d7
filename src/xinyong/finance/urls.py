"""Pages of 信易贷, mounted at the site root: the portal pages under /credit/xinyidai/,
the staff and bank pages under /workspace/xinyidai/."""

from django.urls import URLPattern, URLResolver, include, path

from . import views

app_name = "finance"

public_urlpatterns = [
    path("", views.portal_home, name="portal-home"),
    path("authorise/", views.portal_authorise, name="portal-authorise"),
    path("authorise/<str:token>/", views.portal_confirm, name="portal-confirm"),
    path("revoke/", views.portal_revoke, name="portal-revoke"),
    path("revoke/<str:token>/", views.portal_confirm_revoke, name="portal-confirm-revoke"),
]

staff_urlpatterns = [
    path("", views.home, name="home"),
    path("screen/", views.screen, name="screen"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
    path("export/", views.export, name="export"),
    path("authorisations/", views.authorisations, name="authorisations"),
    path("statistics/", views.statistics, name="statistics"),
    path("events/", views.events, name="events"),
    path("bank/", views.bank_list, name="bank-list"),
    path("bank/subjects/<int:pk>/", views.bank_subject, name="bank-subject"),
    path("bank/subjects/<int:pk>/report/", views.bank_report, name="bank-report"),
    path("bank/outcomes/", views.bank_outcomes, name="bank-outcomes"),
]

urlpatterns: list[URLPattern | URLResolver] = [
    path("credit/xinyidai/", include(public_urlpatterns)),
    path("workspace/xinyidai/", include(staff_urlpatterns)),
]
