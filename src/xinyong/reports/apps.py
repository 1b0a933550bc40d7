from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "xinyong.reports"
    label = "reports"
    verbose_name = "信用报告"

    def ready(self) -> None:
        from . import loaders  # noqa: F401  (reference and demo loaders)
        from .views import register_navigation

        register_navigation()
