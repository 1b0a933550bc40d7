from django.apps import AppConfig


class SanctionsConfig(AppConfig):
    name = "xinyong.sanctions"
    label = "sanctions"
    verbose_name = "联合奖惩"

    def ready(self) -> None:
        # Reference loaders (list types, order 60), demo loaders (lists 40, checks and
        # events 45), receivers and workspace navigation.
        from xinyong.core import jobs

        from . import demo, demo_checks, loaders, receivers  # noqa: F401
        from .checks import run_reminder_job
        from .lists import run_due_job
        from .views_checks import register_navigation as register_check_navigation
        from .views_governance import register_navigation as register_governance_navigation
        from .views_lists import register_navigation as register_list_navigation

        receivers.connect()
        # Before the grades (80) and the white-list re-check (85), which read the lists.
        jobs.register_daily_job("sanctions.lists_due", run_due_job, order=50)
        # Overdue 执行反馈 of checks: the platform reminds the unit itself (idempotent:
        # one reminder per check).
        jobs.register_daily_job("sanctions.feedback_reminders", run_reminder_job, order=55)
        register_list_navigation()
        register_governance_navigation()
        register_check_navigation()
