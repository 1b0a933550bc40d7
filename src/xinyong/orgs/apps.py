from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "xinyong.orgs"
    label = "orgs"
    verbose_name = "单位与用户"

    def ready(self) -> None:
        # Registers the unit-list reference loader and the demo-account loader.
        from . import loaders, schema  # noqa: F401
