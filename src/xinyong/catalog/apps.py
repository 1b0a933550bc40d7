from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "xinyong.catalog"
    label = "catalog"
    verbose_name = "公共信用信息目录"

    def ready(self) -> None:
        # Registers the reference loader (order 30) and the spec-cache invalidation hooks.
        from . import loaders, signals  # noqa: F401
