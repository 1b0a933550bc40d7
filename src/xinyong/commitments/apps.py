from django.apps import AppConfig


class CommitmentsConfig(AppConfig):
    name = "xinyong.commitments"
    label = "commitments"
    verbose_name = "信用承诺"

    def ready(self) -> None:
        from xinyong.core import jobs

        from . import demo, loaders, receivers  # noqa: F401  (loaders; signal receivers)
        from .services import run_overdue_job
        from .views import register_navigation

        jobs.register_daily_job("commitments.check_overdue", run_overdue_job, order=60)
        register_navigation()
