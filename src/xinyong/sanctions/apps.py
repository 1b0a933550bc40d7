from django.apps import AppConfig


class SanctionsConfig(AppConfig):
    name = "xinyong.sanctions"
    label = "sanctions"
    verbose_name = "联合奖惩"

    def ready(self) -> None:
        # Reference loaders (list types, order 60), receivers and workspace navigation.
        from . import demo, loaders, receivers  # noqa: F401
        from .views_checks import register_navigation as register_check_navigation
        from .views_governance import register_navigation as register_governance_navigation
        from .views_lists import register_navigation as register_list_navigation

        receivers.connect()
        register_list_navigation()
        register_governance_navigation()
        register_check_navigation()
