from django.apps import AppConfig


class PersonnelConfig(AppConfig):
    name = "xinyong.personnel"
    label = "personnel"
    verbose_name = "人员信用档案"

    def ready(self) -> None:
        from . import demo, loaders, receivers  # noqa: F401  (loaders; signal receivers)
        from .views import register_navigation

        register_navigation()
