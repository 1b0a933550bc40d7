from django.apps import AppConfig


class IntegrityConfig(AppConfig):
    name = "xinyong.integrity"
    label = "integrity"
    verbose_name = "政务诚信"

    def ready(self) -> None:
        from xinyong.core import jobs

        from . import demo, loaders, receivers  # noqa: F401  (loaders register themselves)
        from .monitoring import run_daily_scan
        from .views import register_navigation

        receivers.connect()
        # Late in the day's run, after the jobs that end or promote list entries elsewhere.
        jobs.register_daily_job("integrity.scan", run_daily_scan, order=80)
        register_navigation()
