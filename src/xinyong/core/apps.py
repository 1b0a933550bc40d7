from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "xinyong.core"
    label = "core"
    verbose_name = "平台基础"

    def ready(self) -> None:
        # Registers the calendar's reference loader and its cache-invalidating signals.
        from . import calendar_loader  # noqa: F401
        from .admin_audit import audit_admin_actions

        audit_admin_actions()
