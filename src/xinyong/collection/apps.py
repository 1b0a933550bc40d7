from django.apps import AppConfig


class CollectionConfig(AppConfig):
    name = "xinyong.collection"
    label = "collection"
    verbose_name = "信息归集"

    def ready(self) -> None:
        # Workspace navigation entries of the collection pages (views.register_navigation).
        from . import (
            demo,  # noqa: F401 - registers the demo data loader
            receivers,  # noqa: F401 - deadlines settled when a calendar year loads
        )
        from .views import register_navigation
        from .views_spot_checks import register_navigation as register_spot_checks

        register_navigation()
        register_spot_checks()
