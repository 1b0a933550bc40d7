from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "xinyong.ledger"
    label = "ledger"
    verbose_name = "工作台账"

    def ready(self) -> None:
        from xinyong.core import jobs

        from . import loaders, metrics  # noqa: F401  (reference and demo loaders)
        from .services import run_warnings_job
        from .views import register_navigation

        # Every installed app's `ledger_metrics` module (this app's included) registers
        # its metrics here, so that no app has to import the ledger.
        metrics.autodiscover()
        jobs.register_daily_job("ledger.warnings", run_warnings_job, order=90)
        register_navigation()
