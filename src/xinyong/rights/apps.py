from django.apps import AppConfig


class RightsConfig(AppConfig):
    name = "xinyong.rights"
    label = "rights"
    verbose_name = "权益保护（异议与信用修复）"

    def ready(self) -> None:
        # Repair: the 主动告知 receivers of records.signals.batch_stored and
        # publicity.signals.windows_computed (notices follow their windows), and the
        # workspace pages of repair and notices.
        from . import (
            notices,  # noqa: F401  (connects the receiver)
            receivers,  # noqa: F401  (connects the windows_computed receiver)
            repair,  # noqa: F401  (ends pending repairs when a record is withdrawn)
        )
        from .views_repair import register_navigation as register_repair_navigation

        register_repair_navigation()

        # Objections: the RightsPolicy reference loader and the workspace pages.
        from . import objections  # noqa: F401  (registers the reference loader)
        from .views_objections import register_navigation as register_objection_navigation

        register_objection_navigation()

        # Demo objections and repair on the demo penalty records (`xinyong init --demo`).
        from . import demo  # noqa: F401  (registers the demo loader)
