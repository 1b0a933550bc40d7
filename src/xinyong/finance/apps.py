from django.apps import AppConfig


class FinanceConfig(AppConfig):
    name = "xinyong.finance"
    label = "finance"
    verbose_name = "信易贷"

    def ready(self) -> None:
        # Reference and demo loaders; receivers that keep the published white list in
        # step with grades and lists (plus the daily re-check); workspace navigation.
        from . import loaders, receivers  # noqa: F401
        from .views import register_navigation

        receivers.connect()
        register_navigation()
