from django.apps import AppConfig


class SubjectsConfig(AppConfig):
    name = "xinyong.subjects"
    label = "subjects"
    verbose_name = "信用主体"

    def ready(self) -> None:
        # Registers the demo loader with core.bootstrap.
        from . import demo  # noqa: F401
