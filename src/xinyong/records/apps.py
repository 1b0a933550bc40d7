from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "xinyong.records"
    label = "records"
    verbose_name = "信用记录"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects the calendar receivers)
