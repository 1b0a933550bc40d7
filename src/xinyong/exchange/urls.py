"""Pages of 数据交换, mounted at the site root (staff pages under workspace/exchange/)."""

from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "exchange"

urlpatterns: list[URLPattern | URLResolver] = [
    path("workspace/exchange/", views.message_list, name="messages"),
    path("workspace/exchange/send/", views.send_now, name="send"),
    path("workspace/exchange/messages/<int:pk>/", views.message_detail, name="message"),
    path("workspace/exchange/messages/<int:pk>/resend/", views.message_resend, name="resend"),
    path("workspace/exchange/inbound/", views.inbound_list, name="inbound"),
    path("workspace/exchange/inbound/import/", views.import_now, name="import"),
]
