from django.apps import AppConfig


class BenefitsConfig(AppConfig):
    name = "xinyong.benefits"
    label = "benefits"
    verbose_name = "信易+"

    def ready(self) -> None:
        from . import loaders  # noqa: F401  (reference and demo loaders)
        from .views import register_navigation

        register_navigation()
